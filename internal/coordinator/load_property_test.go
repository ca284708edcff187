package coordinator

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/rules"
	"github.com/dryaddb/dryad/internal/serverview"
	"pgregory.net/rapid"
)

// TestAssignProperties applies random load rules to random segments over
// random servers until the duty settles, then checks the invariants: the
// wanted replicas per tier (capped by the servers with room), never a
// server over its maxSize, nothing served that no rule wants, and tiers
// balanced so that no single move could even them further.
func TestAssignProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tiers := []string{"a", "b"}
		nServers := rapid.IntRange(1, 5).Draw(t, "servers")
		var servers []serverview.Server
		var loaders []*fakeLoader
		for i := range nServers {
			l := &fakeLoader{segs: map[base.SegmentID]base.DataSegment{}}
			loaders = append(loaders, l)
			servers = append(servers, serverview.Server{Name: fmt.Sprintf("s%d", i), Tier: rapid.SampledFrom(tiers).Draw(t, "tier"),
				MaxSize: rapid.SampledFrom([]int64{0, 500, 2000}).Draw(t, "maxSize"), Loader: l})
		}
		nSegs := rapid.IntRange(0, 30).Draw(t, "segments")
		segs := make([]base.DataSegment, nSegs)
		visible := make([]*base.DataSegment, nSegs)
		for i := range segs {
			segs[i] = daySegment("w", int64(i), "v1", rapid.Int64Range(0, 300).Draw(t, "size"))
			visible[i] = &segs[i]
		}
		want := map[string]int{}
		for _, tier := range tiers {
			if n := rapid.IntRange(0, 3).Draw(t, "replicas"); n > 0 {
				want[tier] = n
			}
		}
		all := map[string][]rules.Rule{metadata.DefaultRulesKey: {{Type: rules.LoadForever, TieredReplicants: want}}}
		dyn := DefaultDynamicConfig()
		dyn.MaxSegmentsToMove = rapid.IntRange(0, 5).Draw(t, "maxSegmentsToMove")
		qs := newLoadQueues(slog.New(slog.DiscardHandler))
		defer qs.closeAll()

		settled := false
		for range 200 {
			served := make([][]base.DataSegment, len(servers))
			for i, l := range loaders {
				served[i], _ = l.Served(context.Background())
			}
			cl := newCluster(servers, qs.sync(servers), served, visible, qs)
			st := cl.assign(visible, all, dyn, 0)
			st.moved = cl.balance(dyn)
			for !qs.idle() {
				time.Sleep(100 * time.Microsecond)
			}
			if st.assigned+st.dropped+st.moved == 0 {
				settled = true
				break
			}
		}
		if !settled {
			t.Fatal("the duty did not settle in 200 runs")
		}
		bytes := make([]int64, len(servers))
		for i, l := range loaders {
			for _, s := range l.segs {
				bytes[i] += s.Size
			}
			if m := servers[i].MaxSize; m > 0 && bytes[i] > m {
				t.Fatalf("server %s holds %d bytes over its maxSize %d", servers[i].Name, bytes[i], m)
			}
		}
		if dyn.MaxSegmentsToMove > 0 {
			for _, tier := range tiers {
				hi, lo := -1, -1
				weight := func(i int) int64 { return bytes[i] + int64(len(loaders[i].segs)) }
				for i, s := range servers {
					if s.Tier != tier {
						continue
					}
					if hi < 0 || weight(i) > weight(hi) {
						hi = i
					}
					if lo < 0 || weight(i) < weight(lo) {
						lo = i
					}
				}
				if hi < 0 || hi == lo {
					continue
				}
				d := weight(hi) - weight(lo)
				for id, seg := range loaders[hi].segs {
					_, held := loaders[lo].segs[id]
					fits := servers[lo].MaxSize == 0 || bytes[lo]+seg.Size <= servers[lo].MaxSize
					if !held && fits && seg.Size+1 < d {
						t.Fatalf("tier %s unbalanced: moving %s (%d bytes) from %s to %s would even it (difference %d)",
							tier, id, seg.Size, servers[hi].Name, servers[lo].Name, d)
					}
				}
			}
		}
		for _, seg := range segs {
			id := seg.ID()
			for _, tier := range tiers {
				holding, room := 0, 0
				for i, s := range servers {
					if s.Tier != tier {
						continue
					}
					if _, ok := loaders[i].segs[id]; ok {
						holding++
					} else if s.MaxSize == 0 || bytes[i]+seg.Size <= s.MaxSize {
						room++
					}
				}
				if holding > want[tier] {
					t.Fatalf("segment %s: %d replicas in tier %s, want %d", id, holding, tier, want[tier])
				}
				if holding < want[tier] && room > 0 {
					t.Fatalf("segment %s: %d replicas in tier %s, want %d, and %d servers have room", id, holding, tier, want[tier], room)
				}
			}
		}
	})
}
