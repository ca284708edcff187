// Command dryad is Apache Druid rebuilt in Go: one binary that runs any
// subset of Druid's roles in one process.
//
//	dryad quickstart [flags]              every role in one process, data under ./var, http://127.0.0.1:8888
//	dryad server --roles=LIST [flags]     the given roles, configured by --config FILE, flags and DRYAD_* env
//	dryad segment inspect FILE [flags]    describe a segment file
//	dryad version                         print the version
//	dryad help [command]                  print usage
//
// See docs/cli.md for every flag and docs/configuration.md for every key.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	// The tz database is embedded so that time zones (granularities,
	// timestamp parsing, expressions) work on machines without one.
	_ "time/tzdata"
)

// version is set at build time with -ldflags "-X main.version=...";
// when empty, the module build information is used.
var version string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, stop, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}
