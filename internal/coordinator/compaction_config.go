package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/filter"
)

// CompactionConfigKey is the name under which the automatic compaction
// configuration (every datasource's config and the task slot limits) is
// stored in the config table, as in Druid.
const CompactionConfigKey = "coordinator.compaction.config"

// Druid's automatic compaction defaults (DataSourceCompactionConfig,
// DruidCompactionConfig).
const (
	DefaultCompactionTaskPriority        = 25
	DefaultInputSegmentSizeBytes   int64 = 100_000_000_000_000
	DefaultSkipOffsetFromLatest          = "P1D"
	DefaultCompactionTaskSlotRatio       = 0.1
	DefaultMaxCompactionTaskSlots        = math.MaxInt32
	// DefaultCompactionMaxRowsPerSegment is the dynamic partitionsSpec's
	// maxRowsPerSegment when neither the config nor its tuningConfig sets one.
	DefaultCompactionMaxRowsPerSegment = 5_000_000
)

// CompactionConfig is the cluster's automatic compaction configuration
// (Druid's DruidCompactionConfig) as GET /config/compaction returns it and
// the config table stores it. Values are copied freely.
type CompactionConfig struct {
	CompactionConfigs       []DataSourceCompactionConfig `json:"compactionConfigs"`
	CompactionTaskSlotRatio float64                      `json:"compactionTaskSlotRatio"`
	MaxCompactionTaskSlots  int                          `json:"maxCompactionTaskSlots"`
	UseAutoScaleSlots       bool                         `json:"useAutoScaleSlots"`
	Engine                  string                       `json:"engine"`
}

// DefaultCompactionConfig is the configuration before anything was posted:
// no datasource configs, ratio 0.1, unbounded slots.
func DefaultCompactionConfig() CompactionConfig {
	return CompactionConfig{CompactionConfigs: []DataSourceCompactionConfig{},
		CompactionTaskSlotRatio: DefaultCompactionTaskSlotRatio, MaxCompactionTaskSlots: DefaultMaxCompactionTaskSlots,
		Engine: "native"}
}

// find returns the index of dataSource's config, or -1.
func (c *CompactionConfig) find(dataSource string) int {
	return slices.IndexFunc(c.CompactionConfigs, func(d DataSourceCompactionConfig) bool { return d.DataSource == dataSource })
}

// DataSourceCompactionConfig is one datasource's automatic compaction
// config (Druid's DataSourceCompactionConfig), with Druid's defaults
// filled in. The JSON-valued fields hold what was posted, validated.
type DataSourceCompactionConfig struct {
	DataSource            string                     `json:"dataSource"`
	TaskPriority          int                        `json:"taskPriority"`
	InputSegmentSizeBytes int64                      `json:"inputSegmentSizeBytes"`
	MaxRowsPerSegment     *int                       `json:"maxRowsPerSegment"`
	SkipOffsetFromLatest  string                     `json:"skipOffsetFromLatest"`
	TuningConfig          *CompactionTuningConfig    `json:"tuningConfig"`
	GranularitySpec       *CompactionGranularitySpec `json:"granularitySpec"`
	DimensionsSpec        *CompactionDimensionsSpec  `json:"dimensionsSpec"`
	MetricsSpec           json.RawMessage            `json:"metricsSpec"`
	TransformSpec         *CompactionTransformSpec   `json:"transformSpec"`
	IOConfig              *CompactionIOConfig        `json:"ioConfig"`
	TaskContext           map[string]any             `json:"taskContext"`
	Engine                *string                    `json:"engine"`
}

// CompactionGranularitySpec is the granularity a compaction writes; nil
// fields keep what the segments have.
type CompactionGranularitySpec struct {
	SegmentGranularity *granularity.Granularity `json:"segmentGranularity"`
	QueryGranularity   *granularity.Granularity `json:"queryGranularity"`
	Rollup             *bool                    `json:"rollup"`
}

// CompactionDimensionsSpec is the dimensions a compaction writes (Druid's
// UserCompactionTaskDimensionsConfig).
type CompactionDimensionsSpec struct {
	Dimensions []json.RawMessage `json:"dimensions"`
}

// CompactionTransformSpec is the filter a compaction applies (Druid's
// UserCompactionTaskTransformConfig).
type CompactionTransformSpec struct {
	Filter json.RawMessage `json:"filter"`
}

// CompactionIOConfig is Druid's UserCompactionTaskIOConfig.
type CompactionIOConfig struct {
	DropExisting bool `json:"dropExisting"`
}

// CompactionTuningConfig is Druid's UserCompactionTaskQueryTuningConfig:
// the tuning of the compaction tasks. Absent fields are null (the task's
// defaults); the values are kept as posted.
type CompactionTuningConfig struct {
	MaxRowsInMemory                  json.RawMessage `json:"maxRowsInMemory"`
	AppendableIndexSpec              json.RawMessage `json:"appendableIndexSpec"`
	MaxBytesInMemory                 json.RawMessage `json:"maxBytesInMemory"`
	MaxTotalRows                     json.RawMessage `json:"maxTotalRows"`
	SplitHintSpec                    json.RawMessage `json:"splitHintSpec"`
	PartitionsSpec                   json.RawMessage `json:"partitionsSpec"`
	IndexSpec                        json.RawMessage `json:"indexSpec"`
	IndexSpecForIntermediatePersists json.RawMessage `json:"indexSpecForIntermediatePersists"`
	MaxPendingPersists               json.RawMessage `json:"maxPendingPersists"`
	PushTimeout                      json.RawMessage `json:"pushTimeout"`
	SegmentWriteOutMediumFactory     json.RawMessage `json:"segmentWriteOutMediumFactory"`
	MaxNumConcurrentSubTasks         json.RawMessage `json:"maxNumConcurrentSubTasks"`
	MaxRetry                         json.RawMessage `json:"maxRetry"`
	TaskStatusCheckPeriodMs          json.RawMessage `json:"taskStatusCheckPeriodMs"`
	ChatHandlerTimeout               json.RawMessage `json:"chatHandlerTimeout"`
	ChatHandlerNumRetries            json.RawMessage `json:"chatHandlerNumRetries"`
	MaxNumSegmentsToMerge            json.RawMessage `json:"maxNumSegmentsToMerge"`
	TotalNumMergeTasks               json.RawMessage `json:"totalNumMergeTasks"`
	MaxColumnsToMerge                json.RawMessage `json:"maxColumnsToMerge"`
	Type                             string          `json:"type"`
	ForceGuaranteedRollup            bool            `json:"forceGuaranteedRollup"`
}

// isNull reports whether a raw JSON value is absent or null.
func isNull(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || bytes.Equal(b, []byte("null"))
}

// decodeDataSourceCompactionConfig decodes and validates a posted config,
// filling Druid's defaults. Errors are base.ClassInvalidInput naming the
// field (base.ClassUnsupported for the msq engine).
func decodeDataSourceCompactionConfig(b []byte) (DataSourceCompactionConfig, error) {
	bad := func(format string, args ...any) error {
		return base.Errorf(base.ClassInvalidInput, "compaction config: "+format, args...)
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return DataSourceCompactionConfig{}, bad("must be a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return DataSourceCompactionConfig{}, bad("%v", err)
	}
	d := DataSourceCompactionConfig{TaskPriority: DefaultCompactionTaskPriority, InputSegmentSizeBytes: DefaultInputSegmentSizeBytes,
		SkipOffsetFromLatest: DefaultSkipOffsetFromLatest}
	// Each field is decoded on its own so that an error names it.
	fields := []struct {
		name string
		dst  any
	}{
		{"dataSource", &d.DataSource}, {"taskPriority", &d.TaskPriority}, {"inputSegmentSizeBytes", &d.InputSegmentSizeBytes},
		{"maxRowsPerSegment", &d.MaxRowsPerSegment}, {"skipOffsetFromLatest", &d.SkipOffsetFromLatest},
		{"tuningConfig", &d.TuningConfig}, {"granularitySpec", &d.GranularitySpec}, {"dimensionsSpec", &d.DimensionsSpec},
		{"metricsSpec", &d.MetricsSpec}, {"transformSpec", &d.TransformSpec}, {"ioConfig", &d.IOConfig},
		{"taskContext", &d.TaskContext}, {"engine", &d.Engine},
	}
	for _, f := range fields {
		v, ok := raw[f.name]
		if !ok || isNull(v) && f.name != "metricsSpec" {
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return DataSourceCompactionConfig{}, bad("field %q: %v", f.name, err)
		}
	}
	if isNull(d.MetricsSpec) {
		d.MetricsSpec = nil
	}
	if d.DataSource == "" {
		return d, bad("field \"dataSource\" is required")
	}
	if err := checkDataSourceName(d.DataSource); err != nil {
		return d, bad("field \"dataSource\": %v", err)
	}
	if d.InputSegmentSizeBytes <= 0 {
		return d, bad("field \"inputSegmentSizeBytes\" must be positive, got %d", d.InputSegmentSizeBytes)
	}
	if d.MaxRowsPerSegment != nil && *d.MaxRowsPerSegment <= 0 {
		return d, bad("field \"maxRowsPerSegment\" must be positive, got %d", *d.MaxRowsPerSegment)
	}
	p, err := base.ParsePeriod(d.SkipOffsetFromLatest)
	if err != nil {
		return d, bad("field \"skipOffsetFromLatest\" must be an ISO-8601 period: %v", err)
	}
	if epoch := time.UnixMilli(0).UTC(); p.AddTo(epoch).Before(epoch) {
		return d, bad("field \"skipOffsetFromLatest\" must not be negative, got %s", d.SkipOffsetFromLatest)
	}
	if err := d.TuningConfig.validate(d.MaxRowsPerSegment != nil); err != nil {
		return d, err
	}
	if g := d.GranularitySpec; g != nil && g.SegmentGranularity != nil && g.QueryGranularity != nil &&
		g.SegmentGranularity.IsFinerThan(*g.QueryGranularity) {
		return d, bad("granularitySpec: queryGranularity %s must not be coarser than segmentGranularity %s", g.QueryGranularity, g.SegmentGranularity)
	}
	if g := d.GranularitySpec; g != nil && g.SegmentGranularity != nil && (g.SegmentGranularity.IsAll() || g.SegmentGranularity.IsNone()) {
		return d, bad("granularitySpec.segmentGranularity %s cannot bucket segments", g.SegmentGranularity)
	}
	if ds := d.DimensionsSpec; ds != nil {
		if ds.Dimensions == nil {
			d.DimensionsSpec = nil
		}
		for i, dim := range ds.Dimensions {
			if _, _, err := dimensionOf(dim); err != nil {
				return d, bad("dimensionsSpec.dimensions[%d]: %v", i, err)
			}
		}
	}
	if d.MetricsSpec != nil {
		if _, err := aggregation.DecodeList(d.MetricsSpec); err != nil {
			return d, fmt.Errorf("compaction config: metricsSpec: %w", err)
		}
	}
	if t := d.TransformSpec; t != nil && !isNull(t.Filter) {
		if _, err := filter.Decode(t.Filter, "transformSpec.filter"); err != nil {
			return d, fmt.Errorf("compaction config: %w", err)
		}
	}
	if d.Engine != nil {
		switch strings.ToLower(*d.Engine) {
		case "native":
		case "msq":
			return d, base.Errorf(base.ClassUnsupported, "compaction config: engine %q is not supported by dryad; use native", *d.Engine)
		default:
			return d, bad("field \"engine\" must be native or msq, got %q", *d.Engine)
		}
	}
	return d, nil
}

// checkDataSourceName applies Druid's datasource name rules.
func checkDataSourceName(s string) error {
	switch {
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("%q has leading or trailing whitespace", s)
	case strings.HasPrefix(s, "."):
		return fmt.Errorf("%q starts with a dot", s)
	case strings.ContainsAny(s, "/\t\n\r"):
		return fmt.Errorf("%q contains '/' or a control character", s)
	}
	return nil
}

// validate checks the tuningConfig's types and ranges and fills its type.
func (t *CompactionTuningConfig) validate(hasMaxRows bool) error {
	if t == nil {
		return nil
	}
	bad := func(format string, args ...any) error {
		return base.Errorf(base.ClassInvalidInput, "compaction config: tuningConfig."+format, args...)
	}
	if t.Type == "" {
		t.Type = "index_parallel"
	}
	if t.Type != "index_parallel" {
		return bad("type must be index_parallel, got %q", t.Type)
	}
	positive := []struct {
		name string
		v    json.RawMessage
	}{
		{"maxRowsInMemory", t.MaxRowsInMemory}, {"maxBytesInMemory", t.MaxBytesInMemory}, {"maxTotalRows", t.MaxTotalRows},
		{"maxPendingPersists", t.MaxPendingPersists}, {"pushTimeout", t.PushTimeout},
		{"maxNumConcurrentSubTasks", t.MaxNumConcurrentSubTasks}, {"maxRetry", t.MaxRetry},
		{"taskStatusCheckPeriodMs", t.TaskStatusCheckPeriodMs}, {"chatHandlerTimeout", t.ChatHandlerTimeout},
		{"chatHandlerNumRetries", t.ChatHandlerNumRetries}, {"maxNumSegmentsToMerge", t.MaxNumSegmentsToMerge},
		{"totalNumMergeTasks", t.TotalNumMergeTasks}, {"maxColumnsToMerge", t.MaxColumnsToMerge},
	}
	for _, f := range positive {
		if isNull(f.v) {
			continue
		}
		var n int64
		if err := json.Unmarshal(f.v, &n); err != nil {
			return bad("%s must be an integer, got %s", f.name, f.v)
		}
		if n < 0 || n == 0 && f.name != "maxPendingPersists" && f.name != "maxRetry" && f.name != "pushTimeout" {
			return bad("%s must be positive, got %d", f.name, n)
		}
	}
	for _, f := range []struct {
		name string
		v    json.RawMessage
	}{{"appendableIndexSpec", t.AppendableIndexSpec}, {"splitHintSpec", t.SplitHintSpec}, {"indexSpec", t.IndexSpec},
		{"indexSpecForIntermediatePersists", t.IndexSpecForIntermediatePersists}, {"segmentWriteOutMediumFactory", t.SegmentWriteOutMediumFactory}} {
		if !isNull(f.v) && bytes.TrimSpace(f.v)[0] != '{' {
			return bad("%s must be an object, got %s", f.name, f.v)
		}
	}
	if isNull(t.PartitionsSpec) {
		return nil
	}
	ps, err := decodePartitionsSpec(t.PartitionsSpec)
	if err != nil {
		return bad("partitionsSpec: %v", err)
	}
	if ps.Type == "dynamic" && t.ForceGuaranteedRollup {
		return bad("forceGuaranteedRollup is incompatible with a dynamic partitionsSpec")
	}
	if hasMaxRows && ps.Type != "dynamic" {
		return base.Errorf(base.ClassInvalidInput, "compaction config: maxRowsPerSegment cannot be set with a %s partitionsSpec", ps.Type)
	}
	return nil
}

// partitionsSpec is the part of a partitionsSpec the compaction duty reads.
type partitionsSpec struct {
	Type              string `json:"type"`
	MaxRowsPerSegment *int64 `json:"maxRowsPerSegment"`
	TargetRows        *int64 `json:"targetRowsPerSegment"`
	MaxTotalRows      *int64 `json:"maxTotalRows"`
	NumShards         *int64 `json:"numShards"`
}

// decodePartitionsSpec reads a partitionsSpec's type and sizes.
func decodePartitionsSpec(b json.RawMessage) (partitionsSpec, error) {
	var ps partitionsSpec
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return ps, fmt.Errorf("must be an object, got %s", b)
	}
	if err := json.Unmarshal(b, &ps); err != nil {
		return ps, err
	}
	switch ps.Type {
	case "", "dynamic":
		ps.Type = "dynamic"
	case "hashed", "range", "single_dim":
	default:
		return ps, fmt.Errorf("unknown type %q (dynamic, hashed, range, single_dim)", ps.Type)
	}
	for name, v := range map[string]*int64{"maxRowsPerSegment": ps.MaxRowsPerSegment, "targetRowsPerSegment": ps.TargetRows,
		"maxTotalRows": ps.MaxTotalRows, "numShards": ps.NumShards} {
		if v != nil && *v <= 0 && *v != -1 {
			return ps, fmt.Errorf("%s must be positive, got %d", name, *v)
		}
	}
	return ps, nil
}

// dimensionOf returns a dimension entry's name and type: a string is a
// string dimension, an object needs a name and may carry a type.
func dimensionOf(b json.RawMessage) (name, typ string, err error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &name); err != nil {
			return "", "", err
		}
		if name == "" {
			return "", "", fmt.Errorf("empty dimension name")
		}
		return name, "string", nil
	}
	var o struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &o) != nil {
		return "", "", fmt.Errorf("a dimension must be a name or an object with a name, got %s", b)
	}
	if o.Name == "" {
		return "", "", fmt.Errorf("dimension %s has no name", b)
	}
	if o.Type == "" {
		o.Type = "string"
	}
	return o.Name, o.Type, nil
}

// CompactionConfig returns the stored automatic compaction configuration
// over the defaults.
func (c *Coordinator) CompactionConfig(ctx context.Context) (CompactionConfig, error) {
	cc := DefaultCompactionConfig()
	store, err := c.metadataStore()
	if err != nil {
		return cc, err
	}
	b, err := store.Config(ctx, CompactionConfigKey)
	if base.IsClass(err, base.ClassNotFound) {
		return cc, nil
	}
	if err != nil {
		return cc, err
	}
	if err := json.Unmarshal(b, &cc); err != nil {
		return DefaultCompactionConfig(), base.Errorf(base.ClassInternal, "stored %s is malformed: %w", CompactionConfigKey, err)
	}
	if cc.CompactionConfigs == nil {
		cc.CompactionConfigs = []DataSourceCompactionConfig{}
	}
	for i := range cc.CompactionConfigs {
		if isNull(cc.CompactionConfigs[i].MetricsSpec) {
			cc.CompactionConfigs[i].MetricsSpec = nil // a stored null
		}
	}
	if cc.Engine == "" {
		cc.Engine = "native"
	}
	return cc, nil
}

// updateCompactionConfig applies change to the stored configuration and
// stores the result with an audit entry. Updates are serialised by the
// coordinator, so concurrent posts do not lose each other's changes.
func (c *Coordinator) updateCompactionConfig(ctx context.Context, audit metadata.AuditInfo, change func(*CompactionConfig) error) error {
	c.compactCfgMu.Lock()
	defer c.compactCfgMu.Unlock()
	store, err := c.metadataStore()
	if err != nil {
		return err
	}
	cc, err := c.CompactionConfig(ctx)
	if err != nil {
		return err
	}
	if err := change(&cc); err != nil {
		return err
	}
	b, err := json.Marshal(cc)
	if err != nil {
		return base.Errorf(base.ClassInternal, "encoding %s: %w", CompactionConfigKey, err)
	}
	return store.SetConfig(ctx, CompactionConfigKey, b, audit)
}
