package task

import (
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

// buildColumns turns rows (sorted row numbers of ix) into the segment
// writer's columns: __time, the dimensions, then the metrics' stored
// states. String dictionaries are built in one pass (provisional ids in
// order of appearance, then sorted and remapped). It sets each string
// dimension's MultiValue in meta from the rows actually written.
func buildColumns(ix *rollupIndex, rows []int32, meta *segment.Metadata) ([]segment.ColumnData, error) {
	n := len(rows)
	cols := make([]segment.ColumnData, 0, 1+len(ix.dims)+len(ix.states))
	times := make([]int64, n)
	for i, r := range rows {
		times[i] = ix.times[r]
	}
	cols = append(cols, segment.ColumnData{Name: base.TimeColumn, Type: base.TypeLong, Longs: times})
	for d := range ix.dims {
		md := &meta.Dimensions[d]
		if md.Type == base.TypeString {
			cd := stringColumn(ix, rows, d)
			md.MultiValue = cd.MultiValue
			cd.Name, cd.Type = md.Name, md.Type
			cols = append(cols, cd)
			continue
		}
		cd := segment.ColumnData{Name: md.Name, Type: md.Type}
		var nulls *roaring.Bitmap
		switch md.Type.Kind {
		case base.KindLong:
			cd.Longs = make([]int64, n)
		case base.KindFloat:
			cd.Floats = make([]float32, n)
		default:
			cd.Doubles = make([]float64, n)
		}
		for i, r := range rows {
			v := ix.value(int(r), d)
			switch {
			case v.Kind == segment.KindNull:
				if nulls == nil {
					nulls = roaring.New()
				}
				nulls.Add(uint32(i))
			case cd.Longs != nil:
				cd.Longs[i] = v.Long
			case cd.Floats != nil:
				cd.Floats[i] = float32(v.Double)
			default:
				cd.Doubles[i] = v.Double
			}
		}
		cd.Nulls = nulls
		cols = append(cols, cd)
	}
	for a, st := range ix.states {
		m := meta.Metrics[a]
		cd := segment.ColumnData{Name: m.Name, Type: m.Type}
		var nulls *roaring.Bitmap
		switch m.Type.Kind {
		case base.KindLong:
			cd.Longs = make([]int64, n)
		case base.KindFloat:
			cd.Floats = make([]float32, n)
		case base.KindDouble:
			cd.Doubles = make([]float64, n)
		default:
			cd.Blobs = make([][]byte, n)
		}
		for i, r := range rows {
			v := st.Stored(int(r))
			switch {
			case cd.Blobs != nil:
				cd.Blobs[i] = v.Bytes
			case v.Kind == segment.KindNull:
				if nulls == nil {
					nulls = roaring.New()
				}
				nulls.Add(uint32(i))
			case cd.Longs != nil:
				cd.Longs[i] = v.Long
			case cd.Floats != nil:
				cd.Floats[i] = float32(v.Double)
			default:
				cd.Doubles[i] = v.Double
			}
		}
		cd.Nulls = nulls
		cols = append(cols, cd)
	}
	return cols, nil
}

// stringColumn builds dimension d's dictionary-encoded column.
func stringColumn(ix *rollupIndex, rows []int32, d int) segment.ColumnData {
	if c := ix.dims[d]; c.dictEnc {
		return dictColumn(c, rows)
	}
	var cd segment.ColumnData
	local := map[string]int32{}
	var dict []string
	id := func(s string) int32 {
		if x, ok := local[s]; ok {
			return x
		}
		x := int32(len(dict))
		local[s] = x
		dict = append(dict, s)
		return x
	}
	const null = -1
	ids := make([]int32, 0, len(rows))
	var offsets []int32
	for i, r := range rows {
		v := ix.value(int(r), d)
		switch v.Kind {
		case segment.KindString:
			ids = append(ids, id(v.Str))
		case segment.KindStrings:
			if offsets == nil {
				offsets = make([]int32, i+1, len(rows)+1)
				for k := range offsets {
					offsets[k] = int32(k)
				}
			}
			if len(v.Strs) == 0 {
				ids = append(ids, null)
			}
			for _, s := range v.Strs {
				ids = append(ids, id(s))
			}
		default:
			ids = append(ids, null)
		}
		if offsets != nil {
			offsets = append(offsets, int32(len(ids)))
		}
	}
	order := make([]int32, len(dict))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch {
		case dict[a] < dict[b]:
			return -1
		case dict[a] > dict[b]:
			return 1
		}
		return 0
	})
	hasNull := slices.Contains(ids, null)
	first := int32(0)
	if hasNull {
		first = 1
	}
	remap := make([]int32, len(dict))
	sorted := make([]string, len(dict))
	for rank, old := range order {
		remap[old] = first + int32(rank)
		sorted[rank] = dict[old]
	}
	for i, x := range ids {
		if x == null {
			ids[i] = 0
		} else {
			ids[i] = remap[x]
		}
	}
	cd.Dict, cd.HasNull, cd.IDs = sorted, hasNull, ids
	if offsets != nil {
		cd.MultiValue, cd.Offsets = true, offsets
	}
	return cd
}

// dictColumn builds a column from an index column that is already
// dictionary-encoded: the dictionary keeps the values these rows use, in
// byte order.
func dictColumn(c *dimCol, rows []int32) segment.ColumnData {
	var cd segment.ColumnData
	used := make([]bool, len(c.dict)+1)
	multi := false
	for _, r := range rows {
		id := c.ids[r]
		if id >= 0 {
			used[id] = true
			continue
		}
		multi = true
		for _, x := range c.multis[-id-1] {
			used[x] = true
		}
	}
	hasNull := used[0]
	rank, sorted := c.ranks()
	// newID[id] is the id in the written dictionary.
	first := int32(0)
	if hasNull {
		first = 1
	}
	byRank := make([]int32, len(c.dict)+1) // rank -> old id
	for id := 1; id <= len(c.dict); id++ {
		byRank[rank[id]] = int32(id)
	}
	newID := make([]int32, len(c.dict)+1)
	dict := make([]string, 0, len(c.dict))
	for r := 1; r <= len(c.dict); r++ {
		old := byRank[r]
		if used[old] {
			newID[old] = first + int32(len(dict))
			dict = append(dict, sorted[r-1])
		}
	}
	ids := make([]int32, 0, len(rows))
	var offsets []int32
	if multi {
		offsets = make([]int32, 1, len(rows)+1)
	}
	for _, r := range rows {
		id := c.ids[r]
		if id >= 0 {
			ids = append(ids, newID[id])
		} else {
			for _, x := range c.multis[-id-1] {
				ids = append(ids, newID[x])
			}
		}
		if multi {
			offsets = append(offsets, int32(len(ids)))
		}
	}
	cd.Dict, cd.HasNull, cd.IDs = dict, hasNull, ids
	if multi {
		cd.MultiValue, cd.Offsets = true, offsets
	}
	return cd
}
