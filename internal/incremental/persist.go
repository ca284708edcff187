package incremental

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

// Persist writes the index as a segment to w and returns the bytes written.
// meta supplies the identity (dataSource, interval, version, partitionNum);
// the schema, rollup flag, query granularity and row statistics come from
// the index. Rows are written sorted by __time, then by the dimensions in
// order (nulls first, strings by byte order, multi-value rows by their
// sorted-list order). The index is unchanged and can keep growing.
func (x *Index) Persist(w io.Writer, meta segment.Metadata) (int64, error) {
	meta, cols, err := x.columns(meta)
	if err != nil {
		return 0, err
	}
	return segment.Write(w, meta, cols)
}

// PersistFile writes the index as a segment file at path (atomically, via a
// synced temporary file).
func (x *Index) PersistFile(path string, meta segment.Metadata) (int64, error) {
	meta, cols, err := x.columns(meta)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, fmt.Errorf("persist %s: %w", path, err)
	}
	return segment.WriteFile(path, meta, cols)
}

// dimOrder holds, per string dimension, each arrival id's rank in byte
// order.
type dimOrder struct {
	rank   []int32 // arrival id → sorted position
	sorted []string
}

func (x *Index) columns(meta segment.Metadata) (segment.Metadata, []segment.ColumnData, error) {
	meta.Rollup = x.cfg.Rollup
	meta.QueryGranularity = x.cfg.QueryGranularity
	meta.Dimensions = x.Dimensions()
	meta.Metrics = nil
	for _, m := range x.cfg.Metrics {
		spec, err := json.Marshal(m)
		if err != nil {
			return meta, nil, fmt.Errorf("metric %q: %w", m.Name(), err)
		}
		meta.Metrics = append(meta.Metrics, segment.Metric{Name: m.Name(), Type: m.StorageType(), Aggregator: spec})
	}

	orders := make([]dimOrder, len(x.dims))
	for i, d := range x.dims {
		if d.typ.Kind != base.KindString && !(d.typ.Kind == base.KindArray && d.typ.Elem == base.KindString) {
			continue
		}
		ids := make([]int32, len(d.vals))
		for j := range ids {
			ids[j] = int32(j)
		}
		slices.SortFunc(ids, func(a, b int32) int { return cmp.Compare(d.vals[a], d.vals[b]) })
		o := dimOrder{rank: make([]int32, len(d.vals)), sorted: make([]string, len(d.vals))}
		for pos, id := range ids {
			o.rank[id] = int32(pos)
			o.sorted[pos] = d.vals[id]
		}
		orders[i] = o
	}
	n := len(x.times)
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortStableFunc(perm, func(a, b int32) int { return x.compareRows(orders, int(a), int(b)) })

	cols := make([]segment.ColumnData, 0, 1+len(x.dims)+len(x.rollups))
	times := make([]int64, n)
	for i, r := range perm {
		times[i] = x.times[r]
	}
	cols = append(cols, segment.ColumnData{Name: base.TimeColumn, Type: base.TypeLong, Longs: times})
	for i, d := range x.dims {
		cols = append(cols, x.dimColumn(d, orders[i], perm))
	}
	for m, rl := range x.rollups {
		f := x.cfg.Metrics[m]
		c, err := metricColumn(f.Name(), f.StorageType(), rl, perm)
		if err != nil {
			return meta, nil, err
		}
		cols = append(cols, c)
	}
	return meta, cols, nil
}

func (x *Index) compareRows(orders []dimOrder, a, b int) int {
	if c := cmp.Compare(x.times[a], x.times[b]); c != 0 {
		return c
	}
	for i, d := range x.dims {
		var c int
		switch d.typ.Kind {
		case base.KindString:
			ia := d.ids[d.offs[a]:d.offs[a+1]]
			ib := d.ids[d.offs[b]:d.offs[b+1]]
			rank := orders[i].rank
			for k := 0; k < len(ia) && k < len(ib) && c == 0; k++ {
				ra, rb := int32(-1), int32(-1)
				if ia[k] >= 0 {
					ra = rank[ia[k]]
				}
				if ib[k] >= 0 {
					rb = rank[ib[k]]
				}
				c = cmp.Compare(ra, rb)
			}
			if c == 0 {
				c = cmp.Compare(len(ia), len(ib))
			}
		case base.KindArray:
			c = compareArrays(d, orders[i].rank, a, b)
		default:
			na, nb := d.null[a], d.null[b]
			switch {
			case na && nb:
			case na:
				c = -1
			case nb:
				c = 1
			case d.typ.Kind == base.KindLong:
				c = cmp.Compare(d.longs[a], d.longs[b])
			default:
				c = cmp.Compare(d.dbls[a], d.dbls[b])
			}
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func (x *Index) dimColumn(d *dim, o dimOrder, perm []int32) segment.ColumnData {
	n := len(perm)
	typ := d.typ
	if typ.Kind == base.KindUnknown {
		// Never saw a value: an all-null string column.
		ids := make([]int32, n)
		return segment.ColumnData{Name: d.name, Type: base.TypeString, HasNull: n > 0, IDs: ids}
	}
	c := segment.ColumnData{Name: d.name, Type: typ}
	switch typ.Kind {
	case base.KindArray:
		return arrayColumn(d, o, perm)
	case base.KindString:
		for _, id := range d.ids {
			if id < 0 {
				c.HasNull = true
				break
			}
		}
		c.Dict = o.sorted
		shift := int32(0)
		if c.HasNull {
			shift = 1
		}
		mapID := func(id int32) int32 {
			if id < 0 {
				return 0
			}
			return o.rank[id] + shift
		}
		c.MultiValue = d.multi
		if d.multi {
			c.Offsets = make([]int32, 1, n+1)
			c.IDs = make([]int32, 0, len(d.ids))
			for _, r := range perm {
				for _, id := range d.ids[d.offs[r]:d.offs[r+1]] {
					c.IDs = append(c.IDs, mapID(id))
				}
				c.Offsets = append(c.Offsets, int32(len(c.IDs)))
			}
		} else {
			c.IDs = make([]int32, n)
			for i, r := range perm {
				c.IDs[i] = mapID(d.ids[d.offs[r]])
			}
		}
		return c
	}
	nulls := roaring.New()
	switch typ.Kind {
	case base.KindLong:
		c.Longs = make([]int64, n)
		for i, r := range perm {
			c.Longs[i] = d.longs[r]
		}
	case base.KindFloat:
		c.Floats = make([]float32, n)
		for i, r := range perm {
			c.Floats[i] = float32(d.dbls[r])
		}
	default:
		c.Doubles = make([]float64, n)
		for i, r := range perm {
			c.Doubles[i] = d.dbls[r]
		}
	}
	for i, r := range perm {
		if d.null[r] {
			nulls.Add(uint32(i))
		}
	}
	if !nulls.IsEmpty() {
		c.Nulls = nulls
	}
	return c
}

type storedRollup interface {
	Stored(i int) segment.Value
}

func metricColumn(name string, typ base.ColumnType, rl storedRollup, perm []int32) (segment.ColumnData, error) {
	n := len(perm)
	c := segment.ColumnData{Name: name, Type: typ}
	nulls := roaring.New()
	switch typ.Kind {
	case base.KindLong:
		c.Longs = make([]int64, n)
	case base.KindFloat:
		c.Floats = make([]float32, n)
	case base.KindDouble:
		c.Doubles = make([]float64, n)
	case base.KindComplex:
		c.Blobs = make([][]byte, n)
	default:
		return c, base.Errorf(base.ClassInvalidInput, "metric %q: cannot store type %s", name, typ)
	}
	for i, r := range perm {
		v := rl.Stored(int(r))
		if v.IsNull() {
			if typ.Kind != base.KindComplex {
				nulls.Add(uint32(i))
			}
			continue
		}
		switch typ.Kind {
		case base.KindLong:
			c.Longs[i] = v.Long
		case base.KindFloat:
			c.Floats[i] = float32(v.Double)
		case base.KindDouble:
			c.Doubles[i] = v.Double
		default:
			c.Blobs[i] = v.Bytes
		}
	}
	if !nulls.IsEmpty() {
		c.Nulls = nulls
	}
	return c, nil
}

func arrayColumn(d *dim, o dimOrder, perm []int32) segment.ColumnData {
	c := segment.ColumnData{Name: d.name, Type: d.storedType()}
	n := len(perm)
	nulls := roaring.New()
	elemNulls := roaring.New()
	c.ArrayOffsets = make([]int32, 1, n+1)
	k := 0
	for i, r := range perm {
		if d.rowNull[r] {
			nulls.Add(uint32(i))
		}
		for e := d.aoffs[r]; e < d.aoffs[r+1]; e++ {
			null := d.elemNull[e]
			if null {
				elemNulls.Add(uint32(k))
			}
			switch c.Type.Elem {
			case base.KindString:
				id := int32(0)
				if !null {
					id = o.rank[d.elemIDs[e]]
				}
				c.IDs = append(c.IDs, id)
			case base.KindLong:
				c.Longs = append(c.Longs, int64(d.elemBits[e]))
			default:
				c.Doubles = append(c.Doubles, math.Float64frombits(d.elemBits[e]))
			}
			k++
		}
		c.ArrayOffsets = append(c.ArrayOffsets, int32(k))
	}
	if c.Type.Elem == base.KindString {
		c.Dict = o.sorted
	}
	if !nulls.IsEmpty() {
		c.Nulls = nulls
	}
	if !elemNulls.IsEmpty() {
		c.ElemNulls = elemNulls
	}
	return c
}
