//go:build duckdb

package duck

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dryaddb/dryad/bench/answer"
	"github.com/dryaddb/dryad/bench/dataset"
	"github.com/dryaddb/dryad/bench/suite"
)

// TestLoadAndQuery loads small data sets and checks that every suite query
// runs and that its SQL names the compared columns.
func TestLoadAndQuery(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "bench.duckdb"), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wiki, err := dataset.WriteWiki(dir, 1, 20000)
	if err != nil {
		t.Fatal(err)
	}
	li, err := dataset.WriteLineitem(dir, 1, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	for _, fs := range []dataset.Files{wiki, li} {
		stmt, err := dataset.DuckDBLoad(fs)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Count(ctx, fs.Name); err != nil || n != fs.Rows {
			t.Fatalf("%s: %d rows, %v; want %d", fs.Name, n, err, fs.Rows)
		}
	}
	qs, err := suite.Suite(wiki.Rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		t.Run(q.Name, func(t *testing.T) {
			ref, err := db.Query(ctx, q.Reference())
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.Query(ctx, q.SQL)
			if err != nil {
				t.Fatal(err)
			}
			if len(ref.Rows) == 0 {
				t.Fatalf("reference answer is empty")
			}
			if err := answer.Compare(ref, got, q.Match); err != nil {
				t.Fatalf("timed SQL disagrees with the reference: %v", err)
			}
			if _, err := db.Time(ctx, q.SQL); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d rows; first %v", len(ref.Rows), ref.Rows[0])
		})
	}
	if n, err := db.FileBytes(ctx); err != nil || n <= 0 {
		t.Fatalf("FileBytes = %d, %v", n, err)
	}
	if v := db.Version(ctx); v == "unknown" {
		t.Fatal("no version")
	}
}
