package filter

import (
	"encoding/json"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/value"
)

// Filter is a node of a decoded filter tree. The concrete types below are
// the only implementations.
type Filter interface {
	// Type is the Druid type name, e.g. "selector".
	Type() string
	json.Marshaler
	columns(dst []string) []string
}

// Selector matches rows whose value, as a string, equals Value. A nil Value
// matches nulls.
type Selector struct {
	Dimension    string                  `json:"dimension"`
	Value        *string                 `json:"value"`
	ExtractionFn *dimension.ExtractionFn `json:"extractionFn,omitempty"`
}

// Equals matches rows equal to MatchValue compared in MatchValueType.
// MatchValue is a scalar (string, int64, float64, bool) or []any for an
// array type; never nil.
type Equals struct {
	Column         string          `json:"column"`
	MatchValueType base.ColumnType `json:"matchValueType"`
	MatchValue     any             `json:"matchValue"`
}

// In matches rows whose value is one of Values (nil entries match nulls).
type In struct {
	Dimension    string                  `json:"dimension"`
	Values       []*string               `json:"values"`
	ExtractionFn *dimension.ExtractionFn `json:"extractionFn,omitempty"`
}

// Bound matches values between Lower and Upper (either may be nil) in the
// given string ordering.
type Bound struct {
	Dimension    string                  `json:"dimension"`
	Lower        *string                 `json:"lower,omitempty"`
	Upper        *string                 `json:"upper,omitempty"`
	LowerStrict  bool                    `json:"lowerStrict"`
	UpperStrict  bool                    `json:"upperStrict"`
	Ordering     value.Ordering          `json:"ordering"`
	ExtractionFn *dimension.ExtractionFn `json:"extractionFn,omitempty"`
}

// Range matches values between Lower and Upper compared in MatchValueType.
// At least one bound is set; bounds are scalars as in Equals.
type Range struct {
	Column         string          `json:"column"`
	MatchValueType base.ColumnType `json:"matchValueType"`
	Lower          any             `json:"lower,omitempty"`
	Upper          any             `json:"upper,omitempty"`
	LowerOpen      bool            `json:"lowerOpen"`
	UpperOpen      bool            `json:"upperOpen"`
}

// Null matches null rows.
type Null struct {
	Column string `json:"column"`
}

// Like matches a SQL LIKE pattern (% and _), with an optional one-character
// escape.
type Like struct {
	Dimension    string                  `json:"dimension"`
	Pattern      string                  `json:"pattern"`
	Escape       string                  `json:"escape,omitempty"`
	ExtractionFn *dimension.ExtractionFn `json:"extractionFn,omitempty"`
}

// Regex matches values in which Pattern finds a match (unanchored).
type Regex struct {
	Dimension    string                  `json:"dimension"`
	Pattern      string                  `json:"pattern"`
	ExtractionFn *dimension.ExtractionFn `json:"extractionFn,omitempty"`
}

// Search matches values satisfying a search query spec.
type Search struct {
	Dimension    string                  `json:"dimension"`
	Query        SearchSpec              `json:"query"`
	ExtractionFn *dimension.ExtractionFn `json:"extractionFn,omitempty"`
}

// SearchSpec is a search query spec: "contains", "insensitive_contains",
// "fragment" or "regex".
type SearchSpec struct {
	Type          string   `json:"type"`
	Value         string   `json:"value,omitempty"`
	Values        []string `json:"values,omitempty"`
	Pattern       string   `json:"pattern,omitempty"`
	CaseSensitive bool     `json:"case_sensitive"`
}

// And matches when all Fields match.
type And struct {
	Fields []Filter `json:"fields"`
}

// Or matches when any of Fields matches.
type Or struct {
	Fields []Filter `json:"fields"`
}

// Not negates Field (Unknown stays Unknown).
type Not struct {
	Field Filter `json:"field"`
}

// Interval matches long values (epoch millis) inside any of Intervals.
type Interval struct {
	Dimension    string                  `json:"dimension"`
	Intervals    []base.Interval         `json:"intervals"`
	ExtractionFn *dimension.ExtractionFn `json:"extractionFn,omitempty"`
}

// Expression matches rows for which the expression is true (non-zero).
type Expression struct {
	Expression string `json:"expression"`
	// lookups binds the expression's lookup() calls (set by DecodeWith).
	lookups func(name string) (expr.Lookup, bool)
}

// compile parses and binds the expression with the filter's lookups.
func (f *Expression) compile() (*expr.Compiled, error) {
	e, err := expr.Parse(f.Expression)
	if err != nil {
		return nil, err
	}
	return expr.BindOptions(e, expr.Options{Lookups: f.lookups})
}

// True matches every row.
type True struct{}

// False matches no row.
type False struct{}

// ColumnComparison matches rows whose dimensions all hold the same value.
type ColumnComparison struct {
	Dimensions []dimension.Spec `json:"dimensions"`
}

// ArrayContainsElement matches array rows containing the element.
type ArrayContainsElement struct {
	Column                string          `json:"column"`
	ElementMatchValueType base.ColumnType `json:"elementMatchValueType"`
	ElementMatchValue     any             `json:"elementMatchValue"`
}

// Extraction is the deprecated extraction filter: a selector with an
// extraction function.
type Extraction struct {
	Dimension    string                  `json:"dimension"`
	Value        *string                 `json:"value"`
	ExtractionFn *dimension.ExtractionFn `json:"extractionFn"`
}

// Type implements the interface: the Druid type name.
func (*Selector) Type() string { return "selector" }

// Type implements the interface: the Druid type name.
func (*Equals) Type() string { return "equals" }

// Type implements the interface: the Druid type name.
func (*In) Type() string { return "in" }

// Type implements the interface: the Druid type name.
func (*Bound) Type() string { return "bound" }

// Type implements the interface: the Druid type name.
func (*Range) Type() string { return "range" }

// Type implements the interface: the Druid type name.
func (*Null) Type() string { return "null" }

// Type implements the interface: the Druid type name.
func (*Like) Type() string { return "like" }

// Type implements the interface: the Druid type name.
func (*Regex) Type() string { return "regex" }

// Type implements the interface: the Druid type name.
func (*Search) Type() string { return "search" }

// Type implements the interface: the Druid type name.
func (*And) Type() string { return "and" }

// Type implements the interface: the Druid type name.
func (*Or) Type() string { return "or" }

// Type implements the interface: the Druid type name.
func (*Not) Type() string { return "not" }

// Type implements the interface: the Druid type name.
func (*Interval) Type() string { return "interval" }

// Type implements the interface: the Druid type name.
func (*Expression) Type() string { return "expression" }

// Type implements the interface: the Druid type name.
func (*True) Type() string { return "true" }

// Type implements the interface: the Druid type name.
func (*False) Type() string { return "false" }

// Type implements the interface: the Druid type name.
func (*ColumnComparison) Type() string { return "columnComparison" }

// Type implements the interface: the Druid type name.
func (*ArrayContainsElement) Type() string { return "arrayContainsElement" }

// Type implements the interface: the Druid type name.
func (*Extraction) Type() string { return "extraction" }

// marshalTyped writes v's fields preceded by "type".
func marshalTyped(typ string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := append([]byte(`{"type":`), mustQuote(typ)...)
	if len(b) > 2 {
		out = append(out, ',')
		out = append(out, b[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

func mustQuote(s string) []byte { b, _ := json.Marshal(s); return b }

// MarshalJSON methods write Druid's JSON for each filter.
func (f *Selector) MarshalJSON() ([]byte, error) {
	type a Selector
	return marshalTyped(f.Type(), (*a)(f))
}

// MarshalJSON writes Druid's JSON.
func (f *Equals) MarshalJSON() ([]byte, error) { type a Equals; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *In) MarshalJSON() ([]byte, error) { type a In; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *Bound) MarshalJSON() ([]byte, error) { type a Bound; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *Range) MarshalJSON() ([]byte, error) { type a Range; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *Null) MarshalJSON() ([]byte, error) { type a Null; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *Like) MarshalJSON() ([]byte, error) { type a Like; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *Regex) MarshalJSON() ([]byte, error) { type a Regex; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *Search) MarshalJSON() ([]byte, error) { type a Search; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *And) MarshalJSON() ([]byte, error) { type a And; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *Or) MarshalJSON() ([]byte, error) { type a Or; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *Not) MarshalJSON() ([]byte, error) { type a Not; return marshalTyped(f.Type(), (*a)(f)) }

// MarshalJSON writes Druid's JSON.
func (f *Interval) MarshalJSON() ([]byte, error) {
	type a Interval
	return marshalTyped(f.Type(), (*a)(f))
}

// MarshalJSON writes Druid's JSON.
func (f *Expression) MarshalJSON() ([]byte, error) {
	type a Expression
	return marshalTyped(f.Type(), (*a)(f))
}

// MarshalJSON writes Druid's JSON.
func (f *True) MarshalJSON() ([]byte, error) { return []byte(`{"type":"true"}`), nil }

// MarshalJSON writes Druid's JSON.
func (f *False) MarshalJSON() ([]byte, error) { return []byte(`{"type":"false"}`), nil }

// MarshalJSON writes Druid's JSON.
func (f *ColumnComparison) MarshalJSON() ([]byte, error) {
	type a ColumnComparison
	return marshalTyped(f.Type(), (*a)(f))
}

// MarshalJSON writes Druid's JSON.
func (f *ArrayContainsElement) MarshalJSON() ([]byte, error) {
	type a ArrayContainsElement
	return marshalTyped(f.Type(), (*a)(f))
}

// MarshalJSON writes Druid's JSON.
func (f *Extraction) MarshalJSON() ([]byte, error) {
	type a Extraction
	return marshalTyped(f.Type(), (*a)(f))
}

func (f *Selector) columns(d []string) []string             { return append(d, f.Dimension) }
func (f *Equals) columns(d []string) []string               { return append(d, f.Column) }
func (f *In) columns(d []string) []string                   { return append(d, f.Dimension) }
func (f *Bound) columns(d []string) []string                { return append(d, f.Dimension) }
func (f *Range) columns(d []string) []string                { return append(d, f.Column) }
func (f *Null) columns(d []string) []string                 { return append(d, f.Column) }
func (f *Like) columns(d []string) []string                 { return append(d, f.Dimension) }
func (f *Regex) columns(d []string) []string                { return append(d, f.Dimension) }
func (f *Search) columns(d []string) []string               { return append(d, f.Dimension) }
func (f *Interval) columns(d []string) []string             { return append(d, f.Dimension) }
func (f *True) columns(d []string) []string                 { return d }
func (f *False) columns(d []string) []string                { return d }
func (f *ArrayContainsElement) columns(d []string) []string { return append(d, f.Column) }
func (f *Extraction) columns(d []string) []string           { return append(d, f.Dimension) }
func (f *Not) columns(d []string) []string                  { return f.Field.columns(d) }
func (f *And) columns(d []string) []string {
	for _, c := range f.Fields {
		d = c.columns(d)
	}
	return d
}
func (f *Or) columns(d []string) []string {
	for _, c := range f.Fields {
		d = c.columns(d)
	}
	return d
}
func (f *ColumnComparison) columns(d []string) []string {
	for _, s := range f.Dimensions {
		d = append(d, s.Dimension)
	}
	return d
}

// Expression filters read the identifiers of their expression.
func (f *Expression) columns(d []string) []string {
	if c, err := f.compile(); err == nil {
		d = append(d, c.RequiredColumns()...)
	}
	return d
}

// RequiredColumns lists the columns f reads, each once, in order of first
// appearance (expression filters contribute their identifiers).
func RequiredColumns(f Filter) []string {
	if f == nil {
		return nil
	}
	all := f.columns(nil)
	seen := make(map[string]bool, len(all))
	out := all[:0]
	for _, c := range all {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}
