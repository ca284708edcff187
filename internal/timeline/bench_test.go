package timeline

import (
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

const benchDay = int64(86400000)

// benchTimeline holds 100K chunks: 10,000 days × 10 partitions at v1, with
// every tenth day re-published at v2 (so 1,000 more sets overshadow).
func benchTimeline(b *testing.B) *Timeline[int] {
	tl := New[int]()
	for d := int64(0); d < 10000; d++ {
		iv := base.Interval{Start: d * benchDay, End: (d + 1) * benchDay}
		for p := 0; p < 10; p++ {
			if err := tl.Add(iv, "v1", numbered(p, 10), p); err != nil {
				b.Fatal(err)
			}
		}
	}
	return tl
}

func BenchmarkAdd100K(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		benchTimeline(b)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100000, "ns/chunk")
}

func BenchmarkAddOvershadowing(b *testing.B) {
	tl := benchTimeline(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := int64(i % 10000)
		iv := base.Interval{Start: d * benchDay, End: (d + 1) * benchDay}
		_ = tl.Add(iv, "v2", numbered(0, 1), 0)
		tl.Remove(iv, "v2", 0)
	}
}

func BenchmarkLookupMonth100K(b *testing.B) {
	tl := benchTimeline(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := int64(i%9000) * benchDay
		if hs := tl.Lookup(base.Interval{Start: start, End: start + 30*benchDay}); len(hs) != 30 {
			b.Fatalf("%d holders", len(hs))
		}
	}
}

func BenchmarkLookupDay100K(b *testing.B) {
	tl := benchTimeline(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := int64(i%9000) * benchDay
		if hs := tl.Lookup(base.Interval{Start: start, End: start + benchDay}); len(hs) != 1 {
			b.Fatalf("%d holders", len(hs))
		}
	}
}

func BenchmarkIsOvershadowed100K(b *testing.B) {
	tl := benchTimeline(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := int64(i%9000) * benchDay
		if tl.IsOvershadowed(base.Interval{Start: start, End: start + benchDay}, "v1", 0) {
			b.Fatal("overshadowed")
		}
	}
}

func BenchmarkFindFullyOvershadowed100K(b *testing.B) {
	tl := benchTimeline(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tl.FindFullyOvershadowed()
	}
}
