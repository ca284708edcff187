package filter

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
	"github.com/dryaddb/dryad/internal/query/value"
)

// Types lists the filter types Decode accepts.
var knownTypes = "and, arrayContainsElement, bound, columnComparison, equals, expression, extraction, false, in, interval, like, not, null, or, range, regex, search, selector, true"

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 200

// Decode decodes a filter at path (used in error messages, e.g. "filter").
// A JSON null gives a nil Filter. Errors are base.ClassInvalidInput, or
// base.ClassUnsupported for filter types and extraction functions dryad
// does not implement (javascript, spatial, bloom).
func Decode(raw json.RawMessage, path string) (Filter, error) {
	return DecodeWith(raw, path, nil)
}

// DecodeWith is Decode resolving query-time lookups through lookups: the
// registeredLookup extraction functions, and the lookup() function of
// expression filters (bound when the filter is compiled).
func DecodeWith(raw json.RawMessage, path string, lookups dimension.LookupFunc) (Filter, error) {
	if jsonspec.IsNull(raw) {
		return nil, nil
	}
	return decode(raw, path, 0, lookups)
}

func decode(raw json.RawMessage, path string, depth int, lk dimension.LookupFunc) (Filter, error) {
	if depth > maxDepth {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: filter nesting is deeper than %d", path, maxDepth)
	}
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return nil, err
	}
	typ := o.String("type")
	if o.Err() != nil {
		return nil, o.Err()
	}
	var f Filter
	switch typ {
	case "selector":
		s := &Selector{Dimension: dim(o, "dimension")}
		if v, ok := o.OptString("value"); ok {
			s.Value = &v
		}
		s.ExtractionFn = extraction(o, lk)
		f = s
	case "equals":
		e := &Equals{Column: dim(o, "column")}
		e.MatchValueType = colType(o, "matchValueType")
		if o.Err() == nil && !o.Has("matchValue") {
			o.Failf("matchValue", "required field is missing (use the null filter to match nulls)")
		}
		e.MatchValue = scalar(o, "matchValue", e.MatchValueType)
		f = e
	case "in":
		in := &In{Dimension: dim(o, "dimension")}
		if o.Err() == nil && !o.Has("values") {
			o.Failf("values", "required field is missing")
		}
		in.Values, _ = o.NullableStrings("values")
		if in.Values == nil && o.Err() == nil {
			in.Values = []*string{}
		}
		in.ExtractionFn = extraction(o, lk)
		f = in
	case "bound":
		b := &Bound{Dimension: dim(o, "dimension")}
		if v, ok := o.OptString("lower"); ok {
			b.Lower = &v
		}
		if v, ok := o.OptString("upper"); ok {
			b.Upper = &v
		}
		if o.Err() == nil && b.Lower == nil && b.Upper == nil {
			o.Failf("", "lower and upper must not both be missing")
		}
		b.LowerStrict = o.Bool("lowerStrict", false)
		b.UpperStrict = o.Bool("upperStrict", false)
		b.Ordering = ordering(o, "ordering")
		b.ExtractionFn = extraction(o, lk)
		f = b
	case "range":
		r := &Range{Column: dim(o, "column")}
		r.MatchValueType = colType(o, "matchValueType")
		r.Lower = scalar(o, "lower", r.MatchValueType)
		r.Upper = scalar(o, "upper", r.MatchValueType)
		if o.Err() == nil && r.Lower == nil && r.Upper == nil {
			o.Failf("", "lower and upper must not both be null")
		}
		r.LowerOpen = o.Bool("lowerOpen", false)
		r.UpperOpen = o.Bool("upperOpen", false)
		f = r
	case "null":
		f = &Null{Column: dim(o, "column")}
	case "like":
		l := &Like{Dimension: dim(o, "dimension"), Pattern: o.String("pattern")}
		if e, ok := o.OptString("escape"); ok && e != "" {
			if utf8.RuneCountInString(e) != 1 {
				o.Failf("escape", "must be a single character, got %q", e)
			}
			l.Escape = e
		}
		l.ExtractionFn = extraction(o, lk)
		if o.Err() == nil {
			if _, err := likeRegexp(l.Pattern, l.Escape); err != nil {
				o.Failf("pattern", "%v", err)
			}
		}
		f = l
	case "regex":
		r := &Regex{Dimension: dim(o, "dimension"), Pattern: o.String("pattern")}
		r.ExtractionFn = extraction(o, lk)
		if o.Err() == nil {
			if _, err := regexp.Compile(r.Pattern); err != nil {
				o.Failf("pattern", "invalid regular expression %q (dryad uses RE2 syntax: no backreferences or lookaround): %v", r.Pattern, err)
			}
		}
		f = r
	case "search":
		s := &Search{Dimension: dim(o, "dimension")}
		if o.Err() == nil && !o.Has("query") {
			o.Failf("query", "required field is missing")
		}
		if o.Err() == nil {
			q, err := DecodeSearchSpec(o.Raw("query"), o.FieldPath("query"))
			if err != nil {
				return nil, err
			}
			s.Query = q
		}
		s.ExtractionFn = extraction(o, lk)
		f = s
	case "and", "or":
		a, ok := o.Array("fields")
		if o.Err() == nil && !ok {
			o.Failf("fields", "required field is missing")
		}
		if o.Err() == nil && len(a) == 0 {
			o.Failf("fields", "%s requires at least one filter", strings.ToUpper(typ))
		}
		if o.Err() != nil {
			return nil, o.Err()
		}
		fs := make([]Filter, len(a))
		for i, e := range a {
			p := jsonspec.Index(o.FieldPath("fields"), i)
			if jsonspec.IsNull(e) {
				return nil, base.Errorf(base.ClassInvalidInput, "%s: filter must not be null", p)
			}
			c, err := decode(e, p, depth+1, lk)
			if err != nil {
				return nil, err
			}
			fs[i] = c
		}
		if typ == "and" {
			f = &And{Fields: fs}
		} else {
			f = &Or{Fields: fs}
		}
	case "not":
		if o.Err() == nil && !o.Has("field") {
			o.Failf("field", "required field is missing")
		}
		if o.Err() != nil {
			return nil, o.Err()
		}
		c, err := decode(o.Raw("field"), o.FieldPath("field"), depth+1, lk)
		if err != nil {
			return nil, err
		}
		f = &Not{Field: c}
	case "interval":
		iv := &Interval{Dimension: dim(o, "dimension")}
		ss, ok := o.Strings("intervals")
		if o.Err() == nil && (!ok || len(ss) == 0) {
			o.Failf("intervals", "required field is missing or empty")
		}
		for i, s := range ss {
			if o.Err() != nil {
				break
			}
			v, err := base.ParseInterval(s, nil)
			if err != nil {
				o.Fail(base.Errorf(base.ClassInvalidInput, "%s: %w", jsonspec.Index(o.FieldPath("intervals"), i), err))
				break
			}
			iv.Intervals = append(iv.Intervals, v)
		}
		iv.ExtractionFn = extraction(o, lk)
		f = iv
	case "expression":
		e := &Expression{Expression: o.String("expression"), lookups: lk.Expr()}
		if o.Err() == nil && strings.TrimSpace(e.Expression) == "" {
			o.Failf("expression", "must not be empty")
		}
		if o.Err() == nil {
			if _, err := e.compile(); err != nil {
				o.Fail(base.Errorf(base.ClassOf(err), "%s: %w", o.FieldPath("expression"), err))
			}
		}
		f = e
	case "true":
		f = &True{}
	case "false":
		f = &False{}
	case "columnComparison":
		a, ok := o.Array("dimensions")
		if o.Err() == nil && (!ok || len(a) < 2) {
			o.Failf("dimensions", "needs at least two dimensions")
		}
		if o.Err() != nil {
			return nil, o.Err()
		}
		cc := &ColumnComparison{}
		for i, e := range a {
			s, err := dimension.DecodeSpecWith(e, jsonspec.Index(o.FieldPath("dimensions"), i), lk)
			if err != nil {
				return nil, err
			}
			cc.Dimensions = append(cc.Dimensions, s)
		}
		f = cc
	case "arrayContainsElement":
		a := &ArrayContainsElement{Column: dim(o, "column")}
		a.ElementMatchValueType = colType(o, "elementMatchValueType")
		if o.Err() == nil && !o.Has("elementMatchValue") {
			o.Failf("elementMatchValue", "required field is missing")
		}
		a.ElementMatchValue = scalar(o, "elementMatchValue", a.ElementMatchValueType)
		f = a
	case "extraction":
		e := &Extraction{Dimension: dim(o, "dimension")}
		if v, ok := o.OptString("value"); ok {
			e.Value = &v
		}
		if o.Err() == nil && !o.Has("extractionFn") {
			o.Failf("extractionFn", "required field is missing")
		}
		e.ExtractionFn = extraction(o, lk)
		f = e
	case "javascript", "spatial", "bloom":
		return nil, base.Errorf(base.ClassUnsupported, "%s: filter type %q is not supported", jsonspec.Name(path), typ)
	default:
		return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown filter type %q: expected one of %s", jsonspec.Name(path), typ, knownTypes)
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

// dim reads a required, non-empty column name.
func dim(o *jsonspec.Object, field string) string {
	s := o.String(field)
	if o.Err() == nil && s == "" {
		o.Failf(field, "must not be empty")
	}
	return s
}

func extraction(o *jsonspec.Object, lk dimension.LookupFunc) *dimension.ExtractionFn {
	if o.Err() != nil || !o.Has("extractionFn") {
		return nil
	}
	fn, err := dimension.DecodeExtractionFnWith(o.Raw("extractionFn"), o.FieldPath("extractionFn"), lk)
	if err != nil {
		o.Fail(err)
		return nil
	}
	return fn
}

func ordering(o *jsonspec.Object, field string) value.Ordering {
	raw := o.Raw(field)
	if o.Err() != nil || jsonspec.IsNull(raw) {
		return value.Lexicographic
	}
	var ord value.Ordering
	if err := ord.UnmarshalJSON(raw); err != nil {
		o.Failf(field, "%v", err)
	}
	return ord
}

func colType(o *jsonspec.Object, field string) base.ColumnType {
	s := o.String(field)
	if o.Err() != nil {
		return base.ColumnType{}
	}
	t, err := base.ParseColumnType(s)
	if err != nil || t.Kind == base.KindComplex {
		o.Failf(field, "unknown type %q: expected STRING, LONG, FLOAT, DOUBLE or ARRAY<...>", s)
	}
	return t
}

// scalar reads a match value and checks that it fits the match type.
func scalar(o *jsonspec.Object, field string, t base.ColumnType) any {
	raw := o.Raw(field)
	if o.Err() != nil || jsonspec.IsNull(raw) {
		return nil
	}
	v, err := jsonspec.Scalar(raw)
	if err != nil {
		o.Failf(field, "%v", err)
		return nil
	}
	if t.Kind == base.KindArray {
		if _, ok := v.([]any); !ok {
			o.Failf(field, "expected an array for type %s, got %s", t, jsonspec.Kind(raw))
		}
		return v
	}
	if _, ok := v.([]any); ok {
		o.Failf(field, "expected a scalar for type %s, got an array", t)
		return nil
	}
	if t.IsNumeric() {
		if _, ok := value.ToFloat64(v); !ok {
			o.Failf(field, "value %s is not a valid %s", bytes.TrimSpace(raw), t)
			return nil
		}
	}
	if b, ok := v.(bool); ok {
		// Jackson reads a boolean match value as its text for STRING.
		if b {
			return "true"
		}
		return "false"
	}
	return v
}

// DecodeSearchSpec decodes a search query spec ("contains",
// "insensitive_contains", "fragment", "regex").
func DecodeSearchSpec(raw json.RawMessage, path string) (SearchSpec, error) {
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return SearchSpec{}, err
	}
	s := SearchSpec{Type: o.String("type")}
	switch s.Type {
	case "contains":
		s.Value = o.String("value")
		s.CaseSensitive = o.Bool("case_sensitive", false)
	case "insensitive_contains":
		s.Value = o.String("value")
	case "fragment":
		s.Values, _ = o.Strings("values")
		if o.Err() == nil && len(s.Values) == 0 {
			o.Failf("values", "required field is missing or empty")
		}
		s.CaseSensitive = o.Bool("case_sensitive", false)
	case "regex":
		s.Pattern = o.String("pattern")
		if o.Err() == nil {
			if _, err := regexp.Compile(s.Pattern); err != nil {
				o.Failf("pattern", "invalid regular expression %q: %v", s.Pattern, err)
			}
		}
	default:
		if o.Err() == nil {
			o.Failf("type", "unknown search query type %q: expected one of contains, insensitive_contains, fragment, regex", s.Type)
		}
	}
	return s, o.Err()
}

// likeRegexp translates a LIKE pattern to an anchored regular expression.
func likeRegexp(pattern, escape string) (*regexp.Regexp, error) {
	var esc rune = -1
	if escape != "" {
		esc, _ = utf8.DecodeRuneInString(escape)
	}
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			b.WriteString(regexp.QuoteMeta(string(r)))
			escaped = false
		case r == esc:
			escaped = true
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if escaped {
		return nil, base.Errorf(base.ClassInvalidInput, "LIKE pattern %q ends with the escape character", pattern)
	}
	b.WriteString(`\z`)
	return regexp.Compile(b.String())
}
