package expr

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// Expression types. Druid's expressions know LONG, DOUBLE, STRING, arrays of
// those, and COMPLEX types (COMPLEX<json> for nested data). FLOAT inputs are
// read as DOUBLE. The zero ColumnType (KindUnknown) means "not known until
// evaluation": an input whose type the caller did not give.
var (
	TypeLong        = base.TypeLong
	TypeDouble      = base.TypeDouble
	TypeString      = base.TypeString
	TypeLongArray   = base.ArrayType(base.KindLong)
	TypeDoubleArray = base.ArrayType(base.KindDouble)
	TypeStringArray = base.ArrayType(base.KindString)
	TypeJSON        = base.ComplexType("json")
	TypeJSONArray   = base.ColumnType{Kind: base.KindArray, Elem: base.KindComplex, Complex: "json"}
	typeUnknown     = base.ColumnType{}
)

// exprType maps a column type to the type expressions work with: FLOAT
// becomes DOUBLE, ARRAY<FLOAT> becomes ARRAY<DOUBLE>.
func exprType(t base.ColumnType) base.ColumnType {
	switch t.Kind {
	case base.KindFloat:
		return TypeDouble
	case base.KindArray:
		if t.Elem == base.KindFloat {
			return TypeDoubleArray
		}
	}
	return t
}

// elemType is the element type of an array type, and the type itself for
// scalars.
func elemType(t base.ColumnType) base.ColumnType {
	if t.Kind != base.KindArray {
		return t
	}
	if t.Elem == base.KindComplex {
		return base.ComplexType(t.Complex)
	}
	return base.ColumnType{Kind: t.Elem}
}

// arrayOf is the array type whose elements have type t.
func arrayOf(t base.ColumnType) base.ColumnType {
	switch t.Kind {
	case base.KindArray:
		return t
	case base.KindUnknown:
		return typeUnknown
	case base.KindComplex:
		return base.ColumnType{Kind: base.KindArray, Elem: base.KindComplex, Complex: t.Complex}
	case base.KindFloat:
		return TypeDoubleArray
	}
	return base.ArrayType(t.Kind)
}

// Value is one evaluated value: a tagged union of LONG (L), DOUBLE (D),
// STRING (S), ARRAY (Arr, elements typed by Type.Elem) and COMPLEX (Obj; for
// COMPLEX<json> a decoded encoding/json value: nil, bool, float64, int64,
// string, []any or map[string]any). Null reports SQL NULL, whatever the
// type. Values are immutable once built; Arr and Obj must not be modified
// after the Value is handed out.
type Value struct {
	Type base.ColumnType
	Null bool
	L    int64
	D    float64
	S    string
	Arr  []Value
	Obj  any
}

// Long returns a LONG value.
func Long(v int64) Value { return Value{Type: TypeLong, L: v} }

// Double returns a DOUBLE value.
func Double(v float64) Value { return Value{Type: TypeDouble, D: v} }

// String returns a STRING value.
func String(s string) Value { return Value{Type: TypeString, S: s} }

// Null returns the null of type t (STRING when t is unknown).
func Null(t base.ColumnType) Value {
	if t.Kind == base.KindUnknown {
		t = TypeString
	}
	return Value{Type: t, Null: true}
}

// Bool returns LONG 1 for true and 0 for false.
func Bool(b bool) Value {
	if b {
		return Long(1)
	}
	return Long(0)
}

// Array returns an array value of type ARRAY<elem>; each element is
// converted to elem.
func Array(elem base.ColumnType, elems []Value) Value {
	t := arrayOf(elem)
	if elems == nil {
		elems = []Value{}
	}
	out := make([]Value, len(elems))
	for i, e := range elems {
		out[i] = castScalar(e, elemType(t))
	}
	return Value{Type: t, Arr: out}
}

// JSON returns a COMPLEX<json> value holding x, a decoded JSON value.
func JSON(x any) Value { return Value{Type: TypeJSON, Obj: x} }

// FromAny converts a Go value as produced by encoding/json or an input row
// into a Value: nil, bool, integers, floats, strings, []string, []any and
// map[string]any (COMPLEX<json>) are understood.
func FromAny(x any) Value {
	switch v := x.(type) {
	case nil:
		return Null(TypeString)
	case Value:
		return v
	case string:
		return String(v)
	case int:
		return Long(int64(v))
	case int8:
		return Long(int64(v))
	case int16:
		return Long(int64(v))
	case int32:
		return Long(int64(v))
	case uint8:
		return Long(int64(v))
	case uint16:
		return Long(int64(v))
	case uint32:
		return Long(int64(v))
	case uint:
		return Long(int64(v))
	case uint64:
		return Long(int64(v))
	case []byte:
		return String(string(v))
	case int64:
		return Long(v)
	case float32:
		return Double(float64(v))
	case float64:
		return Double(v)
	case bool:
		return Bool(v)
	case json.Number:
		if l, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return Long(l)
		}
		f, _ := strconv.ParseFloat(string(v), 64)
		return Double(f)
	case []string:
		out := make([]Value, len(v))
		for i, s := range v {
			out[i] = String(s)
		}
		return Value{Type: TypeStringArray, Arr: out}
	case []int64:
		out := make([]Value, len(v))
		for i, s := range v {
			out[i] = Long(s)
		}
		return Value{Type: TypeLongArray, Arr: out}
	case []float64:
		out := make([]Value, len(v))
		for i, s := range v {
			out[i] = Double(s)
		}
		return Value{Type: TypeDoubleArray, Arr: out}
	case []any:
		elems := make([]Value, len(v))
		var t base.ColumnType
		for i, e := range v {
			elems[i] = FromAny(e)
			if elems[i].Type.Kind == base.KindArray || elems[i].Type.Kind == base.KindComplex {
				return JSON(x)
			}
			if !elems[i].Null {
				t = commonType(t, elems[i].Type)
			}
		}
		if t.Kind == base.KindUnknown {
			t = TypeString
		}
		return Array(t, elems)
	case map[string]any:
		return JSON(v)
	}
	return JSON(x)
}

// Any returns the value as a plain Go value: nil, int64, float64, string,
// []any for arrays, and the decoded JSON for COMPLEX<json>.
func (v Value) Any() any {
	if v.Null {
		return nil
	}
	switch v.Type.Kind {
	case base.KindLong:
		return v.L
	case base.KindDouble, base.KindFloat:
		return v.D
	case base.KindString:
		return v.S
	case base.KindArray:
		out := make([]any, len(v.Arr))
		for i, e := range v.Arr {
			out[i] = e.Any()
		}
		return out
	}
	return v.Obj
}

// IsNumeric reports whether the value is a LONG or DOUBLE.
func (v Value) IsNumeric() bool {
	return v.Type.Kind == base.KindLong || v.Type.Kind == base.KindDouble || v.Type.Kind == base.KindFloat
}

// parseNumber reads a string as Druid does when a number is needed: a long
// if it parses as one, else a double, else no number.
func parseNumber(s string) (l int64, d float64, isLong, ok bool) {
	if s == "" {
		return 0, 0, false, false
	}
	if l, err := strconv.ParseInt(s, 10, 64); err == nil {
		return l, float64(l), true, true
	}
	if !looksNumeric(s) {
		return 0, 0, false, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, f, false, true
		}
		return 0, 0, false, false
	}
	return 0, f, false, true
}

// looksNumeric rejects strings Go's ParseFloat accepts but Java's
// Double.parseDouble does not (hex floats, underscores, "inf").
func looksNumeric(s string) bool {
	switch strings.TrimLeft(s, "+-") {
	case "NaN", "Infinity":
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return false
		}
	}
	return true
}

// AsLong returns the value as a long; ok is false when the value is null or
// cannot be read as a number.
func (v Value) AsLong() (int64, bool) {
	if v.Null {
		return 0, false
	}
	switch v.Type.Kind {
	case base.KindLong:
		return v.L, true
	case base.KindDouble, base.KindFloat:
		return doubleToLong(v.D), true
	case base.KindString:
		l, d, isLong, ok := parseNumber(v.S)
		if !ok {
			return 0, false
		}
		if isLong {
			return l, true
		}
		return doubleToLong(d), true
	case base.KindArray:
		if len(v.Arr) == 1 {
			return v.Arr[0].AsLong()
		}
	case base.KindComplex:
		if x := FromJSONScalar(v.Obj); x.Type.Kind != base.KindComplex {
			return x.AsLong()
		}
	}
	return 0, false
}

// AsDouble returns the value as a double; ok is false when the value is
// null or cannot be read as a number.
func (v Value) AsDouble() (float64, bool) {
	if v.Null {
		return 0, false
	}
	switch v.Type.Kind {
	case base.KindLong:
		return float64(v.L), true
	case base.KindDouble, base.KindFloat:
		return v.D, true
	case base.KindString:
		_, d, _, ok := parseNumber(v.S)
		return d, ok
	case base.KindArray:
		if len(v.Arr) == 1 {
			return v.Arr[0].AsDouble()
		}
	case base.KindComplex:
		if x := FromJSONScalar(v.Obj); x.Type.Kind != base.KindComplex {
			return x.AsDouble()
		}
	}
	return 0, false
}

// AsString returns the value as a string as Druid prints it (doubles as
// Java's Double.toString); ok is false for null.
func (v Value) AsString() (string, bool) {
	if v.Null {
		return "", false
	}
	switch v.Type.Kind {
	case base.KindLong:
		return strconv.FormatInt(v.L, 10), true
	case base.KindDouble, base.KindFloat:
		return FormatDouble(v.D), true
	case base.KindString:
		return v.S, true
	case base.KindArray:
		if len(v.Arr) == 1 {
			return v.Arr[0].AsString()
		}
		return "", false
	case base.KindComplex:
		if s, ok := v.Obj.(string); ok {
			return s, true
		}
		if v.Obj == nil {
			return "", false
		}
		b, err := json.Marshal(v.Obj)
		if err != nil {
			return "", false
		}
		return string(b), true
	}
	return "", false
}

// AsBool applies Druid's truthiness: numbers are true when positive,
// strings when equal to "true" ignoring case. ok is false for null.
func (v Value) AsBool() (truth, ok bool) {
	if v.Null {
		return false, false
	}
	switch v.Type.Kind {
	case base.KindLong:
		return v.L > 0, true
	case base.KindDouble, base.KindFloat:
		return v.D > 0, true
	case base.KindString:
		return strings.EqualFold(v.S, "true"), true
	case base.KindArray:
		if len(v.Arr) == 1 {
			return v.Arr[0].AsBool()
		}
		return false, true
	case base.KindComplex:
		if b, isBool := v.Obj.(bool); isBool {
			return b, true
		}
		if x := FromJSONScalar(v.Obj); x.Type.Kind != base.KindComplex {
			return x.AsBool()
		}
		return false, true
	}
	return false, false
}

// doubleToLong converts as Java's (long) cast: truncation, NaN to 0,
// saturation at the ends of the range.
func doubleToLong(d float64) int64 {
	switch {
	case d != d:
		return 0
	case d >= math.MaxInt64:
		return math.MaxInt64
	case d <= math.MinInt64:
		return math.MinInt64
	}
	return int64(d)
}

// FormatDouble prints d as Java's Double.toString does: "1.0", "0.001",
// "1.0E7", "1.0E-4", "NaN", "Infinity".
func FormatDouble(d float64) string {
	return string(appendDouble(nil, d))
}

func appendDouble(dst []byte, d float64) []byte {
	switch {
	case d != d:
		return append(dst, "NaN"...)
	case math.IsInf(d, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(d, -1):
		return append(dst, "-Infinity"...)
	case d == 0:
		if math.Signbit(d) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	a := math.Abs(d)
	if a >= 1e-3 && a < 1e7 {
		start := len(dst)
		dst = strconv.AppendFloat(dst, d, 'f', -1, 64)
		for i := start; i < len(dst); i++ {
			if dst[i] == '.' {
				return dst
			}
		}
		return append(dst, ".0"...)
	}
	// Scientific: mantissa with at least one fractional digit, "E", exponent.
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], d, 'e', -1, 64)
	e := 0
	for e < len(s) && s[e] != 'e' {
		e++
	}
	mant, exp := s[:e], s[e+1:]
	dst = append(dst, mant...)
	hasDot := false
	for _, c := range mant {
		if c == '.' {
			hasDot = true
		}
	}
	if !hasDot {
		dst = append(dst, ".0"...)
	}
	dst = append(dst, 'E')
	if exp[0] == '-' {
		dst = append(dst, '-')
	}
	exp = exp[1:]
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	return append(dst, exp...)
}

// commonType is ExpressionTypeConversion.function: arrays and complex types
// must agree (the first wins otherwise), strings win over numbers, doubles
// over longs; unknown defers to the other side.
func commonType(a, b base.ColumnType) base.ColumnType {
	a, b = exprType(a), exprType(b)
	switch {
	case a.Kind == base.KindUnknown:
		return b
	case b.Kind == base.KindUnknown:
		return a
	case a.Kind == base.KindArray || a.Kind == base.KindComplex:
		if b.Kind == base.KindArray && a.Kind == base.KindArray {
			return arrayOf(commonType(elemType(a), elemType(b)))
		}
		return a
	case b.Kind == base.KindArray || b.Kind == base.KindComplex:
		return b
	case a.Kind == base.KindString || b.Kind == base.KindString:
		return TypeString
	}
	return numericType(a, b)
}

// numericType is ExpressionTypeConversion.numeric: LONG when both are LONG
// (or unknown), else DOUBLE.
func numericType(a, b base.ColumnType) base.ColumnType {
	if a.Kind == base.KindLong && (b.Kind == base.KindLong || b.Kind == base.KindUnknown) {
		return TypeLong
	}
	if a.Kind == base.KindUnknown && b.Kind == base.KindLong {
		return TypeLong
	}
	return TypeDouble
}

// operatorType is ExpressionTypeConversion.operator, the inferred type of a
// binary math operator: STRING for two strings, else numeric.
func operatorType(a, b base.ColumnType) base.ColumnType {
	a, b = exprType(a), exprType(b)
	switch {
	case a.Kind == base.KindUnknown:
		if b.Kind == base.KindUnknown {
			return typeUnknown
		}
		return b
	case b.Kind == base.KindUnknown:
		return a
	case a.Kind == base.KindArray || a.Kind == base.KindComplex:
		return a
	case b.Kind == base.KindArray || b.Kind == base.KindComplex:
		return b
	case a.Kind == base.KindString && b.Kind == base.KindString:
		return TypeString
	}
	return numericType(a, b)
}

// castScalar converts v to type t (a scalar or array type), returning null
// when it cannot be represented.
func castScalar(v Value, t base.ColumnType) Value {
	t = exprType(t)
	if v.Type == t || t.Kind == base.KindUnknown {
		return v
	}
	if v.Null {
		return Null(t)
	}
	switch t.Kind {
	case base.KindLong:
		if l, ok := v.AsLong(); ok {
			return Long(l)
		}
	case base.KindDouble:
		if d, ok := v.AsDouble(); ok {
			return Double(d)
		}
	case base.KindString:
		if s, ok := v.AsString(); ok {
			return String(s)
		}
	case base.KindArray:
		et := elemType(t)
		if v.Type.Kind == base.KindArray {
			out := make([]Value, len(v.Arr))
			for i, e := range v.Arr {
				out[i] = castScalar(e, et)
			}
			return Value{Type: t, Arr: out}
		}
		if v.Type.Kind == base.KindComplex {
			if xs, ok := v.Obj.([]any); ok {
				out := make([]Value, len(xs))
				for i, e := range xs {
					out[i] = castScalar(FromAny(e), et)
				}
				return Value{Type: t, Arr: out}
			}
		}
		return Value{Type: t, Arr: []Value{castScalar(v, et)}}
	case base.KindComplex:
		return Value{Type: t, Obj: v.Any()}
	}
	return Null(t)
}

// FromJSONScalar converts a decoded JSON value to a scalar Value (numbers
// that are integral become LONG); objects and arrays stay COMPLEX<json>.
func FromJSONScalar(x any) Value {
	switch v := x.(type) {
	case nil:
		return Null(TypeString)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return Long(int64(v))
		}
		return Double(v)
	case bool:
		return Bool(v)
	case json.Number:
		return FromAny(v)
	case string, int64, int:
		return FromAny(v)
	}
	return JSON(x)
}
