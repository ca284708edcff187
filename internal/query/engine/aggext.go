package engine

import (
	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/segment"
)

// newExtAggregator binds the filtered, any and expression aggregators and
// the sum/min/max aggregators that read an expression; ok is false for
// the others.
func (p *plan) newExtAggregator(f aggregation.Factory) (aggregator, bool, error) {
	switch f := f.(type) {
	case aggregation.FilteredFactory:
		a, err := p.newFilteredAgg(f)
		return a, true, err
	case aggregation.AnyFactory:
		src, err := p.source(f.InputFields()[0])
		if err != nil {
			return nil, true, err
		}
		return &anyAgg{f: f, src: src}, true, nil
	case aggregation.ExpressionFactory:
		a := &exprAgg{fo: f.NewFolder(), empty: f.Empty()}
		for _, name := range f.InputFields() {
			src, err := p.source(name)
			if err != nil {
				return nil, true, err
			}
			a.srcs = append(a.srcs, src)
		}
		a.vs = make([]*vec, len(a.srcs))
		a.in = make([]expr.Value, len(a.srcs))
		return a, true, nil
	}
	return nil, false, nil
}

// exprSourceName is the plan-private name of the virtual column that
// evaluates aggregator name's input expression; it cannot clash with a
// user's column (NUL is not allowed in names Druid accepts).
func exprSourceName(name string) string { return "\x00agg:" + name }

// exprInputSource binds a sum/min/max aggregator's input expression as a
// virtual column of the aggregator's type, so it is evaluated vectorized
// when its inputs allow (see virtualSource).
func (p *plan) exprInputSource(f aggregation.Factory, exprText string) (source, error) {
	name := exprSourceName(f.Name())
	if _, ok := p.vcs[name]; !ok {
		t := base.TypeDouble
		switch f.Kind() {
		case aggregation.LongSum, aggregation.LongMin, aggregation.LongMax:
			t = base.TypeLong
		case aggregation.FloatSum, aggregation.FloatMin, aggregation.FloatMax:
			t = base.TypeFloat
		}
		p.vcs[name] = &query.VirtualColumn{Name: name, Expression: exprText, OutputType: t}
	}
	src, err := p.source(name)
	if err != nil {
		return nil, base.Errorf(base.ClassOf(err), "aggregator %q: %w", f.Name(), err)
	}
	return src, nil
}

// filteredAgg feeds its inner aggregator only the selected rows that pass
// its filter, evaluated once per segment into a bitmap over the query's
// selection.
type filteredAgg struct {
	inner   aggregator
	bm      *roaring.Bitmap
	all     bool // the filter passes every selected row
	sel     []int32
	groups  []int32
	blockLo int
	blockHi int
	// bits holds the block's passing rows, one bit per row offset.
	bits [segment.BlockSize / 64]uint64
}

func (p *plan) newFilteredAgg(f aggregation.FilteredFactory) (*filteredAgg, error) {
	inner, err := p.newAggregator(f.Inner())
	if err != nil {
		return nil, err
	}
	a := &filteredAgg{inner: inner, blockLo: -1}
	root := filter.Normalize(f.Filter())
	if _, err := filter.Compile(root); err != nil {
		return nil, base.Errorf(base.ClassOf(err), "aggregator %q: %w", f.Name(), err)
	}
	if _, ok := root.(*filter.True); ok || root == nil {
		a.all = true
		return a, nil
	}
	dom := p.sel
	if dom == nil {
		dom = p.domain()
	}
	e := &filterEval{p: p, root: root}
	ts, err := e.eval(root, dom)
	if err != nil {
		return nil, base.Errorf(base.ClassOf(err), "aggregator %q: filter: %w", f.Name(), err)
	}
	a.bm = ts.t
	a.all = a.bm.GetCardinality() == dom.GetCardinality()
	return a, nil
}

func (a *filteredAgg) grow(n int) { a.inner.grow(n) }

func (a *filteredAgg) value(g int) any { return a.inner.value(g) }

// load fills bits with the passing rows of block [start, start+n).
func (a *filteredAgg) load(start, n int) {
	if a.blockLo == start && a.blockHi == start+n {
		return
	}
	a.blockLo, a.blockHi = start, start+n
	clear(a.bits[:])
	if !a.bm.IntersectsWithInterval(uint64(start), uint64(start+n)) {
		return
	}
	it := a.bm.Iterator()
	it.AdvanceIfNeeded(uint32(start))
	for it.HasNext() {
		r := int(it.Next())
		if r >= start+n {
			break
		}
		o := r - start
		a.bits[o>>6] |= 1 << (uint(o) & 63)
	}
}

func (a *filteredAgg) add(start, n int, sel []int32, groups []int32, one int32) error {
	if err := a.addInner(start, n, sel, groups, one); err != nil {
		return err
	}
	// A sketch input that could not be used fails the query, as for an
	// unwrapped sketch aggregator (run.go's sketchErrors sees only those).
	if s, ok := a.inner.(*sketchAgg); ok {
		return s.err()
	}
	return nil
}

func (a *filteredAgg) addInner(start, n int, sel []int32, groups []int32, one int32) error {
	if a.all {
		return a.inner.add(start, n, sel, groups, one)
	}
	a.load(start, n)
	a.sel = a.sel[:0]
	if groups != nil {
		a.groups = a.groups[:0]
	}
	for k, i := range sel {
		if a.bits[i>>6]&(1<<(uint(i)&63)) == 0 {
			continue
		}
		a.sel = append(a.sel, i)
		if groups != nil {
			a.groups = append(a.groups, groups[k])
		}
	}
	if len(a.sel) == 0 {
		return nil
	}
	g := groups
	if groups != nil {
		g = a.groups
	}
	return a.inner.add(start, n, a.sel, g, one)
}

// anyAgg keeps each group's first non-null value in row order.
type anyAgg struct {
	f    aggregation.AnyFactory
	src  source
	vals []any
	done []bool
}

func (a *anyAgg) grow(n int) {
	a.vals = growTo(a.vals, n)
	a.done = growTo(a.done, n)
}

func (a *anyAgg) value(g int) any { return a.vals[g] }

func (a *anyAgg) add(start, n int, sel []int32, groups []int32, one int32) error {
	if groups == nil && a.done[one] {
		return nil
	}
	v, err := a.src.loadSel(start, n, sel)
	if err != nil {
		return err
	}
	for k, i := range sel {
		g := one
		if groups != nil {
			g = groups[k]
		}
		if a.done[g] {
			continue
		}
		if x := aggregation.AnyValue(a.f, v.at(int(i))); x != nil {
			a.vals[g], a.done[g] = x, true
			if groups == nil {
				return nil
			}
		}
	}
	return nil
}

// exprAgg runs an expression aggregator's fold row by row, on
// expression values read unboxed from the blocks.
type exprAgg struct {
	fo    *aggregation.Folder
	empty any
	srcs  []source
	vs    []*vec
	in    []expr.Value
	vals  []expr.Value
	seen  []bool
}

func (a *exprAgg) grow(n int) {
	a.vals = growTo(a.vals, n)
	a.seen = growTo(a.seen, n)
}

func (a *exprAgg) value(g int) any {
	if !a.seen[g] {
		return a.empty
	}
	return a.vals[g].Any()
}

func (a *exprAgg) add(start, n int, sel []int32, groups []int32, one int32) error {
	for j, src := range a.srcs {
		v, err := src.loadSel(start, n, sel)
		if err != nil {
			return err
		}
		a.vs[j] = v
	}
	init := a.fo.Initial()
	for k, i := range sel {
		g := one
		if groups != nil {
			g = groups[k]
		}
		for j, v := range a.vs {
			a.in[j] = exprValueAt(v, int(i))
		}
		acc := init
		if a.seen[g] {
			acc = a.vals[g]
		}
		out, ok, err := a.fo.Fold(acc, a.in)
		if err != nil {
			return err
		}
		if ok {
			a.vals[g], a.seen[g] = out, true
		}
	}
	return nil
}

// exprValueAt returns row i of v as an expression value, without boxing
// for typed and dictionary blocks.
func exprValueAt(v *vec, i int) expr.Value {
	switch v.kind {
	case vecLong:
		if v.nulls != nil && v.nulls[i] {
			return expr.Null(base.TypeLong)
		}
		return expr.Long(v.longs[i])
	case vecDouble:
		if v.nulls != nil && v.nulls[i] {
			return expr.Null(base.TypeDouble)
		}
		return expr.Double(v.doubles[i])
	case vecFloat:
		if v.nulls != nil && v.nulls[i] {
			return expr.Null(base.TypeDouble)
		}
		return expr.Double(float64(v.floats[i]))
	case vecDict:
		id := v.ids[i]
		if v.d.null(id) {
			return expr.Null(base.TypeString)
		}
		return expr.String(v.d.str(id))
	case vecNull:
		return expr.FromAny(nil)
	}
	return expr.FromAny(v.at(i))
}
