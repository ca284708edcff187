package coordinator

import (
	"context"
	"net/http"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/rules"
	"github.com/dryaddb/dryad/internal/timeline"
)

// dsLoad is the load state of one datasource.
type dsLoad struct {
	total, loaded int // segments to load, and those served somewhere
	// left is the replicas still to load per tier: wanted by the matching
	// load rule (capped at the tier's servers when counted with the cluster
	// view) minus those served.
	left, leftClusterView map[string]int
}

// loadStatus computes, per datasource, the used segments that should be
// served (not overshadowed, not tombstones, and not governed by a drop
// rule: Druid requires no replica of those) and how many of them some
// server serves, and the replicas still to load per tier.
func (c *Coordinator) loadStatus(ctx context.Context) (map[string]*dsLoad, error) {
	out := map[string]*dsLoad{}
	if c.deps.Metadata == nil {
		return out, nil
	}
	used, err := c.deps.Metadata.AllUsedSegments(ctx)
	if err != nil {
		return nil, err
	}
	all, err := c.currentRules(ctx, c.deps.Metadata)
	if err != nil {
		return nil, err
	}
	inv := c.inventory(ctx)
	serversPerTier := map[string]int{}
	for _, s := range inv.servers {
		serversPerTier[s.Tier]++
	}
	now := base.Millis(time.Now())
	byDS := map[string][]base.DataSegment{}
	for _, seg := range used {
		byDS[seg.DataSource] = append(byDS[seg.DataSource], seg)
	}
	for ds, segs := range byDS {
		tl := timeline.New[*base.DataSegment]()
		for i := range segs {
			_ = timeline.AddSegment(tl, &segs[i], &segs[i]) // stored segments have non-empty intervals
		}
		m := rules.At(now, all[ds], all[metadata.DefaultRulesKey])
		st := &dsLoad{left: map[string]int{}, leftClusterView: map[string]int{}}
		for i := range segs {
			s := &segs[i]
			if isTombstone(s) || tl.IsOvershadowed(s.Interval, s.Version, s.ShardSpec.PartitionNum) {
				continue
			}
			r, ok := m.Match(s.Interval)
			if ok && r.Kind() == rules.Drop {
				continue
			}
			st.total++
			e := inv.byID[s.ID()]
			if e != nil {
				st.loaded++
			}
			if !ok || r.Kind() != rules.Load {
				continue
			}
			loaded := map[string]int{}
			if e != nil {
				for _, srv := range e.servers {
					loaded[srv.Tier]++
				}
			}
			for tier, want := range r.TieredReplicants {
				st.left[tier] += max(0, want-loaded[tier])
				st.leftClusterView[tier] += max(0, min(want, serversPerTier[tier])-loaded[tier])
			}
		}
		out[ds] = st
	}
	return out, nil
}

// serveLoadStatus is GET /druid/coordinator/v1/loadstatus: per datasource
// the percentage of its segments to load that some server serves; with
// ?simple the number of those not served anywhere; with ?full, per tier and
// datasource, the replicas the load rules want that are not served yet
// (with computeUsingClusterView, a tier's wanted replicas are capped at its
// number of servers). Segments governed by a drop rule are not counted.
func (c *Coordinator) serveLoadStatus(w http.ResponseWriter, r *http.Request) {
	st, err := c.loadStatus(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	p := r.URL.Query()
	switch {
	case p.Has("simple"):
		out := map[string]int{}
		for ds, s := range st {
			out[ds] = s.total - s.loaded
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
	case p.Has("full"):
		out := map[string]map[string]int{}
		for ds, s := range st {
			left := s.left
			if p.Has("computeUsingClusterView") {
				left = s.leftClusterView
			}
			for tier, n := range left {
				if out[tier] == nil {
					out[tier] = map[string]int{}
				}
				out[tier][ds] = n
			}
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
	default:
		out := map[string]float64{}
		for ds, s := range st {
			pct := 100.0
			if s.total > 0 {
				pct = 100 * float64(s.loaded) / float64(s.total)
			}
			out[ds] = pct
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
	}
}
