package aggregation

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/segment"
)

// TestWikipediaSketchIT replays Druid's IT: ingest the wikipedia data with
// the metricsSpec of wikipedia_index_task.json (thetaSketch and
// HLLSketchBuild of user, quantilesDoublesSketch of delta) into segments of
// at most 3 rows, then run the query's aggregators (HLLSketchMerge with
// round, thetaSketch over the stored sketches, quantilesDoublesSketch) over
// 2013-08-31 and merge across segments. Druid's expected result:
// {"quantilesSketch":5,"approxCountTheta":5.0,"approxCountHLL":5}.
func TestWikipediaSketchIT(t *testing.T) {
	type row struct {
		Timestamp string          `json:"timestamp"`
		User      string          `json:"user"`
		Delta     json.RawMessage `json:"delta"`
	}
	var rows []row
	for _, f := range []string{"1", "2", "3"} {
		b, err := os.ReadFile("testdata/wikipedia_index_data" + f + ".json")
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		for {
			var r row
			if err := dec.Decode(&r); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, r)
		}
	}
	ingest, err := DecodeList([]byte(`[
		{"name":"thetaSketch","type":"thetaSketch","fieldName":"user"},
		{"name":"quantilesDoublesSketch","type":"quantilesDoublesSketch","fieldName":"delta"},
		{"name":"HLLSketchBuild","type":"HLLSketchBuild","fieldName":"user"}]`))
	if err != nil {
		t.Fatal(err)
	}
	query, err := DecodeList([]byte(`[
		{"type":"HLLSketchMerge","name":"approxCountHLL","fieldName":"HLLSketchBuild","lgK":12,"tgtHllType":"HLL_4","round":true},
		{"type":"thetaSketch","name":"approxCountTheta","fieldName":"thetaSketch","size":16384,"shouldFinalize":true,"isInputThetaSketch":false,"errorBoundsStdDev":null},
		{"type":"quantilesDoublesSketch","name":"quantilesSketch","fieldName":"quantilesDoublesSketch","k":128}]`))
	if err != nil {
		t.Fatal(err)
	}
	inputs := func(r row, field string) segment.Value {
		if field == "user" {
			return segment.StringValue(r.User)
		}
		var d float64
		if err := json.Unmarshal(r.Delta, &d); err != nil {
			t.Fatal(err)
		}
		return segment.LongValue(int64(d))
	}
	// Ingest: segments of up to 3 rows of 2013-08-31, each row its own
	// rolled-up row (distinct seconds), stored as COMPLEX bytes.
	var day []row
	for _, r := range rows {
		if strings.HasPrefix(r.Timestamp, "2013-08-31") {
			day = append(day, r)
		}
	}
	if len(day) != 5 {
		t.Fatalf("%d rows on 2013-08-31, want 5", len(day))
	}
	type seg map[string][]segment.Value // metric column → stored values
	var segs []seg
	for start := 0; start < len(day); start += 3 {
		s := seg{}
		for _, f := range ingest {
			r := f.NewRollup()
			for _, rw := range day[start:min(start+3, len(day))] {
				r.Add(0, []segment.Value{inputs(rw, f.InputFields()[0])})
			}
			for i := 0; i < r.Len(); i++ {
				st := r.Stored(i)
				if st.Kind != segment.KindComplex {
					t.Fatalf("%s stored %v", f.Name(), st)
				}
				s[f.Name()] = append(s[f.Name()], st)
			}
		}
		segs = append(segs, s)
	}
	// Query: per-segment aggregation, then the broker merge and finalize.
	got := map[string]any{}
	for _, f := range query {
		sf := f.(SketchFactory)
		acc := sf.Empty()
		for _, s := range segs {
			a := sf.NewAggregator()
			for _, v := range s[f.InputFields()[0]] {
				a.Aggregate(0, []segment.Value{v})
			}
			if a.Err() != nil {
				t.Fatal(a.Err())
			}
			acc = sf.Combine(acc, a.Get(0))
		}
		got[f.Name()] = sf.Finalize(acc)
	}
	want := map[string]any{"quantilesSketch": int64(5), "approxCountTheta": 5.0, "approxCountHLL": int64(5)}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %v (%T), want %v (%T)", k, got[k], got[k], w, w)
		}
	}
}
