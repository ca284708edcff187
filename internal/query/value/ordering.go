package value

import (
	"encoding/json"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
)

// Ordering is one of Druid's string comparators (docs/querying/sorting-orders.md).
type Ordering uint8

// The orderings.
const (
	Lexicographic Ordering = iota // byte-wise UTF-8 order
	Alphanumeric                  // runs of digits compare as numbers
	Numeric                       // values parsed as numbers; unparseable ones first
	Strlen                        // by length in UTF-16 units, then lexicographic
	Version                       // dotted version numbers
)

var orderingNames = [...]string{"lexicographic", "alphanumeric", "numeric", "strlen", "version"}

// String returns the Druid name of the ordering.
func (o Ordering) String() string {
	if int(o) < len(orderingNames) {
		return orderingNames[o]
	}
	return "lexicographic"
}

// ParseOrdering parses an ordering name (case-insensitive). The empty string
// is lexicographic.
func ParseOrdering(s string) (Ordering, error) {
	if s == "" {
		return Lexicographic, nil
	}
	for i, n := range orderingNames {
		if strings.EqualFold(s, n) {
			return Ordering(i), nil
		}
	}
	return 0, base.Errorf(base.ClassInvalidInput, "unknown ordering %q: expected one of lexicographic, alphanumeric, numeric, strlen, version", s)
}

// MarshalJSON writes the ordering as its name.
func (o Ordering) MarshalJSON() ([]byte, error) { return json.Marshal(o.String()) }

// UnmarshalJSON accepts a name or Druid's object form {"type":"numeric"}.
func (o *Ordering) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var obj struct {
			Type string `json:"type"`
		}
		if err2 := json.Unmarshal(b, &obj); err2 != nil {
			return base.Errorf(base.ClassInvalidInput, "ordering: expected a string or {\"type\":...}")
		}
		s = obj.Type
	}
	v, err := ParseOrdering(s)
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// Compare compares two non-null strings in this ordering.
func (o Ordering) Compare(a, b string) int {
	switch o {
	case Alphanumeric:
		return compareAlphanumeric(a, b)
	case Numeric:
		return compareNumeric(a, b)
	case Strlen:
		la, lb := utf16Len(a), utf16Len(b)
		if la != lb {
			if la < lb {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	case Version:
		return compareVersion(a, b)
	}
	return strings.Compare(a, b)
}

// CompareNullable compares two possibly-null strings; null sorts first.
func (o Ordering) CompareNullable(a, b *string) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return o.Compare(*a, *b)
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 && r <= utf8.MaxRune {
			n += 2
		} else {
			n++
		}
	}
	_ = utf16.IsSurrogate
	return n
}

func compareNumeric(a, b string) int {
	fa, oka := ParseNumber(a)
	fb, okb := ParseNumber(b)
	switch {
	case !oka && !okb:
		return strings.Compare(a, b)
	case !oka:
		return -1
	case !okb:
		return 1
	}
	return CompareFloat(fa, fb)
}

// CompareFloat compares doubles as Java's Double.compare: -0.0 < 0.0 and NaN
// is greater than everything, including +Inf.
func CompareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// compareAlphanumeric splits both strings into runs of digits and
// non-digits; digit runs compare by numeric value, other runs
// character-wise.
func compareAlphanumeric(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			ra := strings.TrimLeft(a[si:i], "0")
			rb := strings.TrimLeft(b[sj:j], "0")
			if len(ra) != len(rb) {
				if len(ra) < len(rb) {
					return -1
				}
				return 1
			}
			if c := strings.Compare(ra, rb); c != 0 {
				return c
			}
			// Equal value: fewer leading zeros first.
			if (i - si) != (j - sj) {
				if i-si < j-sj {
					return -1
				}
				return 1
			}
			continue
		}
		if a[i] != b[j] {
			if a[i] < b[j] {
				return -1
			}
			return 1
		}
		i++
		j++
	}
	switch {
	case i < len(a):
		return 1
	case j < len(b):
		return -1
	}
	return 0
}

// compareVersion compares dotted/dashed versions part by part: numeric parts
// numerically, others lexicographically; a missing part sorts first.
func compareVersion(a, b string) int {
	sep := func(r rune) bool { return r == '.' || r == '-' || r == '_' }
	pa, pb := strings.FieldsFunc(a, sep), strings.FieldsFunc(b, sep)
	for k := 0; k < len(pa) && k < len(pb); k++ {
		if c := compareAlphanumeric(pa[k], pb[k]); c != 0 {
			return c
		}
	}
	switch {
	case len(pa) < len(pb):
		return -1
	case len(pa) > len(pb):
		return 1
	}
	return strings.Compare(a, b)
}

// Cast converts a value to a column type (a zero type leaves it unchanged),
// as virtual columns and dimension output types do: STRING keeps
// multi-value rows (an array becomes its string elements), numbers convert
// as ToInt64/ToFloat64, and what does not convert is null.
func Cast(v any, t base.ColumnType) any {
	if v == nil {
		return nil
	}
	switch t.Kind {
	case base.KindString:
		switch x := v.(type) {
		case []string:
			return x
		case []any:
			out := make([]string, 0, len(x))
			for _, e := range x {
				if s, ok := ToString(e); ok {
					out = append(out, s)
				}
			}
			return out
		}
		if s, ok := ToString(v); ok {
			return s
		}
		return nil
	case base.KindLong:
		if n, ok := ToInt64(v); ok {
			return n
		}
		return nil
	case base.KindDouble:
		if f, ok := ToFloat64(v); ok {
			return f
		}
		return nil
	case base.KindFloat:
		if f, ok := ToFloat64(v); ok {
			return float32(f)
		}
		return nil
	}
	return v
}
