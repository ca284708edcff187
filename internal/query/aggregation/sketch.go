package aggregation

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/datasketches-go/hll"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
	"github.com/dryaddb/dryad/internal/sketch"
	"github.com/dryaddb/dryad/internal/sketch/hyperunique"
	"github.com/dryaddb/dryad/internal/sketch/quantiles"
)

// The sketch and approximate aggregator kinds (see SketchFactory).
const (
	HLLSketchBuild Kind = StringLast + 1 + iota
	HLLSketchMerge
	ThetaSketch
	QuantilesDoublesSketch
	KllDoublesSketch
	HyperUnique
	Cardinality
)

func sketchKindByName(name string) (Kind, bool) {
	switch name {
	case "HLLSketchBuild":
		return HLLSketchBuild, true
	case "HLLSketchMerge":
		return HLLSketchMerge, true
	case "thetaSketch":
		return ThetaSketch, true
	case "quantilesDoublesSketch":
		return QuantilesDoublesSketch, true
	case "KllDoublesSketch":
		return KllDoublesSketch, true
	case "hyperUnique":
		return HyperUnique, true
	case "cardinality":
		return Cardinality, true
	}
	return 0, false
}

func sketchKindName(k Kind) string {
	switch k {
	case HLLSketchBuild:
		return "HLLSketchBuild"
	case HLLSketchMerge:
		return "HLLSketchMerge"
	case ThetaSketch:
		return "thetaSketch"
	case QuantilesDoublesSketch:
		return "quantilesDoublesSketch"
	case KllDoublesSketch:
		return "KllDoublesSketch"
	case HyperUnique:
		return "hyperUnique"
	case Cardinality:
		return "cardinality"
	}
	return ""
}

// SketchFactory is implemented by the factories of the sketch and
// approximate aggregators (HLLSketchBuild, HLLSketchMerge, thetaSketch,
// quantilesDoublesSketch, KllDoublesSketch, hyperUnique, cardinality),
// whose states are objects rather than numbers. Besides Factory it provides
// the query-time state store and the intermediate-value protocol that
// result merging uses (the methods of result.Aggregator).
//
// Intermediate values: nil (a state that saw nothing), *sketch.HLL,
// *sketch.Theta, *quantiles.Sketch, *sketch.KLL or *hyperunique.Collector;
// Combine also accepts a serialized sketch ([]byte) or its base64 text,
// which is how Druid writes an unfinalized sketch in JSON. Intermediate
// values marshal to JSON as that base64 text.
type SketchFactory interface {
	Factory
	// NewAggregator returns an empty query-time state store.
	NewAggregator() Aggregator
	// Empty is the intermediate value of a state that saw no rows (nil).
	Empty() any
	// Combine merges two intermediate values; the arguments are not
	// modified. When one is nil the other is returned (decoded if it is
	// bytes or text), as Druid's merge does; otherwise the result is a new
	// union. Values that are not sketches of the right family are ignored.
	Combine(a, b any) any
	// Finalize converts an intermediate value to the result value: the
	// estimate (float64, or int64 when round is set) for distinct-count
	// sketches, or {estimate, highBound, lowBound, numStdDev} for a theta
	// sketch with errorBoundsStdDev; N (int64) for quantile sketches. A
	// factory with shouldFinalize false returns v unchanged.
	Finalize(v any) any
	// Decode converts a stored or transported value (complex bytes or
	// base64 text) to an intermediate value.
	Decode(v any) (any, error)
}

// Aggregator is a query-time state store for one sketch aggregator over
// many groups, numbered densely from 0; a group's state is created empty
// the first time it is named. The per-segment engine calls, for each row
// and aggregator:
//
//	Aggregate(group, in)  with in = the row's values of InputFields, in order
//
// and, when the input column holds stored sketches (a COMPLEX column: the
// factory's fieldName is a rolled-up sketch metric), either Aggregate with
// the complex value (segment.ComplexValue) or Merge with its bytes. At the
// end of the segment, Get(group) is the group's intermediate value, to be
// put in the partial result rows. An Aggregator is not safe for concurrent
// use.
type Aggregator interface {
	// Aggregate folds one input row into group g.
	Aggregate(g int, in []segment.Value)
	// Merge folds a serialized sketch of the factory's family into g.
	Merge(g int, stored []byte) error
	// Get returns g's intermediate value (nil when g saw nothing). The
	// value is a snapshot: later calls do not change it.
	Get(g int) any
	// Len is the number of groups named so far.
	Len() int
	// Err returns the first input value that could not be used (a corrupt
	// sketch or malformed base64 text), which Aggregate skipped.
	Err() error
}

// InputValue is the segment.Value form of a query value (the value
// package's model: string, []string, int64, float64, float32, []byte for
// complex bytes, []any arrays, nil) as Aggregate takes it.
func InputValue(x any) segment.Value {
	switch v := x.(type) {
	case string:
		return segment.StringValue(v)
	case []string:
		return segment.StringsValue(v)
	case int64:
		return segment.LongValue(v)
	case float64:
		return segment.DoubleValue(v)
	case float32:
		return segment.FloatValue(v)
	case []byte:
		return segment.ComplexValue(v)
	case []any:
		out := make([]segment.Value, len(v))
		for i, e := range v {
			out[i] = InputValue(e)
		}
		return segment.ArrayValue(out)
	}
	return segment.Value{}
}

type sketchSpec struct {
	kind      Kind
	name      string
	fieldName string
	fields    []string // cardinality

	lgK     int
	hllType hll.TgtHllType
	enc     sketch.StringEncoding
	encSet  bool
	round   bool
	// finalize is Druid's shouldFinalize (HLL and theta; default true).
	finalize    bool
	finalizeSet bool

	size          int
	inputSketch   bool // isInputThetaSketch / isInputHyperUnique
	boundsStdDev  int  // 0 when unset
	k             int
	maxStreamLen  int64
	byRow         bool
	maxStreamSeen bool
}

func (s *sketchSpec) Name() string     { return s.name }
func (s *sketchSpec) Kind() Kind       { return s.kind }
func (s *sketchSpec) TypeName() string { return sketchKindName(s.kind) }

func (s *sketchSpec) InputFields() []string {
	if s.kind == Cardinality {
		return slices.Clone(s.fields)
	}
	return []string{s.fieldName}
}

// StorageType is COMPLEX<type name>, the names Druid gives these columns:
// HLLSketchBuild, HLLSketchMerge, thetaSketch, quantilesDoublesSketch,
// KllDoublesSketch, hyperUnique (also for cardinality).
func (s *sketchSpec) StorageType() base.ColumnType {
	if s.kind == Cardinality {
		return base.ComplexType("hyperUnique")
	}
	return base.ComplexType(sketchKindName(s.kind))
}

func (s *sketchSpec) Combining() Factory {
	c := *s
	c.fieldName = s.name
	c.fields = nil
	switch s.kind {
	case HLLSketchBuild:
		c.kind = HLLSketchMerge
	case Cardinality:
		c.kind = HyperUnique
		c.inputSketch = false
	}
	return &c
}

func (s *sketchSpec) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": s.TypeName(), "name": s.name}
	switch s.kind {
	case Cardinality:
		m["fields"] = s.fields
		m["byRow"] = s.byRow
		m["round"] = s.round
	default:
		m["fieldName"] = s.fieldName
	}
	switch s.kind {
	case HLLSketchBuild, HLLSketchMerge:
		m["lgK"] = s.lgK
		m["tgtHllType"] = sketch.HLLTypeName(s.hllType)
		m["round"] = s.round
		if s.encSet {
			m["stringEncoding"] = s.enc.String()
		}
		if !s.finalize {
			m["shouldFinalize"] = false
		}
	case ThetaSketch:
		m["size"] = s.size
		m["shouldFinalize"] = s.finalize
		m["isInputThetaSketch"] = s.inputSketch
		if s.boundsStdDev > 0 {
			m["errorBoundsStdDev"] = s.boundsStdDev
		} else {
			m["errorBoundsStdDev"] = nil
		}
	case QuantilesDoublesSketch, KllDoublesSketch:
		m["k"] = s.k
		if s.maxStreamSeen {
			m["maxStreamLength"] = s.maxStreamLen
		}
	case HyperUnique:
		m["isInputHyperUnique"] = s.inputSketch
		m["round"] = s.round
	}
	return json.Marshal(m)
}

// decodeSketch decodes the spec of a sketch aggregator; typ was
// recognised by sketchKindByName.
func decodeSketch(kind Kind, name string, raw map[string]json.RawMessage, where string) (Factory, error) {
	if name == "" {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: missing name", where)
	}
	s := &sketchSpec{kind: kind, name: name, finalize: true}
	allowed := map[string]bool{"type": true, "name": true}
	switch kind {
	case HLLSketchBuild, HLLSketchMerge:
		for _, f := range []string{"fieldName", "lgK", "tgtHllType", "round", "stringEncoding", "shouldFinalize"} {
			allowed[f] = true
		}
	case ThetaSketch:
		for _, f := range []string{"fieldName", "size", "shouldFinalize", "isInputThetaSketch", "errorBoundsStdDev"} {
			allowed[f] = true
		}
	case QuantilesDoublesSketch, KllDoublesSketch:
		for _, f := range []string{"fieldName", "k", "maxStreamLength"} {
			allowed[f] = true
		}
	case HyperUnique:
		for _, f := range []string{"fieldName", "isInputHyperUnique", "round"} {
			allowed[f] = true
		}
	case Cardinality:
		for _, f := range []string{"fields", "fieldNames", "byRow", "round"} {
			allowed[f] = true
		}
	}
	for k := range raw {
		if !allowed[k] {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown field %q", where, k)
		}
	}
	wrap := func(err error) error { return fmt.Errorf("%s: %w", where, err) }
	if kind != Cardinality {
		if err := field(raw, "fieldName", &s.fieldName); err != nil {
			return nil, wrap(err)
		}
		if s.fieldName == "" {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: fieldName is required", where)
		}
	}
	if err := boolField(raw, "round", &s.round); err != nil {
		return nil, wrap(err)
	}
	if _, ok := raw["shouldFinalize"]; ok {
		s.finalizeSet = true
	}
	if err := boolField(raw, "shouldFinalize", &s.finalize); err != nil {
		return nil, wrap(err)
	}
	switch kind {
	case HLLSketchBuild, HLLSketchMerge:
		s.lgK = sketch.DefaultHLLLgK
		if err := intField(raw, "lgK", &s.lgK); err != nil {
			return nil, wrap(err)
		}
		if err := sketch.CheckHLLLgK(s.lgK); err != nil {
			return nil, wrap(err)
		}
		var t, enc string
		if err := field(raw, "tgtHllType", &t); err != nil {
			return nil, wrap(err)
		}
		var err error
		if s.hllType, err = sketch.ParseHLLType(t); err != nil {
			return nil, wrap(err)
		}
		if err := field(raw, "stringEncoding", &enc); err != nil {
			return nil, wrap(err)
		}
		s.encSet = enc != ""
		if s.enc, err = sketch.ParseStringEncoding(enc); err != nil {
			return nil, wrap(err)
		}
	case ThetaSketch:
		s.size = sketch.DefaultThetaSize
		if err := intField(raw, "size", &s.size); err != nil {
			return nil, wrap(err)
		}
		if _, err := sketch.ThetaLgK(s.size); err != nil {
			return nil, wrap(err)
		}
		if err := boolField(raw, "isInputThetaSketch", &s.inputSketch); err != nil {
			return nil, wrap(err)
		}
		if err := intField(raw, "errorBoundsStdDev", &s.boundsStdDev); err != nil {
			return nil, wrap(err)
		}
		if s.boundsStdDev < 0 || s.boundsStdDev > 3 {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: errorBoundsStdDev %d must be 1, 2 or 3", where, s.boundsStdDev)
		}
	case QuantilesDoublesSketch, KllDoublesSketch:
		if kind == QuantilesDoublesSketch {
			s.k = quantiles.DefaultK
		} else {
			s.k = sketch.DefaultKLLK
		}
		if err := intField(raw, "k", &s.k); err != nil {
			return nil, wrap(err)
		}
		check := quantiles.CheckK
		if kind == KllDoublesSketch {
			check = sketch.CheckKLLK
		}
		if err := check(s.k); err != nil {
			return nil, wrap(err)
		}
		if v, ok := raw["maxStreamLength"]; ok && !bytes.Equal(v, []byte("null")) {
			if err := json.Unmarshal(v, &s.maxStreamLen); err != nil || s.maxStreamLen <= 0 {
				return nil, base.Errorf(base.ClassInvalidInput, "%s: maxStreamLength must be a positive integer, got %s", where, v)
			}
			s.maxStreamSeen = true
		}
	case HyperUnique:
		if err := boolField(raw, "isInputHyperUnique", &s.inputSketch); err != nil {
			return nil, wrap(err)
		}
	case Cardinality:
		key := "fields"
		if _, ok := raw["fields"]; !ok {
			key = "fieldNames"
		}
		fields, err := cardinalityFields(raw[key])
		if err != nil {
			return nil, wrap(err)
		}
		s.fields = fields
		if err := boolField(raw, "byRow", &s.byRow); err != nil {
			return nil, wrap(err)
		}
	}
	return s, nil
}

// cardinalityFields reads "fields": names or {"type":"default",
// "dimension":…} dimension specs (an outputName is accepted and ignored;
// extraction functions are unsupported).
func cardinalityFields(v json.RawMessage) ([]string, error) {
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return nil, base.Errorf(base.ClassInvalidInput, "fields is required")
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(v, &raws); err != nil || len(raws) == 0 {
		return nil, base.Errorf(base.ClassInvalidInput, "fields must be a non-empty array, got %s", v)
	}
	out := make([]string, 0, len(raws))
	for i, r := range raws {
		var name string
		if json.Unmarshal(r, &name) == nil {
			out = append(out, name)
			continue
		}
		var d struct {
			Type       string          `json:"type"`
			Dimension  string          `json:"dimension"`
			OutputName string          `json:"outputName"`
			OutputType string          `json:"outputType"`
			Extraction json.RawMessage `json:"extractionFn"`
		}
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "fields[%d]: %w", i, err)
		}
		if d.Type != "" && d.Type != "default" {
			return nil, base.Errorf(base.ClassUnsupported, "fields[%d]: dimension spec type %q is not supported by cardinality", i, d.Type)
		}
		if len(d.Extraction) > 0 && !bytes.Equal(d.Extraction, []byte("null")) {
			return nil, base.Errorf(base.ClassUnsupported, "fields[%d]: extractionFn is not supported by cardinality", i)
		}
		if d.Dimension == "" {
			return nil, base.Errorf(base.ClassInvalidInput, "fields[%d]: dimension is required", i)
		}
		out = append(out, d.Dimension)
	}
	return out, nil
}

func boolField(raw map[string]json.RawMessage, key string, dst *bool) error {
	v, ok := raw[key]
	if !ok || bytes.Equal(v, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return base.Errorf(base.ClassInvalidInput, "field %q must be a boolean, got %s", key, v)
	}
	return nil
}

func intField(raw map[string]json.RawMessage, key string, dst *int) error {
	v, ok := raw[key]
	if !ok || bytes.Equal(v, []byte("null")) {
		return nil
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		return base.Errorf(base.ClassInvalidInput, "field %q must be an integer, got %s", key, v)
	}
	*dst = int(f)
	return nil
}

// NewSketch returns a sketch aggregator factory with default parameters.
func NewSketch(kind Kind, name, fieldName string) (SketchFactory, error) {
	m := map[string]any{"type": sketchKindName(kind), "name": name}
	if kind == Cardinality {
		m["fields"] = []string{fieldName}
	} else {
		m["fieldName"] = fieldName
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	f, err := Decode(b)
	if err != nil {
		return nil, err
	}
	sf, ok := f.(SketchFactory)
	if !ok {
		return nil, base.Errorf(base.ClassInvalidInput, "aggregator kind %d is not a sketch aggregator", kind)
	}
	return sf, nil
}

// ---- intermediate-value protocol ----

// Empty implements SketchFactory.
func (s *sketchSpec) Empty() any { return nil }

// Decode implements SketchFactory.
func (s *sketchSpec) Decode(v any) (any, error) {
	switch s.kind {
	case HLLSketchBuild, HLLSketchMerge:
		h, err := sketch.AsHLL(v)
		if h == nil || err != nil {
			return nil, err
		}
		return h, nil
	case ThetaSketch:
		t, err := sketch.AsTheta(v)
		if t == nil || err != nil {
			return nil, err
		}
		return t, nil
	case QuantilesDoublesSketch:
		q, err := sketch.AsQuantiles(v)
		if q == nil || err != nil {
			return nil, err
		}
		return q, nil
	case KllDoublesSketch:
		k, err := sketch.AsKLL(v)
		if k == nil || err != nil {
			return nil, err
		}
		return k, nil
	}
	c, err := sketch.AsCollector(v)
	if c == nil || err != nil {
		return nil, err
	}
	return c, nil
}

// Combine implements SketchFactory. As in Druid, combining with an empty
// state returns the other value unchanged (no union: an HLL sketch keeps its
// HIP estimator).
func (s *sketchSpec) Combine(a, b any) any {
	if a == nil || b == nil {
		v := a
		if v == nil {
			v = b
		}
		d, err := s.Decode(v)
		if err != nil {
			return nil
		}
		return d
	}
	st := s.newState()
	for _, v := range []any{a, b} {
		if v == nil {
			continue
		}
		d, err := s.Decode(v)
		if err != nil || d == nil {
			continue
		}
		st.mergeObj(d)
	}
	return st.live()
}

// Finalize implements SketchFactory.
func (s *sketchSpec) Finalize(v any) any {
	if !s.finalize {
		return v
	}
	d, err := s.Decode(v)
	if err != nil {
		return nil
	}
	switch s.kind {
	case HLLSketchBuild, HLLSketchMerge:
		e := 0.0
		if h, ok := d.(*sketch.HLL); ok {
			e = h.Estimate()
		}
		return s.rounded(e)
	case ThetaSketch:
		t, _ := d.(*sketch.Theta)
		if t == nil {
			t = sketch.NewTheta(12)
		}
		if s.boundsStdDev > 0 {
			lo, hi := t.Bounds(s.boundsStdDev)
			return map[string]any{"estimate": t.Estimate(), "highBound": hi, "lowBound": lo, "numStdDev": int64(s.boundsStdDev)}
		}
		return t.Estimate()
	case QuantilesDoublesSketch:
		if q, ok := d.(*quantiles.Sketch); ok {
			return q.N()
		}
		return int64(0)
	case KllDoublesSketch:
		if k, ok := d.(*sketch.KLL); ok {
			return k.N()
		}
		return int64(0)
	}
	e := 0.0
	if c, ok := d.(*hyperunique.Collector); ok {
		e = c.Estimate()
	}
	return s.rounded(e)
}

func (s *sketchSpec) rounded(e float64) any {
	if s.round {
		return int64(math.Floor(e + 0.5))
	}
	return e
}

// ---- per-group state ----

// state is one group's sketch.
type state interface {
	// update folds one raw input row.
	update(in []segment.Value, scratch *[]byte) error
	// mergeObj folds a decoded intermediate value of the same family.
	mergeObj(v any)
	// get returns a snapshot intermediate value (nil when empty).
	get() any
	// live returns the state's own value without copying (nil when
	// empty); the state must not be used afterwards.
	live() any
	// serialize returns the stored form.
	serialize() []byte
	// size estimates the memory used.
	size() int64
}

func (s *sketchSpec) newState() state {
	switch s.kind {
	case HLLSketchBuild, HLLSketchMerge:
		return &hllState{spec: s}
	case ThetaSketch:
		return &thetaState{spec: s}
	case QuantilesDoublesSketch:
		return &quantilesState{spec: s}
	case KllDoublesSketch:
		return &kllState{spec: s}
	}
	return &huState{spec: s}
}

// decodeInput decodes a stored sketch (complex bytes) or its base64 text.
func (s *sketchSpec) decodeInput(v segment.Value) (any, error) {
	switch v.Kind {
	case segment.KindComplex:
		return s.Decode(v.Bytes)
	case segment.KindString:
		return s.Decode(v.Str)
	}
	return nil, base.Errorf(base.ClassInvalidInput, "aggregator %q: input value %s is not a sketch", s.name, v.String())
}

type hllState struct {
	spec *sketchSpec
	h    *sketch.HLL
	// n counts updates and merges, for the memory estimate.
	n int64
	// snap caches Get's value until the next change.
	snap *sketch.HLL
}

func (st *hllState) sk() *sketch.HLL {
	st.snap = nil
	st.n++
	if st.h == nil {
		st.h, _ = sketch.NewHLL(st.spec.lgK, st.spec.hllType, st.spec.enc)
	}
	return st.h
}

func (st *hllState) update(in []segment.Value, _ *[]byte) error {
	v := in[0]
	if v.Kind == segment.KindComplex || (st.spec.kind == HLLSketchMerge && v.Kind == segment.KindString) {
		d, err := st.spec.decodeInput(v)
		if err != nil {
			return err
		}
		st.mergeObj(d)
		return nil
	}
	updateDistinct(st.sk, v)
	return nil
}

// distinctSketch is what HLL and theta sketches have in common: updates
// with the values Druid hashes.
type distinctSketch interface {
	UpdateString(string)
	UpdateLong(int64)
	UpdateDouble(float64)
}

// updateDistinct feeds v to the sketch sk returns: strings, each value of a
// multi-value row or array, longs and doubles; nulls are skipped. sk is
// called once per value fed (the states count updates for their memory
// estimate) and creates the sketch on first use.
func updateDistinct[S distinctSketch](sk func() S, v segment.Value) {
	switch v.Kind {
	case segment.KindString:
		sk().UpdateString(v.Str)
	case segment.KindStrings:
		for _, x := range v.Strs {
			sk().UpdateString(x)
		}
	case segment.KindLong:
		sk().UpdateLong(v.Long)
	case segment.KindDouble, segment.KindFloat:
		sk().UpdateDouble(v.Double)
	case segment.KindArray:
		for _, e := range v.Elems {
			updateDistinct(sk, e)
		}
	}
}

func (st *hllState) mergeObj(v any) {
	if h, ok := v.(*sketch.HLL); ok && h != nil {
		st.sk().Merge(h)
	}
}

func (st *hllState) get() any {
	if st.h == nil {
		return nil
	}
	if st.snap == nil {
		d, err := sketch.DecodeHLL(st.h.Bytes())
		if err != nil {
			return nil
		}
		st.snap = d
	}
	return st.snap
}

func (st *hllState) live() any {
	if st.h == nil {
		return nil
	}
	return st.h
}

func (st *hllState) serialize() []byte {
	if st.h == nil {
		h, _ := sketch.NewHLL(st.spec.lgK, st.spec.hllType, st.spec.enc)
		return h.Bytes()
	}
	return st.h.Bytes()
}

// size grows with the updates seen up to the register array's size (a
// LIST or SET sketch holds 4-byte coupons in a hash table).
func (st *hllState) size() int64 {
	if st.h == nil {
		return 64
	}
	return min(64+16*st.n, int64(1)<<st.spec.lgK+200)
}

type thetaState struct {
	spec *sketchSpec
	t    *sketch.Theta
	// n counts updates and merges, for the memory estimate.
	n int64
}

func (st *thetaState) sk() *sketch.Theta {
	st.n++
	if st.t == nil {
		lgK, _ := sketch.ThetaLgK(st.spec.size)
		st.t = sketch.NewTheta(lgK)
	}
	return st.t
}

func (st *thetaState) update(in []segment.Value, _ *[]byte) error {
	v := in[0]
	if v.Kind == segment.KindComplex || (st.spec.inputSketch && v.Kind == segment.KindString) {
		d, err := st.spec.decodeInput(v)
		if err != nil {
			return err
		}
		st.mergeObj(d)
		return nil
	}
	updateDistinct(st.sk, v)
	return nil
}

func (st *thetaState) mergeObj(v any) {
	if t, ok := v.(*sketch.Theta); ok && t != nil {
		st.sk().Merge(t)
	}
}

func (st *thetaState) get() any {
	if st.t == nil {
		return nil
	}
	d, err := sketch.DecodeTheta(st.t.Bytes())
	if err != nil {
		return nil
	}
	return d
}

func (st *thetaState) live() any {
	if st.t == nil {
		return nil
	}
	return st.t
}

func (st *thetaState) serialize() []byte { return st.sk().Bytes() }

// size grows with the updates seen up to the hash table of 2·size
// entries a full sketch can reach.
func (st *thetaState) size() int64 {
	if st.t == nil {
		return 64
	}
	return 100 + 16*min(st.n, int64(2*st.spec.size))
}

// toDoubleInput converts a raw input for the quantile sketches: numbers,
// and numeric strings (as Druid's complex metric extractors parse them).
func toDoubleInput(v segment.Value) (float64, bool) {
	switch v.Kind {
	case segment.KindLong:
		return float64(v.Long), true
	case segment.KindDouble, segment.KindFloat:
		return v.Double, true
	case segment.KindString:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64)
		return f, err == nil
	}
	return 0, false
}

// doublesSketch is what the quantiles and KLL sketches have in common:
// updates with doubles.
type doublesSketch interface {
	Update(float64)
}

// updateDoubles feeds v to the sketch sk returns (created on first use):
// a number or numeric string is one update, an array each numeric element,
// and a stored or base64 sketch of the spec's family is decoded and handed
// to merge.
func updateDoubles[S doublesSketch](spec *sketchSpec, sk func() S, merge func(any), v segment.Value) error {
	if f, ok := toDoubleInput(v); ok {
		sk().Update(f)
		return nil
	}
	switch v.Kind {
	case segment.KindComplex, segment.KindString:
		d, err := spec.decodeInput(v)
		if err != nil {
			return err
		}
		merge(d)
	case segment.KindArray:
		for _, e := range v.Elems {
			if f, ok := toDoubleInput(e); ok {
				sk().Update(f)
			}
		}
	}
	return nil
}

type quantilesState struct {
	spec *sketchSpec
	q    *quantiles.Sketch
}

func (st *quantilesState) sk() *quantiles.Sketch {
	if st.q == nil {
		st.q = quantiles.New(st.spec.k)
	}
	return st.q
}

func (st *quantilesState) update(in []segment.Value, _ *[]byte) error {
	return updateDoubles(st.spec, st.sk, st.mergeObj, in[0])
}

func (st *quantilesState) mergeObj(v any) {
	q, ok := v.(*quantiles.Sketch)
	if !ok || q == nil {
		return
	}
	if q.K() < st.sk().K() {
		// Druid's union adopts the smaller k.
		u, err := quantiles.Union(st.q.K(), st.q, q)
		if err == nil {
			st.q = u
		}
		return
	}
	_ = st.sk().Merge(q)
}

func (st *quantilesState) get() any {
	if st.q == nil {
		return nil
	}
	return st.q.Copy()
}

func (st *quantilesState) live() any {
	if st.q == nil {
		return nil
	}
	return st.q
}

func (st *quantilesState) serialize() []byte { return st.sk().Bytes() }

func (st *quantilesState) size() int64 {
	if st.q == nil {
		return 64
	}
	return int64(8*st.q.Retained()) + 100
}

type kllState struct {
	spec *sketchSpec
	s    *sketch.KLL
}

func (st *kllState) sk() *sketch.KLL {
	if st.s == nil {
		st.s = sketch.NewKLL(st.spec.k)
	}
	return st.s
}

func (st *kllState) update(in []segment.Value, _ *[]byte) error {
	return updateDoubles(st.spec, st.sk, st.mergeObj, in[0])
}

func (st *kllState) mergeObj(v any) {
	if k, ok := v.(*sketch.KLL); ok && k != nil {
		st.sk().Merge(k)
	}
}

func (st *kllState) get() any {
	if st.s == nil {
		return nil
	}
	d, err := sketch.DecodeKLL(st.s.Bytes())
	if err != nil {
		return nil
	}
	return d
}

func (st *kllState) live() any {
	if st.s == nil {
		return nil
	}
	return st.s
}

func (st *kllState) serialize() []byte { return st.sk().Bytes() }

func (st *kllState) size() int64 {
	if st.s == nil {
		return 64
	}
	return min(100+8*st.s.N(), int64(8*st.spec.k*3)+100)
}

// huState is a hyperUnique or cardinality state.
type huState struct {
	spec *sketchSpec
	c    *hyperunique.Collector
}

func (st *huState) sk() *hyperunique.Collector {
	if st.c == nil {
		st.c = hyperunique.New()
	}
	return st.c
}

func (st *huState) update(in []segment.Value, scratch *[]byte) error {
	if st.spec.kind == Cardinality {
		st.cardinality(in, scratch)
		return nil
	}
	v := in[0]
	if v.Kind == segment.KindComplex || (st.spec.inputSketch && v.Kind == segment.KindString) {
		d, err := st.spec.decodeInput(v)
		if err != nil {
			return err
		}
		st.mergeObj(d)
		return nil
	}
	// hyperUnique ingestion hashes the row's values as strings (UTF-8).
	switch v.Kind {
	case segment.KindString:
		st.sk().AddUTF8(v.Str)
	case segment.KindStrings:
		for _, x := range v.Strs {
			st.sk().AddUTF8(x)
		}
	case segment.KindLong, segment.KindDouble, segment.KindFloat:
		st.sk().AddUTF8(javaString(v))
	case segment.KindArray:
		for _, e := range v.Elems {
			if !e.IsNull() {
				st.sk().AddUTF8(javaString(e))
			}
		}
	}
	return nil
}

// javaString renders a scalar as Java's String.valueOf does.
func javaString(v segment.Value) string {
	switch v.Kind {
	case segment.KindLong:
		return strconv.FormatInt(v.Long, 10)
	case segment.KindDouble, segment.KindFloat:
		f := v.Double
		bitSize := 64
		if v.Kind == segment.KindFloat {
			bitSize = 32
		}
		switch {
		case math.IsNaN(f):
			return "NaN"
		case math.IsInf(f, 1):
			return "Infinity"
		case math.IsInf(f, -1):
			return "-Infinity"
		}
		a := math.Abs(f)
		if a == 0 || (a >= 1e-3 && a < 1e7) {
			s := strconv.FormatFloat(f, 'f', -1, bitSize)
			if !strings.Contains(s, ".") {
				s += ".0"
			}
			return s
		}
		s := strconv.FormatFloat(f, 'E', -1, bitSize)
		mant, exp, _ := strings.Cut(s, "E")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		return mant + "E" + strings.TrimPrefix(exp, "+")
	}
	return v.Str
}

// cardinality hashes one row as Druid's cardinality aggregator does (Guava
// murmur3_128 over UTF-16 code units; nulls are skipped, SQL-compatible).
func (st *huState) cardinality(in []segment.Value, scratch *[]byte) {
	if !st.spec.byRow {
		for _, v := range in {
			switch v.Kind {
			case segment.KindString:
				*scratch = sketch.AppendUTF16LE((*scratch)[:0], v.Str)
				st.sk().AddHash(hyperunique.Murmur3x128(*scratch))
			case segment.KindStrings:
				for _, x := range v.Strs {
					*scratch = sketch.AppendUTF16LE((*scratch)[:0], x)
					st.sk().AddHash(hyperunique.Murmur3x128(*scratch))
				}
			case segment.KindLong, segment.KindDouble, segment.KindFloat:
				*scratch = appendNumberHashInput((*scratch)[:0], v)
				st.sk().AddHash(hyperunique.Murmur3x128(*scratch))
			}
		}
		return
	}
	buf := (*scratch)[:0]
	for i, v := range in {
		if i > 0 {
			buf = append(buf, 0)
		}
		switch v.Kind {
		case segment.KindString:
			buf = sketch.AppendUTF16LE(buf, v.Str)
		case segment.KindStrings:
			vals := slices.Clone(v.Strs)
			slices.Sort(vals)
			for j, x := range vals {
				if j > 0 {
					buf = append(buf, 1, 0) // putChar('\u0001')
				}
				buf = sketch.AppendUTF16LE(buf, x)
			}
		case segment.KindLong, segment.KindDouble, segment.KindFloat:
			buf = appendNumberHashInput(buf, v)
		}
	}
	*scratch = buf
	st.sk().AddHash(hyperunique.Murmur3x128(buf))
}

// appendNumberHashInput appends the bytes Druid's cardinality aggregator
// hashes for a number: a long's 8 bytes, a double's doubleToLongBits, a
// float's floatToIntBits (all little-endian, as Guava's hashLong/hashInt).
func appendNumberHashInput(dst []byte, v segment.Value) []byte {
	switch v.Kind {
	case segment.KindLong:
		return binary.LittleEndian.AppendUint64(dst, uint64(v.Long))
	case segment.KindFloat:
		f := float32(v.Double)
		bits := math.Float32bits(f)
		if f != f {
			bits = 0x7fc00000
		}
		return binary.LittleEndian.AppendUint32(dst, bits)
	}
	bits := math.Float64bits(v.Double) // Java doubleToLongBits: -0.0 stays distinct
	if math.IsNaN(v.Double) {
		bits = 0x7ff8000000000000
	}
	return binary.LittleEndian.AppendUint64(dst, bits)
}

func (st *huState) mergeObj(v any) {
	if c, ok := v.(*hyperunique.Collector); ok && c != nil {
		st.sk().Fold(c)
	}
}

func (st *huState) get() any {
	if st.c == nil {
		return nil
	}
	c := *st.c
	return &c
}

func (st *huState) live() any {
	if st.c == nil {
		return nil
	}
	return st.c
}

func (st *huState) serialize() []byte { return st.sk().Bytes() }

func (st *huState) size() int64 { return 1100 }

// ---- Aggregator and Rollup ----

type sketchAgg struct {
	spec    *sketchSpec
	states  []state
	scratch []byte
	err     error
}

// NewAggregator implements SketchFactory.
func (s *sketchSpec) NewAggregator() Aggregator { return &sketchAgg{spec: s} }

func (a *sketchAgg) at(g int) state {
	for len(a.states) <= g {
		a.states = append(a.states, a.spec.newState())
	}
	return a.states[g]
}

func (a *sketchAgg) Aggregate(g int, in []segment.Value) {
	st := a.at(g)
	if len(in) == 0 {
		return
	}
	if err := st.update(in, &a.scratch); err != nil && a.err == nil {
		a.err = err
	}
}

// HashedAggregator is implemented by the query-time state stores of the
// sketches that hash their one string input to 128 bits (cardinality over
// one field and hyperUnique over raw values, Druid's HyperLogLogCollector).
// A caller that sees the same strings many times — a dictionary-encoded
// column — hashes each once with HashString and feeds AggregateHash, which
// gives the state Aggregate would.
type HashedAggregator interface {
	Aggregator
	// HashString returns the hash Aggregate computes for the string s; ok
	// is false when the aggregator does not hash its input this way (use
	// Aggregate). It is not safe for concurrent use (it reuses a buffer).
	HashString(s string) (h [16]byte, ok bool)
	// AggregateHash folds a hash from HashString into group g.
	AggregateHash(g int, h [16]byte)
}

// DuplicateInsensitive reports whether folding the same input row into a
// group twice leaves the group's state as folding it once: true for the
// distinct-count sketches (HLL, theta, hyperUnique, cardinality — sketches
// and unions keep maxima or hash sets), false for quantiles and KLL. A
// caller may then skip a value a group has already seen.
func (a *sketchAgg) DuplicateInsensitive() bool {
	switch a.spec.kind {
	case HLLSketchBuild, HLLSketchMerge, ThetaSketch, HyperUnique, Cardinality:
		return true
	}
	return false
}

// HashString implements HashedAggregator.
func (a *sketchAgg) HashString(s string) ([16]byte, bool) {
	switch {
	case a.spec.kind == Cardinality && len(a.spec.fields) == 1:
		// A single field hashes the same with and without byRow.
		a.scratch = sketch.AppendUTF16LE(a.scratch[:0], s)
	case a.spec.kind == HyperUnique && !a.spec.inputSketch:
		a.scratch = append(a.scratch[:0], s...)
	default:
		return [16]byte{}, false
	}
	return hyperunique.Murmur3x128(a.scratch), true
}

// AggregateHash implements HashedAggregator.
func (a *sketchAgg) AggregateHash(g int, h [16]byte) {
	a.at(g).(*huState).sk().AddHash(h)
}

func (a *sketchAgg) Merge(g int, stored []byte) error {
	st := a.at(g)
	d, err := a.spec.Decode(stored)
	if err != nil {
		return fmt.Errorf("aggregator %q, group %d: %w", a.spec.name, g, err)
	}
	st.mergeObj(d)
	return nil
}

func (a *sketchAgg) Get(g int) any {
	if g >= len(a.states) {
		return nil
	}
	return a.states[g].get()
}

func (a *sketchAgg) Len() int   { return len(a.states) }
func (a *sketchAgg) Err() error { return a.err }

// NewRollup implements Factory: states are the same as at query time and
// are stored as the family's serialized sketch (COMPLEX column bytes).
func (s *sketchSpec) NewRollup() Rollup { return &sketchRollup{agg: sketchAgg{spec: s}} }

type sketchRollup struct {
	agg sketchAgg
	// sizes[i] is state i's last size estimate; total is their sum, kept
	// current so that EstimatedBytes is O(1) (ingestion asks often).
	sizes []int64
	total int64
}

// touch refreshes state i's size estimate.
func (r *sketchRollup) touch(i int) {
	for len(r.sizes) <= i {
		r.sizes = append(r.sizes, 0)
	}
	n := r.agg.states[i].size()
	r.total += n - r.sizes[i]
	r.sizes[i] = n
}

func (r *sketchRollup) Len() int { return len(r.agg.states) }

func (r *sketchRollup) Add(_ int64, in []segment.Value) {
	i := len(r.agg.states)
	r.agg.Aggregate(i, in)
	r.touch(i)
}

func (r *sketchRollup) Aggregate(i int, _ int64, in []segment.Value) {
	r.agg.Aggregate(i, in)
	r.touch(i)
}

func (r *sketchRollup) AddStored(v segment.Value) error {
	i := len(r.agg.states)
	r.agg.at(i)
	return r.CombineStored(i, v)
}

func (r *sketchRollup) CombineStored(i int, v segment.Value) error {
	defer r.touch(i)
	switch v.Kind {
	case segment.KindNull:
		return nil
	case segment.KindComplex:
		return r.agg.Merge(i, v.Bytes)
	case segment.KindString:
		b, err := base64.StdEncoding.DecodeString(v.Str)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "aggregator %q: stored value is not base64: %w", r.agg.spec.name, err)
		}
		return r.agg.Merge(i, b)
	}
	return base.Errorf(base.ClassInvalidInput, "aggregator %q: stored value %s is not a sketch", r.agg.spec.name, v.String())
}

func (r *sketchRollup) Stored(i int) segment.Value {
	return segment.ComplexValue(r.agg.states[i].serialize())
}

// EstimatedBytes sums the states' size estimates (maintained as they
// change) and the per-state overhead.
func (r *sketchRollup) EstimatedBytes() int64 {
	return r.total + 48*int64(len(r.agg.states))
}
