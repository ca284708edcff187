package granularity

import (
	"testing"
)

// timestamps spread over about a year, 1.7 s apart.
func benchInstants() []int64 {
	ts := make([]int64, 4096)
	for i := range ts {
		ts[i] = 1356998400000 + int64(i)*7919*1000
	}
	return ts
}

func benchFloor(b *testing.B, g Granularity) {
	ts := benchInstants()
	b.ReportAllocs()
	b.SetBytes(8)
	var sink int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink += g.Floor(ts[i&4095])
	}
	_ = sink
}

func benchFloorBatch(b *testing.B, g Granularity) {
	src := benchInstants()
	dst := make([]int64, len(src))
	b.ReportAllocs()
	b.SetBytes(int64(8 * len(src)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.FloorBatch(dst, src)
	}
}

func BenchmarkFloorHourUTC(b *testing.B)      { benchFloor(b, MustParse("hour")) }
func BenchmarkFloorDayUTC(b *testing.B)       { benchFloor(b, MustParse("day")) }
func BenchmarkFloorBatchHourUTC(b *testing.B) { benchFloorBatch(b, MustParse("hour")) }
func BenchmarkFloorBatchDayUTC(b *testing.B)  { benchFloorBatch(b, MustParse("day")) }
func BenchmarkFloorMonthUTC(b *testing.B)     { benchFloor(b, MustParse("month")) }
func BenchmarkFloorDayLosAngeles(b *testing.B) {
	benchFloor(b, decode(b, `{"type":"period","period":"P1D","timeZone":"America/Los_Angeles"}`))
}
func BenchmarkFloorHourLosAngeles(b *testing.B) {
	benchFloor(b, decode(b, `{"type":"period","period":"PT1H","timeZone":"America/Los_Angeles"}`))
}
