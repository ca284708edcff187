package aggregation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

// AnyFactory is the factory of longAny, doubleAny, floatAny and stringAny.
// dryad's "any" value is deterministic: the first non-null value in
// segment row order (null only when every row is null), and merging keeps
// the first non-null partial. Druid promises only "any value, possibly
// null", so this is one of its allowed answers. Intermediate values are
// nil, int64 (longAny), float64 (doubleAny), float32 (floatAny) or string
// (stringAny, truncated to MaxStringBytes bytes at a character boundary).
type AnyFactory interface {
	Factory
	// MaxStringBytes is stringAny's maxStringBytes (0 for the others).
	MaxStringBytes() int
	// AggregateMultipleValues is stringAny's aggregateMultipleValues
	// (default true): a multi-value row yields its values rendered as
	// Java's List.toString ("[a, b]"); when false, its first value.
	AggregateMultipleValues() bool
}

type anySpec struct {
	kind      Kind
	name      string
	fieldName string
	maxBytes  int
	multi     bool
	multiSet  bool
}

func anyKindByName(name string) (Kind, bool) {
	switch name {
	case "longAny":
		return LongAny, true
	case "doubleAny":
		return DoubleAny, true
	case "floatAny":
		return FloatAny, true
	case "stringAny":
		return StringAny, true
	}
	return 0, false
}

func (s *anySpec) Name() string                  { return s.name }
func (s *anySpec) Kind() Kind                    { return s.kind }
func (s *anySpec) InputFields() []string         { return []string{s.fieldName} }
func (s *anySpec) MaxStringBytes() int           { return s.maxBytes }
func (s *anySpec) AggregateMultipleValues() bool { return s.multi }

func (s *anySpec) TypeName() string {
	switch s.kind {
	case LongAny:
		return "longAny"
	case DoubleAny:
		return "doubleAny"
	case FloatAny:
		return "floatAny"
	}
	return "stringAny"
}

// StorageType is the value type. A STRING metric cannot be stored in a
// dryad segment, so stringAny is query-time only (as Druid documents for
// every "any" aggregator); the numeric ones can roll up.
func (s *anySpec) StorageType() base.ColumnType {
	switch s.kind {
	case LongAny:
		return base.TypeLong
	case DoubleAny:
		return base.TypeDouble
	case FloatAny:
		return base.TypeFloat
	}
	return base.TypeString
}

func (s *anySpec) Combining() Factory {
	c := *s
	c.fieldName = s.name
	return &c
}

func (s *anySpec) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": s.TypeName(), "name": s.name, "fieldName": s.fieldName}
	if s.kind == StringAny {
		m["maxStringBytes"] = s.maxBytes
		if s.multiSet {
			m["aggregateMultipleValues"] = s.multi
		}
	}
	return json.Marshal(m)
}

func decodeAny(kind Kind, name string, raw map[string]json.RawMessage, where string) (Factory, error) {
	if name == "" {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: missing name", where)
	}
	s := &anySpec{kind: kind, name: name, multi: true}
	for k := range raw {
		switch k {
		case "type", "name", "fieldName":
		case "maxStringBytes", "aggregateMultipleValues":
			if kind == StringAny {
				continue
			}
			fallthrough
		default:
			return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown field %q", where, k)
		}
	}
	if err := field(raw, "fieldName", &s.fieldName); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if s.fieldName == "" {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: fieldName is required", where)
	}
	if kind == StringAny {
		s.maxBytes = DefaultMaxStringBytes
		if m, ok := raw["maxStringBytes"]; ok && !bytes.Equal(m, []byte("null")) {
			if err := json.Unmarshal(m, &s.maxBytes); err != nil || s.maxBytes <= 0 {
				return nil, base.Errorf(base.ClassInvalidInput, "%s: maxStringBytes must be a positive integer, got %s", where, m)
			}
		}
		if m, ok := raw["aggregateMultipleValues"]; ok && !bytes.Equal(m, []byte("null")) {
			if err := json.Unmarshal(m, &s.multi); err != nil {
				return nil, base.Errorf(base.ClassInvalidInput, "%s: aggregateMultipleValues must be a boolean, got %s", where, m)
			}
			s.multiSet = true
		}
	}
	return s, nil
}

// AnyValue converts one input value (the query value model: nil, int64,
// float64, float32, string, []string, []any) to an "any" aggregator's
// intermediate value, nil when the input is null or does not convert.
func AnyValue(f AnyFactory, x any) any {
	switch f.Kind() {
	case LongAny:
		if n, ok := toLong(segmentOf(scalarOf(x))); ok {
			return n
		}
	case DoubleAny:
		if d, ok := toDouble(segmentOf(scalarOf(x))); ok {
			return d
		}
	case FloatAny:
		if d, ok := toDouble(segmentOf(scalarOf(x))); ok {
			return float32(d)
		}
	default:
		var s string
		switch v := x.(type) {
		case nil:
			return nil
		case []string:
			if len(v) == 0 {
				return nil
			}
			if len(v) == 1 || !f.AggregateMultipleValues() {
				s = v[0]
			} else {
				s = "[" + strings.Join(v, ", ") + "]"
			}
		case []any:
			ss := make([]string, 0, len(v))
			for _, e := range v {
				if str, ok := toString(segmentOf(e)); ok {
					ss = append(ss, str)
				} else {
					ss = append(ss, "null")
				}
			}
			return AnyValue(f, ss)
		default:
			str, ok := toString(segmentOf(x))
			if !ok {
				return nil
			}
			s = str
		}
		return chop(s, f.MaxStringBytes())
	}
	return nil
}

// scalarOf reduces a single-element list to its element; longer lists
// are null for numeric "any" aggregators.
func scalarOf(x any) any {
	switch v := x.(type) {
	case []string:
		if len(v) == 1 {
			return v[0]
		}
		return nil
	case []any:
		if len(v) == 1 {
			return v[0]
		}
		return nil
	}
	return x
}

// segmentOf converts a value of the query value model to a segment value.
func segmentOf(x any) segment.Value {
	switch v := x.(type) {
	case int64:
		return segment.LongValue(v)
	case int:
		return segment.LongValue(int64(v))
	case float64:
		return segment.DoubleValue(v)
	case float32:
		return segment.FloatValue(v)
	case string:
		return segment.StringValue(v)
	case []string:
		return segment.StringsValue(v)
	case bool:
		if v {
			return segment.LongValue(1)
		}
		return segment.LongValue(0)
	}
	return segment.Value{}
}

// NewRollup keeps each rolled-up row's first non-null input.
func (s *anySpec) NewRollup() Rollup { return &anyRollup{spec: s} }

type anyRollup struct {
	spec  *anySpec
	vals  []any
	bytes int64
}

func (r *anyRollup) Len() int { return len(r.vals) }

func (r *anyRollup) Add(t int64, in []segment.Value) {
	r.vals = append(r.vals, nil)
	r.Aggregate(len(r.vals)-1, t, in)
}

func (r *anyRollup) Aggregate(i int, _ int64, in []segment.Value) {
	if r.vals[i] != nil || len(in) == 0 {
		return
	}
	r.vals[i] = AnyValue(r.spec, ValueAny(in[0]))
	if s, ok := r.vals[i].(string); ok {
		r.bytes += int64(len(s))
	}
}

func (r *anyRollup) AddStored(v segment.Value) error {
	r.vals = append(r.vals, nil)
	return r.CombineStored(len(r.vals)-1, v)
}

func (r *anyRollup) CombineStored(i int, v segment.Value) error {
	switch v.Kind {
	case segment.KindNull, segment.KindLong, segment.KindDouble, segment.KindFloat, segment.KindString:
	default:
		return base.Errorf(base.ClassInvalidInput, "aggregator %q: stored value %s is not a %s", r.spec.name, v, r.spec.StorageType())
	}
	r.Aggregate(i, 0, []segment.Value{v})
	return nil
}

func (r *anyRollup) Stored(i int) segment.Value { return segmentOf(r.vals[i]) }

func (r *anyRollup) EstimatedBytes() int64 { return int64(cap(r.vals))*16 + r.bytes }
