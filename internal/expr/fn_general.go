package expr

import (
	"regexp"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

func generalFns() []*fnSpec {
	return []*fnSpec{
		{name: "cast", min: 2, max: 2, bind: bindCast},
		{name: "coalesce", min: 1, max: -1, bind: bindCoalesce},
		{name: "if", min: 3, max: 3, bind: bindIf},
		{name: "nvl", min: 2, max: 2, bind: bindNvl},
		{name: "like", min: 2, max: 3, bind: bindLike},
		{name: "case_searched", min: 2, max: -1, bind: bindCaseSearched},
		{name: "case_simple", min: 3, max: -1, bind: bindCaseSimple},
		{name: "isnull", min: 1, max: 1, bind: bindIsNull(true)},
		{name: "notnull", min: 1, max: 1, bind: bindIsNull(false)},
		{name: "isNotNull", min: 1, max: 1, bind: bindIsNull(false)},
		{name: "isNull", min: 1, max: 1, bind: bindIsNull(true)},
		{name: "isTrue", min: 1, max: 1, bind: bindIsBool(true, false)},
		{name: "isFalse", min: 1, max: 1, bind: bindIsBool(false, false)},
		{name: "notTrue", min: 1, max: 1, bind: bindIsBool(true, true)},
		{name: "notFalse", min: 1, max: 1, bind: bindIsBool(false, true)},
		{name: "notdistinctfrom", min: 2, max: 2, bind: bindDistinct(false)},
		{name: "isdistinctfrom", min: 2, max: 2, bind: bindDistinct(true)},
		{name: "mv_to_array", min: 1, max: 1, bind: bindToStringArray(true)},
		{name: "array_to_mv", min: 1, max: 1, bind: bindToStringArray(false)},
		{name: "subtract_months", min: 3, max: 3, bind: bindSubtractMonths},
		{name: "bloom_filter_test", min: 2, max: 2, bind: bindBloomFilterTest},
		{name: "lookup", min: 2, max: 3, bind: bindLookup},
	}
}

// parseTypeName reads the type argument of cast and json_value.
func parseTypeName(s string) (base.ColumnType, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	switch u {
	case "LONG", "BIGINT", "INTEGER":
		return TypeLong, true
	case "DOUBLE", "FLOAT":
		return TypeDouble, true
	case "STRING", "VARCHAR":
		return TypeString, true
	case "ARRAY<LONG>":
		return TypeLongArray, true
	case "ARRAY<DOUBLE>", "ARRAY<FLOAT>":
		return TypeDoubleArray, true
	case "ARRAY<STRING>":
		return TypeStringArray, true
	case "COMPLEX<JSON>", "JSON":
		return TypeJSON, true
	}
	return base.ColumnType{}, false
}

func bindCast(b *binder, n *callNode) error {
	s, ok, err := b.literalString(n, 1, "the type")
	if err != nil {
		return err
	}
	t, known := parseTypeName(s)
	if !ok || !known {
		return b.argErr(n, "unknown type %q (expected LONG, DOUBLE, STRING, ARRAY<LONG>, ARRAY<DOUBLE> or ARRAY<STRING>)", s)
	}
	n.t = t
	n.impl = func(args []Value) (Value, error) {
		v := args[0]
		if t.Kind == base.KindString && v.Type.Kind == base.KindArray && len(v.Arr) != 1 && !v.Null {
			return Value{}, base.Errorf(base.ClassInvalidInput, "cannot cast %s to STRING", v.Type)
		}
		return castScalar(v, t), nil
	}
	n.vec = castKernel
	return nil
}

func castKernel(ev *VectorEvaluator, x *callNode, n int) (*Vector, bool, error) {
	from := x.args[0].typ()
	if !isNum(from) || !isNum(x.t) {
		return nil, false, nil
	}
	in, err := ev.vec(x.args[0], n)
	if err != nil {
		return nil, true, err
	}
	if in.Longs == nil && in.Doubles == nil {
		return nil, false, nil
	}
	out := ev.out(x.id, x.t, n)
	switch {
	case x.t.Kind == base.KindLong && in.Longs != nil:
		copy(out.Longs, in.Longs[:n])
	case x.t.Kind == base.KindLong:
		for i, d := range in.Doubles[:n] {
			out.Longs[i] = doubleToLong(d)
		}
	default:
		copy(out.Doubles, ev.asDoubles(in, x.id, n))
	}
	out.copyNulls(in.Nulls, n)
	return out, true, nil
}

// conditionalType is ExpressionTypeConversion.conditional over the
// possible results.
func conditionalType(ns []node) base.ColumnType {
	var t base.ColumnType
	for _, x := range ns {
		if k, ok := x.(*constNode); ok && k.v.Null && k.v.Type == TypeString {
			continue // an untyped null literal does not decide the type
		}
		t = commonType(t, x.typ())
	}
	return t
}

// conform converts a result to the conditional's output type so that all
// branches agree.
func conform(v Value, t base.ColumnType) Value {
	if t.Kind == base.KindUnknown || v.Type == t {
		return v
	}
	return castScalar(v, t)
}

func bindCoalesce(_ *binder, n *callNode) error {
	n.t = conditionalType(n.args)
	n.lazy = func(e *env, n *callNode) (Value, error) {
		for _, a := range n.args {
			v, err := a.eval(e)
			if err != nil {
				return Value{}, err
			}
			if !v.Null {
				return conform(v, n.t), nil
			}
		}
		return Null(n.t), nil
	}
	n.vec = condKernel
	return nil
}

func bindIf(_ *binder, n *callNode) error {
	n.t = conditionalType(n.args[1:])
	n.lazy = func(e *env, n *callNode) (Value, error) {
		c, err := n.args[0].eval(e)
		if err != nil {
			return Value{}, err
		}
		pick := n.args[2]
		if t, _ := c.AsBool(); t {
			pick = n.args[1]
		}
		v, err := pick.eval(e)
		return conform(v, n.t), err
	}
	n.vec = condKernel
	return nil
}

func bindNvl(_ *binder, n *callNode) error {
	n.t = conditionalType(n.args)
	n.lazy = func(e *env, n *callNode) (Value, error) {
		v, err := n.args[0].eval(e)
		if err != nil || !v.Null {
			return conform(v, n.t), err
		}
		v, err = n.args[1].eval(e)
		return conform(v, n.t), err
	}
	n.vec = condKernel
	return nil
}

func bindCaseSearched(_ *binder, n *callNode) error {
	var results []node
	for i := 1; i < len(n.args); i += 2 {
		results = append(results, n.args[i])
	}
	if len(n.args)%2 == 1 {
		results = append(results, n.args[len(n.args)-1])
	}
	n.t = conditionalType(results)
	n.lazy = func(e *env, n *callNode) (Value, error) {
		i := 0
		for ; i+1 < len(n.args); i += 2 {
			c, err := n.args[i].eval(e)
			if err != nil {
				return Value{}, err
			}
			if t, _ := c.AsBool(); t {
				v, err := n.args[i+1].eval(e)
				return conform(v, n.t), err
			}
		}
		if i < len(n.args) {
			v, err := n.args[i].eval(e)
			return conform(v, n.t), err
		}
		return Null(n.t), nil
	}
	n.vec = condKernel
	return nil
}

func bindCaseSimple(_ *binder, n *callNode) error {
	var results []node
	for i := 2; i < len(n.args); i += 2 {
		results = append(results, n.args[i])
	}
	if len(n.args)%2 == 0 {
		results = append(results, n.args[len(n.args)-1])
	}
	n.t = conditionalType(results)
	n.lazy = func(e *env, n *callNode) (Value, error) {
		x, err := n.args[0].eval(e)
		if err != nil {
			return Value{}, err
		}
		i := 1
		for ; i+1 < len(n.args); i += 2 {
			w, err := n.args[i].eval(e)
			if err != nil {
				return Value{}, err
			}
			eq, err := binaryOp("==", x, w, TypeLong)
			if err != nil {
				return Value{}, err
			}
			if !eq.Null && eq.L == 1 {
				v, err := n.args[i+1].eval(e)
				return conform(v, n.t), err
			}
		}
		if i < len(n.args) {
			v, err := n.args[i].eval(e)
			return conform(v, n.t), err
		}
		return Null(n.t), nil
	}
	return nil
}

func bindIsNull(wantNull bool) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		n.t = TypeLong
		n.impl = func(args []Value) (Value, error) {
			null := args[0].Null
			if !null && args[0].IsNumeric() {
				null = false
			}
			return Bool(null == wantNull), nil
		}
		n.vec = func(ev *VectorEvaluator, x *callNode, size int) (*Vector, bool, error) {
			in, err := ev.vec(x.args[0], size)
			if err != nil {
				return nil, true, err
			}
			out := ev.out(x.id, TypeLong, size)
			for i := range out.Longs {
				isNull := in.Nulls != nil && in.Nulls[i]
				if !isNull && in.Values != nil && in.Longs == nil && in.Doubles == nil && in.Strings == nil {
					isNull = in.Values[i].Null
				}
				out.Longs[i] = b2l(isNull == wantNull)
			}
			return out, true, nil
		}
		return nil
	}
}

// bindIsBool implements isTrue/isFalse/notTrue/notFalse (SQL IS [NOT]
// TRUE/FALSE): never null.
func bindIsBool(want, negate bool) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		n.t = TypeLong
		n.impl = func(args []Value) (Value, error) {
			t, ok := args[0].AsBool()
			r := ok && t == want
			return Bool(r != negate), nil
		}
		return nil
	}
}

func bindLike(b *binder, n *callNode) error {
	pat, ok, err := b.literalString(n, 1, "the pattern")
	if err != nil {
		return err
	}
	if !ok {
		return b.argErr(n, "the pattern must not be null")
	}
	escape := ""
	if len(n.args) == 3 {
		esc, ok, err := b.literalString(n, 2, "the escape")
		if err != nil {
			return err
		}
		if ok {
			escape = esc
		}
		if len([]rune(escape)) > 1 {
			return b.argErr(n, "escape %q must be a single character", escape)
		}
	}
	re, err := likeRegexp(pat, escape)
	if err != nil {
		return b.argErr(n, "%v", err)
	}
	n.t = TypeLong
	n.impl = strictFn(TypeLong, func(args []Value) (Value, error) {
		s, _ := args[0].AsString()
		return Bool(re.MatchString(s)), nil
	})
	return nil
}

// likeRegexp translates a SQL LIKE pattern (% any run, _ one character,
// escape char making the next one literal) to an anchored regexp.
func likeRegexp(pat, escape string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	rs := []rune(pat)
	var esc rune = -1
	if escape != "" {
		esc = []rune(escape)[0]
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == esc:
			if i+1 >= len(rs) {
				return nil, base.Errorf(base.ClassInvalidInput, "LIKE pattern %q ends with the escape character", pat)
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`\z`)
	return regexp.Compile(b.String())
}

// bindDistinct implements notdistinctfrom/isdistinctfrom (SQL IS [NOT]
// DISTINCT FROM): equality where null equals null, never null.
func bindDistinct(negate bool) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		n.t = TypeLong
		n.impl = func(a []Value) (Value, error) {
			l, r := a[0], a[1]
			var same bool
			switch {
			case l.Null || r.Null:
				same = l.Null && r.Null
			default:
				eq, err := binaryOp("==", l, r, TypeLong)
				if err != nil {
					return Value{}, err
				}
				if eq.Null { // a number against a non-number string
					ls, _ := l.AsString()
					rs, _ := r.AsString()
					same = ls == rs
				} else {
					same = eq.L == 1
				}
			}
			return Bool(same != negate), nil
		}
		return nil
	}
}

// bindToStringArray implements mv_to_array (whose argument must be a
// column) and array_to_mv: both convert to ARRAY<STRING>.
func bindToStringArray(needIdent bool) func(*binder, *callNode) error {
	return func(b *binder, n *callNode) error {
		if _, ok := n.call.Args[0].(*Ident); needIdent && !ok {
			return b.argErr(n, "argument %s must be a column; use array() instead", n.call.Args[0])
		}
		n.t = TypeStringArray
		n.impl = func(a []Value) (Value, error) {
			if a[0].Null {
				return Null(TypeStringArray), nil
			}
			return castScalar(asArray(a[0], typeUnknown), TypeStringArray), nil
		}
		return nil
	}
}

// bindSubtractMonths implements subtract_months(end, start, timezone): the
// whole months from start to end in the zone, as Joda's monthsBetween
// (TIMESTAMPDIFF(MONTH, ...) in SQL).
func bindSubtractMonths(b *binder, n *callNode) error {
	zone, err := b.zoneArg(n, 2)
	if err != nil {
		return err
	}
	n.t = TypeLong
	n.impl = func(a []Value) (Value, error) {
		end, ok1 := a[0].AsLong()
		start, ok2 := a[1].AsLong()
		if !ok1 || !ok2 {
			return Null(TypeLong), nil
		}
		return Long(monthsBetween(start, end, zone)), nil
	}
	return nil
}

func monthsBetween(start, end int64, zone *time.Location) int64 {
	s := time.UnixMilli(start).In(zone)
	e := time.UnixMilli(end).In(zone)
	m := (e.Year()-s.Year())*12 + int(e.Month()) - int(s.Month())
	add := func(k int) int64 { return base.Millis(base.Period{Months: k}.AddTo(s)) }
	for m > 0 && add(m) > end {
		m--
	}
	for m < 0 && add(m) < end {
		m++
	}
	return int64(m)
}
