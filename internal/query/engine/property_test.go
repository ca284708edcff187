package engine

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/rowengine"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// genRows draws time-sorted rows of testSchema.
func genRows(t *rapid.T, maxRows int) [][]segment.Value {
	n := rapid.IntRange(0, maxRows).Draw(t, "rows")
	times := make([]int64, n)
	for i := range times {
		times[i] = rapid.Int64Range(0, 2*86400_000).Draw(t, "time") / 60000 * 60000
	}
	slices.Sort(times)
	strs := []string{"a", "b", "c", "", "1", "2.5"}
	mv := []string{"p", "q", "r", "a"}
	rows := make([][]segment.Value, n)
	for i := range rows {
		r := []segment.Value{segment.LongValue(times[i])}
		if rapid.IntRange(0, 5).Draw(t, "sNull") == 0 {
			r = append(r, segment.Value{})
		} else {
			r = append(r, segment.StringValue(rapid.SampledFrom(strs).Draw(t, "s")))
		}
		k := rapid.IntRange(0, 3).Draw(t, "mLen")
		if k == 0 {
			r = append(r, segment.Value{})
		} else {
			var vs []string
			for range k {
				vs = append(vs, rapid.SampledFrom(mv).Draw(t, "m"))
			}
			r = append(r, segment.StringsValue(vs))
		}
		num := func(name string, mk func() segment.Value) {
			if rapid.IntRange(0, 4).Draw(t, name+"Null") == 0 {
				r = append(r, segment.Value{})
			} else {
				r = append(r, mk())
			}
		}
		num("l", func() segment.Value { return segment.LongValue(rapid.Int64Range(-3, 5).Draw(t, "l")) })
		num("d", func() segment.Value { return segment.DoubleValue(float64(rapid.IntRange(-8, 8).Draw(t, "d")) / 4) })
		num("x", func() segment.Value { return segment.LongValue(rapid.Int64Range(-100, 100).Draw(t, "x")) })
		num("y", func() segment.Value { return segment.DoubleValue(float64(rapid.IntRange(-400, 400).Draw(t, "y")) / 8) })
		num("f", func() segment.Value { return segment.FloatValue(float32(rapid.IntRange(-400, 400).Draw(t, "f")) / 4) })
		rows[i] = r
	}
	return rows
}

var (
	filterCols = []string{"s", "m", "l", "d", "x", "y", "f", "__time", "nope", "vs", "vl", "vc", "vq", "vf", "vm"}
	filterVals = []string{"a", "b", "", "p", "q", "1", "2.5", "-1", "0"}
)

func jstr(s string) string { return fmt.Sprintf("%q", s) }

func genLeafJSON(t *rapid.T) string {
	col := rapid.SampledFrom(filterCols).Draw(t, "col")
	val := rapid.SampledFrom(filterVals).Draw(t, "val")
	val2 := rapid.SampledFrom(filterVals).Draw(t, "val2")
	switch rapid.IntRange(0, 15).Draw(t, "leaf") {
	case 14:
		return fmt.Sprintf(`{"type":"selector","dimension":%s,"value":%s,"extractionFn":{"type":"substring","index":0,"length":1}}`, jstr(col), jstr(val))
	case 15:
		return fmt.Sprintf(`{"type":"in","dimension":%s,"values":[%s,"P"],"extractionFn":{"type":"upper"}}`, jstr(col), jstr(strings.ToUpper(val)))
	case 0:
		return fmt.Sprintf(`{"type":"selector","dimension":%s,"value":%s}`, jstr(col), jstr(val))
	case 1:
		return fmt.Sprintf(`{"type":"selector","dimension":%s,"value":null}`, jstr(col))
	case 2:
		return fmt.Sprintf(`{"type":"in","dimension":%s,"values":[%s,%s%s]}`, jstr(col), jstr(val), jstr(val2),
			rapid.SampledFrom([]string{"", ",null"}).Draw(t, "inNull"))
	case 3:
		ord := rapid.SampledFrom([]string{"lexicographic", "numeric", "alphanumeric"}).Draw(t, "ord")
		return fmt.Sprintf(`{"type":"bound","dimension":%s,"lower":%s,"upper":%s,"lowerStrict":%v,"upperStrict":%v,"ordering":%q}`,
			jstr(col), jstr(val), jstr(val2), rapid.Bool().Draw(t, "ls"), rapid.Bool().Draw(t, "us"), ord)
	case 4:
		return fmt.Sprintf(`{"type":"bound","dimension":%s,"lower":%s,"ordering":"lexicographic"}`, jstr(col), jstr(val))
	case 5:
		mt := rapid.SampledFrom([]string{"STRING", "LONG", "DOUBLE"}).Draw(t, "mt")
		lo := jstr(val)
		if mt != "STRING" {
			lo = rapid.SampledFrom([]string{"-1", "0", "1", "2.5"}).Draw(t, "numLo")
		}
		return fmt.Sprintf(`{"type":"range","column":%s,"matchValueType":%q,"lower":%s,"lowerOpen":%v}`, jstr(col), mt, lo, rapid.Bool().Draw(t, "lo"))
	case 6:
		mt := rapid.SampledFrom([]string{"STRING", "LONG", "DOUBLE"}).Draw(t, "mt")
		mv := jstr(val)
		if mt != "STRING" {
			mv = rapid.SampledFrom([]string{"-1", "0", "1", "2.5"}).Draw(t, "numV")
		}
		return fmt.Sprintf(`{"type":"equals","column":%s,"matchValueType":%q,"matchValue":%s}`, jstr(col), mt, mv)
	case 7:
		return fmt.Sprintf(`{"type":"null","column":%s}`, jstr(col))
	case 8:
		return fmt.Sprintf(`{"type":"like","dimension":%s,"pattern":%s}`, jstr(col), jstr(rapid.SampledFrom([]string{"a%", "%", "_", "p%", "%5"}).Draw(t, "pat")))
	case 9:
		return fmt.Sprintf(`{"type":"regex","dimension":%s,"pattern":%s}`, jstr(col), jstr(rapid.SampledFrom([]string{"^a", "[pq]", "\\d", ""}).Draw(t, "re")))
	case 10:
		return fmt.Sprintf(`{"type":"search","dimension":%s,"query":{"type":"insensitive_contains","value":%s}}`, jstr(col), jstr(val))
	case 11:
		return fmt.Sprintf(`{"type":"interval","dimension":%s,"intervals":["1970-01-01T03:00/1970-01-01T20:00","1970-01-02T05:00/1970-01-02T06:00"]}`, jstr(col))
	case 12:
		return fmt.Sprintf(`{"type":"expression","expression":%s}`, jstr(rapid.SampledFrom([]string{"l > 1", "x + l < 10", "s == 'a'", "nvl(d, 0) > 0"}).Draw(t, "expr")))
	}
	return fmt.Sprintf(`{"type":"columnComparison","dimensions":[%s,%s]}`, jstr(col), jstr(rapid.SampledFrom(filterCols).Draw(t, "col2")))
}

func genFilterJSON(t *rapid.T, depth int) string {
	if depth <= 0 {
		return genLeafJSON(t)
	}
	switch rapid.IntRange(0, 5).Draw(t, "node") {
	case 0:
		return fmt.Sprintf(`{"type":"not","field":%s}`, genFilterJSON(t, depth-1))
	case 1, 2:
		typ := rapid.SampledFrom([]string{"and", "or"}).Draw(t, "op")
		k := rapid.IntRange(1, 3).Draw(t, "kids")
		var kids []string
		for range k {
			kids = append(kids, genFilterJSON(t, depth-1))
		}
		return fmt.Sprintf(`{"type":%q,"fields":[%s]}`, typ, strings.Join(kids, ","))
	}
	return genLeafJSON(t)
}

const testVCs = `[{"type":"expression","name":"vs","expression":"concat(s, 'x')","outputType":"STRING"},` +
	`{"type":"expression","name":"vl","expression":"l * 2","outputType":"LONG"},` +
	`{"type":"expression","name":"vd","expression":"x + y","outputType":"DOUBLE"},` +
	`{"type":"expression","name":"vc","expression":"case_searched(l > 1, 'big', s)","outputType":"STRING"},` +
	`{"type":"expression","name":"vq","expression":"x / l","outputType":"LONG"},` +
	`{"type":"expression","name":"vf","expression":"d + f","outputType":"FLOAT"},` +
	`{"type":"expression","name":"vt","expression":"timestamp_floor(__time, 'PT1H')","outputType":"LONG"},` +
	`{"type":"expression","name":"vm","expression":"concat(s, l)","outputType":"STRING"}]`

var aggSpecs = []string{
	`{"type":"count","name":"%s"}`,
	`{"type":"longSum","name":"%s","fieldName":"x"}`,
	`{"type":"longSum","name":"%s","fieldName":"y"}`,
	`{"type":"longSum","name":"%s","fieldName":"s"}`,
	`{"type":"doubleSum","name":"%s","fieldName":"y"}`,
	`{"type":"doubleSum","name":"%s","fieldName":"l"}`,
	`{"type":"doubleSum","name":"%s","fieldName":"vd"}`,
	`{"type":"floatSum","name":"%s","fieldName":"f"}`,
	`{"type":"floatSum","name":"%s","fieldName":"d"}`,
	`{"type":"longMin","name":"%s","fieldName":"x"}`,
	`{"type":"longMax","name":"%s","fieldName":"l"}`,
	`{"type":"doubleMin","name":"%s","fieldName":"d"}`,
	`{"type":"doubleMax","name":"%s","fieldName":"y"}`,
	`{"type":"floatMin","name":"%s","fieldName":"f"}`,
	`{"type":"floatMax","name":"%s","fieldName":"m"}`,
	`{"type":"longFirst","name":"%s","fieldName":"x"}`,
	`{"type":"longLast","name":"%s","fieldName":"l"}`,
	`{"type":"doubleFirst","name":"%s","fieldName":"y"}`,
	`{"type":"doubleLast","name":"%s","fieldName":"d"}`,
	`{"type":"floatFirst","name":"%s","fieldName":"f"}`,
	`{"type":"floatLast","name":"%s","fieldName":"f"}`,
	`{"type":"stringFirst","name":"%s","fieldName":"s"}`,
	`{"type":"stringLast","name":"%s","fieldName":"m"}`,
	`{"type":"stringLast","name":"%s","fieldName":"x","timeColumn":"l"}`,
	`{"type":"longSum","name":"%s","fieldName":"nope"}`,
	`{"type":"longSum","name":"%s","fieldName":"vl"}`,
	`{"type":"longSum","name":"%s","fieldName":"vq"}`,
	`{"type":"floatSum","name":"%s","fieldName":"vf"}`,
	`{"type":"doubleMax","name":"%s","fieldName":"vd"}`,
	`{"type":"stringLast","name":"%s","fieldName":"vc"}`,
	`{"type":"filtered","name":"%s","filter":{"type":"selector","dimension":"s","value":"a"},"aggregator":{"type":"longSum","name":"in","fieldName":"x"}}`,
	`{"type":"filtered","name":"%s","filter":{"type":"bound","dimension":"l","lower":"0","ordering":"numeric"},"aggregator":{"type":"count","name":"in"}}`,
	`{"type":"filtered","name":"%s","filter":{"type":"not","field":{"type":"in","dimension":"m","values":["p","q"]}},"aggregator":{"type":"doubleMax","name":"in","fieldName":"y"}}`,
	`{"type":"filtered","name":"%s","filter":{"type":"expression","expression":"x > l"},"aggregator":{"type":"stringFirst","name":"in","fieldName":"s"}}`,
	`{"type":"filtered","name":"%s","filter":{"type":"selector","dimension":"vs","value":"bx"},"aggregator":{"type":"floatSum","name":"in","fieldName":"f"}}`,
	`{"type":"filtered","name":"%s","filter":{"type":"true"},"aggregator":{"type":"longAny","name":"in","fieldName":"x"}}`,
	`{"type":"longAny","name":"%s","fieldName":"x"}`,
	`{"type":"doubleAny","name":"%s","fieldName":"y"}`,
	`{"type":"floatAny","name":"%s","fieldName":"f"}`,
	`{"type":"stringAny","name":"%s","fieldName":"s"}`,
	`{"type":"stringAny","name":"%s","fieldName":"m","maxStringBytes":4}`,
	`{"type":"stringAny","name":"%s","fieldName":"m","aggregateMultipleValues":false}`,
	`{"type":"longAny","name":"%s","fieldName":"vl"}`,
	`{"type":"longSum","name":"%s","expression":"x * 2 + l"}`,
	`{"type":"doubleSum","name":"%s","expression":"y / 2"}`,
	`{"type":"doubleMin","name":"%s","expression":"d - f"}`,
	`{"type":"floatMax","name":"%s","expression":"f * 2"}`,
	`{"type":"longMax","name":"%s","expression":"strlen(s)"}`,
	`{"type":"expression","name":"%s","fields":[],"initialValue":"0","fold":"__acc + 1","combine":"__acc + %[1]s"}`,
	`{"type":"expression","name":"%s","fields":["x"],"initialValue":"0","fold":"__acc + x","shouldAggregateNullInputs":false}`,
	`{"type":"expression","name":"%s","fields":["y"],"initialValue":"0.0","fold":"greatest(__acc, y)","shouldAggregateNullInputs":false,"isNullUnlessAggregated":false}`,
	`{"type":"expression","name":"%s","fields":["l"],"accumulatorIdentifier":"acc","initialValue":"0","fold":"acc + l * l","combine":"acc + %[1]s","shouldAggregateNullInputs":false,"finalize":"o * 10"}`,
}

func genAggs(t *rapid.T) string {
	k := rapid.IntRange(1, 4).Draw(t, "naggs")
	var out []string
	for i := range k {
		out = append(out, fmt.Sprintf(rapid.SampledFrom(aggSpecs).Draw(t, "agg"), fmt.Sprintf("a%d", i)))
	}
	return "[" + strings.Join(out, ",") + "]"
}

func genCommon(t *rapid.T) string {
	iv := rapid.SampledFrom([]string{
		`"1970-01-01/1970-01-04"`, `"1970-01-01T05:00/1970-01-02T07:30"`,
		`"1970-01-01T00:00/1970-01-01T01:00","1970-01-01T12:00/1970-01-03"`,
	}).Draw(t, "intervals")
	s := fmt.Sprintf(`"dataSource":"t","intervals":[%s],"virtualColumns":%s`, iv, testVCs)
	if rapid.IntRange(0, 3).Draw(t, "hasFilter") > 0 {
		s += `,"filter":` + genFilterJSON(t, rapid.IntRange(0, 2).Draw(t, "depth"))
	}
	return s
}

// reference runs q with the row engine over the segment's rows.
func reference(t tester, q query.Query, rows []value.Row, columns []string) *Partial {
	var p Partial
	var err error
	switch q := q.(type) {
	case *query.Timeseries:
		aggs, _ := result.FromFactories(q.Aggregations)
		p.Timeseries, err = rowengine.Timeseries(q, aggs, rows)
	case *query.TopN:
		aggs, _ := result.FromFactories(q.Aggregations)
		var bs []result.TopNBucket
		bs, err = rowengine.TopN(q, aggs, rows)
		if err == nil {
			p.TopN, err = result.MergeTopN(q, aggs, result.PerSegmentThreshold(q), bs)
		}
	case *query.GroupBy:
		aggs, _ := result.FromFactories(q.Aggregations)
		p.GroupBy, err = rowengine.GroupBy(q, aggs, rows)
	case *query.Scan:
		var b result.ScanBatch
		b, err = rowengine.Scan(q, columns, rows)
		if err == nil && len(b.Events) > 0 {
			p.Scan, err = result.MergeScan(q, []result.ScanBatch{b})
		}
	}
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	return &p
}

func sortedGroupBy(rows []result.GroupByRow) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = canon([]result.GroupByRow{r})
	}
	sort.Strings(parts)
	return strings.Join(parts, "\n")
}

func TestDifferential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rows := genRows(t, 40)
		seg := buildSegment(t, testSchema, rows)
		ref := segmentRows(t, seg)
		for range 8 { // several queries per segment: segments cost more than queries
			checkOneQuery(t, seg, ref)
		}
	})
}

// checkOneQuery draws one query and compares the engine with the row
// engine on seg.
func checkOneQuery(t *rapid.T, seg *segment.Segment, ref []value.Row) {
	{
		common := genCommon(t)
		var js string
		switch rapid.IntRange(0, 3).Draw(t, "queryType") {
		case 0:
			js = fmt.Sprintf(`{"queryType":"timeseries",%s,"granularity":%s,"aggregations":%s}`, common,
				rapid.SampledFrom([]string{`"all"`, `"hour"`, `"day"`, `"minute"`,
					`{"type":"period","period":"P1D","timeZone":"America/Los_Angeles"}`,
					`{"type":"period","period":"PT90M","origin":"1970-01-01T00:07:00Z"}`,
					`{"type":"duration","duration":5400000,"origin":"1970-01-01T00:13:00Z"}`}).Draw(t, "gran"), genAggs(t))
		case 1:
			metric := rapid.SampledFrom([]string{`"a0"`, `{"type":"dimension"}`, `{"type":"inverted","metric":"a0"}`}).Draw(t, "metric")
			js = fmt.Sprintf(`{"queryType":"topN",%s,"granularity":%q,"dimension":%s,"metric":%s,"threshold":%d,"aggregations":%s,"context":{"minTopNThreshold":%d}}`,
				common, rapid.SampledFrom([]string{"all", "day"}).Draw(t, "gran"),
				rapid.SampledFrom([]string{`"s"`, `"m"`, `"l"`, `"vs"`, `"nope"`, `{"type":"default","dimension":"s","outputName":"s","outputType":"LONG"}`}).Draw(t, "dim"),
				metric, rapid.IntRange(1, 4).Draw(t, "threshold"), genAggs(t), rapid.IntRange(1, 4).Draw(t, "minTopN"))
		case 2:
			dims := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{`"s"`, `"m"`, `"l"`, `"d"`, `"vs"`, `"vl"`, `"nope"`, `"vc"`, `"vq"`, `"vt"`, `"vm"`, `"vf"`,
				`{"type":"extraction","dimension":"s","outputName":"sx","extractionFn":{"type":"upper"}}`,
				`{"type":"extraction","dimension":"m","outputName":"mx","extractionFn":{"type":"substring","index":0,"length":1}}`,
				`{"type":"default","dimension":"d","outputName":"dl","outputType":"LONG"}`}), 1, 3, func(s string) string { return s }).Draw(t, "dims")
			js = fmt.Sprintf(`{"queryType":"groupBy",%s,"granularity":%q,"dimensions":[%s],"aggregations":%s}`, common,
				rapid.SampledFrom([]string{"all", "day", "hour"}).Draw(t, "gran"), strings.Join(dims, ","), genAggs(t))
			if strings.Count(js, `"outputName":"sx"`) > 1 {
				return
			}
		default:
			cols := rapid.SliceOfDistinct(rapid.SampledFrom([]string{`"__time"`, `"s"`, `"m"`, `"l"`, `"y"`, `"f"`, `"vs"`, `"vl"`, `"nope"`, `"vq"`, `"vf"`, `"vt"`, `"vc"`}), func(s string) string { return s }).Draw(t, "cols")
			order := rapid.SampledFrom([]string{"none", "ascending", "descending"}).Draw(t, "order")
			js = fmt.Sprintf(`{"queryType":"scan",%s,"columns":[%s],"order":%q,"limit":%d,"batchSize":%d}`, common,
				strings.Join(cols, ","), order, rapid.IntRange(0, 10).Draw(t, "limit"), rapid.IntRange(1, 7).Draw(t, "batch"))
			if order != "none" && !slices.Contains(cols, `"__time"`) {
				js = strings.Replace(js, `"columns":[`, `"columns":["__time",`, 1)
				js = strings.Replace(js, `"columns":["__time",]`, `"columns":["__time"]`, 1)
			}
		}
		q, err := query.Decode([]byte(js))
		if err != nil {
			t.Fatalf("decode %s: %v", js, err)
		}
		got := run(t, q, seg)
		refRows := ref
		if sq, ok := q.(*query.Scan); ok && sq.Order == query.OrderDescending {
			refRows = slices.Clone(ref)
			slices.Reverse(refRows)
		}
		want := reference(t, q, refRows, append([]string{"__time", "vs", "vl", "vd", "vc", "vq", "vf", "vt", "vm"}, seg.ColumnNames()[1:]...))
		switch q.(type) {
		case *query.Timeseries:
			if g, w := canon(got.Timeseries), canon(want.Timeseries); g != w {
				t.Fatalf("query %s\n got %s\nwant %s", js, g, w)
			}
		case *query.TopN:
			if g, w := canon(got.TopN), canon(want.TopN); g != w {
				t.Fatalf("query %s\n got %s\nwant %s", js, g, w)
			}
		case *query.GroupBy:
			if g, w := sortedGroupBy(got.GroupBy), sortedGroupBy(want.GroupBy); g != w {
				t.Fatalf("query %s\n got %s\nwant %s", js, g, w)
			}
		case *query.Scan:
			sq := q.(*query.Scan)
			merged, err := result.MergeScan(sq, got.Scan)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := scanEvents(merged), scanEvents(want.Scan); g != w {
				t.Fatalf("query %s\n got %s\nwant %s", js, g, w)
			}
		}
	}
}

func scanEvents(bs []result.ScanBatch) string {
	var evs [][]any
	for _, b := range bs {
		evs = append(evs, b.Events...)
	}
	return canon(evs)
}

func referenceT(t tester, q query.Query, rows []value.Row, columns []string) *Partial {
	return reference(t, q, rows, columns)
}
