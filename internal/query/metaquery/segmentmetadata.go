package metaquery

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/segment"
)

// SegmentAnalysis is Druid's SegmentAnalysis: one segment's (or, merged,
// several segments') columns and properties. Nil slices and pointers are
// written as JSON null: they mark analyses the query did not ask for, or
// values that could not be merged.
type SegmentAnalysis struct {
	ID string `json:"id"`
	// Intervals are set by the "interval" analysis.
	Intervals []base.Interval `json:"intervals"`
	// Columns in segment order (__time, dimensions, metrics); merged
	// analyses list the latest segment's columns first.
	Columns []ColumnAnalysis `json:"columns"`
	// Size is the segment's estimated size as text ("size" analysis): a
	// byte per column and row plus the size estimates of all columns.
	Size    int64 `json:"size"`
	NumRows int64 `json:"numRows"`
	// Aggregators are set by the "aggregators" analysis; an entry with a
	// nil Spec could not be merged (lenient merge).
	Aggregators []Aggregator `json:"aggregators"`
	// TimestampSpec is always null: dryad segments do not record it.
	TimestampSpec json.RawMessage `json:"timestampSpec"`
	// QueryGranularity is the canonical granularity JSON
	// ("queryGranularity" analysis).
	QueryGranularity json.RawMessage `json:"queryGranularity"`
	Rollup           *bool           `json:"rollup"`

	// DataSource, Interval and Partition identify the (latest) segment;
	// merging uses them to name the merged analysis.
	DataSource string        `json:"dataSource"`
	Interval   base.Interval `json:"interval"`
	Partition  int           `json:"partition"`
}

// ColumnAnalysis is Druid's ColumnAnalysis of one column.
type ColumnAnalysis struct {
	Name string `json:"name"`
	// TypeSignature is the column type ("STRING", "COMPLEX<hyperUnique>").
	TypeSignature string `json:"typeSignature"`
	// Type is Druid's legacy type name: the value type, or the complex
	// type's name.
	Type              string `json:"type"`
	HasMultipleValues bool   `json:"hasMultipleValues"`
	HasNulls          bool   `json:"hasNulls"`
	Size              int64  `json:"size"`
	// Cardinality is set for string columns (0 without the "cardinality"
	// analysis), nil for others.
	Cardinality *int64 `json:"cardinality"`
	// MinValue and MaxValue are the first and last dictionary values of a
	// string column ("minmax" analysis); nil for a null or absent value.
	MinValue *string `json:"minValue"`
	MaxValue *string `json:"maxValue"`
	// ErrorMessage is set (and the rest meaningless) when the column could
	// not be analysed or merged.
	ErrorMessage *string `json:"errorMessage"`
}

// Aggregator is one entry of an analysis' aggregators: the combining
// aggregator spec of a metric, as Druid records it in segment metadata.
type Aggregator struct {
	Name string          `json:"name"`
	Spec json.RawMessage `json:"spec"`
}

// analysisSet is the set of analysis types a query asks for.
type analysisSet map[string]bool

// analyze computes a segment's analysis. Everything but the string size
// estimate comes from metadata, dictionaries and bitmaps; the size
// estimate walks each string column's dictionary once.
func analyze(ctx context.Context, q *query.SegmentMetadata, seg *segment.Segment, id string) (*SegmentAnalysis, error) {
	has := analysisSet{}
	for _, t := range q.AnalysisTypes {
		has[t] = true
	}
	meta := seg.Metadata()
	a := &SegmentAnalysis{
		ID:         id,
		Columns:    []ColumnAnalysis{},
		NumRows:    int64(meta.NumRows),
		DataSource: meta.DataSource,
		Interval:   meta.Interval,
		Partition:  meta.PartitionNum,
	}
	if has["interval"] {
		a.Intervals = []base.Interval{meta.Interval}
	}
	var include map[string]bool
	if q.ToInclude == "list" {
		include = map[string]bool{}
		for _, c := range q.IncludeColumns {
			include[c] = true
		}
	}
	names := seg.ColumnNames()
	if has["size"] {
		// Druid's estimate of the segment as text: one byte of whitespace
		// per column and row, plus every column's size, included or not.
		a.Size = int64(len(names)) * int64(meta.NumRows)
	}
	for _, name := range names {
		included := q.ToInclude == "all" || (include != nil && include[name])
		if !included && !has["size"] {
			continue
		}
		if err := checkCtx(ctx, seg); err != nil {
			return nil, err
		}
		col, err := seg.Column(name)
		if err != nil {
			return nil, err
		}
		ca, err := analyzeColumn(col, meta.NumRows, has)
		if err != nil {
			return nil, err
		}
		if has["size"] && ca.ErrorMessage == nil {
			a.Size += ca.Size
		}
		if included {
			a.Columns = append(a.Columns, ca)
		}
	}
	if has["aggregators"] {
		a.Aggregators = segmentAggregators(meta)
	}
	if has["queryGranularity"] {
		a.QueryGranularity = canonicalGranularity(meta.QueryGranularity)
	}
	if has["rollup"] {
		r := meta.Rollup
		a.Rollup = &r
	}
	return a, nil
}

// analyzeColumn analyses one column; see docs/metadata-queries.md for the
// size estimates.
func analyzeColumn(col segment.Column, numRows int, has analysisSet) (ColumnAnalysis, error) {
	info := col.Info()
	ca := ColumnAnalysis{Name: info.Name, TypeSignature: info.Type.String(), Type: info.Type.String()}
	switch c := col.(type) {
	case segment.StringColumn:
		card := c.Cardinality()
		ca.HasMultipleValues = c.IsMultiValue()
		ca.HasNulls = c.HasNull()
		n := int64(0)
		if has["cardinality"] {
			n = int64(card)
		}
		ca.Cardinality = &n
		if has["size"] {
			counts, err := rowsPerValue(c)
			if err != nil {
				return ca, err
			}
			for id := 0; id < card; id++ {
				if id == 0 && c.HasNull() {
					continue
				}
				ca.Size += int64(len(c.LookupBytes(id))) * counts[id]
			}
		}
		if has["minmax"] && card > 0 {
			if v, isNull := c.Lookup(0); !isNull {
				ca.MinValue = &v
			}
			if v, isNull := c.Lookup(card - 1); !isNull {
				ca.MaxValue = &v
			}
		}
	case segment.LongColumn:
		ca.HasNulls = nonEmpty(c.Nulls())
		if has["size"] {
			perRow := int64(8)
			if info.Name == base.TimeColumn {
				perRow = 10 // Druid's estimate of a timestamp as text (POSIX seconds)
			}
			ca.Size = int64(numRows) * perRow
		}
	case segment.DoubleColumn:
		ca.HasNulls = nonEmpty(c.Nulls())
		if has["size"] {
			ca.Size = int64(numRows) * 8
		}
	case segment.FloatColumn:
		ca.HasNulls = nonEmpty(c.Nulls())
		if has["size"] {
			ca.Size = int64(numRows) * 8 // Druid's estimate of a float as text
		}
	case segment.ComplexColumn:
		// Druid reports complex columns as possibly null and, lacking an
		// input size function for most types, of size 0.
		ca.Type = info.Type.Complex
		ca.HasNulls = true
	case segment.ArrayColumn:
		ca.Type = "ARRAY"
		ca.HasNulls = nonEmpty(c.Nulls())
	default:
		ca = columnError(info.Name, "unknown_type_"+info.Type.String())
	}
	return ca, nil
}

// rowsPerValue counts, for each dictionary id of a string column, the rows
// holding it (a multi-value row holding a value twice counts once): the
// cardinality of each value's bitmap, computed in one pass over the ids.
func rowsPerValue(c segment.StringColumn) ([]int64, error) {
	card := c.Cardinality()
	counts := make([]int64, card)
	if !c.IsMultiValue() {
		buf := make([]int32, segment.BlockSize)
		for start := 0; start < c.Len(); start += segment.BlockSize {
			n := c.ReadIDs(start, buf)
			for _, id := range buf[:n] {
				if id < 0 || int(id) >= card {
					return nil, base.Errorf(base.ClassInternal, "column %s: dictionary id %d out of range", c.Info().Name, id)
				}
				counts[id]++
			}
		}
		return counts, nil
	}
	var ids []int32
	for r := 0; r < c.Len(); r++ {
		ids = c.RowIDs(r, ids[:0])
		for i, id := range ids {
			if id < 0 || int(id) >= card {
				return nil, base.Errorf(base.ClassInternal, "column %s: dictionary id %d out of range", c.Info().Name, id)
			}
			if !slices.Contains(ids[:i], id) {
				counts[id]++
			}
		}
	}
	return counts, nil
}

func nonEmpty(b *roaring.Bitmap) bool {
	return b != nil && !b.IsEmpty()
}

// segmentAggregators returns the combining specs of the segment's metric
// aggregators, as Druid's incremental index records them: count becomes
// longSum over the stored column, the others read their own column.
// Aggregators dryad cannot decode are reported as stored. A segment that
// does not record the aggregator of every metric has unknown aggregators:
// nil, as Druid reports segments without metadata.
func segmentAggregators(meta segment.Metadata) []Aggregator {
	out := []Aggregator{}
	for _, m := range meta.Metrics {
		if len(m.Aggregator) == 0 {
			return nil
		}
		spec := compactJSON(m.Aggregator)
		if f, err := aggregation.Decode(m.Aggregator); err == nil {
			if b, err := f.Combining().MarshalJSON(); err == nil {
				spec = b
			}
		}
		out = append(out, Aggregator{Name: m.Name, Spec: spec})
	}
	return out
}

func compactJSON(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return append(json.RawMessage(nil), b...)
	}
	return buf.Bytes()
}

// canonicalGranularity rewrites a recorded query granularity in Druid's
// canonical JSON ("SECOND", {"type":"none"}); nil when absent or unknown.
func canonicalGranularity(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var g granularity.Granularity
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil
	}
	b, err := json.Marshal(g)
	if err != nil {
		return nil
	}
	return b
}

// mergeAnalyses turns per-segment analyses into the query's result: one
// finalized analysis per segment, or with merge all of them folded into one.
func mergeAnalyses(q *query.SegmentMetadata, as []*SegmentAnalysis) []*SegmentAnalysis {
	if len(as) == 0 {
		return []*SegmentAnalysis{}
	}
	as = slices.Clone(as)
	sortAnalyses(as)
	if !q.Merge {
		out := make([]*SegmentAnalysis, len(as))
		for i, a := range as {
			out[i] = finalize(a)
		}
		return out
	}
	acc := as[0]
	for _, next := range as[1:] {
		acc = mergeTwo(q.AggregatorMergeStrategy, acc, next)
	}
	return []*SegmentAnalysis{finalize(acc)}
}

// finalize condenses the intervals of an analysis (a copy).
func finalize(a *SegmentAnalysis) *SegmentAnalysis {
	c := *a
	if c.Intervals != nil {
		c.Intervals = base.CondenseIntervals(slices.Clone(c.Intervals))
	}
	return &c
}

// later reports whether b's segment comes after a's: a later interval end,
// or the same end and a higher partition number.
func later(a, b *SegmentAnalysis) bool {
	return b.Interval.End > a.Interval.End || (b.Interval.End == a.Interval.End && b.Partition > a.Partition)
}

// mergeTwo folds two analyses as Druid's mergeAnalyses does. The analysis
// of the later segment leads: its columns come first, it names the merged
// id, and it is the "latest" for the aggregator merge strategies.
func mergeTwo(strategy string, x, y *SegmentAnalysis) *SegmentAnalysis {
	a1, a2 := x, y
	if later(x, y) {
		a1, a2 = y, x
	}
	m := &SegmentAnalysis{
		Size:       a1.Size + a2.Size,
		NumRows:    a1.NumRows + a2.NumRows,
		DataSource: a1.DataSource,
		Interval:   a1.Interval,
		Partition:  a1.Partition,
	}
	if a1.ID == a2.ID {
		m.ID = a1.ID
	} else {
		m.ID = base.SegmentID{DataSource: a1.DataSource, Interval: a1.Interval, Version: "merged", Partition: a1.Partition}.String()
	}
	if a1.Intervals != nil || a2.Intervals != nil {
		m.Intervals = append(append([]base.Interval{}, a1.Intervals...), a2.Intervals...)
	}
	m.Columns = make([]ColumnAnalysis, 0, max(len(a1.Columns), len(a2.Columns)))
	right := map[string]int{}
	for i, c := range a2.Columns {
		right[c.Name] = i
	}
	seen := map[string]bool{}
	for _, c := range a1.Columns {
		seen[c.Name] = true
		if j, ok := right[c.Name]; ok {
			m.Columns = append(m.Columns, foldColumn(c, a2.Columns[j]))
		} else {
			m.Columns = append(m.Columns, c)
		}
	}
	for _, c := range a2.Columns {
		if !seen[c.Name] {
			m.Columns = append(m.Columns, c)
		}
	}
	m.Aggregators = mergeAggregators(strategy, a1.Aggregators, a2.Aggregators)
	if a1.TimestampSpec != nil && bytes.Equal(a1.TimestampSpec, a2.TimestampSpec) {
		m.TimestampSpec = a1.TimestampSpec
	}
	if a1.QueryGranularity != nil && bytes.Equal(a1.QueryGranularity, a2.QueryGranularity) {
		m.QueryGranularity = a1.QueryGranularity
	}
	if a1.Rollup != nil && a2.Rollup != nil && *a1.Rollup == *a2.Rollup {
		r := *a1.Rollup
		m.Rollup = &r
	}
	return m
}

// foldColumn merges two analyses of one column as Druid's
// ColumnAnalysis.fold does.
func foldColumn(l, r ColumnAnalysis) ColumnAnalysis {
	switch {
	case l.ErrorMessage != nil && r.ErrorMessage != nil:
		if *l.ErrorMessage == *r.ErrorMessage {
			return l
		}
		return columnError(l.Name, "multiple_errors")
	case l.ErrorMessage != nil:
		return l
	case r.ErrorMessage != nil:
		return r
	case l.Type != r.Type:
		return columnError(l.Name, "cannot_merge_diff_types: ["+l.Type+"] and ["+r.Type+"]")
	case l.TypeSignature != r.TypeSignature:
		return columnError(l.Name, "cannot_merge_diff_types: ["+l.TypeSignature+"] and ["+r.TypeSignature+"]")
	}
	out := l
	out.Size = l.Size + r.Size
	out.HasMultipleValues = l.HasMultipleValues || r.HasMultipleValues
	out.HasNulls = l.HasNulls || r.HasNulls
	switch {
	case l.Cardinality == nil:
		out.Cardinality = r.Cardinality
	case r.Cardinality != nil:
		n := max(*l.Cardinality, *r.Cardinality)
		out.Cardinality = &n
	}
	out.MinValue = choose(l.MinValue, r.MinValue, false)
	out.MaxValue = choose(l.MaxValue, r.MaxValue, true)
	return out
}

// columnError is Druid's ColumnAnalysis.error: a STRING column of size -1
// carrying "error:" and the reason.
func columnError(name, reason string) ColumnAnalysis {
	msg := "error:" + reason
	return ColumnAnalysis{Name: name, TypeSignature: "STRING", Type: "STRING", Size: -1, ErrorMessage: &msg}
}

// choose picks the smaller (or larger) of two possibly-null values the way
// Druid's ColumnAnalysis does: null is the smallest value, so a null
// minimum stays null and a null maximum yields the other value.
func choose(a, b *string, isMax bool) *string {
	if a == nil {
		if isMax {
			return b
		}
		return nil
	}
	if b == nil {
		if isMax {
			return a
		}
		return nil
	}
	c := cmp.Compare(*a, *b)
	if !isMax {
		c = -c
	}
	if c > 0 {
		return a
	}
	return b
}

// mergeAggregators merges the aggregators of two analyses (a1 the later
// segment's) under a merge strategy:
//   - strict: null if either is null or a name maps to unmergeable specs;
//   - lenient: unmergeable names become null entries, nulls are skipped;
//   - earliest / latest: the earlier (later) segment's spec wins per name.
//
// Two specs merge when they are equal (both are already combining specs).
// An empty merged set is null, as in Druid.
func mergeAggregators(strategy string, a1, a2 []Aggregator) []Aggregator {
	var merged []Aggregator
	index := map[string]int{}
	put := func(a Aggregator) {
		if i, ok := index[a.Name]; ok {
			merged[i] = a
			return
		}
		index[a.Name] = len(merged)
		merged = append(merged, a)
	}
	switch strategy {
	case "lenient":
		for _, list := range [][]Aggregator{a1, a2} {
			for _, a := range list {
				i, ok := index[a.Name]
				switch {
				case !ok || merged[i].Spec == nil:
					put(a)
				case !bytes.Equal(merged[i].Spec, a.Spec):
					merged[i].Spec = nil
				}
			}
		}
	case "earliest", "latest":
		order := [][]Aggregator{a2, a1}
		if strategy == "latest" {
			order = [][]Aggregator{a1, a2}
		}
		for _, list := range order {
			for _, a := range list {
				if i, ok := index[a.Name]; !ok || merged[i].Spec == nil {
					put(a)
				}
			}
		}
	default: // strict
		if a1 == nil || a2 == nil {
			return nil
		}
		for _, list := range [][]Aggregator{a1, a2} {
			for _, a := range list {
				if i, ok := index[a.Name]; ok {
					if !bytes.Equal(merged[i].Spec, a.Spec) {
						return nil
					}
					continue
				}
				put(a)
			}
		}
	}
	if len(merged) == 0 {
		return nil
	}
	return merged
}

// appendJSON writes the analysis as Druid's SegmentAnalysis JSON.
func (a *SegmentAnalysis) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = result.AppendString(dst, a.ID)
	dst = append(dst, `,"intervals":`...)
	if a.Intervals == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, iv := range a.Intervals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = result.AppendString(dst, iv.String())
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"columns":{`...)
	for i, c := range a.Columns {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = result.AppendString(dst, c.Name)
		dst = append(dst, ':')
		dst = c.appendJSON(dst)
	}
	dst = append(dst, `},"size":`...)
	dst = strconv.AppendInt(dst, a.Size, 10)
	dst = append(dst, `,"numRows":`...)
	dst = strconv.AppendInt(dst, a.NumRows, 10)
	dst = append(dst, `,"aggregators":`...)
	if a.Aggregators == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '{')
		for i, ag := range a.Aggregators {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = result.AppendString(dst, ag.Name)
			dst = append(dst, ':')
			dst = appendRaw(dst, ag.Spec)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `,"timestampSpec":`...)
	dst = appendRaw(dst, a.TimestampSpec)
	dst = append(dst, `,"queryGranularity":`...)
	dst = appendRaw(dst, a.QueryGranularity)
	dst = append(dst, `,"projections":null,"rollup":`...)
	if a.Rollup == nil {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendBool(dst, *a.Rollup)
	}
	return append(dst, '}')
}

func appendRaw(dst []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(dst, "null"...)
	}
	return append(dst, raw...)
}

// appendJSON writes the column analysis as Druid's ColumnAnalysis JSON.
func (c *ColumnAnalysis) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"typeSignature":`...)
	dst = result.AppendString(dst, c.TypeSignature)
	dst = append(dst, `,"type":`...)
	dst = result.AppendString(dst, c.Type)
	dst = append(dst, `,"hasMultipleValues":`...)
	dst = strconv.AppendBool(dst, c.HasMultipleValues)
	dst = append(dst, `,"hasNulls":`...)
	dst = strconv.AppendBool(dst, c.HasNulls)
	dst = append(dst, `,"size":`...)
	dst = strconv.AppendInt(dst, c.Size, 10)
	dst = append(dst, `,"cardinality":`...)
	if c.Cardinality == nil {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, *c.Cardinality, 10)
	}
	dst = append(dst, `,"minValue":`...)
	dst = appendNullable(dst, c.MinValue)
	dst = append(dst, `,"maxValue":`...)
	dst = appendNullable(dst, c.MaxValue)
	dst = append(dst, `,"errorMessage":`...)
	dst = appendNullable(dst, c.ErrorMessage)
	return append(dst, '}')
}

func appendNullable(dst []byte, s *string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	return result.AppendString(dst, *s)
}
