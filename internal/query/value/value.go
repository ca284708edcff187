package value

import (
	"math"
	"strconv"
	"strings"
)

// ToString converts a scalar to the string Druid compares string filters
// against: longs in decimal, doubles and floats as Java prints them
// ("1.0", "1.5E10"). ok is false for null and for non-scalars.
func ToString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return string(AppendDouble(nil, x)), true
	case float32:
		return string(AppendFloat(nil, x)), true
	case int:
		return strconv.Itoa(x), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// ToFloat64 converts a scalar to a double: numbers directly, strings by
// parsing (Druid's Doubles.tryParse). ok is false for null, unparseable
// strings and non-scalars.
func ToFloat64(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case string:
		return ParseNumber(x)
	}
	return 0, false
}

// ToInt64 converts a scalar to a long: doubles are truncated toward zero,
// strings are parsed as a long or, failing that, as a double.
func ToInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		return clampInt(x)
	case float32:
		return clampInt(float64(x))
	case int:
		return int64(x), true
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		f, ok := ParseNumber(s)
		if !ok {
			return 0, false
		}
		return clampInt(f)
	}
	return 0, false
}

func clampInt(f float64) (int64, bool) {
	switch {
	case math.IsNaN(f):
		return 0, true
	case f >= math.MaxInt64:
		return math.MaxInt64, true
	case f <= math.MinInt64:
		return math.MinInt64, true
	}
	return int64(f), true
}

// ParseNumber parses a decimal number as Java's Double.parseDouble would
// for the inputs Druid sees: surrounding spaces are ignored, "NaN" and
// "Infinity" are accepted, hexadecimal and Go-only forms ("inf", "0x1p3",
// underscores) are rejected.
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Out-of-range values saturate to ±Inf as in Java.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// IsNull reports whether v is null: nil or an empty multi-value row.
func IsNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []string:
		return len(x) == 0
	}
	return false
}

// Each calls fn for every scalar in v: once for a scalar, once per element
// of a multi-value row or array, and once with nil for null or an empty
// multi-value row. It stops when fn returns false.
func Each(v any, fn func(any) bool) {
	switch x := v.(type) {
	case []string:
		if len(x) == 0 {
			fn(nil)
			return
		}
		for _, s := range x {
			if !fn(s) {
				return
			}
		}
	case []any:
		if len(x) == 0 {
			fn(nil)
			return
		}
		for _, e := range x {
			if !fn(e) {
				return
			}
		}
	default:
		fn(v)
	}
}

// AppendDouble appends d as Java's Double.toString prints it (JDK 19 and
// later: the shortest digits that round-trip, at least two significant
// digits): "1.0", "0.001", "1.0E7", "1.2345E-4", "NaN",
// "Infinity", "-Infinity".
func AppendDouble(dst []byte, d float64) []byte { return appendJava(dst, d, 64) }

// AppendFloat appends f as Java's Float.toString prints it.
func AppendFloat(dst []byte, f float32) []byte { return appendJava(dst, float64(f), 32) }

func appendJava(dst []byte, d float64, bits int) []byte {
	switch {
	case math.IsNaN(d):
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
	var buf [40]byte
	e := strconv.AppendFloat(buf[:0], d, 'e', -1, bits) // [-]d[.ddd]e±xx
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		dst = append(dst, '-')
	}
	ePos := len(e) - 1
	for e[ePos] != 'e' {
		ePos--
	}
	exp, _ := strconv.Atoi(string(e[ePos+1:]))
	var digits [32]byte
	nd := 0
	for _, c := range e[:ePos] {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	ds := digits[:nd]
	if nd == 1 {
		// Java prints at least two significant digits and picks the
		// closest two-digit decimal (4.9E-324, not 5.0E-324).
		two := strconv.AppendFloat(buf[:0], d, 'e', 1, bits)
		if two[0] == '-' {
			two = two[1:]
		}
		if back, err := strconv.ParseFloat(string(two), bits); err == nil && back == math.Abs(d) && two[2] != '0' {
			digits[0], digits[1] = two[0], two[2]
			nd = 2
			ds = digits[:2]
			exp, _ = strconv.Atoi(string(two[4:]))
		}
	}
	abs := math.Abs(d)
	if abs >= 1e-3 && abs < 1e7 {
		if exp >= 0 {
			intLen := exp + 1
			for i := 0; i < intLen; i++ {
				if i < nd {
					dst = append(dst, ds[i])
				} else {
					dst = append(dst, '0')
				}
			}
			dst = append(dst, '.')
			if intLen >= nd {
				return append(dst, '0')
			}
			return append(dst, ds[intLen:]...)
		}
		dst = append(dst, '0', '.')
		for i := 0; i < -exp-1; i++ {
			dst = append(dst, '0')
		}
		return append(dst, ds...)
	}
	dst = append(dst, ds[0], '.')
	if nd == 1 {
		dst = append(dst, '0')
	} else {
		dst = append(dst, ds[1:]...)
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}

// Row gives access to one row's values by column (or output) name. A
// missing name is null (nil).
type Row interface {
	Value(name string) any
}

// MapRow is a Row over a map.
type MapRow map[string]any

// Value implements Row.
func (m MapRow) Value(name string) any { return m[name] }
