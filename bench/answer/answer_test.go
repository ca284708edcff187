package answer

import (
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFromDruid(t *testing.T) {
	const t0 = int64(1767225600000) // 2026-01-01T00:00:00Z
	for _, c := range []struct {
		file string
		want Table
	}{
		{"topn.json", Table{
			Columns: []string{"__time", "added", "channel", "edits"},
			Rows: [][]any{
				{t0, int64(9050), "#Kaka.wikipedia", int64(12)},
				{t0, int64(800), "#Loka.wikipedia", int64(3)},
				{t0, int64(800), nil, int64(1)},
			}}},
		{"timeseries.json", Table{
			Columns: []string{"__time", "added", "deltaScore", "edits"},
			Rows: [][]any{
				{t0, int64(100), 1.5, int64(10)},
				{t0 + 3600000, nil, 1e-4, int64(0)},
			}}},
		{"groupby.json", Table{
			Columns: []string{"__time", "deltaScore", "edits", "isMinor", "language"},
			Rows: [][]any{
				{t0 + 86400000, -2.25, int64(3), "true", "en"},
				{t0 + 86400000, "NaN", int64(1), nil, nil},
			}}},
		{"scan.json", Table{
			Columns: []string{"__time", "added", "page", "tags"},
			Rows: [][]any{
				{t0, int64(5), "Page Ka", `["a","b"]`},
				{t0 + 1000, int64(7), "Page Lo", nil},
			}}},
	} {
		t.Run(c.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := FromDruid(body)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Fatalf("FromDruid (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromDruidErrors(t *testing.T) {
	for _, body := range []string{
		``, `{}`, `[1]`, `[{"x":1}]`, `[{"event":"x"}]`, `[{"events":[1]}]`, `[{"result":[1]}]`,
		`[{"timestamp":"not a time","result":{}}]`,
	} {
		if _, err := FromDruid([]byte(body)); err == nil {
			t.Errorf("FromDruid(%q) succeeded", body)
		}
	}
	if tb, err := FromDruid([]byte(`[]`)); err != nil || len(tb.Rows) != 0 {
		t.Errorf("FromDruid([]) = %v, %v", tb, err)
	}
}

func FuzzFromDruid(f *testing.F) {
	for _, name := range []string{"topn.json", "timeseries.json", "groupby.json", "scan.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[{"result":{"a":1e400}}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tb, err := FromDruid(body)
		if err != nil {
			return
		}
		for _, r := range tb.Rows {
			if len(r) != len(tb.Columns) {
				t.Fatalf("row of %d values for %d columns", len(r), len(tb.Columns))
			}
		}
	})
}

func TestNormalize(t *testing.T) {
	ts := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		col  string
		in   any
		want any
	}{
		{"x", nil, nil},
		{"x", "s", "s"},
		{"x", []byte("b"), "b"},
		{"x", int32(7), int64(7)},
		{"x", uint64(7), int64(7)},
		{"x", float32(0.5), 0.5},
		{"x", big.NewInt(42), int64(42)},
		{"x", true, "true"},
		{"__time", ts, ts.UnixMilli()},
		{"__time", "2026-01-01T01:00:00.000Z", ts.UnixMilli()},
	} {
		got, err := Normalize(c.col, c.in)
		if err != nil || got != c.want {
			t.Errorf("Normalize(%q, %#v) = %#v, %v; want %#v", c.col, c.in, got, err, c.want)
		}
	}
	if _, err := Normalize("x", struct{}{}); err == nil {
		t.Error("Normalize accepted a struct")
	}
}

func table(cols string, rows ...[]any) Table {
	return Table{Columns: strings.Split(cols, ","), Rows: rows}
}

func TestCompare(t *testing.T) {
	r := func(v ...any) []any { return v }
	ref := table("k,n,f", r("a", int64(3), 1.0), r("b", int64(2), 2.0), r("c", int64(2), 3.0), r(nil, int64(1), 0.25))
	for _, c := range []struct {
		name string
		got  Table
		m    Match
		ok   bool
	}{
		{"same", ref, Match{Columns: []string{"k", "n", "f"}}, true},
		{"reordered columns and rows", table("f,n,k,extra", r(3.0, int64(2), "c", 1), r(1.0, int64(3), "a", 1), r(0.25, int64(1), nil, 1), r(2.0, int64(2), "b", 1)),
			Match{Columns: []string{"k", "n", "f"}}, true},
		{"float within tolerance", table("k,n,f", r("a", int64(3), 1.0+1e-12), r("b", int64(2), 2.0), r("c", int64(2), 3.0), r(nil, int64(1), 0.25)),
			Match{Columns: []string{"k", "n", "f"}}, true},
		{"float outside tolerance", table("k,n,f", r("a", int64(3), 1.001), r("b", int64(2), 2.0), r("c", int64(2), 3.0), r(nil, int64(1), 0.25)),
			Match{Columns: []string{"k", "n", "f"}}, false},
		{"int differs", table("k,n,f", r("a", int64(4), 1.0), r("b", int64(2), 2.0), r("c", int64(2), 3.0), r(nil, int64(1), 0.25)),
			Match{Columns: []string{"k", "n", "f"}}, false},
		{"null is not empty", table("k,n,f", r("a", int64(3), 1.0), r("b", int64(2), 2.0), r("c", int64(2), 3.0), r("", int64(1), 0.25)),
			Match{Columns: []string{"k", "n", "f"}}, false},
		{"missing row", table("k,n,f", r("a", int64(3), 1.0), r("b", int64(2), 2.0), r("c", int64(2), 3.0)),
			Match{Columns: []string{"k", "n", "f"}}, false},
		{"missing column", table("k,n", r("a", int64(3))), Match{Columns: []string{"k", "n", "f"}}, false},
		{"int and float compare by value", table("k,n,f", r("a", 3.0, int64(1)), r("b", int64(2), 2.0), r("c", int64(2), 3.0), r(nil, int64(1), 0.25)),
			Match{Columns: []string{"k", "n", "f"}}, true},
		{"ordered ties permuted", table("k,n,f", r("a", int64(3), 1.0), r("c", int64(2), 3.0), r("b", int64(2), 2.0), r(nil, int64(1), 0.25)),
			Match{Columns: []string{"k", "n", "f"}, Mode: Ordered, SortColumns: []string{"n"}}, true},
		{"ordered out of order", table("k,n,f", r("b", int64(2), 2.0), r("a", int64(3), 1.0), r("c", int64(2), 3.0), r(nil, int64(1), 0.25)),
			Match{Columns: []string{"k", "n", "f"}, Mode: Ordered, SortColumns: []string{"n"}}, false},
		{"ordered bad sort column", ref, Match{Columns: []string{"k", "n"}, Mode: Ordered, SortColumns: []string{"f"}}, false},
		{"subset", table("k,n,f", r("c", int64(2), 3.0), r("a", int64(3), 1.0)), Match{Columns: []string{"k", "n", "f"}, Mode: Subset, Limit: 2}, true},
		{"subset too few", table("k,n,f", r("c", int64(2), 3.0)), Match{Columns: []string{"k", "n", "f"}, Mode: Subset, Limit: 2}, false},
		{"subset unknown row", table("k,n,f", r("c", int64(2), 3.0), r("z", int64(3), 1.0)), Match{Columns: []string{"k", "n", "f"}, Mode: Subset, Limit: 2}, false},
		{"subset duplicate row", table("k,n,f", r("c", int64(2), 3.0), r("c", int64(2), 3.0)), Match{Columns: []string{"k", "n", "f"}, Mode: Subset, Limit: 2}, false},
		{"subset limit above rows", ref, Match{Columns: []string{"k", "n", "f"}, Mode: Subset, Limit: 10}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Compare(ref, c.got, c.m)
			if (err == nil) != c.ok {
				t.Fatalf("Compare = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestCompareTolerance(t *testing.T) {
	ref := table("users", []any{int64(100000)})
	m := Match{Columns: []string{"users"}, Tolerance: map[string]float64{"users": 0.05}}
	for got, ok := range map[int64]bool{100000: true, 96000: true, 104999: true, 94000: false, 106000: false} {
		if err := Compare(ref, table("users", []any{got}), m); (err == nil) != ok {
			t.Errorf("users %d: Compare = %v, want ok=%v", got, err, ok)
		}
	}
	// Without a tolerance integers compare exactly.
	if err := Compare(ref, table("users", []any{int64(100001)}), Match{Columns: []string{"users"}}); err == nil {
		t.Error("integers differing by one compared equal")
	}
}

func TestCompareEmpty(t *testing.T) {
	if err := Compare(Table{}, Table{}, Match{Columns: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	if err := Compare(table("a", []any{int64(1)}), Table{}, Match{Columns: []string{"a"}}); err == nil {
		t.Fatal("empty answer matched a row")
	}
}
