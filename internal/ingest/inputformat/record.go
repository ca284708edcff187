package inputformat

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Field is one named value of a Record.
type Field struct {
	Name  string
	Value any
}

// Record is one input row before timestamp and dimension parsing: its fields
// in input order, names unique. A Record returned by a Reader belongs to the
// caller.
type Record []Field

// Get returns the value of field name and whether it is present.
func (r Record) Get(name string) (any, bool) {
	for i := range r {
		if r[i].Name == name {
			return r[i].Value, true
		}
	}
	return nil, false
}

// set replaces the value of name or appends it.
func (r Record) set(name string, v any) Record {
	for i := range r {
		if r[i].Name == name {
			r[i].Value = v
			return r
		}
	}
	return append(r, Field{name, v})
}

// String prints the record as Druid prints an event in parse exception
// messages: Java's Map.toString, e.g. "{timestamp=2013-08-31, added=57}".
func (r Record) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range r {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
		b.WriteByte('=')
		writeJava(&b, f.Value)
	}
	b.WriteByte('}')
	return b.String()
}

// JavaString renders v as Java's String.valueOf would render the value Druid
// holds for it (Long, Double, List, Map, Boolean, null).
func JavaString(v any) string {
	var b strings.Builder
	writeJava(&b, v)
	return b.String()
}

func writeJava(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(x)
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(JavaDouble(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJava(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			writeJava(b, x[k])
		}
		b.WriteByte('}')
	default:
		fmt.Fprint(b, x)
	}
}

// JavaDouble formats f as Java's Double.toString: "1.0", "0.001",
// "1.0E7", "1.234E-5", "NaN", "Infinity".
func JavaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsRune(s, '.') {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±xx
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.ContainsRune(mant, '.') {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
