package coordinator

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/serverview"
	"github.com/dryaddb/dryad/internal/timeline"
)

// DataServers is the registry of data servers the load duty assigns
// segments to: serverview.Local in one process.
type DataServers interface {
	Servers() []serverview.Server
}

// defaultTier is Druid's default historical tier.
const defaultTier = "_default_tier"

// defaultRules is Druid's "_default" rule when the metadata store holds
// none: load forever, two replicants in the default tier.
var defaultRules = []rule{{Type: "loadForever", TieredReplicants: map[string]int{defaultTier: 2}}}

// rule is one retention rule, as Druid's rule JSON.
type rule struct {
	Type             string         `json:"type"`
	TieredReplicants map[string]int `json:"tieredReplicants"`
	Interval         *base.Interval `json:"interval"`
}

// appliesTo reports whether the rule governs seg, as Druid's rules: the
// forever rules always; loadByInterval when its interval overlaps the
// segment's, dropByInterval when it contains it. Other rule types are
// base.ClassUnsupported.
func (r rule) appliesTo(seg *base.DataSegment) (bool, error) {
	switch r.Type {
	case "loadForever", "dropForever":
		return true, nil
	case "loadByInterval":
		return r.Interval != nil && r.Interval.Overlaps(seg.Interval), nil
	case "dropByInterval":
		return r.Interval != nil && r.Interval.ContainsInterval(seg.Interval), nil
	}
	return false, base.Errorf(base.ClassUnsupported, "retention rule type %q is not supported yet", r.Type)
}

// loadDuty assigns used segments to data servers and drops the rest; it
// also marks overshadowed segments unused. It runs from the coordinator's
// duty loop, one run at a time.
type loadDuty struct {
	store   *metadata.Store
	servers DataServers
	log     *slog.Logger
	// maxInFlight bounds concurrent load calls.
	maxInFlight int
}

// run is one pass: poll used segments, mark the overshadowed ones unused,
// then per segment apply the first matching rule and load or drop replicas.
func (d *loadDuty) run(ctx context.Context) error {
	used, err := d.store.AllUsedSegments(ctx)
	if err != nil {
		return err
	}
	servers := d.servers.Servers()
	served := map[string]map[base.SegmentID]bool{} // server → served ids
	loadedAnywhere := map[base.SegmentID]bool{}
	for _, s := range servers {
		segs, err := s.Loader.Served(ctx)
		if err != nil {
			d.log.Warn("listing served segments", slog.String("server", s.Name), slog.Any("error", err))
			continue
		}
		m := make(map[base.SegmentID]bool, len(segs))
		for _, seg := range segs {
			m[seg.ID()] = true
			loadedAnywhere[seg.ID()] = true
		}
		served[s.Name] = m
	}

	// Overshadowed segments: those no longer visible among the used segments
	// once their overshadowing sets are loaded (Druid's
	// MarkOvershadowedSegmentsAsUnused).
	byDS := map[string][]base.DataSegment{}
	for _, seg := range used {
		byDS[seg.DataSource] = append(byDS[seg.DataSource], seg)
	}
	overshadowed := map[base.SegmentID]bool{}
	for ds, segs := range byDS {
		tl := timeline.New[*base.DataSegment]()
		for i := range segs {
			if loadedAnywhere[segs[i].ID()] || isTombstone(&segs[i]) {
				if err := timeline.AddSegment(tl, &segs[i], &segs[i]); err != nil {
					d.log.Warn("segment not added to the timeline", slog.String("segment", segs[i].ID().String()), slog.Any("error", err))
				}
			}
		}
		var ids []base.SegmentID
		for i := range segs {
			s := &segs[i]
			if tl.IsOvershadowed(s.Interval, s.Version, s.ShardSpec.PartitionNum) {
				ids = append(ids, s.ID())
				overshadowed[s.ID()] = true
			}
		}
		if len(ids) > 0 {
			n, err := d.store.MarkUnused(ctx, ds, ids)
			if err != nil {
				return err
			}
			d.log.Info("marked overshadowed segments unused", slog.String("dataSource", ds), slog.Int("segments", n))
		}
	}

	rules, err := d.rules(ctx)
	if err != nil {
		return err
	}
	// want: server → segments it should serve.
	want := map[string]map[base.SegmentID]bool{}
	for _, s := range servers {
		want[s.Name] = map[base.SegmentID]bool{}
	}
	count := func(s serverview.Server) int { return len(served[s.Name]) + len(want[s.Name]) }
	type load struct {
		server serverview.Server
		seg    base.DataSegment
	}
	var loads []load
	for _, seg := range used {
		id := seg.ID()
		if overshadowed[id] || isTombstone(&seg) {
			continue
		}
		replicants, err := d.replicants(rules, &seg)
		if err != nil {
			// Keep whatever serves the segment now rather than drop data
			// over a rule this build cannot apply.
			d.log.Warn("applying retention rules", slog.String("segment", id.String()), slog.Any("error", err))
			for _, s := range servers {
				if served[s.Name][id] {
					want[s.Name][id] = true
				}
			}
			continue
		}
		for _, tier := range slices.Sorted(maps.Keys(replicants)) {
			n := replicants[tier]
			var holders, others []serverview.Server
			for _, s := range servers {
				if s.Tier != tier {
					continue
				}
				if served[s.Name][id] {
					holders = append(holders, s)
				} else {
					others = append(others, s)
				}
			}
			for i, s := range holders {
				if i < n {
					want[s.Name][id] = true
				}
			}
			sort.SliceStable(others, func(i, j int) bool { return count(others[i]) < count(others[j]) })
			for i := 0; i < n-len(holders) && i < len(others); i++ {
				want[others[i].Name][id] = true
				loads = append(loads, load{others[i], seg})
			}
		}
	}

	sem := make(chan struct{}, max(1, d.maxInFlight))
	var wg sync.WaitGroup
	for _, l := range loads {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := l.server.Loader.Load(ctx, l.seg); err != nil {
				d.log.Warn("loading segment", slog.String("server", l.server.Name), slog.String("segment", l.seg.ID().String()), slog.Any("error", err))
			}
		}()
	}
	wg.Wait()
	for _, s := range servers {
		for id := range served[s.Name] {
			if !want[s.Name][id] {
				if err := s.Loader.Drop(ctx, id); err != nil {
					d.log.Warn("dropping segment", slog.String("server", s.Name), slog.String("segment", id.String()), slog.Any("error", err))
				}
			}
		}
	}
	return nil
}

func isTombstone(seg *base.DataSegment) bool { return seg.ShardSpec.Type == "tombstone" }

// rules reads every datasource's rules and the "_default" ones.
func (d *loadDuty) rules(ctx context.Context) (map[string][]rule, error) {
	raw, err := d.store.AllRules(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]rule{}
	for ds, r := range raw {
		var rs []rule
		if err := json.Unmarshal(r, &rs); err != nil {
			d.log.Warn("ignoring malformed retention rules", slog.String("dataSource", ds), slog.Any("error", err))
			continue
		}
		out[ds] = rs
	}
	if _, ok := out[metadata.DefaultRulesKey]; !ok {
		out[metadata.DefaultRulesKey] = defaultRules
	}
	return out, nil
}

// replicants applies the first matching rule of the segment's datasource,
// then of "_default": the replicas wanted per tier (none when a drop rule
// or no rule matches).
func (d *loadDuty) replicants(rules map[string][]rule, seg *base.DataSegment) (map[string]int, error) {
	for _, rs := range [][]rule{rules[seg.DataSource], rules[metadata.DefaultRulesKey]} {
		for _, r := range rs {
			ok, err := r.appliesTo(seg)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			if r.Type == "dropForever" || r.Type == "dropByInterval" {
				return nil, nil
			}
			if r.TieredReplicants == nil {
				return map[string]int{defaultTier: 2}, nil
			}
			return r.TieredReplicants, nil
		}
	}
	return nil, nil
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
			if err := c.duty.run(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("segment load duty", slog.Any("error", err))
			}
			c.log.Debug("segment load duty ran", slog.Duration("took", time.Since(start)))
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

// loadStatus computes, per datasource, the used (non-overshadowed,
// non-tombstone) segments and how many of them some server serves.
func (c *Coordinator) loadStatus(ctx context.Context) (map[string][2]int, error) {
	if c.deps.Metadata == nil {
		return map[string][2]int{}, nil
	}
	used, err := c.deps.Metadata.AllUsedSegments(ctx)
	if err != nil {
		return nil, err
	}
	loaded := map[base.SegmentID]bool{}
	if c.deps.Servers != nil {
		for _, s := range c.deps.Servers.Servers() {
			segs, err := s.Loader.Served(ctx)
			if err != nil {
				continue
			}
			for _, seg := range segs {
				loaded[seg.ID()] = true
			}
		}
	}
	byDS := map[string][]base.DataSegment{}
	for _, seg := range used {
		byDS[seg.DataSource] = append(byDS[seg.DataSource], seg)
	}
	out := map[string][2]int{}
	for ds, segs := range byDS {
		tl := timeline.New[*base.DataSegment]()
		for i := range segs {
			timeline.AddSegment(tl, &segs[i], &segs[i])
		}
		var st [2]int
		for i := range segs {
			s := &segs[i]
			if isTombstone(s) || tl.IsOvershadowed(s.Interval, s.Version, s.ShardSpec.PartitionNum) {
				continue
			}
			st[0]++
			if loaded[s.ID()] {
				st[1]++
			}
		}
		out[ds] = st
	}
	return out, nil
}
