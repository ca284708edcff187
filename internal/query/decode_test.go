package query

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/value"
)

const ts = `"queryType":"timeseries","dataSource":"wiki","intervals":["2013-01-01/2014-01-01"],"granularity":"day"`

// badQueries are malformed queries, one kind of mistake each; their error
// messages are golden-filed in testdata/decode_errors.txt.
var badQueries = []struct{ name, query string }{
	{"empty body", ``},
	{"not JSON", `{"queryType":`},
	{"not an object", `[1,2]`},
	{"missing queryType", `{"dataSource":"wiki"}`},
	{"unknown queryType", `{"queryType":"select","dataSource":"wiki"}`},
	{"queryType wrong type", `{"queryType":{"a":1}}`},
	{"missing dataSource", `{"queryType":"timeseries","intervals":["2013/2014"],"granularity":"day"}`},
	{"dataSource wrong type", `{"queryType":"timeseries","dataSource":5,"intervals":["2013/2014"],"granularity":"day"}`},
	{"unknown datasource type", `{"queryType":"timeseries","dataSource":{"type":"kafka"},"intervals":["2013/2014"],"granularity":"day"}`},
	{"union of non-tables", `{"queryType":"timeseries","dataSource":{"type":"union","dataSources":[{"type":"inline","columnNames":["a"],"rows":[]}]},"intervals":["2013/2014"],"granularity":"day"}`},
	{"inline row width", `{"queryType":"scan","dataSource":{"type":"inline","columnNames":["a","b"],"rows":[["x"]]},"intervals":["2013/2014"]}`},
	{"missing intervals", `{"queryType":"timeseries","dataSource":"wiki","granularity":"day"}`},
	{"bad interval", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2013-13-01/2014"],"granularity":"day"}`},
	{"interval end before start", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2014/2013"],"granularity":"day"}`},
	{"intervals wrong type", `{"queryType":"timeseries","dataSource":"wiki","intervals":5,"granularity":"day"}`},
	{"missing granularity", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2013/2014"]}`},
	{"bad granularity", `{` + strings.Replace(ts, `"day"`, `"fortnight"`, 1) + `}`},
	{"filter wrong type", `{` + ts + `,"filter":"page = 'x'"}`},
	{"filter missing field", `{` + ts + `,"filter":{"type":"selector","value":"x"}}`},
	{"aggregations wrong type", `{` + ts + `,"aggregations":{"type":"count","name":"c"}}`},
	{"unknown aggregator", `{` + ts + `,"aggregations":[{"type":"median","name":"m","fieldName":"x"}]}`},
	{"aggregator missing name", `{` + ts + `,"aggregations":[{"type":"longSum","fieldName":"x"}]}`},
	{"duplicate output names", `{` + ts + `,"aggregations":[{"type":"count","name":"c"},{"type":"longSum","name":"c","fieldName":"x"}]}`},
	{"post-aggregator unknown field", `{` + ts + `,"aggregations":[{"type":"count","name":"rows"}],"postAggregations":[{"type":"arithmetic","name":"avg","fn":"/","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"fieldAccess","fieldName":"rows"}]}]}`},
	{"post-aggregator name clash", `{` + ts + `,"aggregations":[{"type":"count","name":"rows"}],"postAggregations":[{"type":"constant","name":"rows","value":1}]}`},
	{"bad arithmetic fn", `{` + ts + `,"aggregations":[{"type":"count","name":"rows"}],"postAggregations":[{"type":"arithmetic","name":"x","fn":"^","fields":[{"type":"fieldAccess","fieldName":"rows"},{"type":"constant","value":2}]}]}`},
	{"descending wrong type", `{` + ts + `,"descending":{"x":1}}`},
	{"context wrong type", `{` + ts + `,"context":["timeout"]}`},
	{"context timeout not a number", `{` + ts + `,"context":{"timeout":"soon"}}`},
	{"context skipEmptyBuckets not a boolean", `{` + ts + `,"context":{"skipEmptyBuckets":"perhaps"}}`},
	{"virtual column bad expression", `{` + ts + `,"virtualColumns":[{"type":"expression","name":"v","expression":"1 +"}]}`},
	{"virtual column duplicate", `{` + ts + `,"virtualColumns":[{"type":"expression","name":"v","expression":"1"},{"type":"expression","name":"v","expression":"2"}]}`},
	{"virtual column named __time", `{` + ts + `,"virtualColumns":[{"type":"expression","name":"__time","expression":"1"}]}`},
	{"topN missing threshold", `{"queryType":"topN","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimension":"page","metric":"count","aggregations":[{"type":"count","name":"count"}]}`},
	{"topN zero threshold", `{"queryType":"topN","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimension":"page","threshold":0,"metric":"count","aggregations":[{"type":"count","name":"count"}]}`},
	{"topN unknown metric", `{"queryType":"topN","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimension":"page","threshold":5,"metric":"edits","aggregations":[{"type":"count","name":"count"}]}`},
	{"topN bad metric spec", `{"queryType":"topN","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimension":"page","threshold":5,"metric":{"type":"sideways"},"aggregations":[{"type":"count","name":"count"}]}`},
	{"topN dimension wrong type", `{"queryType":"topN","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimension":["page"],"threshold":5,"metric":"count","aggregations":[{"type":"count","name":"count"}]}`},
	{"groupBy dimensions not a list", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimensions":"page"}`},
	{"groupBy bad outputType", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimensions":[{"type":"default","dimension":"page","outputType":"BLOB"}]}`},
	{"groupBy dimension and aggregator clash", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimensions":["page"],"aggregations":[{"type":"count","name":"page"}]}`},
	{"groupBy unknown having", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimensions":["page"],"having":{"type":"atLeast","aggregation":"c","value":1}}`},
	{"groupBy having value not a number", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimensions":["page"],"aggregations":[{"type":"count","name":"c"}],"having":{"type":"greaterThan","aggregation":"c","value":"lots"}}`},
	{"groupBy limit negative", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimensions":["page"],"limitSpec":{"type":"default","limit":-1}}`},
	{"groupBy order by unknown column", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimensions":["page"],"limitSpec":{"type":"default","limit":5,"columns":["added"]}}`},
	{"groupBy bad direction", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimensions":["page"],"limitSpec":{"type":"default","columns":[{"dimension":"page","direction":"up"}]}}`},
	{"groupBy subtotal not a dimension", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimensions":["page"],"subtotalsSpec":[["page"],["user"]]}`},
	{"scan bad resultFormat", `{"queryType":"scan","dataSource":"wiki","intervals":["2013/2014"],"resultFormat":"table"}`},
	{"scan negative limit", `{"queryType":"scan","dataSource":"wiki","intervals":["2013/2014"],"limit":-5}`},
	{"scan order without __time", `{"queryType":"scan","dataSource":"wiki","intervals":["2013/2014"],"columns":["page"],"order":"descending"}`},
	{"scan bad order", `{"queryType":"scan","dataSource":"wiki","intervals":["2013/2014"],"order":"random"}`},
	{"scan zero batchSize", `{"queryType":"scan","dataSource":"wiki","intervals":["2013/2014"],"batchSize":0}`},
	{"search missing query", `{"queryType":"search","dataSource":"wiki","intervals":["2013/2014"]}`},
	{"timeBoundary bad bound", `{"queryType":"timeBoundary","dataSource":"wiki","bound":"midTime"}`},
	{"segmentMetadata bad analysis type", `{"queryType":"segmentMetadata","dataSource":"wiki","analysisTypes":["cardinality","colour"]}`},
	{"nested query invalid", `{"queryType":"groupBy","dataSource":{"type":"query","query":{"queryType":"groupBy","dataSource":"wiki","granularity":"all"}},"intervals":["2013/2014"],"granularity":"all"}`},
	{"join datasource", `{` + strings.Replace(ts, `"wiki"`, `{"type":"join","left":"a","right":"b","rightPrefix":"r.","condition":"x","joinType":"INNER"}`, 1) + `}`},
	{"extension aggregator", `{` + ts + `,"aggregations":[{"type":"tDigestSketch","name":"u","fieldName":"user"}]}`},
	{"extraction dimension", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","dimensions":[{"type":"extraction","dimension":"page","outputName":"p","extractionFn":{"type":"registeredLookup","lookup":"l"}}]}`},
}

func TestDecodeErrors(t *testing.T) {
	var out strings.Builder
	for _, tt := range badQueries {
		_, err := Decode([]byte(tt.query))
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		c := base.ClassOf(err)
		if c != base.ClassInvalidInput && c != base.ClassUnsupported {
			t.Errorf("%s: class %v: %v", tt.name, c, err)
		}
		out.WriteString(tt.name + "\n  " + c.String() + " " + strconv.Itoa(c.HTTPStatus()) + ": " + err.Error() + "\n")
	}
	golden(t, "decode_errors.txt", out.String())
}

func TestDecodeValid(t *testing.T) {
	q, err := Decode([]byte(`{"queryType":"groupBy","dataSource":{"type":"table","name":"wiki"},
		"intervals":{"type":"intervals","intervals":["2013-01-01/2013-01-02","2013-01-02/2013-01-03"]},
		"granularity":{"type":"period","period":"P1D","timeZone":"America/Los_Angeles"},
		"dimensions":["page",{"type":"default","dimension":"added","outputName":"a","outputType":"LONG"}],
		"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"added_count","fieldName":"added"}],
		"postAggregations":[{"type":"arithmetic","name":"x10","fn":"*","fields":[{"type":"fieldAccess","fieldName":"added_count"},{"type":"constant","value":10}]}],
		"having":{"type":"and","havingSpecs":[{"type":"greaterThan","aggregation":"rows","value":1},{"type":"not","havingSpec":{"type":"dimSelector","dimension":"page","value":"x"}}]},
		"limitSpec":{"type":"default","limit":"5","offset":1,"columns":["page",{"dimension":"x10","direction":"DESC","dimensionOrder":{"type":"numeric"}}]},
		"subtotalsSpec":[["page"],[]],
		"unknownProperty":{"ignored":true},
		"context":{"timeout":"1000","sortByDimsFirst":"true","queryId":"q1","priority":-1,"finalize":false}}`))
	if err != nil {
		t.Fatal(err)
	}
	g := q.(*GroupBy)
	if len(g.Intervals) != 1 || g.Intervals[0].String() != "2013-01-01T00:00:00.000Z/2013-01-03T00:00:00.000Z" {
		t.Errorf("intervals %v", g.Intervals)
	}
	if g.Dimensions[1].OutputName != "a" || g.Dimensions[1].OutputType != base.TypeLong {
		t.Errorf("dimension %+v", g.Dimensions[1])
	}
	if g.LimitSpec.Limit != 5 || g.LimitSpec.Offset != 1 || !g.LimitSpec.Columns[1].Descending || g.LimitSpec.Columns[1].DimensionOrder != value.Numeric {
		t.Errorf("limitSpec %+v", g.LimitSpec)
	}
	if to, _ := g.Context.Timeout(); to != 1000 || !g.Context.SortByDimsFirst() || g.Context.QueryID() != "q1" || g.Context.Priority() != -1 || g.Context.Finalize() || !g.Context.UseCache() {
		t.Errorf("context accessors %v", g.Context)
	}
	if len(g.SubtotalsSpec) != 2 || len(g.SubtotalsSpec[1]) != 0 {
		t.Errorf("subtotals %v", g.SubtotalsSpec)
	}
	if g.Granularity.Zone().String() != "America/Los_Angeles" {
		t.Errorf("granularity zone %v", g.Granularity.Zone())
	}

	tn, err := Decode([]byte(`{"queryType":"topN","dataSource":"wiki","intervals":"2013/2014","granularity":"all","dimension":"page","threshold":"3",
		"metric":{"type":"inverted","metric":{"type":"dimension","ordering":"strlen","previousStop":"b"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	m := tn.(*TopN).Metric
	if m.Kind != "dimension" || !m.Inverted || m.Ordering != value.Strlen || *m.PreviousStop != "b" || tn.(*TopN).Threshold != 3 {
		t.Errorf("metric %+v", m)
	}

	sc, err := Decode([]byte(`{"queryType":"scan","dataSource":{"type":"inline","columnNames":["t","x"],"columnTypes":["LONG","STRING"],"rows":[[1,"a"],[2,null]]},"intervals":["0000/3000"],"resultFormat":"compactedList","order":"ascending","limit":10}`))
	if err != nil {
		t.Fatal(err)
	}
	s := sc.(*Scan)
	inl := s.DataSource.(*InlineDataSource)
	if s.ResultFormat != ResultFormatCompactedList || s.Order != OrderAscending || s.Limit != 10 || s.BatchSize != 20480 || len(inl.Rows) != 2 || inl.Rows[0][0] != int64(1) || inl.Rows[1][1] != nil {
		t.Errorf("scan %+v %+v", s, inl)
	}

	tb, err := Decode([]byte(`{"queryType":"timeBoundary","dataSource":"wiki"}`))
	if err != nil || tb.Base().Intervals[0] != base.Eternity {
		t.Errorf("timeBoundary: %v %v", err, tb)
	}
	for _, q := range []Query{q, tn, sc, tb} {
		checkRoundTrip(t, q)
	}
}

func FuzzDecode(f *testing.F) {
	for _, q := range badQueries {
		f.Add([]byte(q.query))
	}
	f.Add([]byte(`{` + ts + `,"aggregations":[{"type":"count","name":"c"}],"postAggregations":[{"type":"fieldAccess","name":"p","fieldName":"c"}],"context":{"grandTotal":true}}`))
	f.Add([]byte(`{"queryType":"groupBy","dataSource":{"type":"query","query":{"queryType":"groupBy","dataSource":"w","intervals":["2013/2014"],"granularity":"all","dimensions":["a"]}},"intervals":["2013/2014"],"granularity":"all","dimensions":["a"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := Decode(data)
		if err != nil {
			c := base.ClassOf(err)
			if c != base.ClassInvalidInput && c != base.ClassUnsupported {
				t.Fatalf("class %v for %q: %v", c, data, err)
			}
			return
		}
		if q.Base().DataSource == nil {
			t.Fatalf("accepted query without a datasource: %q", data)
		}
		checkRoundTrip(t, q)
	})
}
