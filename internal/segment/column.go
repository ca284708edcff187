package segment

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
)

// ColumnInfo describes a stored column for inspection.
type ColumnInfo struct {
	Name    string          `json:"name"`
	Type    base.ColumnType `json:"type"`
	Section int             `json:"section"`
	// Bytes is the size of the column's section.
	Bytes int64 `json:"bytes"`
	// Encodings counts the column's value (or id) blocks per encoding.
	Encodings   map[string]int `json:"encodings,omitempty"`
	Cardinality int            `json:"cardinality,omitempty"`
	MultiValue  bool           `json:"multiValue,omitempty"`
	HasNulls    bool           `json:"hasNulls,omitempty"`
}

// Column is a stored column. Concrete columns implement one of LongColumn
// (also __time), FloatColumn, DoubleColumn, StringColumn and ComplexColumn.
// Columns are immutable and safe for concurrent use; their data alias the
// segment and are valid until it is closed.
//
// Reads are fastest when start is a multiple of BlockSize and dst holds
// BlockSize values: a block is then decoded straight into dst.
type Column interface {
	Info() ColumnInfo
	// Len reports the number of rows.
	Len() int
}

// LongColumn is a LONG column or __time.
type LongColumn interface {
	Column
	// Read decodes rows [start, start+len(dst)), clipped to the column,
	// into dst and returns how many it wrote. Null rows read as 0.
	Read(start int, dst []int64) int
	// ReadAt is Read for a sparse selection: for every k it sets
	// dst[rows[k]] to the value of row start+rows[k], decoding only those
	// values where the encoding allows (constant, FOR, raw). rows must lie
	// within the column and dst. Other entries of dst are left alone.
	ReadAt(start int, rows []int32, dst []int64)
	// Min and Max are over non-null values; both are 0 when there are none.
	Min() int64
	Max() int64
	// Nulls returns the null rows, or nil when there are none.
	Nulls() *roaring.Bitmap
}

// DoubleColumn is a DOUBLE column.
type DoubleColumn interface {
	Column
	Read(start int, dst []float64) int
	// Min and Max are over non-null, non-NaN values.
	Min() float64
	Max() float64
	Nulls() *roaring.Bitmap
}

// FloatColumn is a FLOAT column.
type FloatColumn interface {
	Column
	Read(start int, dst []float32) int
	Min() float32
	Max() float32
	Nulls() *roaring.Bitmap
}

// StringColumn is a STRING column: a sorted dictionary, per-row ids and one
// bitmap per dictionary id. When the column has nulls, id 0 is null and the
// values follow in byte order; otherwise ids start at the smallest value.
// So a range of values is a range of ids.
type StringColumn interface {
	Column
	// Cardinality is the number of dictionary ids, null included.
	Cardinality() int
	// HasNull reports whether id 0 is null.
	HasNull() bool
	// Lookup returns the value of id (a copy), and whether it is null.
	// Like LookupBytes, it panics when id is not in [0, Cardinality()).
	Lookup(id int) (value string, isNull bool)
	// LookupBytes returns the value of id without copying (nil for null).
	LookupBytes(id int) []byte
	// IndexOf returns the id of value and true, or the id of the first
	// larger value (Cardinality() if none) and false.
	IndexOf(value string) (int, bool)
	// Bitmap returns the rows holding id. It fails only for a malformed
	// bitmap.
	Bitmap(id int) (*roaring.Bitmap, error)
	// NullBitmap returns the null rows (the bitmap of id 0), or nil when
	// the column has no nulls.
	NullBitmap() (*roaring.Bitmap, error)
	// IsMultiValue reports whether rows hold lists of ids.
	IsMultiValue() bool
	// ReadIDs decodes the ids of rows [start, start+len(dst)) of a
	// single-value column and returns how many it wrote (0 for a
	// multi-value column).
	ReadIDs(start int, dst []int32) int
	// ReadIDsAt is ReadIDs for a sparse selection of a single-value
	// column: for every k it sets dst[rows[k]] to the id of row
	// start+rows[k], decoding only those ids. rows must lie within the
	// column and dst. It returns false (writing nothing) for a
	// multi-value column.
	ReadIDsAt(start int, rows []int32, dst []int32) bool
	// ReadMultiIDs decodes the id lists of consecutive rows of a
	// multi-value column, starting at row start: it fills ids with the
	// rows' ids back to back and rowEnds[i] with the end (exclusive) of row
	// start+i's ids in ids. It stops at len(rowEnds) rows, at the end of
	// the column, or before the first row whose ids do not fit, and returns
	// the rows and ids written (0, 0 for a single-value column). A row
	// holds at most Len()*Cardinality() ids; in practice a few.
	ReadMultiIDs(start int, rowEnds []int32, ids []int32) (rows, n int)
	// RowIDs appends the ids of one row (one id for a single-value column)
	// to dst. It is the slow path; scans use ReadIDs or ReadMultiIDs.
	RowIDs(row int, dst []int32) []int32
}

// ComplexColumn is a COMPLEX<name> column of opaque values.
type ComplexColumn interface {
	Column
	// TypeName is the complex type's name, e.g. "hyperUnique".
	TypeName() string
	// Value returns row's serialized value (aliasing the segment), or nil
	// when it is null.
	Value(row int) []byte
}

type numericColumn struct {
	info     ColumnInfo
	rows     int
	nulls    *roaring.Bitmap
	seq      seq
	noValues bool
}

func (c *numericColumn) Info() ColumnInfo       { return c.info }
func (c *numericColumn) Len() int               { return c.rows }
func (c *numericColumn) Nulls() *roaring.Bitmap { return c.nulls }

func (c *numericColumn) clip(start, n int) int {
	if start < 0 || start >= c.rows {
		return 0
	}
	return min(n, c.rows-start)
}

type longColumn struct {
	numericColumn
	min, max int64
}

func (c *longColumn) Read(start int, dst []int64) int {
	n := c.clip(start, len(dst))
	c.seq.readInt64(start, dst[:n])
	return n
}
func (c *longColumn) ReadAt(start int, rows []int32, dst []int64) {
	c.seq.scatterInt64(start, rows, dst)
}

func (c *longColumn) Min() int64 { return c.min }
func (c *longColumn) Max() int64 { return c.max }

type doubleColumn struct {
	numericColumn
	min, max float64
}

func (c *doubleColumn) Read(start int, dst []float64) int {
	n := c.clip(start, len(dst))
	c.seq.readFloat64(start, dst[:n])
	return n
}
func (c *doubleColumn) Min() float64 { return c.min }
func (c *doubleColumn) Max() float64 { return c.max }

type floatColumn struct {
	numericColumn
	min, max float64
}

func (c *floatColumn) Read(start int, dst []float32) int {
	n := c.clip(start, len(dst))
	c.seq.readFloat32(start, dst[:n])
	return n
}
func (c *floatColumn) Min() float32 { return float32(c.min) }
func (c *floatColumn) Max() float32 { return float32(c.max) }

type stringColumn struct {
	info     ColumnInfo
	rows     int
	card     int
	hasNull  bool
	multi    bool
	dictOffs []byte
	dict     []byte
	bmOffs   []byte
	bms      []byte
	offs     seq // multi-value row offsets (rows+1)
	ids      seq
	// checked has bit id set once id's roaring bitmap has passed full
	// validation: the bytes are immutable, so later calls only rebuild
	// the (copy-on-write) container headers. One bit per id, set with
	// atomic ORs, so concurrent readers share it without locks.
	checked []atomic.Uint64
}

func (c *stringColumn) Info() ColumnInfo   { return c.info }
func (c *stringColumn) Len() int           { return c.rows }
func (c *stringColumn) Cardinality() int   { return c.card }
func (c *stringColumn) HasNull() bool      { return c.hasNull }
func (c *stringColumn) IsMultiValue() bool { return c.multi }

func (c *stringColumn) LookupBytes(id int) []byte {
	if c.hasNull && id == 0 {
		return nil
	}
	s := binary.LittleEndian.Uint32(c.dictOffs[id*4:])
	e := binary.LittleEndian.Uint32(c.dictOffs[id*4+4:])
	return c.dict[s:e:e]
}

func (c *stringColumn) Lookup(id int) (string, bool) {
	if c.hasNull && id == 0 {
		return "", true
	}
	return string(c.LookupBytes(id)), false
}

func (c *stringColumn) IndexOf(value string) (int, bool) {
	lo := 0
	if c.hasNull {
		lo = 1
	}
	i := lo + sort.Search(c.card-lo, func(i int) bool {
		b := c.LookupBytes(lo + i)
		return strings.Compare(unsafe.String(unsafe.SliceData(b), len(b)), value) >= 0
	})
	if i < c.card {
		b := c.LookupBytes(i)
		return i, unsafe.String(unsafe.SliceData(b), len(b)) == value
	}
	return i, false
}

func (c *stringColumn) Bitmap(id int) (*roaring.Bitmap, error) {
	if id < 0 || id >= c.card {
		return nil, base.Errorf(base.ClassInvalidInput, "column %q: dictionary id %d out of range [0,%d)", c.info.Name, id, c.card)
	}
	s := binary.LittleEndian.Uint64(c.bmOffs[id*8:])
	e := binary.LittleEndian.Uint64(c.bmOffs[id*8+8:])
	b := c.bms[s:e:e]
	word, bit := id/64, uint64(1)<<(id%64)
	if word < len(c.checked) && c.checked[word].Load()&bit != 0 && len(b) > 0 && b[0] == bitmapRoaring {
		bm := roaring.New()
		if _, err := bm.FromBuffer(b[1:]); err == nil {
			return bm, nil
		}
	}
	bm, err := parseValueBitmap(b, c.rows)
	if err != nil {
		return nil, corrupt(fmt.Sprintf("section %d (string column %q)", c.info.Section, c.info.Name), "bitmap of id %d: %v", id, err)
	}
	if word < len(c.checked) {
		c.checked[word].Or(bit)
	}
	return bm, nil
}

func (c *stringColumn) NullBitmap() (*roaring.Bitmap, error) {
	if !c.hasNull {
		return nil, nil
	}
	return c.Bitmap(0)
}

func (c *stringColumn) ReadIDs(start int, dst []int32) int {
	if c.multi || start < 0 || start >= c.rows {
		return 0
	}
	n := min(len(dst), c.rows-start)
	c.ids.readInt32(start, dst[:n])
	return n
}

func (c *stringColumn) ReadIDsAt(start int, rows []int32, dst []int32) bool {
	if c.multi {
		return false
	}
	c.ids.scatterInt32(start, rows, dst)
	return true
}

func (c *stringColumn) RowIDs(row int, dst []int32) []int32 {
	if row < 0 || row >= c.rows {
		return dst
	}
	if !c.multi {
		var id [1]int32
		c.ids.readInt32(row, id[:])
		return append(dst, id[0])
	}
	var o [2]int64
	c.offs.readInt64(row, o[:])
	n := len(dst)
	dst = slices.Grow(dst, int(o[1]-o[0]))[:n+int(o[1]-o[0])]
	c.ids.readInt32(int(o[0]), dst[n:])
	return dst
}

func (c *stringColumn) ReadMultiIDs(start int, rowEnds []int32, ids []int32) (int, int) {
	if !c.multi || start < 0 || start >= c.rows || len(rowEnds) == 0 {
		return 0, 0
	}
	n := min(len(rowEnds), c.rows-start)
	// Row offsets start..start+n: the first n into rowEnds, the last apart.
	c.offs.readInt32(start, rowEnds[:n])
	var last [1]int32
	c.offs.readInt32(start+n, last[:])
	first := rowEnds[0]
	for j := 0; j < n-1; j++ {
		rowEnds[j] = rowEnds[j+1] - first
	}
	rowEnds[n-1] = last[0] - first
	// Rows whose ids fit (ends are increasing).
	fit := sort.Search(n, func(j int) bool { return int(rowEnds[j]) > len(ids) })
	if fit == 0 {
		return 0, 0
	}
	cnt := int(rowEnds[fit-1])
	c.ids.readInt32(int(first), ids[:cnt])
	return fit, cnt
}

type complexColumn struct {
	info  ColumnInfo
	rows  int
	nulls *roaring.Bitmap
	offs  []byte
	data  []byte
}

func (c *complexColumn) Info() ColumnInfo { return c.info }
func (c *complexColumn) Len() int         { return c.rows }
func (c *complexColumn) TypeName() string { return c.info.Type.Complex }
func (c *complexColumn) Value(row int) []byte {
	if row < 0 || row >= c.rows || (c.nulls != nil && c.nulls.Contains(uint32(row))) {
		return nil
	}
	s := binary.LittleEndian.Uint64(c.offs[row*8:])
	e := binary.LittleEndian.Uint64(c.offs[row*8+8:])
	if s == e {
		return []byte{}
	}
	return c.data[s:e:e]
}

// ArrayColumn is an ARRAY<STRING|LONG|DOUBLE> column. Its rows are arrays
// of elements (possibly empty; elements may be null) or null. Elements of
// all rows are numbered consecutively: row r holds elements
// [offset(r), offset(r+1)). String elements are dictionary ids into a
// sorted dictionary without a null entry (null elements are in
// ElementNulls and read as id 0).
type ArrayColumn interface {
	Column
	// ElementType is STRING, LONG or DOUBLE.
	ElementType() base.TypeKind
	// Nulls returns the null rows, or nil.
	Nulls() *roaring.Bitmap
	// ElementNulls returns the null elements by element index, or nil.
	ElementNulls() *roaring.Bitmap
	// NumElements is the total number of elements.
	NumElements() int
	// ReadOffsets decodes element offsets [start, start+len(dst)) of the
	// Len()+1 offsets (offset r is where row r's elements begin) and
	// returns how many it wrote.
	ReadOffsets(start int, dst []int64) int
	// ReadElementIDs decodes dictionary ids of elements [start, ...) of an
	// ARRAY<STRING> column.
	ReadElementIDs(start int, dst []int32) int
	// ReadLongElements decodes elements of an ARRAY<LONG> column.
	ReadLongElements(start int, dst []int64) int
	// ReadDoubleElements decodes elements of an ARRAY<DOUBLE> column.
	ReadDoubleElements(start int, dst []float64) int
	// Cardinality, Lookup and IndexOf give the element dictionary of an
	// ARRAY<STRING> column (Cardinality is 0 otherwise). Lookup panics when
	// id is not in [0, Cardinality()) of a string array column.
	Cardinality() int
	Lookup(id int) string
	IndexOf(value string) (int, bool)
	// Row returns one row's value (null or an array), copying strings.
	Row(row int) Value
}

type arrayColumn struct {
	info      ColumnInfo
	rows      int
	n         int
	elem      base.TypeKind
	nulls     *roaring.Bitmap
	elemNulls *roaring.Bitmap
	offs      seq
	vals      seq
	dict      *stringColumn // ARRAY<STRING>: the element dictionary (no null entry)
}

func (c *arrayColumn) Info() ColumnInfo              { return c.info }
func (c *arrayColumn) Len() int                      { return c.rows }
func (c *arrayColumn) ElementType() base.TypeKind    { return c.elem }
func (c *arrayColumn) Nulls() *roaring.Bitmap        { return c.nulls }
func (c *arrayColumn) ElementNulls() *roaring.Bitmap { return c.elemNulls }
func (c *arrayColumn) NumElements() int              { return c.n }

func (c *arrayColumn) ReadOffsets(start int, dst []int64) int {
	if start < 0 || start > c.rows {
		return 0
	}
	n := min(len(dst), c.rows+1-start)
	c.offs.readInt64(start, dst[:n])
	return n
}

func (c *arrayColumn) elemRange(start, n int) int {
	if start < 0 || start >= c.n {
		return 0
	}
	return min(n, c.n-start)
}

func (c *arrayColumn) ReadElementIDs(start int, dst []int32) int {
	if c.elem != base.KindString {
		return 0
	}
	n := c.elemRange(start, len(dst))
	c.vals.readInt32(start, dst[:n])
	return n
}

func (c *arrayColumn) ReadLongElements(start int, dst []int64) int {
	if c.elem != base.KindLong {
		return 0
	}
	n := c.elemRange(start, len(dst))
	c.vals.readInt64(start, dst[:n])
	return n
}

func (c *arrayColumn) ReadDoubleElements(start int, dst []float64) int {
	if c.elem != base.KindDouble {
		return 0
	}
	n := c.elemRange(start, len(dst))
	c.vals.readFloat64(start, dst[:n])
	return n
}

func (c *arrayColumn) Cardinality() int {
	if c.dict == nil {
		return 0
	}
	return c.dict.card
}

func (c *arrayColumn) Lookup(id int) string {
	if c.dict == nil {
		return ""
	}
	s, _ := c.dict.Lookup(id)
	return s
}

func (c *arrayColumn) IndexOf(value string) (int, bool) {
	if c.dict == nil {
		return 0, false
	}
	return c.dict.IndexOf(value)
}

func (c *arrayColumn) Row(row int) Value {
	if row < 0 || row >= c.rows || (c.nulls != nil && c.nulls.Contains(uint32(row))) {
		return Value{}
	}
	var o [2]int64
	c.offs.readInt64(row, o[:])
	return c.elements(int(o[0]), int(o[1]))
}

// elements builds the array of elements [s, e).
func (c *arrayColumn) elements(s, e int) Value {
	elems := make([]Value, e-s)
	for i := range elems {
		el := s + i
		if c.elemNulls != nil && c.elemNulls.Contains(uint32(el)) {
			continue
		}
		switch c.elem {
		case base.KindString:
			var id [1]int32
			c.vals.readInt32(el, id[:])
			elems[i] = StringValue(c.Lookup(int(id[0])))
		case base.KindLong:
			var v [1]int64
			c.vals.readInt64(el, v[:])
			elems[i] = LongValue(v[0])
		default:
			var v [1]float64
			c.vals.readFloat64(el, v[:])
			elems[i] = DoubleValue(v[0])
		}
	}
	return ArrayValue(elems)
}
