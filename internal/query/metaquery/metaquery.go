package metaquery

import (
	"cmp"
	"context"
	"slices"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/segment"
)

// Partial is one segment's partial result for a metadata query type.
// Exactly one of Search, Bounds (absent when the segment had no selected
// row) and Analysis is meaningful, according to Type. A Partial is a plain
// value owned by the caller; it marshals to JSON for the wire.
type Partial struct {
	// Type is the query type the partial answers.
	Type string `json:"type"`
	// Search is the segment's search hits (search).
	Search *SearchBucket `json:"search,omitempty"`
	// Bounds are the earliest and latest selected __time (timeBoundary,
	// dataSourceMetadata); nil when no row was selected.
	Bounds *Bounds `json:"bounds,omitempty"`
	// Analysis is the segment's analysis (segmentMetadata).
	Analysis *SegmentAnalysis `json:"analysis,omitempty"`
}

// Bounds are a time range of stored rows, both ends inclusive, in epoch
// milliseconds.
type Bounds struct {
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

// SearchHit is one dimension value found by a search query and the number
// of selected rows holding it.
type SearchHit struct {
	Dimension string `json:"dimension"`
	Value     string `json:"value"`
	Count     int64  `json:"count"`
}

// SearchBucket is one search result row: a timestamp and its hits, sorted
// by the query's sort order (then by dimension name).
type SearchBucket struct {
	Timestamp int64       `json:"timestamp"`
	Hits      []SearchHit `json:"hits"`
}

// Result is a merged metadata query result, ready for AppendJSON. Which
// field is set depends on the query type: Search for search, Bounds for
// timeBoundary and dataSourceMetadata (nil: no data, an empty result) and
// Analyses for segmentMetadata.
type Result struct {
	Search   []SearchBucket
	Bounds   *Bounds
	Analyses []*SegmentAnalysis
}

// Run executes q over one segment. segmentID is the segment's Druid id,
// reported by segmentMetadata. It honours ctx cancellation. Query types
// other than search, timeBoundary, segmentMetadata and dataSourceMetadata
// are base.ClassUnsupported. Run does not look at q's datasource: the
// caller picked the segment.
func Run(ctx context.Context, q query.Query, seg *segment.Segment, segmentID string) (*Partial, error) {
	if err := checkCtx(ctx, seg); err != nil {
		return nil, err
	}
	switch q := q.(type) {
	case *query.Search:
		return runSearch(ctx, q, seg)
	case *query.TimeBoundary:
		return runTimeBoundary(ctx, q, seg)
	case *query.SegmentMetadata:
		a, err := analyze(ctx, q, seg, segmentID)
		if err != nil {
			return nil, err
		}
		return &Partial{Type: q.Type(), Analysis: a}, nil
	case *query.DataSourceMetadata:
		p := &Partial{Type: q.Type()}
		if meta := seg.Metadata(); meta.NumRows > 0 {
			p.Bounds = &Bounds{Min: meta.MinTime, Max: meta.MaxTime}
		}
		return p, nil
	}
	return nil, base.Errorf(base.ClassUnsupported, "metaquery: query type %q is not search, timeBoundary, segmentMetadata or dataSourceMetadata", q.Type())
}

// Merge combines the partial results of the segments a query ran on, as
// Druid's broker does: search hits are summed per (dimension, value),
// sorted and limited; time bounds take the extremes; segment analyses are
// listed per segment or folded into one when the query asks for merge.
// Nil partials are skipped. A partial of another query type is a
// base.ClassInternal error.
func Merge(q query.Query, parts []*Partial) (Result, error) {
	typ := q.Type()
	var live []*Partial
	for i, p := range parts {
		if p == nil {
			continue
		}
		if p.Type != typ {
			return Result{}, base.Errorf(base.ClassInternal, "metaquery: partial %d answers a %q query, not %q", i, p.Type, typ)
		}
		live = append(live, p)
	}
	switch q := q.(type) {
	case *query.Search:
		return Result{Search: mergeSearch(q, live)}, nil
	case *query.TimeBoundary, *query.DataSourceMetadata:
		var b *Bounds
		for _, p := range live {
			if p.Bounds == nil {
				continue
			}
			if b == nil {
				c := *p.Bounds
				b = &c
				continue
			}
			b.Min = min(b.Min, p.Bounds.Min)
			b.Max = max(b.Max, p.Bounds.Max)
		}
		return Result{Bounds: b}, nil
	case *query.SegmentMetadata:
		var as []*SegmentAnalysis
		for _, p := range live {
			if p.Analysis != nil {
				as = append(as, p.Analysis)
			}
		}
		return Result{Analyses: mergeAnalyses(q, as)}, nil
	}
	return Result{}, base.Errorf(base.ClassUnsupported, "metaquery: query type %q is not search, timeBoundary, segmentMetadata or dataSourceMetadata", typ)
}

// AppendJSON appends r as Druid's result JSON for q: an array of
// {"timestamp","result"} objects for search, timeBoundary and
// dataSourceMetadata, an array of segment analyses for segmentMetadata.
// Timestamps follow the serializeDateTimeAsLong context key.
func AppendJSON(dst []byte, q query.Query, r Result) []byte {
	asLong := q.Base().Context.SerializeDateTimeAsLong()
	ts := func(dst []byte, ms int64) []byte { return result.AppendTimestamp(dst, ms, nil, asLong) }
	switch q := q.(type) {
	case *query.Search:
		dst = append(dst, '[')
		for i, b := range r.Search {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"timestamp":`...)
			dst = ts(dst, b.Timestamp)
			dst = append(dst, `,"result":[`...)
			for j, h := range b.Hits {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, `{"dimension":`...)
				dst = result.AppendString(dst, h.Dimension)
				dst = append(dst, `,"value":`...)
				dst = result.AppendString(dst, h.Value)
				dst = append(dst, `,"count":`...)
				dst = result.AppendValue(dst, h.Count)
				dst = append(dst, '}')
			}
			dst = append(dst, "]}"...)
		}
		return append(dst, ']')
	case *query.TimeBoundary:
		if r.Bounds == nil {
			return append(dst, "[]"...)
		}
		stamp := r.Bounds.Min
		if q.Bound == "maxTime" {
			stamp = r.Bounds.Max
		}
		dst = append(dst, `[{"timestamp":`...)
		dst = ts(dst, stamp)
		dst = append(dst, `,"result":{`...)
		if q.Bound != "maxTime" {
			dst = append(dst, `"minTime":`...)
			dst = ts(dst, r.Bounds.Min)
		}
		if q.Bound == "" {
			dst = append(dst, ',')
		}
		if q.Bound != "minTime" {
			dst = append(dst, `"maxTime":`...)
			dst = ts(dst, r.Bounds.Max)
		}
		return append(dst, "}}]"...)
	case *query.DataSourceMetadata:
		if r.Bounds == nil {
			return append(dst, "[]"...)
		}
		dst = append(dst, `[{"timestamp":`...)
		dst = ts(dst, r.Bounds.Max)
		dst = append(dst, `,"result":{"maxIngestedEventTime":`...)
		dst = ts(dst, r.Bounds.Max)
		return append(dst, "}}]"...)
	case *query.SegmentMetadata:
		dst = append(dst, '[')
		for i, a := range r.Analyses {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = a.appendJSON(dst)
		}
		return append(dst, ']')
	}
	return append(dst, "[]"...)
}

// compareIntervals orders intervals by start, then end.
func compareIntervals(a, b base.Interval) int {
	return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End))
}

// sortAnalyses orders analyses by interval, then partition, then id.
func sortAnalyses(as []*SegmentAnalysis) {
	slices.SortStableFunc(as, func(a, b *SegmentAnalysis) int {
		return cmp.Or(compareIntervals(a.Interval, b.Interval), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.ID, b.ID))
	})
}

// DefaultHistory is how far back from the end of a datasource's latest
// segment a segmentMetadata query without intervals looks, in milliseconds:
// Druid's druid.query.segmentMetadata.defaultHistory, P1W.
const DefaultHistory = 7 * 24 * 3_600_000

// QueryIntervals returns the intervals whose segments the broker should run
// q on. A segmentMetadata query without intervals reads the segments
// overlapping the DefaultHistory before latestEnd, the end of the
// datasource's latest segment, as Druid does; every other query reads its
// own intervals (timeBoundary and dataSourceMetadata default to eternity at
// decode time).
func QueryIntervals(q query.Query, latestEnd int64) []base.Interval {
	if sm, ok := q.(*query.SegmentMetadata); ok && sm.Intervals == nil {
		return []base.Interval{base.NewInterval(latestEnd-DefaultHistory, latestEnd)}
	}
	return q.Base().Intervals
}
