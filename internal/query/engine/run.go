package engine

import (
	"context"
	"slices"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// allLabel labels the single bucket of granularity "all": max(query start,
// first matching row time).
func allLabel(ivs []base.Interval, first int64) int64 {
	if len(ivs) > 0 && ivs[0].Start > first {
		return ivs[0].Start
	}
	return first
}

func runTimeseries(ctx context.Context, q *query.Timeseries, seg *segment.Segment) ([]result.TimeseriesRow, error) {
	merge, err := result.FromFactories(q.Aggregations)
	if err != nil {
		return nil, err
	}
	p, err := newPlanWith(ctx, &q.Common, seg, true)
	if err != nil {
		return nil, err
	}
	aggs, err := p.newAggregators(q.Aggregations)
	if err != nil {
		return nil, err
	}
	bk, err := newBucketer(p, q.Granularity)
	if err != nil {
		return nil, err
	}
	err = p.eachBlock(func(start, n int, sel []int32) error {
		groups, one, err := bk.assign(start, n, sel)
		if err != nil {
			return err
		}
		for _, a := range aggs {
			a.grow(len(bk.starts))
			if err := a.add(start, n, sel, groups, one); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := sketchErrors(aggs); err != nil {
		return nil, err
	}
	lo, hi, seen, err := bk.span()
	if err != nil || !seen {
		return nil, err
	}
	out := make([]result.TimeseriesRow, len(bk.starts))
	for b, ts := range bk.starts {
		vals := make([]any, len(aggs))
		for i, a := range aggs {
			vals[i] = a.value(b)
		}
		out[b] = result.TimeseriesRow{Timestamp: ts, Values: vals}
	}
	if q.Granularity.IsAll() {
		out[0].Timestamp = allLabel(q.Intervals, lo)
		return out, nil
	}
	return result.FillTimeseriesChecked(q, merge, out, base.NewInterval(lo, hi+1))
}

func runTopN(ctx context.Context, q *query.TopN, seg *segment.Segment) ([]result.TopNBucket, error) {
	merge, err := result.FromFactories(q.Aggregations)
	if err != nil {
		return nil, err
	}
	p, err := newPlanWith(ctx, &q.Common, seg, true)
	if err != nil {
		return nil, err
	}
	aggs, err := p.newAggregators(q.Aggregations)
	if err != nil {
		return nil, err
	}
	bk, err := newBucketer(p, q.Granularity)
	if err != nil {
		return nil, err
	}
	dim, err := p.newDimReader(q.Dimension)
	if err != nil {
		return nil, err
	}
	g := newGrouper(p, bk, []*dimReader{dim}, aggs)
	if err := g.run(); err != nil {
		return nil, err
	}
	if err := sketchErrors(aggs); err != nil {
		return nil, err
	}
	lo, _, seen, err := bk.span()
	if err != nil || !seen {
		return nil, err
	}
	buckets := make([]result.TopNBucket, len(bk.starts))
	for b, ts := range bk.starts {
		buckets[b].Timestamp = ts
	}
	if q.Granularity.IsAll() {
		buckets[0].Timestamp = allLabel(q.Intervals, lo)
	}
	perBucket := make([][]int32, len(bk.starts))
	if len(perBucket) == 1 {
		perBucket[0] = g.groupIDs()
	} else {
		for _, id := range g.groupIDs() {
			b, _ := g.bucketOf(int(id))
			perBucket[b] = append(perBucket[b], id)
		}
	}
	keep := result.PerSegmentThreshold(q)
	mi := numericMetricAgg(q)
	for b, ids := range perBucket {
		if mi >= 0 && len(ids) > keep {
			keys, nulls := make([]float64, len(ids)), make([]bool, len(ids))
			if metricKeys(aggs[mi], ids, keys, nulls) {
				ids = topCandidates(ids, keys, nulls, keep, q.Metric.Inverted)
				if len(ids) > keep && !q.Metric.Inverted && dim.kind == dimDirect && q.Metric.Ordering == value.Lexicographic {
					ids = trimTies(g, dim, aggs[mi], ids, keep)
				}
			}
		}
		rows := make([]result.TopNRow, len(ids))
		for j, id := range ids {
			_, dims := g.dimsOf(int(id))
			vals := make([]any, len(aggs))
			for i, a := range aggs {
				vals[i] = a.value(int(id))
			}
			rows[j] = result.TopNRow{Dim: dims[0], Values: vals}
		}
		buckets[b].Rows = rows
	}
	buckets = slices.DeleteFunc(buckets, func(b result.TopNBucket) bool { return len(b.Rows) == 0 })
	return result.MergeTopN(q, merge, result.PerSegmentThreshold(q), buckets)
}

func runGroupBy(ctx context.Context, q *query.GroupBy, seg *segment.Segment) ([]result.GroupByRow, error) {
	if _, err := result.FromFactories(q.Aggregations); err != nil {
		return nil, err
	}
	p, err := newPlanWith(ctx, &q.Common, seg, true)
	if err != nil {
		return nil, err
	}
	aggs, err := p.newAggregators(q.Aggregations)
	if err != nil {
		return nil, err
	}
	bk, err := newBucketer(p, q.Granularity)
	if err != nil {
		return nil, err
	}
	dims := make([]*dimReader, len(q.Dimensions))
	for i, d := range q.Dimensions {
		if dims[i], err = p.newDimReader(d); err != nil {
			return nil, err
		}
	}
	g := newGrouper(p, bk, dims, aggs)
	if err := g.run(); err != nil {
		return nil, err
	}
	if err := sketchErrors(aggs); err != nil {
		return nil, err
	}
	ids := g.groupIDs()
	out := make([]result.GroupByRow, len(ids))
	for j, id32 := range ids {
		id := int(id32)
		b, ds := g.dimsOf(id)
		vals := make([]any, len(aggs))
		for i, a := range aggs {
			vals[i] = a.value(id)
		}
		ts := bk.starts[b]
		if q.Granularity.IsAll() {
			ts = q.Granularity.Floor(0)
		}
		out[j] = result.GroupByRow{Timestamp: ts, Dims: ds, Values: vals}
	}
	return out, nil
}

// sketchErrors reports the first input a sketch aggregator could not use.
func sketchErrors(aggs []aggregator) error {
	for _, a := range aggs {
		if s, ok := a.(*sketchAgg); ok {
			if err := s.err(); err != nil {
				return err
			}
		}
	}
	return nil
}
