package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/dryaddb/dryad/internal/segment"
)

const (
	distinctBenchRows   = 1 << 20
	distinctBenchValues = 100_000
)

var (
	distinctBenchOnce sync.Once
	distinctBenchSeg  *segment.Segment
)

// distinctBenchSegment is a testSchema segment of distinctBenchRows rows
// whose string column s holds distinctBenchValues distinct "user" names
// (about ten rows each, like the wiki data's users).
func distinctBenchSegment(b *testing.B) *segment.Segment {
	distinctBenchOnce.Do(func() {
		r := rand.New(rand.NewPCG(3, 4))
		rows := make([][]segment.Value, distinctBenchRows)
		for i := range rows {
			rows[i] = []segment.Value{vL(int64(i) * 100), vS(fmt.Sprintf("User %d", r.IntN(distinctBenchValues))), vN,
				vL(r.Int64N(100)), vN, vN, vN, vN}
		}
		distinctBenchSeg = buildSegment(b, testSchema, rows)
	})
	return distinctBenchSeg
}

// BenchmarkDistinctSketches counts distinct values of a high-cardinality
// string column with each distinct-count aggregator (timeseries, all;
// timeseries by hour); ns/row is per scanned row.
func BenchmarkDistinctSketches(b *testing.B) {
	seg := distinctBenchSegment(b)
	aggs := []struct{ name, agg string }{
		{"cardinality", `{"type":"cardinality","name":"v","fields":["s"]}`},
		{"hyperUnique", `{"type":"hyperUnique","name":"v","fieldName":"s"}`},
		{"HLLSketchBuild", `{"type":"HLLSketchBuild","name":"v","fieldName":"s"}`},
		{"thetaSketch", `{"type":"thetaSketch","name":"v","fieldName":"s"}`},
	}
	for _, gran := range []string{"all", "hour"} {
		for _, a := range aggs {
			q := mustDecode(b, fmt.Sprintf(`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":%q,"aggregations":[%s]}`, gran, a.agg))
			b.Run(gran+"/"+a.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(distinctBenchRows) // "MB/s" reads as million rows/s
				for b.Loop() {
					if _, err := Run(context.Background(), q, seg, "bench"); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/distinctBenchRows, "ns/row")
			})
		}
	}
}
