package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/rules"
	"github.com/dryaddb/dryad/internal/serverview"
)

// parkingLoader accepts loads and drops but never finishes them before the
// queue closes: a benchmark's queues hold every request it queued.
type parkingLoader struct{ served []base.DataSegment }

func (p *parkingLoader) Load(ctx context.Context, seg base.DataSegment) error {
	<-ctx.Done()
	return ctx.Err()
}

func (p *parkingLoader) Drop(ctx context.Context, id base.SegmentID) error {
	<-ctx.Done()
	return ctx.Err()
}

func (p *parkingLoader) Served(ctx context.Context) ([]base.DataSegment, error) { return p.served, nil }

// benchSegments returns n hourly segments of 10 datasources with sizes
// between 1 and 100 MB.
func benchSegments(n int) []base.DataSegment {
	one := 1
	out := make([]base.DataSegment, n)
	for i := range out {
		start := int64(i/10) * 3600000
		out[i] = base.DataSegment{DataSource: fmt.Sprintf("ds%d", i%10), Interval: base.NewInterval(start, start+3600000), Version: "v1",
			Size: int64(1+(i*7919)%100) << 20, LoadSpec: json.RawMessage(`{"type":"local","path":"/x"}`),
			ShardSpec: base.ShardSpec{Type: "numbered", Partitions: &one}}
	}
	return out
}

// benchCluster is 10 historicals in two tiers; with loaded, every segment
// is served where the rules (two replicas in "hot") want it.
func benchCluster(segs []base.DataSegment, loaded bool) ([]serverview.Server, [][]base.DataSegment) {
	servers := make([]serverview.Server, 10)
	served := make([][]base.DataSegment, 10)
	for i := range servers {
		tier := "hot"
		if i >= 8 {
			tier = "cold"
		}
		servers[i] = serverview.Server{Name: fmt.Sprintf("h%02d", i), Tier: tier, MaxSize: 1 << 50, Loader: &parkingLoader{}}
	}
	if loaded {
		for i := range segs {
			served[i%8] = append(served[i%8], segs[i])
			served[(i+1)%8] = append(served[(i+1)%8], segs[i])
		}
	}
	return servers, served
}

var benchRules = map[string][]rules.Rule{metadata.DefaultRulesKey: {{Type: rules.LoadForever, TieredReplicants: map[string]int{"hot": 2}}}}

// benchCycle is one duty cycle without the metadata store read: the
// cluster view, rule application and balancing.
func benchCycle(b *testing.B, loaded bool) {
	segs := benchSegments(100_000)
	servers, served := benchCluster(segs, loaded)
	visible := make([]*base.DataSegment, len(segs))
	for i := range segs {
		visible[i] = &segs[i]
	}
	dyn := DefaultDynamicConfig()
	dyn.ReplicationThrottleLimit = 1 << 30
	dyn.MaxSegmentsInNodeLoadingQueue = 0
	log := slog.New(slog.DiscardHandler)
	b.ReportAllocs()
	for b.Loop() {
		qs := newLoadQueues(log)
		queues := qs.sync(servers)
		cl := newCluster(servers, queues, served, visible, qs)
		st := cl.assign(visible, benchRules, dyn, 0)
		st.moved = cl.balance(dyn)
		if !loaded && st.assigned != 200_000 {
			b.Fatalf("assigned %d", st.assigned)
		}
		if loaded && st.assigned+st.dropped != 0 {
			b.Fatalf("steady state assigned %d dropped %d", st.assigned, st.dropped)
		}
		b.StopTimer()
		qs.closeAll()
		b.StartTimer()
	}
}

// BenchmarkDutyCycleSteady100K: 100K segments, each already served twice
// across 8 of 10 historicals; the cycle assigns and drops nothing (the
// balancer still evens out bytes: up to maxSegmentsToMove moves).
func BenchmarkDutyCycleSteady100K(b *testing.B) { benchCycle(b, true) }

// BenchmarkDutyCycleCold100K: 100K segments, nothing served; the cycle
// queues 200K loads.
func BenchmarkDutyCycleCold100K(b *testing.B) { benchCycle(b, false) }

// BenchmarkDutyRun100K is a whole run: reading 100K used segments from the
// SQLite metadata store, overshadowing, rules and balancing, steady state.
func BenchmarkDutyRun100K(b *testing.B) { benchRun(b, 0) }

// BenchmarkDutyRunCachedPoll100K is a whole run reusing the last poll of
// the used segments, as runs within druid.manager.segments.pollDuration do.
func BenchmarkDutyRunCachedPoll100K(b *testing.B) { benchRun(b, time.Hour) }

func benchRun(b *testing.B, pollEvery time.Duration) {
	if testing.Short() {
		b.Skip("publishes 100K segments")
	}
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	segs := benchSegments(100_000)
	for i := 0; i < len(segs); i += 10_000 {
		if err := store.PublishSegments(ctx, segs[i:i+10_000], metadata.PublishOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	servers, served := benchCluster(segs, true)
	for i := range servers {
		servers[i].Loader.(*parkingLoader).served = served[i]
	}
	log := slog.New(slog.DiscardHandler)
	qs := newLoadQueues(log)
	defer qs.closeAll()
	d := &loadDuty{store: store, servers: fakeServers(servers), log: log, queues: qs,
		rules:   func(context.Context) (map[string][]rules.Rule, error) { return benchRules, nil },
		dynamic: func(context.Context) (DynamicConfig, error) { return DefaultDynamicConfig(), nil },
		now:     func() int64 { return 0 }, pollEvery: pollEvery}
	if _, err := d.run(ctx); err != nil { // the first poll
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		st, err := d.run(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if st.assigned+st.dropped != 0 {
			b.Fatalf("steady state decided %+v", st)
		}
	}
}
