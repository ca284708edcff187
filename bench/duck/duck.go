//go:build duckdb

package duck

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver

	"github.com/dryaddb/dryad/bench/answer"
)

// DB is an open DuckDB database file.
type DB struct {
	db   *sql.DB
	path string
}

// Open opens (creating if needed) the database file at path and limits
// DuckDB to threads worker threads.
func Open(ctx context.Context, path string, threads int) (*DB, error) {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return nil, fmt.Errorf("duckdb %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	d := &DB{db: db, path: path}
	for _, stmt := range []string{
		fmt.Sprintf("SET threads = %d", threads),
		"SET TimeZone = 'UTC'",
	} {
		if err := d.Exec(ctx, stmt); err != nil {
			db.Close()
			return nil, err
		}
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Exec runs a statement that returns no rows.
func (d *DB) Exec(ctx context.Context, stmt string) error {
	if _, err := d.db.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("duckdb: %w\n%s", err, stmt)
	}
	return nil
}

// Version returns DuckDB's version string, e.g. "v1.5.3".
func (d *DB) Version(ctx context.Context) string {
	var v string
	if err := d.db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "unknown"
	}
	return v
}

// Count returns SELECT count(*) FROM table.
func (d *DB) Count(ctx context.Context, table string) (int64, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("duckdb count of %s: %w", table, err)
	}
	return n, nil
}

// FileBytes checkpoints the database and returns the size of its file
// (plus a write-ahead log, if any).
func (d *DB) FileBytes(ctx context.Context) (int64, error) {
	if err := d.Exec(ctx, "CHECKPOINT"); err != nil {
		return 0, err
	}
	var total int64
	for _, p := range []string{d.path, d.path + ".wal"} {
		if info, err := os.Stat(p); err == nil {
			total += info.Size()
		}
	}
	return total, nil
}

// Query runs a query and returns its rows as an answer table.
func (d *DB) Query(ctx context.Context, query string) (answer.Table, error) {
	rows, err := d.db.QueryContext(ctx, query)
	if err != nil {
		return answer.Table{}, fmt.Errorf("duckdb: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return answer.Table{}, fmt.Errorf("duckdb: %w", err)
	}
	t := answer.Table{Columns: cols}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return answer.Table{}, fmt.Errorf("duckdb: %w", err)
		}
		row := make([]any, len(cols))
		for i, v := range vals {
			if row[i], err = answer.Normalize(cols[i], v); err != nil {
				return answer.Table{}, fmt.Errorf("duckdb: %w", err)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return answer.Table{}, fmt.Errorf("duckdb: %w", err)
	}
	return t, nil
}

// Time runs a query, reads every row into Go values, and returns the
// elapsed wall time.
func (d *DB) Time(ctx context.Context, query string) (time.Duration, error) {
	start := time.Now()
	rows, err := d.db.QueryContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("duckdb: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, fmt.Errorf("duckdb: %w", err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, fmt.Errorf("duckdb: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("duckdb: %w", err)
	}
	return time.Since(start), nil
}
