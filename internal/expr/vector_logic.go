package expr

import (
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
)

// cannotFail reports whether evaluating n can never return an error, so
// that evaluating it eagerly for every row (as vector kernels do) is
// equivalent to Druid's short-circuit evaluation.
func cannotFail(n node) bool {
	switch x := n.(type) {
	case *constNode, *identNode:
		return true
	case *unaryNode:
		return isNum(x.x.typ()) && cannotFail(x.x)
	case *binaryNode:
		switch x.op {
		case "/", "%", "^":
			if x.t.Kind != base.KindDouble {
				return false
			}
		}
		return cannotFail(x.l) && cannotFail(x.r)
	}
	return false
}

// truthKernel fills dst with the truth of each row of v (numbers > 0) and
// nulls with its null flags.
func truth(v *Vector, i int) (t, null bool) {
	if v.Nulls != nil && v.Nulls[i] {
		return false, true
	}
	if v.Longs != nil {
		return v.Longs[i] > 0, false
	}
	return v.Doubles[i] > 0, false
}

// logicVec vectorizes && and || over numeric operands that cannot fail,
// with Druid's three-valued logic.
func (ev *VectorEvaluator) logicVec(x *binaryNode, n int) (*Vector, bool, error) {
	if !isNum(x.l.typ()) || !isNum(x.r.typ()) || !cannotFail(x.r) {
		return nil, false, nil
	}
	lv, err := ev.vec(x.l, n)
	if err != nil {
		return nil, true, err
	}
	if lv.Longs == nil && lv.Doubles == nil {
		return nil, false, nil
	}
	rv, err := ev.vec(x.r, n)
	if err != nil {
		return nil, true, err
	}
	if rv.Longs == nil && rv.Doubles == nil {
		return nil, false, nil
	}
	out := ev.out(x.id, TypeLong, n)
	o := out.Longs
	if lv.Nulls == nil && rv.Nulls == nil && lv.Longs != nil && rv.Longs != nil {
		a, b := lv.Longs[:n], rv.Longs[:n]
		if x.op == "&&" {
			for i := range o {
				o[i] = b2l(a[i] > 0 && b[i] > 0)
			}
		} else {
			for i := range o {
				o[i] = b2l(a[i] > 0 || b[i] > 0)
			}
		}
		return out, true, nil
	}
	nulls := out.spareNulls(n)
	for i := range o {
		lt, ln := truth(lv, i)
		rt, rn := truth(rv, i)
		var r, null bool
		if x.op == "&&" {
			switch {
			case !ln && !lt || !rn && !rt:
				r = false
			case ln || rn:
				null = true
			default:
				r = true
			}
		} else {
			switch {
			case !ln && lt || !rn && rt:
				r = true
			case ln || rn:
				null = true
			default:
				r = false
			}
		}
		if null {
			nulls[i] = true
			o[i] = 0
			continue
		}
		o[i] = b2l(r)
	}
	out.Nulls = anyNull(nulls)
	return out, true, nil
}

// stringCmpVec vectorizes comparisons of a STRING column with a string
// constant (or two STRING columns).
func (ev *VectorEvaluator) stringCmpVec(x *binaryNode, n int) (*Vector, bool, error) {
	if !isCmp(x.op) || x.l.typ().Kind != base.KindString || x.r.typ().Kind != base.KindString {
		return nil, false, nil
	}
	lv, err := ev.vec(x.l, n)
	if err != nil {
		return nil, true, err
	}
	rv, err := ev.vec(x.r, n)
	if err != nil {
		return nil, true, err
	}
	if lv.Strings == nil || rv.Strings == nil {
		return nil, false, nil
	}
	out := ev.out(x.id, TypeLong, n)
	nulls := out.orNulls(lv.Nulls, rv.Nulls, n)
	a, b, o := lv.Strings[:n], rv.Strings[:n], out.Longs
	switch x.op {
	case "==":
		for i := range o {
			o[i] = b2l(a[i] == b[i])
		}
	case "!=":
		for i := range o {
			o[i] = b2l(a[i] != b[i])
		}
	default:
		for i := range o {
			o[i] = b2l(cmpResult(x.op, compareStrings(a[i], b[i])))
		}
	}
	if nulls != nil {
		for i, isNull := range nulls {
			if isNull {
				o[i] = 0
			}
		}
	}
	out.Nulls = nulls
	return out, true, nil
}

// compareStrings orders strings as Java's String.compareTo: by UTF-16 code
// units. That is byte order except where a supplementary character
// (encoded as surrogates, 0xD800-0xDFFF) meets a character in
// U+E000-U+FFFF.
func compareStrings(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	switch {
	case i == len(a) && i == len(b):
		return 0
	case i == len(a):
		return -1
	case i == len(b):
		return 1
	}
	// Back up to the start of the differing runes.
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	ua, ub := utf16Unit(ra), utf16Unit(rb)
	switch {
	case ua < ub:
		return -1
	case ua > ub:
		return 1
	}
	// Same first unit: two supplementary characters (code point order), or
	// invalid UTF-8 (byte order).
	if ra == rb {
		if a[i] < b[i] {
			return -1
		}
		return 1
	}
	if ra < rb {
		return -1
	}
	return 1
}

// utf16Unit is the first UTF-16 code unit of r.
func utf16Unit(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}
