package task

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strconv"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

// dimCol is one dimension column of a rollup index: its name and the stored
// type, which widens as discovered values arrive (LONG → DOUBLE → STRING).
type dimCol struct {
	name  string
	typ   base.ColumnType
	fixed bool // declared in dimensionsSpec: the type never changes
	multi bool // some row holds a multi-value string
}

// rollupIndex is the in-memory index of one time chunk (or of one open
// segment of a chunk): rows keyed by truncated time and dimension values,
// combined through the metrics' rollup states when rollup is on. It is owned
// by one goroutine.
type rollupIndex struct {
	rollup bool
	aggs   []aggregation.Factory
	states []aggregation.Rollup
	dims   []dimCol
	dimIdx map[string]int

	keys  map[string]int32
	times []int64
	rows  [][]segment.Value // per row, one value per dimension known when it was added
	bytes int64

	keyBuf []byte
	inBuf  []segment.Value
}

func newRollupIndex(declared []dimCol, aggs []aggregation.Factory, rollup bool) *rollupIndex {
	ix := &rollupIndex{rollup: rollup, aggs: aggs, dimIdx: map[string]int{}}
	for _, d := range declared {
		ix.dimIdx[d.name] = len(ix.dims)
		ix.dims = append(ix.dims, d)
	}
	ix.states = make([]aggregation.Rollup, len(aggs))
	for i, a := range aggs {
		ix.states[i] = a.NewRollup()
	}
	if rollup {
		ix.keys = map[string]int32{}
	}
	return ix
}

// numRows is the number of (rolled-up) rows.
func (ix *rollupIndex) numRows() int { return len(ix.times) }

// estimatedBytes estimates the index's memory.
func (ix *rollupIndex) estimatedBytes() int64 {
	b := ix.bytes
	for _, s := range ix.states {
		b += s.EstimatedBytes()
	}
	return b
}

// slot returns the column index of dimension name, adding a discovered
// column of the value's type.
func (ix *rollupIndex) slot(name string, v segment.Value) int {
	if i, ok := ix.dimIdx[name]; ok {
		d := &ix.dims[i]
		if !d.fixed {
			d.typ = widen(d.typ, v)
		}
		if v.Kind == segment.KindStrings {
			d.multi = true
		}
		return i
	}
	d := dimCol{name: name, typ: widen(base.ColumnType{}, v)}
	if v.Kind == segment.KindStrings {
		d.multi = true
	}
	ix.dimIdx[name] = len(ix.dims)
	ix.dims = append(ix.dims, d)
	return len(ix.dims) - 1
}

// widen returns the column type that holds both t's values and v (an empty
// t is a column with no value yet, typed by its first non-null value).
func widen(t base.ColumnType, v segment.Value) base.ColumnType {
	var vt base.ColumnType
	switch v.Kind {
	case segment.KindNull:
		if t.Kind == base.KindUnknown {
			return base.TypeString
		}
		return t
	case segment.KindLong:
		vt = base.TypeLong
	case segment.KindDouble, segment.KindFloat:
		vt = base.TypeDouble
	default:
		vt = base.TypeString
	}
	switch {
	case t.Kind == base.KindUnknown || t == vt:
		return vt
	case t == base.TypeString || vt == base.TypeString:
		return base.TypeString
	default: // LONG and DOUBLE
		return base.TypeDouble
	}
}

// add adds one parsed row: truncated time t, dimension values by name and
// the metrics' inputs (one slice per aggregator, in InputFields order).
// rawTime is the untruncated time the first/last aggregators compare.
func (ix *rollupIndex) add(t, rawTime int64, names []string, vals []segment.Value, inputs [][]segment.Value) {
	row := make([]segment.Value, len(ix.dims), len(ix.dims)+len(names))
	for i, n := range names {
		s := ix.slot(n, vals[i])
		if s >= len(row) {
			row = append(row, make([]segment.Value, s+1-len(row))...)
		}
		row[s] = vals[i]
	}
	if ix.rollup {
		ix.keyBuf = appendKey(ix.keyBuf[:0], t, row)
		if r, ok := ix.keys[string(ix.keyBuf)]; ok {
			for a, st := range ix.states {
				st.Aggregate(int(r), rawTime, inputs[a])
			}
			return
		}
		ix.keys[string(ix.keyBuf)] = int32(len(ix.times))
		ix.bytes += int64(len(ix.keyBuf)) + 48
	}
	ix.times = append(ix.times, t)
	ix.rows = append(ix.rows, row)
	ix.bytes += rowBytes(row)
	for a, st := range ix.states {
		st.Add(rawTime, inputs[a])
	}
}

// addStored adds a row whose metrics are stored states (from another index
// being merged in), combining it with an equal row when rolling up.
func (ix *rollupIndex) addStored(t int64, names []string, vals []segment.Value, stored []segment.Value) error {
	row := make([]segment.Value, len(ix.dims), len(ix.dims)+len(names))
	for i, n := range names {
		s := ix.slot(n, vals[i])
		if s >= len(row) {
			row = append(row, make([]segment.Value, s+1-len(row))...)
		}
		row[s] = vals[i]
	}
	if ix.rollup {
		ix.keyBuf = appendKey(ix.keyBuf[:0], t, row)
		if r, ok := ix.keys[string(ix.keyBuf)]; ok {
			for a, st := range ix.states {
				if err := st.CombineStored(int(r), stored[a]); err != nil {
					return err
				}
			}
			return nil
		}
		ix.keys[string(ix.keyBuf)] = int32(len(ix.times))
		ix.bytes += int64(len(ix.keyBuf)) + 48
	}
	ix.times = append(ix.times, t)
	ix.rows = append(ix.rows, row)
	ix.bytes += rowBytes(row)
	for a, st := range ix.states {
		if err := st.AddStored(stored[a]); err != nil {
			return err
		}
	}
	return nil
}

// mergeFrom folds every row of o into ix.
func (ix *rollupIndex) mergeFrom(o *rollupIndex) error {
	names := make([]string, len(o.dims))
	for i, d := range o.dims {
		names[i] = d.name
	}
	stored := make([]segment.Value, len(o.states))
	vals := make([]segment.Value, len(names))
	for r := range o.times {
		clear(vals)
		copy(vals, o.rows[r])
		for a, st := range o.states {
			stored[a] = st.Stored(r)
		}
		if err := ix.addStored(o.times[r], names, vals, stored); err != nil {
			return err
		}
	}
	return nil
}

func rowBytes(row []segment.Value) int64 {
	n := int64(24 + 56*len(row))
	for _, v := range row {
		n += int64(len(v.Str))
		for _, s := range v.Strs {
			n += int64(len(s)) + 16
		}
	}
	return n
}

// appendKey encodes the rollup key: the time and every dimension value,
// with trailing nulls dropped so that rows added before a dimension was
// discovered key like rows that have it null.
func appendKey(b []byte, t int64, row []segment.Value) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(t))
	n := len(row)
	for n > 0 && row[n-1].Kind == segment.KindNull {
		n--
	}
	for _, v := range row[:n] {
		b = append(b, byte(v.Kind))
		switch v.Kind {
		case segment.KindString:
			b = binary.AppendUvarint(b, uint64(len(v.Str)))
			b = append(b, v.Str...)
		case segment.KindStrings:
			b = binary.AppendUvarint(b, uint64(len(v.Strs)))
			for _, s := range v.Strs {
				b = binary.AppendUvarint(b, uint64(len(s)))
				b = append(b, s...)
			}
		case segment.KindLong:
			b = binary.LittleEndian.AppendUint64(b, uint64(v.Long))
		case segment.KindDouble, segment.KindFloat:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Double))
		}
	}
	return b
}

// value returns row r's value of dimension d, coerced to the column type.
func (ix *rollupIndex) value(r, d int) segment.Value {
	row := ix.rows[r]
	if d >= len(row) {
		return segment.Value{}
	}
	return coerce(row[d], ix.dims[d].typ)
}

// coerce converts v to a value of column type t.
func coerce(v segment.Value, t base.ColumnType) segment.Value {
	switch {
	case v.Kind == segment.KindNull:
		return v
	case t == base.TypeString:
		switch v.Kind {
		case segment.KindLong:
			return segment.StringValue(strconv.FormatInt(v.Long, 10))
		case segment.KindDouble, segment.KindFloat:
			return segment.StringValue(inputformat.JavaDouble(v.Double))
		case segment.KindStrings:
			if len(v.Strs) == 0 {
				return segment.Value{}
			}
		}
		return v
	case t == base.TypeDouble || t == base.TypeFloat:
		if v.Kind == segment.KindLong {
			if t == base.TypeFloat {
				return segment.FloatValue(float32(v.Long))
			}
			return segment.DoubleValue(float64(v.Long))
		}
		if t == base.TypeFloat && v.Kind == segment.KindDouble {
			return segment.FloatValue(float32(v.Double))
		}
		return v
	}
	return v
}

// compareValues orders values as segments sort rows: null first, then by
// value (strings by bytes, multi-value rows element-wise).
func compareValues(a, b segment.Value) int {
	if a.Kind == segment.KindNull || b.Kind == segment.KindNull {
		return cmp.Compare(boolInt(a.Kind != segment.KindNull), boolInt(b.Kind != segment.KindNull))
	}
	switch a.Kind {
	case segment.KindString:
		if b.Kind == segment.KindStrings {
			return slices.Compare([]string{a.Str}, b.Strs)
		}
		return cmp.Compare(a.Str, b.Str)
	case segment.KindStrings:
		if b.Kind == segment.KindString {
			return slices.Compare(a.Strs, []string{b.Str})
		}
		return slices.Compare(a.Strs, b.Strs)
	case segment.KindLong:
		return cmp.Compare(a.Long, b.Long)
	case segment.KindDouble, segment.KindFloat:
		return cmp.Compare(a.Double, b.Double)
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sortedRows returns the row numbers rs (all rows when nil) sorted by time
// and then by the dimensions in column order.
func (ix *rollupIndex) sortedRows(rs []int32) []int32 {
	if rs == nil {
		rs = make([]int32, len(ix.times))
		for i := range rs {
			rs[i] = int32(i)
		}
	}
	slices.SortStableFunc(rs, func(a, b int32) int {
		if c := cmp.Compare(ix.times[a], ix.times[b]); c != 0 {
			return c
		}
		for d := range ix.dims {
			if c := compareValues(ix.value(int(a), d), ix.value(int(b), d)); c != 0 {
				return c
			}
		}
		return 0
	})
	return rs
}
