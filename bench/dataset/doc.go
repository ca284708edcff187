// Package dataset writes the benchmark data sets to JSON-lines files and
// describes how each engine loads them: a Druid index_parallel ingestion
// spec for dryad and a CREATE TABLE … AS SELECT … FROM read_json(…) for
// DuckDB, with the same columns and types on both sides.
//
// Schema choices (documented in docs/performance.md):
//
//   - No rollup and queryGranularity none: every input row is a row, so
//     Druid's count aggregator equals SQL's count(*), and metrics
//     (longSum/doubleSum of the input field, same name) are plain columns.
//     No "count" metric is stored: it would be 1 on every row.
//   - wiki: all 16 string dimensions plus the multi-value "tags"
//     (VARCHAR[] in DuckDB), metrics added, deleted, delta, commentLength
//     (BIGINT) and deltaScore (DOUBLE); DAY segments; written as one file
//     per day so that index_parallel splits the work by file.
//   - lineitem: l_shipdate is the timestamp (__time); dimensions
//     l_returnflag, l_linestatus, l_shipmode, l_shipinstruct and l_orderkey
//     (long); l_quantity, l_extendedprice, l_discount, l_tax as doubleSum
//     metrics (DOUBLE in DuckDB, not DECIMAL, so that both sum doubles);
//     DuckDB also keeps l_shipdate as a DATE for the TPC-H predicates; YEAR
//     segments; written in 8 files of consecutive orders.
//
// Functions here do file I/O only; they are safe for concurrent use on
// different directories.
package dataset
