package coordinator

import (
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

// BenchmarkPlanCompaction100K plans one datasource of 100,000 hourly
// segments (about 11 years) whose first half is compacted into days.
func BenchmarkPlanCompaction100K(b *testing.B) {
	const n = 100_000
	state := compactState(10000, "DAY", true)
	segs := make([]base.DataSegment, 0, n)
	for h := int64(0); h < n; h++ {
		if h < n/2 {
			if h%24 == 0 {
				segs = append(segs, daySeg(h/24, "v2", 0, 1000, state))
			}
			continue
		}
		segs = append(segs, hourSeg(h, "v1", 0, 100, nil))
	}
	d, err := decodeDataSourceCompactionConfig([]byte(fullConfig))
	if err != nil {
		b.Fatal(err)
	}
	d.GranularitySpec.SegmentGranularity = nil
	cfgs := []DataSourceCompactionConfig{d}
	used := map[string][]base.DataSegment{"wiki": segs}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		plan := planCompaction(cfgs, used, nil)
		if len(plan.candidates) == 0 {
			b.Fatal("no candidates")
		}
	}
}
