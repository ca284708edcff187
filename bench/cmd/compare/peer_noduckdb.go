//go:build !duckdb

package main

import (
	"context"
	"errors"
)

const haveDuckDB = false

func openPeer(context.Context, string, int) (peerDB, error) {
	return nil, errors.New("built without -tags duckdb")
}
