package segment

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// ValueKind is the kind of a Value.
type ValueKind uint8

// The value kinds. A null is its own kind, distinct from an empty string.
const (
	KindNull    ValueKind = iota
	KindString            // Str
	KindStrings           // Strs: a multi-value row
	KindLong              // Long
	KindFloat             // Double holds the float32 value, exactly
	KindDouble            // Double
	KindComplex           // Bytes: an opaque serialized value
	KindArray             // Elems: an array (ARRAY<STRING|LONG|DOUBLE>); elements may be null
)

// Value is one cell of a row (the zero Value is null): a tagged union that avoids boxing, so that
// parsers can fill rows without allocating per value. Values read from a
// segment may alias its mapped bytes (Bytes) and are then valid until the
// segment is closed.
type Value struct {
	Kind   ValueKind
	Long   int64
	Double float64
	Str    string
	Strs   []string
	Bytes  []byte
	Elems  []Value
}

// StringValue returns a string value.
func StringValue(s string) Value { return Value{Kind: KindString, Str: s} }

// StringsValue returns a multi-value string value.
func StringsValue(s []string) Value { return Value{Kind: KindStrings, Strs: s} }

// LongValue returns a long value.
func LongValue(v int64) Value { return Value{Kind: KindLong, Long: v} }

// DoubleValue returns a double value.
func DoubleValue(v float64) Value { return Value{Kind: KindDouble, Double: v} }

// FloatValue returns a float value.
func FloatValue(v float32) Value { return Value{Kind: KindFloat, Double: float64(v)} }

// ComplexValue returns an opaque complex value.
func ComplexValue(b []byte) Value { return Value{Kind: KindComplex, Bytes: b} }

// ArrayValue returns an array value; elements are null, string, long or
// double values. A nil or empty elems is the empty array, not null.
func ArrayValue(elems []Value) Value {
	if elems == nil {
		elems = []Value{}
	}
	return Value{Kind: KindArray, Elems: elems}
}

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.Kind == KindNull }

// Equal reports whether two values are identical (floats compare by bits).
func (v Value) Equal(w Value) bool {
	if v.Kind != w.Kind {
		return false
	}
	switch v.Kind {
	case KindString:
		return v.Str == w.Str
	case KindStrings:
		return slices.Equal(v.Strs, w.Strs)
	case KindLong:
		return v.Long == w.Long
	case KindFloat, KindDouble:
		return math.Float64bits(v.Double) == math.Float64bits(w.Double)
	case KindComplex:
		return string(v.Bytes) == string(w.Bytes)
	case KindArray:
		return slices.EqualFunc(v.Elems, w.Elems, Value.Equal)
	}
	return true
}

// String renders the value for humans (inspect output, test failures).
func (v Value) String() string {
	switch v.Kind {
	case KindString:
		return strconv.Quote(v.Str)
	case KindStrings:
		q := make([]string, len(v.Strs))
		for i, s := range v.Strs {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ",") + "]"
	case KindLong:
		return strconv.FormatInt(v.Long, 10)
	case KindFloat:
		return strconv.FormatFloat(v.Double, 'g', -1, 32)
	case KindDouble:
		return strconv.FormatFloat(v.Double, 'g', -1, 64)
	case KindComplex:
		return "<" + strconv.Itoa(len(v.Bytes)) + " bytes>"
	case KindArray:
		q := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			q[i] = e.String()
		}
		return "[" + strings.Join(q, ",") + "]"
	}
	return "null"
}
