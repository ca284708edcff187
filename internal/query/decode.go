package query

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
	"github.com/dryaddb/dryad/internal/query/postagg"
	"github.com/dryaddb/dryad/internal/query/value"
)

// QueryTypes lists the query types Decode knows.
var QueryTypes = []string{TypeTimeseries, TypeTopN, TypeGroupBy, TypeScan, TypeSearch, TypeTimeBoundary, TypeSegmentMetadata, TypeDataSourceMetadata}

// maxQueryDepth bounds nested query datasources.
const maxQueryDepth = 20

// Decode decodes and validates a native query. Errors are
// base.ClassInvalidInput naming the field, or base.ClassUnsupported for
// features dryad does not implement yet.
func Decode(data []byte) (Query, error) {
	return decodeQuery(data, "", 0)
}

func decodeQuery(raw json.RawMessage, path string, depth int) (Query, error) {
	return decodeQueryWith(raw, path, depth, DecodeOptions{})
}

func decodeQueryWith(raw json.RawMessage, path string, depth int, opts DecodeOptions) (Query, error) {
	if depth > maxQueryDepth {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: query datasources are nested more than %d deep", jsonspec.Name(path), maxQueryDepth)
	}
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: empty request body, expected a JSON query object", jsonspec.Name(path))
	}
	if !json.Valid(t) {
		var v any
		err := json.Unmarshal(t, &v)
		return nil, base.Errorf(base.ClassInvalidInput, "%s: malformed JSON: %v", jsonspec.Name(path), err)
	}
	o, err := jsonspec.Decode(t, path)
	if err != nil {
		return nil, err
	}
	qt, ok := o.OptString("queryType")
	if o.Err() != nil {
		return nil, o.Err()
	}
	if !ok {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: required field is missing; expected one of %s", o.FieldPath("queryType"), strings.Join(QueryTypes, ", "))
	}
	d := &decoder{o: o, depth: depth, queryLookups: opts.Lookups, usedLookups: &atomic.Bool{}}
	if opts.Lookups != nil {
		// Record whether decoding resolves a lookup. Expression filters
		// keep the resolver and call it again when compiled, from other
		// goroutines: hence the atomic.
		d.lookups = func(name string) (map[string]string, bool) {
			m, ok := opts.Lookups(name)
			if ok {
				d.usedLookups.Store(true)
			}
			return m, ok
		}
	}
	var q Query
	switch qt {
	case TypeTimeseries:
		q = d.timeseries()
	case TypeTopN:
		q = d.topN()
	case TypeGroupBy:
		q = d.groupBy()
	case TypeScan:
		q = d.scan()
	case TypeSearch:
		q = d.search()
	case TypeTimeBoundary:
		q = d.timeBoundary()
	case TypeSegmentMetadata:
		q = d.segmentMetadata()
	case TypeDataSourceMetadata:
		q = d.dataSourceMetadata()
	default:
		return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown query type %q; expected one of %s", o.FieldPath("queryType"), qt, strings.Join(QueryTypes, ", "))
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	q.Base().usesLookups = d.usedLookups.Load()
	return q, nil
}

type decoder struct {
	o     *jsonspec.Object
	depth int
	// lookups resolves (and records) lookups while decoding; queryLookups
	// is the resolver the decoded query keeps.
	lookups      dimension.LookupFunc
	queryLookups dimension.LookupFunc
	usedLookups  *atomic.Bool
}

func (d *decoder) fail(err error) { d.o.Fail(err) }

func (d *decoder) ok() bool { return d.o.Err() == nil }

// common decodes the shared properties. intervalsRequired and
// granularityRequired follow Druid's constructors.
func (d *decoder) common(c *Common, intervalsRequired, granularityRequired bool) {
	o := d.o
	if !o.Has("dataSource") {
		o.Failf("dataSource", "required field is missing")
		return
	}
	ds, err := decodeDataSourceWith(o.Raw("dataSource"), o.FieldPath("dataSource"), d.depth, d.lookups)
	if err != nil {
		d.fail(err)
		return
	}
	c.DataSource = ds
	c.lookups = d.queryLookups
	c.Intervals = d.intervals(intervalsRequired)
	c.Granularity = granularity.All()
	if d.ok() {
		if o.Has("granularity") {
			if err := c.Granularity.UnmarshalJSON(o.Raw("granularity")); err != nil {
				d.fail(base.Errorf(base.ClassInvalidInput, "%s: %w", o.FieldPath("granularity"), err))
			}
		} else if granularityRequired {
			o.Failf("granularity", "required field is missing")
		}
	}
	if d.ok() && o.Has("filter") {
		f, err := filter.DecodeWith(o.Raw("filter"), o.FieldPath("filter"), d.lookups)
		if err != nil {
			d.fail(err)
		}
		c.Filter = f
	}
	if d.ok() {
		c.VirtualColumns = decodeVirtualColumns(o, d.lookups)
	}
	if d.ok() && o.Has("context") {
		raw := o.Raw("context")
		if jsonspec.Kind(raw) != "an object" {
			o.Failf("context", "expected an object, got %s", jsonspec.Kind(raw))
			return
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			o.Failf("context", "malformed: %v", err)
			return
		}
		c.Context = Context(normalizeNumbers(m).(map[string]any))
		if err := c.Context.Validate(o.FieldPath("context")); err != nil {
			d.fail(err)
		}
	}
	if c.Context == nil {
		c.Context = Context{}
	}
}

// normalizeNumbers turns json.Number into int64 or float64.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
		return x
	}
	return v
}

func (d *decoder) intervals(required bool) []base.Interval {
	o := d.o
	if !d.ok() {
		return nil
	}
	raw := o.Raw("intervals")
	if jsonspec.IsNull(raw) {
		if required {
			o.Failf("intervals", "required field is missing")
		}
		return nil
	}
	path := o.FieldPath("intervals")
	var strs []string
	switch jsonspec.Kind(raw) {
	case "a string":
		s, _ := jsonspec.ScalarString(raw)
		strs = strings.Split(s, ",")
	case "an array":
		a, _ := jsonspec.ParseArray(raw)
		for i, e := range a {
			s, err := jsonspec.ScalarString(e)
			if err != nil || jsonspec.IsNull(e) {
				d.fail(base.Errorf(base.ClassInvalidInput, "%s: expected an interval string, got %s", jsonspec.Index(path, i), jsonspec.Kind(e)))
				return nil
			}
			strs = append(strs, s)
		}
	case "an object":
		io, err := jsonspec.Decode(raw, path)
		if err != nil {
			d.fail(err)
			return nil
		}
		switch typ := io.String("type"); typ {
		case "intervals":
			ss, ok := io.Strings("intervals")
			if io.Err() == nil && !ok {
				io.Failf("intervals", "required field is missing")
			}
			strs = ss
			path = io.FieldPath("intervals")
		case "segments":
			io.Fail(base.Errorf(base.ClassUnsupported, "%s: segment-list interval specs (type \"segments\") are not supported", path))
		default:
			if io.Err() == nil {
				io.Failf("type", "unknown interval spec type %q: expected intervals", typ)
			}
		}
		if io.Err() != nil {
			d.fail(io.Err())
			return nil
		}
	default:
		o.Failf("intervals", "expected a list of ISO-8601 intervals, got %s", jsonspec.Kind(raw))
		return nil
	}
	if required && len(strs) == 0 {
		d.fail(base.Errorf(base.ClassInvalidInput, "%s: must not be empty", path))
		return nil
	}
	ivs := make([]base.Interval, 0, len(strs))
	for i, s := range strs {
		iv, err := base.ParseInterval(strings.TrimSpace(s), nil)
		if err != nil {
			d.fail(base.Errorf(base.ClassInvalidInput, "%s: %w", jsonspec.Index(path, i), err))
			return nil
		}
		ivs = append(ivs, iv)
	}
	return base.CondenseIntervals(ivs)
}

func (d *decoder) aggregated(a *Aggregated) {
	o := d.o
	if !d.ok() {
		return
	}
	list, _ := o.Array("aggregations")
	for i, e := range list {
		f, err := aggregation.DecodeWith(e, d.lookups)
		if err != nil {
			d.fail(base.WithClass(base.ClassOf(err), prefixErr(jsonspec.Index(o.FieldPath("aggregations"), i), err)))
			return
		}
		a.Aggregations = append(a.Aggregations, f)
	}
	if !d.ok() {
		return
	}
	posts, _ := o.Array("postAggregations")
	for i, e := range posts {
		p, err := postagg.DecodeWith(e, jsonspec.Index(o.FieldPath("postAggregations"), i), d.lookups)
		if err != nil {
			d.fail(err)
			return
		}
		a.PostAggregations = append(a.PostAggregations, p)
	}
}

type prefixed struct {
	prefix string
	err    error
}

// Error implements error.
func (p *prefixed) Error() string { return p.prefix + ": " + p.err.Error() }

// Unwrap returns the cause.
func (p *prefixed) Unwrap() error { return p.err }

func prefixErr(path string, err error) error { return &prefixed{path, err} }

// validateNames checks output-name uniqueness across dimensions,
// aggregators and post-aggregators, and that post-aggregators only read
// aggregators, earlier post-aggregators (and, for groupBy, dimensions).
func (d *decoder) validateNames(dims []string, a *Aggregated) {
	if !d.ok() {
		return
	}
	o := d.o
	seen := map[string]string{}
	add := func(name, what string) bool {
		if prev, dup := seen[name]; dup {
			d.fail(base.Errorf(base.ClassInvalidInput, "%s: duplicate output name %q (used by %s and %s)", jsonspec.Name(o.Path), name, prev, what))
			return false
		}
		seen[name] = what
		return true
	}
	for i, n := range dims {
		if !add(n, jsonspec.Index("dimensions", i)) {
			return
		}
	}
	for i, f := range a.Aggregations {
		if !add(f.Name(), jsonspec.Index("aggregations", i)) {
			return
		}
	}
	for i, p := range a.PostAggregations {
		for _, in := range postagg.Inputs(p) {
			if _, ok := seen[in]; !ok {
				d.fail(base.Errorf(base.ClassInvalidInput, "%s: post-aggregator %q reads unknown field %q; known fields: %s",
					jsonspec.Index(o.FieldPath("postAggregations"), i), p.Name(), in, knownList(seen)))
				return
			}
		}
		if !add(p.Name(), jsonspec.Index("postAggregations", i)) {
			return
		}
	}
}

func knownList(seen map[string]string) string {
	if len(seen) == 0 {
		return "(none)"
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (d *decoder) timeseries() *Timeseries {
	q := &Timeseries{}
	d.common(&q.Common, true, true)
	d.aggregated(&q.Aggregated)
	q.Descending = d.o.Bool("descending", false)
	q.Limit = d.o.Int("limit", 0)
	if d.ok() && q.Limit < 0 {
		d.o.Failf("limit", "must be >= 0, got %d", q.Limit)
	}
	d.validateNames(nil, &q.Aggregated)
	return q
}

func (d *decoder) topN() *TopN {
	o := d.o
	q := &TopN{}
	d.common(&q.Common, true, true)
	if d.ok() && !o.Has("dimension") {
		o.Failf("dimension", "required field is missing")
	}
	if d.ok() {
		s, err := dimension.DecodeSpecWith(o.Raw("dimension"), o.FieldPath("dimension"), d.lookups)
		if err != nil {
			d.fail(err)
		}
		q.Dimension = s
	}
	if d.ok() {
		n, ok := o.OptInt("threshold")
		if d.ok() && !ok {
			o.Failf("threshold", "required field is missing")
		} else if d.ok() && n <= 0 {
			o.Failf("threshold", "must be greater than 0, got %d", n)
		}
		q.Threshold = n
	}
	if d.ok() && !o.Has("metric") {
		o.Failf("metric", "required field is missing")
	}
	if d.ok() {
		m, err := decodeTopNMetric(o.Raw("metric"), o.FieldPath("metric"), 0)
		if err != nil {
			d.fail(err)
		}
		q.Metric = m
	}
	d.aggregated(&q.Aggregated)
	d.validateNames([]string{q.Dimension.OutputName}, &q.Aggregated)
	if d.ok() && q.Metric.Kind == "numeric" && !hasMetric(&q.Aggregated, q.Metric.Metric) {
		o.Failf("metric", "topN metric %q is not an aggregator or post-aggregator of the query", q.Metric.Metric)
	}
	return q
}

func hasMetric(a *Aggregated, name string) bool {
	for _, f := range a.Aggregations {
		if f.Name() == name {
			return true
		}
	}
	for _, p := range a.PostAggregations {
		if p.Name() == name {
			return true
		}
	}
	return false
}

func (d *decoder) dimensionList(field string) []dimension.Spec {
	o := d.o
	if !d.ok() {
		return nil
	}
	raw := o.Raw(field)
	if jsonspec.IsNull(raw) {
		return nil
	}
	a, err := jsonspec.ParseArray(raw)
	if err != nil {
		o.Failf(field, "%v", err)
		return nil
	}
	out := make([]dimension.Spec, 0, len(a))
	for i, e := range a {
		s, err := dimension.DecodeSpecWith(e, jsonspec.Index(o.FieldPath(field), i), d.lookups)
		if err != nil {
			d.fail(err)
			return nil
		}
		out = append(out, s)
	}
	return out
}

func (d *decoder) groupBy() *GroupBy {
	o := d.o
	q := &GroupBy{}
	d.common(&q.Common, true, true)
	q.Dimensions = d.dimensionList("dimensions")
	d.aggregated(&q.Aggregated)
	dims := make([]string, len(q.Dimensions))
	for i, s := range q.Dimensions {
		dims[i] = s.OutputName
	}
	d.validateNames(dims, &q.Aggregated)
	if d.ok() && o.Has("having") {
		h, err := decodeHavingWith(o.Raw("having"), o.FieldPath("having"), 0, d.lookups)
		if err != nil {
			d.fail(err)
		}
		q.Having = h
	}
	if d.ok() && o.Has("limitSpec") {
		l, err := decodeLimitSpec(o.Raw("limitSpec"), o.FieldPath("limitSpec"))
		if err != nil {
			d.fail(err)
		}
		q.LimitSpec = l
	}
	outputs := map[string]bool{}
	for _, n := range dims {
		outputs[n] = true
	}
	for _, f := range q.Aggregations {
		outputs[f.Name()] = true
	}
	for _, p := range q.PostAggregations {
		outputs[p.Name()] = true
	}
	if d.ok() && q.LimitSpec != nil {
		for i, c := range q.LimitSpec.Columns {
			if !outputs[c.Dimension] {
				d.fail(base.Errorf(base.ClassInvalidInput, "%s: cannot order by %q: it is not a dimension, aggregator or post-aggregator of the query", jsonspec.Index(o.FieldPath("limitSpec.columns"), i), c.Dimension))
			}
		}
	}
	if d.ok() && o.Has("subtotalsSpec") {
		a, err := jsonspec.ParseArray(o.Raw("subtotalsSpec"))
		if err != nil {
			o.Failf("subtotalsSpec", "%v", err)
			return q
		}
		dimSet := map[string]bool{}
		for _, n := range dims {
			dimSet[n] = true
		}
		q.SubtotalsSpec = [][]string{}
		for i, e := range a {
			p := jsonspec.Index(o.FieldPath("subtotalsSpec"), i)
			inner, err := jsonspec.ParseArray(e)
			if err != nil {
				d.fail(base.Errorf(base.ClassInvalidInput, "%s: %v", p, err))
				return q
			}
			set := make([]string, 0, len(inner))
			for j, n := range inner {
				s, err := jsonspec.ScalarString(n)
				if err != nil || !dimSet[s] {
					d.fail(base.Errorf(base.ClassInvalidInput, "%s: subtotal dimension %s is not an output name of the query's dimensions", jsonspec.Index(p, j), bytes.TrimSpace(n)))
					return q
				}
				set = append(set, s)
			}
			q.SubtotalsSpec = append(q.SubtotalsSpec, set)
		}
	}
	return q
}

func (d *decoder) scan() *Scan {
	o := d.o
	q := &Scan{ResultFormat: ResultFormatList, BatchSize: 20480, Order: OrderNone}
	d.common(&q.Common, true, false)
	q.Columns, _ = o.Strings("columns")
	if rf, ok := o.OptString("resultFormat"); ok && d.ok() {
		switch rf {
		case ResultFormatList, ResultFormatCompactedList:
			q.ResultFormat = rf
		case "valueVector":
			d.fail(base.Errorf(base.ClassUnsupported, "%s: resultFormat \"valueVector\" is not supported", o.FieldPath("resultFormat")))
		default:
			o.Failf("resultFormat", "unknown result format %q: expected list or compactedList", rf)
		}
	}
	q.BatchSize = o.Int("batchSize", 20480)
	if d.ok() && q.BatchSize <= 0 {
		o.Failf("batchSize", "must be greater than 0, got %d", q.BatchSize)
	}
	q.Limit = o.Int("limit", 0)
	if d.ok() && q.Limit < 0 {
		o.Failf("limit", "must be >= 0, got %d", q.Limit)
	}
	q.Offset = o.Int("offset", 0)
	if d.ok() && q.Offset < 0 {
		o.Failf("offset", "must be >= 0, got %d", q.Offset)
	}
	if ord, ok := o.OptString("order"); ok && d.ok() {
		switch strings.ToLower(ord) {
		case "none":
		case "ascending", "asc":
			q.Order = OrderAscending
		case "descending", "desc":
			q.Order = OrderDescending
		default:
			o.Failf("order", "unknown order %q: expected none, ascending or descending", ord)
		}
	}
	if a, ok := o.Array("orderBy"); ok && d.ok() {
		for i, e := range a {
			p := jsonspec.Index(o.FieldPath("orderBy"), i)
			eo, err := jsonspec.Decode(e, p)
			if err != nil {
				d.fail(err)
				break
			}
			col := eo.String("columnName")
			dir, _ := eo.OptString("order")
			if eo.Err() != nil {
				d.fail(eo.Err())
				break
			}
			if col != base.TimeColumn || i > 0 {
				d.fail(base.Errorf(base.ClassUnsupported, "%s: scan ordering is only supported on __time", p))
				break
			}
			if strings.HasPrefix(strings.ToLower(dir), "desc") {
				q.Order = OrderDescending
			} else {
				q.Order = OrderAscending
			}
		}
	}
	q.Legacy = o.Bool("legacy", false)
	if d.ok() && q.Legacy {
		d.fail(base.Errorf(base.ClassUnsupported, "%s: legacy scan queries are not supported", o.FieldPath("legacy")))
	}
	if d.ok() && q.Order != OrderNone && len(q.Columns) > 0 {
		found := false
		for _, c := range q.Columns {
			found = found || c == base.TimeColumn
		}
		if !found {
			o.Failf("columns", "ordering by __time requires __time in columns")
		}
	}
	return q
}

func (d *decoder) search() *Search {
	o := d.o
	q := &Search{Limit: 1000}
	d.common(&q.Common, true, false)
	q.SearchDimensions = d.dimensionList("searchDimensions")
	if d.ok() && !o.Has("query") {
		o.Failf("query", "required field is missing")
	}
	if d.ok() {
		s, err := filter.DecodeSearchSpec(o.Raw("query"), o.FieldPath("query"))
		if err != nil {
			d.fail(err)
		}
		q.Query = s
	}
	if raw := o.Raw("sort"); d.ok() && !jsonspec.IsNull(raw) {
		var ord value.Ordering
		if err := ord.UnmarshalJSON(raw); err != nil {
			o.Failf("sort", "%v", err)
		}
		q.Sort = ord
	}
	q.Limit = o.Int("limit", 1000)
	if d.ok() && q.Limit <= 0 {
		o.Failf("limit", "must be greater than 0, got %d", q.Limit)
	}
	return q
}

func (d *decoder) timeBoundary() *TimeBoundary {
	q := &TimeBoundary{}
	d.common(&q.Common, false, false)
	if q.Intervals == nil && d.ok() {
		q.Intervals = []base.Interval{base.Eternity}
	}
	if b, ok := d.o.OptString("bound"); ok && d.ok() {
		if b != "minTime" && b != "maxTime" {
			d.o.Failf("bound", "unknown bound %q: expected minTime or maxTime", b)
		}
		q.Bound = b
	}
	return q
}

var analysisTypes = map[string]bool{"cardinality": true, "size": true, "interval": true, "aggregators": true, "minmax": true, "timestampSpec": true, "queryGranularity": true, "rollup": true, "projections": true}

func (d *decoder) segmentMetadata() *SegmentMetadata {
	o := d.o
	q := &SegmentMetadata{ToInclude: "all"}
	d.common(&q.Common, false, false)
	if raw := o.Raw("toInclude"); d.ok() && !jsonspec.IsNull(raw) {
		ti, err := jsonspec.Decode(raw, o.FieldPath("toInclude"))
		if err != nil {
			d.fail(err)
			return q
		}
		switch typ := ti.String("type"); typ {
		case "all", "none":
			q.ToInclude = typ
		case "list":
			q.ToInclude = typ
			cols, ok := ti.Strings("columns")
			if ti.Err() == nil && !ok {
				ti.Failf("columns", "required field is missing")
			}
			q.IncludeColumns = cols
		default:
			if ti.Err() == nil {
				ti.Failf("type", "unknown toInclude type %q: expected all, none or list", typ)
			}
		}
		if ti.Err() != nil {
			d.fail(ti.Err())
		}
	}
	q.Merge = o.Bool("merge", false)
	if ats, ok := o.Strings("analysisTypes"); ok && d.ok() {
		for _, a := range ats {
			if !analysisTypes[a] {
				o.Failf("analysisTypes", "unknown analysis type %q: expected some of cardinality, size, interval, aggregators, minmax, timestampSpec, queryGranularity, rollup, projections", a)
				break
			}
		}
		q.AnalysisTypes = ats
	} else if d.ok() {
		q.AnalysisTypes = []string{"cardinality", "interval", "minmax"}
	}
	if s, ok := o.OptString("aggregatorMergeStrategy"); ok && d.ok() {
		switch s {
		case "strict", "lenient", "earliest", "latest":
			q.AggregatorMergeStrategy = s
		default:
			o.Failf("aggregatorMergeStrategy", "unknown strategy %q: expected strict, lenient, earliest or latest", s)
		}
	} else if o.Bool("lenientAggregatorMerge", false) {
		q.AggregatorMergeStrategy = "lenient"
	} else {
		q.AggregatorMergeStrategy = "strict"
	}
	return q
}

func (d *decoder) dataSourceMetadata() *DataSourceMetadata {
	q := &DataSourceMetadata{}
	d.common(&q.Common, false, false)
	if q.Intervals == nil && d.ok() {
		q.Intervals = []base.Interval{base.Eternity}
	}
	return q
}
