package main

import (
	"bytes"
	"context"
	"io"

	"github.com/dryaddb/dryad/internal/taskclient"
)

// ingestUsage is taskclient's own usage text, so the two never drift.
func ingestUsage() string {
	var b bytes.Buffer
	taskclient.Run([]string{"--help"}, &b, io.Discard)
	return b.String()
}

func runIngest(_ context.Context, _ func(), args []string, stdout, stderr io.Writer, _ []string) int {
	return taskclient.Run(args, stdout, stderr)
}
