package dimension

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/joda"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
	"github.com/dryaddb/dryad/internal/query/value"
)

// ExtractionFn is a decoded extraction function. Raw keeps the original
// JSON so that it can be re-encoded unchanged. An ExtractionFn is immutable
// and safe for concurrent use.
type ExtractionFn struct {
	Type string
	Raw  json.RawMessage
	fn   func(v any) (string, bool)
}

// MarshalJSON writes the original JSON.
func (e *ExtractionFn) MarshalJSON() ([]byte, error) { return e.Raw, nil }

// Apply maps one input value (a scalar of the value model, or nil) to the
// extracted string; ok is false when the result is null.
func (e *ExtractionFn) Apply(v any) (s string, ok bool) { return e.fn(v) }

// ApplyValue maps a row value: scalars through Apply, multi-value rows
// value by value. The result is nil, a string or a []string.
func (e *ExtractionFn) ApplyValue(v any) any {
	if mv, ok := v.([]string); ok && len(mv) > 0 {
		out := make([]string, 0, len(mv))
		hasNull := false
		for _, s := range mv {
			if r, ok := e.fn(s); ok {
				out = append(out, r)
			} else {
				hasNull = true
			}
		}
		if hasNull {
			// A null among the values keeps the row "null-ish" for
			// three-valued matching, as []any with a nil element.
			res := make([]any, 0, len(mv))
			for _, s := range mv {
				if r, ok := e.fn(s); ok {
					res = append(res, r)
				} else {
					res = append(res, nil)
				}
			}
			return res
		}
		return out
	}
	if value.IsNull(v) {
		v = nil
	}
	if r, ok := e.fn(v); ok {
		return r
	}
	return nil
}

// knownExtractionFns are Druid's extraction function types.
var knownExtractionFns = []string{"bucket", "cascade", "identity", "javascript", "lookup", "lower", "partial", "regex", "registeredLookup", "searchQuery", "stringFormat", "strlen", "substring", "time", "timeFormat", "upper"}

// maxCascade bounds cascade nesting.
const maxCascade = 32

// LookupFunc resolves a registered (query-time) lookup by name to its
// current key→value map, which callers must not modify. It must be safe for
// concurrent use. A nil LookupFunc knows no lookups.
type LookupFunc func(name string) (map[string]string, bool)

// Expr adapts f to the resolver of expr.Options.Lookups (nil for nil).
func (f LookupFunc) Expr() func(name string) (expr.Lookup, bool) {
	if f == nil {
		return nil
	}
	return func(name string) (expr.Lookup, bool) {
		m, ok := f(name)
		if !ok {
			return nil, false
		}
		return mapLookup(m), true
	}
}

// get resolves name; a nil f knows no lookups.
func (f LookupFunc) get(name string) (map[string]string, bool) {
	if f == nil {
		return nil, false
	}
	return f(name)
}

// mapLookup is an expr.Lookup over an immutable map.
type mapLookup map[string]string

// Get implements expr.Lookup.
func (m mapLookup) Get(key string) (string, bool) {
	v, ok := m[key]
	return v, ok
}

// DecodeExtractionFn decodes an extraction function at path. Implemented:
// identity, substring, strlen, upper, lower, regex, partial, searchQuery,
// lookup (with an inline map), registeredLookup (resolved by
// DecodeExtractionFnWith), cascade, stringFormat (%s only), timeFormat,
// time, bucket. javascript is base.ClassUnsupported; an unknown type is
// base.ClassInvalidInput listing the known ones.
func DecodeExtractionFn(raw json.RawMessage, path string) (*ExtractionFn, error) {
	return decodeFn(raw, path, 0, nil)
}

// DecodeExtractionFnWith is DecodeExtractionFn resolving registeredLookup
// names through lookups; the function keeps the map current at decode
// time for the query's whole run. An unknown name is base.ClassInvalidInput
// (Druid's "Lookup [x] not found").
func DecodeExtractionFnWith(raw json.RawMessage, path string, lookups LookupFunc) (*ExtractionFn, error) {
	return decodeFn(raw, path, 0, lookups)
}

func decodeFn(raw json.RawMessage, path string, depth int, lookups LookupFunc) (*ExtractionFn, error) {
	if depth > maxCascade {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: extraction functions nested too deep", path)
	}
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return nil, err
	}
	typ := o.String("type")
	if o.Err() != nil {
		return nil, o.Err()
	}
	e := &ExtractionFn{Type: typ, Raw: append(json.RawMessage(nil), raw...)}
	switch typ {
	case "identity":
		e.fn = toStr
	case "substring":
		idx := o.Int("index", 0)
		length, hasLen := o.OptInt("length")
		if o.Err() == nil && (idx < 0 || (hasLen && length < 0)) {
			o.Failf("index", "index and length must be >= 0")
		}
		e.fn = func(v any) (string, bool) {
			s, ok := toStr(v)
			if !ok {
				return "", false
			}
			n := int64(utf8.RuneCountInString(s))
			if idx >= n {
				return "", false
			}
			end := n
			if hasLen && idx+length < n {
				end = idx + length
			}
			return runeSlice(s, int(idx), int(end)), true
		}
	case "strlen":
		e.fn = func(v any) (string, bool) {
			s, ok := toStr(v)
			if !ok {
				return "", false
			}
			return strconv.Itoa(utf16Len(s)), true
		}
	case "upper", "lower":
		up := typ == "upper"
		e.fn = func(v any) (string, bool) {
			s, ok := toStr(v)
			if !ok {
				return "", false
			}
			if up {
				return strings.ToUpper(s), true
			}
			return strings.ToLower(s), true
		}
	case "regex", "partial":
		pat := o.String("expr")
		re, err := regexp.Compile(pat)
		if o.Err() == nil && err != nil {
			o.Failf("expr", "invalid regular expression %q (RE2 syntax): %v", pat, err)
		}
		if typ == "partial" {
			e.fn = func(v any) (string, bool) {
				s, ok := toStr(v)
				if !ok || !re.MatchString(s) {
					return "", false
				}
				return s, true
			}
			break
		}
		index := o.Int("index", 1)
		if o.Err() == nil && re != nil && (index < 0 || index > int64(re.NumSubexp())) {
			o.Failf("index", "group %d does not exist in %q", index, pat)
		}
		replace := o.Bool("replaceMissingValue", false)
		with, hasWith := o.OptString("replaceMissingValueWith")
		e.fn = func(v any) (string, bool) {
			s, ok := toStr(v)
			if !ok {
				if replace {
					return with, hasWith
				}
				return "", false
			}
			if m := re.FindStringSubmatchIndex(s); m != nil && m[2*index] >= 0 {
				return s[m[2*index]:m[2*index+1]], true
			}
			if replace {
				return with, hasWith
			}
			return s, ok
		}
	case "searchQuery":
		pred, err := decodeSearchPredicate(o)
		if err != nil {
			return nil, err
		}
		e.fn = func(v any) (string, bool) {
			s, ok := toStr(v)
			if !ok || !pred(s) {
				return "", false
			}
			return s, true
		}
	case "lookup":
		lo, err := jsonspec.Decode(o.Raw("lookup"), o.FieldPath("lookup"))
		if err != nil {
			return nil, err
		}
		if lt := lo.String("type"); lo.Err() == nil && lt != "map" {
			return nil, base.Errorf(base.ClassUnsupported, "%s: lookup type %q is not supported; use an inline map", lo.FieldPath("type"), lt)
		}
		if lo.Err() != nil {
			return nil, lo.Err()
		}
		var m map[string]*string
		if err := json.Unmarshal(lo.Raw("map"), &m); err != nil || m == nil {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: expected an object of string values", lo.FieldPath("map"))
		}
		e.fn = mapFn(o, func(k string) (string, bool, bool) {
			r, found := m[k]
			if !found {
				return "", false, false
			}
			if r == nil {
				return "", false, true
			}
			return *r, true, true
		})
	case "registeredLookup":
		name := o.String("lookup")
		if o.Err() == nil && name == "" {
			o.Failf("lookup", "must not be empty")
		}
		o.Bool("injective", false)
		o.Bool("optimize", true)
		if o.Err() != nil {
			return nil, o.Err()
		}
		m, found := lookups.get(name)
		if !found {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: Lookup [%s] not found", o.FieldPath("lookup"), name)
		}
		e.fn = mapFn(o, func(k string) (string, bool, bool) {
			r, found := m[k]
			return r, true, found
		})
	case "cascade":
		a, ok := o.Array("extractionFns")
		if o.Err() == nil && (!ok || len(a) == 0) {
			o.Failf("extractionFns", "required field is missing or empty")
		}
		if o.Err() != nil {
			return nil, o.Err()
		}
		fns := make([]*ExtractionFn, len(a))
		for i, r := range a {
			f, err := decodeFn(r, jsonspec.Index(o.FieldPath("extractionFns"), i), depth+1, lookups)
			if err != nil {
				return nil, err
			}
			fns[i] = f
		}
		e.fn = func(v any) (string, bool) {
			for _, f := range fns {
				s, ok := f.fn(v)
				if !ok {
					v = nil
				} else {
					v = s
				}
			}
			if v == nil {
				return "", false
			}
			return v.(string), true
		}
	case "stringFormat":
		format := o.String("format")
		nh, _ := o.OptString("nullHandling")
		if nh == "" {
			nh = "nullString"
		}
		if o.Err() == nil && nh != "nullString" && nh != "emptyString" && nh != "returnNull" {
			o.Failf("nullHandling", "unknown value %q: expected nullString, emptyString or returnNull", nh)
		}
		parts, err := splitFormat(format)
		if o.Err() == nil && err != nil {
			return nil, base.Errorf(base.ClassOf(err), "%s: %w", o.FieldPath("format"), err)
		}
		e.fn = func(v any) (string, bool) {
			s, ok := toStr(v)
			if !ok {
				switch nh {
				case "returnNull":
					return "", false
				case "nullString":
					s = "null"
				}
			}
			return strings.Join(parts, s), true
		}
	case "timeFormat":
		e.fn = decodeTimeFormat(o)
	case "time":
		in, out := o.String("timeFormat"), o.String("resultFormat")
		var inF, outF *joda.Format
		if o.Err() == nil {
			var err error
			if inF, err = joda.Compile(in); err != nil {
				o.Failf("timeFormat", "%v", err)
			} else if outF, err = joda.Compile(out); err != nil {
				o.Failf("resultFormat", "%v", err)
			}
		}
		e.fn = func(v any) (string, bool) {
			s, ok := toStr(v)
			if !ok {
				return "", false
			}
			ms, err := inF.Parse(s, nil)
			if err != nil {
				return s, true // Druid returns the value unchanged when it does not parse
			}
			return outF.Format(ms, nil), true
		}
	case "bucket":
		size := o.Int("size", 1)
		off := o.Int("offset", 0)
		if o.Err() == nil && size <= 0 {
			o.Failf("size", "must be greater than 0, got %d", size)
		}
		e.fn = func(v any) (string, bool) {
			f, ok := value.ToFloat64(v)
			if !ok {
				return "", false
			}
			b := int64(floorDiv(f-float64(off), float64(size)))*size + off
			return strconv.FormatInt(b, 10), true
		}
	case "javascript":
		return nil, base.Errorf(base.ClassUnsupported, "%s: extraction function type %q is not supported yet", jsonspec.Name(path), typ)
	default:
		return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown extraction function type %q: expected one of %s", jsonspec.Name(path), typ, strings.Join(knownExtractionFns, ", "))
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

// mapFn is a lookup extraction: get returns the mapped value, whether it
// is non-null, and whether the key was found. Missing keys (and null keys)
// keep the input with retainMissingValue, else become
// replaceMissingValueWith (null when absent).
func mapFn(o *jsonspec.Object, get func(key string) (v string, nonNull, found bool)) func(v any) (string, bool) {
	retain := o.Bool("retainMissingValue", false)
	with, hasWith := o.OptString("replaceMissingValueWith")
	if o.Err() == nil && retain && hasWith && with != "" {
		o.Failf("", "retainMissingValue and replaceMissingValueWith cannot both be set")
	}
	return func(v any) (string, bool) {
		s, ok := toStr(v)
		if ok {
			if r, nonNull, found := get(s); found {
				return r, nonNull
			}
		}
		if retain {
			return s, ok
		}
		return with, hasWith
	}
}

func floorDiv(a, b float64) float64 {
	q := a / b
	if q < 0 && q != float64(int64(q)) {
		return float64(int64(q) - 1)
	}
	return float64(int64(q))
}

// toStr converts an input value to its string form; null stays null.
func toStr(v any) (string, bool) {
	if v == nil {
		return "", false
	}
	return value.ToString(v)
}

func runeSlice(s string, from, to int) string {
	r := []rune(s)
	return string(r[from:to])
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// splitFormat splits a Java format string whose only conversion is %s into
// the literal parts around its %s occurrences.
func splitFormat(f string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			cur.WriteByte(f[i])
			continue
		}
		if i+1 >= len(f) {
			return nil, base.Errorf(base.ClassInvalidInput, "format %q ends with %%", f)
		}
		switch f[i+1] {
		case '%':
			cur.WriteByte('%')
		case 'n':
			cur.WriteByte('\n')
		case 's':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			return nil, base.Errorf(base.ClassUnsupported, "format %q: only %%s conversions are supported", f)
		}
		i++
	}
	parts = append(parts, cur.String())
	return parts, nil
}

func decodeSearchPredicate(o *jsonspec.Object) (func(string) bool, error) {
	q, err := jsonspec.Decode(o.Raw("query"), o.FieldPath("query"))
	if err != nil {
		return nil, err
	}
	typ := q.String("type")
	switch typ {
	case "contains", "insensitive_contains":
		v := q.String("value")
		cs := typ == "contains" && q.Bool("case_sensitive", false)
		if !cs {
			v = strings.ToLower(v)
		}
		return func(s string) bool {
			if !cs {
				s = strings.ToLower(s)
			}
			return strings.Contains(s, v)
		}, q.Err()
	case "fragment":
		vs, _ := q.Strings("values")
		cs := q.Bool("case_sensitive", false)
		return func(s string) bool {
			if !cs {
				s = strings.ToLower(s)
			}
			for _, v := range vs {
				if !cs {
					v = strings.ToLower(v)
				}
				if !strings.Contains(s, v) {
					return false
				}
			}
			return true
		}, q.Err()
	case "regex":
		re, err := regexp.Compile(q.String("pattern"))
		if q.Err() == nil && err != nil {
			q.Failf("pattern", "%v", err)
		}
		if q.Err() != nil {
			return nil, q.Err()
		}
		return re.MatchString, nil
	}
	if q.Err() != nil {
		return nil, q.Err()
	}
	return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown search query type %q", q.FieldPath("type"), typ)
}

// decodeTimeFormat builds the timeFormat extraction: the input (epoch
// millis, or a numeric string) is floored by the granularity and printed
// with the Joda format in the zone; without a format it prints ISO-8601.
// asMillis reads string inputs as millis.
func decodeTimeFormat(o *jsonspec.Object) func(any) (string, bool) {
	var zone *time.Location
	if tz, ok := o.OptString("timeZone"); ok && tz != "" {
		z, err := granularity.LoadZone(tz)
		if err != nil {
			o.Failf("timeZone", "%v", err)
		}
		zone = z
	}
	var f *joda.Format
	if p, ok := o.OptString("format"); ok && p != "" {
		c, err := joda.Compile(p)
		if err != nil {
			o.Failf("format", "%v", err)
		}
		f = c
	}
	if loc, ok := o.OptString("locale"); ok && loc != "" && !strings.HasPrefix(strings.ToLower(loc), "en") {
		o.Fail(base.Errorf(base.ClassUnsupported, "%s: only English locales are supported, got %q", o.FieldPath("locale"), loc))
	}
	g := granularity.None()
	if raw := o.Raw("granularity"); o.Err() == nil && !jsonspec.IsNull(raw) {
		if err := g.UnmarshalJSON(raw); err != nil {
			o.Fail(base.Errorf(base.ClassInvalidInput, "%s: %w", o.FieldPath("granularity"), err))
		}
	}
	return func(v any) (string, bool) {
		ms, ok := value.ToInt64(v)
		if !ok {
			if s, isStr := v.(string); isStr {
				t, err := base.ParseTime(s, zone)
				if err != nil {
					return "", false
				}
				ms = t
			} else {
				return "", false
			}
		}
		ms = g.Floor(ms)
		if f == nil {
			if zone == nil {
				return base.FormatTime(ms), true
			}
			return base.FormatTimeIn(ms, zone), true
		}
		return f.Format(ms, zone), true
	}
}
