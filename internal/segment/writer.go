package segment

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment/encoding"
)

// ColumnData is one column's full contents, handed to Write. Which fields are
// used depends on Type; the others must be nil.
//
//   - __time and LONG: Longs.
//   - FLOAT: Floats. DOUBLE: Doubles.
//   - Numeric columns: Nulls marks null rows (nil: none); the value stored
//     at a null row is ignored and written as 0.
//   - STRING: Dict holds the distinct non-null values, sorted by byte order
//     and unique. When HasNull is set, id 0 stands for null and Dict[i] has
//     id i+1; otherwise Dict[i] has id i. Single-value columns put one id per
//     row in IDs. Multi-value columns (MultiValue) put row r's ids in
//     IDs[Offsets[r]:Offsets[r+1]]; a row must hold at least one id (write a
//     null row as the null id).
//   - COMPLEX: Blobs, one per row; a nil blob is null.
//   - ARRAY<elem>: row r's elements are elements ArrayOffsets[r] to
//     ArrayOffsets[r+1] (nondecreasing; len rows+1); Nulls marks null rows,
//     which hold no elements (an empty array is not null); ElemNulls marks
//     null elements by element index. The elements are in Dict/IDs for
//     ARRAY<STRING> (Dict sorted and unique, IDs index Dict; 0 at null
//     elements), Longs for ARRAY<LONG>, Doubles for ARRAY<DOUBLE>.
type ColumnData struct {
	Name       string
	Type       base.ColumnType
	Longs      []int64
	Floats     []float32
	Doubles    []float64
	Nulls      *roaring.Bitmap
	Dict       []string
	HasNull    bool
	MultiValue bool
	IDs        []int32
	Offsets    []int32
	Blobs      [][]byte
	// Arrays only.
	ArrayOffsets []int32
	ElemNulls    *roaring.Bitmap
}

// WriteFile writes a segment to path (through a temporary file in the same
// directory that is synced and renamed into place) and returns its size.
func WriteFile(path string, meta Metadata, cols []ColumnData) (int64, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".segment-*")
	if err != nil {
		return 0, fmt.Errorf("create segment file in %s: %w", dir, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	bw := bufio.NewWriterSize(f, 1<<20)
	n, err := Write(bw, meta, cols)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("write segment %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("write segment %s: %w", path, err)
	}
	return n, nil
}

// Write encodes a segment to w and returns the number of bytes written.
// cols must be __time followed by meta's dimensions and metrics, in order,
// with matching names and types, and one value per row each; __time must be
// sorted. Write fills meta's NumRows, MinTime and MaxTime; it does not check
// that rows are sorted by dimensions (that is the caller's contract).
func Write(w io.Writer, meta Metadata, cols []ColumnData) (int64, error) {
	if err := meta.Validate(); err != nil {
		return 0, err
	}
	names := meta.ColumnNames()
	kinds := meta.columnKinds()
	if len(cols) != len(names) {
		return 0, base.Errorf(base.ClassInvalidInput, "segment has %d columns, schema has %d", len(cols), len(names))
	}
	rows := len(cols[0].Longs)
	if rows > math.MaxInt32 {
		return 0, base.Errorf(base.ClassInvalidInput, "segment of %d rows exceeds the limit of %d", rows, math.MaxInt32)
	}
	meta.NumRows = rows
	meta.MinTime, meta.MaxTime = 0, 0
	if rows > 0 {
		meta.MinTime, meta.MaxTime = cols[0].Longs[0], cols[0].Longs[rows-1]
	}
	for i, c := range cols {
		if c.Name != names[i] {
			return 0, base.Errorf(base.ClassInvalidInput, "column %d is %q, schema says %q", i, c.Name, names[i])
		}
	}
	// Multi-value flags come from the data (on a copy: meta's slices are
	// the caller's).
	meta.Dimensions = slices.Clone(meta.Dimensions)
	for i := range meta.Dimensions {
		meta.Dimensions[i].MultiValue = cols[1+i].MultiValue
	}

	sw := &sectionWriter{w: w}
	sw.writeHeader()
	mb, err := encodeMetadata(&meta)
	if err != nil {
		return 0, err
	}
	sw.section(SectionMetadata, mb)
	var enc encoding.Encoder
	var buf []byte
	for i, c := range cols {
		buf = buf[:0]
		buf, err = appendColumn(buf, &enc, kinds[i], &c, rows)
		if err != nil {
			return 0, fmt.Errorf("column %q: %w", c.Name, err)
		}
		sw.section(kinds[i], buf)
	}
	sw.finish()
	return sw.n, sw.err
}

type sectionEntry struct {
	offset, length uint64
	crc            uint32
	kind           SectionKind
}

type sectionWriter struct {
	w       io.Writer
	n       int64
	err     error
	entries []sectionEntry
}

func (s *sectionWriter) write(b []byte) {
	if s.err != nil {
		return
	}
	k, err := s.w.Write(b)
	s.n += int64(k)
	s.err = err
}

func (s *sectionWriter) pad() {
	var zeros [8]byte
	if r := int(s.n % 8); r != 0 {
		s.write(zeros[:8-r])
	}
}

func (s *sectionWriter) writeHeader() {
	h := make([]byte, 0, headerSize)
	h = append(h, Magic...)
	h = binary.LittleEndian.AppendUint16(h, MajorVersion)
	h = binary.LittleEndian.AppendUint16(h, MinorVersion)
	h = binary.LittleEndian.AppendUint32(h, 0)
	s.write(h)
}

func (s *sectionWriter) section(kind SectionKind, b []byte) {
	s.pad()
	s.entries = append(s.entries, sectionEntry{offset: uint64(s.n), length: uint64(len(b)), crc: checksum(b), kind: kind})
	s.write(b)
}

func (s *sectionWriter) finish() {
	s.pad()
	tableOff := s.n
	t := make([]byte, 0, len(s.entries)*sectionEntrySize)
	for _, e := range s.entries {
		t = binary.LittleEndian.AppendUint64(t, e.offset)
		t = binary.LittleEndian.AppendUint64(t, e.length)
		t = binary.LittleEndian.AppendUint32(t, e.crc)
		t = binary.LittleEndian.AppendUint16(t, uint16(e.kind))
		t = binary.LittleEndian.AppendUint16(t, 0)
	}
	s.write(t)
	f := make([]byte, 0, footerSize)
	f = binary.LittleEndian.AppendUint64(f, uint64(tableOff))
	f = binary.LittleEndian.AppendUint32(f, uint32(len(s.entries)))
	f = binary.LittleEndian.AppendUint32(f, checksum(t))
	f = binary.LittleEndian.AppendUint16(f, MajorVersion)
	f = binary.LittleEndian.AppendUint16(f, MinorVersion)
	f = binary.LittleEndian.AppendUint32(f, checksum(f))
	f = append(f, FooterMagic...)
	s.write(f)
}

func appendColumnHeader(dst []byte, kind SectionKind, flags byte, rows int) []byte {
	dst = append(dst, byte(kind), flags, 0, 0)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(rows))
	dst = binary.LittleEndian.AppendUint32(dst, BlockSize)
	return binary.LittleEndian.AppendUint32(dst, 0)
}

func padTo8(dst []byte) []byte {
	for len(dst)%8 != 0 {
		dst = append(dst, 0)
	}
	return dst
}

func appendColumn(dst []byte, enc *encoding.Encoder, kind SectionKind, c *ColumnData, rows int) ([]byte, error) {
	switch kind {
	case SectionTime:
		if len(c.Longs) != rows || c.Nulls != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "__time needs %d non-null longs", rows)
		}
		if !slices.IsSorted(c.Longs) {
			return nil, base.Errorf(base.ClassInvalidInput, "__time is not sorted")
		}
		return appendNumeric(dst, enc, kind, c, rows)
	case SectionLong, SectionFloat, SectionDouble:
		n := len(c.Longs)
		if kind == SectionFloat {
			n = len(c.Floats)
		} else if kind == SectionDouble {
			n = len(c.Doubles)
		}
		if n != rows {
			return nil, base.Errorf(base.ClassInvalidInput, "%d values for %d rows", n, rows)
		}
		return appendNumeric(dst, enc, kind, c, rows)
	case SectionString:
		return appendString(dst, enc, c, rows)
	case SectionComplex:
		return appendComplex(dst, c, rows)
	case SectionArray:
		return appendArray(dst, enc, c, rows)
	}
	return nil, base.Errorf(base.ClassInvalidInput, "column type %s cannot be stored", c.Type)
}

// appendBitmap appends a length-prefixed (4 bytes) portable roaring bitmap,
// padded to 8 bytes.
func appendNullBitmap(dst []byte, bm *roaring.Bitmap, rows int) ([]byte, error) {
	if bm == nil || bm.IsEmpty() {
		dst = binary.LittleEndian.AppendUint32(dst, 0)
		return binary.LittleEndian.AppendUint32(dst, 0), nil
	}
	if int(bm.Maximum()) >= rows {
		return nil, base.Errorf(base.ClassInvalidInput, "null bitmap names row %d of %d", bm.Maximum(), rows)
	}
	bm.RunOptimize()
	b, err := bm.ToBytes()
	if err != nil {
		return nil, fmt.Errorf("serialize null bitmap: %w", err)
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(b)))
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	dst = append(dst, b...)
	return padTo8(dst), nil
}

func appendNumeric(dst []byte, enc *encoding.Encoder, kind SectionKind, c *ColumnData, rows int) ([]byte, error) {
	var flags byte
	hasNulls := c.Nulls != nil && !c.Nulls.IsEmpty()
	if hasNulls {
		flags |= flagHasNulls
	}
	// min and max over non-null values.
	var lo, hi uint64
	seen := false
	isNull := func(i int) bool { return hasNulls && c.Nulls.Contains(uint32(i)) }
	switch kind {
	case SectionTime, SectionLong:
		var mn, mx int64
		for i, v := range c.Longs {
			if isNull(i) {
				continue
			}
			if !seen || v < mn {
				mn = v
			}
			if !seen || v > mx {
				mx = v
			}
			seen = true
		}
		lo, hi = uint64(mn), uint64(mx)
	default:
		var mn, mx float64
		get := func(i int) float64 {
			if kind == SectionFloat {
				return float64(c.Floats[i])
			}
			return c.Doubles[i]
		}
		for i := 0; i < rows; i++ {
			v := get(i)
			if isNull(i) || math.IsNaN(v) {
				continue
			}
			if !seen || v < mn {
				mn = v
			}
			if !seen || v > mx {
				mx = v
			}
			seen = true
		}
		lo, hi = math.Float64bits(mn), math.Float64bits(mx)
	}
	if !seen && rows > 0 {
		flags |= flagNoValues
	}
	dst = appendColumnHeader(dst, kind, flags, rows)
	dst = binary.LittleEndian.AppendUint64(dst, lo)
	dst = binary.LittleEndian.AppendUint64(dst, hi)
	var err error
	if dst, err = appendNullBitmap(dst, c.Nulls, rows); err != nil {
		return nil, err
	}
	switch kind {
	case SectionTime, SectionLong:
		vals := c.Longs
		if hasNulls {
			vals = slices.Clone(vals)
			for it := c.Nulls.Iterator(); it.HasNext(); {
				vals[it.Next()] = 0
			}
		}
		return appendInt64Seq(dst, enc, vals), nil
	case SectionFloat:
		vals := c.Floats
		if hasNulls {
			vals = slices.Clone(vals)
			for it := c.Nulls.Iterator(); it.HasNext(); {
				vals[it.Next()] = 0
			}
		}
		return appendFloatSeq(dst, rows, func(d []byte, s, e int) []byte { return enc.AppendFloat32Block(d, vals[s:e]) }), nil
	default:
		vals := c.Doubles
		if hasNulls {
			vals = slices.Clone(vals)
			for it := c.Nulls.Iterator(); it.HasNext(); {
				vals[it.Next()] = 0
			}
		}
		return appendFloatSeq(dst, rows, func(d []byte, s, e int) []byte { return enc.AppendFloat64Block(d, vals[s:e]) }), nil
	}
}

// A sequence is: count u64, numBlocks u32, reserved u32, block offsets
// (numBlocks+1) × u64 relative to the first block, the blocks, padding to 8.
func appendSeq(dst []byte, n int, block func(dst []byte, start, end int) []byte) []byte {
	nb := (n + BlockSize - 1) / BlockSize
	dst = binary.LittleEndian.AppendUint64(dst, uint64(n))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(nb))
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	offAt := len(dst)
	dst = append(dst, make([]byte, (nb+1)*8)...)
	dataAt := len(dst)
	for b := 0; b < nb; b++ {
		binary.LittleEndian.PutUint64(dst[offAt+b*8:], uint64(len(dst)-dataAt))
		dst = block(dst, b*BlockSize, min(n, (b+1)*BlockSize))
	}
	binary.LittleEndian.PutUint64(dst[offAt+nb*8:], uint64(len(dst)-dataAt))
	return padTo8(dst)
}

func appendInt64Seq(dst []byte, enc *encoding.Encoder, vals []int64) []byte {
	return appendSeq(dst, len(vals), func(d []byte, s, e int) []byte { return enc.AppendInt64Block(d, vals[s:e]) })
}

func appendFloatSeq(dst []byte, n int, block func(d []byte, s, e int) []byte) []byte {
	return appendSeq(dst, n, block)
}

func appendString(dst []byte, enc *encoding.Encoder, c *ColumnData, rows int) ([]byte, error) {
	card := len(c.Dict)
	if c.HasNull {
		card++
	}
	if card >= math.MaxInt32 {
		return nil, base.Errorf(base.ClassInvalidInput, "dictionary of %d values is too large", card)
	}
	for i := 1; i < len(c.Dict); i++ {
		if c.Dict[i-1] >= c.Dict[i] {
			return nil, base.Errorf(base.ClassInvalidInput, "dictionary not sorted and unique at %d: %q, %q", i, c.Dict[i-1], c.Dict[i])
		}
	}
	// Validate ids and group rows by id (a counting sort), so that each
	// id's bitmap is built from its sorted rows in one go.
	checkID := func(id int32) error {
		if id < 0 || int(id) >= card {
			return base.Errorf(base.ClassInvalidInput, "dictionary id %d out of range [0,%d)", id, card)
		}
		return nil
	}
	starts := make([]int, card+1)
	if c.MultiValue {
		if len(c.Offsets) != rows+1 || c.Offsets[0] != 0 || int(c.Offsets[rows]) != len(c.IDs) {
			return nil, base.Errorf(base.ClassInvalidInput, "multi-value offsets do not cover %d rows and %d ids", rows, len(c.IDs))
		}
		for r := 0; r < rows; r++ {
			if c.Offsets[r+1] <= c.Offsets[r] {
				return nil, base.Errorf(base.ClassInvalidInput, "multi-value row %d holds no ids", r)
			}
		}
	} else if len(c.IDs) != rows {
		return nil, base.Errorf(base.ClassInvalidInput, "%d ids for %d rows", len(c.IDs), rows)
	}
	for _, id := range c.IDs {
		if err := checkID(id); err != nil {
			return nil, err
		}
		starts[id+1]++
	}
	for i := 1; i <= card; i++ {
		starts[i] += starts[i-1]
	}
	rowsByID := make([]uint32, len(c.IDs))
	next := slices.Clone(starts[:card])
	if c.MultiValue {
		for r := 0; r < rows; r++ {
			prev := int32(-1)
			for _, id := range c.IDs[c.Offsets[r]:c.Offsets[r+1]] {
				if id == prev {
					continue // a repeated value in one row: the row is in the bitmap once
				}
				prev = id
				rowsByID[next[id]] = uint32(r)
				next[id]++
			}
		}
	} else {
		for r, id := range c.IDs {
			rowsByID[next[id]] = uint32(r)
			next[id]++
		}
	}
	var flags byte
	if c.HasNull {
		flags |= flagHasNulls
	}
	if c.MultiValue {
		flags |= flagMultiValue
	}
	dst = appendColumnHeader(dst, SectionString, flags, rows)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(card))
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	// Dictionary: (card+1) u32 offsets, then bytes.
	off := uint64(0)
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	if c.HasNull {
		dst = binary.LittleEndian.AppendUint32(dst, 0)
	}
	for _, s := range c.Dict {
		off += uint64(len(s))
		if off > math.MaxUint32 {
			return nil, base.Errorf(base.ClassInvalidInput, "dictionary exceeds 4 GiB")
		}
		dst = binary.LittleEndian.AppendUint32(dst, uint32(off))
	}
	for _, s := range c.Dict {
		dst = append(dst, s...)
	}
	dst = padTo8(dst)
	// Bitmaps: (card+1) u64 offsets, then the bitmaps.
	offAt := len(dst)
	dst = append(dst, make([]byte, (card+1)*8)...)
	dataAt := len(dst)
	bm := roaring.New()
	var list []byte
	for i := 0; i < card; i++ {
		binary.LittleEndian.PutUint64(dst[offAt+i*8:], uint64(len(dst)-dataAt))
		// Rows were visited in order, so rows is sorted (a row repeating
		// a value non-adjacently appears twice; both forms drop repeats).
		rows := rowsByID[starts[i]:next[i]]
		list = list[:0]
		if len(rows) <= maxListRows {
			list = appendRowList(list, rows)
		}
		if len(list) > 0 && len(list) <= minRoaringBytes {
			// No roaring bitmap is smaller: skip building one.
			dst = append(dst, bitmapRowList)
			dst = append(dst, list...)
			continue
		}
		bm.Clear()
		bm.AddMany(rows)
		bm.RunOptimize()
		if len(list) > 0 && uint64(len(list)) <= bm.GetSerializedSizeInBytes() {
			dst = append(dst, bitmapRowList)
			dst = append(dst, list...)
			continue
		}
		dst = append(dst, bitmapRoaring)
		if _, err := bm.WriteTo(appendWriter{&dst}); err != nil {
			return nil, fmt.Errorf("serialize bitmap of id %d: %w", i, err)
		}
	}
	binary.LittleEndian.PutUint64(dst[offAt+card*8:], uint64(len(dst)-dataAt))
	dst = padTo8(dst)
	// Ids.
	ids := make([]int64, len(c.IDs))
	for i, id := range c.IDs {
		ids[i] = int64(id)
	}
	if c.MultiValue {
		offs := make([]int64, len(c.Offsets))
		for i, o := range c.Offsets {
			offs[i] = int64(o)
		}
		dst = appendInt64Seq(dst, enc, offs)
	}
	return appendInt64Seq(dst, enc, ids), nil
}

// Per-value bitmap forms in string columns: a tag byte, then either a
// portable roaring bitmap or, for a few rows, a row list.
const (
	bitmapRoaring = 0
	bitmapRowList = 1
	// maxListRows is the most rows the writer considers a row list for.
	maxListRows = 64
	// minRoaringBytes is the smallest portable roaring serialization of a
	// non-empty bitmap: cookie and size (4), run flags (1), key and
	// cardinality (4), one run container (2 + 4).
	minRoaringBytes = 15
)

// appendRowList appends sorted rows as uvarint count, then the first row and
// the gaps (row - previous row - 1), skipping repeats.
func appendRowList(dst []byte, rows []uint32) []byte {
	n := 0
	for i, r := range rows {
		if i == 0 || r != rows[i-1] {
			n++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for i, r := range rows {
		switch {
		case i == 0:
			dst = binary.AppendUvarint(dst, uint64(r))
		case r != rows[i-1]:
			dst = binary.AppendUvarint(dst, uint64(r-rows[i-1]-1))
		}
	}
	return dst
}

// appendWriter is an io.Writer appending to a byte slice.
type appendWriter struct{ b *[]byte }

func (w appendWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}

func appendComplex(dst []byte, c *ColumnData, rows int) ([]byte, error) {
	if len(c.Blobs) != rows {
		return nil, base.Errorf(base.ClassInvalidInput, "%d values for %d rows", len(c.Blobs), rows)
	}
	nulls := roaring.New()
	for i, b := range c.Blobs {
		if b == nil {
			nulls.Add(uint32(i))
		}
	}
	var flags byte
	if !nulls.IsEmpty() {
		flags |= flagHasNulls
	}
	dst = appendColumnHeader(dst, SectionComplex, flags, rows)
	var err error
	if dst, err = appendNullBitmap(dst, nulls, rows); err != nil {
		return nil, err
	}
	off := uint64(0)
	dst = binary.LittleEndian.AppendUint64(dst, 0)
	for _, b := range c.Blobs {
		off += uint64(len(b))
		dst = binary.LittleEndian.AppendUint64(dst, off)
	}
	for _, b := range c.Blobs {
		dst = append(dst, b...)
	}
	return padTo8(dst), nil
}

func appendArray(dst []byte, enc *encoding.Encoder, c *ColumnData, rows int) ([]byte, error) {
	if len(c.ArrayOffsets) != rows+1 || c.ArrayOffsets[0] != 0 {
		return nil, base.Errorf(base.ClassInvalidInput, "array offsets do not cover %d rows", rows)
	}
	for r := 0; r < rows; r++ {
		if c.ArrayOffsets[r+1] < c.ArrayOffsets[r] {
			return nil, base.Errorf(base.ClassInvalidInput, "array offsets decrease at row %d", r)
		}
		if c.Nulls != nil && c.Nulls.Contains(uint32(r)) && c.ArrayOffsets[r+1] != c.ArrayOffsets[r] {
			return nil, base.Errorf(base.ClassInvalidInput, "null array row %d holds elements", r)
		}
	}
	elems := int(c.ArrayOffsets[rows])
	var n int
	switch c.Type.Elem {
	case base.KindString:
		n = len(c.IDs)
		for i := 1; i < len(c.Dict); i++ {
			if c.Dict[i-1] >= c.Dict[i] {
				return nil, base.Errorf(base.ClassInvalidInput, "element dictionary not sorted and unique at %d", i)
			}
		}
		for _, id := range c.IDs {
			if id < 0 || int(id) >= max(len(c.Dict), 1) {
				return nil, base.Errorf(base.ClassInvalidInput, "element id %d out of range [0,%d)", id, len(c.Dict))
			}
		}
	case base.KindLong:
		n = len(c.Longs)
	case base.KindDouble:
		n = len(c.Doubles)
	default:
		return nil, base.Errorf(base.ClassInvalidInput, "array element type %s", c.Type)
	}
	if n != elems {
		return nil, base.Errorf(base.ClassInvalidInput, "%d elements, offsets say %d", n, elems)
	}
	if c.ElemNulls != nil && !c.ElemNulls.IsEmpty() && int(c.ElemNulls.Maximum()) >= elems {
		return nil, base.Errorf(base.ClassInvalidInput, "element null bitmap names element %d of %d", c.ElemNulls.Maximum(), elems)
	}
	var flags byte
	if c.Nulls != nil && !c.Nulls.IsEmpty() {
		flags |= flagHasNulls
	}
	dst = appendColumnHeader(dst, SectionArray, flags, rows)
	dst = append(dst, byte(c.Type.Elem), 0, 0, 0, 0, 0, 0, 0)
	var err error
	if dst, err = appendNullBitmap(dst, c.Nulls, rows); err != nil {
		return nil, err
	}
	if dst, err = appendNullBitmap(dst, c.ElemNulls, elems); err != nil {
		return nil, err
	}
	offs := make([]int64, rows+1)
	for i, o := range c.ArrayOffsets {
		offs[i] = int64(o)
	}
	dst = appendInt64Seq(dst, enc, offs)
	isNullElem := func(i int) bool { return c.ElemNulls != nil && c.ElemNulls.Contains(uint32(i)) }
	switch c.Type.Elem {
	case base.KindString:
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(c.Dict)))
		dst = binary.LittleEndian.AppendUint32(dst, 0)
		off := uint64(0)
		dst = binary.LittleEndian.AppendUint32(dst, 0)
		for _, s := range c.Dict {
			off += uint64(len(s))
			if off > math.MaxUint32 {
				return nil, base.Errorf(base.ClassInvalidInput, "element dictionary exceeds 4 GiB")
			}
			dst = binary.LittleEndian.AppendUint32(dst, uint32(off))
		}
		for _, s := range c.Dict {
			dst = append(dst, s...)
		}
		dst = padTo8(dst)
		ids := make([]int64, elems)
		for i, id := range c.IDs {
			if !isNullElem(i) {
				ids[i] = int64(id)
			}
		}
		return appendInt64Seq(dst, enc, ids), nil
	case base.KindLong:
		vals := slices.Clone(c.Longs)
		for i := range vals {
			if isNullElem(i) {
				vals[i] = 0
			}
		}
		return appendInt64Seq(dst, enc, vals), nil
	default:
		vals := slices.Clone(c.Doubles)
		for i := range vals {
			if isNullElem(i) {
				vals[i] = 0
			}
		}
		return appendSeq(dst, elems, func(d []byte, s, e int) []byte { return enc.AppendFloat64Block(d, vals[s:e]) }), nil
	}
}
