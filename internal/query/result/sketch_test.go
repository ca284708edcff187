package result

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
	"github.com/dryaddb/dryad/internal/sketch"
)

// TestSketchTimeseries merges partial rows holding sketch intermediate
// values from two segments, applies sketch post-aggregators and writes
// Druid's JSON, finalized and (context finalize=false) unfinalized.
func TestSketchTimeseries(t *testing.T) {
	const spec = `{"queryType":"timeseries","dataSource":"wiki","intervals":["2013-08-31/2013-09-01"],"granularity":"day",
		"aggregations":[
			{"type":"HLLSketchBuild","name":"approxCountHLL","fieldName":"user","round":true},
			{"type":"thetaSketch","name":"approxCountTheta","fieldName":"user","size":16384},
			{"type":"quantilesDoublesSketch","name":"quantilesSketch","fieldName":"delta","k":128},
			{"type":"hyperUnique","name":"hu","fieldName":"user","round":true}],
		"postAggregations":[
			{"type":"thetaSketchEstimate","name":"thetaEst","field":{"type":"fieldAccess","fieldName":"approxCountTheta"}},
			{"type":"quantilesDoublesSketchToQuantile","name":"median","field":{"type":"fieldAccess","fieldName":"quantilesSketch"},"fraction":0.5},
			{"type":"HLLSketchEstimate","name":"hllEst","field":{"type":"fieldAccess","fieldName":"approxCountHLL"},"round":true},
			{"type":"hyperUniqueCardinality","name":"huEst","fieldName":"hu"}]%s}`
	users := []string{"nuclear", "speed", "masterYi", "stringer", "triplets", "nuclear"}
	deltas := []int64{-143, 330, 111, 50, -50, 7}
	partial := func(q *query.Timeseries, from, to int) TimeseriesRow {
		row := TimeseriesRow{Timestamp: ms("2013-08-31")}
		for _, f := range q.Aggregations {
			a := f.(aggregation.SketchFactory).NewAggregator()
			for i := from; i < to; i++ {
				v := segment.StringValue(users[i])
				if f.InputFields()[0] == "delta" {
					v = segment.LongValue(deltas[i])
				}
				a.Aggregate(0, []segment.Value{v})
			}
			row.Values = append(row.Values, a.Get(0))
		}
		return row
	}
	for _, c := range []struct {
		ctx  string
		want string
	}{
		{"", `[{"timestamp":"2013-08-31T00:00:00.000Z","result":{"approxCountHLL":5,"approxCountTheta":5.0,"quantilesSketch":6,"hu":5,"thetaEst":5.0,"median":7.0,"hllEst":5,"huEst":5.006113467958146}}]`},
		{`,"context":{"finalize":false}`, ""},
	} {
		q := mustQuery[*query.Timeseries](t, fmt.Sprintf(spec, c.ctx))
		aggs := mustAggs(t, q.Aggregations)
		merged, err := MergeTimeseries(q, aggs, []TimeseriesRow{partial(q, 0, 3)}, []TimeseriesRow{partial(q, 3, 6)})
		if err != nil {
			t.Fatal(err)
		}
		tab, err := FinishTimeseries(q, aggs, merged)
		if err != nil {
			t.Fatal(err)
		}
		got := string(AppendTimeseries(nil, tab))
		if c.want != "" {
			if got != c.want {
				t.Errorf("finalized:\n got %s\nwant %s", got, c.want)
			}
			continue
		}
		// Unfinalized: sketches are base64 text that reads back.
		var out []struct {
			Result map[string]any `json:"result"`
		}
		if err := json.Unmarshal([]byte(got), &out); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		s, ok := out[0].Result["approxCountHLL"].(string)
		if !ok {
			t.Fatalf("unfinalized HLL %v", out[0].Result["approxCountHLL"])
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		h, err := sketch.DecodeHLL(b)
		if err != nil || h.Estimate() < 4.9 || h.Estimate() > 5.1 {
			t.Fatalf("HLL from JSON: %v %v", h, err)
		}
		if !strings.Contains(got, `"thetaEst":5.0`) {
			t.Errorf("post-aggregators must still be computed: %s", got)
		}
	}
}
