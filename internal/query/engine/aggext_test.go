package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/incremental"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

// TestExtAggregators checks the filtered, any and expression aggregators
// and expression inputs on handRows, against hand-computed values and the
// row engine.
func TestExtAggregators(t *testing.T) {
	seg := buildSegment(t, testSchema, handRows())
	ref := segmentRows(t, seg)
	sel := func(dim, v string) string {
		return fmt.Sprintf(`{"type":"selector","dimension":%q,"value":%q}`, dim, v)
	}
	// The row engine, which lifts each row to a partial and merges partials
	// (a null partial counts as "no rows"), cannot model a fold that turns
	// null mid-segment.
	const nullFold = `{"type":"expression","name":"v","fields":["x"],"initialValue":"0","fold":"__acc + x"}`
	tests := []struct {
		agg  string
		want string // canon of the single "all" row's value; "error" when Run must fail
	}{
		{`{"type":"filtered","name":"v","filter":` + sel("s", "a") + `,"aggregator":{"type":"count","name":"in"}}`, `{"L":2}`},
		{`{"type":"filtered","filter":` + sel("s", "a") + `,"aggregator":{"type":"count","name":"v"}}`, `{"L":2}`},
		{`{"type":"filtered","name":"v","filter":` + sel("s", "zzz") + `,"aggregator":{"type":"count","name":"in"}}`, `{"L":0}`},
		{`{"type":"filtered","name":"v","filter":` + sel("s", "zzz") + `,"aggregator":{"type":"longSum","name":"in","fieldName":"x"}}`, `null`},
		{`{"type":"filtered","name":"v","filter":{"type":"bound","dimension":"l","lower":"3","ordering":"numeric"},"aggregator":{"type":"doubleSum","name":"in","fieldName":"y"}}`, `{"D":"5.25"}`},
		{`{"type":"filtered","name":"v","filter":{"type":"expression","expression":"x > 5"},"aggregator":{"type":"stringFirst","name":"in","fieldName":"s"}}`, `{"pairT":0,"pairV":"a"}`},
		{`{"type":"filtered","name":"v","filter":{"type":"not","field":` + sel("m", "q") + `},"aggregator":{"type":"longMax","name":"in","fieldName":"x"}}`, `{"L":20}`},
		{`{"type":"filtered","name":"v","filter":` + sel("s", "c") + `,"aggregator":{"type":"longAny","name":"in","fieldName":"x"}}`, `{"L":7}`},
		{`{"type":"filtered","name":"v","filter":{"type":"true"},"aggregator":{"type":"longSum","name":"in","fieldName":"x"}}`, `{"L":33}`},
		{`{"type":"longAny","name":"v","fieldName":"x"}`, `{"L":10}`},
		{`{"type":"longAny","name":"v","fieldName":"nope"}`, `null`},
		{`{"type":"doubleAny","name":"v","fieldName":"y"}`, `{"D":"0.5"}`},
		{`{"type":"floatAny","name":"v","fieldName":"f"}`, `{"F":"1.0"}`},
		{`{"type":"longAny","name":"v","fieldName":"d"}`, `{"L":1}`},
		{`{"type":"stringAny","name":"v","fieldName":"s"}`, `"a"`},
		{`{"type":"stringAny","name":"v","fieldName":"m"}`, `"[p, q]"`},
		{`{"type":"stringAny","name":"v","fieldName":"m","aggregateMultipleValues":false}`, `"p"`},
		{`{"type":"stringAny","name":"v","fieldName":"m","maxStringBytes":2}`, `"[p"`},
		{`{"type":"longSum","name":"v","expression":"x * 2"}`, `{"L":66}`},
		{`{"type":"doubleSum","name":"v","expression":"x + y"}`, `{"D":"12.75"}`},
		{`{"type":"longMax","name":"v","expression":"l * 10"}`, `{"L":30}`},
		{`{"type":"floatMin","name":"v","expression":"f - 1"}`, `{"F":"-4.0"}`},
		{`{"type":"doubleMax","name":"v","expression":"strlen(s)"}`, `{"D":"1.0"}`},
		{`{"type":"longSum","name":"v","expression":"nope + 1"}`, `null`},
		{`{"type":"expression","name":"v","fields":[],"initialValue":"0","fold":"__acc + 1","combine":"__acc + v"}`, `{"L":6}`},
		{`{"type":"expression","name":"v","fields":["x"],"initialValue":"0","fold":"__acc + x","shouldAggregateNullInputs":false}`, `{"L":33}`},
		// Druid's default folds null inputs: null + x stays null.
		{nullFold, `null`},
		{`{"type":"expression","name":"v","fields":["s"],"initialValue":"''","fold":"concat(__acc, s)","shouldAggregateNullInputs":false}`, `"abca"`},
		{`{"type":"expression","name":"v","fields":["s"],"initialValue":"''","fold":"concat(__acc, s)","shouldAggregateNullInputs":false,"maxSizeBytes":2}`, `error`},
		{`{"type":"filtered","name":"v","filter":` + sel("s", "zzz") + `,"aggregator":{"type":"expression","name":"in","fields":["y"],"initialValue":"0.0","fold":"__acc + y"}}`, `null`},
		{`{"type":"filtered","name":"v","filter":` + sel("s", "zzz") + `,"aggregator":{"type":"expression","name":"in","fields":["y"],"initialValue":"0.0","fold":"__acc + y","isNullUnlessAggregated":false}}`, `{"D":"0.0"}`},
		{`{"type":"expression","name":"v","fields":["y","x"],"accumulatorIdentifier":"a","initialValue":"0.0","fold":"greatest(a, y * x)","combine":"greatest(a, v)","shouldAggregateNullInputs":false}`, `{"D":"5.0"}`},
	}
	for _, tc := range tests {
		t.Run(tc.agg, func(t *testing.T) {
			js := fmt.Sprintf(`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"all","aggregations":[%s]}`, tc.agg)
			q := mustDecode(t, js)
			if tc.want == "error" {
				if _, err := Run(t.Context(), q, seg, "seg1"); base.ClassOf(err) != base.ClassInvalidInput {
					t.Fatalf("Run err = %v, want an invalid-input error", err)
				}
				return
			}
			p := run(t, q, seg)
			if len(p.Timeseries) != 1 {
				t.Fatalf("got %d rows", len(p.Timeseries))
			}
			if got := canon(p.Timeseries[0].Values[0]); got != tc.want {
				t.Errorf("engine: got %s, want %s", got, tc.want)
			}
			if tc.agg == nullFold {
				return
			}
			w := reference(t, q, ref, nil)
			if got := canon(w.Timeseries[0].Values[0]); got != tc.want {
				t.Errorf("row engine: got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestExtAggregatorsGrouped runs the aggregators per group (groupBy on s
// and topN on s) and compares with the row engine.
func TestExtAggregatorsGrouped(t *testing.T) {
	seg := buildSegment(t, testSchema, handRows())
	ref := segmentRows(t, seg)
	aggs := `[{"type":"filtered","name":"a0","filter":{"type":"bound","dimension":"x","lower":"0","ordering":"numeric"},"aggregator":{"type":"longSum","name":"z","fieldName":"x"}},` +
		`{"type":"filtered","name":"a1","filter":{"type":"selector","dimension":"m","value":"q"},"aggregator":{"type":"count","name":"z"}},` +
		`{"type":"stringAny","name":"a2","fieldName":"m"},{"type":"doubleSum","name":"a3","expression":"y * 2"},` +
		`{"type":"expression","name":"a4","fields":["f"],"initialValue":"0.0","fold":"__acc + f","shouldAggregateNullInputs":false}]`
	for _, js := range []string{
		`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"all","dimensions":["s"],"aggregations":` + aggs + `}`,
		`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"hour","dimensions":["m","l"],"aggregations":` + aggs + `}`,
		`{"queryType":"topN","dataSource":"t","intervals":["1970/1971"],"granularity":"all","dimension":"s","metric":"a0","threshold":10,"aggregations":` + aggs + `}`,
	} {
		q := mustDecode(t, js)
		got := run(t, q, seg)
		want := reference(t, q, ref, nil)
		switch q.(type) {
		case *query.GroupBy:
			if g, w := sortedGroupBy(got.GroupBy), sortedGroupBy(want.GroupBy); g != w {
				t.Errorf("query %s\n got %s\nwant %s", js, g, w)
			}
		default:
			if g, w := canon(got.TopN), canon(want.TopN); g != w {
				t.Errorf("query %s\n got %s\nwant %s", js, g, w)
			}
		}
	}
}

// TestFilteredRollup ingests with filtered and any metrics (rollup) and
// queries the stored states with the combining factories.
func TestFilteredRollup(t *testing.T) {
	metrics, err := aggregation.DecodeList([]byte(`[{"type":"count","name":"rows"},
		{"type":"filtered","name":"aCount","filter":{"type":"selector","dimension":"page","value":"a"},"aggregator":{"type":"count","name":"x"}},
		{"type":"filtered","name":"aSum","filter":{"type":"selector","dimension":"page","value":"a"},"aggregator":{"type":"longSum","name":"x","fieldName":"n"}},
		{"type":"longAny","name":"anyN","fieldName":"n"},
		{"type":"doubleSum","name":"twice","expression":"n * 2"}]`))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := incremental.New(incremental.Config{Dimensions: []incremental.DimensionSpec{{Name: "g"}}, Metrics: metrics, Rollup: true, Truncate: granularity.MustParse("day").Floor})
	if err != nil {
		t.Fatal(err)
	}
	in := []struct {
		g, page string
		n       any
	}{{"x", "a", 1}, {"x", "b", 2}, {"x", "a", nil}, {"y", "b", 4}, {"y", "b", 5}, {"z", "a", 6}}
	for i, r := range in {
		m := map[string]any{"g": r.g, "page": r.page}
		if r.n != nil {
			m["n"] = r.n
		}
		row, err := incremental.RowFromMap(int64(i)*1000, m)
		if err != nil {
			t.Fatal(err)
		}
		if err := idx.Add(&row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := idx.Persist(&buf, segment.Metadata{DataSource: "r", Interval: base.NewInterval(0, 86400_000), Version: "v1"}); err != nil {
		t.Fatal(err)
	}
	seg, err := segment.FromBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var comb []string
	for _, f := range metrics {
		b, _ := f.Combining().MarshalJSON()
		comb = append(comb, string(b))
	}
	q := mustDecode(t, `{"queryType":"groupBy","dataSource":"r","intervals":["1970/1971"],"granularity":"all","dimensions":["g"],"aggregations":[`+strings.Join(comb, ",")+`]}`)
	got := sortedGroupBy(run(t, q, seg).GroupBy)
	want := strings.Join([]string{
		`[[-4611686018427387904,["x"],[{"L":3},{"L":2},{"L":1},{"L":1},{"D":"6.0"}]]]`,
		`[[-4611686018427387904,["y"],[{"L":2},{"L":0},null,{"L":4},{"D":"18.0"}]]]`,
		`[[-4611686018427387904,["z"],[{"L":1},{"L":1},{"L":6},{"L":6},{"D":"12.0"}]]]`,
	}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestBatchHadoopFilteredIT replays Druid's IT "unique_query3"
// (batch_hadoop_queries.json #2: filtered thetaSketch aggregators and a
// theta set-operation post-aggregator) on the product_1/product_7 rows of
// its input, ingested with the spec's thetaSketch metric, for the days the
// extract covers.
func TestBatchHadoopFilteredIT(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(itDir, "queries/batch_hadoop_queries.json"))
	if err != nil {
		t.Skip("druid-it conformance data not found")
	}
	var cases []struct {
		Description     string
		Query           json.RawMessage
		ExpectedResults []json.RawMessage
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	c := cases[2]
	if c.Description != "unique_query3" {
		t.Fatalf("case 2 is %q", c.Description)
	}
	js := strings.ReplaceAll(string(c.Query), "%%DATASOURCE%%", "hadoop")
	js = strings.Replace(js, "2014-11-05T00:00:00.000Z", "2014-10-25T00:00:00.000Z", 1)
	q := mustDecode(t, js)

	f, err := os.Open("../aggregation/testdata/batch_hadoop_products_1_7.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	metrics, err := aggregation.DecodeList([]byte(`[{"type":"thetaSketch","name":"user_id_sketch","fieldName":"user_id_sketch","size":16384}]`))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := incremental.New(incremental.Config{Dimensions: []incremental.DimensionSpec{{Name: "location"}, {Name: "product"}},
		Metrics: metrics, Rollup: true, Truncate: granularity.MustParse("hour").Floor})
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		if len(col) != 5 || col[4] == "" {
			continue
		}
		ts, err := time.Parse("2006010215", col[0])
		if err != nil {
			t.Fatal(err)
		}
		r, err := incremental.RowFromMap(ts.UnixMilli(), map[string]any{"location": col[1], "product": col[2], "user_id_sketch": col[4]})
		if err != nil {
			t.Fatal(err)
		}
		if err := idx.Add(&r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	start, _ := base.ParseTime("2014-10-20", nil)
	if _, err := idx.Persist(&buf, segment.Metadata{DataSource: "hadoop", Interval: base.NewInterval(start, start+5*86400_000), Version: "v1"}); err != nil {
		t.Fatal(err)
	}
	seg, err := segment.FromBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got := runMerged(t, q, []*segment.Segment{seg})
	var want []any
	for _, r := range c.ExpectedResults[:5] {
		var x any
		_ = json.Unmarshal(r, &x)
		want = append(want, x)
	}
	jsonEqual(t, got, want)
}

// FuzzRunExtAggregators runs queries with filtered, any and expression
// aggregators over handRows: the engine must answer or fail with a
// classified error, never panic.
func FuzzRunExtAggregators(f *testing.F) {
	for _, s := range []string{
		`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"minute","aggregations":[{"type":"filtered","name":"c","filter":{"type":"selector","dimension":"s","value":"a"},"aggregator":{"type":"count","name":"c"}}]}`,
		`{"queryType":"topN","dataSource":"t","intervals":["1970/1971"],"granularity":"all","dimension":"m","metric":"c","threshold":2,"aggregations":[{"type":"stringAny","name":"c","fieldName":"s","maxStringBytes":1}]}`,
		`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"hour","dimensions":["s"],"aggregations":[{"type":"longSum","name":"c","expression":"x * l"},{"type":"doubleAny","name":"d","fieldName":"m"}]}`,
		`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"all","dimensions":["l"],"aggregations":[{"type":"expression","name":"c","fields":["s","x"],"initialValue":"''","fold":"concat(__acc, s, x)","combine":"concat(__acc, c)","maxSizeBytes":16}]}`,
		`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"all","aggregations":[{"type":"filtered","filter":{"type":"interval","dimension":"__time","intervals":["1970-01-01T00:01/1970-01-01T01:00"]},"aggregator":{"type":"filtered","name":"c","filter":{"type":"not","field":{"type":"null","column":"y"}},"aggregator":{"type":"doubleFirst","name":"c","fieldName":"y"}}}]}`,
	} {
		f.Add(s)
	}
	seg := buildSegment(f, testSchema, handRows())
	f.Fuzz(func(t *testing.T, js string) {
		q, err := query.Decode([]byte(js))
		if err != nil {
			return
		}
		if _, err := Run(t.Context(), q, seg, "s"); err != nil && base.ClassOf(err) == base.ClassInternal {
			t.Fatalf("internal error for %s: %v", js, err)
		}
	})
}

// TestFilteredSketchInputError: a sketch input that cannot be decoded
// fails the query through a filtered wrapper too.
func TestFilteredSketchInputError(t *testing.T) {
	seg := buildSegment(t, testSchema, handRows())
	for _, agg := range []string{
		`{"type":"thetaSketch","name":"v","fieldName":"s","isInputThetaSketch":true}`,
		`{"type":"filtered","name":"v","filter":{"type":"selector","dimension":"s","value":"b"},"aggregator":{"type":"thetaSketch","name":"v","fieldName":"s","isInputThetaSketch":true}}`,
	} {
		q := mustDecode(t, `{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"all","aggregations":[`+agg+`]}`)
		if _, err := Run(t.Context(), q, seg, "s"); base.ClassOf(err) != base.ClassInvalidInput {
			t.Errorf("%s: err = %v, want an invalid-input error", agg, err)
		}
	}
}
