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

// DefaultMaxSizeBytes is the expression aggregator's default maxSizeBytes.
const DefaultMaxSizeBytes = 8192

// ExpressionFactory is the factory of Druid's "expression" aggregator: an
// accumulator (named AccumulatorIdentifier, default "__acc") starts at
// initialValue and each row folds into it with the fold expression, which
// sees the accumulator and the row's "fields"; partial results combine
// with the combine expression, which sees the accumulator (one partial) and
// the aggregator's name (the other) — when combine is absent and there is
// exactly one field, fold is used with that field bound to the other
// partial; finalize sees the value as "o".
//
// Intermediate values are the expression values in the query value model
// (nil, int64, float64, string, []any). A group that folded no row is nil
// when isNullUnlessAggregated (the default), else initialValue. With
// shouldAggregateNullInputs false, a row whose fields are all null is not
// folded. Merging treats a nil partial as "no rows" when
// isNullUnlessAggregated (it is skipped), and otherwise combines it unless
// shouldCombineAggregateNullInputs is false. A fold result whose string or
// array size exceeds maxSizeBytes is an error. The "compare" expression is
// validated and kept but not used: results order by the value itself.
//
// At ingestion (which Druid does not allow), states are stored as their
// JSON text in a COMPLEX<expressionLambda> column, and the combining
// factory folds stored states with the combine expression.
type ExpressionFactory interface {
	Factory
	// Empty is the value of a group that folded no row.
	Empty() any
	// Initial is initialValue's value.
	Initial() any
	// Fold folds one row into acc (Initial() for a group's first row);
	// in holds the values of InputFields, in order. It reports false
	// when the row is not folded (null inputs and
	// shouldAggregateNullInputs false).
	Fold(acc any, in []any) (any, bool, error)
	// Combine merges two partial values.
	Combine(a, b any) any
	// Finalize applies the finalize expression.
	Finalize(v any) any
	// NewFolder returns a Folder: Fold over expression values, for the
	// per-segment engine.
	NewFolder() *Folder
}

type exprSpec struct {
	name    string
	fields  []string
	acc     string
	texts   map[string]string // the expressions as given, by JSON key
	fold    *expr.Compiled
	combine *expr.Compiled
	// combineVar is the identifier bound to the other partial in
	// combine: the name, or the single field when combine is fold.
	combineVar  string
	finalize    *expr.Compiled
	init        any
	initCombine any
	nullUnless  bool
	aggNulls    bool
	combNulls   bool
	maxSize     int
	bools       map[string]bool // booleans given, for MarshalJSON
	// stored: the factory combines stored states (Combining()); its one
	// input holds JSON text.
	stored bool
}

func (s *exprSpec) Name() string          { return s.name }
func (s *exprSpec) Kind() Kind            { return Expression }
func (s *exprSpec) TypeName() string      { return "expression" }
func (s *exprSpec) InputFields() []string { return append([]string(nil), s.fields...) }
func (s *exprSpec) Initial() any          { return s.init }

// StorageType is COMPLEX<expressionLambda> (JSON text of the state).
func (s *exprSpec) StorageType() base.ColumnType { return base.ComplexType("expressionLambda") }

func (s *exprSpec) Empty() any {
	if s.nullUnless {
		return nil
	}
	return s.init
}

func (s *exprSpec) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": "expression", "name": s.name, "fields": s.fields, "accumulatorIdentifier": s.acc, "maxSizeBytes": s.maxSize}
	for k, v := range s.texts {
		m[k] = v
	}
	for k, v := range s.bools {
		m[k] = v
	}
	return json.Marshal(m)
}

func (s *exprSpec) Combining() Factory {
	c := *s
	c.fields = []string{s.name}
	c.stored = true
	c.init = s.initCombine
	return &c
}

func decodeExpression(name string, raw map[string]json.RawMessage, where string, lookups dimension.LookupFunc) (Factory, error) {
	if name == "" {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: missing name", where)
	}
	s := &exprSpec{name: name, acc: "__acc", texts: map[string]string{}, bools: map[string]bool{},
		nullUnless: true, aggNulls: true, maxSize: DefaultMaxSizeBytes}
	for k := range raw {
		switch k {
		case "type", "name", "fields", "accumulatorIdentifier", "fold", "combine", "compare", "finalize",
			"initialValue", "initialCombineValue", "isNullUnlessAggregated", "shouldAggregateNullInputs",
			"shouldCombineAggregateNullInputs", "maxSizeBytes":
		default:
			return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown field %q", where, k)
		}
	}
	if f, ok := raw["fields"]; ok && !bytes.Equal(f, []byte("null")) {
		if err := json.Unmarshal(f, &s.fields); err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: fields must be an array of strings, got %s", where, f)
		}
	}
	if err := field(raw, "accumulatorIdentifier", &s.acc); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if s.acc == "" {
		s.acc = "__acc"
	}
	for _, k := range []string{"fold", "combine", "compare", "finalize", "initialValue", "initialCombineValue"} {
		var t string
		if err := field(raw, k, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if t != "" {
			s.texts[k] = t
		}
	}
	for _, k := range []string{"isNullUnlessAggregated", "shouldAggregateNullInputs", "shouldCombineAggregateNullInputs"} {
		var b bool
		if v, ok := raw[k]; ok && !bytes.Equal(v, []byte("null")) {
			if err := json.Unmarshal(v, &b); err != nil {
				return nil, base.Errorf(base.ClassInvalidInput, "%s: %s must be a boolean, got %s", where, k, v)
			}
			s.bools[k] = b
		}
	}
	if b, ok := s.bools["isNullUnlessAggregated"]; ok {
		s.nullUnless = b
	}
	if b, ok := s.bools["shouldAggregateNullInputs"]; ok {
		s.aggNulls = b
	}
	s.combNulls = s.aggNulls
	if b, ok := s.bools["shouldCombineAggregateNullInputs"]; ok {
		s.combNulls = b
	}
	if err := intField(raw, "maxSizeBytes", &s.maxSize); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if s.maxSize <= 0 {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: maxSizeBytes must be positive, got %d", where, s.maxSize)
	}
	for _, k := range []string{"fold", "initialValue"} {
		if s.texts[k] == "" {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: %s is required", where, k)
		}
	}
	compile := func(k string) (*expr.Compiled, error) {
		t, ok := s.texts[k]
		if !ok {
			return nil, nil
		}
		c, err := compileWith(t, lookups)
		if err != nil {
			return nil, base.Errorf(base.ClassOf(err), "%s: %s expression %q: %w", where, k, t, err)
		}
		return c, nil
	}
	var err error
	if s.fold, err = compile("fold"); err != nil {
		return nil, err
	}
	if s.combine, err = compile("combine"); err != nil {
		return nil, err
	}
	if s.combine == nil {
		if len(s.fields) != 1 {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: combine is required unless there is exactly one field", where)
		}
		s.combine, s.combineVar = s.fold, s.fields[0]
	} else {
		s.combineVar = s.name
	}
	if _, err = compile("compare"); err != nil {
		return nil, err
	}
	if s.finalize, err = compile("finalize"); err != nil {
		return nil, err
	}
	for _, k := range []string{"initialValue", "initialCombineValue"} {
		c, err := compile(k)
		if err != nil {
			return nil, err
		}
		if c == nil {
			continue
		}
		v, err := c.EvalRow(expr.MapBindings{})
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: %s %q: %w", where, k, s.texts[k], err)
		}
		if k == "initialValue" {
			s.init = v.Any()
		} else {
			s.initCombine = v.Any()
		}
	}
	if _, ok := s.texts["initialCombineValue"]; !ok {
		s.initCombine = s.init
	}
	return s, nil
}

func (s *exprSpec) Fold(acc any, in []any) (any, bool, error) {
	if s.stored {
		var v any
		if len(in) > 0 {
			v = decodeStoredExpr(in[0])
		}
		if v == nil && !s.combNulls {
			return acc, false, nil
		}
		return s.combine2(acc, v), true, nil
	}
	row := valueRow{acc: s.acc, accV: expr.FromAny(acc), fields: s.fields, in: make([]expr.Value, len(in))}
	for i, x := range in {
		row.in[i] = expr.FromAny(x)
	}
	v, ok, err := s.foldValue(&row)
	if !ok || err != nil {
		return acc, false, err
	}
	return v.Any(), true, nil
}

// foldValue runs the fold expression on row (accumulator and inputs set).
func (s *exprSpec) foldValue(row *valueRow) (expr.Value, bool, error) {
	if !s.aggNulls {
		all := true
		for _, x := range row.in {
			all = all && x.Null
		}
		if all {
			return row.accV, false, nil
		}
	}
	out, err := s.fold.EvalRow(row)
	if err != nil {
		return expr.Value{}, false, base.Errorf(base.ClassInvalidInput, "aggregator %q: fold %q: %w", s.name, s.texts["fold"], err)
	}
	if n := sizeOfValue(out); n > s.maxSize {
		return expr.Value{}, false, base.Errorf(base.ClassInvalidInput, "aggregator %q: value of %d bytes exceeds maxSizeBytes %d", s.name, n, s.maxSize)
	}
	return out, true, nil
}

// valueRow binds the accumulator and the fields for the fold expression.
type valueRow struct {
	acc    string
	accV   expr.Value
	fields []string
	in     []expr.Value
}

func (r *valueRow) Value(name string) expr.Value {
	if name == r.acc {
		return r.accV
	}
	for i, f := range r.fields {
		if f == name {
			return r.in[i]
		}
	}
	return expr.Value{Null: true}
}

// sizeOfValue is sizeOf for an expression value.
func sizeOfValue(v expr.Value) int {
	switch {
	case v.Null:
		return 8
	case v.Type.Kind == base.KindString:
		return len(v.S)
	case v.Type.Kind == base.KindArray:
		n := 0
		for _, e := range v.Arr {
			n += sizeOfValue(e)
		}
		return n
	}
	return 8
}

// Folder folds rows into expression-value accumulators without boxing,
// reusing its bindings; it gives the results Fold gives. A Folder is used
// by one goroutine.
type Folder struct {
	s    *exprSpec
	init expr.Value
	row  valueRow
	anys []any
}

func (s *exprSpec) NewFolder() *Folder {
	return &Folder{s: s, init: expr.FromAny(s.init), row: valueRow{acc: s.acc, fields: s.fields}}
}

// Initial is initialValue's value.
func (f *Folder) Initial() expr.Value { return f.init }

// Fold folds one row (in: the values of InputFields, in order) into acc;
// like ExpressionFactory.Fold, it reports false when the row is not
// folded. in is not retained.
func (f *Folder) Fold(acc expr.Value, in []expr.Value) (expr.Value, bool, error) {
	if f.s.stored {
		f.anys = f.anys[:0]
		for _, x := range in {
			f.anys = append(f.anys, x.Any())
		}
		v, ok, err := f.s.Fold(acc.Any(), f.anys)
		return expr.FromAny(v), ok, err
	}
	f.row.accV, f.row.in = acc, in
	return f.s.foldValue(&f.row)
}

// decodeStoredExpr reads a stored state (JSON text bytes or a string).
func decodeStoredExpr(x any) any {
	var b []byte
	switch v := x.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return x
	}
	var out any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if d.Decode(&out) != nil {
		return nil
	}
	return fromJSON(out)
}

func fromJSON(x any) any {
	switch v := x.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case []any:
		for i, e := range v {
			v[i] = fromJSON(e)
		}
	}
	return x
}

// sizeOf estimates a value's size for maxSizeBytes: string bytes, array
// elements summed, 8 for numbers.
func sizeOf(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []any:
		n := 0
		for _, e := range x {
			n += sizeOf(e)
		}
		return n
	}
	return 8
}

func (s *exprSpec) combine2(a, b any) any {
	r := &valueRow{acc: s.acc, accV: expr.FromAny(a), fields: []string{s.combineVar}, in: []expr.Value{expr.FromAny(b)}}
	out, err := s.combine.EvalRow(r)
	if err != nil {
		return nil
	}
	return out.Any()
}

// Combine implements ExpressionFactory; a combine expression that fails
// yields null.
func (s *exprSpec) Combine(a, b any) any {
	switch {
	case a == nil && s.nullUnless:
		return b
	case b == nil && (s.nullUnless || !s.combNulls):
		return a
	}
	return s.combine2(a, b)
}

func (s *exprSpec) Finalize(v any) any {
	if s.finalize == nil {
		return v
	}
	out, err := s.finalize.EvalRow(expr.MapBindings{"o": expr.FromAny(v)})
	if err != nil {
		return nil
	}
	return out.Any()
}

// NewRollup folds rows as at query time; states are stored as JSON text.
func (s *exprSpec) NewRollup() Rollup { return &exprRollup{spec: s} }

type exprRollup struct {
	spec  *exprSpec
	vals  []any
	seen  []bool
	in    []any
	err   error
	bytes int64
}

func (r *exprRollup) Len() int { return len(r.vals) }

func (r *exprRollup) Add(t int64, in []segment.Value) {
	r.vals, r.seen = append(r.vals, nil), append(r.seen, false)
	r.Aggregate(len(r.vals)-1, t, in)
}

func (r *exprRollup) Aggregate(i int, _ int64, in []segment.Value) {
	r.in = r.in[:0]
	for _, v := range in {
		r.in = append(r.in, ValueAny(v))
	}
	r.fold(i)
}

func (r *exprRollup) fold(i int) {
	acc := r.vals[i]
	if !r.seen[i] {
		acc = r.spec.init
	}
	v, ok, err := r.spec.Fold(acc, r.in)
	if err != nil {
		// The row is dropped; the error is reported by the next
		// AddStored/CombineStored, the only calls that can fail.
		if r.err == nil {
			r.err = err
		}
		return
	}
	if ok {
		r.set(i, v)
	}
}

func (r *exprRollup) AddStored(v segment.Value) error {
	r.vals, r.seen = append(r.vals, nil), append(r.seen, false)
	return r.CombineStored(len(r.vals)-1, v)
}

func (r *exprRollup) CombineStored(i int, v segment.Value) error {
	if r.err != nil {
		return r.err
	}
	if v.IsNull() {
		return nil
	}
	x := decodeStoredExpr(ValueAny(v))
	if !r.seen[i] {
		r.set(i, x)
		return nil
	}
	r.set(i, r.spec.Combine(r.vals[i], x))
	return nil
}

func (r *exprRollup) Stored(i int) segment.Value {
	if !r.seen[i] {
		if r.spec.nullUnless {
			return segment.Value{}
		}
		r.vals[i] = r.spec.init
	}
	b, err := json.Marshal(r.vals[i])
	if err != nil {
		return segment.Value{}
	}
	return segment.ComplexValue(b)
}

// EstimatedBytes counts 24 bytes a state plus the last size seen of each
// (kept current as states change, so the call is O(1)).
func (r *exprRollup) EstimatedBytes() int64 {
	return int64(cap(r.vals))*24 + int64(cap(r.seen)) + r.bytes
}

// set replaces state i's value, keeping the size total current.
func (r *exprRollup) set(i int, v any) {
	r.bytes += int64(sizeOf(v) - sizeOf(r.vals[i]))
	r.vals[i], r.seen[i] = v, true
}
