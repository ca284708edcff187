package coordinator

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync/atomic"
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

// cacheInitializer is a data server that restores a local segment cache
// when it starts (historical.Historical); until it has, what it serves is
// incomplete.
type cacheInitializer interface {
	CacheInitialized() bool
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
	// pollEvery is how long a poll of the used segments is reused
	// (druid.manager.segments.pollDuration); 0 polls on every run.
	pollEvery time.Duration
	// repoll asks the next run to poll whatever the age of the last poll
	// (set by Nudge).
	repoll atomic.Bool

	// The last poll of the used segments, owned by run.
	used   []base.DataSegment
	polled time.Time
}

// usedSegments returns the used segments: the last poll when younger than
// pollEvery and no re-poll was asked for, else a new one.
func (d *loadDuty) usedSegments(ctx context.Context) ([]base.DataSegment, error) {
	if d.used != nil && !d.repoll.Swap(false) && time.Since(d.polled) < d.pollEvery {
		return d.used, nil
	}
	polled := time.Now()
	used, err := d.store.AllUsedSegments(ctx)
	if err != nil {
		return nil, err
	}
	if used == nil {
		used = []base.DataSegment{}
	}
	d.used, d.polled = used, polled
	return used, nil
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
	used, err := d.usedSegments(ctx)
	if err != nil {
		return dutyStats{}, err
	}
	servers := d.servers.Servers()
	for _, s := range servers {
		if ci, ok := s.Loader.(cacheInitializer); ok && !ci.CacheInitialized() {
			// Its served list is still partial: segments it is about to
			// announce would look unreplicated and be loaded elsewhere.
			d.log.Debug("segment duty waits for a data server to restore its cache", slog.String("server", s.Name))
			return dutyStats{}, nil
		}
	}
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
	cl := newCluster(servers, queues, served, visible, d.queues)
	cl.decommission(dyn.DecommissioningNodes)
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
		if !mixedVersions(segs) {
			for _, s := range segs {
				if !isTombstone(s) {
					visible = append(visible, s)
				}
			}
			continue
		}
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
			d.repoll.Store(true) // the cached poll still lists them
		}
	}
	return visible, nil
}

// mixedVersions reports whether segments of different versions have
// overlapping intervals: only then can one overshadow another. It sorts
// segs by start.
func mixedVersions(segs []*base.DataSegment) bool {
	slices.SortFunc(segs, func(a, b *base.DataSegment) int { return cmp.Compare(a.Interval.Start, b.Interval.Start) })
	var end int64
	var version string
	for i, s := range segs {
		if i > 0 && s.Interval.Start < end {
			if s.Version != version {
				return true
			}
			end = max(end, s.Interval.End)
			continue
		}
		end, version = s.Interval.End, s.Version
	}
	return false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isTombstone(seg *base.DataSegment) bool { return seg.ShardSpec.Type == "tombstone" }

// holder is one data server as the duty sees it during a run: what it
// serves and what it will serve once its load queue is done. Segments are
// named by their index in the cluster.
type holder struct {
	srv    serverview.Server
	q      *loadQueue
	loaded []bool  // served now, by segment index
	served []int32 // the indexes of the segments served now
	// has is the projected state: loaded, plus pending loads, minus
	// pending drops and segments being moved away.
	has     []bool
	count   int   // segments in has
	bytes   int64 // projected bytes
	pending int   // pending requests
	moving  int   // pending balancing loads onto this server
	// decommissioning servers (dynamic config decommissioningNodes) get no
	// new segments and give theirs up once they are replicated elsewhere.
	decommissioning bool
}

// weight is what balancing evens out: projected bytes plus one per segment
// (so that segments of unknown, zero size balance by count).
func (h *holder) weight() int64 { return h.bytes + int64(h.count) }

// fits reports whether the server has room for size more bytes
// (druid.server.maxSize; 0 is unbounded).
func (h *holder) fits(size int64) bool { return h.srv.MaxSize <= 0 || h.bytes+size <= h.srv.MaxSize }

// cluster is the duty's view of every data server during one run. Every
// segment it knows (used, served or queued) has a dense index, so that the
// per-server state is a few flat slices rather than maps keyed by id.
type cluster struct {
	holders []*holder
	byTier  map[string][]*holder
	queues  *loadQueues
	index   map[base.SegmentID]int32
	segs    []*base.DataSegment
}

// decommission marks the named servers as decommissioning and takes them
// out of their tier's servers for placement and balancing.
func (cl *cluster) decommission(names []string) {
	if len(names) == 0 {
		return
	}
	for tier, hs := range cl.byTier {
		cl.byTier[tier] = slices.DeleteFunc(slices.Clone(hs), func(h *holder) bool {
			h.decommissioning = slices.Contains(names, h.srv.Name)
			return h.decommissioning
		})
	}
}

// intern returns the index of seg, adding it when new.
func (cl *cluster) intern(seg *base.DataSegment) int32 {
	id := seg.ID()
	if i, ok := cl.index[id]; ok {
		return i
	}
	i := int32(len(cl.segs))
	cl.index[id] = i
	cl.segs = append(cl.segs, seg)
	return i
}

func newCluster(servers []serverview.Server, queues []*loadQueue, served [][]base.DataSegment, visible []*base.DataSegment, all *loadQueues) *cluster {
	n := len(visible)
	for _, segs := range served {
		n = max(n, len(segs))
	}
	cl := &cluster{byTier: map[string][]*holder{}, queues: all, index: make(map[base.SegmentID]int32, n), segs: make([]*base.DataSegment, 0, n)}
	for _, seg := range visible {
		cl.intern(seg)
	}
	snaps := make([]queueSnapshot, len(servers))
	movingAway := map[string][]int32{} // source server → segments moving off it
	for i, q := range queues {
		snaps[i] = q.snapshot()
		for j := range snaps[i].loads {
			seg := &snaps[i].loads[j]
			if from := snaps[i].movingFrom[seg.ID()]; from != "" {
				movingAway[from] = append(movingAway[from], cl.intern(seg))
			}
		}
	}
	loads, drops := make([][]int32, len(servers)), make([][]int32, len(servers))
	for i, s := range servers {
		h := &holder{srv: s, q: queues[i], served: make([]int32, 0, len(served[i]))}
		for j := range served[i] {
			h.served = append(h.served, cl.intern(&served[i][j]))
		}
		sn := snaps[i]
		for j := range sn.loads {
			loads[i] = append(loads[i], cl.intern(&sn.loads[j]))
			if sn.movingFrom[sn.loads[j].ID()] != "" {
				h.moving++
			}
		}
		for j := range sn.drops {
			drops[i] = append(drops[i], cl.intern(&sn.drops[j]))
		}
		h.pending = len(loads[i]) + len(drops[i])
		cl.holders = append(cl.holders, h)
		cl.byTier[s.Tier] = append(cl.byTier[s.Tier], h)
	}
	// The projected states, now that every segment has its index.
	total := len(cl.segs)
	for i, h := range cl.holders {
		h.loaded, h.has = make([]bool, total), make([]bool, total)
		for _, x := range h.served {
			h.loaded[x] = true
			h.has[x] = true
		}
		for _, x := range loads[i] {
			h.has[x] = true
		}
		for _, x := range drops[i] {
			h.has[x] = false
		}
		for _, x := range movingAway[h.srv.Name] {
			h.has[x] = false
		}
		for x, ok := range h.has {
			if ok {
				h.count++
				h.bytes += cl.segs[x].Size
			}
		}
	}
	return cl
}

// load queues segment x on h; moveFrom, when set, is dropped once h loaded
// it.
func (cl *cluster) load(h *holder, x int32, moveFrom *holder) bool {
	seg := cl.segs[x]
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
	h.has[x] = true
	h.count++
	h.bytes += seg.Size
	h.pending++
	if moveFrom != nil {
		h.moving++
		moveFrom.has[x] = false
		moveFrom.count--
		moveFrom.bytes -= seg.Size
	}
	return true
}

// drop queues the removal of segment x from h.
func (cl *cluster) drop(h *holder, x int32) bool {
	seg := cl.segs[x]
	if !h.q.enqueue(&request{seg: *seg, drop: true}) {
		return false
	}
	h.has[x] = false
	h.count--
	h.bytes -= seg.Size
	h.pending++
	return true
}

// assign applies the rules to every visible used segment, newest first,
// and drops every served segment that is not visible and used.
func (cl *cluster) assign(visible []*base.DataSegment, all map[string][]rules.Rule, dyn DynamicConfig, now int64) dutyStats {
	var st dutyStats
	order := make([]int32, len(visible))
	for i, seg := range visible {
		order[i] = cl.index[seg.ID()]
	}
	slices.SortFunc(order, func(a, b int32) int {
		x, y := cl.segs[a], cl.segs[b]
		if c := cmp.Compare(y.Interval.End, x.Interval.End); c != 0 {
			return c
		}
		return cmp.Compare(y.Interval.Start, x.Interval.Start)
	})
	matchers := map[string]*rules.Matcher{}
	budget := map[string]int{} // replicas (beyond a segment's first) still allowed per tier
	for tier := range cl.byTier {
		budget[tier] = dyn.ReplicationThrottleLimit
	}
	var tiers []string // the tiers of the current load rule, sorted
	queueFull := func(h *holder) bool {
		return dyn.MaxSegmentsInNodeLoadingQueue > 0 && h.pending >= dyn.MaxSegmentsInNodeLoadingQueue
	}
	wanted := make([]bool, len(cl.segs))
	var hold []*holder
	for _, x := range order {
		seg := cl.segs[x]
		wanted[x] = true
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
				if h.has[x] && cl.drop(h, x) {
					st.dropped++
				}
			}
		case rules.Broadcast:
			for _, h := range cl.holders {
				if !h.has[x] && !h.decommissioning && h.fits(seg.Size) && !queueFull(h) && cl.load(h, x, nil) {
					st.assigned++
				}
			}
		case rules.Load:
			want := r.TieredReplicants
			tiers = tiers[:0]
			for t := range want {
				tiers = append(tiers, t)
			}
			slices.Sort(tiers)
			anywhere := false
			for _, h := range cl.holders {
				if h.has[x] {
					anywhere = true
					break
				}
			}
			complete := true // every wanted tier has its replicas loaded
			for _, tier := range tiers {
				n := want[tier]
				hs := cl.byTier[tier]
				var holding, loaded int
				for _, h := range hs {
					if h.has[x] {
						holding++
						if h.loaded[x] {
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
						if h.has[x] || !h.fits(seg.Size) || queueFull(h) {
							continue
						}
						if dst == nil || h.weight() < dst.weight() || h.weight() == dst.weight() && h.srv.Name < dst.srv.Name {
							dst = h
						}
					}
					if dst == nil || !cl.load(dst, x, nil) {
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
					hold = hold[:0]
					for _, h := range hs {
						if h.has[x] {
							hold = append(hold, h)
						}
					}
					slices.SortFunc(hold, func(a, b *holder) int {
						if c := cmp.Compare(b2i(a.loaded[x]), b2i(b.loaded[x])); c != 0 {
							return c
						}
						return cmp.Compare(b.bytes, a.bytes)
					})
					for _, h := range hold[:holding-n] {
						if cl.drop(h, x) {
							st.dropped++
						}
					}
				}
			}
			if !complete {
				continue
			}
			// Fully replicated where wanted: replicas in other tiers and on
			// decommissioning servers go.
			for _, h := range cl.holders {
				if (want[h.srv.Tier] == 0 || h.decommissioning) && h.has[x] && cl.drop(h, x) {
					st.dropped++
				}
			}
		}
	}
	// Served segments that are unused, overshadowed or unknown.
	for _, h := range cl.holders {
		for _, x := range h.served {
			if !wanted[x] && h.has[x] && cl.drop(h, x) {
				st.dropped++
			}
		}
	}
	return st
}

// loop runs the segment duty every period and whenever nudged, and the
// compaction duty every indexing period, while leading, until ctx ends;
// the first runs wait for startDelay unless nudged.
func (c *Coordinator) loop(ctx context.Context) {
	delay := c.cfg.StartDelay
	period := c.cfg.Period
	if period <= 0 {
		period = time.Minute
	}
	indexing := c.cfg.IndexingPeriod
	if indexing <= 0 {
		indexing = 30 * time.Minute
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	compactTimer := time.NewTimer(delay)
	defer compactTimer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-compactTimer.C:
			if c.leading.Load() && c.deps.Metadata != nil && c.deps.Tasks != nil {
				st, err := c.RunCompaction(ctx)
				if err != nil && ctx.Err() == nil {
					c.log.Warn("compaction duty", slog.Any("error", err))
				}
				c.log.Debug("compaction duty ran", slog.Int("submitted", st.Submitted), slog.Int("availableSlots", st.Available))
			}
			compactTimer.Reset(indexing)
			continue
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
// period; that run polls the used segments afresh. It never blocks; nudges
// while a run is pending coalesce.
func (c *Coordinator) Nudge() {
	if c.duty != nil {
		c.duty.repoll.Store(true)
	}
	select {
	case c.nudge <- struct{}{}:
	default:
	}
}
