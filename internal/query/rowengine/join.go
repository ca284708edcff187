package rowengine

import (
	"context"
	"encoding/binary"
	"math"
	"slices"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/value"
)

// checkEvery is how many input rows the join and unnest loops process
// between context checks.
const checkEvery = 4096

// Join joins left and right rows as Druid's hash join does: a hash table
// is built on the right side's key columns and the left rows stream past
// it. A null key never matches (SQL semantics); a multi-value left key is
// refused, as in Druid; LEFT, RIGHT and FULL joins keep unmatched rows with
// the other side null. The output columns are the left columns not
// shadowed by the prefix, then the prefixed right columns; __time is the
// left side's. Output rows reference the input rows, which must not change
// afterwards. The loop stops with ctx's error when ctx ends.
func Join(ctx context.Context, d *query.JoinDataSource, leftCols []string, left []value.Row, rightCols []string, right []value.Row) ([]string, []value.Row, error) {
	cols := make([]string, 0, len(leftCols)+len(rightCols))
	for _, c := range leftCols {
		if !query.ShadowedBy(c, d.RightPrefix) {
			cols = append(cols, c)
		}
	}
	for _, c := range rightCols {
		cols = append(cols, d.RightPrefix+c)
	}
	keys := make([]*expr.Compiled, len(d.Equalities))
	idents := make([]string, len(d.Equalities)) // a key that is a plain column is read directly
	for i, eq := range d.Equalities {
		if id, ok := eq.Left.(*expr.Ident); ok {
			idents[i] = id.Name
		}
		c := eq.Compiled
		if c == nil {
			var err error
			if c, err = expr.Bind(eq.Left, nil); err != nil {
				return nil, nil, base.Errorf(base.ClassOf(err), "join condition %s: %w", d.Condition, err)
			}
		}
		keys[i] = c
	}
	numeric := make([]bool, len(d.Equalities))
	for i, eq := range d.Equalities {
		numeric[i] = numericColumn(right, eq.RightColumn)
	}

	// The hash table: encoded key → right row numbers, in input order.
	table := map[string][]int32{}
	var buf []byte
	if !d.AlwaysFalse && len(keys) > 0 {
		for i, r := range right {
			buf = buf[:0]
			ok := true
			for k, eq := range d.Equalities {
				v, isMulti := single(expr.FromAny(r.Value(eq.RightColumn)))
				if isMulti {
					ok = false
					break
				}
				if buf, ok = appendKey(buf, v, numeric[k]); !ok {
					break
				}
			}
			if ok {
				table[string(buf)] = append(table[string(buf)], int32(i))
			}
		}
	}
	all := make([]int32, 0)
	if !d.AlwaysFalse && len(keys) == 0 {
		all = make([]int32, len(right))
		for i := range all {
			all[i] = int32(i)
		}
	}

	var matched []bool
	if d.JoinType.KeepsRight() {
		matched = make([]bool, len(right))
	}
	out := make([]value.Row, 0, len(left))
	slab := &joinedSlab{prefix: d.RightPrefix}
	for i, l := range left {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		var hits []int32
		switch {
		case d.AlwaysFalse:
		case len(keys) == 0:
			hits = all
		default:
			buf = buf[:0]
			ok := true
			for k, c := range keys {
				var v expr.Value
				if idents[k] != "" {
					v = expr.FromAny(l.Value(idents[k]))
				} else {
					var err error
					if v, err = c.EvalRow(rowBindings{l}); err != nil {
						ok = false
						break
					}
				}
				v, isMulti := single(v)
				if isMulti {
					return nil, nil, base.Errorf(base.ClassUnsupported, "Joining against a multi-value dimension is not supported.")
				}
				if buf, ok = appendKey(buf, v, numeric[k]); !ok {
					break
				}
			}
			if ok {
				hits = table[string(buf)]
			}
		}
		for _, h := range hits {
			out = append(out, slab.row(l, right[h]))
			if matched != nil {
				matched[h] = true
			}
		}
		if len(hits) == 0 && d.JoinType.KeepsLeft() {
			out = append(out, slab.row(l, nil))
		}
	}
	for i, m := range matched {
		if !m {
			out = append(out, slab.row(nil, right[i]))
		}
	}
	return cols, out, nil
}

// joinedRow is one output row of a join: either side may be nil (the
// unmatched side of an outer join).
type joinedRow struct {
	left, right value.Row
	prefix      string
}

// joinedSlab allocates joined rows in blocks.
type joinedSlab struct {
	prefix string
	free   []joinedRow
}

func (s *joinedSlab) row(l, r value.Row) *joinedRow {
	if len(s.free) == 0 {
		s.free = make([]joinedRow, 1024)
	}
	j := &s.free[0]
	s.free = s.free[1:]
	*j = joinedRow{l, r, s.prefix}
	return j
}

// Value implements the row interface: prefixed names read the right side.
func (j *joinedRow) Value(name string) any {
	if query.ShadowedBy(name, j.prefix) {
		if j.right == nil {
			return nil
		}
		return j.right.Value(name[len(j.prefix):])
	}
	if j.left == nil {
		return nil
	}
	return j.left.Value(name)
}

// rowBindings evaluates expressions over a plain row.
type rowBindings struct{ r value.Row }

// Value implements expr.RowBindings.
func (b rowBindings) Value(name string) expr.Value { return expr.FromAny(b.r.Value(name)) }

// numericColumn reports whether every non-null value of the right side's
// column is a number (and there is one): keys are then compared as
// numbers, otherwise as strings.
func numericColumn(rows []value.Row, col string) bool {
	seen := false
	for _, r := range rows {
		switch r.Value(col).(type) {
		case nil:
		case int64, float64, float32, int:
			seen = true
		default:
			return false
		}
	}
	return seen
}

// single reduces an array value to its only element (an empty array is
// null); isMulti reports an array of several.
func single(v expr.Value) (out expr.Value, isMulti bool) {
	if v.Null || v.Type.Kind != base.KindArray {
		return v, false
	}
	switch len(v.Arr) {
	case 0:
		return expr.Null(expr.TypeString), false
	case 1:
		return v.Arr[0], false
	}
	return v, true
}

// appendKey encodes one key part; ok is false for a null key (or one that
// is not a number where the right column is numeric), which matches
// nothing.
func appendKey(buf []byte, v expr.Value, numeric bool) ([]byte, bool) {
	if v.Null {
		return buf, false
	}
	if numeric {
		if v.Type.Kind == base.KindLong {
			return binary.BigEndian.AppendUint64(append(buf, 'l'), uint64(v.L)), true
		}
		d, ok := v.AsDouble()
		if !ok || math.IsNaN(d) {
			return buf, false
		}
		if d == math.Trunc(d) && math.Abs(d) < 1<<63 {
			return binary.BigEndian.AppendUint64(append(buf, 'l'), uint64(int64(d))), true
		}
		return binary.BigEndian.AppendUint64(append(buf, 'd'), math.Float64bits(d)), true
	}
	s, ok := v.AsString()
	if !ok {
		return buf, false
	}
	buf = binary.BigEndian.AppendUint32(append(buf, 's'), uint32(len(s)))
	return append(buf, s...), true
}

// Unnest expands each base row's value of d's virtual column into one row
// per element (a scalar is one element; null and empty arrays give no
// row), with the element under the virtual column's name, and keeps those
// passing the unnest filter. The output columns are the base columns plus
// the unnested one. The loop stops with ctx's error when ctx ends.
func Unnest(ctx context.Context, d *query.UnnestDataSource, baseCols []string, rows []value.Row) ([]string, []value.Row, error) {
	vc := d.VirtualColumn
	c := d.Expr
	if c == nil {
		var err error
		if c, err = expr.Compile(vc.Expression, nil); err != nil {
			return nil, nil, base.Errorf(base.ClassOf(err), "unnest virtual column %q: %w", vc.Name, err)
		}
	}
	m, err := filter.Compile(d.UnnestFilter)
	if err != nil {
		return nil, nil, err
	}
	elemType := vc.OutputType
	if elemType.Kind == base.KindArray {
		elemType = base.ColumnType{Kind: elemType.Elem}
	}
	cols := slices.Clone(baseCols)
	if !slices.Contains(cols, vc.Name) {
		cols = append(cols, vc.Name)
	}
	var out []value.Row
	emit := func(r value.Row, e expr.Value) {
		u := unnestRow{r, vc.Name, value.Cast(e.Any(), elemType)}
		if filter.Matches(m, u) {
			out = append(out, u)
		}
	}
	for i, r := range rows {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		v, err := c.EvalRow(rowBindings{r})
		if err != nil || v.Null {
			continue
		}
		if v.Type.Kind != base.KindArray {
			emit(r, v)
			continue
		}
		for _, e := range v.Arr {
			emit(r, e)
		}
	}
	return cols, out, nil
}

// unnestRow is a base row with one unnested value.
type unnestRow struct {
	base value.Row
	name string
	v    any
}

// Value implements the row interface.
func (u unnestRow) Value(name string) any {
	if name == u.name {
		return u.v
	}
	return u.base.Value(name)
}

// LookupRows returns a lookup's map as rows of the columns k and v, in key
// order (so that results do not depend on map iteration).
func LookupRows(m map[string]string) []value.Row {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	rows := make([]value.Row, len(ks))
	for i, k := range ks {
		rows[i] = value.MapRow{"k": k, "v": m[k]}
	}
	return rows
}
