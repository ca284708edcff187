package rowengine

import (
	"testing"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/value"
	"pgregory.net/rapid"
)

func genRows(t *rapid.T) []value.Row {
	n := rapid.IntRange(0, 40).Draw(t, "n")
	rows := make([]value.Row, n)
	for i := range rows {
		r := value.MapRow{"__time": rapid.Int64Range(1377907200000, 1378080000000).Draw(t, "t")}
		switch rapid.IntRange(0, 3).Draw(t, "dk") {
		case 0:
			r["d"] = nil
		case 1:
			r["d"] = rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "d")
		default:
			r["d"] = rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", "c"}), 0, 3).Draw(t, "mv")
		}
		if rapid.Bool().Draw(t, "hasX") {
			r["x"] = rapid.Int64Range(-5, 5).Draw(t, "x")
		}
		r["y"] = float64(rapid.IntRange(-8, 8).Draw(t, "y")) / 4
		rows[i] = r
	}
	return rows
}

// split partitions rows into k "segments" and returns them with the rows
// in segment order. Rows of segment i get times ≡ i (mod 4) ms: first/last
// break ties by row order within a segment (Druid's rule) and by value
// across segments, so only ties within one segment are generated.
func split(t *rapid.T, rows []value.Row) (parts [][]value.Row, ordered []value.Row) {
	k := rapid.IntRange(1, 4).Draw(t, "k")
	parts = make([][]value.Row, k)
	for _, r := range rows {
		i := rapid.IntRange(0, k-1).Draw(t, "seg")
		m := r.(value.MapRow)
		ts := m["__time"].(int64)
		m["__time"] = ts - ts%4 + int64(i)
		parts[i] = append(parts[i], r)
	}
	for _, p := range parts {
		ordered = append(ordered, p...)
	}
	return parts, ordered
}

const aggsJSON = `"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"sx","fieldName":"x"},{"type":"doubleSum","name":"sy","fieldName":"y"},
	{"type":"longMin","name":"minx","fieldName":"x"},{"type":"doubleMax","name":"maxy","fieldName":"y"},{"type":"longFirst","name":"fx","fieldName":"x"},{"type":"doubleLast","name":"ly","fieldName":"y"}],
	"postAggregations":[{"type":"arithmetic","name":"avg","fn":"/","fields":[{"type":"fieldAccess","fieldName":"sx"},{"type":"fieldAccess","fieldName":"rows"}]}]`

// TestMergeMatchesSingleRun checks that running a query over all rows at
// once gives the same JSON as running it per segment and merging: merging
// is associative and commutative for every query type.
func TestMergeMatchesSingleRun(t *testing.T) {
	gq, _ := query.Decode([]byte(`{"queryType":"groupBy","dataSource":"w","intervals":["2013/2014"],"granularity":"day","dimensions":["d"],` + aggsJSON +
		`,"having":{"type":"greaterThan","aggregation":"rows","value":0},"limitSpec":{"type":"default","columns":[{"dimension":"sy","direction":"descending"}]},"subtotalsSpec":[["d"],[]]}`))
	tq, _ := query.Decode([]byte(`{"queryType":"timeseries","dataSource":"w","intervals":["2013/2014"],"granularity":"hour",` + aggsJSON + `,"context":{"skipEmptyBuckets":true,"grandTotal":true}}`))
	nq, _ := query.Decode([]byte(`{"queryType":"topN","dataSource":"w","intervals":["2013/2014"],"granularity":"all","dimension":"d","threshold":3,"metric":"sy",` + aggsJSON + `}`))
	g, ts, tn := gq.(*query.GroupBy), tq.(*query.Timeseries), nq.(*query.TopN)
	aggs, _ := result.FromFactories(g.Aggregations)
	rapid.Check(t, func(t *rapid.T) {
		parts, rows := split(t, genRows(t))

		whole, _ := GroupBy(g, aggs, rows)
		wt, _ := result.FinishGroupBy(g, aggs, whole)
		m := result.NewGroupByMerger(g, aggs)
		for _, p := range parts {
			r, _ := GroupBy(g, aggs, p)
			_ = m.Add(r)
		}
		pt, _ := result.FinishGroupBy(g, aggs, m.Rows())
		if a, b := string(result.AppendGroupBy(nil, wt, false, true)), string(result.AppendGroupBy(nil, pt, false, true)); a != b {
			t.Fatalf("groupBy differs:\n%s\n%s", a, b)
		}

		w, _ := Timeseries(ts, aggs, rows)
		wm, _ := result.MergeTimeseries(ts, aggs, w)
		wtab, _ := result.FinishTimeseries(ts, aggs, wm)
		var tparts [][]result.TimeseriesRow
		for _, p := range parts {
			r, _ := Timeseries(ts, aggs, p)
			tparts = append(tparts, r)
		}
		pm, _ := result.MergeTimeseries(ts, aggs, tparts...)
		ptab, _ := result.FinishTimeseries(ts, aggs, pm)
		if a, b := string(result.AppendTimeseries(nil, wtab)), string(result.AppendTimeseries(nil, ptab)); a != b {
			t.Fatalf("timeseries differs:\n%s\n%s", a, b)
		}

		nw, _ := TopN(tn, aggs, rows)
		nwm, _ := result.MergeTopN(tn, aggs, 0, nw)
		nwt, _ := result.FinishTopN(tn, aggs, nwm)
		var nparts [][]result.TopNBucket
		for _, p := range parts {
			r, _ := TopN(tn, aggs, p)
			// Four values at most: the per-segment cut keeps them all, so
			// the merge must be exact.
			r, _ = result.MergeTopN(tn, aggs, result.PerSegmentThreshold(tn), r)
			nparts = append(nparts, r)
		}
		npm, _ := result.MergeTopN(tn, aggs, 0, nparts...)
		npt, _ := result.FinishTopN(tn, aggs, npm)
		if a, b := string(result.AppendTopN(nil, nwt)), string(result.AppendTopN(nil, npt)); a != b {
			t.Fatalf("topN differs:\n%s\n%s", a, b)
		}
	})
}
