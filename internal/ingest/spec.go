package ingest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/ingest/inputsource"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// Task is a decoded native batch ingestion task ("index" or
// "index_parallel").
type Task struct {
	Type string
	// ID, GroupID and DataSource are the optional top-level fields.
	ID      string
	GroupID string
	Spec    Spec
	// Context is the raw task context object (nil when absent).
	Context json.RawMessage
}

// Spec is the ingestion spec: what to read, how to parse it, how to build
// segments.
type Spec struct {
	DataSchema   DataSchema
	IOConfig     IOConfig
	TuningConfig TuningConfig
}

// DataSchema is spec.dataSchema.
type DataSchema struct {
	DataSource      string
	TimestampSpec   TimestampSpec
	DimensionsSpec  DimensionsSpec
	Metrics         []Metric
	GranularitySpec GranularitySpec
	TransformSpec   TransformSpec
}

// Metric is one metricsSpec entry, kept as raw JSON for the aggregation
// package, with the fields ingestion itself needs.
type Metric struct {
	Type string
	Name string
	// Inputs are the input fields named by fieldName / fieldNames / fields.
	Inputs []string
	Raw    json.RawMessage
}

// GranularitySpec is dataSchema.granularitySpec.
type GranularitySpec struct {
	Type               string // "uniform" (the only type)
	SegmentGranularity granularity.Granularity
	QueryGranularity   granularity.Granularity
	Rollup             bool
	// Intervals are the condensed input intervals; nil when not given.
	Intervals []base.Interval
}

// TransformSpec is dataSchema.transformSpec.
type TransformSpec struct {
	Transforms []Transform
	// Filter is the raw Druid filter JSON, nil when absent.
	Filter json.RawMessage
}

// Transform is an expression transform: the column Name is computed by the
// Druid expression Expression.
type Transform struct {
	Type       string // "expression"
	Name       string
	Expression string
}

// IOConfig is spec.ioConfig.
type IOConfig struct {
	Type        string
	InputSource inputsource.Source
	// InputFormat is nil for the druid input source, which needs none.
	InputFormat      inputformat.Format
	AppendToExisting bool
	DropExisting     bool
}

// DecodeOptions configures decoding.
type DecodeOptions struct {
	// Sources configures the input sources (HTTP client, allowed protocols).
	Sources inputsource.Config
}

// DecodeTask decodes and validates an index or index_parallel task. Every
// error is base.ClassInvalidInput naming the JSON path of the offending
// field, or base.ClassUnsupported for Druid features dryad does not have.
// A task type other than index/index_parallel is an error too: other task
// types belong to the task engine.
func DecodeTask(data []byte, opts DecodeOptions) (*Task, error) {
	root, err := specjson.ParseDocument(data)
	if err != nil {
		return nil, err
	}
	t := &Task{}
	if t.Type, err = root.RequiredString("type"); err != nil {
		return nil, err
	}
	if t.Type != "index" && t.Type != "index_parallel" {
		return nil, specjson.Errorf("type", "expected \"index\" or \"index_parallel\", got %q", t.Type)
	}
	if t.ID, err = root.String("id", ""); err != nil {
		return nil, err
	}
	if t.GroupID, err = root.String("groupId", ""); err != nil {
		return nil, err
	}
	if _, err = root.String("dataSource", ""); err != nil {
		return nil, err
	}
	if raw := root.Raw("context"); raw != nil {
		if _, err := specjson.Parse(raw, "context"); err != nil {
			return nil, err
		}
		t.Context = raw
	}
	// Druid's current layout nests the three parts under "spec"; the legacy
	// layout puts them at the top level.
	specObj := root
	if root.Has("spec") {
		if specObj, err = root.RequiredObject("spec"); err != nil {
			return nil, err
		}
	} else if !root.Has("dataSchema") {
		return nil, specjson.Errorf("spec", "required field is missing")
	}
	if err := decodeSpec(&t.Spec, specObj, t.Type, opts); err != nil {
		return nil, err
	}
	return t, nil
}

func decodeSpec(s *Spec, obj specjson.Object, taskType string, opts DecodeOptions) error {
	ds, err := obj.RequiredObject("dataSchema")
	if err != nil {
		return err
	}
	io, err := obj.RequiredObject("ioConfig")
	if err != nil {
		return err
	}
	if err := decodeDataSchema(&s.DataSchema, ds); err != nil {
		return err
	}
	if err := decodeIOConfig(&s.IOConfig, io, taskType, opts); err != nil {
		return err
	}
	tc, ok, err := obj.Object("tuningConfig")
	if err != nil {
		return err
	}
	if err := decodeTuningConfig(&s.TuningConfig, tc, ok, taskType); err != nil {
		return err
	}
	return validateSpec(s, obj, taskType)
}

func decodeDataSchema(d *DataSchema, obj specjson.Object) error {
	var err error
	if d.DataSource, err = obj.RequiredString("dataSource"); err != nil {
		return err
	}
	if err := validateDataSourceName(d.DataSource); err != nil {
		return specjson.Errorf(obj.At("dataSource"), "%w", err)
	}
	if obj.Has("parser") {
		return base.Errorf(base.ClassUnsupported, "%s: legacy parser specs are not supported; use ioConfig.inputFormat with dataSchema.timestampSpec and dimensionsSpec", obj.At("parser"))
	}
	tsObj, ok, err := obj.Object("timestampSpec")
	if err != nil {
		return err
	}
	if !ok {
		return specjson.Errorf(obj.At("timestampSpec"), "required field is missing")
	}
	if err := decodeTimestampSpec(&d.TimestampSpec, tsObj); err != nil {
		return err
	}
	dimObj, ok, err := obj.Object("dimensionsSpec")
	if err != nil {
		return err
	}
	if err := decodeDimensionsSpec(&d.DimensionsSpec, dimObj, ok); err != nil {
		return err
	}
	metrics, err := obj.Array("metricsSpec")
	if err != nil {
		return err
	}
	for i, m := range metrics {
		mt, err := decodeMetric(m, specjson.Index(obj.At("metricsSpec"), i))
		if err != nil {
			return err
		}
		d.Metrics = append(d.Metrics, mt)
	}
	gObj, ok, err := obj.Object("granularitySpec")
	if err != nil {
		return err
	}
	if err := decodeGranularitySpec(&d.GranularitySpec, gObj, ok); err != nil {
		return err
	}
	tObj, ok, err := obj.Object("transformSpec")
	if err != nil {
		return err
	}
	if ok {
		if err := decodeTransformSpec(&d.TransformSpec, tObj); err != nil {
			return err
		}
	}
	return validateColumns(d, obj)
}

// validateDataSourceName applies Druid's IdUtils.validateId rules.
func validateDataSourceName(name string) error {
	if name[0] == '.' {
		return fmt.Errorf("dataSource cannot start with the '.' character")
	}
	for _, r := range name {
		switch {
		case r == '/':
			return fmt.Errorf("dataSource cannot contain the '/' character")
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			return fmt.Errorf("dataSource cannot contain whitespace character except space")
		}
	}
	return nil
}

func decodeMetric(raw json.RawMessage, path string) (Metric, error) {
	obj, err := specjson.Parse(raw, path)
	if err != nil {
		return Metric{}, err
	}
	m := Metric{Raw: raw}
	if m.Type, err = obj.RequiredString("type"); err != nil {
		return m, err
	}
	if m.Name, err = obj.RequiredString("name"); err != nil {
		return m, err
	}
	if f, err := obj.String("fieldName", ""); err != nil {
		return m, err
	} else if f != "" {
		m.Inputs = append(m.Inputs, f)
	}
	for _, key := range []string{"fieldNames", "fields"} {
		raw := obj.Raw(key)
		if raw == nil || specjson.Kind(raw) != "array" {
			continue
		}
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			continue
		}
		for _, e := range elems {
			var s string
			if specjson.Kind(e) == "string" && json.Unmarshal(e, &s) == nil && s != "" {
				m.Inputs = append(m.Inputs, s)
			}
		}
	}
	return m, nil
}

func decodeGranularitySpec(g *GranularitySpec, obj specjson.Object, present bool) error {
	g.Type = "uniform"
	g.SegmentGranularity = granularity.MustParse("day")
	g.QueryGranularity = granularity.None()
	g.Rollup = true
	if !present {
		return nil
	}
	var err error
	if g.Type, err = obj.Type("uniform"); err != nil {
		return err
	}
	if g.Type != "uniform" {
		if g.Type == "arbitrary" {
			return base.Errorf(base.ClassUnsupported, "%s: granularitySpec type \"arbitrary\" is not supported (supported: uniform)", obj.At("type"))
		}
		return specjson.Errorf(obj.At("type"), "unknown granularitySpec type %q (supported: uniform)", g.Type)
	}
	for _, f := range []struct {
		key string
		dst *granularity.Granularity
	}{{"segmentGranularity", &g.SegmentGranularity}, {"queryGranularity", &g.QueryGranularity}} {
		raw := obj.Raw(f.key)
		if raw == nil {
			continue
		}
		if err := f.dst.UnmarshalJSON(raw); err != nil {
			return specjson.Errorf(obj.At(f.key), "%w", err)
		}
	}
	if g.SegmentGranularity.IsNone() {
		return specjson.Errorf(obj.At("segmentGranularity"), "segmentGranularity cannot be NONE")
	}
	if g.Rollup, err = obj.Bool("rollup", true); err != nil {
		return err
	}
	ivs, err := obj.Strings("intervals")
	if err != nil {
		return err
	}
	for i, s := range ivs {
		iv, err := base.ParseInterval(s, nil)
		if err != nil {
			return specjson.Errorf(specjson.Index(obj.At("intervals"), i), "%w", err)
		}
		if iv.Start >= iv.End {
			return specjson.Errorf(specjson.Index(obj.At("intervals"), i), "interval %q is empty", s)
		}
		g.Intervals = append(g.Intervals, iv)
	}
	if g.Intervals != nil {
		g.Intervals = base.CondenseIntervals(g.Intervals)
	}
	return nil
}

func decodeTransformSpec(t *TransformSpec, obj specjson.Object) error {
	elems, err := obj.Array("transforms")
	if err != nil {
		return err
	}
	seen := make(map[string]bool)
	for i, e := range elems {
		p := specjson.Index(obj.At("transforms"), i)
		o, err := specjson.Parse(e, p)
		if err != nil {
			return err
		}
		tr := Transform{}
		if tr.Type, err = o.Type("expression"); err != nil {
			return err
		}
		if tr.Type != "expression" {
			return specjson.Errorf(o.At("type"), "unknown transform type %q (supported: expression)", tr.Type)
		}
		if tr.Name, err = o.RequiredString("name"); err != nil {
			return err
		}
		if tr.Expression, err = o.RequiredString("expression"); err != nil {
			return err
		}
		if seen[tr.Name] {
			return specjson.Errorf(o.At("name"), "transform %q is defined more than once", tr.Name)
		}
		seen[tr.Name] = true
		t.Transforms = append(t.Transforms, tr)
	}
	if raw := obj.Raw("filter"); raw != nil {
		if _, err := specjson.Parse(raw, obj.At("filter")); err != nil {
			return err
		}
		t.Filter = raw
	}
	return nil
}

// validateColumns applies DataSchema's rule that a column name is used once
// among __time, the dimensions and the metrics, with Druid's message.
func validateColumns(d *DataSchema, obj specjson.Object) error {
	const (
		dimList    = "dimensions list"
		metricList = "metricsSpec list"
		primary    = "primary timestamp (__time cannot appear as a dimension or metric)"
	)
	seen := map[string]map[string]int{base.TimeColumn: {primary: 1}}
	add := func(name, where string) {
		if seen[name] == nil {
			seen[name] = make(map[string]int)
		}
		seen[name][where]++
	}
	for _, dim := range d.DimensionsSpec.Dimensions {
		add(dim.Name, dimList)
	}
	for _, m := range d.Metrics {
		add(m.Name, metricList)
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	var errs []string
	for _, n := range names {
		total := 0
		for _, c := range seen[n] {
			total += c
		}
		if total < 2 {
			continue
		}
		wheres := make([]string, 0, len(seen[n]))
		for w := range seen[n] {
			wheres = append(wheres, w)
		}
		slices.Sort(wheres)
		parts := make([]string, len(wheres))
		for i, w := range wheres {
			parts[i] = w
			if c := seen[n][w]; c > 1 {
				parts[i] = fmt.Sprintf("%s (%d occurrences)", w, c)
			}
		}
		errs = append(errs, fmt.Sprintf("[%s] seen in %s", n, strings.Join(parts, ", ")))
	}
	if len(errs) > 0 {
		return specjson.Errorf(obj.Path, "Cannot specify a column more than once: %s", strings.Join(errs, "; "))
	}
	return nil
}

func decodeIOConfig(c *IOConfig, obj specjson.Object, taskType string, opts DecodeOptions) error {
	var err error
	if c.Type, err = obj.Type(taskType); err != nil {
		return err
	}
	if c.Type != taskType {
		return specjson.Errorf(obj.At("type"), "expected %q to match the task type, got %q", taskType, c.Type)
	}
	if obj.Has("firehose") {
		return base.Errorf(base.ClassUnsupported, "%s: firehoses were removed from Druid; use inputSource and inputFormat", obj.At("firehose"))
	}
	srcRaw := obj.Raw("inputSource")
	if srcRaw == nil {
		return specjson.Errorf(obj.At("inputSource"), "required field is missing")
	}
	if c.InputSource, err = inputsource.Decode(srcRaw, obj.At("inputSource"), opts.Sources); err != nil {
		return err
	}
	if fmtRaw := obj.Raw("inputFormat"); fmtRaw != nil {
		if c.InputFormat, err = inputformat.Decode(fmtRaw, obj.At("inputFormat")); err != nil {
			return err
		}
	} else if needsFormat(c.InputSource) {
		return specjson.Errorf(obj.At("inputFormat"), "required field is missing (needed by input source %q)", c.InputSource.Type())
	}
	if c.AppendToExisting, err = obj.Bool("appendToExisting", false); err != nil {
		return err
	}
	if c.DropExisting, err = obj.Bool("dropExisting", false); err != nil {
		return err
	}
	if c.AppendToExisting && c.DropExisting {
		return specjson.Errorf(obj.At("dropExisting"), "cannot be true when appendToExisting is true")
	}
	return nil
}

// needsFormat reports whether a source yields bytes (every source but druid).
func needsFormat(s inputsource.Source) bool {
	switch x := s.(type) {
	case *inputsource.Druid:
		return false
	case *inputsource.Combining:
		return slices.ContainsFunc(x.Delegates, needsFormat)
	}
	return true
}
