package historical

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/engine"
	"github.com/dryaddb/dryad/internal/query/metaquery"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/serverview"
)

// RunQuery implements serverview.QueryRunner: it runs q on each described
// segment in parallel on the processing pool (at most Threads segments at
// once across all queries, higher context priority first), reading each segment only over the
// descriptor's interval intersected with the query intervals, takes
// per-segment results from the result cache when the query allows
// (context useCache/populateCache, default true; scan results are never
// cached), and merges them as a data server does: timeseries and groupBy
// rows combined, topN lists combined and re-truncated to the per-segment
// threshold, scan batches concatenated in descriptor order.
func (h *Historical) RunQuery(ctx context.Context, q query.Query, descs []serverview.Descriptor) (*engine.Partial, error) {
	switch q.(type) {
	case *query.Timeseries, *query.TopN, *query.GroupBy, *query.Scan:
	default:
		return nil, base.Errorf(base.ClassUnsupported, "query type %q is not supported by the historical yet", q.Type())
	}
	c := q.Base().Context
	useCache := c.Bool("useCache", true) && cacheable(q)
	populateCache := c.Bool("populateCache", true) && cacheable(q)
	var keyBase string
	if useCache || populateCache {
		k, err := cacheKey(q)
		if err != nil {
			return nil, err
		}
		keyBase = k
	}
	priority := c.Priority()
	parts := make([]*engine.Partial, len(descs))
	errs := make([]error, len(descs))
	var wg sync.WaitGroup
	for i, d := range descs {
		l, ok := h.cache.get(d.Segment)
		if !ok {
			return nil, base.Errorf(base.ClassNotFound, "segment %s is not served by historical %s", d.Segment, h.deps.Name)
		}
		sq := withIntervals(q, clip(q.Base().Intervals, d.Interval))
		var key string
		if keyBase != "" {
			key = l.id + "\x00" + d.Interval.String() + "\x00" + keyBase
		}
		if useCache {
			if p, ok := h.results.get(key); ok {
				parts[i] = p
				continue
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.pool.acquire(ctx, priority); err != nil {
				errs[i] = err
				return
			}
			defer h.pool.release()
			p, err := h.runSegment(ctx, sq, l)
			if err != nil {
				errs[i] = err
				return
			}
			if populateCache {
				h.results.put(key, p)
			}
			parts[i] = p
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return mergePartials(q, parts)
}

// runSegment runs sq over one served segment, holding it open.
func (h *Historical) runSegment(ctx context.Context, sq query.Query, l *loaded) (*engine.Partial, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.seg == nil {
		return nil, base.Errorf(base.ClassNotFound, "segment %s was dropped while the query ran", l.id)
	}
	if h.run != nil {
		return h.run(ctx, sq, l.seg, l.id)
	}
	return engine.Run(ctx, sq, l.seg, l.id)
}

// cacheable: scans are never cached, nor queries using lookups (their
// results follow lookup contents the cache key does not show).
func cacheable(q query.Query) bool {
	_, scan := q.(*query.Scan)
	return !scan && !q.Base().UsesLookups()
}

// resultNeutralContext lists context keys that do not change a segment's
// partial result; they are left out of cache keys.
var resultNeutralContext = map[string]bool{
	"queryId": true, "sqlQueryId": true, "timeout": true, "priority": true, "lane": true,
	"useCache": true, "populateCache": true, "useResultLevelCache": true, "populateResultLevelCache": true,
	"maxScatterGatherBytes": true, "maxQueuedBytes": true, "finalize": true, "serializeDateTimeAsLong": true,
	"serializeDateTimeAsLongInner": true, "resultAsArray": true, "grandTotal": true,
}

// cacheKey is the query's identity for the per-segment result cache: its
// JSON without intervals (the segment's own interval is part of the key)
// and without the context keys that do not affect results.
func cacheKey(q query.Query) (string, error) {
	ctx := query.Context{}
	for k, v := range q.Base().Context {
		if !resultNeutralContext[k] {
			ctx[k] = v
		}
	}
	cq := withContext(withIntervals(q, q.Base().Intervals), ctx)
	b, err := query.Encode(cq)
	if err != nil {
		return "", fmt.Errorf("computing the cache key of a %s query: %w", q.Type(), err)
	}
	return string(b), nil
}

// withIntervals returns a shallow copy of q reading ivs.
func withIntervals(q query.Query, ivs []base.Interval) query.Query {
	switch q := q.(type) {
	case *query.Timeseries:
		return copyWithIntervals(q, ivs)
	case *query.TopN:
		return copyWithIntervals(q, ivs)
	case *query.GroupBy:
		return copyWithIntervals(q, ivs)
	case *query.Scan:
		return copyWithIntervals(q, ivs)
	case *query.Search:
		return copyWithIntervals(q, ivs)
	case *query.TimeBoundary:
		return copyWithIntervals(q, ivs)
	case *query.SegmentMetadata:
		return copyWithIntervals(q, ivs)
	case *query.DataSourceMetadata:
		return copyWithIntervals(q, ivs)
	}
	return q
}

// copyWithIntervals copies the query struct *q and sets the copy's intervals.
func copyWithIntervals[T any, P interface {
	*T
	query.Query
}](q P, ivs []base.Interval) query.Query {
	c := *(*T)(q)
	P(&c).Base().Intervals = ivs
	return P(&c)
}

// RunMetaQuery implements serverview.QueryRunner: it runs a search,
// timeBoundary, segmentMetadata or dataSourceMetadata query on each
// described segment on the processing pool, reading each over the
// descriptor's interval intersected with the query intervals, and returns
// the per-segment partial results in descriptor order. They are not cached.
func (h *Historical) RunMetaQuery(ctx context.Context, q query.Query, descs []serverview.Descriptor) ([]*metaquery.Partial, error) {
	switch q.(type) {
	case *query.Search, *query.TimeBoundary, *query.SegmentMetadata, *query.DataSourceMetadata:
	default:
		return nil, base.Errorf(base.ClassInvalidInput, "query type %q is not a metadata query", q.Type())
	}
	priority := q.Base().Context.Priority()
	parts := make([]*metaquery.Partial, len(descs))
	errs := make([]error, len(descs))
	var wg sync.WaitGroup
	for i, d := range descs {
		l, ok := h.cache.get(d.Segment)
		if !ok {
			return nil, base.Errorf(base.ClassNotFound, "segment %s is not served by historical %s", d.Segment, h.deps.Name)
		}
		sq := withIntervals(q, clip(q.Base().Intervals, d.Interval))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.pool.acquire(ctx, priority); err != nil {
				errs[i] = err
				return
			}
			defer h.pool.release()
			l.mu.RLock()
			defer l.mu.RUnlock()
			if l.seg == nil {
				errs[i] = base.Errorf(base.ClassNotFound, "segment %s was dropped while the query ran", l.id)
				return
			}
			parts[i], errs[i] = metaquery.Run(ctx, sq, l.seg, l.id)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return parts, nil
}

// withContext sets the context of a copy made by withIntervals.
func withContext(q query.Query, ctx query.Context) query.Query {
	q.Base().Context = ctx
	return q
}

// mergePartials combines per-segment results; it takes ownership of parts.
func mergePartials(q query.Query, parts []*engine.Partial) (*engine.Partial, error) {
	var out engine.Partial
	switch q := q.(type) {
	case *query.Timeseries:
		aggs, err := result.FromFactories(q.Aggregations)
		if err != nil {
			return nil, err
		}
		rows := make([][]result.TimeseriesRow, 0, len(parts))
		for _, p := range parts {
			rows = append(rows, p.Timeseries)
		}
		out.Timeseries, err = result.MergeTimeseries(q, aggs, rows...)
		return &out, err
	case *query.TopN:
		aggs, err := result.FromFactories(q.Aggregations)
		if err != nil {
			return nil, err
		}
		bs := make([][]result.TopNBucket, 0, len(parts))
		for _, p := range parts {
			bs = append(bs, p.TopN)
		}
		out.TopN, err = result.MergeTopN(q, aggs, result.PerSegmentThreshold(q), bs...)
		return &out, err
	case *query.GroupBy:
		aggs, err := result.FromFactories(q.Aggregations)
		if err != nil {
			return nil, err
		}
		if len(parts) == 1 {
			// One segment's rows hold one row per group already.
			out.GroupBy = parts[0].GroupBy
			return &out, nil
		}
		m := result.NewGroupByMerger(q, aggs)
		for _, p := range parts {
			if err := m.Add(p.GroupBy); err != nil {
				return nil, err
			}
		}
		out.GroupBy = m.Rows()
		return &out, nil
	case *query.Scan:
		for _, p := range parts {
			out.Scan = append(out.Scan, p.Scan...)
		}
		return &out, nil
	}
	return nil, base.Errorf(base.ClassUnsupported, "query type %q is not supported by the historical yet", q.Type())
}

// clip intersects sorted, disjoint query intervals with iv; a query
// without intervals reads all of iv.
func clip(ivs []base.Interval, iv base.Interval) []base.Interval {
	if ivs == nil {
		return []base.Interval{iv}
	}
	out := make([]base.Interval, 0, len(ivs))
	for _, x := range ivs {
		if c, ok := x.Intersect(iv); ok && !c.IsEmpty() {
			out = append(out, c)
		}
	}
	return out
}
