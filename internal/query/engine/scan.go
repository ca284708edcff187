package engine

import (
	"context"
	"errors"
	"math"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/segment"
)

var errStop = errors.New("stop")

// runScan returns the selected rows in batches of q.BatchSize. With a
// limit it keeps offset+limit rows (the broker applies the offset); order
// "descending" returns rows from the latest, the others in segment (time)
// order.
func runScan(ctx context.Context, q *query.Scan, seg *segment.Segment, segmentID string) ([]result.ScanBatch, error) {
	p, err := newPlan(ctx, &q.Common, seg)
	if err != nil {
		return nil, err
	}
	cols := q.Columns
	if len(cols) == 0 {
		// As Druid: __time, the virtual columns, then the stored columns.
		stored := seg.ColumnNames()
		cols = []string{base.TimeColumn}
		for _, vc := range q.VirtualColumns {
			if !slices.Contains(cols, vc.Name) {
				cols = append(cols, vc.Name)
			}
		}
		for _, c := range stored {
			if !slices.Contains(cols, c) {
				cols = append(cols, c)
			}
		}
	}
	types := make([]base.ColumnType, len(cols))
	meta := seg.Metadata()
	for i, c := range cols {
		types[i] = p.columnType(&meta, c)
	}
	srcs := make([]source, len(cols))
	for i, c := range cols {
		if srcs[i], err = p.source(c); err != nil {
			return nil, err
		}
	}
	keep := math.MaxInt
	if q.Limit > 0 {
		keep = int(min(q.Limit, math.MaxInt32) + min(max(q.Offset, 0), math.MaxInt32))
	}
	var events [][]any
	emit := func(start, n int, sel []int32) error {
		vs := make([]*vec, len(srcs))
		for j, s := range srcs {
			v, err := s.loadSel(start, n, sel)
			if err != nil {
				return err
			}
			vs[j] = v
		}
		for _, i := range sel {
			if len(events) >= keep {
				return errStop
			}
			e := make([]any, len(cols))
			for j, v := range vs {
				e[j] = v.at(int(i))
			}
			events = append(events, e)
		}
		if len(events) >= keep {
			return errStop
		}
		return nil
	}
	if q.Order == query.OrderDescending {
		err = p.eachRows(p.lastRows(keep), emit)
		slices.Reverse(events)
	} else {
		err = p.eachBlock(emit)
	}
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	if len(events) == 0 {
		return nil, nil
	}
	size := int(max(q.BatchSize, 1))
	var out []result.ScanBatch
	for len(events) > 0 {
		k := min(size, len(events))
		out = append(out, result.ScanBatch{SegmentID: segmentID, Columns: cols, ColumnTypes: types, Events: events[:k:k]})
		events = events[k:]
	}
	return out, nil
}

// columnType is a column's type for the scan row signature (unknown for a
// missing column).
func (p *plan) columnType(meta *segment.Metadata, name string) base.ColumnType {
	if vc, ok := p.vcs[name]; ok {
		return vc.OutputType
	}
	if name == base.TimeColumn {
		return base.TypeLong
	}
	for _, d := range meta.Dimensions {
		if d.Name == name {
			return d.Type
		}
	}
	for _, m := range meta.Metrics {
		if m.Name == name {
			return m.Type
		}
	}
	return base.ColumnType{}
}

// lastRows returns the last k selected rows, ascending.
func (p *plan) lastRows(k int) *roaring.Bitmap {
	out := roaring.New()
	if p.sel != nil {
		it := p.sel.ReverseIterator()
		for n := 0; n < k && it.HasNext(); n++ {
			out.Add(it.Next())
		}
		return out
	}
	for i := len(p.ranges) - 1; i >= 0 && k > 0; i-- {
		r := p.ranges[i]
		lo := max(r.lo, r.hi-k)
		out.AddRange(uint64(lo), uint64(r.hi))
		k -= r.hi - lo
	}
	return out
}

// eachRows is eachBlock over an explicit set of rows.
func (p *plan) eachRows(rows *roaring.Bitmap, fn func(start, n int, sel []int32) error) error {
	saved := p.sel
	p.sel = rows
	defer func() { p.sel = saved }()
	return p.eachSelected(fn)
}
