package coordinator

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/timeline"
)

// Schedule statuses of an AutoCompactionSnapshot.
const (
	CompactionRunning    = "RUNNING"
	CompactionNotEnabled = "NOT_ENABLED"
)

// AutoCompactionSnapshot is one datasource's statistics from the latest
// compaction run (Druid's AutoCompactionSnapshot), as the latestStatus
// entries of GET /compaction/status. Bytes, segments and intervals are
// counted three ways: awaiting compaction (eligible, not yet submitted),
// compacted (already compacted with the config, or submitted in this run)
// and skipped (within skipOffsetFromLatest of the newest data, larger than
// inputSegmentSizeBytes, or locked by a running task).
type AutoCompactionSnapshot struct {
	DataSource                      string `json:"dataSource"`
	ScheduleStatus                  string `json:"scheduleStatus"`
	BytesAwaitingCompaction         int64  `json:"bytesAwaitingCompaction"`
	BytesCompacted                  int64  `json:"bytesCompacted"`
	BytesSkipped                    int64  `json:"bytesSkipped"`
	SegmentCountAwaitingCompaction  int64  `json:"segmentCountAwaitingCompaction"`
	SegmentCountCompacted           int64  `json:"segmentCountCompacted"`
	SegmentCountSkipped             int64  `json:"segmentCountSkipped"`
	IntervalCountAwaitingCompaction int64  `json:"intervalCountAwaitingCompaction"`
	IntervalCountCompacted          int64  `json:"intervalCountCompacted"`
	IntervalCountSkipped            int64  `json:"intervalCountSkipped"`
}

// chunkStats are the bytes, segments and distinct segment intervals of a
// set of segments.
type chunkStats struct{ bytes, segments, intervals int64 }

func statsOf(segs []*base.DataSegment) chunkStats {
	st := chunkStats{segments: int64(len(segs))}
	ivs := map[base.Interval]bool{}
	for _, s := range segs {
		st.bytes += s.Size
		ivs[s.Interval] = true
	}
	st.intervals = int64(len(ivs))
	return st
}

func (a *AutoCompactionSnapshot) addAwaiting(s chunkStats) {
	a.BytesAwaitingCompaction += s.bytes
	a.SegmentCountAwaitingCompaction += s.segments
	a.IntervalCountAwaitingCompaction += s.intervals
}

func (a *AutoCompactionSnapshot) addCompacted(s chunkStats) {
	a.BytesCompacted += s.bytes
	a.SegmentCountCompacted += s.segments
	a.IntervalCountCompacted += s.intervals
}

func (a *AutoCompactionSnapshot) addSkipped(s chunkStats) {
	a.BytesSkipped += s.bytes
	a.SegmentCountSkipped += s.segments
	a.IntervalCountSkipped += s.intervals
}

// compactionCandidate is a time chunk of one datasource that needs
// compacting.
type compactionCandidate struct {
	cfg      *DataSourceCompactionConfig
	interval base.Interval // the umbrella interval of segs, aligned to the config's segmentGranularity
	segs     []*base.DataSegment
}

// compactionPlan is what one run found: the candidates, newest first
// across datasources, and per-datasource statistics in which every
// candidate counts as awaiting.
type compactionPlan struct {
	candidates []compactionCandidate
	snapshots  map[string]*AutoCompactionSnapshot
}

// planCompaction walks each configured datasource's visible used segments
// newest first (Druid's newestSegmentFirst policy): chunks within the
// config's skipOffsetFromLatest of the newest segment end, larger than
// inputSegmentSizeBytes or overlapping a busy interval are skipped; chunks
// whose segments already carry the state the config produces are
// compacted; the others are candidates. used holds each datasource's used
// segments; busy the intervals of running compaction tasks and of locks of
// higher-priority tasks.
func planCompaction(configs []DataSourceCompactionConfig, used map[string][]base.DataSegment, busy map[string][]busyInterval) compactionPlan {
	plan := compactionPlan{snapshots: map[string]*AutoCompactionSnapshot{}}
	for i := range configs {
		cfg := &configs[i]
		visible := visibleSegments(used[cfg.DataSource])
		if len(visible) == 0 {
			continue
		}
		snap := &AutoCompactionSnapshot{DataSource: cfg.DataSource, ScheduleStatus: CompactionRunning}
		plan.snapshots[cfg.DataSource] = snap
		var segGran *granularity.Granularity
		if cfg.GranularitySpec != nil {
			segGran = cfg.GranularitySpec.SegmentGranularity
		}
		skipStart := skipStartOf(cfg, visible, segGran)
		matches := map[string]bool{} // lastCompactionState → whether it matches cfg
		for _, ch := range chunksOf(visible, segGran) {
			st := statsOf(ch.segs)
			switch {
			case ch.interval.End > skipStart, st.bytes > cfg.InputSegmentSizeBytes, isBusy(busy[cfg.DataSource], ch.interval, cfg.TaskPriority):
				snap.addSkipped(st)
			case cfg.isCompacted(ch.segs, segGran, matches):
				snap.addCompacted(st)
			default:
				snap.addAwaiting(st)
				plan.candidates = append(plan.candidates, compactionCandidate{cfg: cfg, interval: ch.interval, segs: ch.segs})
			}
		}
	}
	// Newest first across datasources; within a datasource chunksOf
	// already ordered them.
	slices.SortStableFunc(plan.candidates, func(a, b compactionCandidate) int { return cmp.Compare(b.interval.End, a.interval.End) })
	return plan
}

// busyInterval is an interval compaction must leave alone: a running
// compaction task's (priority -1: always busy) or a lock held by a task
// of the given priority.
type busyInterval struct {
	interval base.Interval
	priority int
}

// isBusy reports whether iv overlaps a running compaction task's interval
// or a lock of a task with a higher priority than compaction's.
func isBusy(busy []busyInterval, iv base.Interval, priority int) bool {
	for _, b := range busy {
		if b.interval.Overlaps(iv) && (b.priority < 0 || b.priority > priority) {
			return true
		}
	}
	return false
}

// visibleSegments returns the non-overshadowed, non-tombstone segments.
func visibleSegments(used []base.DataSegment) []*base.DataSegment {
	tl := timeline.New[*base.DataSegment]()
	for i := range used {
		if err := timeline.AddSegment(tl, &used[i], &used[i]); err != nil {
			continue // a malformed shard spec; the load duty reports it
		}
	}
	var out []*base.DataSegment
	for _, s := range tl.NonOvershadowed(base.Eternity) {
		if s.ShardSpec.Type != "tombstone" {
			out = append(out, s)
		}
	}
	return out
}

// skipStartOf is where the skipped tail begins: skipOffsetFromLatest before
// the newest segment end. With a configured segment granularity the end is
// that of the newest bucket and the start is floored to a bucket, as
// Druid's iterator computes it over the re-bucketed timeline (so a zero
// offset skips nothing).
func skipStartOf(cfg *DataSourceCompactionConfig, visible []*base.DataSegment, segGran *granularity.Granularity) int64 {
	latest := base.MinTime
	for _, s := range visible {
		latest = max(latest, s.Interval.End)
	}
	if segGran != nil {
		latest = segGran.Ceil(latest)
	}
	p, err := base.ParsePeriod(cfg.SkipOffsetFromLatest)
	if err != nil {
		return latest
	}
	start := p.Multiply(-1).AddTo(time.UnixMilli(latest).UTC()).UnixMilli()
	if segGran != nil {
		start = segGran.Floor(start)
	}
	return start
}

// chunk is a group of segments compacted together.
type chunk struct {
	interval base.Interval
	segs     []*base.DataSegment
}

// chunksOf groups segments into chunks, newest first: by their intervals
// (segments of one interval share a chunk; overlapping intervals, left by
// partial overshadowing, make separate chunks, as Druid's timeline
// holders), or, with a segment granularity, by the buckets of that
// granularity their intervals span (overlapping spans share a chunk).
func chunksOf(segs []*base.DataSegment, segGran *granularity.Granularity) []chunk {
	sorted := slices.Clone(segs)
	slices.SortFunc(sorted, func(a, b *base.DataSegment) int {
		return cmp.Or(cmp.Compare(a.Interval.Start, b.Interval.Start), cmp.Compare(a.Interval.End, b.Interval.End),
			strings.Compare(a.Version, b.Version), cmp.Compare(a.ShardSpec.PartitionNum, b.ShardSpec.PartitionNum))
	})
	var out []chunk
	for _, s := range sorted {
		iv := s.Interval
		if segGran != nil {
			iv = base.Interval{Start: segGran.Floor(iv.Start), End: segGran.Ceil(iv.End)}
		}
		if n := len(out); n > 0 && (segGran != nil && iv.Start < out[n-1].interval.End || segGran == nil && iv == out[n-1].interval) {
			out[n-1].interval.End = max(out[n-1].interval.End, iv.End)
			out[n-1].segs = append(out[n-1].segs, s)
			continue
		}
		out = append(out, chunk{interval: iv, segs: []*base.DataSegment{s}})
	}
	slices.Reverse(out)
	return out
}

// standardGranularities are the names a chunk's interval is matched
// against to give a compaction task a segmentGranularity when the config
// has none (Druid's GranularityType.fromPeriod).
var standardGranularities = []string{"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "SIX_HOUR", "HOUR",
	"THIRTY_MINUTE", "FIFTEEN_MINUTE", "TEN_MINUTE", "FIVE_MINUTE", "MINUTE", "SECOND"}

// granularityOfInterval is the standard granularity whose bucket iv is,
// or "".
func granularityOfInterval(iv base.Interval) string {
	for _, n := range standardGranularities {
		g, err := granularity.Parse(n)
		if err == nil && g.Bucket(iv.Start) == iv {
			return n
		}
	}
	return ""
}

// compactTask is the compaction task the duty submits (Druid's
// ClientCompactionTaskQuery); null fields are left out.
type compactTask struct {
	Type            string              `json:"type"`
	ID              string              `json:"id"`
	DataSource      string              `json:"dataSource"`
	IOConfig        compactTaskIOConfig `json:"ioConfig"`
	TuningConfig    map[string]any      `json:"tuningConfig,omitempty"`
	GranularitySpec map[string]any      `json:"granularitySpec,omitempty"`
	DimensionsSpec  map[string]any      `json:"dimensionsSpec,omitempty"`
	MetricsSpec     json.RawMessage     `json:"metricsSpec,omitempty"`
	TransformSpec   map[string]any      `json:"transformSpec,omitempty"`
	Context         map[string]any      `json:"context"`
}

type compactTaskIOConfig struct {
	Type         string               `json:"type"`
	InputSpec    compactTaskInputSpec `json:"inputSpec"`
	DropExisting *bool                `json:"dropExisting,omitempty"`
}

type compactTaskInputSpec struct {
	Type     string        `json:"type"`
	Interval base.Interval `json:"interval"`
}

// taskBody is the compaction task for a candidate, with id.
func (cand *compactionCandidate) taskBody(id string) ([]byte, error) {
	cfg := cand.cfg
	t := compactTask{Type: "compact", ID: id, DataSource: cfg.DataSource,
		IOConfig:    compactTaskIOConfig{Type: "compact", InputSpec: compactTaskInputSpec{Type: "interval", Interval: cand.interval}},
		MetricsSpec: cfg.MetricsSpec, Context: map[string]any{}}
	maps.Copy(t.Context, cfg.TaskContext)
	t.Context["storeCompactionState"] = true
	t.Context["priority"] = cfg.TaskPriority
	if cfg.IOConfig != nil {
		t.IOConfig.DropExisting = &cfg.IOConfig.DropExisting
	}
	// tuningConfig: the config's non-null fields, with the partitionsSpec
	// the duty compares states against.
	tc := map[string]any{}
	if cfg.TuningConfig != nil {
		b, err := json.Marshal(cfg.TuningConfig)
		if err != nil {
			return nil, err
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(b, &all); err != nil {
			return nil, err
		}
		for k, v := range all {
			if !isNull(v) {
				tc[k] = v
			}
		}
	}
	tc["type"] = "index_parallel"
	ps := cfg.partitionsSpecOf()
	tc["partitionsSpec"] = json.RawMessage(ps)
	// Druid's compaction derives perfect rollup from the partitionsSpec:
	// hashed and range partitioning need it.
	if p, err := decodePartitionsSpec(ps); err == nil && p.Type != "dynamic" {
		tc["forceGuaranteedRollup"] = true
	}
	if _, ok := tc["appendableIndexSpec"]; !ok && !isNull(cfg.MetricsSpec) {
		// Druid's ClientCompactionTaskQueryTuningConfig.from: with a
		// metricsSpec, metrics the segments already have are combined
		// rather than computed again from their input fields.
		tc["appendableIndexSpec"] = map[string]any{"type": "onheap", "preserveExistingMetrics": true}
	}
	t.TuningConfig = tc
	gs := map[string]any{}
	if g := cfg.GranularitySpec; g != nil {
		if g.SegmentGranularity != nil {
			gs["segmentGranularity"] = g.SegmentGranularity
		}
		if g.QueryGranularity != nil {
			gs["queryGranularity"] = g.QueryGranularity
		}
		if g.Rollup != nil {
			gs["rollup"] = *g.Rollup
		}
	}
	if _, ok := gs["segmentGranularity"]; !ok {
		if n := granularityOfInterval(cand.interval); n != "" && sameInterval(cand.segs) {
			gs["segmentGranularity"] = n
		}
	}
	if len(gs) > 0 {
		t.GranularitySpec = gs
	}
	if cfg.DimensionsSpec != nil {
		t.DimensionsSpec = map[string]any{"dimensions": cfg.DimensionsSpec.Dimensions}
	}
	if cfg.TransformSpec != nil && !isNull(cfg.TransformSpec.Filter) {
		t.TransformSpec = map[string]any{"filter": cfg.TransformSpec.Filter}
	}
	return json.Marshal(t)
}

func sameInterval(segs []*base.DataSegment) bool {
	for _, s := range segs[1:] {
		if s.Interval != segs[0].Interval {
			return false
		}
	}
	return true
}

// compactionTaskID is Druid's id for coordinator-issued compaction tasks:
// coordinator-issued_compact_<dataSource>_<now>_<random>.
func compactionTaskID(dataSource string, now time.Time, rnd *rand.Rand) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	suffix := make([]byte, 8)
	for i := range suffix {
		suffix[i] = letters[rnd.IntN(len(letters))]
	}
	return fmt.Sprintf("coordinator-issued_compact_%s_%s_%s", dataSource, base.FormatTime(now.UnixMilli()), suffix)
}

// slotsOf is how many task slots one compaction task takes: the supervisor
// and its subtasks in parallel mode (maxNumConcurrentSubTasks ≥ 2), else 1.
func slotsOf(tuning json.RawMessage) int {
	var t struct {
		MaxNumConcurrentSubTasks *int            `json:"maxNumConcurrentSubTasks"`
		PartitionsSpec           json.RawMessage `json:"partitionsSpec"`
	}
	if isNull(tuning) || json.Unmarshal(tuning, &t) != nil || t.MaxNumConcurrentSubTasks == nil {
		return 1
	}
	minSub := 2
	if ps, err := decodePartitionsSpec(t.PartitionsSpec); err == nil && (ps.Type == "range" || ps.Type == "single_dim") {
		minSub = 1
	}
	if *t.MaxNumConcurrentSubTasks >= minSub {
		return *t.MaxNumConcurrentSubTasks + 1
	}
	return 1
}

// availableCompactionSlots is Druid's slot formula: capacity is
// min(ratio × total task slots, max); with no compaction task running at
// least one slot is available (unless max is 0, which disables compaction).
func availableCompactionSlots(cc *CompactionConfig, totalSlots, busy int) (capacity, available int) {
	capacity = min(int(min(float64(totalSlots)*cc.CompactionTaskSlotRatio, math.MaxInt32)), cc.MaxCompactionTaskSlots)
	if busy > 0 {
		return capacity, max(0, capacity-busy)
	}
	return capacity, max(1, capacity)
}

// CompactionRunStats is what one run of the compaction duty did.
type CompactionRunStats struct {
	Capacity  int // compaction task slots: min(ratio × total slots, max)
	Available int // slots free at the start of the run
	Submitted int // compaction tasks submitted
}

// RunCompaction runs the compaction duty once: it reads the compaction
// config, the running compaction tasks and locks and the used segments,
// submits compaction tasks for the newest chunks that need them as far as
// the task slots allow, and publishes the statistics behind
// /compaction/status. Runs are serialised; the duty loop calls it every
// indexing period while leading, POST /compaction/compact on demand.
func (c *Coordinator) RunCompaction(ctx context.Context) (CompactionRunStats, error) {
	c.compactRunMu.Lock()
	defer c.compactRunMu.Unlock()
	store, err := c.metadataStore()
	if err != nil {
		return CompactionRunStats{}, err
	}
	cc, err := c.CompactionConfig(ctx)
	if err != nil {
		return CompactionRunStats{}, err
	}
	empty := map[string]*AutoCompactionSnapshot{}
	if cc.MaxCompactionTaskSlots <= 0 || len(cc.CompactionConfigs) == 0 {
		c.compactSnap.Store(&empty)
		return CompactionRunStats{}, nil
	}
	if c.deps.Tasks == nil {
		return CompactionRunStats{}, base.Errorf(base.ClassUnavailable, "compaction: no overlord runs in this process to take compaction tasks")
	}
	busy, busySlots, err := c.busyIntervals(ctx, store)
	if err != nil {
		return CompactionRunStats{}, err
	}
	used := map[string][]base.DataSegment{}
	for _, d := range cc.CompactionConfigs {
		segs, err := store.UsedSegments(ctx, d.DataSource)
		if err != nil {
			return CompactionRunStats{}, err
		}
		used[d.DataSource] = segs
	}
	plan := planCompaction(cc.CompactionConfigs, used, busy)
	var st CompactionRunStats
	st.Capacity, st.Available = availableCompactionSlots(&cc, c.deps.TaskSlots, busySlots)
	taken := 0
	submitted := map[string][]base.Interval{}
	for i := range plan.candidates {
		if taken >= st.Available {
			break
		}
		cand := &plan.candidates[i]
		if slices.ContainsFunc(submitted[cand.cfg.DataSource], cand.interval.Overlaps) {
			continue // overlaps a task of this run: the next run takes it
		}
		c.rndMu.Lock()
		id := compactionTaskID(cand.cfg.DataSource, time.Now(), c.rnd)
		c.rndMu.Unlock()
		body, err := cand.taskBody(id)
		if err != nil {
			return st, base.Errorf(base.ClassInternal, "compaction task of %s %s: %w", cand.cfg.DataSource, cand.interval, err)
		}
		if _, err := c.deps.Tasks.Submit(ctx, body); err != nil {
			c.log.Warn("submitting a compaction task", slog.String("dataSource", cand.cfg.DataSource),
				slog.String("interval", cand.interval.String()), slog.Any("error", err))
			continue
		}
		c.log.Info("submitted a compaction task", slog.String("task", id), slog.String("dataSource", cand.cfg.DataSource),
			slog.String("interval", cand.interval.String()), slog.Int("segments", len(cand.segs)))
		snap := plan.snapshots[cand.cfg.DataSource]
		cs := statsOf(cand.segs)
		snap.addAwaiting(chunkStats{-cs.bytes, -cs.segments, -cs.intervals})
		snap.addCompacted(cs)
		st.Submitted++
		submitted[cand.cfg.DataSource] = append(submitted[cand.cfg.DataSource], cand.interval)
		var tuning json.RawMessage
		if cand.cfg.TuningConfig != nil {
			tuning, _ = json.Marshal(cand.cfg.TuningConfig)
		}
		taken += slotsOf(tuning)
	}
	c.compactSnap.Store(&plan.snapshots)
	return st, nil
}

// busyIntervals returns, per datasource, the intervals of active
// compaction tasks (from their payloads) and of locks held by active
// tasks, and the task slots the active compaction tasks take.
func (c *Coordinator) busyIntervals(ctx context.Context, store *metadata.Store) (map[string][]busyInterval, int, error) {
	active := true
	tasks, err := store.ListTasks(ctx, metadata.TaskFilter{Active: &active, Type: "compact"})
	if err != nil {
		return nil, 0, err
	}
	busy := map[string][]busyInterval{}
	slots := 0
	for _, t := range tasks {
		var p struct {
			DataSource string `json:"dataSource"`
			IOConfig   struct {
				InputSpec struct {
					Interval base.Interval `json:"interval"`
				} `json:"inputSpec"`
				Interval *base.Interval `json:"interval"`
			} `json:"ioConfig"`
			TuningConfig json.RawMessage `json:"tuningConfig"`
		}
		if err := json.Unmarshal(t.Payload, &p); err != nil {
			c.log.Warn("reading an active compaction task's payload", slog.String("task", t.ID), slog.Any("error", err))
			continue
		}
		iv := p.IOConfig.InputSpec.Interval
		if p.IOConfig.Interval != nil {
			iv = *p.IOConfig.Interval
		}
		if iv.IsEmpty() {
			iv = base.Eternity // unknown: keep the whole datasource free
		}
		ds := cmp.Or(p.DataSource, t.DataSource)
		busy[ds] = append(busy[ds], busyInterval{interval: iv, priority: -1})
		slots += slotsOf(p.TuningConfig)
	}
	locks, err := store.ActiveTaskLocks(ctx)
	if err != nil {
		return nil, 0, err
	}
	for _, l := range locks {
		var p struct {
			DataSource string        `json:"dataSource"`
			Interval   base.Interval `json:"interval"`
			Priority   int           `json:"priority"`
		}
		if json.Unmarshal(l.Payload, &p) != nil || p.DataSource == "" {
			continue
		}
		busy[p.DataSource] = append(busy[p.DataSource], busyInterval{interval: p.Interval, priority: p.Priority})
	}
	return busy, slots, nil
}

// compactionSnapshots returns the latest run's statistics (empty before
// the first run).
func (c *Coordinator) compactionSnapshots() map[string]*AutoCompactionSnapshot {
	if p := c.compactSnap.Load(); p != nil {
		return *p
	}
	return map[string]*AutoCompactionSnapshot{}
}
