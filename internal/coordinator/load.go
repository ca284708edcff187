package coordinator

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/rules"
	"github.com/dryaddb/dryad/internal/serverview"
	"github.com/dryaddb/dryad/internal/timeline"
)

// DataServers is the registry of data servers the load duty assigns
// segments to: serverview.Local in one process.
type DataServers interface {
	Servers() []serverview.Server
}

// loadDuty assigns used segments to data servers by the retention rules,
// drops what no rule wants, balances each tier and marks overshadowed
// segments unused. It runs from the coordinator's duty loop, one run at a
// time; the loads and drops it decides are carried out by the servers'
// load queues, in the background.
type loadDuty struct {
	store   *metadata.Store
	servers DataServers
	log     *slog.Logger
	queues  *loadQueues
	// rules returns every datasource's rules and "_default".
	rules func(ctx context.Context) (map[string][]rules.Rule, error)
	// dynamic returns the dynamic configuration.
	dynamic func(ctx context.Context) (DynamicConfig, error)
	now     func() int64 // ms
}

// dutyStats counts what one run decided.
type dutyStats struct {
	assigned, dropped, moved int
	unmatched                int // segments no rule matched
}

// run is one pass: poll used segments and the servers, mark the
// overshadowed segments unused, apply the rules and balance.
func (d *loadDuty) run(ctx context.Context) (dutyStats, error) {
	dyn, err := d.dynamic(ctx)
	if err != nil {
		d.log.Warn("reading the coordinator dynamic config; using what was read over the defaults", slog.Any("error", err))
	}
	if dyn.PauseCoordination {
		return dutyStats{}, nil
	}
	used, err := d.store.AllUsedSegments(ctx)
	if err != nil {
		return dutyStats{}, err
	}
	servers := d.servers.Servers()
	queues := d.queues.sync(servers)
	served := make([][]base.DataSegment, len(servers))
	for i, s := range servers {
		segs, err := s.Loader.Served(ctx)
		if err != nil {
			d.log.Warn("listing served segments", slog.String("server", s.Name), slog.Any("error", err))
			continue
		}
		served[i] = segs
	}
	visible, err := d.markOvershadowed(ctx, used, served)
	if err != nil {
		return dutyStats{}, err
	}
	rs, err := d.rules(ctx)
	if err != nil {
		return dutyStats{}, err
	}
	cl := newCluster(servers, queues, served, d.queues)
	st := cl.assign(visible, rs, dyn, d.now())
	st.moved = cl.balance(dyn)
	if st.unmatched > 0 {
		d.log.Warn("no retention rule matches some used segments; they keep their current replicas", slog.Int("segments", st.unmatched))
	}
	return st, nil
}

// markOvershadowed marks unused the used segments overshadowed by segments
// some server serves (Druid's MarkOvershadowedSegmentsAsUnused) and returns
// the others, tombstones left out.
func (d *loadDuty) markOvershadowed(ctx context.Context, used []base.DataSegment, served [][]base.DataSegment) ([]*base.DataSegment, error) {
	loadedAnywhere := map[base.SegmentID]bool{}
	for _, segs := range served {
		for i := range segs {
			loadedAnywhere[segs[i].ID()] = true
		}
	}
	byDS := map[string][]*base.DataSegment{}
	for i := range used {
		byDS[used[i].DataSource] = append(byDS[used[i].DataSource], &used[i])
	}
	visible := make([]*base.DataSegment, 0, len(used))
	for _, ds := range slices.Sorted(maps.Keys(byDS)) {
		segs := byDS[ds]
		tl := timeline.New[*base.DataSegment]()
		for _, s := range segs {
			if loadedAnywhere[s.ID()] || isTombstone(s) {
				if err := timeline.AddSegment(tl, s, s); err != nil {
					d.log.Warn("segment not added to the timeline", slog.String("segment", s.ID().String()), slog.Any("error", err))
				}
			}
		}
		var ids []base.SegmentID
		for _, s := range segs {
			switch {
			case tl.IsOvershadowed(s.Interval, s.Version, s.ShardSpec.PartitionNum):
				ids = append(ids, s.ID())
			case !isTombstone(s):
				visible = append(visible, s)
			}
		}
		if len(ids) > 0 {
			n, err := d.store.MarkUnused(ctx, ds, ids)
			if err != nil {
				return nil, err
			}
			d.log.Info("marked overshadowed segments unused", slog.String("dataSource", ds), slog.Int("segments", n))
		}
	}
	return visible, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isTombstone(seg *base.DataSegment) bool { return seg.ShardSpec.Type == "tombstone" }

// holder is one data server as the duty sees it during a run: what it
// serves and what it will serve once its load queue is done.
type holder struct {
	srv    serverview.Server
	q      *loadQueue
	loaded map[base.SegmentID]*base.DataSegment // served now
	// segs is the projected state: loaded, plus pending loads, minus
	// pending drops and segments being moved away.
	segs    map[base.SegmentID]bool
	bytes   int64 // projected bytes
	pending int   // pending requests
	moving  int   // pending balancing loads onto this server
}

// weight is what balancing evens out: projected bytes plus one per segment
// (so that segments of unknown, zero size balance by count).
func (h *holder) weight() int64 { return h.bytes + int64(len(h.segs)) }

// fits reports whether the server has room for size more bytes
// (druid.server.maxSize; 0 is unbounded).
func (h *holder) fits(size int64) bool { return h.srv.MaxSize <= 0 || h.bytes+size <= h.srv.MaxSize }

// cluster is the duty's view of every data server during one run.
type cluster struct {
	holders []*holder
	byTier  map[string][]*holder
	queues  *loadQueues
}

func newCluster(servers []serverview.Server, queues []*loadQueue, served [][]base.DataSegment, all *loadQueues) *cluster {
	cl := &cluster{byTier: map[string][]*holder{}, queues: all}
	snaps := make([]queueSnapshot, len(servers))
	movingAway := map[string][]base.SegmentID{} // source server → segments moving off it
	for i, q := range queues {
		snaps[i] = q.snapshot()
		for id, from := range snaps[i].movingFrom {
			movingAway[from] = append(movingAway[from], id)
		}
	}
	for i, s := range servers {
		h := &holder{srv: s, q: queues[i], loaded: make(map[base.SegmentID]*base.DataSegment, len(served[i])),
			segs: make(map[base.SegmentID]bool, len(served[i]))}
		sizes := map[base.SegmentID]int64{}
		for j := range served[i] {
			seg := &served[i][j]
			id := seg.ID()
			h.loaded[id], h.segs[id], sizes[id] = seg, true, seg.Size
		}
		sn := snaps[i]
		for _, seg := range sn.loads {
			h.segs[seg.ID()], sizes[seg.ID()] = true, seg.Size
			if sn.movingFrom[seg.ID()] != "" {
				h.moving++
			}
		}
		for _, seg := range sn.drops {
			delete(h.segs, seg.ID())
		}
		for _, id := range movingAway[s.Name] {
			delete(h.segs, id)
		}
		for id := range h.segs {
			h.bytes += sizes[id]
		}
		h.pending = len(sn.loads) + len(sn.drops)
		cl.holders = append(cl.holders, h)
		cl.byTier[s.Tier] = append(cl.byTier[s.Tier], h)
	}
	return cl
}

// load queues seg on h; moveFrom, when set, is dropped once h loaded it.
func (cl *cluster) load(h *holder, seg *base.DataSegment, moveFrom *holder) bool {
	r := &request{seg: *seg}
	if moveFrom != nil {
		r.moveFrom = moveFrom.srv.Name
		queues, src := cl.queues, moveFrom.srv.Name
		r.then = func(err error) {
			if err != nil {
				return
			}
			if q := queues.get(src); q != nil {
				q.enqueue(&request{seg: r.seg, drop: true})
			}
		}
	}
	if !h.q.enqueue(r) {
		return false
	}
	id := seg.ID()
	h.segs[id] = true
	h.bytes += seg.Size
	h.pending++
	if moveFrom != nil {
		h.moving++
		delete(moveFrom.segs, id)
		moveFrom.bytes -= seg.Size
	}
	return true
}

// drop queues the removal of seg from h.
func (cl *cluster) drop(h *holder, seg *base.DataSegment) bool {
	if !h.q.enqueue(&request{seg: *seg, drop: true}) {
		return false
	}
	delete(h.segs, seg.ID())
	h.bytes -= seg.Size
	h.pending++
	return true
}

// assign applies the rules to every visible used segment, newest first,
// and drops every served segment that is not visible and used.
func (cl *cluster) assign(visible []*base.DataSegment, all map[string][]rules.Rule, dyn DynamicConfig, now int64) dutyStats {
	var st dutyStats
	slices.SortFunc(visible, func(a, b *base.DataSegment) int {
		if c := cmp.Compare(b.Interval.End, a.Interval.End); c != 0 {
			return c
		}
		return cmp.Compare(b.Interval.Start, a.Interval.Start)
	})
	matchers := map[string]*rules.Matcher{}
	budget := map[string]int{} // replicas (beyond a segment's first) still allowed per tier
	for tier := range cl.byTier {
		budget[tier] = dyn.ReplicationThrottleLimit
	}
	queueFull := func(h *holder) bool {
		return dyn.MaxSegmentsInNodeLoadingQueue > 0 && h.pending >= dyn.MaxSegmentsInNodeLoadingQueue
	}
	wanted := make(map[base.SegmentID]bool, len(visible))
	for _, seg := range visible {
		id := seg.ID()
		wanted[id] = true
		m := matchers[seg.DataSource]
		if m == nil {
			m = rules.At(now, all[seg.DataSource], all[metadata.DefaultRulesKey])
			matchers[seg.DataSource] = m
		}
		r, ok := m.Match(seg.Interval)
		if !ok {
			st.unmatched++
			continue
		}
		switch r.Kind() {
		case rules.Drop:
			for _, h := range cl.holders {
				if h.segs[id] && cl.drop(h, seg) {
					st.dropped++
				}
			}
		case rules.Broadcast:
			for _, h := range cl.holders {
				if !h.segs[id] && h.fits(seg.Size) && !queueFull(h) && cl.load(h, seg, nil) {
					st.assigned++
				}
			}
		case rules.Load:
			want := r.TieredReplicants
			anywhere := false
			for _, h := range cl.holders {
				if h.segs[id] {
					anywhere = true
					break
				}
			}
			complete := true // every wanted tier has its replicas loaded
			for _, tier := range slices.Sorted(maps.Keys(want)) {
				n := want[tier]
				hs := cl.byTier[tier]
				var holding, loaded int
				for _, h := range hs {
					if h.segs[id] {
						holding++
						if h.loaded[id] != nil {
							loaded++
						}
					}
				}
				if loaded < min(n, len(hs)) {
					complete = false
				}
				for holding < n {
					primary := !anywhere
					if !primary && budget[tier] <= 0 {
						break
					}
					var dst *holder
					for _, h := range hs {
						if h.segs[id] || !h.fits(seg.Size) || queueFull(h) {
							continue
						}
						if dst == nil || h.weight() < dst.weight() || h.weight() == dst.weight() && h.srv.Name < dst.srv.Name {
							dst = h
						}
					}
					if dst == nil || !cl.load(dst, seg, nil) {
						break
					}
					st.assigned++
					holding++
					anywhere = true
					if !primary {
						budget[tier]--
					}
				}
				if holding > n {
					// Drop the extra replicas: pending loads first, then the
					// fullest servers.
					var hold []*holder
					for _, h := range hs {
						if h.segs[id] {
							hold = append(hold, h)
						}
					}
					slices.SortFunc(hold, func(a, b *holder) int {
						if c := cmp.Compare(b2i(a.loaded[id] != nil), b2i(b.loaded[id] != nil)); c != 0 {
							return c
						}
						return cmp.Compare(b.bytes, a.bytes)
					})
					for _, h := range hold[:holding-n] {
						if cl.drop(h, seg) {
							st.dropped++
						}
					}
				}
			}
			if !complete {
				continue
			}
			// Fully replicated where wanted: replicas in other tiers go.
			for _, h := range cl.holders {
				if want[h.srv.Tier] == 0 && h.segs[id] && cl.drop(h, seg) {
					st.dropped++
				}
			}
		}
	}
	// Served segments that are unused, overshadowed or unknown.
	for _, h := range cl.holders {
		for id, seg := range h.loaded {
			if !wanted[id] && h.segs[id] && cl.drop(h, seg) {
				st.dropped++
			}
		}
	}
	return st
}

// loop runs the duty every period and whenever nudged, while leading, until
// ctx ends; the first run waits for startDelay unless nudged.
func (c *Coordinator) loop(ctx context.Context) {
	delay := c.cfg.StartDelay
	period := c.cfg.Period
	if period <= 0 {
		period = time.Minute
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-c.nudge:
		}
		if c.leading.Load() && c.duty != nil {
			start := time.Now()
			st, err := c.duty.run(ctx)
			if err != nil && ctx.Err() == nil {
				c.log.Warn("segment load duty", slog.Any("error", err))
			}
			c.log.Debug("segment load duty ran", slog.Duration("took", time.Since(start)),
				slog.Int("assigned", st.assigned), slog.Int("dropped", st.dropped), slog.Int("moved", st.moved))
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(period)
	}
}

// Nudge asks the coordinator to run its segment duties now (for example
// right after segments were published) instead of waiting for the next
// period. It never blocks; nudges while a run is pending coalesce.
func (c *Coordinator) Nudge() {
	select {
	case c.nudge <- struct{}{}:
	default:
	}
}
