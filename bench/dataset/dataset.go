package dataset

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dryaddb/dryad/bench/datagen"
	"github.com/dryaddb/dryad/bench/suite"
)

// Files is a data set written as JSON lines.
type Files struct {
	Name  string   // suite.Wiki or suite.Lineitem
	Dir   string   // the directory holding the files
	Glob  string   // file name pattern within Dir, e.g. "wiki-*.json"
	Paths []string // the files, in write order
	Rows  int64
	Bytes int64
}

// WriteWiki writes rows wiki rows generated from seed into dir, one file
// per day (wiki-2026-01-01.json …).
func WriteWiki(dir string, seed, rows int64) (Files, error) {
	fs := Files{Name: suite.Wiki, Dir: dir, Glob: "wiki-*.json"}
	g := datagen.NewWiki(seed, rows)
	w := &splitWriter{files: &fs}
	var buf []byte
	for r := g.Next(); r != nil; r = g.Next() {
		name := "wiki-" + time.UnixMilli(r.Time).UTC().Format("2006-01-02") + ".json"
		if err := w.switchTo(name); err != nil {
			return fs, err
		}
		buf = append(r.AppendJSON(buf[:0]), '\n')
		if err := w.write(buf); err != nil {
			return fs, err
		}
	}
	return fs, w.close()
}

// LineitemFiles is how many files the lineitem rows are spread over.
const LineitemFiles = 8

// WriteLineitem writes TPC-H lineitem at scale factor sf, generated from
// seed, into dir as LineitemFiles files of consecutive orders.
func WriteLineitem(dir string, seed int64, sf float64) (Files, error) {
	fs := Files{Name: suite.Lineitem, Dir: dir, Glob: "lineitem-*.json"}
	// TPC-H has about 6,001,215 rows per unit of scale factor.
	per := max(int64(6_001_215*sf)/LineitemFiles, 1)
	g := datagen.NewLineitem(seed, sf)
	w := &splitWriter{files: &fs}
	var buf []byte
	var n int64
	for r := g.Next(); r != nil; r = g.Next() {
		part := min(n/per, LineitemFiles-1)
		if err := w.switchTo(fmt.Sprintf("lineitem-%d.json", part)); err != nil {
			return fs, err
		}
		buf = append(r.AppendJSON(buf[:0]), '\n')
		if err := w.write(buf); err != nil {
			return fs, err
		}
		n++
	}
	return fs, w.close()
}

// splitWriter writes rows to one file after another.
type splitWriter struct {
	files *Files
	name  string
	f     *os.File
	bw    *bufio.Writer
}

func (w *splitWriter) switchTo(name string) error {
	if name == w.name {
		return nil
	}
	if err := w.close(); err != nil {
		return err
	}
	path := filepath.Join(w.files.Dir, name)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("data set %s: %w", w.files.Name, err)
	}
	w.name, w.f, w.bw = name, f, bufio.NewWriterSize(f, 1<<20)
	w.files.Paths = append(w.files.Paths, path)
	return nil
}

func (w *splitWriter) write(line []byte) error {
	w.files.Rows++
	w.files.Bytes += int64(len(line))
	if _, err := w.bw.Write(line); err != nil {
		return fmt.Errorf("data set %s: %s: %w", w.files.Name, w.name, err)
	}
	return nil
}

func (w *splitWriter) close() error {
	if w.f == nil {
		return nil
	}
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f, w.bw = nil, nil
	if err != nil {
		return fmt.Errorf("data set %s: %s: %w", w.files.Name, w.name, err)
	}
	return nil
}

// wikiLongs and wikiDoubles are the wiki metrics by type.
var (
	wikiLongs   = []string{"added", "deleted", "delta", "commentLength"}
	wikiDoubles = []string{"deltaScore"}
)

var lineitemDoubles = []string{"l_quantity", "l_extendedprice", "l_discount", "l_tax"}

// DruidSpec returns the index_parallel task that ingests fs into a
// datasource named fs.Name, reading the files with a local input source.
// concurrency is maxNumConcurrentSubTasks.
func DruidSpec(fs Files, concurrency int) ([]byte, error) {
	var dims []any
	var metrics []map[string]string
	segGran := "DAY"
	switch fs.Name {
	case suite.Wiki:
		for _, d := range datagen.WikiDimensions {
			dims = append(dims, d) // tags: a multi-value string, Druid's default SORTED_ARRAY handling
		}
		for _, m := range wikiLongs {
			metrics = append(metrics, map[string]string{"type": "longSum", "name": m, "fieldName": m})
		}
		for _, m := range wikiDoubles {
			metrics = append(metrics, map[string]string{"type": "doubleSum", "name": m, "fieldName": m})
		}
	case suite.Lineitem:
		segGran = "YEAR"
		dims = []any{"l_returnflag", "l_linestatus", "l_shipmode", "l_shipinstruct", map[string]any{"type": "long", "name": "l_orderkey"}}
		for _, m := range lineitemDoubles {
			metrics = append(metrics, map[string]string{"type": "doubleSum", "name": m, "fieldName": m})
		}
	default:
		return nil, fmt.Errorf("data set %q: want %s or %s", fs.Name, suite.Wiki, suite.Lineitem)
	}
	abs, err := filepath.Abs(fs.Dir)
	if err != nil {
		return nil, err
	}
	spec := map[string]any{
		"type": "index_parallel",
		"spec": map[string]any{
			"dataSchema": map[string]any{
				"dataSource":      fs.Name,
				"timestampSpec":   map[string]any{"column": "timestamp", "format": "iso"},
				"dimensionsSpec":  map[string]any{"dimensions": dims},
				"metricsSpec":     metrics,
				"granularitySpec": map[string]any{"type": "uniform", "segmentGranularity": segGran, "queryGranularity": "none", "rollup": false},
			},
			"ioConfig": map[string]any{
				"type":        "index_parallel",
				"inputSource": map[string]any{"type": "local", "baseDir": abs, "filter": fs.Glob},
				"inputFormat": map[string]any{"type": "json"},
			},
			"tuningConfig": map[string]any{
				"type":                     "index_parallel",
				"maxNumConcurrentSubTasks": concurrency,
				"partitionsSpec":           map[string]any{"type": "dynamic"},
			},
		},
	}
	return json.MarshalIndent(spec, "", "  ")
}

// DuckDBLoad returns the statement that creates table fs.Name in DuckDB
// from the files, with explicit column types.
func DuckDBLoad(fs Files) (string, error) {
	glob := sqlString(filepath.Join(fs.Dir, fs.Glob))
	var cols, sel []string
	add := func(name, typ string) {
		cols = append(cols, sqlString(name)+": "+sqlString(typ))
	}
	add("timestamp", "VARCHAR")
	sel = append(sel, `CAST(CAST("timestamp" AS TIMESTAMPTZ) AS TIMESTAMP) AS __time`)
	switch fs.Name {
	case suite.Wiki:
		for _, d := range datagen.WikiDimensions {
			if d == "tags" {
				add(d, "VARCHAR[]")
			} else {
				add(d, "VARCHAR")
			}
			sel = append(sel, quoteIdent(d))
		}
		for _, m := range wikiLongs {
			add(m, "BIGINT")
			sel = append(sel, quoteIdent(m))
		}
		for _, m := range wikiDoubles {
			add(m, "DOUBLE")
			sel = append(sel, quoteIdent(m))
		}
	case suite.Lineitem:
		for _, d := range []string{"l_returnflag", "l_linestatus", "l_shipmode", "l_shipinstruct"} {
			add(d, "VARCHAR")
			sel = append(sel, d)
		}
		add("l_orderkey", "BIGINT")
		sel = append(sel, "l_orderkey")
		for _, m := range lineitemDoubles {
			add(m, "DOUBLE")
			sel = append(sel, m)
		}
		add("l_shipdate", "DATE")
		sel = append(sel, "l_shipdate")
	default:
		return "", fmt.Errorf("data set %q: want %s or %s", fs.Name, suite.Wiki, suite.Lineitem)
	}
	order := ""
	if fs.Name == suite.Lineitem {
		// wiki files are written in time order, and DuckDB keeps insertion
		// order; lineitem is in order-key order, so sort it by time as
		// Druid's time partitioning does.
		order = " ORDER BY __time"
	}
	return fmt.Sprintf("CREATE TABLE %s AS SELECT %s FROM read_json(%s, format = 'newline_delimited', columns = {%s})%s",
		fs.Name, strings.Join(sel, ", "), glob, strings.Join(cols, ", "), order), nil
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
