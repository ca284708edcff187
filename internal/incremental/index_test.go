package incremental

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

func mustFactories(t fataler, js string) []aggregation.Factory {
	t.Helper()
	f, err := aggregation.DecodeList([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func persist(t fataler, x *Index) *segment.Segment {
	t.Helper()
	var buf bytes.Buffer
	if _, err := x.Persist(&buf, segment.Metadata{DataSource: "ds", Version: "v"}); err != nil {
		t.Fatalf("Persist: %v", err)
	}
	s, err := segment.FromBytes(buf.Bytes())
	if err != nil {
		t.Fatalf("FromBytes: %v", err)
	}
	return s
}

func readAll(t fataler, s *segment.Segment) [][]segment.Value {
	t.Helper()
	rows, err := s.ReadRows(0, s.NumRows())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// fataler is the part of testing.TB that rapid.T also provides.
type fataler interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

const testMetrics = `[{"type":"count","name":"count"},{"type":"longSum","name":"sum","fieldName":"x"},
{"type":"doubleMin","name":"min","fieldName":"y"},{"type":"longLast","name":"last","fieldName":"x"},
{"type":"stringFirst","name":"first","fieldName":"s"}]`

type refAgg struct {
	count     int64
	sum       int64
	sumNull   bool
	min       float64
	minNull   bool
	lastT     int64
	last      segment.Value
	firstT    int64
	first     segment.Value
	seenFirst bool
}

// TestRollupAgainstReference ingests random rows with rollup and compares
// every stored row with a naive grouping.
func TestRollupAgainstReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		metrics := mustFactories(t, testMetrics)
		x, err := New(Config{
			Dimensions: []DimensionSpec{{Name: "a"}, {Name: "n", Type: base.TypeLong}, {Name: "m"}},
			Metrics:    metrics, Rollup: true,
			Truncate: func(t int64) int64 { return t - t%10 },
		})
		if err != nil {
			t.Fatal(err)
		}
		ref := map[string]*refAgg{}
		n := rapid.IntRange(0, 200).Draw(t, "rows")
		var r Row
		for i := 0; i < n; i++ {
			r.Reset()
			r.Time = rapid.Int64Range(0, 40).Draw(t, "t")
			a := rapid.SampledFrom([]string{"", "x", "y", "null"}).Draw(t, "a")
			if a != "null" {
				r.Set("a", segment.StringValue(a))
			}
			nv := rapid.IntRange(-1, 2).Draw(t, "n")
			if nv >= 0 {
				r.Set("n", segment.LongValue(int64(nv)))
			}
			mv := rapid.SliceOfN(rapid.SampledFrom([]string{"p", "q", "r"}), 0, 3).Draw(t, "m")
			r.Set("m", segment.StringsValue(mv))
			xv := rapid.IntRange(-1, 100).Draw(t, "x")
			var xval segment.Value
			if xv >= 0 {
				xval = segment.LongValue(int64(xv))
			}
			r.Set("x", xval)
			yv := rapid.IntRange(-1, 100).Draw(t, "y")
			if yv >= 0 {
				r.Set("y", segment.DoubleValue(float64(yv)/2))
			}
			r.Set("s", segment.StringValue(fmt.Sprint("s", i)))
			if err := x.Add(&r); err != nil {
				t.Fatal(err)
			}
			// Reference key: truncated time, a, n, sorted m.
			sm := slices.Clone(mv)
			sort.Strings(sm)
			ms := "null"
			if len(sm) > 0 {
				ms = strings.Join(sm, "|")
			}
			key := fmt.Sprint(r.Time-r.Time%10, "/", a, "/", nv, "/", ms)
			g := ref[key]
			if g == nil {
				g = &refAgg{sumNull: true, minNull: true}
				ref[key] = g
			}
			g.count++
			if xv >= 0 {
				g.sum += int64(xv)
				g.sumNull = false
			}
			if yv >= 0 && (g.minNull || float64(yv)/2 < g.min) {
				g.min, g.minNull = float64(yv)/2, false
			}
			if g.count == 1 || r.Time >= g.lastT {
				g.lastT, g.last = r.Time, xval
			}
			if !g.seenFirst || r.Time < g.firstT {
				g.firstT, g.first, g.seenFirst = r.Time, segment.StringValue(fmt.Sprint("s", i)), true
			}
		}
		if x.Rows() != len(ref) {
			t.Fatalf("index has %d rows, reference %d", x.Rows(), len(ref))
		}
		s := persist(t, x)
		rows := readAll(t, s)
		for i, row := range rows {
			if i > 0 && rows[i-1][0].Long > row[0].Long {
				t.Fatalf("rows not sorted by time at %d", i)
			}
			a := "null"
			if !row[1].IsNull() {
				a = row[1].Str
			}
			nv := int64(-1)
			if !row[2].IsNull() {
				nv = row[2].Long
			}
			ms := "null"
			switch row[3].Kind {
			case segment.KindString:
				ms = row[3].Str
			case segment.KindStrings:
				ms = strings.Join(row[3].Strs, "|")
			}
			key := fmt.Sprint(row[0].Long, "/", a, "/", nv, "/", ms)
			g := ref[key]
			if g == nil {
				t.Fatalf("row %d key %s not in reference", i, key)
			}
			if row[4].Long != g.count {
				t.Fatalf("%s: count %d, want %d", key, row[4].Long, g.count)
			}
			if row[5].IsNull() != g.sumNull || (!g.sumNull && row[5].Long != g.sum) {
				t.Fatalf("%s: sum %s, want %d (null %v)", key, row[5], g.sum, g.sumNull)
			}
			if row[6].IsNull() != g.minNull || (!g.minNull && row[6].Double != g.min) {
				t.Fatalf("%s: min %s, want %v", key, row[6], g.min)
			}
			_, last, err := aggregation.DecodePair(row[7].Bytes, segment.KindLong)
			if err != nil || !last.Equal(g.last) {
				t.Fatalf("%s: last %s (%v), want %s", key, last, err, g.last)
			}
			_, first, err := aggregation.DecodePair(row[8].Bytes, segment.KindString)
			if err != nil || !first.Equal(g.first) {
				t.Fatalf("%s: first %s (%v), want %s", key, first, err, g.first)
			}
			delete(ref, key)
		}
		if len(ref) != 0 {
			t.Fatalf("%d reference groups missing from the segment", len(ref))
		}
	})
}

func TestSchemaless(t *testing.T) {
	x, err := New(Config{Exclusions: []string{"ts"}, Metrics: mustFactories(t, `[{"type":"longSum","name":"added","fieldName":"delta"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	add := func(tm int64, m map[string]any) {
		r, err := RowFromMap(tm, m)
		if err != nil {
			t.Fatal(err)
		}
		if err := x.Add(&r); err != nil {
			t.Fatal(err)
		}
	}
	add(1, map[string]any{"ts": "x", "page": "A", "delta": int64(5), "n": int64(3)})
	add(2, map[string]any{"zz": 1.5, "page": "B", "tags": []any{"b", "a"}, "nested": map[string]any{"k": 1}})
	dims := x.Dimensions()
	var got []string
	for _, d := range dims {
		got = append(got, d.Name+":"+d.Type.String())
	}
	// Field order within a map is sorted by RowFromMap; the first row's
	// fields come first.
	want := []string{"n:STRING", "page:STRING", "tags:STRING", "zz:STRING"}
	if !slices.Equal(got, want) {
		t.Fatalf("dimensions %v, want %v", got, want)
	}
	rows := readAll(t, persist(t, x))
	if rows[0][1].Str != "3" || !rows[1][1].IsNull() || rows[1][4].Str != "1.5" {
		t.Fatalf("rows %v", rows)
	}
	if !slices.Equal(rows[1][3].Strs, []string{"a", "b"}) {
		t.Fatalf("tags %v, want sorted [a b]", rows[1][3])
	}
}

func TestSchemaDiscovery(t *testing.T) {
	x, err := New(Config{UseSchemaDiscovery: true, Rollup: true, Metrics: mustFactories(t, `[{"type":"count","name":"c"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	rows := []map[string]any{
		{"l": int64(1), "d": int64(1), "s": int64(1), "u": nil, "tags": []any{"t1", "t2"}, "sc": int64(1), "e": []any{}},
		{"l": int64(2), "d": 2.5, "s": "x", "nums": []any{int64(1), nil}, "mix": []any{int64(1)}},
		{"l": int64(1), "d": int64(1), "s": int64(1), "tags": []any{"t1", "t2"}, "sc": []any{int64(1)}, "e": []any{}},
		{"l": int64(3), "mix": []any{2.5, "z"}, "sc": []any{int64(2), int64(3)}, "e": []any{nil}},
	}
	for i, m := range rows {
		r, _ := RowFromMap(100, m)
		if err := x.Add(&r); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	var got []string
	for _, d := range x.Dimensions() {
		got = append(got, d.Name+":"+d.Type.String())
	}
	want := []string{"d:DOUBLE", "e:ARRAY<STRING>", "l:LONG", "s:STRING", "sc:ARRAY<LONG>", "tags:ARRAY<STRING>", "u:STRING", "mix:ARRAY<STRING>", "nums:ARRAY<LONG>"}
	if !slices.Equal(got, want) {
		t.Fatalf("types %v, want %v", got, want)
	}
	// Rows 0 and 2 are equal after widening (sc 1 became [1]) and roll up.
	if x.Rows() != 3 {
		t.Fatalf("%d rows, want 3", x.Rows())
	}
	seg := persist(t, x)
	out := readAll(t, seg)
	names := seg.ColumnNames()
	col := func(row []segment.Value, name string) string {
		return row[slices.Index(names, name)].String()
	}
	// Rows sort by time, then d (null < 1 < 2.5).
	if got := col(out[0], "mix") + " " + col(out[0], "sc") + " " + col(out[0], "e"); got != `["2.5","z"] [2,3] [null]` {
		t.Errorf("row 0: %s", got)
	}
	if got := col(out[1], "sc") + " " + col(out[1], "tags") + " " + col(out[1], "e") + " " + col(out[1], "c"); got != `[1] ["t1","t2"] [] 2` {
		t.Errorf("row 1: %s", got)
	}
	if got := col(out[2], "nums") + " " + col(out[2], "mix"); got != `[1,null] ["1"]` {
		t.Errorf("row 2: %s", got)
	}
}

func TestMemoryAccounting(t *testing.T) {
	x, _ := New(Config{Metrics: mustFactories(t, `[{"type":"count","name":"c"}]`)})
	prev := x.EstimatedBytes()
	for i := 0; i < 100; i++ {
		r, _ := RowFromMap(int64(i), map[string]any{"page": fmt.Sprint("p", i)})
		if err := x.Add(&r); err != nil {
			t.Fatal(err)
		}
		if b := x.EstimatedBytes(); b <= prev {
			t.Fatalf("estimate did not grow at row %d: %d", i, b)
		} else {
			prev = b
		}
	}
	if x.Rows() != 100 {
		t.Fatalf("rows %d", x.Rows())
	}
}

func TestNewRejects(t *testing.T) {
	tests := []Config{
		{Dimensions: []DimensionSpec{{Name: "a"}, {Name: "a"}}},
		{Dimensions: []DimensionSpec{{Name: "__time"}}},
		{Dimensions: []DimensionSpec{{Name: "a", MultiValueHandling: "bogus"}}},
		{Dimensions: []DimensionSpec{{Name: "a", Type: base.ComplexType("x")}}},
	}
	for i, c := range tests {
		if _, err := New(c); base.ClassOf(err) != base.ClassInvalidInput {
			t.Errorf("config %d: %v", i, err)
		}
	}
}

// TestMergeEqualsSingleIndex splits rows across several persisted segments,
// merges them, and compares with one index fed every row.
func TestMergeEqualsSingleIndex(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := func() Config {
			return Config{
				Dimensions: []DimensionSpec{{Name: "a"}, {Name: "n", Type: base.TypeDouble}, {Name: "m"}, {Name: "arr", Type: base.ArrayType(base.KindLong)}},
				Metrics:    mustFactories(t, testMetrics), Rollup: rapid.Bool().Draw(t, "rollup"),
				// Raw times are unique, so first/last have no ties whose
				// outcome would depend on the order of the parts.
				Truncate: func(t int64) int64 { return t - t%1000 },
			}
		}
		c := cfg()
		all, _ := New(c)
		k := rapid.IntRange(1, 4).Draw(t, "parts")
		parts := make([]*Index, k)
		for i := range parts {
			parts[i], _ = New(c)
		}
		n := rapid.IntRange(0, 100).Draw(t, "rows")
		var r Row
		for i := 0; i < n; i++ {
			r.Reset()
			r.Time = rapid.Int64Range(0, 5).Draw(t, "t")*1000 + int64(i)
			r.Set("a", segment.StringValue(rapid.SampledFrom([]string{"x", "y"}).Draw(t, "a")))
			if rapid.Bool().Draw(t, "hasN") {
				r.Set("n", segment.DoubleValue(float64(rapid.IntRange(0, 2).Draw(t, "n"))))
			}
			r.Set("m", segment.StringsValue(rapid.SliceOfN(rapid.SampledFrom([]string{"p", "q"}), 0, 2).Draw(t, "m")))
			if k := rapid.IntRange(-1, 2).Draw(t, "arrLen"); k >= 0 {
				elems := make([]segment.Value, k)
				for e := range elems {
					if v := rapid.IntRange(-1, 1).Draw(t, "elem"); v >= 0 {
						elems[e] = segment.LongValue(int64(v))
					}
				}
				r.Set("arr", segment.ArrayValue(elems))
			}
			r.Set("x", segment.LongValue(int64(rapid.IntRange(0, 9).Draw(t, "x"))))
			r.Set("y", segment.DoubleValue(float64(i)))
			r.Set("s", segment.StringValue(fmt.Sprint(i)))
			if err := all.Add(&r); err != nil {
				t.Fatal(err)
			}
			if err := parts[rapid.IntRange(0, k-1).Draw(t, "part")].Add(&r); err != nil {
				t.Fatal(err)
			}
		}
		var segs []*segment.Segment
		for _, p := range parts {
			segs = append(segs, persist(t, p))
		}
		merged, err := Merge(segs)
		if err != nil {
			t.Fatal(err)
		}
		want := readAll(t, persist(t, all))
		got := readAll(t, persist(t, merged))
		if !c.Rollup {
			// Without rollup equal rows may come from different parts in
			// a different order; compare as multisets.
			sortRows(want)
			sortRows(got)
		}
		if len(got) != len(want) {
			t.Fatalf("merged %d rows, want %d", len(got), len(want))
		}
		for i := range want {
			for j := range want[i] {
				if !got[i][j].Equal(want[i][j]) {
					t.Fatalf("row %d col %d = %s, want %s", i, j, got[i][j], want[i][j])
				}
			}
		}
	})
}

func sortRows(rows [][]segment.Value) {
	sort.SliceStable(rows, func(a, b int) bool { return fmt.Sprint(rows[a]) < fmt.Sprint(rows[b]) })
}

func TestMergeRejectsConflictingMetrics(t *testing.T) {
	mk := func(js string) *segment.Segment {
		x, _ := New(Config{Metrics: mustFactories(t, js)})
		r, _ := RowFromMap(1, map[string]any{"v": int64(1)})
		if err := x.Add(&r); err != nil {
			t.Fatal(err)
		}
		return persist(t, x)
	}
	a := mk(`[{"type":"longSum","name":"s","fieldName":"v"}]`)
	b := mk(`[{"type":"longMax","name":"s","fieldName":"v"}]`)
	path := t.TempDir() + "/merged"
	if n, err := MergeFile(path, []*segment.Segment{a, a}, segment.Metadata{DataSource: "d", Version: "v"}); err != nil || n == 0 {
		t.Fatalf("MergeFile: %d, %v", n, err)
	}
	m, err := segment.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.NumRows() != 2 {
		t.Fatalf("merged non-rollup segments into %d rows, want 2", m.NumRows())
	}
	if _, err := Merge([]*segment.Segment{a, b}); base.ClassOf(err) != base.ClassInvalidInput {
		t.Fatalf("err = %v", err)
	}
}

func TestJavaDouble(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{{36, "36.0"}, {1.5, "1.5"}, {1e7, "1.0E7"}, {1.5e-4, "1.5E-4"}, {0, "0.0"}, {-2.25, "-2.25"}, {123456789.5, "1.234567895E8"}} {
		if got := javaDouble(tc.f, 64); got != tc.want {
			t.Errorf("javaDouble(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}
