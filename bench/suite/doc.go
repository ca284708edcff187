// Package suite is the fixed query suite of the dryad-versus-DuckDB
// comparison: each query written once as a native Druid query (for dryad)
// and once as equivalent DuckDB SQL, with the rule that decides whether the
// two answers agree.
//
// The queries run over the tables described by package dataset: "wiki"
// (bench/datagen's wikipedia-like edits, no rollup, so Druid's count
// aggregator counts input rows as SQL's count(*)) and "lineitem" (TPC-H's,
// l_shipdate as the row timestamp). Timeseries queries set
// skipEmptyBuckets so that Druid, like SQL, emits no row for an empty
// bucket; topN and ordered groupBy queries order ties the same way in both
// languages (metric descending, then the dimension ascending).
//
// The SQL is what DuckDB is timed on. A query may name a separate exact
// reference (RefSQL): an approximate count distinct is timed with
// approx_count_distinct and checked, in both engines, against
// count(DISTINCT …) within the sketch's error bound.
//
// Suite returns new values on every call; the queries are immutable.
package suite
