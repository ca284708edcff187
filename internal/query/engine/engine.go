package engine

import (
	"context"
	"errors"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/segment"
)

// Partial is one segment's partial result; exactly one field is set, by
// query type. The values are owned by the caller.
type Partial struct {
	Timeseries []result.TimeseriesRow
	TopN       []result.TopNBucket
	GroupBy    []result.GroupByRow
	Scan       []result.ScanBatch
}

// Run executes q over one segment. segmentID is written into scan batches.
// It honours ctx cancellation, checked between blocks. Query types other
// than timeseries, topN, groupBy and scan are base.ClassUnsupported. Run
// does not look at q's datasource: the caller picked the segment.
func Run(ctx context.Context, q query.Query, seg *segment.Segment, segmentID string) (*Partial, error) {
	if seg == nil {
		return nil, base.Errorf(base.ClassInvalidInput, "segment %q: no segment given", segmentID)
	}
	var out Partial
	var err error
	switch q := q.(type) {
	case *query.Timeseries:
		out.Timeseries, err = runTimeseries(ctx, q, seg)
	case *query.TopN:
		out.TopN, err = runTopN(ctx, q, seg)
	case *query.GroupBy:
		out.GroupBy, err = runGroupBy(ctx, q, seg)
	case *query.Scan:
		out.Scan, err = runScan(ctx, q, seg, segmentID)
	case nil:
		return nil, base.Errorf(base.ClassInvalidInput, "segment %q: no query given", segmentID)
	default:
		return nil, base.Errorf(base.ClassUnsupported, "query type %q is not supported by the segment engine yet", q.Type())
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// plan is one query's execution state over one segment. It is used by one
// goroutine.
type plan struct {
	ctx  context.Context
	seg  *segment.Segment
	rows int
	c    *query.Common
	srcs map[string]source
	vcs  map[string]*query.VirtualColumn
	// ranges are the row ranges inside the query intervals, sorted and
	// disjoint.
	ranges []rowRange
	// sel holds the selected rows (inside ranges, passing the filter), or
	// is nil when every row of ranges is selected.
	sel *roaring.Bitmap
	// preds are numeric leaves of the filter's top-level conjunction that
	// sel does not account for: eachBlock applies them to each block's
	// rows as it reads them, so that their columns are decoded once for
	// filtering and aggregation (only for timeseries, topN and groupBy).
	preds []blockPred
	// err is the first error met while reading values row by row.
	err error
}

type rowRange struct{ lo, hi int }

func newPlan(ctx context.Context, c *query.Common, seg *segment.Segment) (*plan, error) {
	return newPlanWith(ctx, c, seg, false)
}

// newPlanWith is newPlan; with blockFilters, numeric leaves of the filter's
// top-level conjunction become block predicates (plan.preds) instead of
// being part of plan.sel.
func newPlanWith(ctx context.Context, c *query.Common, seg *segment.Segment, blockFilters bool) (*plan, error) {
	p := &plan{ctx: ctx, seg: seg, rows: seg.NumRows(), c: c, srcs: map[string]source{}, vcs: map[string]*query.VirtualColumn{}}
	for i := range c.VirtualColumns {
		vc := &c.VirtualColumns[i]
		p.vcs[vc.Name] = vc
	}
	var err error
	if p.ranges, err = p.intervalRanges(c.Intervals); err != nil {
		return nil, err
	}
	if err := p.selectRows(blockFilters); err != nil {
		return nil, err
	}
	return p, nil
}

// source returns the reader of a column: a virtual column, a stored one or
// an all-null stand-in for a missing one.
func (p *plan) source(name string) (source, error) {
	if s, ok := p.srcs[name]; ok {
		return s, nil
	}
	s, err := p.newSource(name)
	if err != nil {
		return nil, err
	}
	p.srcs[name] = s
	return s, nil
}

func (p *plan) newSource(name string) (source, error) {
	if vc, ok := p.vcs[name]; ok {
		// Bound with the stored columns' types, as Druid binds against the
		// segment's signature (virtual and multi-value inputs stay untyped).
		comp, err := p.c.CompileExpr(vc.Expression, p.inputType)
		if err != nil {
			return nil, base.Errorf(base.ClassOf(err), "virtual column %q: %w", vc.Name, err)
		}
		vs := &virtualSource{p: p, vc: vc, comp: comp}
		if req := comp.RequiredColumns(); len(req) == 1 && req[0] != name {
			if _, isVC := p.vcs[req[0]]; !isVC {
				if in, err := p.source(req[0]); err == nil {
					if ss, ok := in.(*stringSource); ok && !ss.multi {
						vs.dictIn = ss
						vs.perID = make([]any, ss.d.card)
						vs.perIDOK = make([]bool, ss.d.card)
					}
				}
			}
		}
		if vs.dictIn == nil {
			vs.vx = newVectorExpr(p, vc.Expression)
		}
		return vs, nil
	}
	col, err := p.column(name)
	if err != nil {
		return nil, err
	}
	switch c := col.(type) {
	case nil:
		return &nullSource{}, nil
	case segment.StringColumn:
		return &stringSource{col: c, d: newDict(c), multi: c.IsMultiValue(), p: partial{ok: sparseOK(c.Info())}}, nil
	case segment.LongColumn:
		return &longSource{col: c, nbm: c.Nulls(), p: partial{ok: sparseOK(c.Info())}}, nil
	case segment.DoubleColumn:
		return &doubleSource{col: c, nbm: c.Nulls(), p: partial{ok: sparseOK(c.Info())}}, nil
	case segment.FloatColumn:
		return &floatSource{col: c, nbm: c.Nulls(), p: partial{ok: sparseOK(c.Info())}}, nil
	case segment.ComplexColumn:
		return &complexSource{col: c}, nil
	}
	return nil, base.Errorf(base.ClassInternal, "column %q: unknown column kind %T", name, col)
}

// inputType types an expression input: stored long columns are LONG,
// float and double columns DOUBLE, single-value string columns STRING;
// virtual, multi-value, complex and missing columns are untyped.
func (p *plan) inputType(name string) (base.ColumnType, bool) {
	if _, isVC := p.vcs[name]; isVC {
		return base.ColumnType{}, false
	}
	col, err := p.column(name)
	if err != nil || col == nil {
		return base.ColumnType{}, false
	}
	switch c := col.(type) {
	case segment.LongColumn:
		return base.TypeLong, true
	case segment.DoubleColumn, segment.FloatColumn:
		return base.TypeDouble, true
	case segment.StringColumn:
		if !c.IsMultiValue() {
			return base.TypeString, true
		}
	}
	return base.ColumnType{}, false
}

// column opens a stored column, or returns nil when the segment has none of
// that name.
func (p *plan) column(name string) (segment.Column, error) {
	for _, n := range p.seg.ColumnNames() {
		if n == name {
			col, err := p.seg.Column(name)
			if err != nil {
				return nil, base.Errorf(base.ClassOf(err), "column %q: %w", name, err)
			}
			return col, nil
		}
	}
	return nil, nil
}

// valueAt returns row i of the block [start, start+n) of a column, in the
// value model; errors are kept in p.err and read as null.
func (p *plan) valueAt(name string, start, n, i int) any {
	s, err := p.source(name)
	if err != nil {
		if p.err == nil {
			p.err = err
		}
		return nil
	}
	v, err := s.load(start, n)
	if err != nil {
		if p.err == nil {
			p.err = err
		}
		return nil
	}
	return v.at(i)
}

// timeColumn returns __time.
func (p *plan) timeColumn() (segment.LongColumn, error) {
	col, err := p.column(base.TimeColumn)
	if err != nil {
		return nil, err
	}
	lc, ok := col.(segment.LongColumn)
	if !ok {
		return nil, base.Errorf(base.ClassInvalidInput, "segment has no %s column", base.TimeColumn)
	}
	return lc, nil
}

// intervalRanges maps intervals (sorted, disjoint; nil: all time) to row
// ranges by binary search on __time.
func (p *plan) intervalRanges(ivs []base.Interval) ([]rowRange, error) {
	if ivs == nil {
		if p.rows == 0 {
			return nil, nil
		}
		return []rowRange{{0, p.rows}}, nil
	}
	tc, err := p.timeColumn()
	if err != nil {
		return nil, err
	}
	f := timeFinder{col: tc, rows: p.rows}
	var out []rowRange
	for _, iv := range ivs {
		lo, hi := f.firstAtLeast(iv.Start), f.firstAtLeast(iv.End)
		if lo >= hi {
			continue
		}
		if k := len(out); k > 0 && out[k-1].hi >= lo {
			out[k-1].hi = max(out[k-1].hi, hi)
			continue
		}
		out = append(out, rowRange{lo, hi})
	}
	return out, nil
}

// timeFinder binary-searches the sorted __time column block by block.
type timeFinder struct {
	col   segment.LongColumn
	rows  int
	buf   []int64
	block int // the block in buf, -1 when none
	ok    bool
}

func (f *timeFinder) at(row int) int64 {
	b := row / segment.BlockSize
	if !f.ok || f.block != b {
		if f.buf == nil {
			f.buf = make([]int64, segment.BlockSize)
		}
		f.col.Read(b*segment.BlockSize, f.buf[:min(segment.BlockSize, f.rows-b*segment.BlockSize)])
		f.block, f.ok = b, true
	}
	return f.buf[row-b*segment.BlockSize]
}

// firstAtLeast returns the first row whose time is >= t (rows if none).
func (f *timeFinder) firstAtLeast(t int64) int {
	return sort.Search(f.rows, func(r int) bool { return f.at(r) >= t })
}

// domain returns the rows of p.ranges as a bitmap.
func (p *plan) domain() *roaring.Bitmap {
	bm := roaring.New()
	for _, r := range p.ranges {
		bm.AddRange(uint64(r.lo), uint64(r.hi))
	}
	return bm
}

// selectRows evaluates the filter into p.sel (and p.preds with
// blockFilters).
func (p *plan) selectRows(blockFilters bool) error {
	f := p.c.Filter
	if f == nil || len(p.ranges) == 0 {
		return nil
	}
	ev, err := newFilterEval(p)
	if err != nil {
		return err
	}
	root := ev.root
	if blockFilters {
		kids := []filter.Filter{root}
		if a, ok := root.(*filter.And); ok {
			kids = a.Fields
		}
		var rest []filter.Filter
		for _, k := range kids {
			if bp, ok := ev.blockPred(k); ok {
				p.preds = append(p.preds, bp)
			} else {
				rest = append(rest, k)
			}
		}
		switch len(rest) {
		case 0:
			return nil
		case 1:
			root = rest[0]
		default:
			root = &filter.And{Fields: rest}
		}
	}
	ts, err := ev.eval(root, p.domain())
	if err != nil {
		return err
	}
	p.sel = ts.t
	return nil
}

// selected reports how many rows are selected.
func (p *plan) selected() int {
	if p.sel != nil {
		return int(p.sel.GetCardinality())
	}
	n := 0
	for _, r := range p.ranges {
		n += r.hi - r.lo
	}
	return n
}

// eachBlock calls fn for every block holding selected rows, in row order,
// with the block's first row, its length and the selected offsets within
// it (ascending). sel is reused between calls. ctx is checked between
// blocks.
func (p *plan) eachBlock(fn func(start, n int, sel []int32) error) error {
	if len(p.preds) == 0 {
		return p.eachSelected(fn)
	}
	return p.eachSelected(func(start, n int, sel []int32) error {
		for _, bp := range p.preds {
			v, err := bp.src.loadSel(start, n, sel)
			if err != nil {
				return err
			}
			if sel = bp.np.narrow(v, sel); len(sel) == 0 {
				return nil
			}
		}
		return fn(start, n, sel)
	})
}

// eachSelected is eachBlock over the rows of p.sel (or p.ranges), without
// the block predicates.
func (p *plan) eachSelected(fn func(start, n int, sel []int32) error) error {
	sel := make([]int32, 0, segment.BlockSize)
	if p.sel == nil {
		offsets := make([]int32, segment.BlockSize) // 0, 1, …: a whole block
		for i := range offsets {
			offsets[i] = int32(i)
		}
		for _, r := range p.ranges {
			for bs := r.lo / segment.BlockSize * segment.BlockSize; bs < r.hi; bs += segment.BlockSize {
				if err := p.checkCtx(); err != nil {
					return err
				}
				n := min(segment.BlockSize, p.rows-bs)
				lo, hi := max(r.lo, bs), min(r.hi, bs+n)
				sel = append(sel[:0], offsets[lo-bs:hi-bs]...)
				if err := fn(bs, n, sel); err != nil {
					return err
				}
			}
		}
		return nil
	}
	it := p.sel.ManyIterator()
	buf := make([]uint32, segment.BlockSize)
	curBlock := -1
	flush := func() error {
		if curBlock < 0 || len(sel) == 0 {
			return nil
		}
		if err := p.checkCtx(); err != nil {
			return err
		}
		bs := curBlock * segment.BlockSize
		return fn(bs, min(segment.BlockSize, p.rows-bs), sel)
	}
	for {
		k := it.NextMany(buf)
		if k == 0 {
			break
		}
		// Rows ascend: take each block's run of rows in one tight loop.
		for pending := buf[:k]; len(pending) > 0; {
			b := int(pending[0] / segment.BlockSize)
			if b != curBlock {
				if err := flush(); err != nil {
					return err
				}
				curBlock, sel = b, sel[:0]
			}
			lo := uint32(b) * segment.BlockSize
			j := 0
			for ; j < len(pending) && pending[j]-lo < segment.BlockSize; j++ {
				sel = append(sel, int32(pending[j]-lo))
			}
			pending = pending[j:]
		}
	}
	return flush()
}

// checkCtx reports the context's cancellation or deadline as an error of
// class Canceled or Timeout.
func (p *plan) checkCtx() error {
	err := p.ctx.Err()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return base.Errorf(base.ClassTimeout, "query on segment %s: %w", p.seg.Metadata().DataSource, err)
	}
	return base.Errorf(base.ClassCanceled, "query on segment %s: %w", p.seg.Metadata().DataSource, err)
}
