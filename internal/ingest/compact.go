package ingest

import (
	"encoding/json"
	"math"
	"slices"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// CompactionTask is a decoded native compaction task ("type": "compact"):
// it rewrites the segments of DataSource in Interval (or exactly the
// listed Segments) into new segments of a newer version. Fields left nil
// are derived from the segments when the task runs, as Druid does.
type CompactionTask struct {
	ID         string
	GroupID    string
	DataSource string
	// Interval is the input interval: ioConfig.inputSpec.interval (or the
	// legacy top-level interval), or the umbrella interval of Segments.
	Interval base.Interval
	// Segments are the ids of a "segments" input spec; nil for an
	// "interval" one.
	Segments []base.SegmentID
	// DropExisting replaces the whole input interval: chunks left without
	// data get tombstones.
	DropExisting            bool
	AllowNonAlignedInterval bool
	// DimensionsSpec is nil when the dimensions are derived from the
	// segments.
	DimensionsSpec *DimensionsSpec
	// Metrics is nil when the metrics are derived from the segments (an
	// empty, non-nil slice means no metrics).
	Metrics []Metric
	// Filter is transformSpec.filter (nil when absent).
	Filter json.RawMessage
	// SegmentGranularity, QueryGranularity and Rollup are nil when derived:
	// the segments' own intervals, their finest query granularity, and
	// rollup only if every segment was rolled up.
	SegmentGranularity *granularity.Granularity
	QueryGranularity   *granularity.Granularity
	Rollup             *bool
	// TuningConfig is decoded as an index_parallel tuningConfig.
	TuningConfig TuningConfig
	// Context is the raw task context (nil when absent).
	Context json.RawMessage
}

// DecodeCompactionTask decodes and validates a compaction task. Errors are
// base.ClassInvalidInput naming the JSON path of the offending field, or
// base.ClassUnsupported for Druid features dryad does not have. Unknown
// fields are ignored, as Druid's JSON mapper ignores them.
func DecodeCompactionTask(data []byte) (*CompactionTask, error) {
	root, err := specjson.ParseDocument(data)
	if err != nil {
		return nil, err
	}
	typ, err := root.RequiredString("type")
	if err != nil {
		return nil, err
	}
	if typ != "compact" {
		return nil, specjson.Errorf("type", "expected \"compact\", got %q", typ)
	}
	c := &CompactionTask{}
	if c.ID, err = root.String("id", ""); err != nil {
		return nil, err
	}
	if c.GroupID, err = root.String("groupId", ""); err != nil {
		return nil, err
	}
	if c.DataSource, err = root.RequiredString("dataSource"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.DataSource) == "" {
		return nil, specjson.Errorf("dataSource", "must not be empty")
	}
	if err := validateDataSourceName(c.DataSource); err != nil {
		return nil, specjson.Errorf("dataSource", "%w", err)
	}
	if raw := root.Raw("context"); raw != nil {
		if _, err := specjson.Parse(raw, "context"); err != nil {
			return nil, err
		}
		c.Context = raw
	}
	if err := decodeCompactionInput(c, root); err != nil {
		return nil, err
	}
	if err := decodeCompactionSchema(c, root); err != nil {
		return nil, err
	}
	if err := decodeCompactionGranularity(c, root); err != nil {
		return nil, err
	}
	if err := decodeCompactionTuning(c, root); err != nil {
		return nil, err
	}
	if raw := root.Raw("projections"); raw != nil && specjson.Kind(raw) == "array" && string(raw) != "[]" {
		return nil, base.Errorf(base.ClassUnsupported, "projections: aggregate projections are not supported")
	}
	if r, ok, err := root.Object("compactionRunner"); err != nil {
		return nil, err
	} else if ok {
		rt, err := r.Type("native")
		if err != nil {
			return nil, err
		}
		if rt != "native" {
			return nil, base.Errorf(base.ClassUnsupported, "compactionRunner.type: %q is not supported (supported: native)", rt)
		}
	}
	return c, nil
}

// decodeCompactionInput reads ioConfig or the legacy interval / segments.
func decodeCompactionInput(c *CompactionTask, root specjson.Object) error {
	given := 0
	for _, k := range []string{"ioConfig", "interval", "segments"} {
		if root.Has(k) {
			given++
		}
	}
	if given != 1 {
		return specjson.Errorf("ioConfig", "exactly one of ioConfig, interval and segments must be set, got %d", given)
	}
	if root.Has("interval") {
		s, err := root.RequiredString("interval")
		if err != nil {
			return err
		}
		c.Interval, err = parseCompactionInterval(s, "interval")
		return err
	}
	if root.Has("segments") {
		elems, err := root.Array("segments")
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(elems))
		for i, e := range elems {
			p := specjson.Index("segments", i)
			var id string
			switch specjson.Kind(e) {
			case "string":
				_ = json.Unmarshal(e, &id)
			case "object":
				// Druid's legacy field holds full DataSegment objects.
				var ds base.DataSegment
				if err := json.Unmarshal(e, &ds); err != nil {
					return specjson.Errorf(p, "%w", err)
				}
				id = ds.ID().String()
			default:
				return specjson.Errorf(p, "expected a segment id or segment object, got %s", specjson.Kind(e))
			}
			ids = append(ids, id)
		}
		return setCompactionSegments(c, ids, "segments")
	}
	io, err := root.RequiredObject("ioConfig")
	if err != nil {
		return err
	}
	if t, err := io.Type("compact"); err != nil {
		return err
	} else if t != "compact" {
		return specjson.Errorf(io.At("type"), "expected \"compact\", got %q", t)
	}
	in, err := io.RequiredObject("inputSpec")
	if err != nil {
		return err
	}
	it, err := in.RequiredString("type")
	if err != nil {
		return err
	}
	switch it {
	case "interval":
		s, err := in.RequiredString("interval")
		if err != nil {
			return err
		}
		if c.Interval, err = parseCompactionInterval(s, in.At("interval")); err != nil {
			return err
		}
		if sha, err := in.String("sha256OfSortedSegmentIds", ""); err != nil {
			return err
		} else if sha != "" {
			return base.Errorf(base.ClassUnsupported, "%s: checking the input segments by hash is not supported; use a segments inputSpec", in.At("sha256OfSortedSegmentIds"))
		}
	case "segments":
		ids, err := in.Strings("segments")
		if err != nil {
			return err
		}
		if err := setCompactionSegments(c, ids, in.At("segments")); err != nil {
			return err
		}
	case "uncompacted":
		return base.Errorf(base.ClassUnsupported, "%s: minor compaction (inputSpec type \"uncompacted\") is not supported (supported: interval, segments)", in.At("type"))
	default:
		return specjson.Errorf(in.At("type"), "unknown inputSpec type %q (supported: interval, segments)", it)
	}
	if c.DropExisting, err = io.Bool("dropExisting", false); err != nil {
		return err
	}
	if c.AllowNonAlignedInterval, err = io.Bool("allowNonAlignedInterval", false); err != nil {
		return err
	}
	return nil
}

func parseCompactionInterval(s, path string) (base.Interval, error) {
	iv, err := base.ParseInterval(s, nil)
	if err != nil {
		return iv, specjson.Errorf(path, "%w", err)
	}
	if iv.Start >= iv.End {
		return iv, specjson.Errorf(path, "interval %q is empty", s)
	}
	return iv, nil
}

func setCompactionSegments(c *CompactionTask, ids []string, path string) error {
	if len(ids) == 0 {
		return specjson.Errorf(path, "must list at least one segment")
	}
	for i, s := range ids {
		id, err := base.ParseSegmentID(c.DataSource, s)
		if err != nil {
			return specjson.Errorf(specjson.Index(path, i), "segment id %q of dataSource %q: %w", s, c.DataSource, err)
		}
		if slices.Contains(c.Segments, id) {
			return specjson.Errorf(specjson.Index(path, i), "segment %q is listed more than once", s)
		}
		c.Segments = append(c.Segments, id)
	}
	c.Interval = c.Segments[0].Interval
	for _, id := range c.Segments[1:] {
		c.Interval.Start = min(c.Interval.Start, id.Interval.Start)
		c.Interval.End = max(c.Interval.End, id.Interval.End)
	}
	return nil
}

// decodeCompactionSchema reads dimensionsSpec (or the legacy dimensions),
// metricsSpec and transformSpec.
func decodeCompactionSchema(c *CompactionTask, root specjson.Object) error {
	key := "dimensionsSpec"
	if !root.Has(key) && root.Has("dimensions") {
		key = "dimensions"
	}
	if d, ok, err := root.Object(key); err != nil {
		return err
	} else if ok {
		c.DimensionsSpec = &DimensionsSpec{}
		if err := decodeDimensionsSpec(c.DimensionsSpec, d, true); err != nil {
			return err
		}
		for i, dim := range c.DimensionsSpec.Dimensions {
			if dim.Name == base.TimeColumn {
				return specjson.Errorf(specjson.Index(d.At("dimensions"), i), "__time cannot be a dimension")
			}
		}
	}
	if root.Has("metricsSpec") {
		metrics, err := root.Array("metricsSpec")
		if err != nil {
			return err
		}
		c.Metrics = []Metric{}
		seen := map[string]bool{}
		for i, m := range metrics {
			mt, err := decodeMetric(m, specjson.Index("metricsSpec", i))
			if err != nil {
				return err
			}
			if seen[mt.Name] {
				return specjson.Errorf(specjson.Index("metricsSpec", i), "metric %q is defined more than once", mt.Name)
			}
			seen[mt.Name] = true
			c.Metrics = append(c.Metrics, mt)
		}
	}
	if c.DimensionsSpec != nil && c.Metrics != nil {
		for _, m := range c.Metrics {
			if slices.ContainsFunc(c.DimensionsSpec.Dimensions, func(d DimensionSchema) bool { return d.Name == m.Name }) {
				return specjson.Errorf("metricsSpec", "column %q is both a dimension and a metric", m.Name)
			}
		}
	}
	if t, ok, err := root.Object("transformSpec"); err != nil {
		return err
	} else if ok {
		if tr, err := t.Array("transforms"); err != nil {
			return err
		} else if len(tr) > 0 {
			return specjson.Errorf(t.At("transforms"), "compaction tasks take only a filter in transformSpec, not transforms")
		}
		if raw := t.Raw("filter"); raw != nil {
			if _, err := specjson.Parse(raw, t.At("filter")); err != nil {
				return err
			}
			c.Filter = raw
		}
	}
	return nil
}

// decodeCompactionGranularity reads granularitySpec and the legacy
// top-level segmentGranularity, which must agree when both are given.
func decodeCompactionGranularity(c *CompactionTask, root specjson.Object) error {
	parse := func(raw json.RawMessage, path string) (*granularity.Granularity, error) {
		var g granularity.Granularity
		if err := g.UnmarshalJSON(raw); err != nil {
			return nil, specjson.Errorf(path, "%w", err)
		}
		return &g, nil
	}
	if g, ok, err := root.Object("granularitySpec"); err != nil {
		return err
	} else if ok {
		if raw := g.Raw("segmentGranularity"); raw != nil {
			if c.SegmentGranularity, err = parse(raw, g.At("segmentGranularity")); err != nil {
				return err
			}
			if c.SegmentGranularity.IsNone() {
				return specjson.Errorf(g.At("segmentGranularity"), "segmentGranularity cannot be NONE")
			}
		}
		if raw := g.Raw("queryGranularity"); raw != nil {
			if c.QueryGranularity, err = parse(raw, g.At("queryGranularity")); err != nil {
				return err
			}
		}
		if g.Has("rollup") {
			r, err := g.Bool("rollup", true)
			if err != nil {
				return err
			}
			c.Rollup = &r
		}
	}
	if raw := root.Raw("segmentGranularity"); raw != nil {
		legacy, err := parse(raw, "segmentGranularity")
		if err != nil {
			return err
		}
		if legacy.IsNone() {
			return specjson.Errorf("segmentGranularity", "segmentGranularity cannot be NONE")
		}
		if c.SegmentGranularity != nil && !c.SegmentGranularity.Equal(*legacy) {
			return specjson.Errorf("segmentGranularity", "Conflicting segment granularities found %s(segmentGranularity) and %s(granularitySpec.segmentGranularity). Remove `segmentGranularity` and set the `granularitySpec.segmentGranularity` to the expected granularity", legacy, c.SegmentGranularity)
		}
		c.SegmentGranularity = legacy
	}
	if c.SegmentGranularity != nil && c.QueryGranularity != nil && c.SegmentGranularity.IsFinerThan(*c.QueryGranularity) {
		return specjson.Errorf("granularitySpec.queryGranularity", "queryGranularity %s cannot be coarser than segmentGranularity %s", c.QueryGranularity, c.SegmentGranularity)
	}
	return nil
}

// decodeCompactionTuning reads tuningConfig, which may be Druid's
// "index_parallel", "index" or "compaction" type; all decode as
// index_parallel.
func decodeCompactionTuning(c *CompactionTask, root specjson.Object) error {
	tc, ok, err := root.Object("tuningConfig")
	if err != nil {
		return err
	}
	typ := "index_parallel"
	if ok {
		if typ, err = tc.Type("index_parallel"); err != nil {
			return err
		}
		switch typ {
		case "index_parallel", "index", "compaction":
		default:
			return specjson.Errorf(tc.At("type"), "unknown tuningConfig type %q (supported: index_parallel, index, compaction)", typ)
		}
	}
	if err := decodeTuningConfig(&c.TuningConfig, tc, ok, typ); err != nil {
		return err
	}
	c.TuningConfig.Type = "index_parallel"
	if ps := &c.TuningConfig.PartitionsSpec; ps.Type == "dynamic" && (ps.MaxTotalRows <= 0 || !dynamicMaxTotalRowsGiven(tc)) {
		// Druid's compaction task has no maxTotalRows limit unless one is
		// given (Long.MAX_VALUE), so that it never cuts a chunk into
		// segments smaller than maxRowsPerSegment.
		ps.MaxTotalRows = math.MaxInt64
	}
	return validateSpec(&Spec{TuningConfig: c.TuningConfig}, root, "index_parallel")
}

// dynamicMaxTotalRowsGiven reports whether a compaction tuningConfig sets
// maxTotalRows, in its partitionsSpec or (without one) as the legacy field.
func dynamicMaxTotalRowsGiven(tc specjson.Object) bool {
	if ps, ok, err := tc.Object("partitionsSpec"); err == nil && ok {
		return ps.Raw("maxTotalRows") != nil && string(ps.Raw("maxTotalRows")) != "null"
	}
	return tc.Raw("maxTotalRows") != nil && string(tc.Raw("maxTotalRows")) != "null"
}
