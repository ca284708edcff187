package engine

import (
	"math"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// vectorExpr evaluates a virtual column a block at a time with the
// expression package's vectorized evaluator. It is used when every input
// is a stored single-value column (long, float, double or string), whose
// blocks convert to typed expression vectors.
type vectorExpr struct {
	ev    *expr.VectorEvaluator
	names []string
	srcs  []source
	vecs  []expr.Vector
	bufs  [][]float64
	strs  [][]string
	nulls [][]bool
	cur   map[string]*expr.Vector
}

// newVectorExpr binds the expression to the input columns' types; nil
// when an input does not qualify or binding fails.
func newVectorExpr(p *plan, exprText string) *vectorExpr {
	comp, err := p.c.CompileExpr(exprText, p.inputType)
	if err != nil {
		return nil
	}
	names := comp.RequiredColumns()
	srcs := make([]source, len(names))
	for i, name := range names {
		if _, ok := p.inputType(name); !ok {
			return nil // a virtual, multi-value, complex or missing input
		}
		src, err := p.source(name)
		if err != nil {
			return nil
		}
		srcs[i] = src
	}
	n := len(names)
	return &vectorExpr{ev: comp.NewVectorEvaluator(), names: names, srcs: srcs,
		vecs: make([]expr.Vector, n), bufs: make([][]float64, n), strs: make([][]string, n), nulls: make([][]bool, n),
		cur: make(map[string]*expr.Vector, n)}
}

// Column implements expr.VectorBindings.
func (x *vectorExpr) Column(name string) *expr.Vector { return x.cur[name] }

// eval evaluates rows [start, start+n) into out, cast to t.
func (x *vectorExpr) eval(start, n int, t base.ColumnType, out *vec) error {
	for i, src := range x.srcs {
		v, err := src.load(start, n)
		if err != nil {
			return err
		}
		ev := &x.vecs[i]
		*ev = expr.Vector{}
		switch v.kind {
		case vecLong:
			ev.Type, ev.Longs, ev.Nulls = expr.TypeLong, v.longs[:n], v.nulls
		case vecDouble:
			ev.Type, ev.Doubles, ev.Nulls = expr.TypeDouble, v.doubles[:n], v.nulls
		case vecFloat:
			if x.bufs[i] == nil {
				x.bufs[i] = make([]float64, segment.BlockSize)
			}
			d := x.bufs[i][:n]
			for j, f := range v.floats[:n] {
				d[j] = float64(f)
			}
			ev.Type, ev.Doubles, ev.Nulls = expr.TypeDouble, d, v.nulls
		case vecDict:
			if x.strs[i] == nil {
				x.strs[i] = make([]string, segment.BlockSize)
				x.nulls[i] = make([]bool, segment.BlockSize)
			}
			ss, ns := x.strs[i][:n], x.nulls[i][:n]
			strs := v.d.materialize()
			anyNull := false
			for j, id := range v.ids[:n] {
				ss[j], ns[j] = strs[id], v.d.null(id)
				anyNull = anyNull || ns[j]
			}
			ev.Type, ev.Strings = expr.TypeString, ss
			if anyNull {
				ev.Nulls = ns
			}
		}
		x.cur[x.names[i]] = ev
	}
	res, err := x.ev.Eval(x, n)
	if err != nil {
		return err
	}
	fillCast(res, n, t, out)
	return nil
}

// fillCast stores the first n values of res in out, cast to t as a
// virtual column's output type: typed slices where the types allow, else
// values of the value model.
func fillCast(res *expr.Vector, n int, t base.ColumnType, out *vec) {
	out.n, out.nulls = n, nil
	if res.Nulls != nil {
		if cap(out.nbuf) < n {
			out.nbuf = make([]bool, segment.BlockSize)
		}
		out.nulls = out.nbuf[:n]
		copy(out.nulls, res.Nulls[:n])
	}
	switch {
	case res.Longs != nil && t.Kind == base.KindLong:
		out.kind = vecLong
		out.longs = growTo(out.longs[:0], n)
		copy(out.longs, res.Longs[:n])
		return
	case res.Longs != nil && t.Kind == base.KindDouble:
		out.kind = vecDouble
		out.doubles = growTo(out.doubles[:0], n)
		for i, v := range res.Longs[:n] {
			out.doubles[i] = float64(v)
		}
		return
	case res.Longs != nil && t.Kind == base.KindFloat:
		out.kind = vecFloat
		out.floats = growTo(out.floats[:0], n)
		for i, v := range res.Longs[:n] {
			out.floats[i] = float32(float64(v))
		}
		return
	case res.Doubles != nil && t.Kind == base.KindDouble:
		out.kind = vecDouble
		out.doubles = growTo(out.doubles[:0], n)
		copy(out.doubles, res.Doubles[:n])
		return
	case res.Doubles != nil && t.Kind == base.KindFloat:
		out.kind = vecFloat
		out.floats = growTo(out.floats[:0], n)
		for i, v := range res.Doubles[:n] {
			out.floats[i] = float32(v)
		}
		return
	case res.Doubles != nil && t.Kind == base.KindLong:
		out.kind = vecLong
		out.longs = growTo(out.longs[:0], n)
		for i, v := range res.Doubles[:n] {
			out.longs[i] = clampLong(v)
		}
		return
	}
	out.kind, out.nulls = vecAny, nil
	out.anys = growTo(out.anys[:0], n)
	for i := range n {
		v := res.At(i)
		if v.Null {
			out.anys[i] = nil
			continue
		}
		out.anys[i] = value.Cast(v.Any(), t)
	}
}

// clampLong converts a double to a long as value.ToInt64 does.
func clampLong(f float64) int64 {
	n, _ := value.ToInt64(f)
	if math.IsNaN(f) {
		return 0
	}
	return n
}
