package task

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/ingest"
	"github.com/dryaddb/dryad/internal/ingest/inputsource"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/segment"
)

// DefaultCompactionPriority is Druid's default lock priority of compaction
// tasks (Tasks.DEFAULT_MERGE_TASK_PRIORITY): an index task revokes a
// compaction task's lock.
const DefaultCompactionPriority = 25

// Druid's messages for a compaction task whose input is not there.
const (
	noSegmentsMsg       = "No segments found for compaction. Please check that datasource name and interval are correct."
	segmentsChangedMsg  = "Specified segments in the spec are different from the current used segments. Possibly new segments would have been added or some segments have been unpublished."
	compactionTaskType  = "compact"
	compactionInputDir  = "compact-input"
	compactionIndexType = "index_parallel"
)

// validateCompaction checks at submission what the engine would reject
// only when running: the metrics' aggregator specs and the filter.
func validateCompaction(c *ingest.CompactionTask) error {
	for i, m := range c.Metrics {
		if _, err := aggregation.Decode(m.Raw); err != nil {
			return base.Errorf(base.ClassInvalidInput, "metricsSpec[%d] %q: %w", i, m.Name, err)
		}
	}
	if c.DimensionsSpec != nil {
		for i, d := range c.DimensionsSpec.Dimensions {
			switch d.ColumnType().Kind {
			case base.KindString, base.KindLong, base.KindFloat, base.KindDouble:
			default:
				return base.Errorf(base.ClassUnsupported, "dimensionsSpec.dimensions[%d]: dimension %q of type %q: dryad segments store only string, long, float and double dimensions", i, d.Name, d.Type)
			}
		}
	}
	if len(c.Filter) > 0 && string(c.Filter) != "null" {
		f, err := filter.Decode(c.Filter, "transformSpec.filter")
		if err != nil {
			return err
		}
		if _, err := filter.Compile(f); err != nil {
			return base.Errorf(base.ClassInvalidInput, "transformSpec.filter: %w", err)
		}
	}
	if c.TuningConfig.AwaitSegmentAvailabilityTimeoutMillis != 0 {
		return base.Errorf(base.ClassInvalidInput, "tuningConfig.awaitSegmentAvailabilityTimeoutMillis: is not supported for compaction tasks (must be 0)")
	}
	return nil
}

// compactionPriority reads context.priority (DefaultCompactionPriority when
// absent).
func compactionPriority(ctx json.RawMessage) int {
	var c struct {
		Priority *int `json:"priority"`
	}
	if len(ctx) > 0 && json.Unmarshal(ctx, &c) == nil && c.Priority != nil {
		return *c.Priority
	}
	return DefaultCompactionPriority
}

// compactionTaskState is the queue entry of a compaction task: it locks its
// whole read interval (EXCLUSIVE) before it runs.
func compactionTaskState(st Status, c *ingest.CompactionTask, payload json.RawMessage) *taskState {
	return &taskState{status: st, compact: c, payload: payload,
		fixed: []base.Interval{compactionReadInterval(c)}, priority: compactionPriority(c.Context),
		prog: &progress{exceptions: ingest.NewParseExceptions(&c.TuningConfig, nil)}}
}

// compactionPayload is the stored payload of a compaction task: the
// submitted JSON with Druid's top-level fields filled in.
func compactionPayload(body []byte, c *ingest.CompactionTask) (json.RawMessage, error) {
	m, err := newTaskPayload(body, "compaction task", c.ID, c.GroupID, c.DataSource)
	if err != nil {
		return nil, err
	}
	if _, ok := m["ioConfig"]; !ok {
		in := map[string]any{"type": "interval", "interval": c.Interval}
		if c.Segments != nil {
			ids := make([]string, len(c.Segments))
			for i, id := range c.Segments {
				ids[i] = id.String()
			}
			in = map[string]any{"type": "segments", "segments": ids}
		}
		// Druid's payload carries the legacy interval / segments as ioConfig.
		m.set("ioConfig", map[string]any{"type": "compact", "inputSpec": in, "dropExisting": c.DropExisting, "allowNonAlignedInterval": c.AllowNonAlignedInterval})
		delete(m, "interval")
		delete(m, "segments")
	}
	m.setDefault("context", map[string]any{})
	return m.encode("compaction task")
}

// submitCompact is Submit for a compaction task.
func (s *Service) submitCompact(ctx context.Context, body []byte) (string, error) {
	c, err := ingest.DecodeCompactionTask(body)
	if err != nil {
		return "", err
	}
	if err := validateCompaction(c); err != nil {
		return "", err
	}
	now := s.nowMs()
	s.mu.Lock()
	if c.ID == "" {
		c.ID = NewID(compactionTaskType, c.DataSource, now, s.rnd)
	}
	s.mu.Unlock()
	if c.GroupID == "" {
		c.GroupID = c.ID
	}
	payload, err := compactionPayload(body, c)
	if err != nil {
		return "", err
	}
	st := Status{ID: c.ID, GroupID: c.GroupID, Type: compactionTaskType, CreatedTime: now, QueueInsertionTime: now,
		StatusCode: StateRunning, RunnerStatusCode: RunnerWaiting, Duration: -1, Location: noLocation,
		DataSource: c.DataSource}
	if err := s.insertTask(ctx, st, payload); err != nil {
		return "", err
	}
	s.mu.Lock()
	s.enqueueLocked(compactionTaskState(st, c, payload))
	s.mu.Unlock()
	s.log.Info("task submitted", "task", c.ID, "dataSource", c.DataSource, "interval", c.Interval.String())
	return c.ID, nil
}

// inputSegment is a segment a compaction task read: its descriptor, the
// local copy and the file's metadata.
type inputSegment struct {
	ds   base.DataSegment
	path string
	meta segment.Metadata
}

// compactionGroup is one re-indexing pass of a compaction task: the
// segments it rewrites, the interval rows are read from and the interval
// its output covers.
type compactionGroup struct {
	segs    []*inputSegment
	read    base.Interval
	output  base.Interval
	segGran granularity.Granularity
}

// runCompact runs a compaction task: it finds the visible segments of its
// input, derives what the spec leaves out from them, and rewrites them
// through the index engine (reading them back with the druid input source),
// one pass per original interval when the segment granularity is kept or
// one pass over the whole input otherwise. Every published segment carries
// the lastCompactionState of its pass.
func runCompact(ctx context.Context, env *engineEnv, c *ingest.CompactionTask) (result, error) {
	var res result
	env.prog.state.Store("BUILD_SEGMENTS")
	readIv := compactionReadInterval(c)
	if c.SegmentGranularity != nil && !c.AllowNonAlignedInterval && readIv != c.Interval {
		return res, base.Errorf(base.ClassInvalidInput, "Interval[%s] to compact is not aligned with segmentGranularity[%s]", c.Interval, c.SegmentGranularity)
	}
	vis, err := lockInput(ctx, env, c, readIv)
	if err != nil {
		return res, err
	}
	if len(vis) == 0 {
		return res, base.Errorf(base.ClassInvalidInput, "%s", noSegmentsMsg)
	}
	if c.Segments != nil {
		want := make([]string, len(c.Segments))
		for i, id := range c.Segments {
			want[i] = id.String()
		}
		got := make([]string, len(vis))
		for i := range vis {
			got[i] = vis[i].ID().String()
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			return res, base.Errorf(base.ClassConflict, "%s", segmentsChangedMsg)
		}
	}
	dir := filepath.Join(env.workDir, compactionInputDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, base.Errorf(base.ClassUnavailable, "compaction input directory %s: %w", dir, err)
	}
	inputs := make([]*inputSegment, 0, len(vis))
	env.pulled = map[string]string{}
	for i, ds := range vis {
		path := filepath.Join(dir, fmt.Sprintf("input-%d.seg", i))
		if err := env.deep.Pull(ctx, ds.LoadSpec, path); err != nil {
			return res, fmt.Errorf("pulling segment %s: %w", ds.ID(), err)
		}
		seg, err := segment.Open(path)
		if err != nil {
			return res, fmt.Errorf("segment %s: %w", ds.ID(), err)
		}
		meta := seg.Metadata()
		_ = seg.Close()
		inputs = append(inputs, &inputSegment{ds: ds, path: path, meta: meta})
		env.pulled[ds.ID().String()] = path
	}
	groups := compactionGroups(c, readIv, inputs)
	env.log.Info("compacting", "dataSource", c.DataSource, "interval", readIv.String(), "segments", len(inputs), "passes", len(groups))
	for _, g := range groups {
		t, state, err := compactionIndexTask(c, g)
		if err != nil {
			return res, err
		}
		env.compactionState = state
		r, err := runIndex(ctx, env, t)
		if err != nil {
			return res, err
		}
		res.segments = append(res.segments, r.segments...)
	}
	return res, nil
}

// compactionReadInterval is the interval a compaction task reads and
// locks before it runs: its input interval, widened to whole buckets of the
// segment granularity when one is given. Druid reads only the input
// interval even when allowNonAlignedInterval lets it write coarser buckets,
// and the new buckets then overshadow rows it never read; dryad reads the
// whole buckets so that nothing stored is lost.
func compactionReadInterval(c *ingest.CompactionTask) base.Interval {
	if c.SegmentGranularity == nil {
		return c.Interval
	}
	g := *c.SegmentGranularity
	return base.Interval{Start: g.Bucket(c.Interval.Start).Start, End: g.Bucket(c.Interval.End - 1).End}
}

// lockInput returns the visible segments overlapping iv after locking the
// umbrella of iv and their intervals: a segment straddling iv is rewritten
// whole, so its whole interval must be locked before it is read. It lists
// again after each new lock, as the set may have changed meanwhile.
func lockInput(ctx context.Context, env *engineEnv, c *ingest.CompactionTask, iv base.Interval) ([]base.DataSegment, error) {
	locked := iv // the queue locked it before the task ran
	for range 4 {
		used, err := env.store.UsedSegments(ctx, c.DataSource, iv)
		if err != nil {
			return nil, fmt.Errorf("compaction task %s: used segments of %s in %s: %w", c.ID, c.DataSource, iv, err)
		}
		vis := visibleSegments(used)
		umbrella := locked
		for _, s := range vis {
			umbrella.Start = min(umbrella.Start, s.Interval.Start)
			umbrella.End = max(umbrella.End, s.Interval.End)
		}
		if umbrella == locked {
			return vis, nil
		}
		if _, err := env.lock(ctx, []base.Interval{umbrella}); err != nil {
			return nil, err
		}
		locked = umbrella
	}
	return nil, base.Errorf(base.ClassConflict, "compaction task %s: the segments of %s around %s kept changing while it locked them", c.ID, c.DataSource, iv)
}

// compactionGroups splits the input into passes. With a segment
// granularity, one pass reads and rewrites the (aligned) read interval;
// segments straddling it keep their rows outside it. Without one, each set
// of overlapping segment intervals is a pass that keeps its interval
// (Druid's behaviour).
func compactionGroups(c *ingest.CompactionTask, readIv base.Interval, inputs []*inputSegment) []compactionGroup {
	if c.SegmentGranularity != nil {
		return []compactionGroup{{segs: inputs, read: readIv, output: readIv, segGran: *c.SegmentGranularity}}
	}
	sorted := slices.Clone(inputs)
	slices.SortFunc(sorted, func(a, b *inputSegment) int {
		return cmp.Or(cmp.Compare(a.ds.Interval.Start, b.ds.Interval.Start), cmp.Compare(a.ds.Interval.End, b.ds.Interval.End))
	})
	var groups []compactionGroup
	for _, in := range sorted {
		if n := len(groups); n > 0 && groups[n-1].output.Overlaps(in.ds.Interval) {
			g := &groups[n-1]
			g.output.End = max(g.output.End, in.ds.Interval.End)
			g.segs = append(g.segs, in)
			continue
		}
		groups = append(groups, compactionGroup{segs: []*inputSegment{in}, output: in.ds.Interval})
	}
	for i := range groups {
		g := &groups[i]
		g.read, g.segGran = g.output, granularityOf(g.output)
	}
	return groups
}

// granularityOf is the standard granularity whose bucket is exactly iv
// (Druid's GranularityType.fromPeriod), or a duration granularity anchored
// at iv's start for an interval no standard granularity buckets.
func granularityOf(iv base.Interval) granularity.Granularity {
	// Druid's GranularityType names, finest first.
	for _, n := range [...]string{"SECOND", "MINUTE", "FIVE_MINUTE", "TEN_MINUTE", "FIFTEEN_MINUTE", "THIRTY_MINUTE",
		"HOUR", "SIX_HOUR", "EIGHT_HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"} {
		g, err := granularity.Parse(n)
		if err == nil && g.Bucket(iv.Start) == iv {
			return g
		}
	}
	start := iv.Start
	g, err := granularity.NewDuration(iv.End-iv.Start, &start)
	if err != nil {
		return granularity.All()
	}
	return g
}

// derivedSchema is what a compaction pass takes from its segments when the
// spec leaves it out.
type derivedSchema struct {
	dims      []ingest.DimensionSchema
	metrics   []ingest.Metric
	queryGran *granularity.Granularity
	rollup    bool
}

// deriveSchema reads the segments' metadata as Druid's compaction does:
// dimensions from the newest segments first (their order and types;
// strings keep the row's value order), each segment's aggregators in their
// combining form merged by name, the finest query granularity, and rollup
// only when every segment was rolled up.
func deriveSchema(segs []*inputSegment) (derivedSchema, error) {
	d := derivedSchema{rollup: true}
	newest := slices.Clone(segs)
	slices.SortStableFunc(newest, func(a, b *inputSegment) int {
		return cmp.Or(cmp.Compare(b.ds.Interval.Start, a.ds.Interval.Start), cmp.Compare(b.ds.Interval.End, a.ds.Interval.End))
	})
	seenDim := map[string]bool{}
	metricIdx := map[string]int{}
	for _, in := range newest {
		m := &in.meta
		d.rollup = d.rollup && m.Rollup
		if len(m.QueryGranularity) > 0 && string(m.QueryGranularity) != "null" {
			var g granularity.Granularity
			if err := g.UnmarshalJSON(m.QueryGranularity); err != nil {
				return d, fmt.Errorf("segment %s: queryGranularity %s: %w", in.ds.ID(), m.QueryGranularity, err)
			}
			if d.queryGran == nil || g.IsFinerThan(*d.queryGran) {
				d.queryGran = &g
			}
		}
		for _, dim := range m.Dimensions {
			if seenDim[dim.Name] {
				continue
			}
			seenDim[dim.Name] = true
			ds := ingest.DimensionSchema{Name: dim.Name, Type: ingest.DimString, MultiValueHandling: ingest.Array, CreateBitmapIndex: true}
			switch dim.Type.Kind {
			case base.KindLong:
				ds.Type, ds.MultiValueHandling, ds.CreateBitmapIndex = ingest.DimLong, ingest.SortedArray, false
			case base.KindFloat:
				ds.Type, ds.MultiValueHandling, ds.CreateBitmapIndex = ingest.DimFloat, ingest.SortedArray, false
			case base.KindDouble:
				ds.Type, ds.MultiValueHandling, ds.CreateBitmapIndex = ingest.DimDouble, ingest.SortedArray, false
			}
			d.dims = append(d.dims, ds)
		}
		for _, met := range m.Metrics {
			if len(met.Aggregator) == 0 {
				return d, base.Errorf(base.ClassInvalidInput, "segment %s stores no aggregator for metric %q; give the compaction task a metricsSpec", in.ds.ID(), met.Name)
			}
			f, err := aggregation.Decode(met.Aggregator)
			if err != nil {
				return d, fmt.Errorf("segment %s: metric %q: %w", in.ds.ID(), met.Name, err)
			}
			raw, err := f.Combining().MarshalJSON()
			if err != nil {
				return d, base.Errorf(base.ClassInternal, "segment %s: metric %q: %w", in.ds.ID(), met.Name, err)
			}
			if i, ok := metricIdx[met.Name]; ok {
				if !bytes.Equal(d.metrics[i].Raw, raw) {
					return d, base.Errorf(base.ClassInvalidInput, "cannot merge the aggregators of metric %q (%s and %s); give the compaction task a metricsSpec", met.Name, d.metrics[i].Raw, raw)
				}
				continue
			}
			metricIdx[met.Name] = len(d.metrics)
			d.metrics = append(d.metrics, ingest.Metric{Type: f.Combining().TypeName(), Name: met.Name, Inputs: f.Combining().InputFields(), Raw: raw})
		}
	}
	// A dimension name that is also a metric (possible only across
	// inconsistent segments) stays a metric.
	d.dims = slices.DeleteFunc(d.dims, func(ds ingest.DimensionSchema) bool { _, ok := metricIdx[ds.Name]; return ok })
	return d, nil
}

// compactionIndexTask builds the index_parallel task of one pass (reading
// the pass's segments through the druid input source) and the
// lastCompactionState its segments carry.
func compactionIndexTask(c *ingest.CompactionTask, g compactionGroup) (*ingest.Task, json.RawMessage, error) {
	d, err := deriveSchema(g.segs)
	if err != nil {
		return nil, nil, err
	}
	ts, err := ingest.NewTimestampSpec(base.TimeColumn, "millis", nil)
	if err != nil {
		return nil, nil, base.Errorf(base.ClassInternal, "compaction timestampSpec: %w", err)
	}
	t := &ingest.Task{Type: compactionIndexType, ID: c.ID, GroupID: c.GroupID, Context: c.Context}
	ds := &t.Spec.DataSchema
	ds.DataSource = c.DataSource
	ds.TimestampSpec = ts
	ds.DimensionsSpec = ingest.DimensionsSpec{Dimensions: d.dims, ForceSegmentSortByTime: true}
	if c.DimensionsSpec != nil {
		ds.DimensionsSpec = *c.DimensionsSpec
	}
	ds.Metrics = d.metrics
	if c.Metrics != nil {
		ds.Metrics = c.Metrics
		if c.DimensionsSpec == nil {
			// A stored column the spec aggregates as a metric is not also
			// kept as a dimension.
			ds.DimensionsSpec.Dimensions = slices.DeleteFunc(ds.DimensionsSpec.Dimensions, func(dim ingest.DimensionSchema) bool {
				return slices.ContainsFunc(c.Metrics, func(m ingest.Metric) bool { return m.Name == dim.Name })
			})
		}
	}
	for _, m := range ds.Metrics {
		for _, dim := range ds.DimensionsSpec.Dimensions {
			if dim.Name == m.Name {
				return nil, nil, base.Errorf(base.ClassInvalidInput, "dimensionsSpec: %q is a metric of the segments being compacted; give a metricsSpec without it or drop the dimension", m.Name)
			}
		}
	}
	qg := granularity.None()
	if d.queryGran != nil {
		qg = *d.queryGran
	}
	if c.QueryGranularity != nil {
		qg = *c.QueryGranularity
	}
	rollup := d.rollup
	if c.Rollup != nil {
		rollup = *c.Rollup
	}
	ds.GranularitySpec = ingest.GranularitySpec{Type: "uniform", SegmentGranularity: g.segGran, QueryGranularity: qg,
		Rollup: rollup, Intervals: []base.Interval{g.output}}
	ds.TransformSpec = ingest.TransformSpec{Filter: c.Filter}
	t.Spec.IOConfig = ingest.IOConfig{Type: compactionIndexType, DropExisting: c.DropExisting,
		InputSource: &inputsource.Druid{DataSource: c.DataSource, Interval: g.read}}
	t.Spec.TuningConfig = c.TuningConfig
	state, err := compactionState(t)
	if err != nil {
		return nil, nil, err
	}
	return t, state, nil
}

// compactionState is Druid's CompactionState of the segments a pass
// publishes: {"partitionsSpec","dimensionsSpec","metricsSpec",
// "transformSpec","indexSpec","granularitySpec"}, the shape the
// coordinator's auto-compaction compares with its configuration.
func compactionState(t *ingest.Task) (json.RawMessage, error) {
	ds := &t.Spec.DataSchema
	dims := make([]map[string]any, len(ds.DimensionsSpec.Dimensions))
	for i, d := range ds.DimensionsSpec.Dimensions {
		// Druid's numeric dimension schemas never have bitmap indexes.
		dims[i] = map[string]any{"type": d.Type, "name": d.Name, "multiValueHandling": strings.ToUpper(d.MultiValueHandling),
			"createBitmapIndex": d.CreateBitmapIndex && d.Type == ingest.DimString}
	}
	metrics := make([]json.RawMessage, len(ds.Metrics))
	for i, m := range ds.Metrics {
		metrics[i] = m.Raw
	}
	var transform any
	if len(ds.TransformSpec.Filter) > 0 && string(ds.TransformSpec.Filter) != "null" {
		transform = map[string]any{"filter": ds.TransformSpec.Filter}
	}
	indexSpec := any(defaultIndexSpec())
	if len(t.Spec.TuningConfig.IndexSpec) > 0 {
		indexSpec = t.Spec.TuningConfig.IndexSpec
	}
	gs := &ds.GranularitySpec
	intervals := make([]string, len(gs.Intervals))
	for i, iv := range gs.Intervals {
		intervals[i] = iv.String()
	}
	state := map[string]any{
		"partitionsSpec": partitionsSpecJSON(t.Spec.TuningConfig.PartitionsSpec),
		"dimensionsSpec": map[string]any{"dimensions": dims, "dimensionExclusions": []string{},
			"includeAllDimensions": false, "useSchemaDiscovery": false},
		"metricsSpec":   metrics,
		"transformSpec": transform,
		"indexSpec":     indexSpec,
		"granularitySpec": map[string]any{"type": "uniform", "segmentGranularity": gs.SegmentGranularity,
			"queryGranularity": gs.QueryGranularity, "rollup": gs.Rollup, "intervals": intervals},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(state); err != nil {
		return nil, base.Errorf(base.ClassInternal, "compaction state: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// defaultIndexSpec is the indexSpec Druid reports when none is given.
func defaultIndexSpec() map[string]any {
	return map[string]any{"bitmap": map[string]any{"type": "roaring"}, "dimensionCompression": "lz4",
		"stringDictionaryEncoding": map[string]any{"type": "utf8"}, "metricCompression": "lz4", "longEncoding": "longs"}
}
