// Package duck runs DuckDB (github.com/duckdb/duckdb-go/v2, cgo) as the
// peer engine of the benchmark comparison: it loads the data sets into a
// database file and answers and times the suite's SQL.
//
// Everything but this comment is behind the build tag "duckdb", so that
// dryad's normal build, vet and tests never compile or link DuckDB:
//
//	go run -tags duckdb ./bench/cmd/compare
//
// A DB holds one connection, so that settings such as the thread count
// apply to every statement; it is safe for concurrent use, but statements
// run one at a time.
package duck
