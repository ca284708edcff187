// Command compare benchmarks dryad against DuckDB on the same data in one
// run: it generates the wiki and TPC-H lineitem data sets, builds and starts
// a real dryad quickstart and ingests them over HTTP, loads them into a
// DuckDB database file, checks that both engines give the same answer to
// every query of the suite, times them alternately, and writes
// bench/results/<date>-<host>.md and .json.
//
//	make bench-compare                          # 10M wiki rows, TPC-H SF 1
//	go run ./bench/cmd/compare --rows 10M       # the same (re-runs itself with -tags duckdb)
//	go run -tags duckdb ./bench/cmd/compare --rows 1M --runs 5 --queries tpch-q1,tpch-q6
//
// DuckDB is linked only with the build tag duckdb; built without it the
// command re-executes itself through "go run -tags duckdb". The exit status
// is 1 when an engine gives a wrong answer or fails a query or a step, and
// the report says which.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}
