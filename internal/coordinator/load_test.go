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
	"github.com/dryaddb/dryad/internal/rules"
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

// newTestDuty returns a duty over store and servers with the default
// dynamic config (changed by dyn when non-nil) at time now.
func newTestDuty(t *testing.T, store *metadata.Store, servers DataServers, dyn *DynamicConfig, now int64) *loadDuty {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	c := &Coordinator{deps: Deps{Metadata: store}, log: log}
	qs := newLoadQueues(log)
	t.Cleanup(qs.closeAll)
	return &loadDuty{store: store, servers: servers, log: log, queues: qs,
		rules: func(ctx context.Context) (map[string][]rules.Rule, error) { return c.currentRules(ctx, store) },
		dynamic: func(ctx context.Context) (DynamicConfig, error) {
			if dyn != nil {
				return *dyn, nil
			}
			return DefaultDynamicConfig(), nil
		},
		now: func() int64 { return now }}
}

// settle runs the duty and waits for its queues until a run decides
// nothing new; it fails after 20 runs.
func settle(t *testing.T, d *loadDuty) {
	t.Helper()
	for range 20 {
		st, err := d.run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		waitIdle(t, d.queues)
		if st.assigned == 0 && st.dropped == 0 && st.moved == 0 {
			return
		}
	}
	t.Fatal("the duty did not settle in 20 runs")
}

func waitIdle(t *testing.T, qs *loadQueues) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !qs.idle() {
		if time.Now().After(deadline) {
			t.Fatal("load queues did not drain")
		}
		time.Sleep(time.Millisecond)
	}
}

func newStore(t *testing.T) *metadata.Store {
	t.Helper()
	store, err := metadata.Open(context.Background(), metadata.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func daySegment(ds string, d int64, version string, size int64) base.DataSegment {
	one := 1
	return base.DataSegment{DataSource: ds, Interval: base.NewInterval(d*day, (d+1)*day), Version: version, Size: size,
		LoadSpec: json.RawMessage(`{"type":"local","path":"/x"}`), ShardSpec: base.ShardSpec{Type: "numbered", Partitions: &one}}
}

func newLoaders(n int) []*fakeLoader {
	out := make([]*fakeLoader, n)
	for i := range out {
		out[i] = &fakeLoader{segs: map[base.SegmentID]base.DataSegment{}}
	}
	return out
}

func TestLoadDuty(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	if err := store.PublishSegments(ctx, []base.DataSegment{daySegment("w", 0, "v1", 0), daySegment("w", 0, "v2", 0), daySegment("w", 1, "v1", 0)}, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	loaders := newLoaders(3)
	servers := fakeServers{
		{Name: "h1", Tier: "_default_tier", Loader: loaders[0]},
		{Name: "h2", Tier: "_default_tier", Loader: loaders[1]},
		{Name: "h3", Tier: "hot", Loader: loaders[2]},
	}
	d := newTestDuty(t, store, servers, nil, 3*day)
	run := func() {
		t.Helper()
		if _, err := d.run(ctx); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, d.queues)
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

	// Datasource rules move the data to the hot tier: loaded there first,
	// dropped from the default tier once loaded.
	if err := store.SetRules(ctx, "w", json.RawMessage(`[{"type":"loadByInterval","interval":"1970-01-02/1970-01-03","tieredReplicants":{"hot":1}},{"type":"dropForever"}]`), metadata.AuditInfo{}); err != nil {
		t.Fatal(err)
	}
	run()
	check("interval rule, first run", "[1/v1]", "[1/v1]", "[1/v1]")
	run()
	check("interval rule", "[]", "[]", "[1/v1]")
	used, _ = store.AllUsedSegments(ctx)
	if len(used) != 2 {
		t.Errorf("%d used segments after a drop rule, want 2: drop rules only unload", len(used))
	}

	// Period rules: now is day 3; P2D covers days 1 and 2.
	if err := store.SetRules(ctx, "w", json.RawMessage(`[{"type":"loadByPeriod","period":"P2D","tieredReplicants":{"_default_tier":1,"hot":1}},{"type":"dropForever"}]`), metadata.AuditInfo{}); err != nil {
		t.Fatal(err)
	}
	settle(t, d)
	check("period rule", "[1/v1]", "[]", "[1/v1]")

	// Unused segments are dropped.
	if _, err := store.MarkAllUnused(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	run()
	check("all unused", "[]", "[]", "[]")
}

// TestRuleApplication covers each rule kind and the limits that bound a
// run, over four servers in two tiers.
func TestRuleApplication(t *testing.T) {
	tests := []struct {
		name    string
		rules   string // the datasource's rules
		dyn     func(*DynamicConfig)
		maxSize int64  // each server's
		sizes   int64  // each segment's
		once    bool   // one run instead of settling
		want    [4]int // segments served per server: a1 a2 (tier a), b1 b2 (tier b)
	}{
		{name: "default rule", want: [4]int{0, 0, 0, 0}},
		{name: "two replicas in a", rules: `[{"type":"loadForever","tieredReplicants":{"a":2}}]`, want: [4]int{6, 6, 0, 0}},
		{name: "one replica per tier", rules: `[{"type":"loadForever","tieredReplicants":{"a":1,"b":1}}]`, want: [4]int{3, 3, 3, 3}},
		{name: "more replicas than servers", rules: `[{"type":"loadForever","tieredReplicants":{"b":5}}]`, want: [4]int{0, 0, 6, 6}},
		{name: "drop by period", rules: `[{"type":"dropByPeriod","period":"P3D"},{"type":"loadForever","tieredReplicants":{"a":1}}]`, want: [4]int{2, 1, 0, 0}},
		{name: "drop before by period", rules: `[{"type":"dropBeforeByPeriod","period":"P3D"},{"type":"loadForever","tieredReplicants":{"a":1}}]`, want: [4]int{2, 1, 0, 0}},
		{name: "load by period without future", rules: `[{"type":"loadByPeriod","period":"P2D","includeFuture":false,"tieredReplicants":{"b":1}},{"type":"dropForever"}]`, want: [4]int{0, 0, 1, 1}},
		{name: "drop by interval", rules: `[{"type":"dropByInterval","interval":"1970-01-01/1970-01-04"},{"type":"loadForever","tieredReplicants":{"a":1}}]`, want: [4]int{2, 1, 0, 0}},
		{name: "broadcast", rules: `[{"type":"broadcastByInterval","interval":"1970-01-01/1970-01-02"},{"type":"dropForever"}]`, want: [4]int{1, 1, 1, 1}},
		{name: "max size", rules: `[{"type":"loadForever","tieredReplicants":{"a":2}}]`, maxSize: 250, sizes: 100, want: [4]int{2, 2, 0, 0}},
		{name: "replication throttle", rules: `[{"type":"loadForever","tieredReplicants":{"a":2}}]`, once: true,
			dyn: func(c *DynamicConfig) { c.ReplicationThrottleLimit = 2 }, want: [4]int{4, 4, 0, 0}},
		{name: "load queue limit", rules: `[{"type":"loadForever","tieredReplicants":{"a":2}}]`, once: true,
			dyn: func(c *DynamicConfig) { c.MaxSegmentsInNodeLoadingQueue = 2 }, want: [4]int{2, 2, 0, 0}},
		{name: "decommissioning", rules: `[{"type":"loadForever","tieredReplicants":{"a":1,"b":2}}]`,
			dyn: func(c *DynamicConfig) { c.DecommissioningNodes = NameList{"a2", "b2"} }, want: [4]int{6, 0, 6, 0}},
		{name: "paused", rules: `[{"type":"loadForever","tieredReplicants":{"a":2}}]`,
			dyn: func(c *DynamicConfig) { c.PauseCoordination = true }, want: [4]int{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := newStore(t)
			var segs []base.DataSegment
			for d := range int64(6) {
				segs = append(segs, daySegment("w", d, "v1", tt.sizes))
			}
			if err := store.PublishSegments(ctx, segs, metadata.PublishOptions{}); err != nil {
				t.Fatal(err)
			}
			if tt.rules != "" {
				if err := store.SetRules(ctx, "w", json.RawMessage(tt.rules), metadata.AuditInfo{}); err != nil {
					t.Fatal(err)
				}
			}
			loaders := newLoaders(4)
			servers := fakeServers{
				{Name: "a1", Tier: "a", MaxSize: tt.maxSize, Loader: loaders[0]},
				{Name: "a2", Tier: "a", MaxSize: tt.maxSize, Loader: loaders[1]},
				{Name: "b1", Tier: "b", MaxSize: tt.maxSize, Loader: loaders[2]},
				{Name: "b2", Tier: "b", MaxSize: tt.maxSize, Loader: loaders[3]},
			}
			dyn := DefaultDynamicConfig()
			if tt.dyn != nil {
				tt.dyn(&dyn)
			}
			// Now is the end of day 6: P3D covers days 3-5, P2D days 4-5.
			d := newTestDuty(t, store, servers, &dyn, 6*day)
			if tt.once {
				if _, err := d.run(ctx); err != nil {
					t.Fatal(err)
				}
				waitIdle(t, d.queues)
			} else {
				settle(t, d)
			}
			var got [4]int
			for i, l := range loaders {
				got[i] = len(l.names())
			}
			if got != tt.want {
				t.Errorf("served per server %v, want %v", got, tt.want)
			}
			for _, l := range loaders {
				names := l.names()
				if len(slices.Compact(names)) != len(names) {
					t.Errorf("a server holds a segment twice: %v", names)
				}
			}
			used, _ := store.AllUsedSegments(ctx)
			if len(used) != 6 {
				t.Errorf("%d used segments, want 6: rules never mark segments unused", len(used))
			}
		})
	}
}

// TestBalance starts with every segment on one server of a tier and checks
// that balancing evens the tier out, within maxSegmentsToMove per run,
// without ever losing a replica.
func TestBalance(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	var segs []base.DataSegment
	for d := range int64(40) {
		segs = append(segs, daySegment("w", d, "v1", 10))
	}
	if err := store.PublishSegments(ctx, segs, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := store.SetRules(ctx, "w", json.RawMessage(`[{"type":"loadForever","tieredReplicants":{"a":1}}]`), metadata.AuditInfo{}); err != nil {
		t.Fatal(err)
	}
	loaders := newLoaders(4)
	for _, s := range segs {
		loaders[0].segs[s.ID()] = s
	}
	servers := fakeServers{
		{Name: "a1", Tier: "a", Loader: loaders[0]},
		{Name: "a2", Tier: "a", Loader: loaders[1]},
		{Name: "a3", Tier: "a", Loader: loaders[2]},
		{Name: "a4", Tier: "a", Loader: loaders[3]},
	}
	dyn := DefaultDynamicConfig()
	dyn.MaxSegmentsToMove = 7
	d := newTestDuty(t, store, servers, &dyn, 40*day)
	st, err := d.run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.moved != 7 || st.assigned != 0 {
		t.Errorf("first run: moved %d assigned %d, want 7 moves", st.moved, st.assigned)
	}
	waitIdle(t, d.queues)
	settle(t, d)
	total := 0
	for i, l := range loaders {
		n := len(l.names())
		total += n
		if n != 10 {
			t.Errorf("a%d serves %d segments, want 10", i+1, n)
		}
	}
	if total != 40 {
		t.Errorf("%d replicas in all, want 40", total)
	}
}

// blockingLoader loads only when released.
type blockingLoader struct {
	fakeLoader
	release chan struct{}
}

func (b *blockingLoader) Load(ctx context.Context, seg base.DataSegment) error {
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.fakeLoader.Load(ctx, seg)
}

func TestLoadQueueAndLoadStatus(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	segs := []base.DataSegment{daySegment("w", 0, "v1", 100), daySegment("w", 1, "v1", 200), daySegment("w", 2, "v1", 300)}
	if err := store.PublishSegments(ctx, segs, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := store.SetRules(ctx, "w", json.RawMessage(`[{"type":"loadForever","tieredReplicants":{"a":2}}]`), metadata.AuditInfo{}); err != nil {
		t.Fatal(err)
	}
	bl := &blockingLoader{fakeLoader: fakeLoader{segs: map[base.SegmentID]base.DataSegment{}}, release: make(chan struct{})}
	servers := fakeServers{{Name: "a1", Tier: "a", Loader: bl}, {Name: "a2", Tier: "a", Loader: bl}}
	c := New(config.CoordinatorConfig{Period: time.Hour, StartDelay: time.Hour},
		Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c"), Metadata: store, Servers: servers})
	c.duty.now = func() int64 { return 3 * day }
	defer c.queues.closeAll()
	get := func(path string) string {
		t.Helper()
		rec := httptest.NewRecorder()
		c.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		return strings.TrimSpace(rec.Body.String())
	}
	if got := get("/druid/coordinator/v1/loadqueue"); got != "{}" {
		t.Errorf("loadqueue before any run: %s", got)
	}
	if _, err := c.duty.run(ctx); err != nil {
		t.Fatal(err)
	}
	// Both servers share one loader: they load nothing until released.
	// Loads are queued newest first, one replica each per server.
	ids := []string{segs[2].ID().String(), segs[1].ID().String(), segs[0].ID().String()}
	slices.Sort(ids)
	wantIDs := fmt.Sprintf(`{"segmentsToLoad":["%s","%s","%s"],"segmentsToDrop":[]}`, ids[0], ids[1], ids[2])
	if got, want := get("/druid/coordinator/v1/loadqueue"), `{"a1":`+wantIDs+`,"a2":`+wantIDs+`}`; got != want {
		t.Errorf("loadqueue:\n got %s\nwant %s", got, want)
	}
	simple := `{"segmentsToLoad":3,"segmentsToDrop":0,"segmentsToLoadSize":600,"segmentsToDropSize":0}`
	if got, want := get("/druid/coordinator/v1/loadqueue?simple"), `{"a1":`+simple+`,"a2":`+simple+`}`; got != want {
		t.Errorf("loadqueue?simple:\n got %s\nwant %s", got, want)
	}
	if got := get("/druid/coordinator/v1/loadqueue?full"); !strings.Contains(got, `"size":300`) || !strings.Contains(got, `"dataSource":"w"`) {
		t.Errorf("loadqueue?full lacks the segments' metadata: %s", got)
	}
	for path, want := range map[string]string{
		"/druid/coordinator/v1/loadstatus":                              `{"w":0}`,
		"/druid/coordinator/v1/loadstatus?simple":                       `{"w":3}`,
		"/druid/coordinator/v1/loadstatus?full":                         `{"a":{"w":6}}`,
		"/druid/coordinator/v1/loadstatus?full&computeUsingClusterView": `{"a":{"w":6}}`,
	} {
		if got := get(path); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	close(bl.release)
	waitIdle(t, c.queues)
	// One loader serves both servers' names here, so every segment counts
	// as served twice on each: loaded 100%, nothing left.
	for path, want := range map[string]string{
		"/druid/coordinator/v1/loadstatus":        `{"w":100}`,
		"/druid/coordinator/v1/loadstatus?simple": `{"w":0}`,
		"/druid/coordinator/v1/loadstatus?full":   `{"a":{"w":0}}`,
		"/druid/coordinator/v1/loadqueue":         `{"a1":{"segmentsToLoad":[],"segmentsToDrop":[]},"a2":{"segmentsToLoad":[],"segmentsToDrop":[]}}`,
	} {
		if got := get(path); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	// A drop rule: those segments are not counted as to load, so once the
	// duty dropped them the datasource stays 100% loaded.
	if err := store.SetRules(ctx, "w", json.RawMessage(`[{"type":"dropForever"}]`), metadata.AuditInfo{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.duty.run(ctx); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c.queues)
	for path, want := range map[string]string{
		"/druid/coordinator/v1/loadstatus":        `{"w":100}`,
		"/druid/coordinator/v1/loadstatus?simple": `{"w":0}`,
		"/druid/coordinator/v1/loadstatus?full":   `{}`,
	} {
		if got := get(path); got != want {
			t.Errorf("after a drop rule: %s: %s, want %s", path, got, want)
		}
	}
	if n := len(bl.names()); n != 0 {
		t.Errorf("%d segments still served after a drop rule", n)
	}
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

func TestMixedVersions(t *testing.T) {
	seg := func(start, end int64, version string) *base.DataSegment {
		return &base.DataSegment{Interval: base.NewInterval(start, end), Version: version}
	}
	tests := []struct {
		name string
		segs []*base.DataSegment
		want bool
	}{
		{"none", nil, false},
		{"disjoint versions", []*base.DataSegment{seg(0, 10, "v1"), seg(10, 20, "v2")}, false},
		{"same version partitions", []*base.DataSegment{seg(0, 10, "v1"), seg(0, 10, "v1"), seg(5, 15, "v1")}, false},
		{"same interval", []*base.DataSegment{seg(0, 10, "v2"), seg(0, 10, "v1")}, true},
		{"chained overlap", []*base.DataSegment{seg(20, 30, "v2"), seg(0, 15, "v1"), seg(10, 25, "v1")}, true},
		{"contained", []*base.DataSegment{seg(0, 100, "v1"), seg(50, 60, "v1"), seg(70, 80, "v3")}, true},
	}
	for _, tt := range tests {
		if got := mixedVersions(tt.segs); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// restoringLoader is a fakeLoader still restoring its cache.
type restoringLoader struct {
	fakeLoader
	ready bool
}

func (r *restoringLoader) CacheInitialized() bool { return r.ready }

// TestDutyWaitsForCacheRestore: while a server restores its cache, its
// served list is partial, so the duty decides nothing.
func TestDutyWaitsForCacheRestore(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	if err := store.PublishSegments(ctx, []base.DataSegment{daySegment("w", 0, "v1", 0)}, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	ready := newLoaders(1)[0]
	restoring := &restoringLoader{fakeLoader: fakeLoader{segs: map[base.SegmentID]base.DataSegment{}}}
	d := newTestDuty(t, store, fakeServers{{Name: "a", Tier: "_default_tier", Loader: ready}, {Name: "b", Tier: "_default_tier", Loader: restoring}}, nil, day)
	st, err := d.run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitIdle(t, d.queues)
	if st.assigned != 0 || len(ready.names()) != 0 {
		t.Errorf("the duty assigned %d segments while a server was restoring", st.assigned)
	}
	restoring.ready = true
	settle(t, d)
	if len(ready.names()) != 1 || len(restoring.names()) != 1 {
		t.Errorf("after the restore: %v %v", ready.names(), restoring.names())
	}
}

// TestDecommissioning: a decommissioning server's segments are loaded
// elsewhere first, then dropped from it.
func TestDecommissioning(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	var segs []base.DataSegment
	for d := range int64(6) {
		segs = append(segs, daySegment("w", d, "v1", 10))
	}
	if err := store.PublishSegments(ctx, segs, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := store.SetRules(ctx, "w", json.RawMessage(`[{"type":"loadForever","tieredReplicants":{"a":1}}]`), metadata.AuditInfo{}); err != nil {
		t.Fatal(err)
	}
	loaders := newLoaders(2)
	for _, s := range segs {
		loaders[0].segs[s.ID()] = s
	}
	servers := fakeServers{{Name: "a1", Tier: "a", Loader: loaders[0]}, {Name: "a2", Tier: "a", Loader: loaders[1]}}
	dyn := DefaultDynamicConfig()
	dyn.DecommissioningNodes = NameList{"a1"}
	d := newTestDuty(t, store, servers, &dyn, 6*day)
	if _, err := d.run(ctx); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, d.queues)
	if got := []int{len(loaders[0].names()), len(loaders[1].names())}; got[0] != 6 || got[1] != 6 {
		t.Errorf("first run: %v, want the segments loaded on a2 and still on a1", got)
	}
	settle(t, d)
	if got := []int{len(loaders[0].names()), len(loaders[1].names())}; got[0] != 0 || got[1] != 6 {
		t.Errorf("settled: %v, want every segment moved to a2", got)
	}
}
