package incremental

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

// storedType is the type a dimension is persisted with: a dimension that
// never saw a value is STRING, an array whose elements were all null is
// ARRAY<STRING>.
func (d *dim) storedType() base.ColumnType {
	switch {
	case d.typ.Kind == base.KindUnknown:
		return base.TypeString
	case d.typ.Kind == base.KindArray && d.typ.Elem == base.KindUnknown:
		return base.ArrayType(base.KindString)
	}
	return d.typ
}

// initNull resets the dimension's storage for its type with n null rows.
func (d *dim) initNull(n int) {
	d.ids, d.offs, d.longs, d.dbls, d.null = nil, nil, nil, nil, nil
	d.aoffs, d.rowNull, d.elemIDs, d.elemBits, d.elemNull = nil, nil, nil, nil, nil
	switch d.typ.Kind {
	case base.KindString:
		d.offs = make([]int32, n+1)
		d.ids = make([]int32, n)
		for i := range d.ids {
			d.ids[i] = -1
			d.offs[i+1] = int32(i + 1)
		}
	case base.KindArray:
		d.aoffs = make([]int32, n+1)
		d.rowNull = make([]bool, n)
		for i := range d.rowNull {
			d.rowNull[i] = true
		}
	default:
		d.longs = make([]int64, n)
		d.dbls = make([]float64, n)
		d.null = make([]bool, n)
		for i := range d.null {
			d.null[i] = true
		}
	}
}

// truncate drops rows from row on (a tentative row that rolled up).
func (d *dim) truncate(row int) {
	switch d.typ.Kind {
	case base.KindString:
		d.ids = d.ids[:d.offs[row]]
		d.offs = d.offs[:row+1]
	case base.KindArray:
		e := d.aoffs[row]
		d.elemIDs, d.elemBits, d.elemNull = d.elemIDs[:e], d.elemBits[:e], d.elemNull[:e]
		d.aoffs = d.aoffs[:row+1]
		d.rowNull = d.rowNull[:row]
	default:
		d.longs, d.dbls, d.null = d.longs[:row], d.dbls[:row], d.null[:row]
	}
}

// findOrAdd appends the row (tentatively) and, with rollup, looks its key
// up: an existing row absorbs it and the tentative row is dropped.
func (x *Index) findOrAdd(t int64, vals []segment.Value) (int, bool, error) {
	row := len(x.times)
	if row >= math.MaxInt32 {
		return 0, false, base.Errorf(base.ClassCapacity, "incremental index is full (%d rows)", row)
	}
	x.times = append(x.times, t)
	var cells int64
	for _, d := range x.dims {
		cells += x.appendValue(d, vals[d.slot])
	}
	if x.keys != nil {
		x.keyBuf = x.rowKey(x.keyBuf[:0], row)
		if existing, ok := x.keys[string(x.keyBuf)]; ok {
			x.times = x.times[:row]
			for _, d := range x.dims {
				d.truncate(row)
			}
			return int(existing), false, nil
		}
		x.keys[string(x.keyBuf)] = int32(row)
		x.bytes += int64(len(x.keyBuf)) + keyEntryBytes
	}
	x.bytes += rowOverhead + cells
	return row, true, nil
}

// appendValue stores v as the dimension's value of a new row and returns
// its estimated size.
func (x *Index) appendValue(d *dim, v segment.Value) int64 {
	switch d.typ.Kind {
	case base.KindString:
		n := len(d.ids)
		d.ids = x.encodeStrings(d, v, d.ids)
		d.offs = append(d.offs, int32(len(d.ids)))
		if len(d.ids)-n > 1 {
			d.multi = true
		}
		return int64(len(d.ids)-n) * stringCellBytes
	case base.KindArray:
		return x.appendArray(d, v)
	}
	n, ok := numberOf(d.typ.Kind, v)
	d.null = append(d.null, !ok)
	d.longs = append(d.longs, int64(n))
	d.dbls = append(d.dbls, math.Float64frombits(n))
	return numberCellBytes
}

// appendArray stores an array value (a scalar is a one-element array).
func (x *Index) appendArray(d *dim, v segment.Value) int64 {
	var elems []segment.Value
	switch v.Kind {
	case segment.KindNull:
		d.rowNull = append(d.rowNull, true)
		d.aoffs = append(d.aoffs, int32(len(d.elemIDs)))
		return numberCellBytes
	case segment.KindArray:
		elems = v.Elems
	case segment.KindStrings:
		for _, s := range v.Strs {
			x.addElem(d, segment.StringValue(s))
		}
	default:
		elems = []segment.Value{v}
	}
	for _, e := range elems {
		x.addElem(d, e)
	}
	d.rowNull = append(d.rowNull, false)
	n := len(d.elemIDs) - int(d.aoffs[len(d.aoffs)-1])
	d.aoffs = append(d.aoffs, int32(len(d.elemIDs)))
	return numberCellBytes + int64(n)*(numberCellBytes+4)
}

func (x *Index) addElem(d *dim, e segment.Value) {
	id, bits, ok := int32(-1), uint64(0), false
	switch d.typ.Elem {
	case base.KindString:
		var s string
		if s, ok = stringOf(e); ok {
			id = x.intern(d, s)
		}
	case base.KindLong, base.KindDouble:
		bits, ok = numberOf(d.typ.Elem, e)
	}
	d.elemIDs = append(d.elemIDs, id)
	d.elemBits = append(d.elemBits, bits)
	d.elemNull = append(d.elemNull, !ok)
}

// rowKey appends row's rollup key: the time, then each dimension's value,
// with trailing nulls left out so that rows added before a dimension was
// discovered keep matching.
func (x *Index) rowKey(key []byte, row int) []byte {
	key = binary.LittleEndian.AppendUint64(key, uint64(x.times[row]))
	keyLen := len(key)
	for _, d := range x.dims {
		switch d.typ.Kind {
		case base.KindString:
			ids := d.ids[d.offs[row]:d.offs[row+1]]
			if len(ids) == 1 && ids[0] < 0 {
				key = append(key, 0)
				continue
			}
			key = binary.AppendUvarint(key, uint64(len(ids)))
			for _, id := range ids {
				key = binary.LittleEndian.AppendUint32(key, uint32(id))
			}
		case base.KindArray:
			if d.rowNull[row] {
				key = append(key, 0)
				continue
			}
			s, e := d.aoffs[row], d.aoffs[row+1]
			key = binary.AppendUvarint(key, uint64(e-s)+1)
			for i := s; i < e; i++ {
				if d.elemNull[i] {
					key = append(key, 0)
					continue
				}
				key = append(key, 1)
				if d.typ.Elem == base.KindString {
					key = binary.LittleEndian.AppendUint32(key, uint32(d.elemIDs[i]))
				} else {
					key = binary.LittleEndian.AppendUint64(key, d.elemBits[i])
				}
			}
		default:
			if d.null[row] {
				key = append(key, 0)
				continue
			}
			var bits uint64
			if d.typ.Kind == base.KindLong {
				bits = uint64(d.longs[row])
			} else {
				bits = math.Float64bits(d.dbls[row])
			}
			key = append(key, 1)
			key = binary.LittleEndian.AppendUint64(key, bits)
		}
		keyLen = len(key)
	}
	return key[:keyLen]
}

func (x *Index) rebuildKeys() {
	clear(x.keys)
	var key []byte
	for r := range x.times {
		key = x.rowKey(key[:0], r)
		x.keys[string(key)] = int32(r)
	}
}

// elemKindOf is the element type an array value calls for: STRING if any
// element is a string, else DOUBLE if any is a double, else LONG if any is a
// long, else unknown (empty or all null).
func elemKindOf(v segment.Value) base.TypeKind {
	k := base.KindUnknown
	note := func(e segment.Value) {
		switch e.Kind {
		case segment.KindString, segment.KindStrings, segment.KindArray:
			k = base.KindString
		case segment.KindDouble, segment.KindFloat:
			if k != base.KindString {
				k = base.KindDouble
			}
		case segment.KindLong:
			if k == base.KindUnknown {
				k = base.KindLong
			}
		}
	}
	if v.Kind == segment.KindStrings && len(v.Strs) > 0 {
		return base.KindString
	}
	for _, e := range v.Elems {
		note(e)
	}
	return k
}

// widenKind returns the scalar kind holding both a and b.
func widenKind(a, b base.TypeKind) base.TypeKind {
	switch {
	case a == base.KindUnknown:
		return b
	case b == base.KindUnknown, a == b:
		return a
	case a == base.KindString || b == base.KindString:
		return base.KindString
	}
	return base.KindDouble // LONG with DOUBLE
}

// discover applies type-aware schema discovery to a discovered dimension.
func (x *Index) discover(d *dim, v segment.Value) error {
	var want base.ColumnType
	switch v.Kind {
	case segment.KindNull:
		return nil
	case segment.KindString:
		want = base.TypeString
	case segment.KindLong:
		want = base.TypeLong
	case segment.KindFloat, segment.KindDouble:
		want = base.TypeDouble
	case segment.KindStrings, segment.KindArray:
		want = base.ArrayType(elemKindOf(v))
	default:
		return base.Errorf(base.ClassInvalidInput, "dimension %q: value %s cannot be a dimension", d.name, v)
	}
	cur := d.typ
	next := cur
	switch {
	case cur.Kind == base.KindUnknown:
		next = want
	case cur.Kind == base.KindArray && want.Kind == base.KindArray:
		next = base.ArrayType(widenKind(cur.Elem, want.Elem))
	case cur.Kind == base.KindArray:
		next = base.ArrayType(widenKind(cur.Elem, want.Kind))
	case want.Kind == base.KindArray:
		next = base.ArrayType(widenKind(cur.Kind, want.Elem))
	default:
		next = base.ColumnType{Kind: widenKind(cur.Kind, want.Kind)}
	}
	if next != cur {
		x.convert(d, next)
	}
	return nil
}

// convert changes a discovered dimension's type, re-encoding its stored
// rows (through their values), and rebuilds the rollup keys.
func (x *Index) convert(d *dim, to base.ColumnType) {
	n := len(x.times)
	old := make([]segment.Value, n)
	for r := range old {
		old[r] = d.value(r)
	}
	d.typ = to
	d.dict = map[string]int32{}
	d.vals = nil
	d.lastVal, d.lastID = "", -1
	d.initNull(0)
	if to.Kind == base.KindArray {
		d.aoffs = []int32{0}
	} else if to.Kind == base.KindString {
		d.offs = []int32{0}
	}
	for _, v := range old {
		x.appendValue(d, v)
	}
	if x.keys != nil {
		x.rebuildKeys()
	}
}

// value returns the dimension's stored value of row r.
func (d *dim) value(r int) segment.Value {
	switch d.typ.Kind {
	case base.KindString:
		ids := d.ids[d.offs[r]:d.offs[r+1]]
		if len(ids) == 1 {
			if ids[0] < 0 {
				return segment.Value{}
			}
			return segment.StringValue(d.vals[ids[0]])
		}
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = d.vals[id]
		}
		return segment.StringsValue(s)
	case base.KindArray:
		if d.rowNull[r] {
			return segment.Value{}
		}
		elems := make([]segment.Value, d.aoffs[r+1]-d.aoffs[r])
		for i := range elems {
			j := int(d.aoffs[r]) + i
			switch {
			case d.elemNull[j]:
			case d.typ.Elem == base.KindString:
				elems[i] = segment.StringValue(d.vals[d.elemIDs[j]])
			case d.typ.Elem == base.KindLong:
				elems[i] = segment.LongValue(int64(d.elemBits[j]))
			default:
				elems[i] = segment.DoubleValue(math.Float64frombits(d.elemBits[j]))
			}
		}
		return segment.ArrayValue(elems)
	}
	if d.null[r] {
		return segment.Value{}
	}
	switch d.typ.Kind {
	case base.KindLong:
		return segment.LongValue(d.longs[r])
	case base.KindFloat:
		return segment.FloatValue(float32(d.dbls[r]))
	case base.KindDouble:
		return segment.DoubleValue(d.dbls[r])
	}
	return segment.Value{}
}

// compareArrays orders two stored array rows: null first, then element by
// element (null elements first), then by length.
func compareArrays(d *dim, rank []int32, a, b int) int {
	na, nb := d.rowNull[a], d.rowNull[b]
	switch {
	case na && nb:
		return 0
	case na:
		return -1
	case nb:
		return 1
	}
	sa, ea := d.aoffs[a], d.aoffs[a+1]
	sb, eb := d.aoffs[b], d.aoffs[b+1]
	for i, j := sa, sb; i < ea && j < eb; i, j = i+1, j+1 {
		xn, yn := d.elemNull[i], d.elemNull[j]
		var c int
		switch {
		case xn && yn:
		case xn:
			c = -1
		case yn:
			c = 1
		case d.typ.Elem == base.KindString:
			c = cmp.Compare(rank[d.elemIDs[i]], rank[d.elemIDs[j]])
		case d.typ.Elem == base.KindLong:
			c = cmp.Compare(int64(d.elemBits[i]), int64(d.elemBits[j]))
		default:
			c = cmp.Compare(math.Float64frombits(d.elemBits[i]), math.Float64frombits(d.elemBits[j]))
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(ea-sa, eb-sb)
}

// encodeStrings appends the ids of a string dimension's value to dst (a
// single -1 for null), adding new values to the dictionary.
func (x *Index) encodeStrings(d *dim, v segment.Value, dst []int32) []int32 {
	switch v.Kind {
	case segment.KindNull:
		return append(dst, -1)
	case segment.KindArray:
		// A multi-value string dimension takes an array's non-null
		// elements, rendered as strings.
		strs := make([]string, 0, len(v.Elems))
		for _, e := range v.Elems {
			if s, ok := stringOf(e); ok {
				strs = append(strs, s)
			}
		}
		return x.encodeStrings(d, segment.StringsValue(strs), dst)
	case segment.KindStrings:
		switch len(v.Strs) {
		case 0:
			return append(dst, -1)
		case 1:
			return append(dst, x.intern(d, v.Strs[0]))
		}
		x.strs = append(x.strs[:0], v.Strs...)
		if d.handling != Array {
			slices.Sort(x.strs)
			if d.handling == SortedSet {
				x.strs = slices.Compact(x.strs)
			}
		}
		for _, s := range x.strs {
			dst = append(dst, x.intern(d, s))
		}
		return dst
	}
	s, _ := stringOf(v)
	return append(dst, x.intern(d, s))
}

func (x *Index) intern(d *dim, s string) int32 {
	// Consecutive rows often repeat a value (sorted or clustered input,
	// low-cardinality dimensions): check the last one before the map.
	if d.lastID >= 0 && s == d.lastVal {
		return d.lastID
	}
	if id, ok := d.dict[s]; ok {
		d.lastVal, d.lastID = d.vals[id], id
		return id
	}
	id := int32(len(d.vals))
	s = strings.Clone(s) // the caller may reuse its buffers
	d.dict[s] = id
	d.vals = append(d.vals, s)
	d.lastVal, d.lastID = s, id
	x.bytes += int64(len(s)) + dictEntryBytes
	return id
}
