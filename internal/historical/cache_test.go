package historical

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/engine"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/segment"
	"github.com/dryaddb/dryad/internal/serverview"
)

const day = int64(86400000)

// pushSegment writes a one-row segment for day d and pushes it.
func pushSegment(t *testing.T, deep deepstorage.Storage, dir string, d int64, added int64) base.DataSegment {
	t.Helper()
	iv := base.NewInterval(d*day, (d+1)*day)
	meta := segment.Metadata{DataSource: "w", Interval: iv, Version: "v1",
		Dimensions: []segment.Dimension{{Name: "page", Type: base.TypeString}},
		Metrics:    []segment.Metric{{Name: "added", Type: base.TypeLong}}}
	cols, err := segment.ColumnsFromRows(&meta, [][]segment.Value{{segment.LongValue(d * day), segment.StringValue("p"), segment.LongValue(added)}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := segment.Write(&buf, meta, cols); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "build.seg")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	one := 1
	ds := base.DataSegment{DataSource: "w", Interval: iv, Version: "v1", ShardSpec: base.ShardSpec{Type: "numbered", Partitions: &one}}
	spec, size, err := deep.Push(context.Background(), file, ds)
	if err != nil {
		t.Fatal(err)
	}
	ds.LoadSpec, ds.Size = spec, size
	return ds
}

func newTestHistorical(t *testing.T, dir string, deep deepstorage.Storage, view *serverview.Local, run func(context.Context, query.Query, *segment.Segment, string) (*engine.Partial, error)) *Historical {
	t.Helper()
	h := New(config.HistoricalConfig{Tier: "_default_tier", CacheLocations: []config.CacheLocation{{Path: filepath.Join(dir, "cache")}}},
		Deps{Deep: deep, View: view, Name: "h1", Threads: 2, Run: run})
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Stop(context.Background()) })
	return h
}

func waitReady(t *testing.T, h *Historical) {
	t.Helper()
	select {
	case <-h.restored:
	case <-time.After(10 * time.Second):
		t.Fatal("cache never restored")
	}
}

func TestLoadQueryCacheDropRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	deep, err := deepstorage.NewLocal(filepath.Join(dir, "deep"))
	if err != nil {
		t.Fatal(err)
	}
	view := serverview.NewLocal()
	var runs atomic.Int64
	run := func(ctx context.Context, q query.Query, seg *segment.Segment, id string) (*engine.Partial, error) {
		runs.Add(1)
		return engine.Run(ctx, q, seg, id)
	}
	h := newTestHistorical(t, dir, deep, view, run)
	waitReady(t, h)
	s0, s1 := pushSegment(t, deep, dir, 0, 5), pushSegment(t, deep, dir, 1, 7)
	for _, s := range []base.DataSegment{s0, s1, s0} {
		if err := h.Load(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if h.Pulls() != 2 {
		t.Errorf("pulls %d, want 2", h.Pulls())
	}
	if by := view.ServedBy(); len(by["h1"]) != 2 {
		t.Errorf("announced %v", by)
	}

	q, err := query.Decode([]byte(`{"queryType":"timeseries","dataSource":"w","intervals":["1970-01-01/1970-01-03"],"granularity":"all",
		"aggregations":[{"type":"longSum","name":"added","fieldName":"added"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	descs := []serverview.Descriptor{{Segment: s0.ID(), Interval: s0.Interval}, {Segment: s1.ID(), Interval: s1.Interval}}
	for i := range 3 {
		p, err := h.RunQuery(ctx, q, descs)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Timeseries) != 1 || p.Timeseries[0].Values[0] != int64(12) {
			t.Fatalf("run %d: %+v", i, p.Timeseries)
		}
		p.Timeseries[0].Values[0] = int64(-1) // callers own results; the cache must not see this
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("segment runs %d, want 2 (then cache hits)", n)
	}
	if hits, _ := h.results.stats(); hits != 4 {
		t.Errorf("cache hits %d, want 4", hits)
	}
	// A descriptor interval limits what is read.
	p, err := h.RunQuery(ctx, q, []serverview.Descriptor{{Segment: s0.ID(), Interval: base.NewInterval(day/2, day)}})
	if err != nil || len(p.Timeseries) != 0 {
		t.Errorf("clipped read: %+v %v", p, err)
	}
	// useCache=false runs the segments again.
	nq, _ := query.Decode([]byte(`{"queryType":"timeseries","dataSource":"w","intervals":["1970-01-01/1970-01-03"],"granularity":"all",
		"aggregations":[{"type":"longSum","name":"added","fieldName":"added"}],"context":{"useCache":false}}`))
	before := runs.Load()
	if _, err := h.RunQuery(ctx, nq, descs); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != before+2 {
		t.Errorf("useCache=false did not run the segments")
	}

	if err := h.Drop(ctx, s1.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.RunQuery(ctx, q, descs); base.ClassOf(err) != base.ClassNotFound || !strings.Contains(err.Error(), s1.ID().String()) {
		t.Errorf("query on a dropped segment: %v", err)
	}
	if by := view.ServedBy(); len(by["h1"]) != 1 {
		t.Errorf("announced after drop %v", by)
	}

	// A corrupt info file is discarded on restart; the good segment is
	// served again without pulling.
	if err := os.WriteFile(filepath.Join(dir, "cache", infoDir, "junk"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.Stop(ctx)
	h2 := newTestHistorical(t, dir, deep, view, nil)
	waitReady(t, h2)
	served, _ := h2.Served(ctx)
	if len(served) != 1 || served[0].ID() != s0.ID() || h2.Pulls() != 0 {
		t.Errorf("restored %v with %d pulls", served, h2.Pulls())
	}
	if _, err := os.Stat(filepath.Join(dir, "cache", infoDir, "junk")); err == nil {
		t.Error("corrupt info file kept")
	}
	if p, err := h2.RunQuery(ctx, q, descs[:1]); err != nil || p.Timeseries[0].Values[0] != int64(5) {
		t.Errorf("after restart: %+v %v", p, err)
	}
}

func TestResultCacheEviction(t *testing.T) {
	c := newResultCache(20)
	row := func(n int) *engine.Partial {
		p := &engine.Partial{}
		for range n {
			p.Timeseries = append(p.Timeseries, result.TimeseriesRow{Values: []any{int64(1)}})
		}
		return p
	}
	for _, k := range []string{"a", "b", "c", "d"} {
		c.put(k, row(4)) // 5 rows each, 20 in all
	}
	c.put("big", row(5)) // more than a quarter of the cache: not kept
	if _, ok := c.get("big"); ok {
		t.Error("oversized entry cached")
	}
	c.get("a")         // a is now the most recent
	c.put("e", row(4)) // 25 rows: b, the least recently used, goes
	if _, ok := c.get("b"); ok {
		t.Error("least recently used entry kept")
	}
	for _, k := range []string{"a", "c", "d", "e"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
}
