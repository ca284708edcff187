// Package report holds the results of a benchmark comparison run (latency
// statistics per query and engine, ingestion rates, storage sizes, memory)
// and renders them as a Markdown report, an aligned terminal table and
// JSON.
//
// Latencies are summarised by Summarize (median and 95th percentile by the
// nearest-rank method); the suite's headline is the geometric mean of the
// per-query ratios dryad/DuckDB over the queries both engines answered
// correctly.
//
// A Report is a plain value; render it after the run, from one goroutine.
package report
