package aggregation

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/segment"
)

// Kind is an aggregator type.
type Kind uint8

// The aggregator kinds.
const (
	Count Kind = iota + 1
	LongSum
	DoubleSum
	FloatSum
	LongMin
	LongMax
	DoubleMin
	DoubleMax
	FloatMin
	FloatMax
	LongFirst
	LongLast
	DoubleFirst
	DoubleLast
	FloatFirst
	FloatLast
	StringFirst
	StringLast
)

// DefaultMaxStringBytes is stringFirst/stringLast's default maxStringBytes.
const DefaultMaxStringBytes = 1024

type kindInfo struct {
	name string
	// value is the kind of value aggregated (KindLong, KindDouble, KindFloat or KindString).
	value segment.ValueKind
	op    op
}

type op uint8

const (
	opCount op = iota
	opSum
	opMin
	opMax
	opFirst
	opLast
)

func infoOf(k Kind) kindInfo {
	switch k {
	case Count:
		return kindInfo{"count", segment.KindLong, opCount}
	case LongSum:
		return kindInfo{"longSum", segment.KindLong, opSum}
	case DoubleSum:
		return kindInfo{"doubleSum", segment.KindDouble, opSum}
	case FloatSum:
		return kindInfo{"floatSum", segment.KindFloat, opSum}
	case LongMin:
		return kindInfo{"longMin", segment.KindLong, opMin}
	case LongMax:
		return kindInfo{"longMax", segment.KindLong, opMax}
	case DoubleMin:
		return kindInfo{"doubleMin", segment.KindDouble, opMin}
	case DoubleMax:
		return kindInfo{"doubleMax", segment.KindDouble, opMax}
	case FloatMin:
		return kindInfo{"floatMin", segment.KindFloat, opMin}
	case FloatMax:
		return kindInfo{"floatMax", segment.KindFloat, opMax}
	case LongFirst:
		return kindInfo{"longFirst", segment.KindLong, opFirst}
	case LongLast:
		return kindInfo{"longLast", segment.KindLong, opLast}
	case DoubleFirst:
		return kindInfo{"doubleFirst", segment.KindDouble, opFirst}
	case DoubleLast:
		return kindInfo{"doubleLast", segment.KindDouble, opLast}
	case FloatFirst:
		return kindInfo{"floatFirst", segment.KindFloat, opFirst}
	case FloatLast:
		return kindInfo{"floatLast", segment.KindFloat, opLast}
	case StringFirst:
		return kindInfo{"stringFirst", segment.KindString, opFirst}
	case StringLast:
		return kindInfo{"stringLast", segment.KindString, opLast}
	}
	return kindInfo{}
}

func kindByName(name string) (Kind, bool) {
	for k := Count; k <= StringLast; k++ {
		if infoOf(k).name == name {
			return k, true
		}
	}
	return 0, false
}

// knownUnsupported lists Druid aggregator types dryad does not implement yet.
func knownUnsupported(name string) bool {
	switch name {
	case "doubleMean", "grouping", "javascript", "approxHistogram", "approxHistogramFold",
		"fixedBucketsHistogram", "tDigestSketch", "momentSketch", "momentSketchMerge",
		"arrayOfDoublesSketch", "bloom", "variance", "stddev":
		return true
	}
	return false
}

// Factory is a decoded aggregator spec. Factories are immutable and safe for
// concurrent use.
type Factory interface {
	// Name is the output (and stored column) name.
	Name() string
	// Kind is the aggregator type.
	Kind() Kind
	// TypeName is the Druid type name, e.g. "longSum".
	TypeName() string
	// InputFields names the input columns Aggregate reads, in order: the
	// fieldName (none for count), then timeColumn when it is not __time.
	InputFields() []string
	// StorageType is the type of the column the aggregator's state is stored
	// in: LONG, FLOAT, DOUBLE, or COMPLEX<serializablePair…> for first/last.
	StorageType() base.ColumnType
	// Combining returns the factory that combines stored states of this
	// aggregator, reading the column named Name(): count becomes longSum;
	// the others keep their type with fieldName = Name().
	Combining() Factory
	// NewRollup returns an empty state store for ingestion-time rollup.
	NewRollup() Rollup
	// MarshalJSON writes the canonical Druid JSON spec.
	MarshalJSON() ([]byte, error)
}

type spec struct {
	kind           Kind
	name           string
	fieldName      string
	expression     string         // sum/min/max: an expression read instead of fieldName
	exprComp       *expr.Compiled // expression bound with the decode's lookups
	exprInputs     []string
	timeColumn     string
	maxStringBytes int
}

func (s *spec) Name() string     { return s.name }
func (s *spec) Kind() Kind       { return s.kind }
func (s *spec) TypeName() string { return infoOf(s.kind).name }

func (s *spec) InputFields() []string {
	var f []string
	if s.expression != "" {
		return append(f, s.exprInputs...)
	}
	if s.kind != Count {
		f = append(f, s.fieldName)
	}
	if s.timeColumn != "" && s.timeColumn != base.TimeColumn {
		f = append(f, s.timeColumn)
	}
	return f
}

func (s *spec) StorageType() base.ColumnType {
	inf := infoOf(s.kind)
	if inf.op == opFirst || inf.op == opLast {
		return base.ComplexType(pairTypeName(inf.value))
	}
	switch inf.value {
	case segment.KindDouble:
		return base.TypeDouble
	case segment.KindFloat:
		return base.TypeFloat
	}
	return base.TypeLong
}

// pairTypeName is the complex type name Druid uses for first/last states.
func pairTypeName(v segment.ValueKind) string {
	switch v {
	case segment.KindDouble:
		return "serializablePairLongDouble"
	case segment.KindFloat:
		return "serializablePairLongFloat"
	case segment.KindString:
		return "serializablePairLongString"
	}
	return "serializablePairLongLong"
}

func (s *spec) Combining() Factory {
	c := *s
	c.fieldName = s.name
	c.expression, c.exprComp, c.exprInputs = "", nil, nil
	c.timeColumn = ""
	if s.kind == Count {
		c.kind = LongSum
	}
	return &c
}

type specJSON struct {
	Type           string `json:"type"`
	Name           string `json:"name"`
	FieldName      string `json:"fieldName,omitempty"`
	Expression     string `json:"expression,omitempty"`
	TimeColumn     string `json:"timeColumn,omitempty"`
	MaxStringBytes int    `json:"maxStringBytes,omitempty"`
}

func (s *spec) MarshalJSON() ([]byte, error) {
	j := specJSON{Type: s.TypeName(), Name: s.name, FieldName: s.fieldName, Expression: s.expression, TimeColumn: s.timeColumn}
	if s.kind == StringFirst || s.kind == StringLast {
		j.MaxStringBytes = s.maxStringBytes
	}
	return json.Marshal(j)
}

// New returns a factory for kind with the given name and input field (empty
// for count), using defaults for the other properties.
func New(kind Kind, name, fieldName string) (Factory, error) {
	b, err := json.Marshal(specJSON{Type: infoOf(kind).name, Name: name, FieldName: fieldName})
	if err != nil {
		return nil, err
	}
	return Decode(b)
}

// Decode decodes one aggregator spec strictly: unknown fields, fields of the
// wrong type and missing required fields are ClassInvalidInput errors naming
// the aggregator; Druid aggregators dryad lacks are ClassUnsupported.
//
// Decode knows no query-time lookups: a filtered aggregator's filter or an
// expression naming one is ClassInvalidInput. Ingestion specs (metricsSpec)
// and stored segment metadata use it; queries use DecodeWith.
func Decode(b []byte) (Factory, error) {
	return DecodeWith(b, nil)
}

// DecodeWith is Decode resolving query-time lookups through lookups: in a
// filtered aggregator's filter (registeredLookup extraction functions,
// lookup() in expression filters) and in the expressions of expression
// aggregators and of sum/min/max aggregators. The factory keeps what it
// resolved (expressions are bound once, here; a filter keeps lookups as
// filter.DecodeWith does), so its rollups, its combining factory and the
// engines use the same lookups. A nil lookups knows none.
func DecodeWith(b []byte, lookups dimension.LookupFunc) (Factory, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "aggregator spec must be a JSON object: %w", err)
	}
	var typ, name string
	if err := field(raw, "type", &typ); err != nil {
		return nil, err
	}
	if err := field(raw, "name", &name); err != nil {
		return nil, err
	}
	where := fmt.Sprintf("aggregator %q (type %q)", name, typ)
	if typ == "" {
		return nil, base.Errorf(base.ClassInvalidInput, "aggregator %q: missing type", name)
	}
	if sk, ok := sketchKindByName(typ); ok {
		return decodeSketch(sk, name, raw, where)
	}
	if f, ok, err := decodeQueryTime(typ, name, raw, where, lookups); ok {
		return f, err
	}
	kind, ok := kindByName(typ)
	if !ok {
		if knownUnsupported(typ) {
			return nil, base.Errorf(base.ClassUnsupported, "%s: aggregator type %q is not supported yet", where, typ)
		}
		return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown aggregator type %q", where, typ)
	}
	if name == "" {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: missing name", where)
	}
	s := &spec{kind: kind, name: name}
	inf := infoOf(kind)
	allowed := map[string]bool{"type": true, "name": true}
	if kind != Count {
		allowed["fieldName"] = true
	}
	if inf.op == opSum || inf.op == opMin || inf.op == opMax {
		allowed["expression"] = true
	}
	if inf.op == opFirst || inf.op == opLast {
		allowed["timeColumn"] = true
	}
	if inf.value == segment.KindString {
		allowed["maxStringBytes"] = true
	}
	for k := range raw {
		if !allowed[k] {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown field %q", where, k)
		}
	}
	if err := field(raw, "fieldName", &s.fieldName); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if err := decodeInputExpression(s, raw, where, lookups); err != nil {
		return nil, err
	}
	if kind != Count && s.fieldName == "" && s.expression == "" {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: fieldName or expression is required", where)
	}
	if err := field(raw, "timeColumn", &s.timeColumn); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if inf.value == segment.KindString {
		s.maxStringBytes = DefaultMaxStringBytes
		if m, ok := raw["maxStringBytes"]; ok && !bytes.Equal(m, []byte("null")) {
			if err := json.Unmarshal(m, &s.maxStringBytes); err != nil || s.maxStringBytes <= 0 {
				return nil, base.Errorf(base.ClassInvalidInput, "%s: maxStringBytes must be a positive integer, got %s", where, m)
			}
		}
	}
	return s, nil
}

// field decodes raw[key] (if present and not null) into a string.
func field(raw map[string]json.RawMessage, key string, dst *string) error {
	v, ok := raw[key]
	if !ok || bytes.Equal(v, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return base.Errorf(base.ClassInvalidInput, "field %q must be a string, got %s", key, v)
	}
	return nil
}

// DecodeList decodes a JSON array of aggregator specs (a metricsSpec or a
// query's aggregations), rejecting duplicate names. Like Decode, it knows
// no lookups.
func DecodeList(b []byte) ([]Factory, error) {
	return DecodeListWith(b, nil)
}

// DecodeListWith is DecodeList resolving query-time lookups through
// lookups, as DecodeWith.
func DecodeListWith(b []byte, lookups dimension.LookupFunc) ([]Factory, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "aggregators must be a JSON array: %w", err)
	}
	out := make([]Factory, 0, len(raws))
	seen := map[string]bool{}
	for i, r := range raws {
		f, err := DecodeWith(r, lookups)
		if err != nil {
			return nil, fmt.Errorf("aggregator %d: %w", i, err)
		}
		if seen[f.Name()] {
			return nil, base.Errorf(base.ClassInvalidInput, "aggregator %d: duplicate output name %q", i, f.Name())
		}
		seen[f.Name()] = true
		out = append(out, f)
	}
	return out, nil
}
