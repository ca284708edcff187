package metadata

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// manySegs returns n hourly segments of ds with 4 partitions per hour.
func manySegs(ds string, n int, version string) []base.DataSegment {
	out := make([]base.DataSegment, n)
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		h := t0.Add(time.Duration(i/4) * time.Hour)
		out[i] = seg(ds, h.Format(time.RFC3339), h.Add(time.Hour).Format(time.RFC3339), version, i%4)
	}
	return out
}

// BenchmarkPublish10K publishes 10,000 segments in one transaction.
func BenchmarkPublish10K(b *testing.B) {
	for _, be := range backends(nil) {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b, Config{})
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				segs := manySegs("bench", 10000, fmt.Sprintf("v%06d", i))
				i++
				if err := s.PublishSegments(ctx, segs, PublishOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/segment")
		})
	}
}

// BenchmarkAllUsedSegments100K reads 100,000 used segments (plus 10,000
// unused ones the query must skip).
func BenchmarkAllUsedSegments100K(b *testing.B) {
	for _, be := range backends(nil) {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b, Config{})
			ctx := context.Background()
			for ds := range 10 {
				if err := s.PublishSegments(ctx, manySegs(fmt.Sprintf("ds%d", ds), 10000, "v1"), PublishOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.PublishSegments(ctx, manySegs("gone", 10000, "v1"), PublishOptions{}); err != nil {
				b.Fatal(err)
			}
			if _, err := s.MarkAllUnused(ctx, "gone"); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				segs, err := s.AllUsedSegments(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if len(segs) != 100000 {
					b.Fatalf("%d segments", len(segs))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100000, "ns/segment")
		})
	}
}

// BenchmarkDecodeSegmentPayloads isolates the JSON decoding part of
// AllUsedSegments: 100,000 payloads decoded on all cores.
func BenchmarkDecodeSegmentPayloads(b *testing.B) {
	segs := manySegs("ds", 100000, "v1")
	raw := make([][]byte, len(segs))
	var total int64
	for i := range segs {
		p, err := segs[i].MarshalJSON()
		if err != nil {
			b.Fatal(err)
		}
		raw[i] = p
		total += int64(len(p))
	}
	out := make([]base.DataSegment, len(raw))
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		if err := decodeSegments(raw, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100000, "ns/segment")
}
