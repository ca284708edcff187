// Package result defines the partial results that per-segment engines
// produce for timeseries, topN, groupBy and scan queries, merges them the
// way Druid's broker does (combining aggregator states, zero-filling,
// re-truncating topN lists, re-grouping, ordering, offset and limit),
// applies post-aggregators, having, limitSpec and subtotals, and writes
// Druid's exact result JSON with hand-written, append-based writers.
//
// # Intermediate values
//
// Aggregator states travel as values of the value package's model plus
// Pair for first/last aggregators. Merging needs, per aggregator, the value
// of an empty state, a combine function and a finalizer: the Aggregator
// interface. FromFactory adapts the aggregation package's factories.
//
// # Timestamps
//
// Partial rows carry bucket timestamps already floored by the query
// granularity. For granularity "all" timeseries and topN label their single
// bucket with max(query interval start, earliest data start) — each segment
// reports its own and the merge keeps the smallest; groupBy uses the query's
// first interval start.
//
// # topN approximation
//
// Each segment returns its top max(threshold, minTopNThreshold) rows per
// bucket. The merge combines rows for the same dimension value, re-sorts
// and truncates to threshold. A value that fell outside some segment's list
// is missing that segment's contribution, so merged metrics and the
// membership of the list are approximate when a dimension has more values
// per segment than the per-segment threshold; they are exact otherwise.
//
// Merge functions take ownership of the partial results they are given.
// Nothing here keeps state between calls; all functions are safe for
// concurrent use on distinct inputs.
package result
