package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/segment"
)

// TestDistinctSketchesMatchRowEngine checks the dictionary path of the
// distinct-count sketches (each group fed each dictionary entry once,
// cardinality and hyperUnique hashing each entry once) against the row
// engine, which feeds every row: the finalized estimates must be equal,
// since duplicates never change these sketches. quantiles (fed every row)
// is the control.
func TestDistinctSketchesMatchRowEngine(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	rows := make([][]segment.Value, 5000)
	for i := range rows {
		s := vS(fmt.Sprintf("v%d", r.IntN(700)))
		if r.IntN(20) == 0 {
			s = vN
		}
		rows[i] = []segment.Value{vL(int64(i) * 7_000), s, vN, vL(r.Int64N(30)), vN, vL(r.Int64N(10)), vD(r.Float64()), vN}
	}
	seg := buildSegment(t, testSchema, rows)
	ref := segmentRows(t, seg)
	aggs := `[{"type":"cardinality","name":"c","fields":["s"]},{"type":"cardinality","name":"cr","fields":["s"],"byRow":true,"round":true},
		{"type":"hyperUnique","name":"h","fieldName":"s"},{"type":"HLLSketchBuild","name":"hll","fieldName":"s","lgK":10},
		{"type":"HLLSketchBuild","name":"hll8","fieldName":"s","tgtHllType":"HLL_8"},{"type":"thetaSketch","name":"th","fieldName":"s","size":64},
		{"type":"quantilesDoublesSketch","name":"q","fieldName":"y","k":16},{"type":"count","name":"n"}]`
	for _, js := range []string{
		`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"all","aggregations":` + aggs + `}`,
		`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"hour","aggregations":` + aggs + `}`,
		`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"all","filter":{"type":"bound","dimension":"l","upper":"20","ordering":"numeric"},"aggregations":` + aggs + `}`,
		`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"all","dimensions":["l"],"aggregations":` + aggs + `}`,
		`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"hour","dimensions":["x"],"aggregations":` + aggs + `}`,
	} {
		q := mustDecode(t, js)
		got, want := finalized(t, q, run(t, q, seg)), finalized(t, q, reference(t, q, ref, nil))
		if got != want {
			t.Errorf("%s\nengine:     %s\nrow engine: %s", js, got, want)
		}
	}
}

// finalized renders a timeseries or groupBy partial with every aggregator
// finalized, groupBy rows sorted.
func finalized(t *testing.T, q query.Query, p *Partial) string {
	t.Helper()
	var factories []aggregation.Factory
	switch q := q.(type) {
	case *query.Timeseries:
		factories = q.Aggregations
	case *query.GroupBy:
		factories = q.Aggregations
	}
	aggs, err := result.FromFactories(factories)
	if err != nil {
		t.Fatal(err)
	}
	fin := func(vals []any) []any {
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = aggs[i].Finalize(v)
		}
		return out
	}
	var lines []string
	for _, r := range p.Timeseries {
		lines = append(lines, canon([]any{r.Timestamp, fin(r.Values)}))
	}
	for _, r := range p.GroupBy {
		lines = append(lines, canon([]any{r.Timestamp, r.Dims, fin(r.Values)}))
	}
	slices.Sort(lines)
	return fmt.Sprint(len(lines), lines)
}
