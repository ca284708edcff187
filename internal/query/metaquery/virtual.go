package metaquery

import (
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// virtuals are a query's expression virtual columns bound to a segment's
// column types. A virtual column shadows a stored column of the same name.
type virtuals struct {
	comp map[string]*expr.Compiled
	typ  map[string]base.ColumnType
}

// bindVirtuals compiles the query's virtual columns against seg's schema,
// binding lookup() to the query's lookups; nil when there are none.
func bindVirtuals(seg *segment.Segment, c *query.Common) (*virtuals, error) {
	vcs := c.VirtualColumns
	if len(vcs) == 0 {
		return nil, nil
	}
	meta := seg.Metadata()
	types := map[string]base.ColumnType{base.TimeColumn: {Kind: base.KindLong}}
	for _, d := range meta.Dimensions {
		types[d.Name] = d.Type
	}
	for _, m := range meta.Metrics {
		types[m.Name] = m.Type
	}
	v := &virtuals{comp: map[string]*expr.Compiled{}, typ: map[string]base.ColumnType{}}
	for _, vc := range vcs {
		v.typ[vc.Name] = vc.OutputType
	}
	inputTypes := func(name string) (base.ColumnType, bool) {
		if t, ok := v.typ[name]; ok {
			return t, true
		}
		t, ok := types[name]
		return t, ok
	}
	for _, vc := range vcs {
		comp, err := c.CompileExpr(vc.Expression, inputTypes)
		if err != nil {
			return nil, base.Errorf(base.ClassOf(err), "virtual column %q: %w", vc.Name, err)
		}
		v.comp[vc.Name] = comp
	}
	return v, nil
}

// has reports whether name is a virtual column.
func (v *virtuals) has(name string) bool {
	if v == nil {
		return false
	}
	_, ok := v.comp[name]
	return ok
}

// anyOf reports whether one of names is a virtual column.
func (v *virtuals) anyOf(names []string) bool {
	for _, n := range names {
		if v.has(n) {
			return true
		}
	}
	return false
}

// storedInputs expands names to the stored columns they read, following
// virtual columns through their expressions.
func (v *virtuals) storedInputs(names []string) []string {
	if v == nil {
		return names
	}
	var out []string
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		if c, ok := v.compiled(n); ok {
			for _, in := range c.RequiredColumns() {
				visit(in)
			}
			return
		}
		out = append(out, n)
	}
	for _, n := range names {
		visit(n)
	}
	return out
}

func (v *virtuals) compiled(name string) (*expr.Compiled, bool) {
	if v == nil {
		return nil, false
	}
	c, ok := v.comp[name]
	return c, ok
}

// view presents a row with the virtual columns evaluated on top of it.
type view struct {
	v     *virtuals
	r     filter.Row
	depth int
}

// Value implements filter.Row.
func (w view) Value(name string) any {
	c, ok := w.v.compiled(name)
	if !ok {
		return w.r.Value(name)
	}
	if w.depth > 32 {
		return nil // virtual columns referring to each other in a cycle
	}
	out, err := c.EvalRow(exprRow{view{w.v, w.r, w.depth + 1}})
	if err != nil || out.Null {
		return nil
	}
	return castTo(out.Any(), w.v.typ[name])
}

type exprRow struct{ w view }

// Value implements expr.RowBindings.
func (e exprRow) Value(name string) expr.Value { return expr.FromAny(e.w.Value(name)) }

// castTo converts an evaluated value to a virtual column's output type.
func castTo(x any, t base.ColumnType) any {
	if x == nil {
		return nil
	}
	switch t.Kind {
	case base.KindString:
		switch y := x.(type) {
		case []string:
			return y
		case []any:
			out := make([]string, 0, len(y))
			for _, e := range y {
				if s, ok := value.ToString(e); ok {
					out = append(out, s)
				}
			}
			return out
		}
		if s, ok := value.ToString(x); ok {
			return s
		}
		return nil
	case base.KindLong:
		if n, ok := value.ToInt64(x); ok {
			return n
		}
		return nil
	case base.KindDouble:
		if f, ok := value.ToFloat64(x); ok {
			return f
		}
		return nil
	case base.KindFloat:
		if f, ok := value.ToFloat64(x); ok {
			return float32(f)
		}
		return nil
	}
	return x
}
