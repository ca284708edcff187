// Package answer holds query answers in one engine-neutral form, a Table of
// named columns and rows, and decides whether two answers agree.
//
// Druid's native result JSON (timeseries, topN, groupBy and scan) is
// flattened into rows by FromDruid; a SQL engine's rows are built with
// NewTable and Normalize. Values are nil, string, int64 or float64 (the
// column "__time" is always int64 epoch milliseconds), so the same answer
// from either engine compares equal.
//
// Compare applies a Match: unordered answers are compared as multisets;
// ordered answers row by row, except that rows tied on the sort columns may
// come in any order; subset answers (a scan with a limit, whose rows are
// any rows that match) must hold the right number of rows, each present in
// the reference. Floating-point values agree within a relative tolerance,
// per column where an approximate aggregator (a sketch) is involved.
//
// Tables are plain values; nothing here is safe for concurrent mutation.
package answer
