package segment

import (
	"math"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
)

// ColumnsFromRows turns rows (each __time, then meta's dimensions and
// metrics, in order) into the columns Write takes. Rows must already be
// sorted by time. Each value must be null or of its column's kind (a
// multi-value string dimension takes KindString or KindStrings; an empty list
// is stored as null). It is the simple path for tests and tools; the
// incremental index builds columns directly.
func ColumnsFromRows(meta *Metadata, rows [][]Value) ([]ColumnData, error) {
	names := meta.ColumnNames()
	kinds := meta.columnKinds()
	types := make([]base.ColumnType, len(names))
	types[0] = base.TypeLong
	for i, d := range meta.Dimensions {
		types[1+i] = d.Type
	}
	for i, m := range meta.Metrics {
		types[1+len(meta.Dimensions)+i] = m.Type
	}
	cols := make([]ColumnData, len(names))
	for c := range cols {
		cols[c] = ColumnData{Name: names[c], Type: types[c]}
		cd := &cols[c]
		nulls := roaring.New()
		bad := func(r int, v Value) error {
			return base.Errorf(base.ClassInvalidInput, "row %d, column %q: value %s does not fit type %s", r, names[c], v, types[c])
		}
		switch kinds[c] {
		case SectionTime, SectionLong:
			cd.Longs = make([]int64, len(rows))
			for r, row := range rows {
				switch v := row[c]; v.Kind {
				case KindNull:
					if c == 0 {
						return nil, bad(r, v)
					}
					nulls.Add(uint32(r))
				case KindLong:
					cd.Longs[r] = v.Long
				default:
					return nil, bad(r, v)
				}
			}
		case SectionFloat, SectionDouble:
			if kinds[c] == SectionFloat {
				cd.Floats = make([]float32, len(rows))
			} else {
				cd.Doubles = make([]float64, len(rows))
			}
			for r, row := range rows {
				v := row[c]
				switch v.Kind {
				case KindNull:
					nulls.Add(uint32(r))
					continue
				case KindFloat, KindDouble:
				default:
					return nil, bad(r, v)
				}
				if cd.Floats != nil {
					cd.Floats[r] = float32(v.Double)
				} else {
					cd.Doubles[r] = v.Double
				}
			}
		case SectionComplex:
			cd.Blobs = make([][]byte, len(rows))
			for r, row := range rows {
				switch v := row[c]; v.Kind {
				case KindNull:
				case KindComplex:
					cd.Blobs[r] = v.Bytes
					if cd.Blobs[r] == nil {
						cd.Blobs[r] = []byte{}
					}
				default:
					return nil, bad(r, v)
				}
			}
		case SectionString:
			if err := stringColumnFromRows(cd, rows, c, bad); err != nil {
				return nil, err
			}
		case SectionArray:
			if err := arrayColumnFromRows(cd, rows, c, nulls, bad); err != nil {
				return nil, err
			}
		}
		if !nulls.IsEmpty() {
			cd.Nulls = nulls
		}
	}
	return cols, nil
}

func stringColumnFromRows(cd *ColumnData, rows [][]Value, c int, bad func(int, Value) error) error {
	set := map[string]struct{}{}
	for r, row := range rows {
		switch v := row[c]; v.Kind {
		case KindNull:
			cd.HasNull = true
		case KindString:
			set[v.Str] = struct{}{}
		case KindStrings:
			cd.MultiValue = true
			if len(v.Strs) == 0 {
				cd.HasNull = true
			}
			for _, s := range v.Strs {
				set[s] = struct{}{}
			}
		default:
			return bad(r, v)
		}
	}
	cd.Dict = make([]string, 0, len(set))
	for s := range set {
		cd.Dict = append(cd.Dict, s)
	}
	slices.Sort(cd.Dict)
	ids := make(map[string]int32, len(cd.Dict))
	first := int32(0)
	if cd.HasNull {
		first = 1
	}
	for i, s := range cd.Dict {
		ids[s] = first + int32(i)
	}
	if cd.MultiValue {
		cd.Offsets = make([]int32, 0, len(rows)+1)
		cd.Offsets = append(cd.Offsets, 0)
	}
	for _, row := range rows {
		v := row[c]
		switch {
		case v.Kind == KindNull || (v.Kind == KindStrings && len(v.Strs) == 0):
			cd.IDs = append(cd.IDs, 0)
		case v.Kind == KindString:
			cd.IDs = append(cd.IDs, ids[v.Str])
		default:
			for _, s := range v.Strs {
				cd.IDs = append(cd.IDs, ids[s])
			}
		}
		if cd.MultiValue {
			if len(cd.IDs) > math.MaxInt32 {
				return base.Errorf(base.ClassInvalidInput, "column %q holds more than %d values", cd.Name, math.MaxInt32)
			}
			cd.Offsets = append(cd.Offsets, int32(len(cd.IDs)))
		}
	}
	return nil
}

func arrayColumnFromRows(cd *ColumnData, rows [][]Value, c int, nulls *roaring.Bitmap, bad func(int, Value) error) error {
	elem := cd.Type.Elem
	elemNulls := roaring.New()
	cd.ArrayOffsets = make([]int32, 1, len(rows)+1)
	set := map[string]int32{}
	var strs []string
	for r, row := range rows {
		v := row[c]
		switch v.Kind {
		case KindNull:
			nulls.Add(uint32(r))
		case KindArray:
			for _, e := range v.Elems {
				idx := uint32(len(cd.IDs) + len(cd.Longs) + len(cd.Doubles))
				if e.Kind == KindNull {
					elemNulls.Add(idx)
				}
				switch {
				case elem == base.KindString && (e.Kind == KindString || e.Kind == KindNull):
					if e.Kind == KindString {
						if _, ok := set[e.Str]; !ok {
							set[e.Str] = 0
							strs = append(strs, e.Str)
						}
					}
					cd.IDs = append(cd.IDs, 0)
				case elem == base.KindLong && (e.Kind == KindLong || e.Kind == KindNull):
					cd.Longs = append(cd.Longs, e.Long)
				case elem == base.KindDouble && (e.Kind == KindDouble || e.Kind == KindNull):
					cd.Doubles = append(cd.Doubles, e.Double)
				default:
					return bad(r, v)
				}
			}
		default:
			return bad(r, v)
		}
		n := len(cd.IDs) + len(cd.Longs) + len(cd.Doubles)
		if n > math.MaxInt32 {
			return base.Errorf(base.ClassInvalidInput, "column %q holds more than %d elements", cd.Name, math.MaxInt32)
		}
		cd.ArrayOffsets = append(cd.ArrayOffsets, int32(n))
	}
	if elem == base.KindString {
		slices.Sort(strs)
		cd.Dict = strs
		for i, s := range strs {
			set[s] = int32(i)
		}
		k := 0
		for _, row := range rows {
			if row[c].Kind != KindArray {
				continue
			}
			for _, e := range row[c].Elems {
				if e.Kind == KindString {
					cd.IDs[k] = set[e.Str]
				}
				k++
			}
		}
	}
	if !elemNulls.IsEmpty() {
		cd.ElemNulls = elemNulls
	}
	return nil
}
