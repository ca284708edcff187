package engine

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/segment"
)

// TestTopNManyTies checks topN over a high-cardinality dimension where
// most values tie at the per-segment threshold, so that the engine's tie
// trimming (a rank bitset) has to pick the first values in dimension
// order; the row engine is the reference.
func TestTopNManyTies(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 400).Draw(t, "rows")
		card := rapid.IntRange(1, 300).Draw(t, "card")
		rows := make([][]segment.Value, n)
		for i := range rows {
			s := segment.Value{}
			if rapid.IntRange(0, 20).Draw(t, "sNull") > 0 {
				s = segment.StringValue(fmt.Sprintf("v%03d", rapid.IntRange(0, card-1).Draw(t, "s")))
			}
			x := segment.LongValue(rapid.Int64Range(0, 2).Draw(t, "x"))
			rows[i] = []segment.Value{segment.LongValue(int64(i) * 1000), s, {}, {}, {}, x, {}, {}}
		}
		seg := buildSegment(t, testSchema, rows)
		ref := segmentRows(t, seg)
		metric := rapid.SampledFrom([]string{`"c"`, `"x"`}).Draw(t, "metric")
		js := fmt.Sprintf(`{"queryType":"topN","dataSource":"t","intervals":["1970-01-01/1970-01-02"],"granularity":"all",
			"dimension":"s","metric":%s,"threshold":%d,
			"aggregations":[{"type":"count","name":"c"},{"type":"longSum","name":"x","fieldName":"x"}],
			"context":{"minTopNThreshold":%d}}`,
			metric, rapid.IntRange(1, 5).Draw(t, "threshold"), rapid.IntRange(1, 40).Draw(t, "minTopN"))
		q, err := query.Decode([]byte(js))
		if err != nil {
			t.Fatalf("decode %s: %v", js, err)
		}
		got := run(t, q, seg)
		want := reference(t, q, ref, seg.ColumnNames())
		if g, w := canon(got.TopN), canon(want.TopN); g != w {
			t.Fatalf("query %s\n got %s\nwant %s", js, g, w)
		}
	})
}
