package expr

import "github.com/dryaddb/dryad/internal/base"

// Bool reports row i's truth as Druid's expression filters read it
// (numbers > 0, strings equal to "true" ignoring case); ok is false for
// null.
func (v *Vector) Bool(i int) (truth, ok bool) {
	if v.Nulls != nil && v.Nulls[i] {
		return false, false
	}
	switch {
	case v.Longs != nil:
		return v.Longs[i] > 0, true
	case v.Doubles != nil:
		return v.Doubles[i] > 0, true
	}
	return v.At(i).AsBool()
}

// vecAs evaluates nd and returns its values as type t (LONG, DOUBLE or
// STRING) when that needs no per-row conversion beyond long→double; ok is
// false otherwise.
func (ev *VectorEvaluator) vecAs(nd node, t base.ColumnType, slot, n int) (*Vector, []float64, bool, error) {
	v, err := ev.vec(nd, n)
	if err != nil {
		return nil, nil, true, err
	}
	switch t.Kind {
	case base.KindLong:
		return v, nil, v.Longs != nil, nil
	case base.KindDouble:
		if v.Doubles != nil {
			return v, v.Doubles[:n], true, nil
		}
		if v.Longs != nil {
			return v, ev.asDoubles(v, slot, n), true, nil
		}
	case base.KindString:
		return v, nil, v.Strings != nil, nil
	}
	return nil, nil, false, nil
}

// condKernel vectorizes if, nvl, coalesce and case_searched when every
// argument is cheap and cannot fail, so evaluating all branches for every
// row is equivalent to Druid's lazy evaluation.
func condKernel(ev *VectorEvaluator, x *callNode, n int) (*Vector, bool, error) {
	t := x.t
	if t.Kind != base.KindLong && t.Kind != base.KindDouble && t.Kind != base.KindString {
		return nil, false, nil
	}
	for _, a := range x.args {
		if !cannotFail(a) {
			return nil, false, nil
		}
	}
	switch x.fn.name {
	case "if":
		return ev.caseKernel(x, []node{x.args[0]}, []node{x.args[1]}, x.args[2], n)
	case "case_searched":
		var conds, results []node
		i := 0
		for ; i+1 < len(x.args); i += 2 {
			conds = append(conds, x.args[i])
			results = append(results, x.args[i+1])
		}
		var els node
		if i < len(x.args) {
			els = x.args[i]
		}
		return ev.caseKernel(x, conds, results, els, n)
	case "nvl", "coalesce":
		return ev.coalesceKernel(x, n)
	}
	return nil, false, nil
}

// caseKernel picks, per row, the result of the first true condition, else
// the else branch (or null).
func (ev *VectorEvaluator) caseKernel(x *callNode, conds, results []node, els node, n int) (*Vector, bool, error) {
	condVecs := make([]*Vector, len(conds))
	for i, c := range conds {
		v, err := ev.vec(c, n)
		if err != nil {
			return nil, true, err
		}
		if v.Longs == nil && v.Doubles == nil {
			return nil, false, nil
		}
		condVecs[i] = v
	}
	branches := append(append([]node(nil), results...), els)
	vecs := make([]*Vector, len(branches))
	dbls := make([][]float64, len(branches))
	for i, b := range branches {
		if b == nil {
			continue
		}
		v, d, ok, err := ev.vecAs(b, x.t, ev.scratchSlot(x.id, i), n)
		if err != nil || !ok {
			return nil, err != nil, err
		}
		vecs[i], dbls[i] = v, d
	}
	out := ev.out(x.id, x.t, n)
	nulls := out.spareNulls(n)
	for i := 0; i < n; i++ {
		pick := len(branches) - 1
		for k, cv := range condVecs {
			if t, ok := cv.Bool(i); ok && t {
				pick = k
				break
			}
		}
		v := vecs[pick]
		if v == nil || v.Nulls != nil && v.Nulls[i] {
			nulls[i] = true
			continue
		}
		switch x.t.Kind {
		case base.KindLong:
			out.Longs[i] = v.Longs[i]
		case base.KindDouble:
			out.Doubles[i] = dbls[pick][i]
		default:
			out.Strings[i] = v.Strings[i]
		}
	}
	out.Nulls = anyNull(nulls)
	return out, true, nil
}

// coalesceKernel takes, per row, the first non-null argument.
func (ev *VectorEvaluator) coalesceKernel(x *callNode, n int) (*Vector, bool, error) {
	vecs := make([]*Vector, len(x.args))
	dbls := make([][]float64, len(x.args))
	for i, a := range x.args {
		v, d, ok, err := ev.vecAs(a, x.t, ev.scratchSlot(x.id, i), n)
		if err != nil || !ok {
			return nil, err != nil, err
		}
		vecs[i], dbls[i] = v, d
	}
	out := ev.out(x.id, x.t, n)
	nulls := out.spareNulls(n)
	for i := 0; i < n; i++ {
		pick := -1
		for k, v := range vecs {
			if v.Nulls == nil || !v.Nulls[i] {
				pick = k
				break
			}
		}
		if pick < 0 {
			nulls[i] = true
			continue
		}
		switch x.t.Kind {
		case base.KindLong:
			out.Longs[i] = vecs[pick].Longs[i]
		case base.KindDouble:
			out.Doubles[i] = dbls[pick][i]
		default:
			out.Strings[i] = vecs[pick].Strings[i]
		}
	}
	out.Nulls = anyNull(nulls)
	return out, true, nil
}

// scratchSlot returns a conversion scratch slot private to argument arg of
// node id (slots below the node count belong to the nodes themselves).
func (ev *VectorEvaluator) scratchSlot(id, arg int) int {
	key := [2]int{id, arg}
	if s, ok := ev.slots[key]; ok {
		return s
	}
	if ev.slots == nil {
		ev.slots = map[[2]int]int{}
	}
	s := ev.c.nodes + 1 + len(ev.slots)
	ev.slots[key] = s
	return s
}
