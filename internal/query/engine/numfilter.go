package engine

import (
	"math"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/value"
)

// numPred is a value filter compiled for a numeric column: p64 decides
// long and double values (longs given as float64, as the row evaluator
// compares them), p32 float values; null rows evaluate to nullTri.
type numPred struct {
	p64     func(float64) bool
	p32     func(float32) bool
	nullTri filter.Tri
	// When ranged is set, a non-NaN value x matches exactly when
	// lo <= x <= hi (strict bounds already moved to the next float), so
	// blocks are filtered with two comparisons per row; NaN values still
	// go through p64.
	ranged bool
	lo, hi float64
	nanHit bool // p64(NaN), the same for every NaN
	// ilo..ihi is lo..hi for long values (compared as float64), when
	// intOK.
	ilo, ihi int64
	intOK    bool
}

// withIntRange sets the predicate's integer bounds from its closed range.
// Converting a long to float64 is monotonic, so the longs whose float64 is
// in [lo, hi] are an integer range; its ends are exact when the rounded
// bounds lie within ±2^53 (or are infinite).
func (np numPred) withIntRange() numPred {
	if !np.ranged {
		return np
	}
	const exact = 1 << 53
	end := func(f float64, inf int64) (int64, bool) {
		switch {
		case math.IsInf(f, 0):
			return inf, true
		case f >= -exact && f <= exact:
			return int64(f), true
		}
		return 0, false
	}
	var okLo, okHi bool
	if math.IsInf(np.lo, 1) || math.IsInf(np.hi, -1) {
		np.ilo, np.ihi, np.intOK = 1, 0, true // empty
		return np
	}
	np.ilo, okLo = end(math.Ceil(np.lo), math.MinInt64)
	np.ihi, okHi = end(math.Floor(np.hi), math.MaxInt64)
	np.intOK = okLo && okHi
	return np
}

// closedRange returns the closed bounds equivalent, for non-NaN values, to
// the given optionally strict bounds (nil: unbounded), and false when a
// bound is NaN (compared specially by the predicates).
func closedRange(lo *float64, loStrict bool, hi *float64, hiStrict bool) (float64, float64, bool) {
	l, h := math.Inf(-1), math.Inf(1)
	if lo != nil {
		if math.IsNaN(*lo) {
			return 0, 0, false
		}
		l = *lo
		if loStrict {
			if l == math.Inf(1) {
				return 1, 0, true // nothing is above +Inf
			}
			l = math.Nextafter(l, math.Inf(1))
		}
	}
	if hi != nil {
		if math.IsNaN(*hi) {
			return 0, 0, false
		}
		h = *hi
		if hiStrict {
			if h == math.Inf(-1) {
				return 1, 0, true
			}
			h = math.Nextafter(h, math.Inf(-1))
		}
	}
	return l, h, true
}

// numericPred compiles the value filters the row evaluator decides
// numerically on numbers. ok is false for the others (string orderings,
// extraction functions, patterns), which are evaluated row by row.
func numericPred(f filter.Filter) (numPred, bool) {
	widen := func(p func(float64) bool) func(float32) bool {
		return func(x float32) bool { return p(float64(x)) }
	}
	switch f := f.(type) {
	case *filter.Null:
		no := func(float64) bool { return false }
		return numPred{p64: no, p32: widen(no), nullTri: filter.TriTrue}, true
	case *filter.Selector:
		if f.ExtractionFn != nil {
			return numPred{}, false
		}
		if f.Value == nil {
			return numericPred(&filter.Null{})
		}
		want, isNum := value.ParseNumber(*f.Value)
		return numPred{
			p64:     func(x float64) bool { return isNum && x == want },
			p32:     func(x float32) bool { return isNum && x == float32(want) },
			nullTri: filter.TriUnknown,
		}, true
	case *filter.In:
		if f.ExtractionFn != nil {
			return numPred{}, false
		}
		var nums []float64
		nullTri := filter.TriUnknown
		for _, v := range f.Values {
			if v == nil {
				nullTri = filter.TriTrue
				continue
			}
			if n, ok := value.ParseNumber(*v); ok {
				nums = append(nums, n)
			}
		}
		return numPred{
			p64: func(x float64) bool {
				for _, m := range nums {
					if m == x {
						return true
					}
				}
				return false
			},
			p32: func(x float32) bool {
				for _, m := range nums {
					if float32(m) == x {
						return true
					}
				}
				return false
			},
			nullTri: nullTri,
		}, true
	case *filter.Bound:
		if f.ExtractionFn != nil || f.Ordering != value.Numeric {
			return numPred{}, false
		}
		var lo, hi float64
		loOK, hiOK := f.Lower == nil, f.Upper == nil
		if f.Lower != nil {
			lo, loOK = value.ParseNumber(*f.Lower)
		}
		if f.Upper != nil {
			hi, hiOK = value.ParseNumber(*f.Upper)
		}
		p := func(n float64) bool {
			if !loOK || !hiOK {
				return false
			}
			if f.Lower != nil {
				c := value.CompareFloat(n, lo)
				if c < 0 || (c == 0 && f.LowerStrict) {
					return false
				}
			}
			if f.Upper != nil {
				c := value.CompareFloat(n, hi)
				if c > 0 || (c == 0 && f.UpperStrict) {
					return false
				}
			}
			return true
		}
		np := numPred{p64: p, p32: widen(p), nullTri: filter.TriUnknown}
		if loOK && hiOK {
			var lp, hp *float64
			if f.Lower != nil {
				lp = &lo
			}
			if f.Upper != nil {
				hp = &hi
			}
			np.lo, np.hi, np.ranged = closedRange(lp, f.LowerStrict, hp, f.UpperStrict)
		}
		np.nanHit = p(math.NaN())
		return np.withIntRange(), true
	case *filter.Range:
		if !f.MatchValueType.IsNumeric() {
			return numPred{}, false
		}
		lo, hi := math.Inf(-1), math.Inf(1)
		if f.Lower != nil {
			lo, _ = value.ToFloat64(f.Lower)
		}
		if f.Upper != nil {
			hi, _ = value.ToFloat64(f.Upper)
		}
		p := func(n float64) bool {
			if math.IsNaN(n) {
				return false
			}
			if f.Lower != nil && (n < lo || (n == lo && f.LowerOpen)) {
				return false
			}
			if f.Upper != nil && (n > hi || (n == hi && f.UpperOpen)) {
				return false
			}
			return true
		}
		np := numPred{p64: p, p32: widen(p), nullTri: filter.TriUnknown}
		var lp, hp *float64
		if f.Lower != nil {
			lp = &lo
		}
		if f.Upper != nil {
			hp = &hi
		}
		np.lo, np.hi, np.ranged = closedRange(lp, f.LowerOpen, hp, f.UpperOpen)
		np.nanHit = p(math.NaN())
		return np.withIntRange(), true
	case *filter.Equals:
		if f.MatchValueType.Kind == base.KindArray {
			return numPred{}, false
		}
		want, ok := value.ToFloat64(f.MatchValue)
		return numPred{
			p64:     func(x float64) bool { return ok && x == want },
			p32:     func(x float32) bool { return ok && x == float32(want) },
			nullTri: filter.TriUnknown,
		}, true
	}
	return numPred{}, false
}

// numericLeaf evaluates a compiled numeric predicate on the rows of dom,
// reading the column block by block.
func (e *filterEval) numericLeaf(np numPred, src source, dom *roaring.Bitmap) (triSet, error) {

	var tBuf, uBuf []uint32
	var scratch []int32
	t, u := roaring.New(), roaring.New()
	err := e.p.eachRowsOf(dom, func(start, n int, sel []int32) error {
		v, err := src.loadSel(start, n, sel)
		if err != nil {
			return err
		}
		if v.nulls == nil {
			scratch = append(scratch[:0], sel...)
			for _, i := range np.narrow(v, scratch) {
				tBuf = append(tBuf, uint32(start)+uint32(i))
			}
			t.AddMany(tBuf)
			tBuf = tBuf[:0]
			return nil
		}
		for _, i := range sel {
			row := uint32(start + int(i))
			if v.nulls != nil && v.nulls[i] {
				switch np.nullTri {
				case filter.TriTrue:
					tBuf = append(tBuf, row)
				case filter.TriUnknown:
					uBuf = append(uBuf, row)
				}
				continue
			}
			var hit bool
			switch v.kind {
			case vecLong:
				hit = np.p64(float64(v.longs[i]))
			case vecDouble:
				hit = np.p64(v.doubles[i])
			case vecFloat:
				hit = np.p32(v.floats[i])
			}
			if hit {
				tBuf = append(tBuf, row)
			}
		}
		t.AddMany(tBuf)
		u.AddMany(uBuf)
		tBuf, uBuf = tBuf[:0], uBuf[:0]
		return nil
	})
	if err != nil {
		return triSet{}, err
	}

	return triSet{t: t, u: nonEmpty(u)}, nil
}

// match reports whether row i of v is true under the predicate.
func (np *numPred) match(v *vec, i int32) bool {
	if v.nulls != nil && v.nulls[i] {
		return np.nullTri == filter.TriTrue
	}
	switch v.kind {
	case vecLong:
		return np.p64(float64(v.longs[i]))
	case vecDouble:
		return np.p64(v.doubles[i])
	case vecFloat:
		return np.p32(v.floats[i])
	}
	return false
}

// narrow keeps, in place, the offsets of sel whose rows of v are true under
// the predicate, and returns them. A closed-range predicate over a block
// without nulls runs a branch-free loop: two comparisons per row (plus a NaN
// test when NaN matches).
func (np *numPred) narrow(v *vec, sel []int32) []int32 {
	k := 0
	if v.nulls != nil || !np.ranged {
		for _, i := range sel {
			if np.match(v, i) {
				sel[k] = i
				k++
			}
		}
		return sel[:k]
	}
	lo, hi := np.lo, np.hi
	nan := b2i(np.nanHit)
	switch v.kind {
	case vecLong:
		xs := v.longs
		if np.intOK {
			if np.ilo > np.ihi {
				return sel[:0]
			}
			base, span := uint64(np.ilo), uint64(np.ihi)-uint64(np.ilo)
			if len(sel) == v.n { // the whole block: offsets 0..n-1
				for i, x := range xs[:len(sel)] {
					sel[k] = int32(i)
					k += b2i(uint64(x)-base <= span)
				}
				return sel[:k]
			}
			for _, i := range sel {
				sel[k] = i
				k += b2i(uint64(xs[i])-base <= span)
			}
			return sel[:k]
		}
		for _, i := range sel {
			x := float64(xs[i])
			sel[k] = i
			k += b2i(x >= lo) & b2i(x <= hi)
		}
	case vecDouble:
		xs := v.doubles
		if len(sel) == v.n && nan == 0 { // the whole block: offsets 0..n-1
			for i, x := range xs[:len(sel)] {
				sel[k] = int32(i)
				k += b2i(x >= lo) & b2i(x <= hi)
			}
			return sel[:k]
		}
		for _, i := range sel {
			x := xs[i]
			sel[k] = i
			k += b2i(x >= lo)&b2i(x <= hi) | nan&b2i(x != x)
		}
	case vecFloat:
		xs := v.floats
		for _, i := range sel {
			x := float64(xs[i])
			sel[k] = i
			k += b2i(x >= lo)&b2i(x <= hi) | nan&b2i(x != x)
		}
	default:
		return sel[:0]
	}
	return sel[:k]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// blockPred is a numeric leaf of the query filter applied block by block
// as the rows are read (see plan.preds).
type blockPred struct {
	src source
	np  numPred
}

// blockPred returns f as a block predicate when it is a value filter on a
// stored numeric column decided by a compiled numeric predicate.
func (e *filterEval) blockPred(f filter.Filter) (blockPred, bool) {
	if _, isInterval := f.(*filter.Interval); isInterval {
		return blockPred{}, false
	}
	src, ok := e.indexed(f)
	if !ok {
		return blockPred{}, false
	}
	switch src.(type) {
	case *longSource, *doubleSource, *floatSource:
	default:
		return blockPred{}, false
	}
	np, ok := numericPred(f)
	if !ok {
		return blockPred{}, false
	}
	return blockPred{src: src, np: np}, true
}

// eachRowsOf is eachBlock over the rows of bm.
func (p *plan) eachRowsOf(bm *roaring.Bitmap, fn func(start, n int, sel []int32) error) error {
	saved := p.sel
	p.sel = bm
	defer func() { p.sel = saved }()
	return p.eachSelected(fn)
}
