package expr

import (
	"fmt"
	"github.com/dryaddb/dryad/internal/base"
)

// Vector is a block of values of one type. LONG values live in Longs,
// DOUBLE in Doubles, STRING in Strings, and arrays, complex values and
// values of a type unknown at bind time in Values. Nulls, when not nil,
// marks null rows (Nulls[i] true); nil means no row is null. Only the first
// n entries (n as given to Eval) are meaningful.
//
// A STRING input may instead come dictionary-encoded: IDs[i] indexes Dict
// (a negative id is null). An expression whose only input is such a column
// is evaluated once per dictionary entry and the results are gathered by id
// (the evaluator caches the per-entry results while the same Dict slice is
// passed again).
//
// A Vector returned by a VectorEvaluator is owned by it and valid until its
// next Eval; an input Vector is owned by the caller and only read.
type Vector struct {
	Type    base.ColumnType
	Longs   []int64
	Doubles []float64
	Strings []string
	Values  []Value
	Nulls   []bool
	Dict    []string
	IDs     []int32

	nullBuf []bool // spare null flags reused across blocks (evaluator-owned vectors)
}

// check verifies that an input vector holds at least n rows.
func (v *Vector) check(n int) error {
	short := func(what string, l int) error {
		return base.Errorf(base.ClassInvalidInput, "%s holds %d rows, the block has %d", what, l, n)
	}
	switch {
	case v.Nulls != nil && len(v.Nulls) < n:
		return short("null flags", len(v.Nulls))
	case v.Longs != nil:
		if len(v.Longs) < n {
			return short("longs", len(v.Longs))
		}
	case v.Doubles != nil:
		if len(v.Doubles) < n {
			return short("doubles", len(v.Doubles))
		}
	case v.Strings != nil:
		if len(v.Strings) < n {
			return short("strings", len(v.Strings))
		}
	case v.IDs != nil:
		if len(v.IDs) < n {
			return short("dictionary ids", len(v.IDs))
		}
	case v.Values != nil:
		if len(v.Values) < n {
			return short("values", len(v.Values))
		}
	default:
		if n > 0 {
			return short("no values", 0)
		}
	}
	return nil
}

// spareNulls returns a zeroed null-flag slice of n entries owned by v, for
// building v.Nulls without allocating per block.
func (v *Vector) spareNulls(n int) []bool {
	if cap(v.nullBuf) < n {
		v.nullBuf = make([]bool, n)
	}
	b := v.nullBuf[:n]
	clear(b)
	return b
}

// copyNulls sets v.Nulls to a copy of src's first n flags (nil stays nil).
func (v *Vector) copyNulls(src []bool, n int) {
	if src == nil {
		v.Nulls = nil
		return
	}
	b := v.spareNulls(n)
	copy(b, src[:n])
	v.Nulls = b
}

// At returns row i as a Value.
func (v *Vector) At(i int) Value {
	if v.Nulls != nil && v.Nulls[i] {
		return Null(v.Type)
	}
	switch {
	case v.Longs != nil:
		return Long(v.Longs[i])
	case v.Doubles != nil:
		return Double(v.Doubles[i])
	case v.Strings != nil:
		return String(v.Strings[i])
	case v.IDs != nil:
		if id := v.IDs[i]; id >= 0 && int(id) < len(v.Dict) {
			return String(v.Dict[id])
		}
		return Null(TypeString)
	case v.Values != nil:
		return v.Values[i]
	}
	return Null(v.Type)
}

// VectorBindings supplies blocks of input columns for vectorized
// evaluation.
type VectorBindings interface {
	// Column returns the current block of the named column (at least n
	// rows), or nil when the column does not exist (all nulls).
	Column(name string) *Vector
}

// MapVectorBindings is VectorBindings over a map.
type MapVectorBindings map[string]*Vector

// Column implements VectorBindings.
func (m MapVectorBindings) Column(name string) *Vector { return m[name] }

// VectorEvaluator evaluates a Compiled expression over blocks of rows. It
// owns the buffers it returns and must be used by one goroutine at a time;
// make one per goroutine with NewVectorEvaluator.
type VectorEvaluator struct {
	c     *Compiled
	bufs  []*Vector
	tmp   [][]float64
	tmp2  [][]float64
	slots map[[2]int]int // scratchSlot assignments
	cols  []*Vector
	// consts caches the filled buffers of constant nodes.
	consts []constBuf
	// dict and dictTable cache the per-entry results of the last
	// dictionary seen by dictEval (dictTable[0] is the result for null).
	dict      []string
	dictTable *Vector
	env       env
}

// NewVectorEvaluator returns an evaluator for c.
func (c *Compiled) NewVectorEvaluator() *VectorEvaluator {
	ev := &VectorEvaluator{c: c, bufs: make([]*Vector, c.nodes+2+len(c.columns)), cols: make([]*Vector, len(c.columns))}
	if c.slots > 0 {
		ev.env.slots = make([]Value, c.slots)
	}
	return ev
}

// Eval evaluates rows [0, n) of the bound columns. The result has the
// expression's output type (Values when it is unknown).
func (ev *VectorEvaluator) Eval(b VectorBindings, n int) (*Vector, error) {
	for i, name := range ev.c.columns {
		col := b.Column(name)
		if col == nil {
			col = ev.nullColumn(i, n)
		} else if err := col.check(n); err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "expression %s: column %q: %w", ev.c.expr, name, err)
		}
		ev.cols[i] = col
	}
	ev.env.vcols = ev.cols
	if len(ev.cols) == 1 && ev.cols[0].IDs != nil && ev.cols[0].Strings == nil {
		if _, ok := ev.c.DictionaryColumn(); ok {
			return ev.dictEval(ev.cols[0], n)
		}
	}
	return ev.vec(ev.c.root, n)
}

// dictEval evaluates the expression once per dictionary entry of col
// (cached while the same dictionary comes back) and gathers by id.
func (ev *VectorEvaluator) dictEval(col *Vector, n int) (*Vector, error) {
	if !sameStrings(ev.dict, col.Dict) {
		vals, err := ev.c.EvalDictionary(append(col.Dict[:len(col.Dict):len(col.Dict)], ""), append(make([]bool, len(col.Dict)), true))
		if err != nil {
			return nil, err
		}
		// The last entry is the result for null. Keep the results as a
		// typed vector indexed by id+1 (0 is null).
		table := &Vector{Type: ev.c.root.typ()}
		m := len(vals)
		ev.tmpOut(table.Type, m, table)
		nulls := table.spareNulls(m)
		set(table, 0, vals[m-1], &nulls)
		for k, v := range vals[:m-1] {
			set(table, k+1, v, &nulls)
		}
		table.Nulls = anyNull(nulls)
		ev.dict, ev.dictTable = col.Dict, table
	}
	t := ev.dictTable
	out := ev.out(ev.c.nodes, t.Type, n)
	ids := col.IDs[:n]
	idx := func(id int32) int {
		if id < 0 || int(id) >= len(col.Dict) {
			return 0
		}
		return int(id) + 1
	}
	switch {
	case t.Longs != nil:
		for i, id := range ids {
			out.Longs[i] = t.Longs[idx(id)]
		}
	case t.Doubles != nil:
		for i, id := range ids {
			out.Doubles[i] = t.Doubles[idx(id)]
		}
	case t.Strings != nil:
		for i, id := range ids {
			out.Strings[i] = t.Strings[idx(id)]
		}
	default:
		for i, id := range ids {
			out.Values[i] = t.Values[idx(id)]
		}
	}
	if t.Nulls != nil {
		nulls := out.spareNulls(n)
		for i, id := range ids {
			nulls[i] = t.Nulls[idx(id)]
		}
		out.Nulls = anyNull(nulls)
	}
	return out, nil
}

// sameStrings reports whether a and b are the same slice (same backing
// array and length), the cache key for dictionary results.
func sameStrings(a, b []string) bool {
	if len(a) != len(b) || a == nil || b == nil {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}

func (ev *VectorEvaluator) nullColumn(i, n int) *Vector {
	v := &Vector{Type: ev.c.colTypes[i], Values: make([]Value, n), Nulls: make([]bool, n)}
	for j := range v.Nulls {
		v.Nulls[j] = true
		v.Values[j] = Null(v.Type)
	}
	return v
}

// out returns node id's output buffer, sized for n rows of type t, with no
// nulls.
func (ev *VectorEvaluator) out(id int, t base.ColumnType, n int) *Vector {
	v := ev.bufs[id]
	if v == nil {
		v = &Vector{Type: t}
		ev.bufs[id] = v
	}
	v.Type = t
	v.Nulls = nil
	switch t.Kind {
	case base.KindLong:
		if cap(v.Longs) < n {
			v.Longs = make([]int64, n)
		}
		v.Longs = v.Longs[:n]
	case base.KindDouble:
		if cap(v.Doubles) < n {
			v.Doubles = make([]float64, n)
		}
		v.Doubles = v.Doubles[:n]
	case base.KindString:
		if cap(v.Strings) < n {
			v.Strings = make([]string, n)
		}
		v.Strings = v.Strings[:n]
	default:
		if cap(v.Values) < n {
			v.Values = make([]Value, n)
		}
		v.Values = v.Values[:n]
	}
	return v
}

// set stores value x at row i of out, converting it to out's type.
func set(out *Vector, i int, x Value, nulls *[]bool) {
	if x.Null {
		if *nulls == nil {
			*nulls = make([]bool, len(out.Longs)+len(out.Doubles)+len(out.Strings)+len(out.Values))
		}
		(*nulls)[i] = true
		switch out.Type.Kind {
		case base.KindLong:
			out.Longs[i] = 0
		case base.KindDouble:
			out.Doubles[i] = 0
		case base.KindString:
			out.Strings[i] = ""
		default:
			out.Values[i] = x
		}
		return
	}
	if *nulls != nil {
		(*nulls)[i] = false
	}
	switch out.Type.Kind {
	case base.KindLong:
		l, ok := x.AsLong()
		if !ok {
			set(out, i, Null(TypeLong), nulls)
			return
		}
		out.Longs[i] = l
	case base.KindDouble:
		d, ok := x.AsDouble()
		if !ok {
			set(out, i, Null(TypeDouble), nulls)
			return
		}
		out.Doubles[i] = d
	case base.KindString:
		s, ok := x.AsString()
		if !ok {
			set(out, i, Null(TypeString), nulls)
			return
		}
		out.Strings[i] = s
	default:
		if out.Type.Kind != base.KindUnknown {
			x = castScalar(x, out.Type)
		}
		out.Values[i] = x
	}
}

// vec evaluates node nd over n rows.
func (ev *VectorEvaluator) vec(nd node, n int) (*Vector, error) {
	switch x := nd.(type) {
	case *identNode:
		if x.slot < 0 {
			col := ev.cols[x.idx]
			if x.t.Kind == base.KindUnknown || (x.t.Kind == base.KindDouble && col.Doubles != nil) || (x.t.Kind == base.KindLong && col.Longs != nil) || (x.t.Kind == base.KindString && col.Strings != nil) || (col.Values != nil && col.Longs == nil && col.Doubles == nil && col.Strings == nil && !isNum(x.t) && x.t.Kind != base.KindString) {
				return col, nil
			}
			// The column arrived in another representation: convert it.
			return ev.rowFallback(nd, ev.c.nodes+1+x.idx, n)
		}
	case *binaryNode:
		if v, ok, err := ev.binaryVec(x, n); ok || err != nil {
			if err != nil && x.src != nil {
				err = fmt.Errorf("%s: %w", x.src, err)
			}
			return v, err
		}
		if x.op == "&&" || x.op == "||" {
			if v, ok, err := ev.logicVec(x, n); ok || err != nil {
				return v, err
			}
		} else if v, ok, err := ev.stringCmpVec(x, n); ok || err != nil {
			return v, err
		}
		return ev.rowFallback(nd, x.id, n)
	case *unaryNode:
		if v, ok, err := ev.unaryVec(x, n); ok || err != nil {
			return v, err
		}
		return ev.rowFallback(nd, x.id, n)
	case *callNode:
		if x.vec != nil {
			if v, ok, err := x.vec(ev, x, n); ok || err != nil {
				return v, err
			}
		}
		if x.impl != nil {
			return ev.strictFallback(x, n)
		}
		return ev.rowFallback(nd, x.id, n)
	case *constNode:
		return ev.constVec(x, n), nil
	}
	return ev.rowFallback(nd, ev.c.nodes, n)
}

func (ev *VectorEvaluator) constVec(k *constNode, n int) *Vector {
	// Constants get a private buffer keyed by pointer identity through a
	// small linear cache.
	for _, v := range ev.consts {
		if v.k == k && v.n >= n {
			return v.v
		}
	}
	t := k.t
	v := &Vector{Type: t}
	tmp := ev.tmpOut(t, n, v)
	var nulls []bool
	for i := 0; i < n; i++ {
		set(tmp, i, k.v, &nulls)
	}
	tmp.Nulls = nulls
	ev.consts = append(ev.consts, constBuf{k: k, n: n, v: tmp})
	return tmp
}

type constBuf struct {
	k *constNode
	n int
	v *Vector
}

func (ev *VectorEvaluator) tmpOut(t base.ColumnType, n int, v *Vector) *Vector {
	switch t.Kind {
	case base.KindLong:
		v.Longs = make([]int64, n)
	case base.KindDouble:
		v.Doubles = make([]float64, n)
	case base.KindString:
		v.Strings = make([]string, n)
	default:
		v.Values = make([]Value, n)
	}
	return v
}

// rowFallback evaluates nd row by row over the block.
func (ev *VectorEvaluator) rowFallback(nd node, id int, n int) (*Vector, error) {
	out := ev.out(id, nd.typ(), n)
	nulls := out.spareNulls(n)
	for i := 0; i < n; i++ {
		ev.env.i = i
		v, err := nd.eval(&ev.env)
		if err != nil {
			return nil, err
		}
		set(out, i, v, &nulls)
	}
	out.Nulls = anyNull(nulls)
	return out, nil
}

// strictFallback evaluates the arguments as vectors and applies the
// function row by row.
func (ev *VectorEvaluator) strictFallback(x *callNode, n int) (*Vector, error) {
	args := make([]*Vector, len(x.args))
	for i, a := range x.args {
		v, err := ev.vec(a, n)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	out := ev.out(x.id, x.t, n)
	nulls := out.spareNulls(n)
	scratch := make([]Value, len(args))
	for i := 0; i < n; i++ {
		for j, a := range args {
			scratch[j] = a.At(i)
		}
		v, err := x.impl(scratch)
		if err != nil {
			return nil, err
		}
		set(out, i, v, &nulls)
	}
	out.Nulls = anyNull(nulls)
	return out, nil
}

// anyNull returns nulls if any flag is set, else nil.
func anyNull(nulls []bool) []bool {
	for _, b := range nulls {
		if b {
			return nulls
		}
	}
	return nil
}

// orNulls sets the union of two null masks into v's spare buffer and
// returns it (nil when neither has nulls).
func (v *Vector) orNulls(a, b []bool, n int) []bool {
	if a == nil && b == nil {
		return nil
	}
	dst := v.spareNulls(n)
	switch {
	case a == nil:
		copy(dst, b[:n])
	case b == nil:
		copy(dst, a[:n])
	default:
		for i := range dst {
			dst[i] = a[i] || b[i]
		}
	}
	return dst
}

// asDoubles returns v's values as doubles, converting longs into a scratch
// buffer.
func (ev *VectorEvaluator) asDoubles(v *Vector, slot, n int) []float64 {
	if v.Doubles != nil {
		return v.Doubles[:n]
	}
	for len(ev.tmp) <= slot {
		ev.tmp = append(ev.tmp, nil)
	}
	buf := ev.tmp[slot]
	if cap(buf) < n {
		buf = make([]float64, n)
		ev.tmp[slot] = buf
	}
	buf = buf[:n]
	for i := range buf {
		buf[i] = float64(v.Longs[i])
	}
	return buf
}

func isNum(t base.ColumnType) bool {
	return t.Kind == base.KindLong || t.Kind == base.KindDouble
}

func (ev *VectorEvaluator) unaryVec(x *unaryNode, n int) (*Vector, bool, error) {
	if !isNum(x.x.typ()) {
		return nil, false, nil
	}
	in, err := ev.vec(x.x, n)
	if err != nil {
		return nil, true, err
	}
	if in.Longs == nil && in.Doubles == nil {
		return nil, false, nil
	}
	keepNulls := func(out *Vector) { out.copyNulls(in.Nulls, n) }
	if x.op == '!' {
		out := ev.out(x.id, TypeLong, n)
		o := out.Longs
		if in.Longs != nil {
			for i, a := range in.Longs[:n] {
				o[i] = b2l(a <= 0)
			}
		} else {
			for i, a := range in.Doubles[:n] {
				o[i] = b2l(!(a > 0))
			}
		}
		keepNulls(out)
		return out, true, nil
	}
	if in.Longs != nil && x.t.Kind == base.KindLong {
		out := ev.out(x.id, TypeLong, n)
		for i, a := range in.Longs[:n] {
			out.Longs[i] = -a
		}
		keepNulls(out)
		return out, true, nil
	}
	out := ev.out(x.id, TypeDouble, n)
	src := ev.asDoubles(in, x.id, n)
	for i, a := range src {
		out.Doubles[i] = -a
	}
	keepNulls(out)
	return out, true, nil
}

func b2l(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// binaryVec runs typed loops for numeric operands.
func (ev *VectorEvaluator) binaryVec(x *binaryNode, n int) (*Vector, bool, error) {
	lt, rt := x.l.typ(), x.r.typ()
	if !isNum(lt) || !isNum(rt) {
		return nil, false, nil
	}
	if x.op == "&&" || x.op == "||" {
		return nil, false, nil
	}
	lk, lconst := x.l.(*constNode)
	rk, rconst := x.r.(*constNode)
	if lconst && lk.v.Null || rconst && rk.v.Null || lconst && rconst {
		return nil, false, nil
	}
	var lv, rv *Vector
	var err error
	if !lconst {
		if lv, err = ev.vec(x.l, n); err != nil {
			return nil, true, err
		}
		if lv.Longs == nil && lv.Doubles == nil {
			return nil, false, nil
		}
	}
	if !rconst {
		if rv, err = ev.vec(x.r, n); err != nil {
			return nil, true, err
		}
		if rv.Longs == nil && rv.Doubles == nil {
			return nil, false, nil
		}
	}
	var ln, rn []bool
	if lv != nil {
		ln = lv.Nulls
	}
	if rv != nil {
		rn = rv.Nulls
	}
	if lt.Kind == base.KindLong && rt.Kind == base.KindLong {
		out := ev.out(x.id, TypeLong, n)
		nulls := out.orNulls(ln, rn, n)
		var err error
		switch {
		case lconst:
			err = longKernelCS(x.op, lk.v.L, rv.Longs[:n], out.Longs, nulls)
		case rconst:
			err = longKernelVC(x.op, lv.Longs[:n], rk.v.L, out.Longs, nulls)
		default:
			err = longKernelVV(x.op, lv.Longs[:n], rv.Longs[:n], out.Longs, nulls)
		}
		out.Nulls = nulls
		return out, true, err
	}
	outT := TypeDouble
	if isCmp(x.op) {
		outT = TypeLong
	}
	out := ev.out(x.id, outT, n)
	nulls := out.orNulls(ln, rn, n)
	var a, b []float64
	var ac, bc float64
	if lconst {
		ac, _ = lk.v.AsDouble()
	} else {
		a = ev.asDoubles(lv, x.id, n)
	}
	if rconst {
		bc, _ = rk.v.AsDouble()
	} else {
		b = ev.rightScratch(rv, x.id, n)
	}
	if isCmp(x.op) {
		doubleCmpKernel(x.op, a, ac, b, bc, out.Longs[:n])
	} else {
		doubleKernel(x.op, a, ac, b, bc, out.Doubles[:n])
	}
	out.Nulls = nulls
	return out, true, nil
}

// rightScratch converts the right operand using a second scratch slot so
// that it does not overwrite the left operand's conversion.
func (ev *VectorEvaluator) rightScratch(v *Vector, id, n int) []float64 {
	if v.Doubles != nil {
		return v.Doubles[:n]
	}
	for len(ev.tmp2) <= id {
		ev.tmp2 = append(ev.tmp2, nil)
	}
	buf := ev.tmp2[id]
	if cap(buf) < n {
		buf = make([]float64, n)
		ev.tmp2[id] = buf
	}
	buf = buf[:n]
	for i := range buf {
		buf[i] = float64(v.Longs[i])
	}
	return buf
}

func isCmp(op string) bool {
	switch op {
	case "<", "<=", ">", ">=", "==", "!=":
		return true
	}
	return false
}

func longKernelVV(op string, a, b, o []int64, nulls []bool) error {
	o = o[:len(a)]
	b = b[:len(a)]
	switch op {
	case "+":
		for i := range o {
			o[i] = a[i] + b[i]
		}
	case "-":
		for i := range o {
			o[i] = a[i] - b[i]
		}
	case "*":
		for i := range o {
			o[i] = a[i] * b[i]
		}
	case "/", "%":
		for i := range o {
			if b[i] == 0 {
				if nulls != nil && nulls[i] {
					o[i] = 0
					continue
				}
				return errDivZero
			}
			if op == "/" {
				o[i] = a[i] / b[i]
			} else {
				o[i] = a[i] % b[i]
			}
		}
	case "^":
		for i := range o {
			if nulls != nil && nulls[i] {
				continue
			}
			v, err := longPow(a[i], b[i])
			if err != nil {
				return err
			}
			o[i] = v
		}
	default:
		for i := range o {
			o[i] = b2l(cmpResult(op, cmpLong(a[i], b[i])))
		}
	}
	return nil
}

func longKernelVC(op string, a []int64, c int64, o []int64, nulls []bool) error {
	o = o[:len(a)]
	switch op {
	case "+":
		for i := range o {
			o[i] = a[i] + c
		}
	case "-":
		for i := range o {
			o[i] = a[i] - c
		}
	case "*":
		for i := range o {
			o[i] = a[i] * c
		}
	case "/":
		if c == 0 {
			return zeroUnlessAllNull(o, nulls)
		}
		for i := range o {
			o[i] = a[i] / c
		}
	case "%":
		if c == 0 {
			return zeroUnlessAllNull(o, nulls)
		}
		for i := range o {
			o[i] = a[i] % c
		}
	case "<":
		for i := range o {
			o[i] = b2l(a[i] < c)
		}
	case "<=":
		for i := range o {
			o[i] = b2l(a[i] <= c)
		}
	case ">":
		for i := range o {
			o[i] = b2l(a[i] > c)
		}
	case ">=":
		for i := range o {
			o[i] = b2l(a[i] >= c)
		}
	case "==":
		for i := range o {
			o[i] = b2l(a[i] == c)
		}
	case "!=":
		for i := range o {
			o[i] = b2l(a[i] != c)
		}
	default:
		for i := range o {
			if nulls != nil && nulls[i] {
				continue
			}
			v, err := longPow(a[i], c)
			if err != nil {
				return err
			}
			o[i] = v
		}
	}
	return nil
}

func zeroUnlessAllNull(o []int64, nulls []bool) error {
	for i := range o {
		if nulls == nil || !nulls[i] {
			return errDivZero
		}
		o[i] = 0
	}
	return nil
}

func longKernelCS(op string, c int64, b []int64, o []int64, nulls []bool) error {
	o = o[:len(b)]
	switch op {
	case "+":
		for i := range o {
			o[i] = c + b[i]
		}
	case "-":
		for i := range o {
			o[i] = c - b[i]
		}
	case "*":
		for i := range o {
			o[i] = c * b[i]
		}
	default:
		for i := range o {
			if nulls != nil && nulls[i] {
				o[i] = 0
				continue
			}
			if isCmp(op) {
				o[i] = b2l(cmpResult(op, cmpLong(c, b[i])))
				continue
			}
			v, err := longOp(op, c, b[i])
			if err != nil {
				return err
			}
			o[i] = v
		}
	}
	return nil
}

// doubleKernel computes o = a op b where a nil means the constant ac and b
// nil the constant bc.
func doubleKernel(op string, a []float64, ac float64, b []float64, bc float64, o []float64) {
	switch {
	case a != nil && b != nil:
		a, b = a[:len(o)], b[:len(o)]
		switch op {
		case "+":
			for i := range o {
				o[i] = a[i] + b[i]
			}
		case "-":
			for i := range o {
				o[i] = a[i] - b[i]
			}
		case "*":
			for i := range o {
				o[i] = a[i] * b[i]
			}
		case "/":
			for i := range o {
				o[i] = a[i] / b[i]
			}
		default:
			for i := range o {
				o[i] = doubleOp(op, a[i], b[i])
			}
		}
	case b == nil:
		a = a[:len(o)]
		switch op {
		case "+":
			for i := range o {
				o[i] = a[i] + bc
			}
		case "-":
			for i := range o {
				o[i] = a[i] - bc
			}
		case "*":
			for i := range o {
				o[i] = a[i] * bc
			}
		case "/":
			for i := range o {
				o[i] = a[i] / bc
			}
		default:
			for i := range o {
				o[i] = doubleOp(op, a[i], bc)
			}
		}
	default:
		b = b[:len(o)]
		for i := range o {
			o[i] = doubleOp(op, ac, b[i])
		}
	}
}

func doubleCmpKernel(op string, a []float64, ac float64, b []float64, bc float64, o []int64) {
	for i := range o {
		x, y := ac, bc
		if a != nil {
			x = a[i]
		}
		if b != nil {
			y = b[i]
		}
		o[i] = b2l(cmpDoubleOp(op, x, y))
	}
}

// vecKernel is a native vector implementation of a function; ok false means
// "not applicable, fall back".
type vecKernel func(ev *VectorEvaluator, n *callNode, size int) (*Vector, bool, error)

// unaryDoubleKernel vectorizes a DOUBLE function of one numeric argument.
func unaryDoubleKernel(f func(float64) float64) vecKernel {
	return func(ev *VectorEvaluator, x *callNode, n int) (*Vector, bool, error) {
		if !isNum(x.args[0].typ()) || x.t.Kind != base.KindDouble {
			return nil, false, nil
		}
		in, err := ev.vec(x.args[0], n)
		if err != nil {
			return nil, true, err
		}
		if in.Longs == nil && in.Doubles == nil {
			return nil, false, nil
		}
		src := ev.asDoubles(in, x.id, n)
		out := ev.out(x.id, TypeDouble, n)
		for i, a := range src {
			out.Doubles[i] = f(a)
		}
		if in.Nulls != nil {
			out.copyNulls(in.Nulls, n)
			for i, isNull := range out.Nulls {
				if isNull {
					out.Doubles[i] = 0
				}
			}
		}
		return out, true, nil
	}
}
