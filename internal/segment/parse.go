package segment

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment/encoding"
)

// parser reads a column section with bounds checks. The first failure is
// kept in err; later calls do nothing and return zero values.
type parser struct {
	b     []byte
	off   int
	where string
	err   error
}

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = corrupt(p.where, "at byte %d: %s", p.off, fmt.Sprintf(format, args...))
	}
}

func (p *parser) take(n uint64, what string) []byte {
	if p.err != nil {
		return nil
	}
	if n > uint64(len(p.b)-p.off) {
		p.fail("%s of %d bytes is truncated (%d left)", what, n, len(p.b)-p.off)
		return nil
	}
	s := p.b[p.off : p.off+int(n)]
	p.off += int(n)
	return s
}

func (p *parser) u32(what string) uint32 {
	b := p.take(4, what)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (p *parser) u64(what string) uint64 {
	b := p.take(8, what)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (p *parser) align() {
	if p.err != nil {
		return
	}
	n := align8(p.off) - p.off
	if n > len(p.b)-p.off {
		p.fail("padding truncated")
		return
	}
	p.off += n
}

type columnHeader struct {
	flags byte
	rows  int
}

func (p *parser) columnHeader(kind SectionKind, rows int) columnHeader {
	b := p.take(columnHeaderSize, "column header")
	if b == nil {
		return columnHeader{}
	}
	h := columnHeader{flags: b[1], rows: int(binary.LittleEndian.Uint32(b[4:]))}
	switch {
	case SectionKind(b[0]) != kind:
		p.fail("column kind %d, want %d (%s)", b[0], kind, kind)
	case b[2] != 0 || b[3] != 0 || binary.LittleEndian.Uint32(b[12:]) != 0:
		p.fail("reserved bytes set")
	case h.rows != rows:
		p.fail("column has %d rows, metadata says %d", h.rows, rows)
	case binary.LittleEndian.Uint32(b[8:]) != BlockSize:
		p.fail("block size %d, want %d", binary.LittleEndian.Uint32(b[8:]), BlockSize)
	case h.flags&^(flagHasNulls|flagMultiValue|flagNoValues) != 0:
		p.fail("unknown flags %#x", h.flags)
	}
	return h
}

// bitmap parses a portable roaring bitmap from b, which must be entirely
// consumed, and checks that every value is below limit. FromBuffer trusts its
// input, so panics are converted to errors here and the result is validated.
func parseBitmap(b []byte, limit int) (bm *roaring.Bitmap, err error) {
	defer func() {
		if r := recover(); r != nil {
			bm, err = nil, fmt.Errorf("malformed bitmap: %v", r)
		}
	}()
	bm = roaring.New()
	n, err := bm.FromBuffer(b)
	if err != nil {
		return nil, fmt.Errorf("malformed bitmap: %w", err)
	}
	if n != int64(len(b)) {
		return nil, fmt.Errorf("bitmap is %d bytes, %d read", len(b), n)
	}
	if err := bm.Validate(); err != nil {
		return nil, fmt.Errorf("malformed bitmap: %w", err)
	}
	if !bm.IsEmpty() && uint64(bm.Maximum()) >= uint64(limit) {
		return nil, fmt.Errorf("bitmap names row %d of %d", bm.Maximum(), limit)
	}
	return bm, nil
}

// parseValueBitmap parses a per-value bitmap of a string column: a tag
// byte, then a portable roaring bitmap or a row list.
func parseValueBitmap(b []byte, limit int) (*roaring.Bitmap, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("empty bitmap entry")
	}
	switch b[0] {
	case bitmapRoaring:
		return parseBitmap(b[1:], limit)
	case bitmapRowList:
		p := b[1:]
		n, k := binary.Uvarint(p)
		if k <= 0 || n == 0 || n > uint64(limit) || n > maxListRows {
			return nil, fmt.Errorf("row list count invalid")
		}
		p = p[k:]
		bm := roaring.New()
		next := uint64(0)
		for i := uint64(0); i < n; i++ {
			d, k := binary.Uvarint(p)
			if k <= 0 {
				return nil, fmt.Errorf("row list truncated at entry %d", i)
			}
			p = p[k:]
			if d >= uint64(limit) || next+d >= uint64(limit) {
				return nil, fmt.Errorf("row list names a row beyond %d", limit)
			}
			row := next + d
			bm.Add(uint32(row))
			next = row + 1
		}
		if len(p) != 0 {
			return nil, fmt.Errorf("row list has %d trailing bytes", len(p))
		}
		return bm, nil
	}
	return nil, fmt.Errorf("unknown bitmap form %d", b[0])
}

// nullBitmap reads a length-prefixed bitmap (absent when the length is 0).
func (p *parser) nullBitmap(rows int, want bool) *roaring.Bitmap {
	n := p.u32("null bitmap length")
	if p.u32("reserved") != 0 {
		p.fail("reserved bytes set")
	}
	b := p.take(uint64(n), "null bitmap")
	p.align()
	if p.err != nil {
		return nil
	}
	if (n != 0) != want {
		p.fail("null bitmap presence (%d bytes) disagrees with the column flags", n)
		return nil
	}
	if n == 0 {
		return nil
	}
	bm, err := parseBitmap(b, rows)
	if err != nil {
		p.fail("null bitmap: %v", err)
		return nil
	}
	if bm.IsEmpty() {
		p.fail("null bitmap is empty")
		return nil
	}
	return bm
}

type seqKind int

const (
	seqInt64 seqKind = iota
	seqFloat64
	seqFloat32
)

type seq struct {
	n       int
	iblocks []encoding.Int64Block
	fblocks []encoding.FloatBlock
}

// seq reads a block sequence of exactly want values.
func (p *parser) seq(kind seqKind, want int, what string) seq {
	n := p.u64(what + " value count")
	nb := p.u32(what + " block count")
	if p.u32("reserved") != 0 {
		p.fail("reserved bytes set")
	}
	if p.err != nil {
		return seq{}
	}
	if n != uint64(want) {
		p.fail("%s holds %d values, want %d", what, n, want)
		return seq{}
	}
	if uint64(nb) != (n+BlockSize-1)/BlockSize {
		p.fail("%s has %d blocks for %d values", what, nb, n)
		return seq{}
	}
	offs := p.take((uint64(nb)+1)*8, what+" block offsets")
	if p.err != nil {
		return seq{}
	}
	data := p.b[p.off:]
	s := seq{n: want}
	var scratch []float64
	var scratch32 []float32
	prev := uint64(0)
	for b := 0; b <= int(nb); b++ {
		o := binary.LittleEndian.Uint64(offs[b*8:])
		if (b == 0 && o != 0) || o < prev || o > uint64(len(data)) {
			p.fail("%s block %d offset %d out of order or beyond %d", what, b, o, len(data))
			return seq{}
		}
		if b > 0 {
			blk := data[prev:o]
			cnt := min(BlockSize, want-(b-1)*BlockSize)
			switch kind {
			case seqInt64:
				ib, err := encoding.ParseInt64Block(blk, cnt)
				if err != nil {
					p.fail("%s block %d: %v", what, b-1, err)
					return seq{}
				}
				s.iblocks = append(s.iblocks, ib)
			default:
				var fb encoding.FloatBlock
				var err error
				if kind == seqFloat64 {
					fb, err = encoding.ParseFloat64Block(blk, cnt)
					if err == nil && fb.Kind() == encoding.KindLZ4 {
						if scratch == nil {
							scratch = make([]float64, BlockSize)
						}
						err = fb.DecodeFloat64(scratch[:cnt], 0)
					}
				} else {
					fb, err = encoding.ParseFloat32Block(blk, cnt)
					if err == nil && fb.Kind() == encoding.KindLZ4 {
						if scratch32 == nil {
							scratch32 = make([]float32, BlockSize)
						}
						err = fb.DecodeFloat32(scratch32[:cnt], 0)
					}
				}
				if err != nil {
					p.fail("%s block %d: %v", what, b-1, err)
					return seq{}
				}
				s.fblocks = append(s.fblocks, fb)
			}
		}
		prev = o
	}
	p.off += int(prev)
	p.align()
	return s
}

func (s *seq) encodings() map[string]int {
	m := map[string]int{}
	for i := range s.iblocks {
		m[s.iblocks[i].Kind().String()]++
	}
	for i := range s.fblocks {
		m[s.fblocks[i].Kind().String()]++
	}
	return m
}

// readInt64 decodes values [start, start+len(dst)) (within range).
func (s *seq) readInt64(start int, dst []int64) {
	for pos := 0; pos < len(dst); {
		row := start + pos
		blk := &s.iblocks[row/BlockSize]
		off := row % BlockSize
		k := min(len(dst)-pos, blk.Len()-off)
		blk.Decode(dst[pos:pos+k], off)
		pos += k
	}
}

func (s *seq) readInt32(start int, dst []int32) {
	for pos := 0; pos < len(dst); {
		row := start + pos
		blk := &s.iblocks[row/BlockSize]
		off := row % BlockSize
		k := min(len(dst)-pos, blk.Len()-off)
		blk.DecodeInt32(dst[pos:pos+k], off)
		pos += k
	}
}

// scatterInt64 sets dst[r] to value start+r for every r of rows (within
// range), reading single values.
func (s *seq) scatterInt64(start int, rows []int32, dst []int64) {
	for _, r := range rows {
		row := start + int(r)
		dst[r] = s.iblocks[row/BlockSize].At(row % BlockSize)
	}
}

// scatterInt32 is scatterInt64 for ids (truncated to int32).
func (s *seq) scatterInt32(start int, rows []int32, dst []int32) {
	for _, r := range rows {
		row := start + int(r)
		dst[r] = int32(s.iblocks[row/BlockSize].At(row % BlockSize))
	}
}

func (s *seq) readFloat64(start int, dst []float64) {
	for pos := 0; pos < len(dst); {
		row := start + pos
		blk := &s.fblocks[row/BlockSize]
		off := row % BlockSize
		k := min(len(dst)-pos, blk.Len()-off)
		if err := blk.DecodeFloat64(dst[pos:pos+k], off); err != nil {
			panic(fmt.Sprintf("segment: BUG: block validated at open fails to decode: %v", err))
		}
		pos += k
	}
}

func (s *seq) readFloat32(start int, dst []float32) {
	for pos := 0; pos < len(dst); {
		row := start + pos
		blk := &s.fblocks[row/BlockSize]
		off := row % BlockSize
		k := min(len(dst)-pos, blk.Len()-off)
		if err := blk.DecodeFloat32(dst[pos:pos+k], off); err != nil {
			panic(fmt.Sprintf("segment: BUG: block validated at open fails to decode: %v", err))
		}
		pos += k
	}
}

func (p *parser) numeric(h columnHeader, info ColumnInfo) Column {
	lo := p.u64("min")
	hi := p.u64("max")
	nulls := p.nullBitmap(h.rows, h.flags&flagHasNulls != 0)
	if h.flags&flagMultiValue != 0 {
		p.fail("numeric column flagged multi-value")
	}
	kind := seqInt64
	sk := kindOfType(info.Type)
	if info.Section == 1 {
		sk = SectionTime
		if nulls != nil {
			p.fail("__time has nulls")
		}
	}
	switch sk {
	case SectionFloat:
		kind = seqFloat32
	case SectionDouble:
		kind = seqFloat64
	}
	s := p.seq(kind, h.rows, "values")
	if p.err == nil && p.off != len(p.b) {
		p.fail("%d trailing bytes", len(p.b)-p.off)
	}
	if p.err != nil {
		return nil
	}
	info.Encodings = s.encodings()
	info.HasNulls = nulls != nil
	nc := numericColumn{info: info, rows: h.rows, nulls: nulls, seq: s, noValues: h.flags&flagNoValues != 0 || h.rows == 0}
	switch kind {
	case seqFloat32:
		return &floatColumn{numericColumn: nc, min: math.Float64frombits(lo), max: math.Float64frombits(hi)}
	case seqFloat64:
		return &doubleColumn{numericColumn: nc, min: math.Float64frombits(lo), max: math.Float64frombits(hi)}
	}
	return &longColumn{numericColumn: nc, min: int64(lo), max: int64(hi)}
}

func (p *parser) stringColumn(h columnHeader, info ColumnInfo) Column {
	card := p.u32("cardinality")
	if p.u32("reserved") != 0 {
		p.fail("reserved bytes set")
	}
	if h.flags&flagNoValues != 0 {
		p.fail("string column flagged no-values")
	}
	hasNull := h.flags&flagHasNulls != 0
	multi := h.flags&flagMultiValue != 0
	if p.err != nil {
		return nil
	}
	if h.rows > 0 && card == 0 || hasNull && card == 0 || uint64(card) > uint64(len(p.b)) {
		p.fail("cardinality %d is impossible for %d rows", card, h.rows)
		return nil
	}
	dictOffs := p.take((uint64(card)+1)*4, "dictionary offsets")
	if p.err != nil {
		return nil
	}
	dictLen := binary.LittleEndian.Uint32(dictOffs[int(card)*4:])
	dict := p.take(uint64(dictLen), "dictionary")
	p.align()
	if p.err != nil {
		return nil
	}
	c := &stringColumn{info: info, rows: h.rows, card: int(card), hasNull: hasNull, multi: multi, dictOffs: dictOffs, dict: dict}
	prev := uint32(0)
	first := 0
	if hasNull {
		first = 1
	}
	for i := 0; i <= int(card); i++ {
		o := binary.LittleEndian.Uint32(dictOffs[i*4:])
		if (i == 0 && o != 0) || o < prev || o > dictLen || (hasNull && i == 1 && o != 0) {
			p.fail("dictionary offset %d (%d) out of order", i, o)
			return nil
		}
		if i > first+1 && bytes.Compare(dict[binary.LittleEndian.Uint32(dictOffs[(i-2)*4:]):prev], dict[prev:o]) >= 0 {
			p.fail("dictionary not sorted at id %d", i-1)
			return nil
		}
		prev = o
	}
	bmOffs := p.take((uint64(card)+1)*8, "bitmap offsets")
	if p.err != nil {
		return nil
	}
	bmLen := binary.LittleEndian.Uint64(bmOffs[int(card)*8:])
	bms := p.take(bmLen, "bitmaps")
	p.align()
	if p.err != nil {
		return nil
	}
	pb := uint64(0)
	for i := 0; i <= int(card); i++ {
		o := binary.LittleEndian.Uint64(bmOffs[i*8:])
		if (i == 0 && o != 0) || o < pb || o > bmLen {
			p.fail("bitmap offset %d (%d) out of order", i, o)
			return nil
		}
		pb = o
	}
	c.bmOffs, c.bms = bmOffs, bms
	c.checked = make([]atomic.Uint64, (int(card)+63)/64)
	nvals := h.rows
	if multi {
		c.offs = p.seq(seqInt64, h.rows+1, "row offsets")
		if p.err != nil {
			return nil
		}
		// Offsets must start at 0 and strictly increase (every row holds
		// at least one id); the last is the number of ids.
		var buf [BlockSize]int64
		prev := int64(-1)
		for start := 0; start < h.rows+1; start += BlockSize {
			k := min(BlockSize, h.rows+1-start)
			c.offs.readInt64(start, buf[:k])
			for j, o := range buf[:k] {
				if (start+j == 0 && o != 0) || (start+j > 0 && o <= prev) || o > math.MaxInt32 {
					p.fail("row offset %d (%d) out of order", start+j, o)
					return nil
				}
				prev = o
			}
		}
		nvals = int(prev)
	}
	c.ids = p.seq(seqInt64, nvals, "ids")
	if p.err == nil && p.off != len(p.b) {
		p.fail("%d trailing bytes", len(p.b)-p.off)
	}
	if p.err != nil {
		return nil
	}
	var buf [BlockSize]int64
	for start := 0; start < nvals; start += BlockSize {
		k := min(BlockSize, nvals-start)
		c.ids.readInt64(start, buf[:k])
		for j, id := range buf[:k] {
			if id < 0 || id >= int64(card) {
				p.fail("id %d of value %d out of range [0,%d)", id, start+j, card)
				return nil
			}
		}
	}
	c.info.Encodings = c.ids.encodings()
	c.info.Cardinality = int(card)
	c.info.MultiValue = multi
	c.info.HasNulls = hasNull
	return c
}

func (p *parser) complexColumn(h columnHeader, info ColumnInfo) Column {
	if h.flags&(flagMultiValue|flagNoValues) != 0 {
		p.fail("complex column with string or numeric flags")
	}
	nulls := p.nullBitmap(h.rows, h.flags&flagHasNulls != 0)
	offs := p.take(uint64(h.rows+1)*8, "value offsets")
	if p.err != nil {
		return nil
	}
	data := p.b[p.off:]
	prev := uint64(0)
	for i := 0; i <= h.rows; i++ {
		o := binary.LittleEndian.Uint64(offs[i*8:])
		if (i == 0 && o != 0) || o < prev || o > uint64(len(data)) {
			p.fail("value offset %d (%d) out of order or beyond %d", i, o, len(data))
			return nil
		}
		if i > 0 && nulls != nil && o != prev && nulls.Contains(uint32(i-1)) {
			p.fail("null row %d has a value", i-1)
			return nil
		}
		prev = o
	}
	p.off += int(prev)
	p.align()
	if p.err == nil && p.off != len(p.b) {
		p.fail("%d trailing bytes", len(p.b)-p.off)
	}
	if p.err != nil {
		return nil
	}
	info.HasNulls = nulls != nil
	return &complexColumn{info: info, rows: h.rows, nulls: nulls, offs: offs, data: data[:prev]}
}

func (p *parser) arrayColumn(h columnHeader, info ColumnInfo) Column {
	if h.flags&(flagMultiValue|flagNoValues) != 0 {
		p.fail("array column with string or numeric flags")
	}
	eb := p.take(8, "element type")
	if p.err != nil {
		return nil
	}
	if base.TypeKind(eb[0]) != info.Type.Elem || string(eb[1:]) != "\x00\x00\x00\x00\x00\x00\x00" {
		p.fail("element type %d, schema says %s", eb[0], info.Type)
		return nil
	}
	nulls := p.nullBitmap(h.rows, h.flags&flagHasNulls != 0)
	// The element null bitmap's presence is not flagged; accept either.
	at := p.off
	elemNullLen := p.u32("element null bitmap length")
	p.off = at
	if p.err != nil {
		return nil
	}
	// Its row limit is the element count, known only after the offsets;
	// parse it against a generous limit first and check below.
	elemNulls := p.nullBitmap(math.MaxInt32, elemNullLen != 0)
	c := &arrayColumn{info: info, rows: h.rows, nulls: nulls, elemNulls: elemNulls, elem: info.Type.Elem}
	c.offs = p.seq(seqInt64, h.rows+1, "array offsets")
	if p.err != nil {
		return nil
	}
	var buf [BlockSize]int64
	prev := int64(0)
	for start := 0; start < h.rows+1; start += BlockSize {
		k := min(BlockSize, h.rows+1-start)
		c.offs.readInt64(start, buf[:k])
		for j, o := range buf[:k] {
			row := start + j
			if (row == 0 && o != 0) || o < prev || o > math.MaxInt32 {
				p.fail("array offset %d (%d) out of order", row, o)
				return nil
			}
			if row > 0 && o != prev && nulls != nil && nulls.Contains(uint32(row-1)) {
				p.fail("null array row %d holds elements", row-1)
				return nil
			}
			prev = o
		}
	}
	c.n = int(prev)
	if elemNulls != nil && int(elemNulls.Maximum()) >= c.n {
		p.fail("element null bitmap names element %d of %d", elemNulls.Maximum(), c.n)
		return nil
	}
	switch c.elem {
	case base.KindString:
		card := p.u32("element cardinality")
		if p.u32("reserved") != 0 {
			p.fail("reserved bytes set")
		}
		if p.err != nil || uint64(card) > uint64(len(p.b)) {
			p.fail("element cardinality %d impossible", card)
			return nil
		}
		dictOffs := p.take((uint64(card)+1)*4, "element dictionary offsets")
		if p.err != nil {
			return nil
		}
		dictLen := binary.LittleEndian.Uint32(dictOffs[int(card)*4:])
		dict := p.take(uint64(dictLen), "element dictionary")
		p.align()
		if p.err != nil {
			return nil
		}
		prevOff := uint32(0)
		for i := 0; i <= int(card); i++ {
			o := binary.LittleEndian.Uint32(dictOffs[i*4:])
			if (i == 0 && o != 0) || o < prevOff || o > dictLen {
				p.fail("element dictionary offset %d (%d) out of order", i, o)
				return nil
			}
			if i > 1 && bytes.Compare(dict[binary.LittleEndian.Uint32(dictOffs[(i-2)*4:]):prevOff], dict[prevOff:o]) >= 0 {
				p.fail("element dictionary not sorted at id %d", i-1)
				return nil
			}
			prevOff = o
		}
		c.dict = &stringColumn{info: info, rows: 0, card: int(card), dictOffs: dictOffs, dict: dict}
		c.vals = p.seq(seqInt64, c.n, "element ids")
		if p.err != nil {
			return nil
		}
		for start := 0; start < c.n; start += BlockSize {
			k := min(BlockSize, c.n-start)
			c.vals.readInt64(start, buf[:k])
			for j, id := range buf[:k] {
				if id < 0 || id >= max(int64(card), 1) || (card == 0 && (elemNulls == nil || !elemNulls.Contains(uint32(start+j)))) {
					p.fail("element %d id %d out of range [0,%d)", start+j, id, card)
					return nil
				}
			}
		}
	case base.KindLong:
		c.vals = p.seq(seqInt64, c.n, "elements")
	case base.KindDouble:
		c.vals = p.seq(seqFloat64, c.n, "elements")
	default:
		p.fail("array element type %s", info.Type)
	}
	if p.err == nil && p.off != len(p.b) {
		p.fail("%d trailing bytes", len(p.b)-p.off)
	}
	if p.err != nil {
		return nil
	}
	c.info.Encodings = c.vals.encodings()
	c.info.HasNulls = nulls != nil
	if c.dict != nil {
		c.info.Cardinality = c.dict.card
	}
	return c
}
