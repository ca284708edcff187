package segment

import (
	"math"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
)

// RowReader reads a segment row by row, decoding each column a block at a
// time. It is meant for whole-segment passes (merging, inspection, tests),
// not for queries, which use the columns directly. A RowReader is not safe
// for concurrent use.
type RowReader struct {
	s     *Segment
	cols  []Column
	kinds []SectionKind
	row   int
	base  int // first row in the buffers
	n     int // rows in the buffers
	longs [][]int64
	dbls  [][]float64
	flts  [][]float32
	ids   [][]int32
	ends  [][]int32 // multi-value: row ends into ids
	arrs  []*arrayBuf
	nulls []*roaring.Bitmap
	row1  []Value
}

// NewRowReader opens every column of s (validating them) and returns a
// reader positioned before the first row.
func (s *Segment) NewRowReader() (*RowReader, error) {
	r := &RowReader{s: s, kinds: s.kinds}
	k := len(s.names)
	r.cols = make([]Column, k)
	r.longs = make([][]int64, k)
	r.dbls = make([][]float64, k)
	r.flts = make([][]float32, k)
	r.ids = make([][]int32, k)
	r.ends = make([][]int32, k)
	r.arrs = make([]*arrayBuf, k)
	r.nulls = make([]*roaring.Bitmap, k)
	r.row1 = make([]Value, k)
	for i, name := range s.names {
		c, err := s.Column(name)
		if err != nil {
			return nil, err
		}
		r.cols[i] = c
		switch c := c.(type) {
		case LongColumn:
			r.longs[i] = make([]int64, BlockSize)
			r.nulls[i] = c.Nulls()
		case DoubleColumn:
			r.dbls[i] = make([]float64, BlockSize)
			r.nulls[i] = c.Nulls()
		case FloatColumn:
			r.flts[i] = make([]float32, BlockSize)
			r.nulls[i] = c.Nulls()
		case StringColumn:
			r.ids[i] = make([]int32, BlockSize)
			if c.IsMultiValue() {
				r.ends[i] = make([]int32, BlockSize)
			}
		case ArrayColumn:
			r.arrs[i] = &arrayBuf{offs: make([]int64, BlockSize+1)}
			r.nulls[i] = c.Nulls()
		}
	}
	return r, nil
}

// Next advances to the next row and reports whether there is one. The row's
// values are then available from Row. Strings are copied; complex values
// alias the segment.
func (r *RowReader) Next() bool {
	if r.row >= r.s.meta.NumRows {
		return false
	}
	if r.row >= r.base+r.n {
		r.base = r.row
		r.n = min(BlockSize, r.s.meta.NumRows-r.base)
		for i, c := range r.cols {
			switch c := c.(type) {
			case LongColumn:
				c.Read(r.base, r.longs[i][:r.n])
			case DoubleColumn:
				c.Read(r.base, r.dbls[i][:r.n])
			case FloatColumn:
				c.Read(r.base, r.flts[i][:r.n])
			case StringColumn:
				if r.ends[i] == nil {
					c.ReadIDs(r.base, r.ids[i][:r.n])
					continue
				}
				for {
					rows, _ := c.ReadMultiIDs(r.base, r.ends[i][:r.n], r.ids[i])
					if rows == r.n || len(r.ids[i]) > math.MaxInt32 {
						// Validation bounds a column's ids by MaxInt32, so
						// the buffer always fits before the second test.
						break
					}
					r.ids[i] = make([]int32, 2*len(r.ids[i]))
				}
			case ArrayColumn:
				r.arrs[i].fill(c, r.base, r.n)
			}
		}
	}
	j := r.row - r.base
	for i, c := range r.cols {
		if r.nulls[i] != nil && r.nulls[i].Contains(uint32(r.row)) {
			r.row1[i] = Value{}
			continue
		}
		switch c := c.(type) {
		case LongColumn:
			r.row1[i] = LongValue(r.longs[i][j])
		case DoubleColumn:
			r.row1[i] = DoubleValue(r.dbls[i][j])
		case FloatColumn:
			r.row1[i] = FloatValue(r.flts[i][j])
		case StringColumn:
			if r.ends[i] == nil {
				r.row1[i] = stringValue(c, int(r.ids[i][j]))
				continue
			}
			s := int32(0)
			if j > 0 {
				s = r.ends[i][j-1]
			}
			ids := r.ids[i][s:r.ends[i][j]]
			if len(ids) == 1 && c.HasNull() && ids[0] == 0 {
				r.row1[i] = Value{}
				continue
			}
			vals := make([]string, len(ids))
			for k, id := range ids {
				vals[k], _ = c.Lookup(int(id))
			}
			r.row1[i] = StringsValue(vals)
		case ArrayColumn:
			r.row1[i] = r.arrs[i].row(c, j)
		case ComplexColumn:
			if b := c.Value(r.row); b != nil {
				r.row1[i] = ComplexValue(b)
			} else {
				r.row1[i] = Value{}
			}
		}
	}
	r.row++
	return true
}

// Row returns the current row's values, in ColumnNames order. The slice is
// reused by the next call to Next.
func (r *RowReader) Row() []Value { return r.row1 }

// RowNum is the index of the current row.
func (r *RowReader) RowNum() int { return r.row - 1 }

func stringValue(c StringColumn, id int) Value {
	s, isNull := c.Lookup(id)
	if isNull {
		return Value{}
	}
	return StringValue(s)
}

// ReadRows returns up to n rows starting at row start, each in ColumnNames
// order, with every value copied.
func (s *Segment) ReadRows(start, n int) ([][]Value, error) {
	r, err := s.NewRowReader()
	if err != nil {
		return nil, err
	}
	var out [][]Value
	for len(out) < n && r.Next() {
		if r.RowNum() < start {
			continue
		}
		row := slices.Clone(r.Row())
		for i := range row {
			if row[i].Kind == KindComplex {
				row[i].Bytes = slices.Clone(row[i].Bytes)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// arrayBuf holds one block of an array column's rows for RowReader.
type arrayBuf struct {
	offs  []int64 // n+1 offsets of the block's rows
	ids   []int32
	longs []int64
	dbls  []float64
}

func (a *arrayBuf) fill(c ArrayColumn, start, n int) {
	c.ReadOffsets(start, a.offs[:n+1])
	first, k := int(a.offs[0]), int(a.offs[n]-a.offs[0])
	switch c.ElementType() {
	case base.KindString:
		a.ids = slices.Grow(a.ids[:0], k)[:k]
		c.ReadElementIDs(first, a.ids)
	case base.KindLong:
		a.longs = slices.Grow(a.longs[:0], k)[:k]
		c.ReadLongElements(first, a.longs)
	default:
		a.dbls = slices.Grow(a.dbls[:0], k)[:k]
		c.ReadDoubleElements(first, a.dbls)
	}
}

// row builds row j of the block (a non-null row).
func (a *arrayBuf) row(c ArrayColumn, j int) Value {
	s, e := int(a.offs[j]-a.offs[0]), int(a.offs[j+1]-a.offs[0])
	first := int(a.offs[0])
	en := c.ElementNulls()
	elems := make([]Value, e-s)
	for i := range elems {
		k := s + i
		if en != nil && en.Contains(uint32(first+k)) {
			continue
		}
		switch c.ElementType() {
		case base.KindString:
			elems[i] = StringValue(c.Lookup(int(a.ids[k])))
		case base.KindLong:
			elems[i] = LongValue(a.longs[k])
		default:
			elems[i] = DoubleValue(a.dbls[k])
		}
	}
	return ArrayValue(elems)
}
