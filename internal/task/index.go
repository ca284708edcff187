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

// dimCol is one dimension column of a rollup index: its name, its stored
// type, which widens as discovered values arrive (LONG → DOUBLE → STRING),
// and its values, one per row.
//
// Declared string dimensions are dictionary-encoded: ids holds per row 0
// for null, i+1 for dict[i], or -(k+1) for the multi-value row multis[k].
// Every other column keeps its values in vals.
type dimCol struct {
	name  string
	typ   base.ColumnType
	fixed bool // declared in dimensionsSpec: the type never changes
	multi bool // some row holds a multi-value string

	dictEnc bool
	ids     []int32
	dict    []string
	lookup  map[string]int32
	multis  [][]int32
	vals    []segment.Value

	// rankOf and sorted cache ranks() while the dictionary does not grow.
	rankOf []int32
	sorted []string
}

func (d *dimCol) intern(s string) int32 {
	if id, ok := d.lookup[s]; ok {
		return id
	}
	d.dict = append(d.dict, s)
	id := int32(len(d.dict))
	d.lookup[s] = id
	return id
}

// push appends one row's value.
func (d *dimCol) push(v segment.Value) {
	if !d.dictEnc {
		d.vals = append(d.vals, v)
		return
	}
	switch v.Kind {
	case segment.KindString:
		d.ids = append(d.ids, d.intern(v.Str))
	case segment.KindStrings:
		if len(v.Strs) == 0 {
			d.ids = append(d.ids, 0)
			return
		}
		l := make([]int32, len(v.Strs))
		for i, s := range v.Strs {
			l[i] = d.intern(s)
		}
		d.multis = append(d.multis, l)
		d.ids = append(d.ids, -int32(len(d.multis)))
	case segment.KindNull:
		d.ids = append(d.ids, 0)
	default:
		// A declared string dimension only receives strings from the
		// parser; anything else is stored as its string form.
		d.push(coerce(v, base.TypeString))
	}
}

// get returns row r's value as stored (not coerced).
func (d *dimCol) get(r int) segment.Value {
	if !d.dictEnc {
		if r < len(d.vals) {
			return d.vals[r]
		}
		return segment.Value{}
	}
	id := d.ids[r]
	switch {
	case id == 0:
		return segment.Value{}
	case id > 0:
		return segment.StringValue(d.dict[id-1])
	}
	l := d.multis[-id-1]
	s := make([]string, len(l))
	for i, x := range l {
		s[i] = d.dict[x-1]
	}
	return segment.StringsValue(s)
}

// rollupIndex is the in-memory index of one time chunk (or of one open
// segment of a chunk): rows keyed by truncated time and dimension values,
// combined through the metrics' rollup states when rollup is on. Storage is
// by column. It is owned by one goroutine.
type rollupIndex struct {
	rollup bool
	aggs   []aggregation.Factory
	states []aggregation.Rollup
	dims   []*dimCol
	dimIdx map[string]int

	keys  map[string]int32
	times []int64
	bytes int64

	keyBuf []byte
	rowBuf []segment.Value
	// lastNames and lastSlots cache the column of each name for rows that
	// share their names slice (declared dimensions do).
	lastNames []string
	lastSlots []int
}

func newRollupIndex(declared []dimCol, aggs []aggregation.Factory, rollup bool) *rollupIndex {
	ix := &rollupIndex{rollup: rollup, aggs: aggs, dimIdx: map[string]int{}}
	for _, d := range declared {
		c := &dimCol{name: d.name, typ: d.typ, fixed: d.fixed}
		if d.fixed && d.typ == base.TypeString {
			c.dictEnc, c.lookup = true, map[string]int32{}
		}
		ix.dimIdx[d.name] = len(ix.dims)
		ix.dims = append(ix.dims, c)
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
// column of the value's type (null for the rows before it).
func (ix *rollupIndex) slot(name string) int {
	if i, ok := ix.dimIdx[name]; ok {
		return i
	}
	c := &dimCol{name: name, vals: make([]segment.Value, len(ix.times))}
	ix.dimIdx[name] = len(ix.dims)
	ix.dims = append(ix.dims, c)
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

// place lays a row's values out in column order in ix.rowBuf, adding
// discovered columns.
func (ix *rollupIndex) place(names []string, vals []segment.Value) []segment.Value {
	if !(len(names) > 0 && len(names) == len(ix.lastNames) && &names[0] == &ix.lastNames[0]) {
		slots := make([]int, len(names))
		for i, n := range names {
			slots[i] = ix.slot(n)
		}
		ix.lastNames, ix.lastSlots = names, slots
	}
	if cap(ix.rowBuf) < len(ix.dims) {
		ix.rowBuf = make([]segment.Value, len(ix.dims))
	}
	row := ix.rowBuf[:len(ix.dims)]
	clear(row)
	for i, s := range ix.lastSlots {
		v := vals[i]
		d := ix.dims[s]
		if v.Kind == segment.KindStrings {
			d.multi = true
		}
		if !d.fixed {
			d.typ = widen(d.typ, v)
		}
		row[s] = v
	}
	return row
}

// find returns the row equal to (t, row) when rolling up, registering the
// key of a new row.
func (ix *rollupIndex) find(t int64, row []segment.Value) (int32, bool) {
	if !ix.rollup {
		return 0, false
	}
	ix.keyBuf = appendKey(ix.keyBuf[:0], t, row)
	if r, ok := ix.keys[string(ix.keyBuf)]; ok {
		return r, true
	}
	ix.keys[string(ix.keyBuf)] = int32(len(ix.times))
	ix.bytes += int64(len(ix.keyBuf)) + 48
	return 0, false
}

func (ix *rollupIndex) appendRow(t int64, row []segment.Value) {
	ix.times = append(ix.times, t)
	ix.bytes += 8
	for i, d := range ix.dims {
		d.push(row[i])
		ix.bytes += valueBytes(row[i], d.dictEnc)
	}
}

// add adds one parsed row: truncated time t, dimension values by name and
// the metrics' inputs (one slice per aggregator, in InputFields order).
// rawTime is the untruncated time the first/last aggregators compare. When
// ex is not nil, an aggregator whose ex.has is set combines ex.stored (the
// row's existing value of the metric) instead of reading its inputs.
func (ix *rollupIndex) add(t, rawTime int64, names []string, vals []segment.Value, inputs [][]segment.Value, ex *existingMetrics) error {
	row := ix.place(names, vals)
	r, found := ix.find(t, row)
	if !found {
		ix.appendRow(t, row)
	}
	for a, st := range ix.states {
		switch {
		case ex != nil && ex.has[a] && found:
			if err := st.CombineStored(int(r), ex.stored[a]); err != nil {
				return err
			}
		case ex != nil && ex.has[a]:
			if err := st.AddStored(ex.stored[a]); err != nil {
				return err
			}
		case found:
			st.Aggregate(int(r), rawTime, inputs[a])
		default:
			st.Add(rawTime, inputs[a])
		}
	}
	return nil
}

// addStored adds a row whose metrics are stored states (from another index
// being merged in), combining it with an equal row when rolling up.
func (ix *rollupIndex) addStored(t int64, names []string, vals []segment.Value, stored []segment.Value) error {
	row := ix.place(names, vals)
	if r, ok := ix.find(t, row); ok {
		for a, st := range ix.states {
			if err := st.CombineStored(int(r), stored[a]); err != nil {
				return err
			}
		}
		return nil
	}
	ix.appendRow(t, row)
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
		for d, c := range o.dims {
			vals[d] = c.get(r)
		}
		for a, st := range o.states {
			stored[a] = st.Stored(r)
		}
		if err := ix.addStored(o.times[r], names, vals, stored); err != nil {
			return err
		}
	}
	return nil
}

func valueBytes(v segment.Value, dictEnc bool) int64 {
	if dictEnc {
		n := int64(4)
		if v.Kind == segment.KindString {
			n += int64(len(v.Str)) / 4 // amortised: repeated values share the dictionary entry
		}
		return n
	}
	n := int64(88 + len(v.Str))
	for _, s := range v.Strs {
		n += int64(len(s)) + 16
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
	c := ix.dims[d]
	if c.dictEnc {
		return c.get(r)
	}
	return coerce(c.get(r), c.typ)
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

// ranks returns, for a dictionary-encoded column, each id's rank in byte
// order (index 0, null, ranks first) and the dictionary sorted.
func (d *dimCol) ranks() ([]int32, []string) {
	if d.rankOf != nil && len(d.sorted) == len(d.dict) {
		return d.rankOf, d.sorted
	}
	order := make([]int32, len(d.dict))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(d.dict[a], d.dict[b]) })
	rank := make([]int32, len(d.dict)+1)
	sorted := make([]string, len(d.dict))
	for r, old := range order {
		rank[old+1] = int32(r) + 1
		sorted[r] = d.dict[old]
	}
	d.rankOf, d.sorted = rank, sorted
	return rank, sorted
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
	ranks := make([][]int32, len(ix.dims))
	for d, c := range ix.dims {
		if c.dictEnc {
			ranks[d], _ = c.ranks()
		}
	}
	slices.SortStableFunc(rs, func(a, b int32) int {
		if c := cmp.Compare(ix.times[a], ix.times[b]); c != 0 {
			return c
		}
		for d, col := range ix.dims {
			if rk := ranks[d]; rk != nil {
				ia, ib := col.ids[a], col.ids[b]
				if ia >= 0 && ib >= 0 {
					if c := cmp.Compare(rk[ia], rk[ib]); c != 0 {
						return c
					}
					continue
				}
			}
			if c := compareValues(ix.value(int(a), d), ix.value(int(b), d)); c != 0 {
				return c
			}
		}
		return 0
	})
	return rs
}
