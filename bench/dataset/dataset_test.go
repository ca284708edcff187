package dataset

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/bench/suite"
	"github.com/dryaddb/dryad/internal/ingest"
)

func TestWriteWiki(t *testing.T) {
	dir := t.TempDir()
	fs, err := WriteWiki(dir, 1, 3000)
	if err != nil {
		t.Fatal(err)
	}
	if fs.Rows != 3000 || len(fs.Paths) != 30 {
		t.Fatalf("rows %d files %d, want 3000 rows in 30 files", fs.Rows, len(fs.Paths))
	}
	var total int64
	for _, p := range fs.Paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		day := strings.TrimSuffix(strings.TrimPrefix(p[strings.LastIndex(p, "/")+1:], "wiki-"), ".json")
		for sc.Scan() {
			total++
			var row map[string]any
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if ts, _ := row["timestamp"].(string); !strings.HasPrefix(ts, day) {
				t.Fatalf("%s holds a row of %s", p, ts)
			}
		}
		f.Close()
	}
	if total != fs.Rows {
		t.Fatalf("files hold %d rows, Files says %d", total, fs.Rows)
	}
}

func TestWriteLineitem(t *testing.T) {
	fs, err := WriteLineitem(t.TempDir(), 1, 0.002)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs.Paths) != LineitemFiles || fs.Rows < 10000 || fs.Rows > 14000 {
		t.Fatalf("%d rows in %d files", fs.Rows, len(fs.Paths))
	}
}

// TestDruidSpec checks that the specs decode with dryad's own ingestion
// spec decoder.
func TestDruidSpec(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{suite.Wiki, suite.Lineitem} {
		spec, err := DruidSpec(Files{Name: name, Dir: dir, Glob: name + "-*.json"}, 2)
		if err != nil {
			t.Fatal(err)
		}
		task, err := ingest.DecodeTask(spec, ingest.DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, spec)
		}
		if task.Type != "index_parallel" {
			t.Fatalf("%s: type %q", name, task.Type)
		}
	}
	if _, err := DruidSpec(Files{Name: "nope"}, 2); err == nil {
		t.Fatal("unknown data set accepted")
	}
}

func TestDuckDBLoad(t *testing.T) {
	sql, err := DuckDBLoad(Files{Name: suite.Wiki, Dir: "/d/it's", Glob: "wiki-*.json"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CREATE TABLE wiki AS", `'/d/it''s/wiki-*.json'`, `'tags': 'VARCHAR[]'`, `"user"`, `'deltaScore': 'DOUBLE'`, "AS __time"} {
		if !strings.Contains(sql, want) {
			t.Errorf("wiki load lacks %s:\n%s", want, sql)
		}
	}
	sql, err = DuckDBLoad(Files{Name: suite.Lineitem, Dir: "/d", Glob: "lineitem-*.json"})
	if err != nil || !strings.Contains(sql, `'l_shipdate': 'DATE'`) {
		t.Errorf("lineitem load: %v\n%s", err, sql)
	}
	if _, err := DuckDBLoad(Files{Name: "nope"}); err == nil {
		t.Fatal("unknown data set accepted")
	}
}
