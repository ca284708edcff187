package rowengine

import (
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/value"
)

const inline = `{"type":"inline","columnNames":["__time","page","tags","added","delta"],"columnTypes":["LONG","STRING","STRING","LONG","DOUBLE"],
	"rows":[[1377907200000,"Apple",["a","b"],10,1.5],[1377910800000,"banana",[],3,null],[1378080000000,null,["b"],null,2.0],[1378083600000,"Apple","c",7,-1.0]]}`

func decode[T query.Query](t *testing.T, s string) T {
	t.Helper()
	q, err := query.Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return q.(T)
}

func aggsOf(t *testing.T, a *query.Aggregated) []result.Aggregator {
	t.Helper()
	out, err := result.FromFactories(a.Aggregations)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTimeseries(t *testing.T) {
	q := decode[*query.Timeseries](t, `{"queryType":"timeseries","dataSource":`+inline+`,"intervals":["2013-08-01/2013-10-01"],"granularity":"day",
		"virtualColumns":[{"type":"expression","name":"v","expression":"added * 2","outputType":"LONG"}],
		"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"added","fieldName":"added"},{"type":"longSum","name":"v2","fieldName":"v"},{"type":"doubleMin","name":"minDelta","fieldName":"delta"},{"type":"stringLast","name":"lastPage","fieldName":"page"}],
		"postAggregations":[{"type":"expression","name":"e","expression":"added + rows"}]}`)
	aggs := aggsOf(t, &q.Aggregated)
	part, err := Timeseries(q, aggs, InlineRows(q.DataSource.(*query.InlineDataSource)))
	if err != nil {
		t.Fatal(err)
	}
	merged, _ := result.MergeTimeseries(q, aggs, part)
	tab, err := result.FinishTimeseries(q, aggs, merged)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"timestamp":"2013-08-31T00:00:00.000Z","result":{"rows":2,"added":13,"v2":26,"minDelta":1.5,"lastPage":"banana","e":15}},` +
		`{"timestamp":"2013-09-01T00:00:00.000Z","result":{"rows":0,"added":null,"v2":null,"minDelta":null,"lastPage":null,"e":null}},` +
		`{"timestamp":"2013-09-02T00:00:00.000Z","result":{"rows":2,"added":7,"v2":14,"minDelta":-1.0,"lastPage":"Apple","e":9}}]`
	if got := string(result.AppendTimeseries(nil, tab)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestTopNAndGroupBy(t *testing.T) {
	tq := decode[*query.TopN](t, `{"queryType":"topN","dataSource":`+inline+`,"intervals":["2013/2014"],"granularity":"all","dimension":"tags","threshold":2,"metric":"rows",
		"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"added","fieldName":"added"}]}`)
	aggs := aggsOf(t, &tq.Aggregated)
	part, err := TopN(tq, aggs, InlineRows(tq.DataSource.(*query.InlineDataSource)))
	if err != nil {
		t.Fatal(err)
	}
	merged, _ := result.MergeTopN(tq, aggs, 0, part)
	tt, _ := result.FinishTopN(tq, aggs, merged)
	want := `[{"timestamp":"2013-08-31T00:00:00.000Z","result":[{"tags":"b","rows":2,"added":10},{"tags":null,"rows":1,"added":3}]}]`
	if got := string(result.AppendTopN(nil, tt)); got != want {
		t.Errorf("topN got  %s\nwant %s", got, want)
	}

	inner := `{"queryType":"groupBy","dataSource":` + inline + `,"intervals":["2013/2014"],"granularity":"day",
		"dimensions":["page",{"type":"extraction","dimension":"tags","outputName":"tag","extractionFn":{"type":"upper"}}],
		"filter":{"type":"not","field":{"type":"selector","dimension":"page","value":"banana"}},
		"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"added","fieldName":"added"}]}`
	gq := decode[*query.GroupBy](t, inner)
	gaggs := aggsOf(t, &gq.Aggregated)
	rows, err := GroupBy(gq, gaggs, InlineRows(gq.DataSource.(*query.InlineDataSource)))
	if err != nil {
		t.Fatal(err)
	}
	gt, err := result.FinishGroupBy(gq, gaggs, rows)
	if err != nil {
		t.Fatal(err)
	}
	wantG := `[{"version":"v1","timestamp":"2013-08-31T00:00:00.000Z","event":{"page":"Apple","tag":"A","rows":1,"added":10}},` +
		`{"version":"v1","timestamp":"2013-08-31T00:00:00.000Z","event":{"page":"Apple","tag":"B","rows":1,"added":10}},` +
		`{"version":"v1","timestamp":"2013-09-02T00:00:00.000Z","event":{"page":"Apple","tag":"C","rows":1,"added":7}}]`
	if got := string(result.AppendGroupBy(nil, gt, false, true)); got != wantG {
		t.Errorf("groupBy got  %s\nwant %s", got, wantG)
	}

	// A nested groupBy: the outer query runs over the inner result rows.
	oq := decode[*query.GroupBy](t, `{"queryType":"groupBy","dataSource":{"type":"query","query":`+inner+`},"intervals":["2013/2014"],"granularity":"all",
		"dimensions":["page"],"aggregations":[{"type":"longSum","name":"groups","fieldName":"rows"},{"type":"longMax","name":"maxAdded","fieldName":"added"}],
		"having":{"type":"greaterThan","aggregation":"groups","value":1}}`)
	oaggs := aggsOf(t, &oq.Aggregated)
	orows, err := GroupBy(oq, oaggs, TableRows(gt))
	if err != nil {
		t.Fatal(err)
	}
	ot, _ := result.FinishGroupBy(oq, oaggs, orows)
	wantO := `[{"version":"v1","timestamp":"2013-01-01T00:00:00.000Z","event":{"page":"Apple","groups":3,"maxAdded":10}}]`
	if got := string(result.AppendGroupBy(nil, ot, false, false)); got != wantO {
		t.Errorf("nested got  %s\nwant %s", got, wantO)
	}
}

func TestScan(t *testing.T) {
	q := decode[*query.Scan](t, `{"queryType":"scan","dataSource":`+inline+`,"intervals":["2013/2014"],"resultFormat":"compactedList","order":"descending","limit":2,
		"virtualColumns":[{"type":"expression","name":"up","expression":"upper(page)","outputType":"STRING"}],"columns":["__time","up","tags"]}`)
	d := q.DataSource.(*query.InlineDataSource)
	b, err := Scan(q, d.ColumnNames, InlineRows(d))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := result.MergeScan(q, []result.ScanBatch{b})
	got := string(result.AppendScan(nil, out, q.ResultFormat))
	want := `[{"segmentId":null,"columns":["__time","up","tags"],"events":[[1378083600000,"APPLE","c"],[1378080000000,null,["b"]]]}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestCastAndKeys(t *testing.T) {
	tests := []struct {
		in   any
		typ  string
		want any
	}{
		{"12", "LONG", int64(12)}, {"x", "LONG", nil}, {int64(3), "STRING", "3"}, {1.0, "STRING", "1.0"},
		{"2.5", "DOUBLE", 2.5}, {"2.5", "FLOAT", float32(2.5)}, {[]any{"a", int64(1)}, "STRING", []string{"a", "1"}},
	}
	for _, tt := range tests {
		ct, _ := parseType(tt.typ)
		got := value.Cast(tt.in, ct)
		if ss, ok := got.([]string); ok {
			if strings.Join(ss, ",") != strings.Join(tt.want.([]string), ",") {
				t.Errorf("value.Cast(%v, %s) = %v", tt.in, tt.typ, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("value.Cast(%v, %s) = %#v, want %#v", tt.in, tt.typ, got, tt.want)
		}
	}
	if mapKey([]any{"a"}) != mapKey([]any{"a"}) || mapKey(1.0) == mapKey(int64(1)) {
		t.Error("mapKey")
	}
	var _ value.Row = value.MapRow{}
}

func parseType(s string) (base.ColumnType, error) { return base.ParseColumnType(s) }
