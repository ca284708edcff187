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
	// Rows are sorted by time: the bounds are the times of the first and
	// the last selected rows.
	vs, err := bindVirtuals(seg, &q.Common)
	if err != nil {
		return nil, err
	}
	sel, err := timeRows(seg, q.Intervals)
	if err != nil || sel.empty() {
		return p, err
	}
	first, last := 0, sel.n-1
	if !sel.all {
		first, last = int(sel.bm.Minimum()), int(sel.bm.Maximum())
	}
	var found bool
	switch bm, ok, err := indexed(seg, q.Filter, vs); {
	case err != nil:
		return nil, err
	case q.Filter == nil:
		found = true
	case ok:
		if !sel.all {
			bm.And(sel.bm)
		}
		if found = !bm.IsEmpty(); found {
			first, last = int(bm.Minimum()), int(bm.Maximum())
		}
	default:
		first, last, found, err = firstLastMatch(ctx, seg, q, vs, sel)
		if err != nil {
			return nil, err
		}
	}
	if !found {
		return p, nil
	}
	tc, err := openTime(seg)
	if err != nil {
		return nil, err
	}
	p.Bounds = &Bounds{Min: tc.at(first), Max: tc.at(last)}
	return p, nil
}

// firstLastMatch finds the first and the last selected row matching the
// query filter, scanning from each end and stopping at the first match.
func firstLastMatch(ctx context.Context, seg *segment.Segment, q *query.TimeBoundary, vs *virtuals, sel selection) (first, last int, found bool, err error) {
	rf, err := newRowFilter(seg, q.Filter, vs)
	if err != nil {
		return 0, 0, false, err
	}
	scan := func(next func() (int, bool)) (int, bool, error) {
		for k := 0; ; k++ {
			r, more := next()
			if !more {
				return 0, false, nil
			}
			if k%segment.BlockSize == 0 {
				if err := checkCtx(ctx, seg); err != nil {
					return 0, false, err
				}
			}
			ok, err := rf.match(r)
			if err != nil || ok {
				return r, ok, err
			}
		}
	}
	var up, down func() (int, bool)
	if sel.all {
		i, j := 0, sel.n-1
		up = func() (int, bool) { i++; return i - 1, i-1 < sel.n }
		down = func() (int, bool) { j--; return j + 1, j+1 >= 0 }
	} else {
		it, rit := sel.bm.Iterator(), sel.bm.ReverseIterator()
		up = func() (int, bool) {
			if !it.HasNext() {
				return 0, false
			}
			return int(it.Next()), true
		}
		down = func() (int, bool) {
			if !rit.HasNext() {
				return 0, false
			}
			return int(rit.Next()), true
		}
	}
	if first, found, err = scan(up); err != nil || !found {
		return 0, 0, false, err
	}
	last, _, err = scan(down)
	return first, last, true, err
}
