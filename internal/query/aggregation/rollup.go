package aggregation

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

// Rollup holds one aggregation state per rolled-up row during ingestion.
// Row i's state is created by Add (from the row's first input) or AddStored
// (from a stored state read from a segment), and then folded with further
// inputs by Aggregate or further stored states by CombineStored. A Rollup is
// not safe for concurrent use.
type Rollup interface {
	// Len reports the number of states.
	Len() int
	// Add appends a state initialised from one input row; t is the row's
	// (untruncated) __time and in holds the values of InputFields in order.
	Add(t int64, in []segment.Value)
	// Aggregate folds one input row into state i.
	Aggregate(i int, t int64, in []segment.Value)
	// AddStored appends a state equal to a stored value (of StorageType).
	AddStored(v segment.Value) error
	// CombineStored folds a stored value into state i.
	CombineStored(i int, v segment.Value) error
	// Stored returns state i in its stored form (a value of StorageType).
	Stored(i int) segment.Value
	// EstimatedBytes estimates the memory the states use.
	EstimatedBytes() int64
}

func (s *spec) NewRollup() Rollup {
	inf := infoOf(s.kind)
	if inf.op == opFirst || inf.op == opLast {
		timeIdx := -1
		if s.timeColumn != "" && s.timeColumn != base.TimeColumn {
			timeIdx = 1
		}
		return &pairRollup{first: inf.op == opFirst, vk: inf.value, maxBytes: s.maxStringBytes, timeIdx: timeIdx, name: s.name}
	}
	r := &numRollup{op: inf.op, vk: inf.value, name: s.name}
	if s.expression != "" {
		return newExprInputRollup(s, r)
	}
	return r
}

// toLong converts an input value as Druid does for long aggregators: numbers
// are cast (doubles truncate), numeric strings are parsed, anything else is
// null.
func toLong(v segment.Value) (int64, bool) {
	switch v.Kind {
	case segment.KindLong:
		return v.Long, true
	case segment.KindDouble, segment.KindFloat:
		if math.IsNaN(v.Double) {
			return 0, false
		}
		return int64(v.Double), true
	case segment.KindString:
		s := strings.TrimSpace(v.Str)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
			return int64(f), true
		}
	}
	return 0, false
}

// toDouble converts an input value for double and float aggregators.
func toDouble(v segment.Value) (float64, bool) {
	switch v.Kind {
	case segment.KindLong:
		return float64(v.Long), true
	case segment.KindDouble, segment.KindFloat:
		return v.Double, true
	case segment.KindString:
		if f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64); err == nil {
			return f, true
		}
	}
	return 0, false
}

// numRollup is count, sum, min and max over longs, doubles or floats. Float
// states hold float32 values (as Druid's float aggregators compute in 32
// bits).
type numRollup struct {
	name  string
	op    op
	vk    segment.ValueKind
	longs []int64
	dbls  []float64
	null  []bool
}

func (r *numRollup) Len() int { return len(r.null) }

func (r *numRollup) Add(t int64, in []segment.Value) {
	r.longs = append(r.longs, 0)
	r.dbls = append(r.dbls, 0)
	r.null = append(r.null, r.op != opCount)
	r.Aggregate(len(r.null)-1, t, in)
}

func (r *numRollup) Aggregate(i int, _ int64, in []segment.Value) {
	if r.op == opCount {
		r.longs[i]++
		return
	}
	r.fold(i, in[0])
}

func (r *numRollup) fold(i int, v segment.Value) {
	if r.vk == segment.KindLong {
		x, ok := toLong(v)
		if !ok {
			return
		}
		switch {
		case r.null[i]:
			r.longs[i] = x
		case r.op == opSum, r.op == opCount:
			r.longs[i] += x
		case r.op == opMin:
			r.longs[i] = min(r.longs[i], x)
		case r.op == opMax:
			r.longs[i] = max(r.longs[i], x)
		}
		r.null[i] = false
		return
	}
	x, ok := toDouble(v)
	if !ok {
		return
	}
	if r.vk == segment.KindFloat {
		x = float64(float32(x))
	}
	cur := r.dbls[i]
	switch {
	case r.null[i]:
		cur = x
	case r.op == opSum:
		cur += x
	case r.op == opMin:
		// Druid's Math.min: NaN wins.
		if x < cur || math.IsNaN(x) {
			cur = x
		}
	case r.op == opMax:
		if x > cur || math.IsNaN(x) {
			cur = x
		}
	}
	if r.vk == segment.KindFloat {
		cur = float64(float32(cur))
	}
	r.dbls[i] = cur
	r.null[i] = false
}

func (r *numRollup) AddStored(v segment.Value) error {
	r.longs = append(r.longs, 0)
	r.dbls = append(r.dbls, 0)
	r.null = append(r.null, r.op != opCount)
	return r.CombineStored(len(r.null)-1, v)
}

func (r *numRollup) CombineStored(i int, v segment.Value) error {
	switch v.Kind {
	case segment.KindNull:
		// A missing stored value (e.g. a metric absent from one merged
		// segment) contributes nothing, for count too.
		return nil
	case segment.KindLong, segment.KindDouble, segment.KindFloat:
	default:
		return base.Errorf(base.ClassInvalidInput, "aggregator %q: stored value %s is not numeric", r.name, v)
	}
	if r.op == opCount {
		r.longs[i] += v.Long
		return nil
	}
	r.fold(i, v)
	return nil
}

func (r *numRollup) Stored(i int) segment.Value {
	if r.null[i] {
		return segment.Value{}
	}
	switch r.vk {
	case segment.KindDouble:
		return segment.DoubleValue(r.dbls[i])
	case segment.KindFloat:
		return segment.FloatValue(float32(r.dbls[i]))
	}
	return segment.LongValue(r.longs[i])
}

func (r *numRollup) EstimatedBytes() int64 {
	return int64(cap(r.longs))*8 + int64(cap(r.dbls))*8 + int64(cap(r.null))
}

// pairRollup is first/last: a (time, value) pair per state; the value may be
// null. A state with no row yet (all input times null) is stored as null.
type pairRollup struct {
	name     string
	first    bool
	vk       segment.ValueKind
	maxBytes int
	timeIdx  int
	times    []int64
	empty    []bool
	null     []bool
	longs    []int64
	dbls     []float64
	strs     []string
	strBytes int64
}

func (r *pairRollup) Len() int { return len(r.times) }

func (r *pairRollup) grow() int {
	r.times = append(r.times, 0)
	r.empty = append(r.empty, true)
	r.null = append(r.null, true)
	switch r.vk {
	case segment.KindLong:
		r.longs = append(r.longs, 0)
	case segment.KindString:
		r.strs = append(r.strs, "")
	default:
		r.dbls = append(r.dbls, 0)
	}
	return len(r.times) - 1
}

func (r *pairRollup) Add(t int64, in []segment.Value) { r.Aggregate(r.grow(), t, in) }

func (r *pairRollup) Aggregate(i int, t int64, in []segment.Value) {
	if r.timeIdx >= 0 {
		tt, ok := toLong(in[r.timeIdx])
		if !ok {
			return
		}
		t = tt
	}
	if !r.wins(i, t) {
		return
	}
	r.set(i, t, in[0])
}

func (r *pairRollup) wins(i int, t int64) bool {
	if r.empty[i] {
		return true
	}
	if r.first {
		return t < r.times[i]
	}
	return t >= r.times[i]
}

func (r *pairRollup) set(i int, t int64, v segment.Value) {
	r.times[i] = t
	r.empty[i] = false
	var ok bool
	switch r.vk {
	case segment.KindLong:
		r.longs[i], ok = toLong(v)
	case segment.KindString:
		var s string
		s, ok = toString(v)
		s = chop(s, r.maxBytes)
		r.strBytes += int64(len(s) - len(r.strs[i]))
		r.strs[i] = s
	case segment.KindFloat:
		r.dbls[i], ok = toDouble(v)
		r.dbls[i] = float64(float32(r.dbls[i]))
	default:
		r.dbls[i], ok = toDouble(v)
	}
	r.null[i] = !ok
}

// toString converts an input for stringFirst/stringLast; lists render as
// Java's List.toString does ("[a, b]").
func toString(v segment.Value) (string, bool) {
	switch v.Kind {
	case segment.KindString:
		return v.Str, true
	case segment.KindStrings:
		return "[" + strings.Join(v.Strs, ", ") + "]", true
	case segment.KindLong:
		return strconv.FormatInt(v.Long, 10), true
	case segment.KindDouble, segment.KindFloat:
		return strconv.FormatFloat(v.Double, 'g', -1, 64), true
	}
	return "", false
}

// chop truncates s to at most n bytes without splitting a UTF-8 sequence.
func chop(s string, n int) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (r *pairRollup) AddStored(v segment.Value) error { return r.CombineStored(r.grow(), v) }

func (r *pairRollup) CombineStored(i int, v segment.Value) error {
	if v.Kind == segment.KindNull {
		return nil
	}
	b := v.Bytes
	if v.Kind != segment.KindComplex || len(b) < 9 || b[8] > 1 {
		return base.Errorf(base.ClassInvalidInput, "aggregator %q: malformed stored pair %s", r.name, v)
	}
	t := int64(binary.LittleEndian.Uint64(b))
	present := b[8] == 1
	p := b[9:]
	var val segment.Value
	if present {
		switch r.vk {
		case segment.KindLong, segment.KindDouble:
			if len(p) != 8 {
				return base.Errorf(base.ClassInvalidInput, "aggregator %q: stored pair value of %d bytes, want 8", r.name, len(p))
			}
			if r.vk == segment.KindLong {
				val = segment.LongValue(int64(binary.LittleEndian.Uint64(p)))
			} else {
				val = segment.DoubleValue(math.Float64frombits(binary.LittleEndian.Uint64(p)))
			}
		case segment.KindFloat:
			if len(p) != 4 {
				return base.Errorf(base.ClassInvalidInput, "aggregator %q: stored pair value of %d bytes, want 4", r.name, len(p))
			}
			val = segment.FloatValue(math.Float32frombits(binary.LittleEndian.Uint32(p)))
		default:
			val = segment.StringValue(string(p))
		}
	} else if len(p) != 0 {
		return base.Errorf(base.ClassInvalidInput, "aggregator %q: stored null pair carries %d bytes", r.name, len(p))
	}
	if r.wins(i, t) {
		r.set(i, t, val)
	}
	return nil
}

func (r *pairRollup) Stored(i int) segment.Value {
	if r.empty[i] {
		return segment.Value{}
	}
	b := binary.LittleEndian.AppendUint64(make([]byte, 0, 17), uint64(r.times[i]))
	if r.null[i] {
		return segment.ComplexValue(append(b, 0))
	}
	b = append(b, 1)
	switch r.vk {
	case segment.KindLong:
		b = binary.LittleEndian.AppendUint64(b, uint64(r.longs[i]))
	case segment.KindDouble:
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.dbls[i]))
	case segment.KindFloat:
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(r.dbls[i])))
	default:
		b = append(b, r.strs[i]...)
	}
	return segment.ComplexValue(b)
}

func (r *pairRollup) EstimatedBytes() int64 {
	return int64(cap(r.times))*8 + int64(cap(r.empty)+cap(r.null)) + int64(cap(r.longs)+cap(r.dbls))*8 + int64(cap(r.strs))*16 + r.strBytes
}

// DecodePair decodes a stored first/last state (see StorageType) into its
// time and value; the value is null when the pair holds a null. vk is the
// value kind: KindLong, KindDouble, KindFloat or KindString.
func DecodePair(b []byte, vk segment.ValueKind) (int64, segment.Value, error) {
	r := &pairRollup{vk: vk, name: "pair"}
	if err := r.AddStored(segment.ComplexValue(b)); err != nil {
		return 0, segment.Value{}, err
	}
	if r.empty[0] {
		return 0, segment.Value{}, fmt.Errorf("empty pair")
	}
	if r.null[0] {
		return r.times[0], segment.Value{}, nil
	}
	switch vk {
	case segment.KindLong:
		return r.times[0], segment.LongValue(r.longs[0]), nil
	case segment.KindString:
		return r.times[0], segment.StringValue(r.strs[0]), nil
	case segment.KindFloat:
		return r.times[0], segment.FloatValue(float32(r.dbls[0])), nil
	}
	return r.times[0], segment.DoubleValue(r.dbls[0]), nil
}
