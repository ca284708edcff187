package main

import (
	"context"
	"fmt"
	"io"
)

const segmentUsage = `usage: dryad segment inspect FILE [--rows N] [--json]

Describes a segment file: header, columns, encodings and, with --rows, the
first N rows.
`

func runSegment(_ context.Context, _ func(), args []string, stdout, stderr io.Writer, _ []string) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(stdout, segmentUsage)
		return exitOK
	}
	fmt.Fprintln(stderr, "dryad segment: not available in this build")
	return exitUsage
}
