package filter

import (
	"math"

	"github.com/dryaddb/dryad/internal/expr"
	"regexp"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/value"
)

// Tri is a three-valued logic result.
type Tri int8

// The truth values.
const (
	TriFalse   Tri = 0
	TriTrue    Tri = 1
	TriUnknown Tri = -1
)

func (t Tri) not() Tri {
	switch t {
	case TriTrue:
		return TriFalse
	case TriFalse:
		return TriTrue
	}
	return TriUnknown
}

// Row gives access to one row's values by column name. Values follow the
// value package's model (nil, string, int64, float64, float32, []string,
// []any); a missing column is nil.
type Row = value.Row

// MapRow is a Row over a map.
type MapRow = value.MapRow

// Matcher evaluates a compiled filter on rows. It is immutable and safe for
// concurrent use.
type Matcher interface {
	// Eval returns the three-valued result of the filter on r.
	Eval(r Row) Tri
}

// Matches reports whether m is TriTrue on r.
func Matches(m Matcher, r Row) bool { return m.Eval(r) == TriTrue }

type matchFunc func(Row) Tri

// Eval implements Matcher.
func (f matchFunc) Eval(r Row) Tri { return f(r) }

// Compile builds the row-level matcher for f. A nil filter matches every
// row. Filters with an extraction function see the column's values passed
// through it (a null result is a null value). An
// expression filter is True when the expression's value is truthy (Druid's
// rules: positive numbers, the string "true"), Unknown when it is null or
// fails to evaluate, False otherwise.
func Compile(f Filter) (Matcher, error) {
	if f == nil {
		return matchFunc(func(Row) Tri { return TriTrue }), nil
	}
	return compile(f)
}

func compile(f Filter) (matchFunc, error) {
	if col, fn, plain := withoutExtraction(f); fn != nil {
		m, err := compile(plain)
		if err != nil {
			return nil, err
		}
		return func(r Row) Tri { return m(extractedRow{r, col, fn}) }, nil
	}
	switch f := f.(type) {
	case *True:
		return func(Row) Tri { return TriTrue }, nil
	case *False:
		return func(Row) Tri { return TriFalse }, nil
	case *And:
		ms, err := compileAll(f.Fields)
		if err != nil {
			return nil, err
		}
		return func(r Row) Tri {
			res := TriTrue
			for _, m := range ms {
				switch m(r) {
				case TriFalse:
					return TriFalse
				case TriUnknown:
					res = TriUnknown
				}
			}
			return res
		}, nil
	case *Or:
		ms, err := compileAll(f.Fields)
		if err != nil {
			return nil, err
		}
		return func(r Row) Tri {
			res := TriFalse
			for _, m := range ms {
				switch m(r) {
				case TriTrue:
					return TriTrue
				case TriUnknown:
					res = TriUnknown
				}
			}
			return res
		}, nil
	case *Not:
		m, err := compile(f.Field)
		if err != nil {
			return nil, err
		}
		return func(r Row) Tri { return m(r).not() }, nil
	case *Null:
		col := f.Column
		return func(r Row) Tri {
			if value.IsNull(r.Value(col)) {
				return TriTrue
			}
			return TriFalse
		}, nil
	case *Selector:
		if f.Value == nil {
			return (&Null{Column: f.Dimension}).compileNull(), nil
		}
		return valueMatcher(f.Dimension, newEqualPred(*f.Value)), nil
	case *In:
		return compileIn(f), nil
	case *Bound:
		return compileBound(f), nil
	case *Range:
		return compileRange(f)
	case *Equals:
		return compileEquals(f)
	case *Like:
		re, err := likeRegexp(f.Pattern, f.Escape)
		if err != nil {
			return nil, err
		}
		return valueMatcher(f.Dimension, stringPred(re.MatchString)), nil
	case *Regex:
		re, err := regexp.Compile(f.Pattern)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "regex filter on %q: %w", f.Dimension, err)
		}
		return valueMatcher(f.Dimension, stringPred(re.MatchString)), nil
	case *Search:
		p, err := SearchPredicate(f.Query)
		if err != nil {
			return nil, err
		}
		return valueMatcher(f.Dimension, stringPred(p)), nil
	case *Interval:
		ivs := f.Intervals
		return valueMatcher(f.Dimension, func(v any) bool {
			ms, ok := value.ToInt64(v)
			if !ok {
				return false
			}
			for _, iv := range ivs {
				if iv.Contains(ms) {
					return true
				}
			}
			return false
		}), nil
	case *ColumnComparison:
		return compileColumnComparison(f)
	case *ArrayContainsElement:
		return compileArrayContains(f)
	case *Expression:
		c, err := f.compile()
		if err != nil {
			return nil, err
		}
		return func(r Row) Tri {
			v, err := c.EvalRow(exprRow{r})
			if err != nil {
				return TriUnknown
			}
			if arr := v.Arr; len(arr) > 0 && v.Type.Kind == base.KindArray {
				// A multi-value input mapped over its values: any true value matches.
				res := TriFalse
				for _, e := range arr {
					if b, ok := e.AsBool(); !ok {
						res = TriUnknown
					} else if b {
						return TriTrue
					}
				}
				return res
			}
			b, ok := v.AsBool()
			switch {
			case !ok:
				return TriUnknown
			case b:
				return TriTrue
			}
			return TriFalse
		}, nil
	}
	return nil, base.Errorf(base.ClassInternal, "filter type %T has no row evaluator", f)
}

func (n *Null) compileNull() matchFunc {
	col := n.Column
	return func(r Row) Tri {
		if value.IsNull(r.Value(col)) {
			return TriTrue
		}
		return TriFalse
	}
}

// withoutExtraction splits a filter with an extraction function into the
// column, the function and a copy of the filter without it.
func withoutExtraction(f Filter) (string, *dimension.ExtractionFn, Filter) {
	switch f := f.(type) {
	case *Selector:
		if f.ExtractionFn != nil {
			c := *f
			c.ExtractionFn = nil
			return f.Dimension, f.ExtractionFn, &c
		}
	case *In:
		if f.ExtractionFn != nil {
			c := *f
			c.ExtractionFn = nil
			return f.Dimension, f.ExtractionFn, &c
		}
	case *Bound:
		if f.ExtractionFn != nil {
			c := *f
			c.ExtractionFn = nil
			return f.Dimension, f.ExtractionFn, &c
		}
	case *Like:
		if f.ExtractionFn != nil {
			c := *f
			c.ExtractionFn = nil
			return f.Dimension, f.ExtractionFn, &c
		}
	case *Regex:
		if f.ExtractionFn != nil {
			c := *f
			c.ExtractionFn = nil
			return f.Dimension, f.ExtractionFn, &c
		}
	case *Search:
		if f.ExtractionFn != nil {
			c := *f
			c.ExtractionFn = nil
			return f.Dimension, f.ExtractionFn, &c
		}
	case *Interval:
		if f.ExtractionFn != nil {
			c := *f
			c.ExtractionFn = nil
			return f.Dimension, f.ExtractionFn, &c
		}
	case *Extraction:
		return f.Dimension, f.ExtractionFn, &Selector{Dimension: f.Dimension, Value: f.Value}
	}
	return "", nil, f
}

// extractedRow shows a row with one column passed through an extraction
// function.
type extractedRow struct {
	r   Row
	col string
	fn  *dimension.ExtractionFn
}

// Value implements the row interface.
func (e extractedRow) Value(name string) any {
	v := e.r.Value(name)
	if name != e.col {
		return v
	}
	return e.fn.ApplyValue(v)
}

func compileAll(fs []Filter) ([]matchFunc, error) {
	ms := make([]matchFunc, len(fs))
	for i, c := range fs {
		m, err := compile(c)
		if err != nil {
			return nil, err
		}
		ms[i] = m
	}
	return ms, nil
}

// valueMatcher applies pred to every non-null value of the row's column:
// TriTrue if any value matches, else TriUnknown if a value is null, else TriFalse.
func valueMatcher(col string, pred func(any) bool) matchFunc {
	return func(r Row) Tri {
		res := TriFalse
		value.Each(r.Value(col), func(v any) bool {
			if v == nil {
				res = TriUnknown
				return true
			}
			if pred(v) {
				res = TriTrue
				return false
			}
			return true
		})
		return res
	}
}

// stringPred lifts a string predicate to values (numbers are converted to
// their Druid string form).
func stringPred(p func(string) bool) func(any) bool {
	return func(v any) bool {
		s, ok := value.ToString(v)
		return ok && p(s)
	}
}

// newEqualPred matches a value equal to s: strings by text, numbers
// numerically when s parses as a number.
func newEqualPred(s string) func(any) bool {
	f, isNum := value.ParseNumber(s)
	return func(v any) bool {
		switch x := v.(type) {
		case string:
			return x == s
		case int64:
			return isNum && f == float64(x)
		case float64:
			return isNum && f == x
		case float32:
			return isNum && float32(f) == x
		}
		t, ok := value.ToString(v)
		return ok && t == s
	}
}

func compileIn(f *In) matchFunc {
	set := make(map[string]bool, len(f.Values))
	var nums []float64
	hasNull := false
	for _, v := range f.Values {
		if v == nil {
			hasNull = true
			continue
		}
		set[*v] = true
		if n, ok := value.ParseNumber(*v); ok {
			nums = append(nums, n)
		}
	}
	match := func(v any) bool {
		switch x := v.(type) {
		case string:
			return set[x]
		case int64, float64, float32:
			n, _ := value.ToFloat64(x)
			if _, ok := x.(float32); ok {
				for _, m := range nums {
					if float32(m) == x {
						return true
					}
				}
				return false
			}
			for _, m := range nums {
				if m == n {
					return true
				}
			}
			return false
		}
		s, ok := value.ToString(v)
		return ok && set[s]
	}
	col := f.Dimension
	return func(r Row) Tri {
		res := TriFalse
		value.Each(r.Value(col), func(v any) bool {
			if v == nil {
				if hasNull {
					res = TriTrue
					return false
				}
				res = TriUnknown
				return true
			}
			if match(v) {
				res = TriTrue
				return false
			}
			return true
		})
		return res
	}
}

func compileBound(f *Bound) matchFunc {
	ord := f.Ordering
	var lo, hi *string
	lo, hi = f.Lower, f.Upper
	var loN, hiN float64
	loOK, hiOK := lo == nil, hi == nil
	if lo != nil {
		loN, loOK = value.ParseNumber(*lo)
	}
	if hi != nil {
		hiN, hiOK = value.ParseNumber(*hi)
	}
	inStrings := func(s string) bool {
		if lo != nil {
			c := ord.Compare(s, *lo)
			if c < 0 || (c == 0 && f.LowerStrict) {
				return false
			}
		}
		if hi != nil {
			c := ord.Compare(s, *hi)
			if c > 0 || (c == 0 && f.UpperStrict) {
				return false
			}
		}
		return true
	}
	pred := func(v any) bool {
		if ord == value.Numeric {
			if n, ok := numericOf(v); ok {
				if !loOK || !hiOK {
					return false
				}
				if lo != nil {
					c := value.CompareFloat(n, loN)
					if c < 0 || (c == 0 && f.LowerStrict) {
						return false
					}
				}
				if hi != nil {
					c := value.CompareFloat(n, hiN)
					if c > 0 || (c == 0 && f.UpperStrict) {
						return false
					}
				}
				return true
			}
		}
		s, ok := value.ToString(v)
		return ok && inStrings(s)
	}
	return valueMatcher(f.Dimension, pred)
}

// numericOf returns the number of a numeric value (not of strings).
func numericOf(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	return 0, false
}

func compileRange(f *Range) (matchFunc, error) {
	switch {
	case f.MatchValueType.Kind == base.KindString:
		var lo, hi *string
		if f.Lower != nil {
			s, _ := value.ToString(f.Lower)
			lo = &s
		}
		if f.Upper != nil {
			s, _ := value.ToString(f.Upper)
			hi = &s
		}
		return valueMatcher(f.Column, stringPred(func(s string) bool {
			if lo != nil {
				c := strings.Compare(s, *lo)
				if c < 0 || (c == 0 && f.LowerOpen) {
					return false
				}
			}
			if hi != nil {
				c := strings.Compare(s, *hi)
				if c > 0 || (c == 0 && f.UpperOpen) {
					return false
				}
			}
			return true
		})), nil
	case f.MatchValueType.IsNumeric():
		loN, hiN := math.Inf(-1), math.Inf(1)
		if f.Lower != nil {
			loN, _ = value.ToFloat64(f.Lower)
		}
		if f.Upper != nil {
			hiN, _ = value.ToFloat64(f.Upper)
		}
		isLong := f.MatchValueType.Kind == base.KindLong
		return valueMatcher(f.Column, func(v any) bool {
			n, ok := value.ToFloat64(v)
			if !ok || math.IsNaN(n) {
				return false
			}
			if isLong {
				if _, isStr := v.(string); isStr {
					// Strings compared as LONG are truncated, as a cast.
					n = math.Trunc(n)
				}
			}
			if f.Lower != nil && (n < loN || (n == loN && f.LowerOpen)) {
				return false
			}
			if f.Upper != nil && (n > hiN || (n == hiN && f.UpperOpen)) {
				return false
			}
			return true
		}), nil
	}
	return nil, base.Errorf(base.ClassUnsupported, "range filter on %q: match type %s is not supported yet", f.Column, f.MatchValueType)
}

func compileEquals(f *Equals) (matchFunc, error) {
	t := f.MatchValueType
	if t.Kind == base.KindArray {
		want := f.MatchValue.([]any)
		col := f.Column
		return func(r Row) Tri {
			v := r.Value(col)
			if value.IsNull(v) {
				return TriUnknown
			}
			got, ok := v.([]any)
			if !ok {
				if ss, isMV := v.([]string); isMV {
					got = make([]any, len(ss))
					for i, s := range ss {
						got[i] = s
					}
				} else {
					got = []any{v}
				}
			}
			if len(got) != len(want) {
				return TriFalse
			}
			for i := range got {
				if !scalarEqual(got[i], want[i], t.Elem) {
					return TriFalse
				}
			}
			return TriTrue
		}, nil
	}
	mv := f.MatchValue
	return valueMatcher(f.Column, func(v any) bool { return scalarEqual(v, mv, t.Kind) }), nil
}

// scalarEqual compares a row value with a match value of kind k.
func scalarEqual(v, m any, k base.TypeKind) bool {
	if v == nil || m == nil {
		return v == nil && m == nil
	}
	_, vNum := numericOf(v)
	if vNum || k == base.KindLong || k == base.KindDouble || k == base.KindFloat {
		a, ok1 := value.ToFloat64(v)
		b, ok2 := value.ToFloat64(m)
		if !ok1 || !ok2 {
			return false
		}
		if k == base.KindLong {
			if _, isStr := v.(string); isStr {
				a = math.Trunc(a)
			}
		}
		if _, ok := v.(float32); ok {
			return float32(a) == float32(b)
		}
		return a == b
	}
	a, _ := value.ToString(v)
	b, _ := value.ToString(m)
	return a == b
}

func compileColumnComparison(f *ColumnComparison) (matchFunc, error) {
	cols := make([]string, len(f.Dimensions))
	fns := make([]*dimension.ExtractionFn, len(f.Dimensions))
	for i, d := range f.Dimensions {
		cols[i] = d.Dimension
		fns[i] = d.ExtractionFn
	}
	get := func(r Row, i int) any {
		v := r.Value(cols[i])
		if fns[i] != nil {
			return fns[i].ApplyValue(v)
		}
		return v
	}
	strs := func(v any) []*string {
		var out []*string
		value.Each(v, func(e any) bool {
			if e == nil {
				out = append(out, nil)
			} else {
				s, _ := value.ToString(e)
				out = append(out, &s)
			}
			return true
		})
		return out
	}
	eq := func(a, b *string) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
	return func(r Row) Tri {
		first := strs(get(r, 0))
		for i := 1; i < len(cols); i++ {
			other := strs(get(r, i))
			overlap := false
			for _, a := range first {
				for _, b := range other {
					if eq(a, b) {
						overlap = true
						break
					}
				}
				if overlap {
					break
				}
			}
			if !overlap {
				return TriFalse
			}
		}
		return TriTrue
	}, nil
}

func compileArrayContains(f *ArrayContainsElement) (matchFunc, error) {
	t := f.ElementMatchValueType
	if t.Kind == base.KindArray || t.Kind == base.KindComplex {
		return nil, base.Errorf(base.ClassUnsupported, "arrayContainsElement filter on %q: element type %s is not supported", f.Column, t)
	}
	m := f.ElementMatchValue
	return valueMatcher(f.Column, func(v any) bool { return scalarEqual(v, m, t.Kind) }), nil
}

// SearchPredicate returns the string predicate of a search query spec.
func SearchPredicate(q SearchSpec) (func(string) bool, error) {
	switch q.Type {
	case "contains":
		if q.CaseSensitive {
			v := q.Value
			return func(s string) bool { return strings.Contains(s, v) }, nil
		}
		v := strings.ToLower(q.Value)
		return func(s string) bool { return strings.Contains(strings.ToLower(s), v) }, nil
	case "insensitive_contains":
		v := strings.ToLower(q.Value)
		return func(s string) bool { return strings.Contains(strings.ToLower(s), v) }, nil
	case "fragment":
		vs := append([]string(nil), q.Values...)
		if !q.CaseSensitive {
			for i := range vs {
				vs[i] = strings.ToLower(vs[i])
			}
		}
		cs := q.CaseSensitive
		return func(s string) bool {
			if !cs {
				s = strings.ToLower(s)
			}
			for _, v := range vs {
				if !strings.Contains(s, v) {
					return false
				}
			}
			return true
		}, nil
	case "regex":
		re, err := regexp.Compile(q.Pattern)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "search query regex %q: %w", q.Pattern, err)
		}
		return re.MatchString, nil
	}
	return nil, base.Errorf(base.ClassInvalidInput, "unknown search query type %q", q.Type)
}

// exprRow adapts a Row to the expression evaluator's bindings.
type exprRow struct{ r Row }

// Value implements the row interface.
func (e exprRow) Value(name string) expr.Value { return expr.FromAny(e.r.Value(name)) }
