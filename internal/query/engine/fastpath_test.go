package engine

import (
	"fmt"
	"math"
	"testing"

	"github.com/dryaddb/dryad/internal/segment"
)

func TestLikePrefix(t *testing.T) {
	tests := []struct {
		pattern, escape, want string
		all                   bool
	}{
		{"Page Ka%", "", "Page Ka", true},
		{"Page Ka%%", "", "Page Ka", true},
		{"Page Ka%b", "", "Page Ka", false},
		{"Page Ka%_", "", "Page Ka", false},
		{"Page K_a%", "", "Page K", false},
		{"abc", "", "abc", false},
		{"%abc", "", "", false},
		{"%", "", "", false},
		{"_", "", "", false},
		{`a\%b%`, `\`, "a%b", true},
		{`a\_%`, `\`, "a_", true},
		{`a\\%`, `\`, `a\`, true},
		{`a%\%`, `\`, "a", false},
		{`a\`, `\`, "", false}, // ends with the escape: invalid, left to the matcher
		{"é%", "", "é", true},
		{"a\uFFFDb%", "", "", false},
		{"a\xffb%", "", "", false},
		{"a!%b%", "!", "a%b", true},
	}
	for _, tc := range tests {
		if got, all := likePrefix(tc.pattern, tc.escape); got != tc.want || all != tc.all {
			t.Errorf("likePrefix(%q, %q) = %q, %v; want %q, %v", tc.pattern, tc.escape, got, all, tc.want, tc.all)
		}
	}
}

// fastPathRows has no null numeric values, so that numeric bounds take the
// closed-range block loop, and NaN / infinite / boundary values to try it.
func fastPathRows() [][]segment.Value {
	strs := []segment.Value{vS("Page Ka"), vS("Page Kb"), vS("Page K"), vS("Page Kaz"), vS("Page_Ka"), vS("a%b"),
		vS("a%c"), vS(""), vN, vS("Pagé"), vS("Page Ka\xff"), vS("Page Kaa"), vS("Page L"), vS("PAGE KA")}
	multi := []segment.Value{vM([]string{"Page Ka", "x"}), vS("Page Kb"), vN, vM([]string{"a%b", "Page Kz"})}
	doubles := []float64{0, 0.05, 0.06, 0.07, 0.0700000001, math.Nextafter(0.05, 0), 24, 23.999, math.NaN(),
		math.Inf(1), math.Inf(-1), -0.0, 1e300, -24}
	longs := []int64{0, 24, 23, 25, -1, 500, 499, 501, math.MaxInt64, math.MinInt64, 1 << 53, 1<<53 + 1}
	var rows [][]segment.Value
	for i := range 200 {
		d := doubles[i%len(doubles)]
		rows = append(rows, []segment.Value{vL(int64(i) * 1000), strs[i%len(strs)], multi[i%len(multi)],
			vL(longs[i%len(longs)]), vD(d), vL(longs[(i/3)%len(longs)]), vD(doubles[(i/5)%len(doubles)]),
			vF(float32(d))})
	}
	return rows
}

// manyValueRows has a string column of several hundred values (and
// nulls), so that filters matching many entries read the rows' ids.
func manyValueRows() [][]segment.Value {
	var rows [][]segment.Value
	for i := range 1200 {
		sv := vS(fmt.Sprintf("Page K%d", i%400))
		if i%13 == 0 {
			sv = vN
		}
		rows = append(rows, []segment.Value{vL(int64(i) * 1000), sv, vS("p"), vL(int64(i % 30)), vD(float64(i) / 7),
			vL(int64(i)), vD(float64(i%50) / 100), vF(float32(i))})
	}
	return rows
}

// TestFastPathsMatchRowEngine checks the LIKE prefix range and the closed
// range numeric loop against the row engine, with and without null rows.
func TestFastPathsMatchRowEngine(t *testing.T) {
	filters := []string{
		`{"type":"like","dimension":"s","pattern":"Page Ka%"}`,
		`{"type":"like","dimension":"s","pattern":"Page K_"}`,
		`{"type":"like","dimension":"s","pattern":"Page Ka"}`,
		`{"type":"like","dimension":"s","pattern":"a\\%%","escape":"\\"}`,
		`{"type":"like","dimension":"s","pattern":"%a"}`,
		`{"type":"like","dimension":"s","pattern":"P%"}`,
		`{"type":"like","dimension":"s","pattern":"Page Ka\u00ff%"}`,
		`{"type":"like","dimension":"s","pattern":"zzz%"}`,
		`{"type":"like","dimension":"m","pattern":"Page K%"}`,
		`{"type":"like","dimension":"s","pattern":"Page K1%"}`,
		`{"type":"like","dimension":"s","pattern":"%7"}`,
		`{"type":"bound","dimension":"s","lower":"Page K100","upper":"Page K250"}`,
		`{"type":"regex","dimension":"s","pattern":"[02468]$"}`,
		`{"type":"expression","expression":"nvl(s, 'Page K1') == 'Page K1'"}`,
		`{"type":"in","dimension":"s","values":["Page K1","Page K2",null]}`,
		`{"type":"bound","dimension":"d","lower":"0.05","upper":"0.07","ordering":"numeric"}`,
		`{"type":"bound","dimension":"d","lower":"0.05","lowerStrict":true,"upper":"0.07","upperStrict":true,"ordering":"numeric"}`,
		`{"type":"bound","dimension":"d","lower":"0","ordering":"numeric"}`,
		`{"type":"bound","dimension":"d","upper":"24","upperStrict":true,"ordering":"numeric"}`,
		`{"type":"bound","dimension":"d","lower":"Infinity","lowerStrict":true,"ordering":"numeric"}`,
		`{"type":"bound","dimension":"d","upper":"-Infinity","upperStrict":true,"ordering":"numeric"}`,
		`{"type":"bound","dimension":"d","lower":"NaN","ordering":"numeric"}`,
		`{"type":"bound","dimension":"d","lower":"x","ordering":"numeric"}`,
		`{"type":"bound","dimension":"f","lower":"0.05","upper":"0.07","ordering":"numeric"}`,
		`{"type":"bound","dimension":"f","upper":"24","upperStrict":true,"ordering":"numeric"}`,
		`{"type":"bound","dimension":"l","lower":"500","ordering":"numeric"}`,
		`{"type":"bound","dimension":"l","lower":"23","lowerStrict":true,"upper":"25","upperStrict":true,"ordering":"numeric"}`,
		`{"type":"bound","dimension":"l","lower":"9007199254740992","ordering":"numeric"}`,
		`{"type":"bound","dimension":"x","upper":"24.5","ordering":"numeric"}`,
		`{"type":"bound","dimension":"l","lower":"9007199254740992","lowerStrict":true,"ordering":"numeric"}`,
		`{"type":"bound","dimension":"l","lower":"9007199254740993","ordering":"numeric"}`,
		`{"type":"bound","dimension":"l","lower":"-9223372036854775808","upper":"-1","ordering":"numeric"}`,
		`{"type":"bound","dimension":"l","upper":"9223372036854775807","upperStrict":true,"ordering":"numeric"}`,
		`{"type":"bound","dimension":"l","lower":"1e300","ordering":"numeric"}`,
		`{"type":"bound","dimension":"l","lower":"-Infinity","upper":"Infinity","ordering":"numeric"}`,
		`{"type":"bound","dimension":"l","lower":"499.5","upper":"500.5","ordering":"numeric"}`,
		`{"type":"bound","dimension":"x","lower":"25","upper":"24","ordering":"numeric"}`,
		`{"type":"bound","dimension":"y","lower":"-0","upper":"0","ordering":"numeric"}`,
		`{"type":"range","column":"d","matchValueType":"DOUBLE","lower":0.05,"upper":0.07,"upperOpen":true}`,
		`{"type":"range","column":"d","matchValueType":"DOUBLE","lower":0.05,"lowerOpen":true}`,
		`{"type":"range","column":"f","matchValueType":"FLOAT","upper":24}`,
		`{"type":"range","column":"l","matchValueType":"LONG","lower":24,"upper":500,"lowerOpen":true}`,
		`{"type":"and","fields":[{"type":"bound","dimension":"d","lower":"0.05","upper":"0.07","ordering":"numeric"},{"type":"bound","dimension":"y","upper":"24","upperStrict":true,"ordering":"numeric"}]}`,
		`{"type":"and","fields":[{"type":"like","dimension":"s","pattern":"Page%"},{"type":"bound","dimension":"l","lower":"0","ordering":"numeric"}]}`,
		`{"type":"and","fields":[{"type":"selector","dimension":"s","value":null},{"type":"null","column":"x"}]}`,
		`{"type":"and","fields":[{"type":"in","dimension":"l","values":["3","24",null]},{"type":"selector","dimension":"y","value":"0.05"},{"type":"equals","column":"f","matchValueType":"FLOAT","matchValue":0.5}]}`,
		`{"type":"and","fields":[{"type":"bound","dimension":"x","lower":"0","ordering":"numeric"},{"type":"or","fields":[{"type":"selector","dimension":"s","value":"a"},{"type":"bound","dimension":"d","upper":"0","ordering":"numeric"}]}]}`,
	}
	segs := map[string][][]segment.Value{"no nulls": fastPathRows(), "nulls": handRows(), "many values": manyValueRows()}
	for name, rows := range segs {
		seg := buildSegment(t, testSchema, rows)
		ref := segmentRows(t, seg)
		for _, f := range filters {
			for _, wrapped := range []string{f, `{"type":"not","field":` + f + `}`} {
				js := fmt.Sprintf(`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"all",
					"filter":%s,"aggregations":[{"type":"count","name":"c"},{"type":"longSum","name":"x","fieldName":"x"}]}`, wrapped)
				q := mustDecode(t, js)
				got := canon(run(t, q, seg).Timeseries)
				want := canon(reference(t, q, ref, nil).Timeseries)
				if got != want {
					t.Errorf("%s: %s: got %s, want %s", name, wrapped, got, want)
				}
				// groupBy, with a filtered aggregator over the fused selection
				js = fmt.Sprintf(`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"minute","dimensions":["s"],
					"filter":%s,"aggregations":[{"type":"count","name":"c"},{"type":"doubleSum","name":"y","fieldName":"y"},
					{"type":"filtered","name":"fc","filter":{"type":"not","field":{"type":"bound","dimension":"l","upper":"24","ordering":"numeric"}},"aggregator":{"type":"count","name":"fc"}}]}`, wrapped)
				q = mustDecode(t, js)
				got = sortedGroupBy(run(t, q, seg).GroupBy)
				want = sortedGroupBy(reference(t, q, ref, nil).GroupBy)
				if got != want {
					t.Errorf("%s: groupBy %s: got %s, want %s", name, wrapped, got, want)
				}
			}
		}
	}
}

// TestBlockBucketsMatchRowEngine runs bucketed queries over several blocks,
// where whole blocks are assigned to one bucket from their bounding times.
func TestBlockBucketsMatchRowEngine(t *testing.T) {
	var rows [][]segment.Value
	tm := int64(0)
	for i := range 5*segment.BlockSize + 123 {
		// Mostly 1 s apart, with jumps so that buckets start inside
		// blocks, at block edges and span several blocks.
		switch {
		case i%3000 == 2999:
			tm += 2 * 3_600_000
		case i == 2*segment.BlockSize:
			// Empty days, then a day starting at a block's first row.
			tm = (tm/86_400_000 + 3) * 86_400_000
		default:
			tm += 1000
		}
		rows = append(rows, []segment.Value{vL(tm), vS(fmt.Sprint("v", (i/3000)%7)), vN, vL(int64(i % 100)), vD(float64(i)),
			vL(int64(i)), vD(1), vF(1)})
	}
	seg := buildSegment(t, testSchema, rows)
	ref := segmentRows(t, seg)
	// Identity grouping (one dictionary dimension, granularity all) over
	// the blocks, marking keys until all are seen.
	for _, f := range []string{`null`, `{"type":"bound","dimension":"l","lower":"97","ordering":"numeric"}`} {
		gb := fmt.Sprintf(`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"all","filter":%s,"dimensions":["s"],
			"aggregations":[{"type":"count","name":"c"}]}`, f)
		q := mustDecode(t, gb)
		if got, want := sortedGroupBy(run(t, q, seg).GroupBy), sortedGroupBy(reference(t, q, ref, nil).GroupBy); got != want {
			t.Errorf("groupBy all %s: got %s, want %s", f, got, want)
		}
	}
	for _, gran := range []string{`"minute"`, `"hour"`, `"day"`, `{"type":"period","period":"PT7M"}`, `{"type":"duration","duration":1800000,"origin":"1970-01-01T00:13:00Z"}`} {
		for _, f := range []string{`null`, `{"type":"bound","dimension":"l","lower":"97","ordering":"numeric"}`, `{"type":"selector","dimension":"s","value":"v3"}`} {
			for _, iv := range []string{`["1970/1971"]`, `["1970-01-01T01:10/1970-01-04T09:00"]`} {
				ts := fmt.Sprintf(`{"queryType":"timeseries","dataSource":"t","intervals":%s,"granularity":%s,"filter":%s,
					"aggregations":[{"type":"count","name":"c"},{"type":"longSum","name":"x","fieldName":"x"}]}`, iv, gran, f)
				q := mustDecode(t, ts)
				if got, want := canon(run(t, q, seg).Timeseries), canon(reference(t, q, ref, nil).Timeseries); got != want {
					t.Errorf("timeseries %s %s %s: got %s, want %s", gran, f, iv, got, want)
				}
				gb := fmt.Sprintf(`{"queryType":"groupBy","dataSource":"t","intervals":%s,"granularity":%s,"filter":%s,"dimensions":["s"],
					"aggregations":[{"type":"count","name":"c"},{"type":"doubleSum","name":"d","fieldName":"d"}]}`, iv, gran, f)
				q = mustDecode(t, gb)
				if got, want := sortedGroupBy(run(t, q, seg).GroupBy), sortedGroupBy(reference(t, q, ref, nil).GroupBy); got != want {
					t.Errorf("groupBy %s %s %s: got %s, want %s", gran, f, iv, got, want)
				}
			}
		}
	}
}
