package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/discovery"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/serverview"
)

const day = int64(86400000)

// fakeLoader serves segments in memory.
type fakeLoader struct {
	mu   sync.Mutex
	segs map[base.SegmentID]base.DataSegment
}

func (f *fakeLoader) Load(ctx context.Context, seg base.DataSegment) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.segs[seg.ID()] = seg
	return nil
}

func (f *fakeLoader) Drop(ctx context.Context, id base.SegmentID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.segs, id)
	return nil
}

func (f *fakeLoader) Served(ctx context.Context) ([]base.DataSegment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []base.DataSegment
	for _, s := range f.segs {
		out = append(out, s)
	}
	return out, nil
}

// names lists the served segments as "day/version".
func (f *fakeLoader) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.segs {
		out = append(out, fmt.Sprintf("%d/%s", id.Interval.Start/day, id.Version))
	}
	slices.Sort(out)
	return out
}

type fakeServers []serverview.Server

func (f fakeServers) Servers() []serverview.Server { return f }

func TestLoadDuty(t *testing.T) {
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	one := 1
	mk := func(d int64, version string) base.DataSegment {
		return base.DataSegment{DataSource: "w", Interval: base.NewInterval(d*day, (d+1)*day), Version: version,
			LoadSpec: json.RawMessage(`{"type":"local","path":"/x"}`), ShardSpec: base.ShardSpec{Type: "numbered", Partitions: &one}}
	}
	if err := store.PublishSegments(ctx, []base.DataSegment{mk(0, "v1"), mk(0, "v2"), mk(1, "v1")}, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	loaders := []*fakeLoader{{segs: map[base.SegmentID]base.DataSegment{}}, {segs: map[base.SegmentID]base.DataSegment{}}, {segs: map[base.SegmentID]base.DataSegment{}}}
	servers := fakeServers{
		{Name: "h1", Tier: "_default_tier", Loader: loaders[0]},
		{Name: "h2", Tier: "_default_tier", Loader: loaders[1]},
		{Name: "h3", Tier: "hot", Loader: loaders[2]},
	}
	d := &loadDuty{store: store, servers: servers, log: slog.New(slog.DiscardHandler), maxInFlight: 2}
	run := func() {
		t.Helper()
		if err := d.run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, want ...string) {
		t.Helper()
		for i, l := range loaders {
			if got := fmt.Sprint(l.names()); got != want[i] {
				t.Errorf("%s: h%d serves %s, want %s", step, i+1, got, want[i])
			}
		}
	}

	// The _default rule: two replicas in _default_tier. v1 of day 0 is
	// loaded until v2 is, then marked unused and dropped.
	run()
	check("first run", "[0/v1 0/v2 1/v1]", "[0/v1 0/v2 1/v1]", "[]")
	run()
	check("second run", "[0/v2 1/v1]", "[0/v2 1/v1]", "[]")
	used, _ := store.AllUsedSegments(ctx)
	if len(used) != 2 {
		t.Errorf("%d used segments after overshadowing, want 2", len(used))
	}

	// Datasource rules move the data to the hot tier.
	if err := store.SetRules(ctx, "w", json.RawMessage(`[{"type":"loadByInterval","interval":"1970-01-02/1970-01-03","tieredReplicants":{"hot":1}},{"type":"dropForever"}]`), metadata.AuditInfo{}); err != nil {
		t.Fatal(err)
	}
	run()
	check("interval rule", "[]", "[]", "[1/v1]")

	// An unsupported rule keeps what is served.
	if err := store.SetRules(ctx, "w", json.RawMessage(`[{"type":"loadByPeriod","period":"P1M"}]`), metadata.AuditInfo{}); err != nil {
		t.Fatal(err)
	}
	run()
	check("unsupported rule", "[]", "[]", "[1/v1]")

	// Unused segments are dropped.
	if _, err := store.MarkAllUnused(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	run()
	check("all unused", "[]", "[]", "[]")
}

func TestDutyLoopNudge(t *testing.T) {
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	loader := &fakeLoader{segs: map[base.SegmentID]base.DataSegment{}}
	servers := fakeServers{{Name: "h1", Tier: "_default_tier", Loader: loader}}
	// Period and start delay are far away: only a nudge can run the duty.
	c := New(config.CoordinatorConfig{Period: time.Hour, StartDelay: time.Hour},
		Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c"), Metadata: store, Servers: servers})
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Stop(ctx)
	one := 1
	seg := base.DataSegment{DataSource: "w", Interval: base.NewInterval(0, day), Version: "v1",
		LoadSpec: json.RawMessage(`{"type":"local","path":"/x"}`), ShardSpec: base.ShardSpec{Type: "numbered", Partitions: &one}}
	if err := store.PublishSegments(ctx, []base.DataSegment{seg}, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	c.Nudge()
	c.Nudge() // coalesces
	deadline := time.Now().Add(10 * time.Second)
	for fmt.Sprint(loader.names()) != "[0/v1]" {
		if time.Now().After(deadline) {
			t.Fatalf("nudged duty did not load the segment: %v", loader.names())
		}
		time.Sleep(5 * time.Millisecond)
	}
	rec := httptest.NewRecorder()
	c.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/druid/coordinator/v1/loadstatus", nil))
	if got := strings.TrimSpace(rec.Body.String()); rec.Code != 200 || got != `{"w":100}` {
		t.Errorf("loadstatus: %d %s", rec.Code, got)
	}
}
