package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/discovery"
	"github.com/dryaddb/dryad/internal/metadata"
)

// benchCoordinator returns a coordinator over a SQLite store holding n
// hourly segments of one datasource, every other hour in two versions (so
// half of those are overshadowed), all served by one historical.
func benchCoordinator(b *testing.B, n int) *Coordinator {
	b.Helper()
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	one := 1
	var segs []base.DataSegment
	for i := 0; len(segs) < n; i++ {
		for v := 1; v <= 1+i%2 && len(segs) < n; v++ {
			segs = append(segs, base.DataSegment{DataSource: "bench", Interval: base.NewInterval(int64(i)*3600000, int64(i+1)*3600000),
				Version: fmt.Sprintf("v%d", v), LoadSpec: json.RawMessage(`{"type":"local","path":"/x"}`),
				Dimensions: []string{"a", "b"}, Metrics: []string{"count"}, ShardSpec: base.ShardSpec{Type: "numbered", Partitions: &one}, BinaryVersion: 9, Size: 1000})
		}
	}
	if err := store.PublishSegments(ctx, segs, metadata.PublishOptions{}); err != nil {
		b.Fatal(err)
	}
	servers := serverList{{Name: "h:8083", Tier: "_default_tier", Loader: servedList(segs)}}
	return New(config.CoordinatorConfig{}, Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c"), Metadata: store, Servers: servers})
}

func benchGet(b *testing.B, c *Coordinator, path string) {
	b.Helper()
	b.ReportAllocs()
	var bytes int64
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		c.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		bytes = int64(rec.Body.Len())
	}
	b.SetBytes(bytes)
}

// BenchmarkMetadataSegmentsStatus is GET /metadata/segments with
// overshadowed status and replication factors over 2,000 segments: a SQLite
// read, a timeline per datasource, rule matching and JSON.
func BenchmarkMetadataSegmentsStatus(b *testing.B) {
	c := benchCoordinator(b, 2000)
	benchGet(b, c, "/druid/coordinator/v1/metadata/segments?includeOvershadowedStatus")
}

// BenchmarkDataSourceIntervalsSimple is GET /datasources/{ds}/intervals?simple
// over 2,000 served segments.
func BenchmarkDataSourceIntervalsSimple(b *testing.B) {
	c := benchCoordinator(b, 2000)
	benchGet(b, c, "/druid/coordinator/v1/datasources/bench/intervals?simple")
}
