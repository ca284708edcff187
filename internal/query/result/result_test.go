package result

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got (JSON) with testdata/name, after checking it is valid
// JSON.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if !json.Valid(got) {
		t.Fatalf("%s: invalid JSON: %s", name, got)
	}
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if d := cmp.Diff(strings.TrimSpace(string(want)), string(got)); d != "" {
		t.Errorf("%s (-want +got):\n%s", name, d)
	}
}

func mustQuery[T query.Query](t testing.TB, s string) T {
	t.Helper()
	q, err := query.Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return q.(T)
}

func mustAggs(t testing.TB, fs []aggregation.Factory) []Aggregator {
	t.Helper()
	a, err := FromFactories(fs)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func ms(s string) int64 {
	v, err := base.ParseTime(s, nil)
	if err != nil {
		panic(err)
	}
	return v
}

func TestTimeseries(t *testing.T) {
	q := mustQuery[*query.Timeseries](t, `{"queryType":"timeseries","dataSource":"wiki","intervals":["2013-08-30/2013-09-03"],"granularity":"day",
		"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"added","fieldName":"added"},{"type":"doubleSum","name":"delta","fieldName":"delta"},
			{"type":"doubleMax","name":"maxDelta","fieldName":"delta"},{"type":"floatSum","name":"f","fieldName":"f"},{"type":"stringFirst","name":"firstPage","fieldName":"page"}],
		"postAggregations":[{"type":"arithmetic","name":"avg","fn":"/","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"fieldAccess","fieldName":"rows"}]}],
		"context":{"grandTotal":true}}`)
	aggs := mustAggs(t, q.Aggregations)
	day1, day2, day3 := ms("2013-08-31"), ms("2013-09-01"), ms("2013-09-02")
	// Segment A covers 08-31..09-02 with data on 08-31 only; B has 09-02.
	segA := []TimeseriesRow{{day1, []any{int64(3), int64(30), 1.5, 1.0, float32(1.5), Pair{day1 + 5, "b"}}}}
	segA = FillTimeseries(q, aggs, segA, base.NewInterval(day1, day3))
	segB := []TimeseriesRow{{day3, []any{int64(2), int64(7), -0.5, -0.25, float32(2), Pair{day3, "a"}}}, {day1, []any{int64(1), int64(5), 2.0, 2.0, float32(0.5), Pair{day1 + 1, "z"}}}}
	merged, err := MergeTimeseries(q, aggs, segA, segB)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := FinishTimeseries(q, aggs, merged)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "timeseries.json", AppendTimeseries(nil, tab))

	q.Descending = true
	q.Limit = 2
	q.Context = query.Context{"skipEmptyBuckets": true, "serializeDateTimeAsLong": true}
	segA = []TimeseriesRow{{day1, []any{int64(3), int64(30), 1.5, 1.0, float32(1.5), Pair{day1 + 5, "b"}}}}
	if got := FillTimeseries(q, aggs, segA, base.NewInterval(day1, day3)); len(got) != 1 {
		t.Errorf("skipEmptyBuckets filled %d rows", len(got))
	}
	merged, _ = MergeTimeseries(q, aggs, segA, segB)
	tab, _ = FinishTimeseries(q, aggs, merged)
	golden(t, "timeseries_desc.json", AppendTimeseries(nil, tab))
	_ = day2
}

func TestTimeseriesAllGranularity(t *testing.T) {
	q := mustQuery[*query.Timeseries](t, `{"queryType":"timeseries","dataSource":"wiki","intervals":["1000/3000"],"granularity":"all","aggregations":[{"type":"count","name":"rows"}]}`)
	aggs := mustAggs(t, q.Aggregations)
	merged, _ := MergeTimeseries(q, aggs,
		[]TimeseriesRow{{ms("2013-09-01T00:00:00Z"), []any{int64(4)}}},
		[]TimeseriesRow{{ms("2013-08-31T01:02:33Z"), []any{int64(6)}}})
	tab, _ := FinishTimeseries(q, aggs, merged)
	got := string(AppendTimeseries(nil, tab))
	if want := `[{"timestamp":"2013-08-31T01:02:33.000Z","result":{"rows":10}}]`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	tab, _ = FinishTimeseries(q, aggs, nil)
	if got := string(AppendTimeseries(nil, tab)); got != `[]` {
		t.Errorf("empty: %s", got)
	}
}

func TestTopN(t *testing.T) {
	const base = `"queryType":"topN","dataSource":"wiki","intervals":["2013-08-31/2013-09-02"],"granularity":"day","dimension":"page","threshold":2,
		"aggregations":[{"type":"count","name":"count"},{"type":"longSum","name":"added","fieldName":"added"}],
		"postAggregations":[{"type":"arithmetic","name":"average","fn":"/","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"fieldAccess","fieldName":"count"}]}]`
	d1, d2 := ms("2013-08-31"), ms("2013-09-01")
	seg := func() [][]TopNBucket {
		return [][]TopNBucket{
			{{d1, []TopNRow{{"a", []any{int64(5), int64(10)}}, {"b", []any{int64(3), int64(90)}}, {nil, []any{int64(1), int64(1)}}}}},
			{{d1, []TopNRow{{"b", []any{int64(3), int64(10)}}, {"c", []any{int64(4), int64(400)}}}}, {d2, []TopNRow{{"z", []any{int64(1), nil}}}}},
		}
	}
	for _, tt := range []struct{ name, metric string }{
		{"topn_numeric.json", `"count"`},
		{"topn_postagg.json", `{"type":"numeric","metric":"average"}`},
		{"topn_inverted.json", `{"type":"inverted","metric":"added"}`},
		{"topn_dimension.json", `{"type":"dimension","ordering":"lexicographic","previousStop":"a"}`},
	} {
		q := mustQuery[*query.TopN](t, `{`+base+`,"metric":`+tt.metric+`}`)
		aggs := mustAggs(t, q.Aggregations)
		merged, err := MergeTopN(q, aggs, PerSegmentThreshold(q), seg()...)
		if err != nil {
			t.Fatal(err)
		}
		tab, err := FinishTopN(q, aggs, merged)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, tt.name, AppendTopN(nil, tab))
	}
}

// TestTopNApproximation shows the documented cross-segment approximation:
// with a per-segment threshold of 1, "b" loses segment 1's contribution.
func TestTopNApproximation(t *testing.T) {
	q := mustQuery[*query.TopN](t, `{"queryType":"topN","dataSource":"w","intervals":["2013/2014"],"granularity":"all","dimension":"d","threshold":1,"metric":"n",
		"aggregations":[{"type":"longSum","name":"n","fieldName":"x"}],"context":{"minTopNThreshold":1}}`)
	aggs := mustAggs(t, q.Aggregations)
	s1, _ := MergeTopN(q, aggs, PerSegmentThreshold(q), []TopNBucket{{0, []TopNRow{{"a", []any{int64(10)}}, {"b", []any{int64(9)}}}}})
	s2, _ := MergeTopN(q, aggs, PerSegmentThreshold(q), []TopNBucket{{0, []TopNRow{{"b", []any{int64(9)}}, {"a", []any{int64(1)}}}}})
	merged, _ := MergeTopN(q, aggs, 0, s1, s2)
	tab, _ := FinishTopN(q, aggs, merged)
	got := string(AppendTopN(nil, tab))
	if want := `[{"timestamp":"1970-01-01T00:00:00.000Z","result":[{"d":"a","n":10}]}]`; got != want {
		t.Errorf("got %s, want %s (exact answer would be b=18)", got, want)
	}
}

const groupByBase = `"queryType":"groupBy","dataSource":"wiki","intervals":["2013-08-31/2013-09-02"],"granularity":"all",
	"dimensions":["page",{"type":"default","dimension":"lang","outputName":"language"}],
	"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"added_count","fieldName":"added"},{"type":"doubleMin","name":"minDelta","fieldName":"delta"}],
	"postAggregations":[{"type":"arithmetic","name":"added_count_times_ten","fn":"*","fields":[{"type":"fieldAccess","fieldName":"added_count"},{"type":"constant","value":10}]}]`

func groupByParts() [][]GroupByRow {
	return [][]GroupByRow{
		{{0, []any{"Crimson Typhoon", "en"}, []any{int64(1), int64(905), 1.5}}, {0, []any{"b", nil}, []any{int64(2), int64(10), nil}}, {0, []any{"a", "zh"}, []any{int64(1), int64(-3), -2.0}}},
		{{0, []any{"b", nil}, []any{int64(1), int64(5), 0.25}}, {0, []any{"a", "en"}, []any{int64(4), int64(400), 3.0}}},
	}
}

func TestGroupBy(t *testing.T) {
	for _, tt := range []struct{ name, extra string }{
		{"groupby_plain.json", ``},
		{"groupby_having_limit.json", `,"having":{"type":"or","havingSpecs":[{"type":"greaterThan","aggregation":"rows","value":2},{"type":"dimSelector","dimension":"language","value":"zh"}]},
			"limitSpec":{"type":"default","limit":1,"offset":1,"columns":[{"dimension":"added_count","direction":"descending"}]}`},
		{"groupby_filter_having.json", `,"having":{"type":"filter","filter":{"type":"not","field":{"type":"selector","dimension":"language","value":"en"}}}`},
		{"groupby_subtotals.json", `,"subtotalsSpec":[["page"],["language"],[]],"limitSpec":{"type":"default","columns":[{"dimension":"rows","direction":"descending","dimensionOrder":"numeric"}]}`},
	} {
		q := mustQuery[*query.GroupBy](t, `{`+groupByBase+tt.extra+`}`)
		aggs := mustAggs(t, q.Aggregations)
		m := NewGroupByMerger(q, aggs)
		for _, p := range groupByParts() {
			if err := m.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		tab, err := FinishGroupBy(q, aggs, m.Rows())
		if err != nil {
			t.Fatal(err)
		}
		golden(t, tt.name, AppendGroupBy(nil, tab, false, false))
	}
	q := mustQuery[*query.GroupBy](t, `{`+strings.Replace(groupByBase, `"granularity":"all"`, `"granularity":{"type":"period","period":"P1D","timeZone":"America/Los_Angeles"}`, 1)+`,"context":{"resultAsArray":true}}`)
	aggs := mustAggs(t, q.Aggregations)
	m := NewGroupByMerger(q, aggs)
	t0 := ms("2013-08-31T07:00:00Z")
	_ = m.Add([]GroupByRow{{t0, []any{"x", "en"}, []any{int64(1), int64(2), 1.0}}, {t0 + 86400000, []any{"x", "en"}, []any{int64(1), int64(3), math.Inf(-1)}}, {t0, []any{"x", "en"}, []any{int64(1), int64(2), math.NaN()}}})
	tab, _ := FinishGroupBy(q, aggs, m.Rows())
	golden(t, "groupby_zone.json", AppendGroupBy(nil, tab, false, true))
	golden(t, "groupby_array.json", AppendGroupByResult(nil, q, tab))
}

func TestScan(t *testing.T) {
	batches := func() []ScanBatch {
		return []ScanBatch{
			{SegmentID: "wiki_2013-08-31T00:00:00.000Z_2013-09-01T00:00:00.000Z_v1", Columns: []string{"__time", "page", "tags", "added"},
				ColumnTypes: []base.ColumnType{base.TypeLong, base.TypeString, base.TypeString, base.TypeLong},
				Events:      [][]any{{int64(3), "c", []string{"x", "y"}, int64(1)}, {int64(1), "a\"\n\u2028", nil, nil}}},
			{SegmentID: "wiki_2013-09-01T00:00:00.000Z_2013-09-02T00:00:00.000Z_v1", Columns: []string{"__time", "page", "tags", "added"},
				Events: [][]any{{int64(2), "b", "t", int64(7)}, {int64(4), "d", nil, float32(1.5)}}},
		}
	}
	for _, tt := range []struct{ name, extra string }{
		{"scan_list.json", `"limit":3,"offset":1`},
		{"scan_compacted_ordered.json", `"resultFormat":"compactedList","order":"descending","batchSize":2,"offset":1`},
	} {
		q := mustQuery[*query.Scan](t, `{"queryType":"scan","dataSource":"wiki","intervals":["2013/2014"],`+tt.extra+`}`)
		out, err := MergeScan(q, batches())
		if err != nil {
			t.Fatal(err)
		}
		golden(t, tt.name, AppendScan(nil, out, q.ResultFormat))
	}
}

func TestAppendString(t *testing.T) {
	got := string(AppendString(nil, "a\"b\\c\n\x01</>&é\xff"))
	want := `"a\"b\\c\n\u0001</>&é` + "\uFFFD" + `"`
	if got != want {
		t.Errorf("got %s want %s", got, want)
	}
	var s string
	if err := json.Unmarshal([]byte(got), &s); err != nil {
		t.Error(err)
	}
}

func TestMergeErrors(t *testing.T) {
	q := mustQuery[*query.GroupBy](t, `{`+groupByBase+`}`)
	aggs := mustAggs(t, q.Aggregations)
	m := NewGroupByMerger(q, aggs)
	if err := m.Add([]GroupByRow{{0, []any{"a"}, []any{int64(1)}}}); err == nil {
		t.Error("accepted a malformed row")
	}
	tq := mustQuery[*query.Timeseries](t, `{"queryType":"timeseries","dataSource":"w","intervals":["2013/2014"],"granularity":"all","aggregations":[{"type":"count","name":"c"}]}`)
	if _, err := MergeTimeseries(tq, mustAggs(t, tq.Aggregations), []TimeseriesRow{{0, nil}}); err == nil {
		t.Error("accepted a malformed timeseries row")
	}
}

// BenchmarkGroupByMerge merges 1M partial rows (4 segments × 250K rows
// over 100K distinct keys) and finishes the result.
func BenchmarkGroupByMerge(b *testing.B) {
	q := mustQuery[*query.GroupBy](b, `{`+groupByBase+`}`)
	aggs := mustAggs(b, q.Aggregations)
	const perSeg, segs, keys = 250_000, 4, 100_000
	pages := make([]string, keys)
	for i := range pages {
		pages[i] = fmt.Sprintf("page-%06d", i)
	}
	make1 := func() [][]GroupByRow {
		parts := make([][]GroupByRow, segs)
		for s := range parts {
			rows := make([]GroupByRow, perSeg)
			for i := range rows {
				k := (i*7 + s*13) % keys
				rows[i] = GroupByRow{0, []any{pages[k], "en"}, []any{int64(1), int64(i), float64(i)}}
			}
			parts[s] = rows
		}
		return parts
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		parts := make1()
		b.StartTimer()
		m := NewGroupByMerger(q, aggs)
		for _, p := range parts {
			if err := m.Add(p); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := FinishGroupBy(q, aggs, m.Rows()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(perSeg*segs)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkAppendGroupBy writes 100K groupBy result rows.
func BenchmarkAppendGroupBy(b *testing.B) {
	t := &Table{Columns: []string{"page", "language", "rows", "added_count", "minDelta", "added_count_times_ten"}}
	for i := 0; i < 100_000; i++ {
		t.Rows = append(t.Rows, Row{Timestamp: 1377907200000 + int64(i)*1000, Values: []any{fmt.Sprintf("page %d", i), "en", int64(i), int64(i * 7), float64(i) / 3, float64(i * 70)}})
	}
	buf := AppendGroupBy(nil, t, false, true)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendGroupBy(buf[:0], t, false, true)
	}
}

func TestFillLimit(t *testing.T) {
	q := mustQuery[*query.Timeseries](t, `{"queryType":"timeseries","dataSource":"w","intervals":["2013-01-01/2013-01-02"],"granularity":"none","aggregations":[{"type":"count","name":"c"}]}`)
	aggs := mustAggs(t, q.Aggregations)
	_, err := FillTimeseriesChecked(q, aggs, nil, base.NewInterval(ms("2013-01-01"), ms("2013-01-02")))
	if base.ClassOf(err) != base.ClassInvalidInput {
		t.Errorf("got %v, want a resource-limit error", err)
	}
	rows, err := FillTimeseriesChecked(q, aggs, nil, base.NewInterval(ms("2013-01-01"), ms("2013-01-01")+3))
	if err != nil || len(rows) != 3 || rows[2].Timestamp != ms("2013-01-01")+2 || rows[0].Values[0] != int64(0) {
		t.Errorf("small fill: %v %v", rows, err)
	}
}
