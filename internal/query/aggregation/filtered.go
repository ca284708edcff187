package aggregation

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/segment"
)

// The query-time wrapper and "any" aggregator kinds. They start at 64 so
// that new sketch kinds (numbered after Cardinality) cannot collide.
const (
	// Filtered is Druid's "filtered" aggregator (see FilteredFactory).
	Filtered Kind = 64 + iota
	// LongAny, DoubleAny, FloatAny and StringAny are the "any" aggregators
	// (see AnyFactory).
	LongAny
	DoubleAny
	FloatAny
	StringAny
	// Expression is Druid's "expression" aggregator (see ExpressionFactory).
	Expression
)

// FilteredFactory is the factory of a "filtered" aggregator: the inner
// aggregator folds only the rows that match the filter. Its output name is
// the spec's "name", or the inner aggregator's name when absent (Druid's
// rule); Inner is the inner aggregator renamed to that name, so its
// intermediate values, storage type, rollup and combining factory are the
// filtered aggregator's. A group that no row matched holds the inner
// aggregator's empty value (count: 0; sums, mins, maxes, first/last: null),
// as Druid's FilteredAggregator returns its delegate's initial value.
type FilteredFactory interface {
	Factory
	// Filter is the decoded filter (not normalised).
	Filter() filter.Filter
	// Inner is the wrapped aggregator, named Name().
	Inner() Factory
}

type filteredSpec struct {
	name     string
	filter   filter.Filter
	inner    Factory
	innerRaw json.RawMessage // the spec's "aggregator" as given
	nameSet  bool
	// fields are InputFields: the inner aggregator's, then the filter's
	// columns it does not already read.
	fields []string
	nIn    int
}

func (s *filteredSpec) Name() string                 { return s.name }
func (s *filteredSpec) Kind() Kind                   { return Filtered }
func (s *filteredSpec) TypeName() string             { return "filtered" }
func (s *filteredSpec) InputFields() []string        { return append([]string(nil), s.fields...) }
func (s *filteredSpec) StorageType() base.ColumnType { return s.inner.StorageType() }
func (s *filteredSpec) Filter() filter.Filter        { return s.filter }
func (s *filteredSpec) Inner() Factory               { return s.inner }

// Combining returns the inner aggregator's combining factory: stored
// states are combined without the filter, as in Druid.
func (s *filteredSpec) Combining() Factory { return s.inner.Combining() }

func (s *filteredSpec) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": "filtered", "filter": s.filter, "aggregator": s.innerRaw}
	if s.nameSet {
		m["name"] = s.name
	}
	return json.Marshal(m)
}

func decodeFiltered(name string, raw map[string]json.RawMessage, where string, lookups dimension.LookupFunc) (Factory, error) {
	for k := range raw {
		switch k {
		case "type", "name", "filter", "aggregator":
		default:
			return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown field %q", where, k)
		}
	}
	fr, ok := raw["filter"]
	if !ok || bytes.Equal(fr, []byte("null")) {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: filter is required", where)
	}
	f, err := filter.DecodeWith(fr, "filter", lookups)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if _, err := filter.Compile(f); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	ar, ok := raw["aggregator"]
	if !ok || bytes.Equal(ar, []byte("null")) {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: aggregator is required", where)
	}
	var inner map[string]json.RawMessage
	if err := json.Unmarshal(ar, &inner); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: aggregator must be a JSON object: %w", where, err)
	}
	if name != "" {
		// The inner aggregator takes the outer name.
		inner["name"], _ = json.Marshal(name)
	}
	b, err := json.Marshal(inner)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: aggregator: %w", where, err)
	}
	in, err := DecodeWith(b, lookups)
	if err != nil {
		return nil, fmt.Errorf("%s: aggregator: %w", where, err)
	}
	s := &filteredSpec{name: in.Name(), filter: f, inner: in, innerRaw: append(json.RawMessage(nil), ar...), nameSet: name != ""}
	s.fields = in.InputFields()
	s.nIn = len(s.fields)
	for _, c := range filter.RequiredColumns(f) {
		if !containsString(s.fields, c) {
			s.fields = append(s.fields, c)
		}
	}
	return s, nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// NewRollup returns the inner aggregator's rollup fed only the rows that
// match the filter; a rolled-up row none of whose input rows matched
// stores the inner aggregator's empty state.
func (s *filteredSpec) NewRollup() Rollup {
	m, _ := filter.Compile(s.filter) // checked by Decode
	return &filteredRollup{spec: s, match: m, inner: s.inner.NewRollup()}
}

type filteredRollup struct {
	spec  *filteredSpec
	match filter.Matcher
	inner Rollup
	row   inputRow
}

// inputRow presents a rollup's input values as a filter row.
type inputRow struct {
	names []string
	in    []segment.Value
	t     int64
}

// Value implements filter.Row.
func (r *inputRow) Value(name string) any {
	if name == base.TimeColumn {
		return r.t
	}
	for i, n := range r.names {
		if n == name && i < len(r.in) {
			return ValueAny(r.in[i])
		}
	}
	return nil
}

// ValueAny converts a segment value to the query value model: nil, int64,
// float64, float32, string, []string or []byte.
func ValueAny(v segment.Value) any {
	switch v.Kind {
	case segment.KindLong:
		return v.Long
	case segment.KindDouble:
		return v.Double
	case segment.KindFloat:
		return float32(v.Double)
	case segment.KindString:
		return v.Str
	case segment.KindStrings:
		return v.Strs
	case segment.KindComplex:
		return v.Bytes
	}
	return nil
}

func (r *filteredRollup) matches(t int64, in []segment.Value) bool {
	r.row = inputRow{names: r.spec.fields, in: in, t: t}
	return filter.Matches(r.match, &r.row)
}

func (r *filteredRollup) Len() int { return r.inner.Len() }

func (r *filteredRollup) Add(t int64, in []segment.Value) {
	if r.matches(t, in) {
		r.inner.Add(t, in[:r.spec.nIn])
		return
	}
	// An empty state: every rollup takes a null stored value as "no
	// rows" (count stays 0, the others null), so this cannot fail.
	_ = r.inner.AddStored(segment.Value{})
}

func (r *filteredRollup) Aggregate(i int, t int64, in []segment.Value) {
	if r.matches(t, in) {
		r.inner.Aggregate(i, t, in[:r.spec.nIn])
	}
}

func (r *filteredRollup) AddStored(v segment.Value) error { return r.inner.AddStored(v) }
func (r *filteredRollup) CombineStored(i int, v segment.Value) error {
	return r.inner.CombineStored(i, v)
}
func (r *filteredRollup) Stored(i int) segment.Value { return r.inner.Stored(i) }
func (r *filteredRollup) EstimatedBytes() int64      { return r.inner.EstimatedBytes() }
