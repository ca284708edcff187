package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files under testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *rewrite {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -rewrite to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs; run go test -rewrite after checking\ngot:\n%s", path, got)
	}
}

func TestSummarize(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	for _, c := range []struct {
		in   []time.Duration
		want Latency
	}{
		{nil, Latency{}},
		{ms(5), Latency{Runs: 1, MinMs: 5, MedianMs: 5, P95Ms: 5}},
		{ms(4, 1, 3, 2), Latency{Runs: 4, MinMs: 1, MedianMs: 2.5, P95Ms: 4}},
		{ms(9, 1, 5), Latency{Runs: 3, MinMs: 1, MedianMs: 5, P95Ms: 9}},
		// 20 samples: p95 is the 19th smallest.
		{ms(20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), Latency{Runs: 20, MinMs: 1, MedianMs: 10.5, P95Ms: 19}},
	} {
		if got := Summarize(c.in); got != c.want {
			t.Errorf("Summarize(%v) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestGeoMean(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{4}, 4},
		{[]float64{1, 4}, 2},
		{[]float64{0.5, 2, 0, math.Inf(1)}, 1}, // non-positive and infinite values are ignored
	} {
		if got := GeoMean(c.in); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("GeoMean(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func sample() *Report {
	r := &Report{
		Date:    time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Machine: Machine{Host: "bench1", CPU: "Test CPU @ 2.0GHz", Cores: 2, MemoryGiB: 23, OS: "linux/amd64", Go: "go1.26.8", Dryad: "v0.1.0", DuckDB: "v1.5.3"},
		Command: "go run ./bench/cmd/compare --rows 1M", WikiRows: 1_000_000, LineitemSF: 0.1, LineitemRows: 600_572,
		Warmup: 2, Runs: 10, Threads: 2,
		Ingest: []Ingest{
			{Dataset: "wiki", Engine: "dryad", Rows: 1_000_000, Seconds: 8.25, RowsPerSecPerCore: 60606, Bytes: 52_428_800},
			{Dataset: "wiki", Engine: "duckdb", Rows: 1_000_000, Seconds: 3.5, RowsPerSecPerCore: 142857, Bytes: 41_943_040},
		},
		DryadRSS: 300 << 20, DryadPeakRSS: 900 << 20, DuckDBBytes: 60 << 20,
		Queries: []Query{
			{Name: "timeseries-hour", Description: "d", Status: StatusOK, Dryad: Latency{Runs: 10, MinMs: 10, MedianMs: 12.5, P95Ms: 20}, DuckDB: Latency{Runs: 10, MinMs: 20, MedianMs: 25, P95Ms: 31}},
			{Name: "topn-high-cardinality", Description: "d", Status: StatusOK, Dryad: Latency{Runs: 10, MedianMs: 150, P95Ms: 210}, DuckDB: Latency{Runs: 10, MedianMs: 75, P95Ms: 80}},
			{Name: "count-distinct-approx", Description: "d", Status: StatusSkipped, Reason: "needs sketches (issue #7): aggregator type \"cardinality\" is not supported yet"},
			{Name: "scan-limit", Description: "d", Status: StatusWrong, Reason: "dryad: 999 rows, want 1000 | more"},
		},
		WallSeconds: 312,
		Notes:       []string{"a note"},
	}
	r.Finish()
	return r
}

func TestFinish(t *testing.T) {
	r := sample()
	if r.Queries[0].Ratio != 0.5 || r.Queries[1].Ratio != 2 || r.Queries[2].Ratio != 0 {
		t.Fatalf("ratios %v %v %v", r.Queries[0].Ratio, r.Queries[1].Ratio, r.Queries[2].Ratio)
	}
	if math.Abs(r.GeoMeanRatio-1) > 1e-12 {
		t.Fatalf("geometric mean %v, want 1", r.GeoMeanRatio)
	}
	if !r.Failed() {
		t.Fatal("a wrong answer did not fail the report")
	}
	r.Queries = r.Queries[:3]
	if r.Failed() {
		t.Fatal("a skipped query failed the report")
	}
}

func TestRender(t *testing.T) {
	r := sample()
	var md, term, js bytes.Buffer
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.md", md.Bytes())
	if err := r.Terminal(&term); err != nil {
		t.Fatal(err)
	}
	golden(t, "terminal.txt", term.Bytes())
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.GeoMeanRatio != r.GeoMeanRatio || len(back.Queries) != len(r.Queries) || back.Queries[1].Dryad != r.Queries[1].Dryad {
		t.Fatalf("JSON round trip lost data: %+v", back)
	}
}
