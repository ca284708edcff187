package task

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

const preserveTuning = `,"appendableIndexSpec":{"type":"onheap","preserveExistingMetrics":true}`

// TestPreserveExistingMetricsIndex: an index task whose input rows already
// carry the count metric folds those values with count's combining form
// (longSum); a row without the field counts 1, as does one whose JSON
// value is null (JSON field discovery drops nulls, in Druid too).
func TestPreserveExistingMetricsIndex(t *testing.T) {
	f := newFixture(t, 1)
	data := `{"ts":"2020-01-01T01:00:00Z","d":"a","v":1,"count":5}
{"ts":"2020-01-01T01:20:00Z","d":"a","v":2}
{"ts":"2020-01-01T01:30:00Z","d":"a","v":3,"count":"2"}
{"ts":"2020-01-01T01:40:00Z","d":"a","v":4,"count":null}
`
	tests := []struct {
		name   string
		tuning string
		count  int64
	}{
		{"preserve", preserveTuning, 5 + 1 + 2 + 1},
		{"default", "", 4},
		{"preserve off", `,"appendableIndexSpec":{"type":"onheap","preserveExistingMetrics":false}`, 4},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := fmt.Sprintf("pem_index_%d", i)
			if st := f.run(t, inlineSpec(ds, data, tc.tuning)); st.StatusCode != StateSuccess {
				t.Fatalf("index: %s", st.ErrorMsg)
			}
			segs := visibleSegments(f.segments(t, ds))
			if len(segs) != 1 || segs[0].TotalRows != 1 {
				t.Fatalf("segments %+v, want one of one row", segs)
			}
			if n := sumLongMetric(t, segs[0], "count"); n != tc.count {
				t.Errorf("count %d, want %d", n, tc.count)
			}
			if n := sumLongMetric(t, segs[0], "v"); n != 10 {
				t.Errorf("v %d, want 10", n)
			}
		})
	}
}

// TestPreserveExistingMetricsCompaction: compacting rolled-up rows to a
// coarser query granularity with a metricsSpec keeps the counts of the
// stored rows when preserveExistingMetrics is on (Druid's auto-compaction
// sends it with a metricsSpec), and counts stored rows otherwise. A metric
// whose output column is new is aggregated from its raw input.
func TestPreserveExistingMetricsCompaction(t *testing.T) {
	f := newFixture(t, 1)
	// Hour granularity: a@01 (count 2, v 3) and a@02 (count 1, v 4).
	data := `{"ts":"2020-01-01T01:00:00Z","d":"a","v":1}
{"ts":"2020-01-01T01:10:00Z","d":"a","v":2}
{"ts":"2020-01-01T02:00:00Z","d":"a","v":4}
`
	tests := []struct {
		name   string
		tuning string
		count  int64
	}{
		{"preserve", `,"tuningConfig":{"type":"index_parallel"` + preserveTuning + `}`, 3},
		{"default", "", 2},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := fmt.Sprintf("pem_compact_%d", i)
			if st := f.run(t, inlineSpec(ds, data, "")); st.StatusCode != StateSuccess {
				t.Fatalf("index: %s", st.ErrorMsg)
			}
			st := f.run(t, []byte(`{"type":"compact","dataSource":"`+ds+`","interval":"2020-01-01/2020-01-02",
"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"v","fieldName":"v"},{"type":"longMax","name":"max_v","fieldName":"v"}],
"granularitySpec":{"queryGranularity":"DAY"}`+tc.tuning+`}`))
			if st.StatusCode != StateSuccess {
				t.Fatalf("compact: %s", st.ErrorMsg)
			}
			segs := visibleSegments(f.segments(t, ds))
			if len(segs) != 1 || segs[0].TotalRows != 1 {
				t.Fatalf("segments %+v, want one of one row", segs)
			}
			if n := sumLongMetric(t, segs[0], "count"); n != tc.count {
				t.Errorf("count %d, want %d", n, tc.count)
			}
			if n := sumLongMetric(t, segs[0], "v"); n != 7 {
				t.Errorf("v %d, want 7", n)
			}
			if n := sumLongMetric(t, segs[0], "max_v"); n != 4 {
				t.Errorf("max_v %d, want 4 (the larger stored v)", n)
			}
		})
	}
}

// TestExistingMetricsRead: which aggregators see an existing value, and
// the stored state it becomes.
func TestExistingMetricsRead(t *testing.T) {
	var aggs []aggregation.Factory
	for _, spec := range []string{`{"type":"count","name":"count"}`, `{"type":"doubleSum","name":"sum","fieldName":"x"}`,
		`{"type":"longFirst","name":"first","fieldName":"x"}`} {
		f, err := aggregation.Decode(json.RawMessage(spec))
		if err != nil {
			t.Fatal(err)
		}
		aggs = append(aggs, f)
	}
	tests := []struct {
		name    string
		rec     inputformat.Record
		has     []bool
		stored  []segment.Value
		wantErr bool
	}{
		{"raw row", inputformat.Record{{Name: "x", Value: int64(3)}}, []bool{false, false, false},
			[]segment.Value{{}, {}, {}}, false},
		{"existing numbers", inputformat.Record{{Name: "count", Value: "4"}, {Name: "sum", Value: int64(2)}},
			[]bool{true, true, false}, []segment.Value{segment.LongValue(4), segment.DoubleValue(2), {}}, false},
		{"double count truncates", inputformat.Record{{Name: "count", Value: 2.7}, {Name: "sum", Value: "1.5"}},
			[]bool{true, true, false}, []segment.Value{segment.LongValue(2), segment.DoubleValue(1.5), {}}, false},
		{"existing null is absent", inputformat.Record{{Name: "count", Value: nil}}, []bool{false, false, false},
			[]segment.Value{{}, {}, {}}, false},
		{"malformed pair", inputformat.Record{{Name: "first", Value: segment.Value{Kind: segment.KindComplex, Bytes: []byte{1, 2}}}},
			nil, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newExistingMetrics(aggs)
			err := e.read(tc.rec, 0)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if !slices.Equal(e.has, tc.has) {
				t.Errorf("has %v, want %v", e.has, tc.has)
			}
			for a := range aggs {
				if e.stored[a].String() != tc.stored[a].String() {
					t.Errorf("stored[%d] %s, want %s", a, e.stored[a], tc.stored[a])
				}
			}
		})
	}
}

// BenchmarkCompactionPreserve compacts the wikiticker day with a
// metricsSpec, with and without preserveExistingMetrics, to measure what
// folding the stored metric values costs.
func BenchmarkCompactionPreserve(b *testing.B) {
	f := newFixture(b, 1)
	if st := f.run(b, itSpec(b, "wikiticker_index_task.json", "wtp")); st.StatusCode != StateSuccess {
		b.Fatal(st.ErrorMsg)
	}
	rows := segmentRows(b, visibleSegments(f.segments(b, "wtp")))
	for _, tc := range []struct{ name, tuning string }{
		{"off", ""},
		{"on", `,"tuningConfig":{"type":"index_parallel"` + preserveTuning + `}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			spec := []byte(`{"type":"compact","dataSource":"wtp","interval":"2015-09-12/2015-09-13",
"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"added","fieldName":"added"},
{"type":"longSum","name":"deleted","fieldName":"deleted"},{"type":"longSum","name":"delta","fieldName":"delta"}],
"granularitySpec":{"segmentGranularity":"DAY"}` + tc.tuning + `}`)
			b.ReportAllocs()
			for b.Loop() {
				if st := f.run(b, spec); st.StatusCode != StateSuccess {
					b.Fatal(st.ErrorMsg)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
