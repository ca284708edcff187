package metaquery

import (
	"context"
	"errors"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/engine"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/segment"
)

// selection is the set of a segment's rows a query looks at: every row
// (all), or the rows of bm.
type selection struct {
	all bool
	bm  *roaring.Bitmap
	n   int
}

// empty reports whether no row is selected.
func (s selection) empty() bool {
	if s.all {
		return s.n == 0
	}
	return s.bm.IsEmpty()
}

// covers reports whether the intervals contain every stored timestamp of a
// segment whose rows span [minTime, maxTime].
func covers(ivs []base.Interval, minTime, maxTime int64) bool {
	for _, iv := range ivs {
		if iv.Start <= minTime && maxTime < iv.End {
			return true
		}
	}
	return false
}

// timeColumn is a block-cached reader of a segment's __time column.
type timeColumn struct {
	col   segment.LongColumn
	n     int
	buf   []int64
	start int
	len   int
}

func openTime(seg *segment.Segment) (*timeColumn, error) {
	c, err := seg.Column(base.TimeColumn)
	if err != nil {
		return nil, err
	}
	lc, ok := c.(segment.LongColumn)
	if !ok {
		return nil, base.Errorf(base.ClassInternal, "segment column %s is %T, not a long column", base.TimeColumn, c)
	}
	return &timeColumn{col: lc, n: lc.Len(), buf: make([]int64, segment.BlockSize), start: -1}, nil
}

// at returns the time of row r (0 <= r < n).
func (t *timeColumn) at(r int) int64 {
	bs := r / segment.BlockSize * segment.BlockSize
	if bs != t.start {
		t.len = t.col.Read(bs, t.buf)
		t.start = bs
	}
	return t.buf[r-bs]
}

// lowerBound returns the first row whose time is >= ms (n if none).
func (t *timeColumn) lowerBound(ms int64) int {
	lo, hi := 0, t.n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if t.at(mid) < ms {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// selectRows returns the rows of seg inside c's intervals that pass c's
// filter, selected by the segment engine (engine.Select) so that search and
// the other query types choose rows the same way. Without a filter only the
// time column is read.
func selectRows(ctx context.Context, seg *segment.Segment, c *query.Common) (selection, error) {
	if c.Filter == nil {
		return timeRows(seg, c.Intervals)
	}
	bm, all, err := engine.Select(ctx, c, seg)
	if err != nil {
		return selection{}, err
	}
	if all {
		return selection{all: true, n: seg.NumRows()}, nil
	}
	return selection{bm: bm}, nil
}

// timeRows returns the rows of seg inside ivs: every row when the
// intervals cover the segment's stored times, else the row ranges found by
// binary search on __time.
func timeRows(seg *segment.Segment, ivs []base.Interval) (selection, error) {
	meta := seg.Metadata()
	n := seg.NumRows()
	if n == 0 {
		return selection{bm: roaring.New()}, nil
	}
	if covers(ivs, meta.MinTime, meta.MaxTime) {
		return selection{all: true, n: n}, nil
	}
	tc, err := openTime(seg)
	if err != nil {
		return selection{}, err
	}
	bm := roaring.New()
	for _, iv := range ivs {
		if iv.End <= meta.MinTime || iv.Start > meta.MaxTime {
			continue
		}
		lo, hi := tc.lowerBound(iv.Start), tc.lowerBound(iv.End)
		if lo < hi {
			bm.AddRange(uint64(lo), uint64(hi))
		}
	}
	return selection{bm: bm}, nil
}

// indexed answers f from bitmap indexes when it reads no virtual column
// and indexFilter can (ok false otherwise).
func indexed(seg *segment.Segment, f filter.Filter, vs *virtuals) (*roaring.Bitmap, bool, error) {
	if vs.anyOf(filter.RequiredColumns(f)) {
		return nil, false, nil
	}
	return indexFilter(seg, f)
}

// rowFilter evaluates a filter on single rows of a segment. It is not safe
// for concurrent use.
type rowFilter struct {
	m   filter.Matcher
	acc *rowAccessor
	row filter.Row
}

func newRowFilter(seg *segment.Segment, f filter.Filter, vs *virtuals) (*rowFilter, error) {
	m, err := filter.Compile(f)
	if err != nil {
		return nil, err
	}
	acc, err := newRowAccessor(seg, vs.storedInputs(filter.RequiredColumns(f)))
	if err != nil {
		return nil, err
	}
	rf := &rowFilter{m: m, acc: acc, row: acc}
	if vs != nil {
		rf.row = view{v: vs, r: acc}
	}
	return rf, nil
}

// match reports whether row r matches (is True, not Unknown).
func (rf *rowFilter) match(r int) (bool, error) {
	rf.acc.seek(r)
	ok := rf.m.Eval(rf.row) == filter.TriTrue
	return ok, rf.acc.err
}

// rowAccessor presents one row of a segment to a filter.Matcher, decoding
// the columns the filter reads a block at a time.
type rowAccessor struct {
	names []string
	cols  []accCol
	row   int
	err   error
}

type accCol struct {
	col   segment.Column
	start int // first row of the decoded block, -1 for none
	ids   []int32
	longs []int64
	dbls  []float64
	flts  []float32
	mv    []int32 // scratch for multi-value rows
}

func newRowAccessor(seg *segment.Segment, names []string) (*rowAccessor, error) {
	a := &rowAccessor{}
	have := map[string]bool{}
	for _, c := range seg.ColumnNames() {
		have[c] = true
	}
	for _, name := range names {
		if !have[name] {
			continue // a missing column reads as null
		}
		c, err := seg.Column(name)
		if err != nil {
			return nil, err
		}
		a.names = append(a.names, name)
		a.cols = append(a.cols, accCol{col: c, start: -1})
	}
	return a, nil
}

func (a *rowAccessor) seek(r int) { a.row = r }

// Value implements filter.Row.
func (a *rowAccessor) Value(name string) any {
	for i, n := range a.names {
		if n == name {
			return a.value(&a.cols[i])
		}
	}
	return nil
}

func (a *rowAccessor) value(c *accCol) any {
	r := a.row
	bs := r / segment.BlockSize * segment.BlockSize
	switch col := c.col.(type) {
	case segment.StringColumn:
		if col.IsMultiValue() {
			c.mv = col.RowIDs(r, c.mv[:0])
			var vals []string
			for _, id := range c.mv {
				v, isNull := col.Lookup(int(id))
				if isNull {
					if len(c.mv) == 1 {
						return nil
					}
					continue
				}
				vals = append(vals, v)
			}
			if len(vals) == 0 {
				return nil
			}
			if len(vals) == 1 && len(c.mv) == 1 {
				return vals[0]
			}
			return vals
		}
		if c.start != bs {
			if c.ids == nil {
				c.ids = make([]int32, segment.BlockSize)
			}
			col.ReadIDs(bs, c.ids)
			c.start = bs
		}
		v, isNull := col.Lookup(int(c.ids[r-bs]))
		if isNull {
			return nil
		}
		return v
	case segment.LongColumn:
		if nulls := col.Nulls(); nulls != nil && nulls.Contains(uint32(r)) {
			return nil
		}
		if c.start != bs {
			if c.longs == nil {
				c.longs = make([]int64, segment.BlockSize)
			}
			col.Read(bs, c.longs)
			c.start = bs
		}
		return c.longs[r-bs]
	case segment.DoubleColumn:
		if nulls := col.Nulls(); nulls != nil && nulls.Contains(uint32(r)) {
			return nil
		}
		if c.start != bs {
			if c.dbls == nil {
				c.dbls = make([]float64, segment.BlockSize)
			}
			col.Read(bs, c.dbls)
			c.start = bs
		}
		return c.dbls[r-bs]
	case segment.FloatColumn:
		if nulls := col.Nulls(); nulls != nil && nulls.Contains(uint32(r)) {
			return nil
		}
		if c.start != bs {
			if c.flts == nil {
				c.flts = make([]float32, segment.BlockSize)
			}
			col.Read(bs, c.flts)
			c.start = bs
		}
		return c.flts[r-bs]
	case segment.ArrayColumn:
		return arrayValue(col.Row(r))
	case segment.ComplexColumn:
		if b := col.Value(r); b != nil {
			return b
		}
		return nil
	}
	if a.err == nil {
		a.err = base.Errorf(base.ClassInternal, "column %s: unexpected column type %s", c.col.Info().Name, fmt.Sprintf("%T", c.col))
	}
	return nil
}

// arrayValue converts a stored ARRAY row to the value model's []any.
func arrayValue(v segment.Value) any {
	if v.IsNull() {
		return nil
	}
	out := make([]any, len(v.Elems))
	for i, e := range v.Elems {
		switch e.Kind {
		case segment.KindString:
			out[i] = e.Str
		case segment.KindLong:
			out[i] = e.Long
		case segment.KindDouble:
			out[i] = e.Double
		default:
			out[i] = nil
		}
	}
	return out
}

// checkCtx reports the context's cancellation or deadline as an error of
// class Canceled or Timeout naming the segment's datasource.
func checkCtx(ctx context.Context, seg *segment.Segment) error {
	err := ctx.Err()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return base.Errorf(base.ClassTimeout, "query on segment of %s: %w", seg.Metadata().DataSource, err)
	}
	return base.Errorf(base.ClassCanceled, "query on segment of %s: %w", seg.Metadata().DataSource, err)
}
