package main

import (
	"context"
	"fmt"
	"io"

	"github.com/dryaddb/dryad/internal/segment/inspect"
)

const segmentUsage = `usage: dryad segment inspect FILE [--rows N] [--json]

Describes a segment file: format version, size, metadata, columns with their
types and encodings, and the first N rows (default 10); --json prints the
same as JSON.
`

func runSegment(_ context.Context, _ func(), args []string, stdout, stderr io.Writer, _ []string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, segmentUsage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, segmentUsage)
		return exitOK
	case "inspect":
		return inspect.Run(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "dryad segment: unknown subcommand %q\n%s", args[0], segmentUsage)
	return exitUsage
}
