//go:build duckdb

package main

import (
	"context"
	"time"

	"github.com/dryaddb/dryad/bench/answer"
	"github.com/dryaddb/dryad/bench/duck"
	"github.com/dryaddb/dryad/bench/suite"
)

const haveDuckDB = true

// duckPeer adapts a DuckDB database to the harness.
type duckPeer struct{ *duck.DB }

func openPeer(ctx context.Context, path string, threads int) (peerDB, error) {
	db, err := duck.Open(ctx, path, threads)
	if err != nil {
		return nil, err
	}
	return duckPeer{db}, nil
}

func (duckPeer) Name() string { return "duckdb" }

func (p duckPeer) Answer(ctx context.Context, q suite.Query) (answer.Table, error) {
	return p.DB.Query(ctx, q.SQL)
}

func (p duckPeer) Time(ctx context.Context, q suite.Query) (time.Duration, error) {
	return p.DB.Time(ctx, q.SQL)
}

func (p duckPeer) Reference(ctx context.Context, q suite.Query) (answer.Table, error) {
	return p.DB.Query(ctx, q.Reference())
}

func (p duckPeer) Load(ctx context.Context, stmt string) error { return p.DB.Exec(ctx, stmt) }
