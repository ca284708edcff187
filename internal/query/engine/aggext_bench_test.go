package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/dryaddb/dryad/internal/segment"
)

const extBenchRows = 1 << 18

var (
	extBenchOnce sync.Once
	extBenchSeg  *segment.Segment
)

// extBenchSegment is a deterministic testSchema segment of extBenchRows
// rows (one per second, ~10% nulls in the numeric columns).
func extBenchSegment(b *testing.B) *segment.Segment {
	extBenchOnce.Do(func() {
		r := rand.New(rand.NewPCG(1, 2))
		strs := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
		rows := make([][]segment.Value, extBenchRows)
		num := func(v segment.Value) segment.Value {
			if r.IntN(10) == 0 {
				return segment.Value{}
			}
			return v
		}
		for i := range rows {
			rows[i] = []segment.Value{vL(int64(i) * 1000), vS(strs[r.IntN(len(strs))]), vS(strs[r.IntN(4)]),
				num(vL(r.Int64N(100))), num(vD(r.Float64())), num(vL(r.Int64N(1000) - 500)), num(vD(r.Float64() * 10)), num(vF(float32(r.IntN(100))))}
		}
		extBenchSeg = buildSegment(b, testSchema, rows)
	})
	return extBenchSeg
}

// BenchmarkExtAggregators runs timeseries (granularity all) and groupBy
// (on s) queries with one aggregator over extBenchRows rows; ns/row is
// per scanned row.
func BenchmarkExtAggregators(b *testing.B) {
	seg := extBenchSegment(b)
	aggs := []struct{ name, agg string }{
		{"longSum", `{"type":"longSum","name":"v","fieldName":"x"}`},
		{"filtered_longSum", `{"type":"filtered","name":"v","filter":{"type":"selector","dimension":"s","value":"a"},"aggregator":{"type":"longSum","name":"v","fieldName":"x"}}`},
		{"filtered_bound_count", `{"type":"filtered","name":"v","filter":{"type":"bound","dimension":"l","upper":"50","ordering":"numeric"},"aggregator":{"type":"count","name":"v"}}`},
		{"longAny", `{"type":"longAny","name":"v","fieldName":"x"}`},
		{"stringAny", `{"type":"stringAny","name":"v","fieldName":"m"}`},
		{"longSum_expression", `{"type":"longSum","name":"v","expression":"x * 2 + l"}`},
		{"expression_sum", `{"type":"expression","name":"v","fields":["x"],"initialValue":"0","fold":"__acc + x","shouldAggregateNullInputs":false}`},
	}
	for _, shape := range []string{"timeseries", "groupBy"} {
		for _, a := range aggs {
			var js string
			if shape == "timeseries" {
				js = fmt.Sprintf(`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"all","aggregations":[%s]}`, a.agg)
			} else {
				js = fmt.Sprintf(`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"all","dimensions":["s"],"aggregations":[%s]}`, a.agg)
			}
			q := mustDecode(b, js)
			b.Run(shape+"/"+a.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(extBenchRows) // "MB/s" reads as million rows/s
				for b.Loop() {
					if _, err := Run(context.Background(), q, seg, "bench"); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/extBenchRows, "ns/row")
			})
		}
	}
}
