package aggregation

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
	"github.com/dryaddb/dryad/internal/sketch"
)

func mustSketch(t testing.TB, spec string) SketchFactory {
	t.Helper()
	f, err := Decode([]byte(spec))
	if err != nil {
		t.Fatalf("%s: %v", spec, err)
	}
	sf, ok := f.(SketchFactory)
	if !ok {
		t.Fatalf("%s: not a SketchFactory", spec)
	}
	return sf
}

func TestSketchDecode(t *testing.T) {
	cases := []struct {
		spec  string
		class base.Class
		want  string // canonical JSON when class is 0
	}{
		{`{"type":"HLLSketchBuild","name":"h","fieldName":"user"}`, 0,
			`{"fieldName":"user","lgK":12,"name":"h","round":false,"tgtHllType":"HLL_4","type":"HLLSketchBuild"}`},
		{`{"type":"HLLSketchMerge","name":"h","fieldName":"x","lgK":10,"tgtHllType":"HLL_8","round":true}`, 0,
			`{"fieldName":"x","lgK":10,"name":"h","round":true,"tgtHllType":"HLL_8","type":"HLLSketchMerge"}`},
		{`{"type":"thetaSketch","name":"t","fieldName":"user","size":16384,"shouldFinalize":true,"isInputThetaSketch":false,"errorBoundsStdDev":null}`, 0,
			`{"errorBoundsStdDev":null,"fieldName":"user","isInputThetaSketch":false,"name":"t","shouldFinalize":true,"size":16384,"type":"thetaSketch"}`},
		{`{"type":"quantilesDoublesSketch","name":"q","fieldName":"delta","k":128}`, 0,
			`{"fieldName":"delta","k":128,"name":"q","type":"quantilesDoublesSketch"}`},
		{`{"type":"KllDoublesSketch","name":"q","fieldName":"delta"}`, 0,
			`{"fieldName":"delta","k":200,"name":"q","type":"KllDoublesSketch"}`},
		{`{"type":"hyperUnique","name":"u","fieldName":"user","round":true}`, 0,
			`{"fieldName":"user","isInputHyperUnique":false,"name":"u","round":true,"type":"hyperUnique"}`},
		{`{"type":"cardinality","name":"c","fields":["a",{"type":"default","dimension":"b","outputName":"b"}],"byRow":true}`, 0,
			`{"byRow":true,"fields":["a","b"],"name":"c","round":false,"type":"cardinality"}`},
		{`{"type":"HLLSketchBuild","name":"h","fieldName":"user","lgK":3}`, base.ClassInvalidInput, "lgK 3"},
		{`{"type":"HLLSketchBuild","name":"h","fieldName":"user","tgtHllType":"HLL_5"}`, base.ClassInvalidInput, "HLL_5"},
		{`{"type":"HLLSketchBuild","name":"h","fieldName":"user","stringEncoding":"latin1"}`, base.ClassInvalidInput, "latin1"},
		{`{"type":"HLLSketchBuild","name":"h"}`, base.ClassInvalidInput, "fieldName is required"},
		{`{"type":"thetaSketch","name":"t","fieldName":"u","size":1000}`, base.ClassInvalidInput, "size 1000"},
		{`{"type":"thetaSketch","name":"t","fieldName":"u","errorBoundsStdDev":4}`, base.ClassInvalidInput, "errorBoundsStdDev"},
		{`{"type":"quantilesDoublesSketch","name":"q","fieldName":"d","k":100}`, base.ClassInvalidInput, "k 100"},
		{`{"type":"KllDoublesSketch","name":"q","fieldName":"d","k":4}`, base.ClassInvalidInput, "k 4"},
		{`{"type":"quantilesDoublesSketch","name":"q","fieldName":"d","bogus":1}`, base.ClassInvalidInput, "bogus"},
		{`{"type":"cardinality","name":"c","fields":[]}`, base.ClassInvalidInput, "fields"},
		{`{"type":"cardinality","name":"c","fields":[{"type":"extraction","dimension":"b"}]}`, base.ClassUnsupported, "extraction"},
		{`{"type":"hyperUnique","name":"u","fieldName":"user","round":"yes"}`, base.ClassInvalidInput, "round"},
	}
	for _, c := range cases {
		f, err := Decode([]byte(c.spec))
		if c.class != 0 {
			if err == nil || base.ClassOf(err) != c.class || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: err %v, want class %v containing %q", c.spec, err, c.class, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		b, _ := json.Marshal(f)
		if string(b) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.spec, b, c.want)
		}
		// The canonical JSON decodes to the same spec.
		g, err := Decode(b)
		if err != nil {
			t.Errorf("re-decode %s: %v", b, err)
			continue
		}
		b2, _ := json.Marshal(g)
		if string(b2) != string(b) {
			t.Errorf("re-encode %s != %s", b2, b)
		}
	}
}

// wikiRows are the "user" and "delta" values of the IT wikipedia data for
// 2013-08-31: five distinct users.
var wikiRows = [][2]any{
	{"nuclear", int64(-143)}, {"nuclear", int64(330)}, {"masterYi", int64(111)}, {"speed", int64(-9)},
	{"masterYi", int64(2)}, {"stringer", int64(50)}, {"triplets", int64(-50)}, {"stringer", int64(14)},
}

func val(v any) segment.Value {
	switch x := v.(type) {
	case string:
		return segment.StringValue(x)
	case int64:
		return segment.LongValue(x)
	case float64:
		return segment.DoubleValue(x)
	}
	return segment.Value{}
}

// TestSketchRollupEndToEnd: ingestion rollup → stored bytes → read back by
// the combining factory → merge across "segments" → finalize.
func TestSketchRollupEndToEnd(t *testing.T) {
	specs := []struct {
		spec  string
		field int
		want  any
	}{
		{`{"type":"HLLSketchBuild","name":"HLLSketchBuild","fieldName":"user"}`, 0, 5.000000049670538},
		{`{"type":"thetaSketch","name":"thetaSketch","fieldName":"user"}`, 0, 5.0},
		{`{"type":"quantilesDoublesSketch","name":"quantilesDoublesSketch","fieldName":"delta"}`, 1, int64(8)},
		{`{"type":"KllDoublesSketch","name":"kll","fieldName":"delta"}`, 1, int64(8)},
		{`{"type":"hyperUnique","name":"hu","fieldName":"user"}`, 0, nil},
		{`{"type":"cardinality","name":"card","fields":["user"]}`, 0, nil},
	}
	for _, s := range specs {
		f := mustSketch(t, s.spec)
		t.Run(f.TypeName(), func(t *testing.T) {
			// Two "segments", each rolled up into two rows.
			var stored []segment.Value
			for seg := 0; seg < 2; seg++ {
				r := f.NewRollup()
				for i, row := range wikiRows {
					if i%2 != seg {
						continue
					}
					in := []segment.Value{val(row[s.field])}
					if j := (i / 2) % 2; j < r.Len() {
						r.Aggregate(j, 0, in)
					} else {
						r.Add(0, in)
					}
				}
				for i := 0; i < r.Len(); i++ {
					st := r.Stored(i)
					if st.Kind != segment.KindComplex || len(st.Bytes) == 0 {
						t.Fatalf("stored value %v", st)
					}
					stored = append(stored, segment.ComplexValue(append([]byte(nil), st.Bytes...)))
				}
			}
			if got := f.StorageType(); !strings.HasPrefix(got.String(), "COMPLEX<") {
				t.Fatalf("storage type %v", got)
			}
			// Compaction: the combining factory re-rolls stored values.
			comb := f.Combining().(SketchFactory)
			r := comb.NewRollup()
			if err := r.AddStored(stored[0]); err != nil {
				t.Fatal(err)
			}
			for _, v := range stored[1:] {
				if err := r.CombineStored(0, v); err != nil {
					t.Fatal(err)
				}
			}
			// Query time: per-segment aggregators over the stored column,
			// merged as the broker does.
			a1, a2 := comb.NewAggregator(), comb.NewAggregator()
			for i, v := range stored {
				if i%2 == 0 {
					a1.Aggregate(0, []segment.Value{v})
				} else if err := a2.Merge(0, v.Bytes); err != nil {
					t.Fatal(err)
				}
			}
			if a1.Err() != nil || a2.Err() != nil {
				t.Fatal(a1.Err(), a2.Err())
			}
			merged := comb.Combine(comb.Combine(comb.Empty(), a1.Get(0)), a2.Get(0))
			got := comb.Finalize(merged)
			compacted := comb.Finalize(comb.Combine(nil, r.Stored(0).Bytes))
			if got != compacted {
				t.Fatalf("query %v != compacted %v", got, compacted)
			}
			want := s.want
			if want == nil { // Druid's HLL collector estimate for 5 values
				if math.Abs(got.(float64)-5) > 0.1 {
					t.Fatalf("estimate %v", got)
				}
				return
			}
			if got != want {
				t.Fatalf("finalized %v (%T), want %v", got, got, want)
			}
			// An unfinalized value marshals as the base64 sketch, which
			// reads back to the same estimate.
			b, err := json.Marshal(merged)
			if err != nil {
				t.Fatal(err)
			}
			var text string
			if err := json.Unmarshal(b, &text); err != nil {
				t.Fatalf("unfinalized JSON %s: %v", b, err)
			}
			if back := comb.Finalize(comb.Combine(nil, text)); back != want {
				t.Fatalf("base64 round trip %v", back)
			}
		})
	}
}

func TestSketchFinalizeOptions(t *testing.T) {
	h := mustSketch(t, `{"type":"HLLSketchMerge","name":"h","fieldName":"x","round":true}`)
	a := h.NewAggregator()
	hb := mustSketch(t, `{"type":"HLLSketchBuild","name":"h","fieldName":"x"}`).NewAggregator()
	for i := 0; i < 1000; i++ {
		hb.Aggregate(0, []segment.Value{segment.LongValue(int64(i))})
	}
	b := hb.Get(0).(*sketch.HLL).Bytes()
	a.Aggregate(0, []segment.Value{segment.ComplexValue(b)})
	if v, ok := h.Finalize(a.Get(0)).(int64); !ok || math.Abs(float64(v)-1000) > 30 {
		t.Fatalf("rounded estimate %v", h.Finalize(a.Get(0)))
	}
	if h.Finalize(nil) != int64(0) {
		t.Fatalf("empty %v", h.Finalize(nil))
	}
	noFin := mustSketch(t, `{"type":"HLLSketchMerge","name":"h","fieldName":"x","shouldFinalize":false}`)
	if _, ok := noFin.Finalize(a.Get(0)).(*sketch.HLL); !ok {
		t.Fatal("shouldFinalize false must keep the sketch")
	}
	th := mustSketch(t, `{"type":"thetaSketch","name":"t","fieldName":"x","errorBoundsStdDev":2}`)
	ta := th.NewAggregator()
	for i := 0; i < 10; i++ {
		ta.Aggregate(3, []segment.Value{segment.StringValue(fmt.Sprint(i))})
	}
	m, ok := th.Finalize(ta.Get(3)).(map[string]any)
	if !ok || m["estimate"] != 10.0 || m["numStdDev"] != int64(2) {
		t.Fatalf("bounds %v", th.Finalize(ta.Get(3)))
	}
	if ta.Len() != 4 || ta.Get(1) != nil || ta.Get(99) != nil {
		t.Fatal("groups")
	}
	// A corrupt stored sketch is reported, not panicked on.
	ta.Aggregate(0, []segment.Value{segment.ComplexValue([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9})})
	if ta.Err() == nil {
		t.Fatal("corrupt input not reported")
	}
}

// TestHLLCombineKeepsHIP: a single partial sketch passes the merge
// unchanged, so its (HIP) estimate is the one Druid reports; a real union
// switches to the composite estimator.
func TestHLLCombineKeepsHIP(t *testing.T) {
	f := mustSketch(t, `{"type":"HLLSketchBuild","name":"h","fieldName":"x"}`)
	a := f.NewAggregator()
	for i := 0; i < 50000; i++ {
		a.Aggregate(0, []segment.Value{segment.LongValue(int64(i))})
	}
	v := a.Get(0).(*sketch.HLL)
	if got := f.Finalize(f.Combine(f.Empty(), v)); got != v.Estimate() {
		t.Fatalf("single partial %v, sketch %v", got, v.Estimate())
	}
	if got := f.Finalize(f.Combine(v.Bytes(), nil)); got != v.Estimate() {
		t.Fatalf("single partial from bytes %v, sketch %v", got, v.Estimate())
	}
	u := f.Finalize(f.Combine(v, v)).(float64)
	if math.Abs(u-50000) > 2500 {
		t.Fatalf("union estimate %v", u)
	}
}

func TestCardinalityByRow(t *testing.T) {
	byRow := mustSketch(t, `{"type":"cardinality","name":"c","fields":["a","b"],"byRow":true,"round":true}`)
	byVal := mustSketch(t, `{"type":"cardinality","name":"c","fields":["a","b"]}`)
	ar, av := byRow.NewAggregator(), byVal.NewAggregator()
	rows := [][2]string{{"x", "y"}, {"x", "z"}, {"x", "y"}, {"y", "x"}}
	for _, r := range rows {
		in := []segment.Value{segment.StringValue(r[0]), segment.StringValue(r[1])}
		ar.Aggregate(0, in)
		av.Aggregate(0, in)
	}
	if got := byRow.Finalize(ar.Get(0)); got != int64(3) {
		t.Fatalf("byRow %v", got)
	}
	if got := byVal.Finalize(av.Get(0)).(float64); math.Round(got) != 3 {
		t.Fatalf("by value %v", got)
	}
}

// BenchmarkHLLSketchBuild feeds 10M values to one HLLSketchBuild state
// (lgK 12, HLL_4): strings cycle through 2^20 distinct values; longs are
// all distinct.
func BenchmarkHLLSketchBuild(b *testing.B) {
	const n = 10_000_000
	strs := make([]segment.Value, 1<<20)
	for i := range strs {
		strs[i] = segment.StringValue(fmt.Sprint("user-", i*7919))
	}
	f := mustSketch(b, `{"type":"HLLSketchBuild","name":"h","fieldName":"user"}`)
	for _, kind := range []string{"string", "long"} {
		b.Run(kind, func(b *testing.B) {
			in := make([]segment.Value, 1)
			b.ReportAllocs()
			b.SetBytes(n) // "MB/s" reads as millions of values per second
			for b.Loop() {
				a := f.NewAggregator()
				for i := 0; i < n; i++ {
					if kind == "string" {
						in[0] = strs[i&(len(strs)-1)]
					} else {
						in[0] = segment.LongValue(int64(i))
					}
					a.Aggregate(0, in)
				}
				if e := f.Finalize(a.Get(0)).(float64); e < 1e5 {
					b.Fatalf("estimate %v", e)
				}
			}
		})
	}
}

// BenchmarkSketchAggregate feeds 1M values to one state of each sketch
// aggregator (strings for the distinct counters, longs for quantiles).
func BenchmarkSketchAggregate(b *testing.B) {
	const n = 1_000_000
	strs := make([]segment.Value, 1<<16)
	for i := range strs {
		strs[i] = segment.StringValue(fmt.Sprint("user-", i*7919))
	}
	for _, spec := range []string{
		`{"type":"thetaSketch","name":"s","fieldName":"x"}`,
		`{"type":"hyperUnique","name":"s","fieldName":"x"}`,
		`{"type":"cardinality","name":"s","fields":["x"]}`,
		`{"type":"quantilesDoublesSketch","name":"s","fieldName":"x"}`,
		`{"type":"KllDoublesSketch","name":"s","fieldName":"x"}`,
	} {
		f := mustSketch(b, spec)
		numeric := f.Kind() == QuantilesDoublesSketch || f.Kind() == KllDoublesSketch
		b.Run(f.TypeName(), func(b *testing.B) {
			in := make([]segment.Value, 1)
			b.ReportAllocs()
			b.SetBytes(n)
			for b.Loop() {
				a := f.NewAggregator()
				for i := 0; i < n; i++ {
					if numeric {
						in[0] = segment.LongValue(int64(i * 7919 % n))
					} else {
						in[0] = strs[i&(len(strs)-1)]
					}
					a.Aggregate(0, in)
				}
				_ = f.Finalize(a.Get(0))
			}
		})
	}
}

// BenchmarkSketchMergeStored merges stored sketches (what a query over
// rolled-up segments does per row): 1000 sketches of 1000 values each.
func BenchmarkSketchMergeStored(b *testing.B) {
	for _, spec := range []string{
		`{"type":"HLLSketchBuild","name":"s","fieldName":"x"}`,
		`{"type":"thetaSketch","name":"s","fieldName":"x"}`,
		`{"type":"quantilesDoublesSketch","name":"s","fieldName":"x"}`,
		`{"type":"KllDoublesSketch","name":"s","fieldName":"x"}`,
		`{"type":"hyperUnique","name":"s","fieldName":"x"}`,
	} {
		f := mustSketch(b, spec)
		r := f.NewRollup()
		for i := 0; i < 1000; i++ {
			for j := 0; j < 1000; j++ {
				v := []segment.Value{segment.LongValue(int64(i*1000 + j))}
				if f.Kind() == HyperUnique {
					v[0] = segment.StringValue(fmt.Sprint(i*1000 + j))
				}
				if j == 0 {
					r.Add(0, v)
				} else {
					r.Aggregate(i, 0, v)
				}
			}
		}
		stored := make([][]byte, r.Len())
		size := 0
		for i := range stored {
			stored[i] = r.Stored(i).Bytes
			size += len(stored[i])
		}
		comb := f.Combining().(SketchFactory)
		b.Run(f.TypeName(), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				a := comb.NewAggregator()
				for _, s := range stored {
					if err := a.Merge(0, s); err != nil {
						b.Fatal(err)
					}
				}
				_ = comb.Finalize(a.Get(0))
			}
		})
	}
}

// TestSketchRollupEstimatedBytes: the estimate grows with the data, stays
// bounded by the sketch's maximum size, and is maintained incrementally.
func TestSketchRollupEstimatedBytes(t *testing.T) {
	for _, c := range []struct {
		spec string
		max  int64 // per-state bound
	}{
		{`{"type":"HLLSketchBuild","name":"s","fieldName":"x"}`, 4096 + 300},
		{`{"type":"thetaSketch","name":"s","fieldName":"x","size":1024}`, 2*1024*16 + 200},
		{`{"type":"quantilesDoublesSketch","name":"s","fieldName":"x","k":32}`, 8*32*20 + 200},
		{`{"type":"KllDoublesSketch","name":"s","fieldName":"x"}`, 8*200*3 + 200},
		{`{"type":"hyperUnique","name":"s","fieldName":"x"}`, 1200},
	} {
		f := mustSketch(t, c.spec)
		r := f.NewRollup()
		r.Add(0, []segment.Value{segment.LongValue(1)})
		r.Add(0, []segment.Value{segment.LongValue(2)})
		small := r.EstimatedBytes()
		for i := 0; i < 100000; i++ {
			r.Aggregate(0, 0, []segment.Value{segment.LongValue(int64(i))})
		}
		big := r.EstimatedBytes()
		if f.Kind() != HyperUnique && big <= small {
			t.Errorf("%s: estimate did not grow (%d → %d)", f.TypeName(), small, big)
		}
		if big > 2*c.max {
			t.Errorf("%s: estimate %d exceeds bound %d for 2 states", f.TypeName(), big, 2*c.max)
		}
	}
}
