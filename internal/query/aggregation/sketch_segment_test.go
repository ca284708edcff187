package aggregation_test

import (
	"bytes"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/incremental"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

// TestSketchMetricsThroughSegments: sketch metrics rolled up by the
// incremental index, persisted as COMPLEX columns, read back from the
// segment file, merged with another segment (re-rollup through
// CombineStored) and aggregated at query time.
func TestSketchMetricsThroughSegments(t *testing.T) {
	metrics, err := aggregation.DecodeList([]byte(`[
		{"type":"count","name":"count"},
		{"type":"HLLSketchBuild","name":"hll","fieldName":"user"},
		{"type":"thetaSketch","name":"theta","fieldName":"user"},
		{"type":"quantilesDoublesSketch","name":"q","fieldName":"delta"},
		{"type":"KllDoublesSketch","name":"kll","fieldName":"delta"},
		{"type":"hyperUnique","name":"hu","fieldName":"user"}]`))
	if err != nil {
		t.Fatal(err)
	}
	day := int64(86_400_000)
	build := func(users []string) *segment.Segment {
		x, err := incremental.New(incremental.Config{
			Dimensions: []incremental.DimensionSpec{{Name: "page"}},
			Metrics:    metrics,
			Rollup:     true,
			Truncate:   func(t int64) int64 { return t - t%day },
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, u := range users {
			r, err := incremental.RowFromMap(int64(i)*1000, map[string]any{"page": []string{"a", "b"}[i%2], "user": u, "delta": int64(i * 10)})
			if err != nil {
				t.Fatal(err)
			}
			if err := x.Add(&r); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if _, err := x.Persist(&buf, segment.Metadata{DataSource: "ds", Version: "v", Interval: base.Interval{Start: 0, End: day}}); err != nil {
			t.Fatal(err)
		}
		s, err := segment.FromBytes(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1 := build([]string{"u1", "u2", "u3", "u1", "u4"})
	s2 := build([]string{"u4", "u5", "u6", "u7"})
	merged, err := incremental.Merge([]*segment.Segment{s1, s2})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := merged.Persist(&buf, segment.Metadata{DataSource: "ds", Version: "v2", Interval: base.Interval{Start: 0, End: day}}); err != nil {
		t.Fatal(err)
	}
	m, err := segment.FromBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"hll": 7.000000104308129, "theta": 7.0, "q": int64(9), "kll": int64(9), "hu": int64(7)}
	for _, f := range metrics[1:] {
		comb := f.Combining().(aggregation.SketchFactory)
		// Query the two segments (merging partials) and the merged one.
		var results []any
		for _, segs := range [][]*segment.Segment{{s1, s2}, {m}} {
			acc := comb.Empty()
			for _, s := range segs {
				col, err := s.Column(f.Name())
				if err != nil {
					t.Fatal(err)
				}
				cc, ok := col.(segment.ComplexColumn)
				if !ok || cc.TypeName() != f.StorageType().Complex {
					t.Fatalf("%s: column %T", f.Name(), col)
				}
				a := comb.NewAggregator()
				for r := 0; r < s.NumRows(); r++ {
					a.Aggregate(0, []segment.Value{segment.ComplexValue(cc.Value(r))})
				}
				if a.Err() != nil {
					t.Fatal(a.Err())
				}
				acc = comb.Combine(acc, a.Get(0))
			}
			results = append(results, comb.Finalize(acc))
		}
		got := results[0]
		if f.Kind() == aggregation.HyperUnique {
			got = int64(got.(float64) + 0.5)
		}
		if got != want[f.Name()] {
			t.Errorf("%s: %v (%T), want %v", f.Name(), got, got, want[f.Name()])
		}
		if f.Kind() != aggregation.HLLSketchBuild && results[0] != results[1] {
			t.Errorf("%s: two segments %v, merged segment %v", f.Name(), results[0], results[1])
		}
	}
}
