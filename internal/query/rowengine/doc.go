// Package rowengine runs native timeseries, topN, groupBy and scan queries
// over in-memory rows, row at a time, producing the same partial results
// (package result) that per-segment engines produce. It executes inline
// datasources and the outer query of a query datasource (for example a
// nested groupBy over its inner query's result rows) on the broker, and it
// is the reference implementation the vectorized segment engine is tested
// against.
//
// Rows follow the value package's model. A row's time is its __time value
// (epoch millis); a row without one is at time 0, as Druid treats inline
// rows. Virtual columns are evaluated with internal/expr and cast to their
// output type; filters use the filter package's row evaluator; dimension
// specs apply extraction functions and output types; multi-value
// dimensions yield one group per value (the cartesian product across
// several multi-value dimensions), and an empty multi-value row is null.
//
// Aggregators lift each input value to the aggregator's intermediate type
// (count 1; long* int64, double* float64, float* float32, null when absent
// or unparseable; first/last a result.Pair of the row time, or the
// timeColumn, and the value) and fold with result.Aggregator.Combine.
// stringFirst/stringLast do not truncate to maxStringBytes.
//
// Join (a hash join on the right side's keys, Druid's join semantics) and
// Unnest (one row per array or multi-value element) turn the rows of join
// and unnest datasources into rows for the outer query; LookupRows exposes
// a lookup as rows of k and v.
//
// Functions are safe for concurrent use; they do not modify the rows.
package rowengine
