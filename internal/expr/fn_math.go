package expr

import (
	"math"
	"math/big"

	"github.com/dryaddb/dryad/internal/base"
)

func mathFns() []*fnSpec {
	d1 := func(name string, f func(float64) float64) *fnSpec {
		return &fnSpec{name: name, min: 1, max: 1, bind: func(_ *binder, n *callNode) error {
			n.t = TypeDouble
			n.impl = strictFn(TypeDouble, func(a []Value) (Value, error) {
				if a[0].Type.Kind == base.KindString {
					return Null(TypeDouble), nil // Druid: math on a STRING is null
				}
				x, ok := a[0].AsDouble()
				if !ok {
					return Null(TypeDouble), nil
				}
				return Double(f(x)), nil
			})
			n.vec = unaryDoubleKernel(f)
			return nil
		}}
	}
	d2 := func(name string, f func(x, y float64) float64) *fnSpec {
		return &fnSpec{name: name, min: 2, max: 2, bind: fixed(TypeDouble, func(a []Value) (Value, error) {
			if a[0].Type.Kind == base.KindString && a[1].Type.Kind == base.KindString {
				return Null(TypeDouble), nil
			}
			x, ok1 := a[0].AsDouble()
			y, ok2 := a[1].AsDouble()
			if !ok1 || !ok2 {
				return Null(TypeDouble), nil
			}
			return Double(f(x, y)), nil
		})}
	}
	bit2 := func(name string, f func(x, y int64) int64) *fnSpec {
		return &fnSpec{name: name, min: 2, max: 2, bind: fixed(TypeLong, func(a []Value) (Value, error) {
			x, ok1 := a[0].AsLong()
			y, ok2 := a[1].AsLong()
			if !ok1 || !ok2 {
				return Null(TypeLong), nil
			}
			return Long(f(x, y)), nil
		})}
	}
	return []*fnSpec{
		{name: "abs", min: 1, max: 1, bind: bindTypePreserving(func(l int64) int64 {
			if l < 0 {
				return -l
			}
			return l
		}, math.Abs)},
		d1("acos", math.Acos),
		d1("asin", math.Asin),
		d1("atan", math.Atan),
		d1("cbrt", math.Cbrt),
		d1("ceil", math.Ceil),
		d1("cos", math.Cos),
		d1("cosh", math.Cosh),
		d1("cot", func(x float64) float64 { return math.Cos(x) / math.Sin(x) }),
		d1("exp", math.Exp),
		d1("expm1", math.Expm1),
		d1("floor", math.Floor),
		d1("log", math.Log),
		d1("log10", math.Log10),
		d1("log1p", math.Log1p),
		d1("nextUp", func(x float64) float64 { return math.Nextafter(x, math.Inf(1)) }),
		d1("rint", math.RoundToEven),
		d1("signum", func(x float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x
		}),
		d1("sin", math.Sin),
		d1("sinh", math.Sinh),
		d1("sqrt", math.Sqrt),
		d1("tan", math.Tan),
		d1("tanh", math.Tanh),
		d1("toDegrees", func(x float64) float64 { return x * 180 / math.Pi }),
		d1("toRadians", func(x float64) float64 { return x / 180 * math.Pi }),
		d1("ulp", ulp),
		{name: "getExponent", min: 1, max: 1, bind: fixed(TypeLong, func(a []Value) (Value, error) {
			x, ok := a[0].AsDouble()
			if !ok {
				return Null(TypeLong), nil
			}
			return Long(int64(getExponent(x))), nil
		})},
		d2("atan2", math.Atan2),
		d2("copySign", math.Copysign),
		d2("hypot", math.Hypot),
		d2("nextAfter", math.Nextafter),
		d2("pow", math.Pow),
		d2("remainder", math.Remainder),
		{name: "scalb", min: 2, max: 2, bind: fixed(TypeDouble, func(a []Value) (Value, error) {
			x, ok1 := a[0].AsDouble()
			y, ok2 := a[1].AsLong()
			if !ok1 || !ok2 {
				return Null(TypeDouble), nil
			}
			return Double(math.Ldexp(x, clampInt(y))), nil
		})},
		{name: "div", min: 2, max: 2, bind: fixed(TypeLong, func(a []Value) (Value, error) {
			if a[0].Type.Kind == base.KindLong && a[1].Type.Kind == base.KindLong {
				if a[1].L == 0 {
					return Value{}, errDivZero
				}
				return Long(a[0].L / a[1].L), nil
			}
			x, ok1 := a[0].AsDouble()
			y, ok2 := a[1].AsDouble()
			if !ok1 || !ok2 {
				return Null(TypeLong), nil
			}
			return Long(doubleToLong(x / y)), nil
		})},
		{name: "max", min: 2, max: 2, bind: bindMinMax(true)},
		{name: "min", min: 2, max: 2, bind: bindMinMax(false)},
		{name: "round", min: 1, max: 2, bind: bindRound},
		{name: "safe_divide", min: 2, max: 2, bind: bindSafeDivide},
		{name: "pi", min: 0, max: 0, bind: fixed(TypeDouble, func([]Value) (Value, error) { return Double(math.Pi), nil })},
		bit2("bitwiseAnd", func(x, y int64) int64 { return x & y }),
		bit2("bitwiseOr", func(x, y int64) int64 { return x | y }),
		bit2("bitwiseXor", func(x, y int64) int64 { return x ^ y }),
		bit2("bitwiseShiftLeft", func(x, y int64) int64 { return x << (uint64(y) & 63) }),
		bit2("bitwiseShiftRight", func(x, y int64) int64 { return x >> (uint64(y) & 63) }),
		{name: "bitwiseComplement", min: 1, max: 1, bind: fixed(TypeLong, func(a []Value) (Value, error) {
			x, ok := a[0].AsLong()
			if !ok {
				return Null(TypeLong), nil
			}
			return Long(^x), nil
		})},
		{name: "bitwiseConvertDoubleToLongBits", min: 1, max: 1, bind: fixed(TypeLong, func(a []Value) (Value, error) {
			x, ok := a[0].AsDouble()
			if !ok {
				return Null(TypeLong), nil
			}
			if x != x {
				return Long(0x7ff8000000000000), nil // Java's canonical NaN
			}
			return Long(int64(math.Float64bits(x))), nil
		})},
		{name: "bitwiseConvertLongBitsToDouble", min: 1, max: 1, bind: fixed(TypeDouble, func(a []Value) (Value, error) {
			x, ok := a[0].AsLong()
			if !ok {
				return Null(TypeDouble), nil
			}
			return Double(math.Float64frombits(uint64(x))), nil
		})},
	}
}

// ulp is Java's Math.ulp.
func ulp(x float64) float64 {
	switch {
	case x != x:
		return x
	case math.IsInf(x, 0):
		return math.Inf(1)
	}
	x = math.Abs(x)
	if x == math.MaxFloat64 {
		return math.Pow(2, 971)
	}
	return math.Nextafter(x, math.Inf(1)) - x
}

// getExponent is Java's Math.getExponent: the unbiased exponent, 1024 for
// NaN and infinities, -1023 for zero and subnormals.
func getExponent(x float64) int {
	bits := math.Float64bits(x)
	return int((bits>>52)&0x7ff) - 1023
}

// bindTypePreserving binds a function that keeps LONG arguments LONG and
// computes doubles otherwise.
func bindTypePreserving(fl func(int64) int64, fd func(float64) float64) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		at := n.args[0].typ()
		switch at.Kind {
		case base.KindLong:
			n.t = TypeLong
		case base.KindUnknown:
			n.t = typeUnknown
		default:
			n.t = TypeDouble
		}
		n.impl = func(a []Value) (Value, error) {
			if a[0].Null {
				return Null(n.t), nil
			}
			if a[0].Type.Kind == base.KindLong {
				return Long(fl(a[0].L)), nil
			}
			if a[0].Type.Kind == base.KindString {
				return Null(n.t), nil
			}
			x, ok := a[0].AsDouble()
			if !ok {
				return Null(TypeDouble), nil
			}
			return Double(fd(x)), nil
		}
		if n.t.Kind == base.KindDouble {
			n.vec = unaryDoubleKernel(fd)
		}
		return nil
	}
}

func bindMinMax(isMax bool) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		n.t = numericType(n.args[0].typ(), n.args[1].typ())
		n.impl = func(a []Value) (Value, error) {
			if a[0].Null || a[1].Null {
				return Null(n.t), nil
			}
			if a[0].Type.Kind == base.KindLong && a[1].Type.Kind == base.KindLong {
				if (a[0].L > a[1].L) == isMax {
					return a[0], nil
				}
				return a[1], nil
			}
			x, ok1 := a[0].AsDouble()
			y, ok2 := a[1].AsDouble()
			if !ok1 || !ok2 {
				return Null(TypeDouble), nil
			}
			if isMax {
				return Double(javaMax(x, y)), nil
			}
			return Double(javaMin(x, y)), nil
		}
		return nil
	}
}

// javaMax and javaMin are Math.max/min: NaN wins, -0.0 < 0.0.
func javaMax(x, y float64) float64 {
	if x != x || y != y {
		return math.NaN()
	}
	return math.Max(x, y)
}

func javaMin(x, y float64) float64 {
	if x != x || y != y {
		return math.NaN()
	}
	return math.Min(x, y)
}

func bindSafeDivide(_ *binder, n *callNode) error {
	n.t = numericType(n.args[0].typ(), n.args[1].typ())
	n.impl = func(a []Value) (Value, error) {
		if a[0].Null || a[1].Null {
			return Null(n.t), nil
		}
		if a[0].Type.Kind == base.KindLong && a[1].Type.Kind == base.KindLong {
			if a[1].L == 0 {
				return Null(TypeLong), nil
			}
			return Long(a[0].L / a[1].L), nil
		}
		x, ok1 := a[0].AsDouble()
		y, ok2 := a[1].AsDouble()
		if !ok1 || !ok2 {
			return Null(TypeDouble), nil
		}
		if y == 0 || y != y {
			if x != 0 {
				return Null(TypeDouble), nil
			}
			return Double(0), nil
		}
		return Double(x / y), nil
	}
	return nil
}

func bindRound(b *binder, n *callNode) error {
	at := n.args[0].typ()
	switch at.Kind {
	case base.KindLong, base.KindDouble, base.KindUnknown:
		n.t = at
	default:
		n.t = TypeDouble
	}
	n.impl = func(a []Value) (Value, error) {
		scale := int64(0)
		if len(a) == 2 {
			if a[1].Null {
				return Null(n.t), nil
			}
			if a[1].Type.Kind != base.KindLong {
				return Value{}, base.Errorf(base.ClassInvalidInput, "round: the scale must be an integer, got %s", a[1].Type)
			}
			scale = a[1].L
		}
		x := a[0]
		if x.Null {
			return Null(n.t), nil
		}
		switch x.Type.Kind {
		case base.KindLong:
			return Long(roundLong(x.L, scale)), nil
		case base.KindDouble:
			return Double(roundDouble(x.D, scale)), nil
		}
		return Value{}, base.Errorf(base.ClassInvalidInput, "round: the first argument must be a LONG or DOUBLE, got %s", x.Type)
	}
	return nil
}

// roundLong rounds x to scale decimal places (only negative scales change a
// long), half up, as BigDecimal.setScale(scale, HALF_UP).
func roundLong(x, scale int64) int64 {
	if scale >= 0 {
		return x
	}
	if scale < -19 {
		return 0
	}
	p := big.NewInt(10)
	p.Exp(p, big.NewInt(-scale), nil)
	v := big.NewInt(x)
	q, r := new(big.Int).QuoRem(v, p, new(big.Int))
	r2 := new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2))
	if r2.Cmp(p) >= 0 {
		if x < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	q.Mul(q, p)
	if !q.IsInt64() {
		return x
	}
	return q.Int64()
}

// roundDouble is Druid's round for doubles: NaN becomes 0, infinities the
// nearest finite double, otherwise BigDecimal.valueOf(x).setScale(scale,
// HALF_UP).
func roundDouble(x float64, scale int64) float64 {
	switch {
	case x != x:
		return 0
	case math.IsInf(x, 1):
		return math.MaxFloat64
	case math.IsInf(x, -1):
		return -math.MaxFloat64
	}
	if scale > 340 {
		return x
	}
	if scale < -340 {
		return 0
	}
	// BigDecimal.valueOf uses Double.toString's shortest decimal form.
	r, ok := new(big.Rat).SetString(FormatDouble(x))
	if !ok {
		return x
	}
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(absInt(scale)), nil))
	if scale >= 0 {
		r.Mul(r, p)
	} else {
		r.Quo(r, p)
	}
	// Half up: away from zero at .5.
	num, den := r.Num(), r.Denom()
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	rem2 := new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2))
	if rem2.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	res := new(big.Rat).SetInt(q)
	if scale >= 0 {
		res.Quo(res, p)
	} else {
		res.Mul(res, p)
	}
	f, _ := res.Float64()
	if f == 0 && math.Signbit(x) {
		return 0
	}
	return f
}

func absInt(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
