package metaquery

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/segment"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func ms(t testing.TB, s string) int64 {
	t.Helper()
	v, err := base.ParseTime(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fixtureSchema has every column kind: single- and multi-value strings with
// nulls, a long dimension, long, double, float and complex metrics.
func fixtureSchema(ds string, iv base.Interval, part int) segment.Metadata {
	return segment.Metadata{
		DataSource: ds, Interval: iv, Version: "v1", PartitionNum: part,
		QueryGranularity: json.RawMessage(`"hour"`), Rollup: true,
		Dimensions: []segment.Dimension{
			{Name: "page", Type: base.ColumnType{Kind: base.KindString}},
			{Name: "tags", Type: base.ColumnType{Kind: base.KindString}, MultiValue: true},
			{Name: "city", Type: base.ColumnType{Kind: base.KindString}},
			{Name: "num", Type: base.ColumnType{Kind: base.KindLong}},
		},
		Metrics: []segment.Metric{
			{Name: "count", Type: base.ColumnType{Kind: base.KindLong}, Aggregator: json.RawMessage(`{"type":"count","name":"count"}`)},
			{Name: "added", Type: base.ColumnType{Kind: base.KindDouble}, Aggregator: json.RawMessage(`{"type":"doubleSum","name":"added","fieldName":"added"}`)},
			{Name: "ratio", Type: base.ColumnType{Kind: base.KindFloat}, Aggregator: json.RawMessage(`{"type":"floatSum","name":"ratio","fieldName":"ratio"}`)},
			{Name: "sketch", Type: base.ComplexType("hyperUnique"), Aggregator: json.RawMessage(`{"type":"hyperUnique","name":"sketch","fieldName":"user"}`)},
		},
	}
}

func writeSegment(t testing.TB, meta segment.Metadata, rows [][]segment.Value) *segment.Segment {
	t.Helper()
	cols, err := segment.ColumnsFromRows(&meta, rows)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := segment.Write(&buf, meta, cols); err != nil {
		t.Fatal(err)
	}
	seg, err := segment.FromBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return seg
}

var (
	null = segment.Value{}
	str  = segment.StringValue
	strs = func(s ...string) segment.Value { return segment.StringsValue(s) }
	lng  = segment.LongValue
	dbl  = segment.DoubleValue
	flt  = segment.FloatValue
)

// fixture returns two segments of datasource "t":
//
//	2020-01-01 (partition 0):
//	  01:00 Apple  [a b] Paris  10  count 1 added 1.5 ratio 0.5
//	  02:00 apple2 a     null   2   count 2 added 2   ratio null
//	  03:00 Banana null  Berlin null count 1 added 3  ratio 1
//	  04:00 Apple  [b c] Paris  10  count 1 added 4   ratio 2
//	2020-01-02 (partition 0):
//	  05:00 Cherry c     Paris  7   count 1 added 5   ratio 1
//	  06:00 Apple  null  Rome   10  count 3 added 6   ratio 1
func fixture(t testing.TB) []itSegment {
	t.Helper()
	day1 := base.NewInterval(ms(t, "2020-01-01"), ms(t, "2020-01-02"))
	day2 := base.NewInterval(ms(t, "2020-01-02"), ms(t, "2020-01-03"))
	sk := segment.ComplexValue([]byte{1, 2})
	a := writeSegment(t, fixtureSchema("t", day1, 0), [][]segment.Value{
		{lng(ms(t, "2020-01-01T01:00")), str("Apple"), strs("a", "b"), str("Paris"), lng(10), lng(1), dbl(1.5), flt(0.5), null},
		{lng(ms(t, "2020-01-01T02:00")), str("apple2"), str("a"), null, lng(2), lng(2), dbl(2), null, sk},
		{lng(ms(t, "2020-01-01T03:00")), str("Banana"), null, str("Berlin"), null, lng(1), dbl(3), flt(1), null},
		{lng(ms(t, "2020-01-01T04:00")), str("Apple"), strs("b", "c"), str("Paris"), lng(10), lng(1), dbl(4), flt(2), sk},
	})
	b := writeSegment(t, fixtureSchema("t", day2, 0), [][]segment.Value{
		{lng(ms(t, "2020-01-02T05:00")), str("Cherry"), str("c"), str("Paris"), lng(7), lng(1), dbl(5), flt(1), sk},
		{lng(ms(t, "2020-01-02T06:00")), str("Apple"), null, str("Rome"), lng(10), lng(3), dbl(6), flt(1), null},
	})
	return []itSegment{
		{seg: a, id: "t_2020-01-01T00:00:00.000Z_2020-01-02T00:00:00.000Z_v1"},
		{seg: b, id: "t_2020-01-02T00:00:00.000Z_2020-01-03T00:00:00.000Z_v1"},
	}
}

func decodeQuery(t testing.TB, s string) query.Query {
	t.Helper()
	q, err := query.Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return q
}

func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("result is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v\n%s", err, want)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("result\n got %s\nwant %s", gb, wb)
	}
}

func TestSearch(t *testing.T) {
	segs := fixture(t)
	const head = `{"queryType":"search","dataSource":"t","intervals":["2020/2021"],`
	const day1 = `"2020-01-01T00:00:00.000Z"`
	tests := []struct {
		name, query, want string
	}{
		{"insensitive contains, all dimensions, counts summed across segments",
			head + `"query":{"type":"insensitive_contains","value":"app"}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"page","value":"Apple","count":3},{"dimension":"page","value":"apple2","count":1}]}]`},
		{"case-sensitive contains",
			head + `"query":{"type":"contains","value":"A","case_sensitive":true}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"page","value":"Apple","count":3}]}]`},
		{"case-insensitive contains",
			head + `"query":{"type":"contains","value":"A","case_sensitive":false}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"page","value":"Apple","count":3},{"dimension":"page","value":"Banana","count":1},{"dimension":"city","value":"Paris","count":3},{"dimension":"tags","value":"a","count":2},{"dimension":"page","value":"apple2","count":1}]}]`},
		{"fragment across dimensions",
			head + `"query":{"type":"fragment","values":["a","p"],"case_sensitive":false}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"page","value":"Apple","count":3},{"dimension":"city","value":"Paris","count":3},{"dimension":"page","value":"apple2","count":1}]}]`},
		{"regex over a long dimension, numeric sort, output name",
			head + `"searchDimensions":["num",{"type":"default","dimension":"page","outputName":"p"}],"sort":{"type":"numeric"},"query":{"type":"regex","pattern":"^[0-9]+$"}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"num","value":"2","count":1},{"dimension":"num","value":"7","count":1},{"dimension":"num","value":"10","count":3}]}]`},
		{"strlen sort, limit per segment and after merge",
			head + `"searchDimensions":["city","page"],"sort":{"type":"strlen"},"limit":2,"query":{"type":"insensitive_contains","value":"e"}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"city","value":"Rome","count":1},{"dimension":"page","value":"Apple","count":3}]}]`},
		{"filter and an interval cutting the segment",
			`{"queryType":"search","dataSource":"t","intervals":["2020-01-01T00:00/2020-01-01T03:30"],"filter":{"type":"selector","dimension":"city","value":"Paris"},"query":{"type":"insensitive_contains","value":"a"}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"page","value":"Apple","count":1},{"dimension":"city","value":"Paris","count":1},{"dimension":"tags","value":"a","count":1}]}]`},
		{"filter on a multi-value dimension",
			head + `"filter":{"type":"selector","dimension":"tags","value":"b"},"searchDimensions":["tags"],"query":{"type":"contains","value":""}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"tags","value":"a","count":1},{"dimension":"tags","value":"b","count":2},{"dimension":"tags","value":"c","count":1}]}]`},
		{"granularity day keeps one bucket per day and no merge limit",
			head + `"granularity":"day","query":{"type":"insensitive_contains","value":"apple"}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"page","value":"Apple","count":2},{"dimension":"page","value":"apple2","count":1}]},{"timestamp":"2020-01-02T00:00:00.000Z","result":[{"dimension":"page","value":"Apple","count":1}]}]`},
		{"anchored regex uses the dictionary range of its prefix",
			head + `"query":{"type":"regex","pattern":"^Ap+le$"}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"page","value":"Apple","count":3}]}]`},
		{"anchored regex on lower case",
			head + `"query":{"type":"regex","pattern":"^a"}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"tags","value":"a","count":2},{"dimension":"page","value":"apple2","count":1}]}]`},
		{"unanchored regex",
			head + `"query":{"type":"regex","pattern":"an"}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"page","value":"Banana","count":1}]}]`},
		{"filter with and/or/in answered from bitmaps",
			head + `"filter":{"type":"and","fields":[{"type":"in","dimension":"city","values":["Paris","Rome"]},{"type":"or","fields":[{"type":"equals","column":"page","matchValueType":"STRING","matchValue":"Apple"},{"type":"null","column":"tags"}]}]},"searchDimensions":["page","city"],"query":{"type":"contains","value":""}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"page","value":"Apple","count":3},{"dimension":"city","value":"Paris","count":2},{"dimension":"city","value":"Rome","count":1}]}]`},
		{"filter with not, evaluated row by row",
			head + `"filter":{"type":"not","field":{"type":"selector","dimension":"city","value":"Paris"}},"searchDimensions":["page"],"query":{"type":"contains","value":""}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"page","value":"Apple","count":1},{"dimension":"page","value":"Banana","count":1}]}]`},
		{"virtual column searched, nulls skipped",
			head + `"virtualColumns":[{"type":"expression","name":"v","expression":"concat(page, '-', city)","outputType":"STRING"}],"searchDimensions":["v"],"query":{"type":"contains","value":"Paris"}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"v","value":"Apple-Paris","count":2},{"dimension":"v","value":"Cherry-Paris","count":1}]}]`},
		{"filter on a virtual column",
			head + `"virtualColumns":[{"type":"expression","name":"n2","expression":"num * 2","outputType":"LONG"}],"filter":{"type":"selector","dimension":"n2","value":"20"},"searchDimensions":["city"],"query":{"type":"contains","value":""}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"city","value":"Paris","count":2},{"dimension":"city","value":"Rome","count":1}]}]`},
		{"a column searched twice under one name counts twice, in one hit",
			head + `"searchDimensions":["city",{"type":"default","dimension":"city","outputName":"city"}],"query":{"type":"contains","value":"Rome"}}`,
			`[{"timestamp":` + day1 + `,"result":[{"dimension":"city","value":"Rome","count":2}]}]`},
		{"no match",
			head + `"query":{"type":"contains","value":"zzz"}}`,
			`[{"timestamp":` + day1 + `,"result":[]}]`},
		{"missing dimension",
			head + `"searchDimensions":["nope"],"query":{"type":"contains","value":""}}`,
			`[{"timestamp":` + day1 + `,"result":[]}]`},
		{"timestamps as longs",
			head + `"context":{"serializeDateTimeAsLong":true},"searchDimensions":["city"],"query":{"type":"contains","value":"Rome"}}`,
			`[{"timestamp":1577836800000,"result":[{"dimension":"city","value":"Rome","count":1}]}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertJSON(t, runAll(t, decodeQuery(t, tc.query), segs), tc.want)
		})
	}
}

func TestTimeBoundaryAndDataSourceMetadata(t *testing.T) {
	segs := fixture(t)
	tests := []struct {
		name, query, want string
	}{
		{"both bounds from metadata",
			`{"queryType":"timeBoundary","dataSource":"t"}`,
			`[{"timestamp":"2020-01-01T01:00:00.000Z","result":{"minTime":"2020-01-01T01:00:00.000Z","maxTime":"2020-01-02T06:00:00.000Z"}}]`},
		{"maxTime only",
			`{"queryType":"timeBoundary","dataSource":"t","bound":"maxTime"}`,
			`[{"timestamp":"2020-01-02T06:00:00.000Z","result":{"maxTime":"2020-01-02T06:00:00.000Z"}}]`},
		{"minTime only, filtered",
			`{"queryType":"timeBoundary","dataSource":"t","bound":"minTime","filter":{"type":"selector","dimension":"city","value":"Berlin"}}`,
			`[{"timestamp":"2020-01-01T03:00:00.000Z","result":{"minTime":"2020-01-01T03:00:00.000Z"}}]`},
		{"filtered across segments",
			`{"queryType":"timeBoundary","dataSource":"t","filter":{"type":"selector","dimension":"city","value":"Paris"}}`,
			`[{"timestamp":"2020-01-01T01:00:00.000Z","result":{"minTime":"2020-01-01T01:00:00.000Z","maxTime":"2020-01-02T05:00:00.000Z"}}]`},
		{"intervals cutting a segment",
			`{"queryType":"timeBoundary","dataSource":"t","intervals":["2020-01-01T01:30/2020-01-01T03:30"]}`,
			`[{"timestamp":"2020-01-01T02:00:00.000Z","result":{"minTime":"2020-01-01T02:00:00.000Z","maxTime":"2020-01-01T03:00:00.000Z"}}]`},
		{"filter on a null value",
			`{"queryType":"timeBoundary","dataSource":"t","filter":{"type":"null","column":"num"}}`,
			`[{"timestamp":"2020-01-01T03:00:00.000Z","result":{"minTime":"2020-01-01T03:00:00.000Z","maxTime":"2020-01-01T03:00:00.000Z"}}]`},
		{"filter on a virtual column",
			`{"queryType":"timeBoundary","dataSource":"t","virtualColumns":[{"type":"expression","name":"n2","expression":"num * 2","outputType":"LONG"}],"filter":{"type":"selector","dimension":"n2","value":"20"}}`,
			`[{"timestamp":"2020-01-01T01:00:00.000Z","result":{"minTime":"2020-01-01T01:00:00.000Z","maxTime":"2020-01-02T06:00:00.000Z"}}]`},
		{"nothing matches",
			`{"queryType":"timeBoundary","dataSource":"t","filter":{"type":"selector","dimension":"page","value":"Nope"}}`,
			`[]`},
		{"dataSourceMetadata",
			`{"queryType":"dataSourceMetadata","dataSource":"t"}`,
			`[{"timestamp":"2020-01-02T06:00:00.000Z","result":{"maxIngestedEventTime":"2020-01-02T06:00:00.000Z"}}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertJSON(t, runAll(t, decodeQuery(t, tc.query), segs), tc.want)
		})
	}
	t.Run("no segments", func(t *testing.T) {
		for _, s := range []string{`{"queryType":"timeBoundary","dataSource":"t"}`, `{"queryType":"dataSourceMetadata","dataSource":"t"}`} {
			assertJSON(t, runAll(t, decodeQuery(t, s), nil), `[]`)
		}
	})
}

// TestSegmentMetadataGolden checks whole segmentMetadata results against
// reviewed golden files (run with -update to rewrite them).
func TestSegmentMetadataGolden(t *testing.T) {
	segs := fixture(t)
	tests := []struct{ name, query string }{
		{"default", `{"queryType":"segmentMetadata","dataSource":"t"}`},
		{"all_analyses_merged", `{"queryType":"segmentMetadata","dataSource":"t","merge":true,"analysisTypes":["cardinality","size","interval","aggregators","minmax","timestampSpec","queryGranularity","rollup"]}`},
		{"list_size_none_merged", `{"queryType":"segmentMetadata","dataSource":"t","merge":true,"toInclude":{"type":"list","columns":["page","added","nope"]},"analysisTypes":["size"]}`},
		{"include_none", `{"queryType":"segmentMetadata","dataSource":"t","toInclude":{"type":"none"},"analysisTypes":["aggregators","rollup"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runAll(t, decodeQuery(t, tc.query), segs)
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, got, "", "  "); err != nil {
				t.Fatalf("result is not JSON: %v\n%s", err, got)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", tc.name+".json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("result differs from %s:\n%s", path, pretty.Bytes())
			}
		})
	}
}

func TestSegmentMetadataFacts(t *testing.T) {
	segs := fixture(t)
	got := runAll(t, decodeQuery(t, `{"queryType":"segmentMetadata","dataSource":"t","merge":true,"analysisTypes":["cardinality","size","minmax","aggregators","queryGranularity","rollup","interval"]}`), segs)
	var res []map[string]any
	if err := json.Unmarshal(got, &res); err != nil || len(res) != 1 {
		t.Fatalf("want one merged analysis, got %s (%v)", got, err)
	}
	r := res[0]
	cols := r["columns"].(map[string]any)
	check := func(path string, got, want any) {
		t.Helper()
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s = %s, want %s", path, gb, wb)
		}
	}
	check("id", r["id"], "t_2020-01-02T00:00:00.000Z_2020-01-03T00:00:00.000Z_merged")
	check("intervals", r["intervals"], []string{"2020-01-01T00:00:00.000Z/2020-01-03T00:00:00.000Z"})
	check("numRows", r["numRows"], 6)
	// page: Apple×3 (5 bytes), apple2 (6), Banana (6), Cherry (6).
	check("page.size", cols["page"].(map[string]any)["size"], 3*5+6+6+6)
	check("page.cardinality", cols["page"].(map[string]any)["cardinality"], 3) // max of 3 and 2
	check("page.minValue", cols["page"].(map[string]any)["minValue"], "Apple")
	check("page.maxValue", cols["page"].(map[string]any)["maxValue"], "apple2")
	// city has nulls in the first segment: null is the smallest value, so
	// the merged minimum is null and the maximum the other side's.
	check("city.minValue", cols["city"].(map[string]any)["minValue"], nil)
	check("city.maxValue", cols["city"].(map[string]any)["maxValue"], "Rome")
	check("city.hasNulls", cols["city"].(map[string]any)["hasNulls"], true)
	check("tags.hasMultipleValues", cols["tags"].(map[string]any)["hasMultipleValues"], true)
	check("__time.size", cols["__time"].(map[string]any)["size"], 6*10)
	check("ratio.size", cols["ratio"].(map[string]any)["size"], 6*8)
	check("ratio.hasNulls", cols["ratio"].(map[string]any)["hasNulls"], true)
	check("num.cardinality", cols["num"].(map[string]any)["cardinality"], nil)
	check("sketch.type", cols["sketch"].(map[string]any)["type"], "hyperUnique")
	check("sketch.typeSignature", cols["sketch"].(map[string]any)["typeSignature"], "COMPLEX<hyperUnique>")
	check("aggregators.count", r["aggregators"].(map[string]any)["count"], map[string]any{"type": "longSum", "name": "count", "fieldName": "count"})
	check("queryGranularity", r["queryGranularity"], "HOUR")
	check("rollup", r["rollup"], true)
	size := float64(len(cols) * 6) // a byte of whitespace per column and row
	for _, c := range cols {
		size += c.(map[string]any)["size"].(float64)
	}
	check("size", r["size"], size)
}

func TestMergeAggregators(t *testing.T) {
	cnt := Aggregator{Name: "count", Spec: json.RawMessage(`{"type":"longSum","name":"count","fieldName":"count"}`)}
	sum := Aggregator{Name: "x", Spec: json.RawMessage(`{"type":"doubleSum","name":"x","fieldName":"x"}`)}
	max := Aggregator{Name: "x", Spec: json.RawMessage(`{"type":"doubleMax","name":"x","fieldName":"x"}`)}
	other := Aggregator{Name: "y", Spec: json.RawMessage(`{"type":"longSum","name":"y","fieldName":"y"}`)}
	tests := []struct {
		strategy string
		later    []Aggregator
		earlier  []Aggregator
		want     string
	}{
		{"strict", []Aggregator{cnt, sum}, []Aggregator{cnt, sum}, `{"count":{"type":"longSum","name":"count","fieldName":"count"},"x":{"type":"doubleSum","name":"x","fieldName":"x"}}`},
		{"strict", []Aggregator{cnt, sum}, []Aggregator{cnt, max}, `null`},
		{"strict", []Aggregator{cnt}, nil, `null`},
		{"strict", []Aggregator{cnt}, []Aggregator{other}, `{"count":{"type":"longSum","name":"count","fieldName":"count"},"y":{"type":"longSum","name":"y","fieldName":"y"}}`},
		{"strict", []Aggregator{}, []Aggregator{}, `null`},
		{"lenient", []Aggregator{cnt, sum}, []Aggregator{max}, `{"count":{"type":"longSum","name":"count","fieldName":"count"},"x":null}`},
		{"lenient", []Aggregator{cnt}, nil, `{"count":{"type":"longSum","name":"count","fieldName":"count"}}`},
		{"latest", []Aggregator{sum}, []Aggregator{max, other}, `{"x":{"type":"doubleSum","name":"x","fieldName":"x"},"y":{"type":"longSum","name":"y","fieldName":"y"}}`},
		{"earliest", []Aggregator{sum}, []Aggregator{max, other}, `{"x":{"type":"doubleMax","name":"x","fieldName":"x"},"y":{"type":"longSum","name":"y","fieldName":"y"}}`},
	}
	for _, tc := range tests {
		a := &SegmentAnalysis{ID: "a", Aggregators: mergeAggregators(tc.strategy, tc.later, tc.earlier), Columns: []ColumnAnalysis{}}
		got := a.appendJSON(nil)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(got, &m); err != nil {
			t.Fatal(err)
		}
		var g, w any
		_ = json.Unmarshal(m["aggregators"], &g)
		_ = json.Unmarshal([]byte(tc.want), &w)
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s: got %s, want %s", tc.strategy, gb, wb)
		}
	}
}

func TestFoldColumn(t *testing.T) {
	s := func(v string) *string { return &v }
	n := func(v int64) *int64 { return &v }
	str := ColumnAnalysis{Name: "c", TypeSignature: "STRING", Type: "STRING", Size: 10, Cardinality: n(3), MinValue: s("b"), MaxValue: s("y")}
	tests := []struct {
		name string
		l, r ColumnAnalysis
		want string
	}{
		{"strings", str, ColumnAnalysis{Name: "c", TypeSignature: "STRING", Type: "STRING", HasNulls: true, HasMultipleValues: true, Size: 5, Cardinality: n(7), MinValue: s("a"), MaxValue: s("x")},
			`{"typeSignature":"STRING","type":"STRING","hasMultipleValues":true,"hasNulls":true,"size":15,"cardinality":7,"minValue":"a","maxValue":"y","errorMessage":null}`},
		{"null min and max", str, ColumnAnalysis{Name: "c", TypeSignature: "STRING", Type: "STRING", Cardinality: n(1)},
			`{"typeSignature":"STRING","type":"STRING","hasMultipleValues":false,"hasNulls":false,"size":10,"cardinality":3,"minValue":null,"maxValue":"y","errorMessage":null}`},
		{"different complex types", ColumnAnalysis{Name: "c", TypeSignature: "COMPLEX<hyperUnique>", Type: "hyperUnique"}, ColumnAnalysis{Name: "c", TypeSignature: "COMPLEX<thetaSketch>", Type: "thetaSketch"},
			`{"typeSignature":"STRING","type":"STRING","hasMultipleValues":false,"hasNulls":false,"size":-1,"cardinality":null,"minValue":null,"maxValue":null,"errorMessage":"error:cannot_merge_diff_types: [hyperUnique] and [thetaSketch]"}`},
		{"two different errors", columnError("c", "a"), columnError("c", "b"),
			`{"typeSignature":"STRING","type":"STRING","hasMultipleValues":false,"hasNulls":false,"size":-1,"cardinality":null,"minValue":null,"maxValue":null,"errorMessage":"error:multiple_errors"}`},
		{"same error", columnError("c", "a"), columnError("c", "a"),
			`{"typeSignature":"STRING","type":"STRING","hasMultipleValues":false,"hasNulls":false,"size":-1,"cardinality":null,"minValue":null,"maxValue":null,"errorMessage":"error:a"}`},
		{"error wins", str, columnError("c", "a"),
			`{"typeSignature":"STRING","type":"STRING","hasMultipleValues":false,"hasNulls":false,"size":-1,"cardinality":null,"minValue":null,"maxValue":null,"errorMessage":"error:a"}`},
		{"different types", str, ColumnAnalysis{Name: "c", TypeSignature: "LONG", Type: "LONG"},
			`{"typeSignature":"STRING","type":"STRING","hasMultipleValues":false,"hasNulls":false,"size":-1,"cardinality":null,"minValue":null,"maxValue":null,"errorMessage":"error:cannot_merge_diff_types: [STRING] and [LONG]"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := foldColumn(tc.l, tc.r)
			if b := got.appendJSON(nil); string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	segs := fixture(t)
	tests := []struct {
		name, query string
		class       base.Class
		msg         string
	}{
		{"extraction function", `{"queryType":"search","dataSource":"t","intervals":["2020/2021"],"searchDimensions":[{"type":"extraction","dimension":"page","outputName":"p","extractionFn":{"type":"upper"}}],"query":{"type":"contains","value":"A"}}`, base.ClassUnsupported, "extraction"},
		{"complex column", `{"queryType":"search","dataSource":"t","intervals":["2020/2021"],"searchDimensions":["sketch"],"query":{"type":"contains","value":"A"}}`, base.ClassUnsupported, "sketch"},
		{"bad virtual column", `{"queryType":"timeBoundary","dataSource":"t","virtualColumns":[{"type":"expression","name":"v","expression":"nosuchfn(page)","outputType":"LONG"}],"filter":{"type":"selector","dimension":"v","value":"1"}}`, base.ClassInvalidInput, "nosuchfn"},
		{"other query type", `{"queryType":"timeseries","dataSource":"t","intervals":["2020/2021"],"granularity":"all"}`, base.ClassUnsupported, "timeseries"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := query.Decode([]byte(tc.query))
			if err != nil {
				if base.ClassOf(err) == tc.class && strings.Contains(err.Error(), tc.msg) {
					return // refused at decode time already
				}
				t.Fatalf("decode: %v", err)
			}
			_, err = Run(context.Background(), q, segs[0].seg, segs[0].id)
			if err == nil || base.ClassOf(err) != tc.class || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got error %v (class %v), want class %v mentioning %q", err, base.ClassOf(err), tc.class, tc.msg)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Run(ctx, decodeQuery(t, `{"queryType":"timeBoundary","dataSource":"t"}`), segs[0].seg, segs[0].id)
		if base.ClassOf(err) != base.ClassCanceled {
			t.Fatalf("got %v, want a Canceled error", err)
		}
	})
	t.Run("mismatched partial", func(t *testing.T) {
		_, err := Merge(decodeQuery(t, `{"queryType":"timeBoundary","dataSource":"t"}`), []*Partial{{Type: "search"}})
		if base.ClassOf(err) != base.ClassInternal {
			t.Fatalf("got %v, want an Internal error", err)
		}
	})
}

func TestQueryIntervals(t *testing.T) {
	end := ms(t, "2020-01-10")
	got := QueryIntervals(decodeQuery(t, `{"queryType":"segmentMetadata","dataSource":"t"}`), end)
	if want := []base.Interval{base.NewInterval(ms(t, "2020-01-03"), end)}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("default segmentMetadata intervals %v, want %v", got, want)
	}
	got = QueryIntervals(decodeQuery(t, `{"queryType":"segmentMetadata","dataSource":"t","intervals":["2019/2020"]}`), end)
	if len(got) != 1 || got[0] != base.NewInterval(ms(t, "2019"), ms(t, "2020")) {
		t.Errorf("explicit intervals %v", got)
	}
	got = QueryIntervals(decodeQuery(t, `{"queryType":"timeBoundary","dataSource":"t"}`), end)
	if len(got) != 1 || got[0] != base.Eternity {
		t.Errorf("timeBoundary intervals %v, want eternity", got)
	}
}

// TestPartialsOverTheWire checks that partials survive JSON (as data
// servers send them) with the same merged result.
func TestPartialsOverTheWire(t *testing.T) {
	segs := fixture(t)
	for _, s := range []string{
		`{"queryType":"search","dataSource":"t","intervals":["2020/2021"],"query":{"type":"insensitive_contains","value":"a"}}`,
		`{"queryType":"timeBoundary","dataSource":"t"}`,
		`{"queryType":"dataSourceMetadata","dataSource":"t"}`,
		`{"queryType":"segmentMetadata","dataSource":"t","merge":true,"analysisTypes":["cardinality","size","interval","aggregators","minmax","queryGranularity","rollup"]}`,
		`{"queryType":"segmentMetadata","dataSource":"t","toInclude":{"type":"none"}}`,
	} {
		q := decodeQuery(t, s)
		var parts, wire []*Partial
		for _, sg := range segs {
			p, err := Run(context.Background(), q, sg.seg, sg.id)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, p)
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			var back Partial
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			wire = append(wire, &back)
		}
		r1, err := Merge(q, parts)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := Merge(q, wire)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := AppendJSON(nil, q, r1), AppendJSON(nil, q, r2); !bytes.Equal(a, b) {
			t.Errorf("%s: over the wire\n got %s\nwant %s", s, b, a)
		}
	}
}

func TestSegmentAggregators(t *testing.T) {
	day := base.NewInterval(ms(t, "2020-01-01"), ms(t, "2020-01-02"))
	noMetrics := propSegment(t, day, 0, []propRow{{t: ms(t, "2020-01-01T01:00")}})
	meta := fixtureSchema("t", day, 0)
	meta.Metrics = []segment.Metric{{Name: "count", Type: base.ColumnType{Kind: base.KindLong}}}
	meta.Dimensions = nil
	unknown := writeSegment(t, meta, [][]segment.Value{{lng(ms(t, "2020-01-01T01:00")), lng(1)}})
	q := decodeQuery(t, `{"queryType":"segmentMetadata","dataSource":"t","toInclude":{"type":"none"},"analysisTypes":["aggregators"]}`)
	for _, tc := range []struct {
		name string
		seg  *segment.Segment
		want string
	}{
		{"no metrics", noMetrics, `{}`},
		{"metric without a recorded aggregator", unknown, `null`},
	} {
		got := runAll(t, q, []itSegment{{seg: tc.seg, id: "x"}})
		var res []map[string]json.RawMessage
		if err := json.Unmarshal(got, &res); err != nil || len(res) != 1 {
			t.Fatalf("%s: %s (%v)", tc.name, got, err)
		}
		if string(res[0]["aggregators"]) != tc.want {
			t.Errorf("%s: aggregators %s, want %s", tc.name, res[0]["aggregators"], tc.want)
		}
	}
}
