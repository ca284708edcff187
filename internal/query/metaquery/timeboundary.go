package metaquery

import (
	"context"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/segment"
)

// runTimeBoundary finds the earliest and latest selected __time of one
// segment. Without a filter, and with query intervals that cover the
// segment's data, the answer is the segment metadata's row time range;
// otherwise the first and last selected rows are read (rows are sorted by
// time).
func runTimeBoundary(ctx context.Context, q *query.TimeBoundary, seg *segment.Segment) (*Partial, error) {
	p := &Partial{Type: q.Type()}
	meta := seg.Metadata()
	if meta.NumRows == 0 {
		return p, nil
	}
	if q.Filter == nil && covers(q.Intervals, meta.MinTime, meta.MaxTime) {
		p.Bounds = &Bounds{Min: meta.MinTime, Max: meta.MaxTime}
		return p, nil
	}
	vs, err := bindVirtuals(seg, q.VirtualColumns)
	if err != nil {
		return nil, err
	}
	sel, err := selectRows(ctx, seg, q.Intervals, q.Filter, vs)
	if err != nil {
		return nil, err
	}
	if sel.empty() {
		return p, nil
	}
	first, last := 0, sel.n-1
	if !sel.all {
		first, last = int(sel.bm.Minimum()), int(sel.bm.Maximum())
	}
	tc, err := openTime(seg)
	if err != nil {
		return nil, err
	}
	p.Bounds = &Bounds{Min: tc.at(first), Max: tc.at(last)}
	return p, nil
}
