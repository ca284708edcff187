package historical

import (
	"container/list"
	"sync"

	"github.com/dryaddb/dryad/internal/query/engine"
	"github.com/dryaddb/dryad/internal/query/result"
)

// resultCache is the per-segment result cache: partial results keyed by
// (segment, interval read, query cache key), bounded by a total number of
// cached rows and evicted least recently used first. It stores private
// copies, so callers may hand the partials they get to merges that modify
// them. It is safe for concurrent use.
type resultCache struct {
	mu      sync.Mutex
	maxRows int
	rows    int
	order   *list.List // of *cacheEntry, most recent first
	byKey   map[string]*list.Element
	hits    int64
	misses  int64
}

type cacheEntry struct {
	key  string
	p    *engine.Partial
	rows int
}

func newResultCache(maxRows int) *resultCache {
	return &resultCache{maxRows: maxRows, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *resultCache) get(key string) (*engine.Partial, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		c.misses++
		return nil, false
	}
	c.hits++
	c.order.MoveToFront(e)
	return clonePartial(e.Value.(*cacheEntry).p), true
}

func (c *resultCache) put(key string, p *engine.Partial) {
	n := partialRows(p)
	if n > c.maxRows/4 {
		return // too large to be worth keeping
	}
	cp := clonePartial(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.byKey[key]; ok {
		c.rows -= old.Value.(*cacheEntry).rows
		c.order.Remove(old)
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, p: cp, rows: n})
	c.rows += n
	for c.rows > c.maxRows {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.rows -= e.rows
	}
}

// stats returns the hit and miss counts.
func (c *resultCache) stats() (hits, misses int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// partialRows counts a partial's rows (at least 1, so empty results cost
// an entry).
func partialRows(p *engine.Partial) int {
	n := 1 + len(p.Timeseries) + len(p.GroupBy)
	for _, b := range p.TopN {
		n += len(b.Rows)
	}
	for _, b := range p.Scan {
		n += len(b.Events)
	}
	return n
}

// clonePartial copies the slices of a partial result; the values in them
// are immutable scalars and are shared.
func clonePartial(p *engine.Partial) *engine.Partial {
	out := &engine.Partial{}
	if p.Timeseries != nil {
		out.Timeseries = make([]result.TimeseriesRow, len(p.Timeseries))
		for i, r := range p.Timeseries {
			out.Timeseries[i] = result.TimeseriesRow{Timestamp: r.Timestamp, Values: append([]any(nil), r.Values...)}
		}
	}
	if p.TopN != nil {
		out.TopN = make([]result.TopNBucket, len(p.TopN))
		for i, b := range p.TopN {
			rows := make([]result.TopNRow, len(b.Rows))
			for j, r := range b.Rows {
				rows[j] = result.TopNRow{Dim: r.Dim, Values: append([]any(nil), r.Values...)}
			}
			out.TopN[i] = result.TopNBucket{Timestamp: b.Timestamp, Rows: rows}
		}
	}
	if p.GroupBy != nil {
		out.GroupBy = make([]result.GroupByRow, len(p.GroupBy))
		for i, r := range p.GroupBy {
			out.GroupBy[i] = result.GroupByRow{Timestamp: r.Timestamp, Dims: append([]any(nil), r.Dims...), Values: append([]any(nil), r.Values...)}
		}
	}
	if p.Scan != nil {
		out.Scan = make([]result.ScanBatch, len(p.Scan))
		for i, b := range p.Scan {
			ev := make([][]any, len(b.Events))
			for j, e := range b.Events {
				ev[j] = append([]any(nil), e...)
			}
			out.Scan[i] = result.ScanBatch{SegmentID: b.SegmentID, Columns: b.Columns, ColumnTypes: b.ColumnTypes, Events: ev}
		}
	}
	return out
}
