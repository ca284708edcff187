package query

import (
	"encoding/json"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
	"github.com/dryaddb/dryad/internal/query/value"
)

// Having is a groupBy having spec: *HavingCompare, *HavingDimSelector,
// *HavingFilter, *HavingAnd, *HavingOr, *HavingNot or *HavingConst.
type Having interface {
	// Type is the Druid type name.
	Type() string
}

// HavingCompare is greaterThan, lessThan or equalTo on an aggregator or
// post-aggregator output.
type HavingCompare struct {
	Op          string // "greaterThan", "lessThan" or "equalTo"
	Aggregation string
	Value       any // int64 or float64
}

// HavingDimSelector matches rows whose dimension equals Value.
type HavingDimSelector struct {
	Dimension    string
	Value        *string
	ExtractionFn *dimension.ExtractionFn
}

// HavingFilter applies a filter to result rows.
type HavingFilter struct{ Filter filter.Filter }

// HavingAnd matches when all specs match.
type HavingAnd struct{ Specs []Having }

// HavingOr matches when any spec matches.
type HavingOr struct{ Specs []Having }

// HavingNot negates a spec.
type HavingNot struct{ Spec Having }

// HavingConst is "always" (true) or "never" (false).
type HavingConst struct{ Value bool }

// Type implements the interface: the Druid type name.
func (h *HavingCompare) Type() string { return h.Op }

// Type implements the interface: the Druid type name.
func (*HavingDimSelector) Type() string { return "dimSelector" }

// Type implements the interface: the Druid type name.
func (*HavingFilter) Type() string { return "filter" }

// Type implements the interface: the Druid type name.
func (*HavingAnd) Type() string { return "and" }

// Type implements the interface: the Druid type name.
func (*HavingOr) Type() string { return "or" }

// Type implements the interface: the Druid type name.
func (*HavingNot) Type() string { return "not" }

// Type implements the interface: the Druid type name.
func (h *HavingConst) Type() string {
	if h.Value {
		return "always"
	}
	return "never"
}

func decodeHaving(raw json.RawMessage, path string, depth int) (Having, error) {
	return decodeHavingWith(raw, path, depth, nil)
}

// decodeHavingWith is decodeHaving resolving registered lookups through lk.
func decodeHavingWith(raw json.RawMessage, path string, depth int, lk dimension.LookupFunc) (Having, error) {
	if depth > 100 {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: having nesting is too deep", path)
	}
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return nil, err
	}
	typ := o.String("type")
	if o.Err() != nil {
		return nil, o.Err()
	}
	switch typ {
	case "greaterThan", "lessThan", "equalTo":
		h := &HavingCompare{Op: typ, Aggregation: o.String("aggregation")}
		if o.Err() == nil && !o.Has("value") {
			o.Failf("value", "required field is missing")
		}
		if o.Err() == nil {
			v, err := jsonspec.Scalar(o.Raw("value"))
			if s, ok := v.(string); ok && err == nil {
				if f, ok := value.ParseNumber(s); ok {
					v = f
				}
			}
			switch v.(type) {
			case int64, float64:
				h.Value = v
			default:
				o.Failf("value", "expected a number, got %s", jsonspec.Kind(o.Raw("value")))
			}
		}
		return h, o.Err()
	case "dimSelector":
		h := &HavingDimSelector{Dimension: o.String("dimension")}
		if v, ok := o.OptString("value"); ok {
			h.Value = &v
		}
		if o.Err() == nil && o.Has("extractionFn") {
			fn, err := dimension.DecodeExtractionFnWith(o.Raw("extractionFn"), o.FieldPath("extractionFn"), lk)
			if err != nil {
				return nil, err
			}
			h.ExtractionFn = fn
		}
		return h, o.Err()
	case "filter":
		if o.Err() == nil && !o.Has("filter") {
			o.Failf("filter", "required field is missing")
		}
		if o.Err() != nil {
			return nil, o.Err()
		}
		f, err := filter.DecodeWith(o.Raw("filter"), o.FieldPath("filter"), lk)
		if err != nil {
			return nil, err
		}
		return &HavingFilter{Filter: f}, nil
	case "and", "or":
		a, ok := o.Array("havingSpecs")
		if o.Err() == nil && !ok {
			o.Failf("havingSpecs", "required field is missing")
		}
		if o.Err() != nil {
			return nil, o.Err()
		}
		specs := make([]Having, len(a))
		for i, e := range a {
			h, err := decodeHavingWith(e, jsonspec.Index(o.FieldPath("havingSpecs"), i), depth+1, lk)
			if err != nil {
				return nil, err
			}
			specs[i] = h
		}
		if typ == "and" {
			return &HavingAnd{Specs: specs}, nil
		}
		return &HavingOr{Specs: specs}, nil
	case "not":
		if o.Err() == nil && !o.Has("havingSpec") {
			o.Failf("havingSpec", "required field is missing")
		}
		if o.Err() != nil {
			return nil, o.Err()
		}
		h, err := decodeHavingWith(o.Raw("havingSpec"), o.FieldPath("havingSpec"), depth+1, lk)
		if err != nil {
			return nil, err
		}
		return &HavingNot{Spec: h}, nil
	case "always":
		return &HavingConst{Value: true}, nil
	case "never":
		return &HavingConst{Value: false}, nil
	}
	return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown having type %q: expected one of greaterThan, lessThan, equalTo, dimSelector, filter, and, or, not, always, never", path, typ)
}

// HavingMatcher evaluates a having spec on a result row (after
// post-aggregation, before finalization of the output columns is visible
// to the user).
type HavingMatcher func(r value.Row) bool

// CompileHaving builds the matcher for h; a nil spec matches every row.
// greaterThan/lessThan/equalTo compare numerically and never match a null
// or non-numeric value; dimSelector compares the value's string form.
func CompileHaving(h Having) (HavingMatcher, error) {
	switch h := h.(type) {
	case nil:
		return func(value.Row) bool { return true }, nil
	case *HavingConst:
		v := h.Value
		return func(value.Row) bool { return v }, nil
	case *HavingCompare:
		name, op := h.Aggregation, h.Op
		target := h.Value
		return func(r value.Row) bool {
			v := r.Value(name)
			switch v.(type) {
			case int64, float64, float32:
			default:
				return false
			}
			c := compareNumbers(v, target)
			switch op {
			case "greaterThan":
				return c > 0
			case "lessThan":
				return c < 0
			}
			return c == 0
		}, nil
	case *HavingDimSelector:
		m, err := filter.Compile(&filter.Selector{Dimension: h.Dimension, Value: h.Value, ExtractionFn: h.ExtractionFn})
		if err != nil {
			return nil, err
		}
		return func(r value.Row) bool { return filter.Matches(m, r) }, nil
	case *HavingFilter:
		m, err := filter.Compile(h.Filter)
		if err != nil {
			return nil, err
		}
		return func(r value.Row) bool { return filter.Matches(m, r) }, nil
	case *HavingAnd:
		ms, err := compileHavings(h.Specs)
		if err != nil {
			return nil, err
		}
		return func(r value.Row) bool {
			for _, m := range ms {
				if !m(r) {
					return false
				}
			}
			return true
		}, nil
	case *HavingOr:
		ms, err := compileHavings(h.Specs)
		if err != nil {
			return nil, err
		}
		return func(r value.Row) bool {
			for _, m := range ms {
				if m(r) {
					return true
				}
			}
			return false
		}, nil
	case *HavingNot:
		m, err := CompileHaving(h.Spec)
		if err != nil {
			return nil, err
		}
		return func(r value.Row) bool { return !m(r) }, nil
	}
	return nil, base.Errorf(base.ClassInternal, "having type %T has no evaluator", h)
}

func compileHavings(hs []Having) ([]HavingMatcher, error) {
	out := make([]HavingMatcher, len(hs))
	for i, h := range hs {
		m, err := CompileHaving(h)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// compareNumbers compares two numbers exactly when both are longs.
func compareNumbers(a, b any) int {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	fa, _ := value.ToFloat64(a)
	fb, _ := value.ToFloat64(b)
	return value.CompareFloat(fa, fb)
}

// havingNames lists the output names a having spec reads.
func havingNames(h Having, dst []string) []string {
	switch h := h.(type) {
	case *HavingCompare:
		dst = append(dst, h.Aggregation)
	case *HavingDimSelector:
		dst = append(dst, h.Dimension)
	case *HavingFilter:
		dst = append(dst, filter.RequiredColumns(h.Filter)...)
	case *HavingAnd:
		for _, s := range h.Specs {
			dst = havingNames(s, dst)
		}
	case *HavingOr:
		for _, s := range h.Specs {
			dst = havingNames(s, dst)
		}
	case *HavingNot:
		dst = havingNames(h.Spec, dst)
	}
	return dst
}
