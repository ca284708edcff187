package engine

import (
	"encoding/json"
	"math"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// aggregator folds selected rows into per-group states held in typed
// slices indexed by group id.
type aggregator interface {
	// grow makes room for groups [0, n).
	grow(n int)
	// add folds rows sel of the block [start, start+n) in: row sel[k] into
	// group groups[k], or every row into group one when groups is nil.
	add(start, n int, sel []int32, groups []int32, one int32) error
	// value returns group g's intermediate value (result's model).
	value(g int) any
}

// newAggregators binds the query's aggregators to the plan's columns.
func (p *plan) newAggregators(fs []aggregation.Factory) ([]aggregator, error) {
	out := make([]aggregator, len(fs))
	for i, f := range fs {
		a, err := p.newAggregator(f)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

func (p *plan) newAggregator(f aggregation.Factory) (aggregator, error) {
	if sf, ok := f.(aggregation.SketchFactory); ok {
		return p.newSketchAgg(sf)
	}
	if a, ok, err := p.newExtAggregator(f); ok {
		return a, err
	}
	in := f.InputFields()
	if f.Kind() == aggregation.Count {
		return &countAgg{}, nil
	}
	if len(in) == 0 && aggregation.InputExpression(f) == "" {
		return nil, base.Errorf(base.ClassInvalidInput, "aggregator %q: no fieldName", f.Name())
	}
	var src source
	var err error
	if e := aggregation.InputExpression(f); e != "" {
		src, err = p.exprInputSource(f, e)
	} else {
		src, err = p.source(in[0])
	}
	if err != nil {
		return nil, err
	}
	switch f.Kind() {
	case aggregation.LongSum:
		return &numAgg[int64]{op: opSum, in: newLongIn(src)}, nil
	case aggregation.LongMin:
		return &numAgg[int64]{op: opMin, in: newLongIn(src)}, nil
	case aggregation.LongMax:
		return &numAgg[int64]{op: opMax, in: newLongIn(src)}, nil
	case aggregation.DoubleSum:
		return &numAgg[float64]{op: opSum, in: newDoubleIn(src)}, nil
	case aggregation.DoubleMin:
		return &numAgg[float64]{op: opMin, in: newDoubleIn(src)}, nil
	case aggregation.DoubleMax:
		return &numAgg[float64]{op: opMax, in: newDoubleIn(src)}, nil
	case aggregation.FloatSum:
		return &numAgg[float32]{op: opSum, in: newFloatIn(src)}, nil
	case aggregation.FloatMin:
		return &numAgg[float32]{op: opMin, in: newFloatIn(src)}, nil
	case aggregation.FloatMax:
		return &numAgg[float32]{op: opMax, in: newFloatIn(src)}, nil
	}
	a := &pairAgg{name: f.Name(), src: src}
	switch f.Kind() {
	case aggregation.LongFirst, aggregation.DoubleFirst, aggregation.FloatFirst, aggregation.StringFirst:
		a.first = true
	}
	switch f.Kind() {
	case aggregation.LongFirst, aggregation.LongLast:
		a.vk = segment.KindLong
	case aggregation.DoubleFirst, aggregation.DoubleLast:
		a.vk = segment.KindDouble
	case aggregation.FloatFirst, aggregation.FloatLast:
		a.vk = segment.KindFloat
	case aggregation.StringFirst, aggregation.StringLast:
		a.vk = segment.KindString
		a.maxBytes = maxStringBytes(f)
	default:
		return nil, base.Errorf(base.ClassUnsupported, "aggregator %q: type %q is not supported by the segment engine", f.Name(), f.TypeName())
	}
	timeName := base.TimeColumn
	if len(in) > 1 {
		timeName = in[1]
	}
	ts, err := p.source(timeName)
	if err != nil {
		return nil, err
	}
	a.time = newLongIn(ts)
	a.sortedTime = timeName == base.TimeColumn
	return a, nil
}

// maxStringBytes reads a stringFirst/stringLast spec's maxStringBytes.
func maxStringBytes(f aggregation.Factory) int {
	b, err := f.MarshalJSON()
	if err != nil {
		return aggregation.DefaultMaxStringBytes
	}
	var spec struct {
		MaxStringBytes *int `json:"maxStringBytes"`
	}
	if json.Unmarshal(b, &spec) != nil || spec.MaxStringBytes == nil {
		return aggregation.DefaultMaxStringBytes
	}
	return *spec.MaxStringBytes
}

// chop truncates s to at most n bytes at a character boundary.
func chop(s string, n int) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

type countAgg struct{ counts []int64 }

func (a *countAgg) grow(n int) { a.counts = growTo(a.counts, n) }

func (a *countAgg) add(_, _ int, sel []int32, groups []int32, one int32) error {
	if groups == nil {
		a.counts[one] += int64(len(sel))
		return nil
	}
	c := a.counts
	for _, g := range groups[:len(sel)] {
		c[g]++
	}
	return nil
}

func (a *countAgg) value(g int) any { return a.counts[g] }

func growTo[T any](s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	if n <= cap(s) {
		return s[:n]
	}
	out := make([]T, n, max(n, 2*cap(s)))
	copy(out, s)
	return out
}

type number interface{ int64 | float64 | float32 }

type numOp uint8

const (
	opSum numOp = iota
	opMin
	opMax
)

// numIn reads an aggregator's input as a typed block with null flags.
type numIn[T number] interface {
	load(start, n int, sel []int32) ([]T, []bool, error)
}

// numAgg is a sum, min or max over longs, doubles or floats, null until it
// sees a non-null value (SQL-compatible).
type numAgg[T number] struct {
	op   numOp
	in   numIn[T]
	vals []T
	seen []bool
}

func (a *numAgg[T]) grow(n int) {
	a.vals = growTo(a.vals, n)
	a.seen = growTo(a.seen, n)
}

func (a *numAgg[T]) value(g int) any {
	if !a.seen[g] {
		return nil
	}
	return a.vals[g]
}

func (a *numAgg[T]) add(start, n int, sel []int32, groups []int32, one int32) error {
	xs, nulls, err := a.in.load(start, n, sel)
	if err != nil {
		return err
	}
	if groups == nil {
		a.addOne(xs, nulls, sel, one)
		return nil
	}
	vals, seen := a.vals, a.seen
	groups = groups[:len(sel)]
	switch a.op {
	case opSum:
		if nulls == nil {
			for k, i := range sel {
				g := groups[k]
				if seen[g] {
					vals[g] += xs[i]
				} else {
					vals[g], seen[g] = xs[i], true
				}
			}
			return nil
		}
		for k, i := range sel {
			if nulls[i] {
				continue
			}
			g := groups[k]
			if seen[g] {
				vals[g] += xs[i]
			} else {
				vals[g], seen[g] = xs[i], true
			}
		}
	case opMin:
		for k, i := range sel {
			if nulls != nil && nulls[i] {
				continue
			}
			g := groups[k]
			if !seen[g] {
				vals[g], seen[g] = xs[i], true
			} else if xs[i] < vals[g] {
				vals[g] = xs[i]
			}
		}
	case opMax:
		for k, i := range sel {
			if nulls != nil && nulls[i] {
				continue
			}
			g := groups[k]
			if !seen[g] {
				vals[g], seen[g] = xs[i], true
			} else if vals[g] < xs[i] {
				vals[g] = xs[i]
			}
		}
	}
	return nil
}

// addOne folds every selected row into group g.
func (a *numAgg[T]) addOne(xs []T, nulls []bool, sel []int32, g int32) {
	k := 0
	if !a.seen[g] {
		for k < len(sel) && nulls != nil && nulls[sel[k]] {
			k++
		}
		if k == len(sel) {
			return
		}
		a.vals[g], a.seen[g] = xs[sel[k]], true
		k++
	}
	acc := a.vals[g]
	rest := sel[k:]
	switch a.op {
	case opSum:
		if nulls == nil {
			for _, i := range rest {
				acc += xs[i]
			}
		} else {
			for _, i := range rest {
				if !nulls[i] {
					acc += xs[i]
				}
			}
		}
	case opMin:
		for _, i := range rest {
			if (nulls == nil || !nulls[i]) && xs[i] < acc {
				acc = xs[i]
			}
		}
	case opMax:
		for _, i := range rest {
			if (nulls == nil || !nulls[i]) && acc < xs[i] {
				acc = xs[i]
			}
		}
	}
	a.vals[g] = acc
}

// convIn converts any column block to T, element by element, with a
// per-dictionary-entry table for string columns.
type convIn[T number] struct {
	src    source
	direct func(v *vec) []T // the vec's own slice when it already holds T
	conv   func(x any) (T, bool)
	buf    []T
	nbuf   []bool
	tbl    []T
	tblOK  []bool
	tblFor *dict
}

func (c *convIn[T]) load(start, n int, sel []int32) ([]T, []bool, error) {
	v, err := c.src.loadSel(start, n, sel)
	if err != nil {
		return nil, nil, err
	}
	if xs := c.direct(v); xs != nil {
		return xs[:n], v.nulls, nil
	}
	if c.buf == nil {
		c.buf = make([]T, segment.BlockSize)
		c.nbuf = make([]bool, segment.BlockSize)
	}
	buf, nulls := c.buf[:n], c.nbuf[:n]
	switch v.kind {
	case vecNull, vecComplex:
		clear(buf)
		for i := range nulls {
			nulls[i] = true
		}
	case vecDict:
		if c.tblFor != v.d {
			vals := v.d.boxed()
			c.tbl, c.tblOK = make([]T, len(vals)), make([]bool, len(vals))
			for id, x := range vals {
				c.tbl[id], c.tblOK[id] = c.conv(x)
			}
			c.tblFor = v.d
		}
		for i, id := range v.ids[:n] {
			buf[i], nulls[i] = c.tbl[id], !c.tblOK[id]
		}
	default:
		for i := range n {
			var ok bool
			buf[i], ok = c.conv(scalar(v.at(i)))
			nulls[i] = !ok
		}
	}
	return buf, nulls, nil
}

func newLongIn(src source) numIn[int64] {
	return &convIn[int64]{src: src,
		direct: func(v *vec) []int64 {
			if v.kind == vecLong {
				return v.longs
			}
			return nil
		},
		conv: value.ToInt64}
}

func newDoubleIn(src source) numIn[float64] {
	return &convIn[float64]{src: src,
		direct: func(v *vec) []float64 {
			if v.kind == vecDouble {
				return v.doubles
			}
			return nil
		},
		conv: value.ToFloat64}
}

func newFloatIn(src source) numIn[float32] {
	return &convIn[float32]{src: src,
		direct: func(v *vec) []float32 {
			if v.kind == vecFloat {
				return v.floats
			}
			return nil
		},
		conv: func(x any) (float32, bool) {
			f, ok := value.ToFloat64(x)
			return float32(f), ok
		}}
}

// pairAgg is a first/last aggregator: per group the (time, value) pair
// with the smallest (first) or largest (last) time, the earliest row
// winning ties. It reads stored pairs from a complex column of a
// rolled-up segment.
type pairAgg struct {
	name     string
	first    bool
	vk       segment.ValueKind
	maxBytes int
	src      source
	time     numIn[int64]
	// sortedTime: the time is __time, ascending in a segment.
	sortedTime bool
	seen       []bool
	times      []int64
	vals       []any
	// A group's value is vals[g] unless ref[g] says it is held unboxed in
	// refN (a dictionary id of d, or a number), so that replacing it on
	// every row allocates nothing.
	ref  []uint8
	refN []uint64
	d    *dict
}

const (
	refAny uint8 = iota
	refDictID
	refLong
	refDouble
	refFloat
	refNull
)

func (a *pairAgg) grow(n int) {
	a.seen = growTo(a.seen, n)
	a.times = growTo(a.times, n)
	a.vals = growTo(a.vals, n)
	a.ref = growTo(a.ref, n)
	a.refN = growTo(a.refN, n)
}

func (a *pairAgg) value(g int) any {
	if !a.seen[g] {
		return nil
	}
	return result.Pair{Time: a.times[g], Value: a.resolve(g)}
}

// resolve returns group g's value.
func (a *pairAgg) resolve(g int) any {
	switch a.ref[g] {
	case refDictID:
		id := int32(a.refN[g])
		if a.d.null(id) {
			return nil
		}
		return chop(a.d.str(id), a.maxBytes)
	case refLong:
		return int64(a.refN[g])
	case refDouble:
		return math.Float64frombits(a.refN[g])
	case refFloat:
		return math.Float32frombits(uint32(a.refN[g]))
	case refNull:
		return nil
	}
	return a.vals[g]
}

// setRef stores row i of v unboxed as group g's value when its form
// allows, and reports whether it did.
func (a *pairAgg) setRef(g int32, v *vec, i int) bool {
	if v.nulls != nil && v.nulls[i] && (v.kind == vecLong || v.kind == vecDouble || v.kind == vecFloat) {
		a.ref[g] = refNull
		return true
	}
	switch {
	case v.kind == vecDict && a.vk == segment.KindString:
		a.ref[g], a.refN[g], a.d = refDictID, uint64(v.ids[i]), v.d
	case v.kind == vecLong && a.vk == segment.KindLong:
		a.ref[g], a.refN[g] = refLong, uint64(v.longs[i])
	case v.kind == vecLong && a.vk == segment.KindDouble:
		a.ref[g], a.refN[g] = refDouble, math.Float64bits(float64(v.longs[i]))
	case v.kind == vecDouble && a.vk == segment.KindDouble:
		a.ref[g], a.refN[g] = refDouble, math.Float64bits(v.doubles[i])
	case v.kind == vecFloat && a.vk == segment.KindFloat:
		a.ref[g], a.refN[g] = refFloat, uint64(math.Float32bits(v.floats[i]))
	default:
		return false
	}
	a.vals[g] = nil
	return true
}

// better reports whether a pair at time t, read after group g's current
// one, replaces it: Druid's rule for reading a segment — an earlier (first)
// or later (last) time wins, and on equal times the later row wins for last
// and the earlier for first (result.RowFolder is the same rule for the row
// engine).
func (a *pairAgg) better(g int32, t int64) bool {
	if !a.seen[g] {
		return true
	}
	if cur := a.times[g]; t != cur {
		return (t < cur) == a.first
	}
	return !a.first
}

func (a *pairAgg) add(start, n int, sel []int32, groups []int32, one int32) error {
	if _, stored := a.src.(*complexSource); stored {
		v, err := a.src.loadSel(start, n, sel)
		if err != nil {
			return err
		}
		return a.addStored(v, sel, groups, one)
	}
	ts, tnull, err := a.time.load(start, n, sel)
	if err != nil {
		return err
	}
	if groups == nil && a.sortedTime && len(sel) > 0 {
		// __time is sorted: only the rows at the block's first (first) or
		// last (last) selected time can win.
		if a.first {
			t0, m := ts[sel[0]], 1
			for m < len(sel) && ts[sel[m]] == t0 {
				m++
			}
			sel = sel[:m]
		} else {
			t1, m := ts[sel[len(sel)-1]], len(sel)-1
			for m > 0 && ts[sel[m-1]] == t1 {
				m--
			}
			sel = sel[m:]
		}
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
		t := ts[i]
		if tnull != nil && tnull[i] {
			t = 0
		}
		if !a.better(g, t) {
			continue // decided without the value
		}
		a.seen[g], a.times[g] = true, t
		if !a.setRef(g, v, int(i)) {
			a.vals[g], a.ref[g] = a.convert(v, int(i)), refAny
		}
	}
	return nil
}

// convert lifts row i of v to the aggregator's value type (nil for null
// or unconvertible values).
func (a *pairAgg) convert(v *vec, i int) any {
	if v.kind == vecLong && a.vk == segment.KindLong {
		if v.nulls != nil && v.nulls[i] {
			return nil
		}
		return v.longs[i]
	}
	x := scalar(v.at(i))
	switch a.vk {
	case segment.KindLong:
		if n, ok := value.ToInt64(x); ok {
			return n
		}
	case segment.KindDouble:
		if d, ok := value.ToFloat64(x); ok {
			return d
		}
	case segment.KindFloat:
		if d, ok := value.ToFloat64(x); ok {
			return float32(d)
		}
	default:
		if s, ok := value.ToString(x); ok {
			return chop(s, a.maxBytes)
		}
	}
	return nil
}

func (a *pairAgg) addStored(v *vec, sel []int32, groups []int32, one int32) error {
	for k, i := range sel {
		b := v.blobs[i]
		if b == nil {
			continue
		}
		t, sv, err := aggregation.DecodePair(b, a.vk)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "aggregator %q: stored pair: %w", a.name, err)
		}
		g := one
		if groups != nil {
			g = groups[k]
		}
		var x any
		switch sv.Kind {
		case segment.KindLong:
			x = sv.Long
		case segment.KindDouble:
			x = sv.Double
		case segment.KindFloat:
			x = float32(sv.Double)
		case segment.KindString:
			x = chop(sv.Str, a.maxBytes)
		}
		if !a.better(g, t) {
			continue
		}
		a.seen[g], a.times[g], a.vals[g], a.ref[g] = true, t, x, refAny
	}
	return nil
}
