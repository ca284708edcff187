package encoding

//go:generate go run gen_unpack.go

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"

	"github.com/pierrec/lz4/v4"
)

// GroupSize is the number of values in one bit-packed group.
const GroupSize = 64

// MaxBlockValues is the largest number of values one block may hold.
const MaxBlockValues = 4096

// Kind is a block encoding. Its numeric values are part of the segment file
// format and must not change.
type Kind uint8

// The block encodings.
const (
	KindConstant Kind = 0
	KindFOR      Kind = 1
	KindDelta    Kind = 2
	KindRaw      Kind = 3
	KindLZ4      Kind = 4
)

// String names the encoding as docs/segment-format.md does.
func (k Kind) String() string {
	switch k {
	case KindConstant:
		return "constant"
	case KindFOR:
		return "for"
	case KindDelta:
		return "delta"
	case KindRaw:
		return "raw"
	case KindLZ4:
		return "lz4"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

func numGroups(n int) int { return (n + GroupSize - 1) / GroupSize }

// Encoder holds scratch space reused across blocks. The zero value is ready
// to use. An Encoder is not safe for concurrent use.
type Encoder struct {
	lz    lz4.Compressor
	raw   []byte
	comp  []byte
	delta []int64
}

// AppendInt64Block appends the smallest encoding of vals (1..MaxBlockValues
// values) to dst and returns the extended slice.
func (e *Encoder) AppendInt64Block(dst []byte, vals []int64) []byte {
	n := len(vals)
	if n == 0 || n > MaxBlockValues {
		panic(fmt.Sprintf("encoding: block of %d values", n))
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals[1:] {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	if lo == hi {
		dst = append(dst, byte(KindConstant))
		return binary.LittleEndian.AppendUint64(dst, uint64(lo))
	}
	g := numGroups(n)
	forWidth := bits.Len64(uint64(hi - lo))
	forSize := 10 + g*forWidth*8
	rawSize := 1 + n*8

	// Delta: d[0] = minDelta (packed 0), d[i] = v[i]-v[i-1].
	e.delta = e.delta[:0]
	e.delta = append(e.delta, 0)
	dlo, dhi := vals[1]-vals[0], vals[1]-vals[0]
	for i := 1; i < n; i++ {
		d := vals[i] - vals[i-1]
		e.delta = append(e.delta, d)
		dlo = min(dlo, d)
		dhi = max(dhi, d)
	}
	e.delta[0] = dlo
	deltaWidth := bits.Len64(uint64(dhi - dlo))
	deltaSize := 18 + g*deltaWidth*8

	switch {
	case forSize <= deltaSize && forSize <= rawSize:
		dst = append(dst, byte(KindFOR))
		dst = binary.LittleEndian.AppendUint64(dst, uint64(lo))
		dst = append(dst, byte(forWidth))
		return appendPacked(dst, vals, lo, forWidth)
	case deltaSize < rawSize:
		dst = append(dst, byte(KindDelta))
		dst = binary.LittleEndian.AppendUint64(dst, uint64(vals[0]))
		dst = binary.LittleEndian.AppendUint64(dst, uint64(dlo))
		dst = append(dst, byte(deltaWidth))
		return appendPacked(dst, e.delta, dlo, deltaWidth)
	default:
		dst = append(dst, byte(KindRaw))
		for _, v := range vals {
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
		}
		return dst
	}
}

// appendPacked appends vals-base bit-packed at width w in groups of 64.
func appendPacked(dst []byte, vals []int64, base int64, w int) []byte {
	if w == 0 {
		return dst
	}
	var words [GroupSize]uint64
	for start := 0; start < len(vals); start += GroupSize {
		clear(words[:w])
		end := min(start+GroupSize, len(vals))
		for i, v := range vals[start:end] {
			u := uint64(v - base)
			bit := i * w
			word, sh := bit/64, uint(bit%64)
			words[word] |= u << sh
			if int(sh)+w > 64 {
				words[word+1] |= u >> (64 - sh)
			}
		}
		for _, x := range words[:w] {
			dst = binary.LittleEndian.AppendUint64(dst, x)
		}
	}
	return dst
}

// AppendFloat64Block appends the smallest encoding of vals (1..MaxBlockValues
// values) among constant, raw and LZ4 to dst.
func (e *Encoder) AppendFloat64Block(dst []byte, vals []float64) []byte {
	n := len(vals)
	if n == 0 || n > MaxBlockValues {
		panic(fmt.Sprintf("encoding: block of %d values", n))
	}
	first := math.Float64bits(vals[0])
	constant := true
	e.raw = e.raw[:0]
	for _, v := range vals {
		b := math.Float64bits(v)
		constant = constant && b == first
		e.raw = binary.LittleEndian.AppendUint64(e.raw, b)
	}
	if constant {
		dst = append(dst, byte(KindConstant))
		return binary.LittleEndian.AppendUint64(dst, first)
	}
	return e.appendRawOrLZ4(dst)
}

// AppendFloat32Block is AppendFloat64Block for float32 values (4 bytes each).
func (e *Encoder) AppendFloat32Block(dst []byte, vals []float32) []byte {
	n := len(vals)
	if n == 0 || n > MaxBlockValues {
		panic(fmt.Sprintf("encoding: block of %d values", n))
	}
	first := math.Float32bits(vals[0])
	constant := true
	e.raw = e.raw[:0]
	for _, v := range vals {
		b := math.Float32bits(v)
		constant = constant && b == first
		e.raw = binary.LittleEndian.AppendUint32(e.raw, b)
	}
	if constant {
		dst = append(dst, byte(KindConstant))
		return binary.LittleEndian.AppendUint32(dst, first)
	}
	return e.appendRawOrLZ4(dst)
}

func (e *Encoder) appendRawOrLZ4(dst []byte) []byte {
	bound := lz4.CompressBlockBound(len(e.raw))
	if cap(e.comp) < bound {
		e.comp = make([]byte, bound)
	}
	e.comp = e.comp[:bound]
	c, err := e.lz.CompressBlock(e.raw, e.comp)
	if err == nil && c > 0 && c < len(e.raw)*7/8 {
		dst = append(dst, byte(KindLZ4))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(c))
		return append(dst, e.comp[:c]...)
	}
	dst = append(dst, byte(KindRaw))
	return append(dst, e.raw...)
}

// Int64Block is a parsed, validated integer block. The zero value is not
// valid; obtain one from ParseInt64Block.
type Int64Block struct {
	kind  Kind
	n     int
	width int
	base  int64 // constant value, FOR base or delta minDelta
	first int64
	data  []byte
}

// ParseInt64Block validates src as an integer block holding n values (src
// must be exactly the block's bytes).
func ParseInt64Block(src []byte, n int) (Int64Block, error) {
	if n <= 0 || n > MaxBlockValues {
		return Int64Block{}, fmt.Errorf("block value count %d out of range 1..%d", n, MaxBlockValues)
	}
	if len(src) < 1 {
		return Int64Block{}, fmt.Errorf("empty block")
	}
	b := Int64Block{kind: Kind(src[0]), n: n}
	p := src[1:]
	switch b.kind {
	case KindConstant:
		if len(p) != 8 {
			return Int64Block{}, fmt.Errorf("constant block of %d bytes, want 9", len(src))
		}
		b.base = int64(binary.LittleEndian.Uint64(p))
		return b, nil
	case KindFOR, KindDelta:
		hdr := 9
		if b.kind == KindDelta {
			hdr = 17
		}
		if len(p) < hdr {
			return Int64Block{}, fmt.Errorf("%s block header truncated (%d bytes)", b.kind, len(src))
		}
		if b.kind == KindDelta {
			b.first = int64(binary.LittleEndian.Uint64(p))
			p = p[8:]
		}
		b.base = int64(binary.LittleEndian.Uint64(p))
		b.width = int(p[8])
		if b.width > 64 {
			return Int64Block{}, fmt.Errorf("%s block width %d > 64", b.kind, b.width)
		}
		b.data = p[9:]
		if want := numGroups(n) * b.width * 8; len(b.data) != want {
			return Int64Block{}, fmt.Errorf("%s block payload is %d bytes, want %d for %d values of width %d", b.kind, len(b.data), want, n, b.width)
		}
		return b, nil
	case KindRaw:
		if len(p) != n*8 {
			return Int64Block{}, fmt.Errorf("raw block payload is %d bytes, want %d", len(p), n*8)
		}
		b.data = p
		return b, nil
	}
	return Int64Block{}, fmt.Errorf("unknown integer block encoding %d", src[0])
}

// Kind reports the block's encoding.
func (b *Int64Block) Kind() Kind { return b.kind }

// Width reports the bit width of a FOR or delta block (0 otherwise).
func (b *Int64Block) Width() int { return b.width }

// Len reports the number of values in the block.
func (b *Int64Block) Len() int { return b.n }

// Decode writes values [off, off+len(dst)) of the block into dst. The range
// must lie within the block (the caller checks; Decode panics otherwise, as
// slicing does).
func (b *Int64Block) Decode(dst []int64, off int) {
	if len(dst) == 0 {
		return
	}
	end := off + len(dst)
	if off < 0 || end > b.n {
		panic(fmt.Sprintf("encoding: decode [%d,%d) of a %d-value block", off, end, b.n))
	}
	switch b.kind {
	case KindConstant:
		for i := range dst {
			dst[i] = b.base
		}
	case KindRaw:
		src := b.data[off*8 : end*8]
		for i := range dst {
			dst[i] = int64(binary.LittleEndian.Uint64(src[i*8:]))
		}
	case KindFOR:
		b.decodeFOR(dst, off)
	case KindDelta:
		b.decodeDelta(dst, off)
	}
}

func (b *Int64Block) decodeFOR(dst []int64, off int) {
	gw := b.width * 8
	var tmp [GroupSize]int64
	pos := 0
	for pos < len(dst) {
		row := off + pos
		g, gi := row/GroupSize, row%GroupSize
		src := b.data[g*gw : g*gw+gw]
		if gi == 0 && len(dst)-pos >= GroupSize {
			unpackGroup(b.width, (*[GroupSize]int64)(dst[pos:pos+GroupSize]), src, b.base)
			pos += GroupSize
			continue
		}
		unpackGroup(b.width, &tmp, src, b.base)
		pos += copy(dst[pos:], tmp[gi:])
	}
}

func (b *Int64Block) decodeDelta(dst []int64, off int) {
	gw := b.width * 8
	end := off + len(dst)
	acc := b.first - b.base
	var tmp [GroupSize]int64
	for g := 0; g*GroupSize < end; g++ {
		unpackGroup(b.width, &tmp, b.data[g*gw:g*gw+gw], b.base)
		gs := g * GroupSize
		for i := range tmp {
			acc += tmp[i]
			tmp[i] = acc
		}
		lo, hi := max(off, gs), min(end, gs+GroupSize)
		if lo < hi {
			copy(dst[lo-off:hi-off], tmp[lo-gs:hi-gs])
		}
	}
}

// DecodeInt32 is Decode for values known to fit in int32 (dictionary ids);
// larger values are truncated. Constant, raw and FOR blocks of width <= 32
// decode straight into dst.
func (b *Int64Block) DecodeInt32(dst []int32, off int) {
	if len(dst) == 0 {
		return
	}
	end := off + len(dst)
	if off < 0 || end > b.n {
		panic(fmt.Sprintf("encoding: decode [%d,%d) of a %d-value block", off, end, b.n))
	}
	switch {
	case b.kind == KindConstant:
		v := int32(b.base)
		for i := range dst {
			dst[i] = v
		}
		return
	case b.kind == KindRaw:
		src := b.data[off*8 : end*8]
		for i := range dst {
			dst[i] = int32(binary.LittleEndian.Uint32(src[i*8:]))
		}
		return
	case b.kind == KindFOR && b.width <= 32:
		b.decodeFOR32(dst, off)
		return
	}
	var tmp [GroupSize]int64
	for pos := 0; pos < len(dst); {
		k := min(GroupSize, len(dst)-pos)
		b.Decode(tmp[:k], off+pos)
		for i, v := range tmp[:k] {
			dst[pos+i] = int32(v)
		}
		pos += k
	}
}

func (b *Int64Block) decodeFOR32(dst []int32, off int) {
	gw := b.width * 8
	base := uint32(b.base)
	var tmp [GroupSize]int32
	pos := 0
	for pos < len(dst) {
		row := off + pos
		g, gi := row/GroupSize, row%GroupSize
		src := b.data[g*gw : g*gw+gw]
		if gi == 0 && len(dst)-pos >= GroupSize {
			unpackGroup32(b.width, (*[GroupSize]int32)(dst[pos:pos+GroupSize]), src, base)
			pos += GroupSize
			continue
		}
		unpackGroup32(b.width, &tmp, src, base)
		pos += copy(dst[pos:], tmp[gi:])
	}
}

// At returns value i of the block without decoding its neighbours (a
// delta block decodes up to i). It panics when i is out of range.
func (b *Int64Block) At(i int) int64 {
	if i < 0 || i >= b.n {
		panic(fmt.Sprintf("encoding: value %d of a %d-value block", i, b.n))
	}
	switch b.kind {
	case KindConstant:
		return b.base
	case KindRaw:
		return int64(binary.LittleEndian.Uint64(b.data[i*8:]))
	case KindFOR:
		return b.base + int64(b.packedAt(i))
	}
	var v [1]int64
	b.decodeDelta(v[:], i)
	return v[0]
}

// packedAt extracts packed value i (width b.width) of a FOR or delta block.
func (b *Int64Block) packedAt(i int) uint64 {
	w := b.width
	if w == 0 {
		return 0
	}
	g, gi := i/GroupSize, i%GroupSize
	words := b.data[g*w*8 : (g+1)*w*8]
	bit := gi * w
	word, sh := bit/64, uint(bit%64)
	u := binary.LittleEndian.Uint64(words[word*8:]) >> sh
	if int(sh)+w > 64 {
		u |= binary.LittleEndian.Uint64(words[word*8+8:]) << (64 - sh)
	}
	if w < 64 {
		u &= 1<<uint(w) - 1
	}
	return u
}

// FloatBlock is a parsed, validated float64 or float32 block.
type FloatBlock struct {
	kind Kind
	n    int
	size int // 8 or 4 bytes per value
	bits uint64
	data []byte
}

// ParseFloat64Block validates src as a float64 block of n values.
func ParseFloat64Block(src []byte, n int) (FloatBlock, error) { return parseFloatBlock(src, n, 8) }

// ParseFloat32Block validates src as a float32 block of n values.
func ParseFloat32Block(src []byte, n int) (FloatBlock, error) { return parseFloatBlock(src, n, 4) }

func parseFloatBlock(src []byte, n, size int) (FloatBlock, error) {
	if n <= 0 || n > MaxBlockValues {
		return FloatBlock{}, fmt.Errorf("block value count %d out of range 1..%d", n, MaxBlockValues)
	}
	if len(src) < 1 {
		return FloatBlock{}, fmt.Errorf("empty block")
	}
	b := FloatBlock{kind: Kind(src[0]), n: n, size: size}
	p := src[1:]
	switch b.kind {
	case KindConstant:
		if len(p) != size {
			return FloatBlock{}, fmt.Errorf("constant block of %d bytes, want %d", len(src), size+1)
		}
		if size == 8 {
			b.bits = binary.LittleEndian.Uint64(p)
		} else {
			b.bits = uint64(binary.LittleEndian.Uint32(p))
		}
		return b, nil
	case KindRaw:
		if len(p) != n*size {
			return FloatBlock{}, fmt.Errorf("raw block payload is %d bytes, want %d", len(p), n*size)
		}
		b.data = p
		return b, nil
	case KindLZ4:
		if len(p) < 4 {
			return FloatBlock{}, fmt.Errorf("lz4 block header truncated")
		}
		c := binary.LittleEndian.Uint32(p)
		if uint64(c) != uint64(len(p)-4) {
			return FloatBlock{}, fmt.Errorf("lz4 block compressed length %d, but %d bytes follow", c, len(p)-4)
		}
		b.data = p[4:]
		return b, nil
	}
	return FloatBlock{}, fmt.Errorf("unknown float block encoding %d", src[0])
}

// Kind reports the block's encoding.
func (b *FloatBlock) Kind() Kind { return b.kind }

// Len reports the number of values in the block.
func (b *FloatBlock) Len() int { return b.n }

// raw returns the raw payload, decompressing an LZ4 block into scratch.
func (b *FloatBlock) raw(scratch *[MaxBlockValues * 8]byte) ([]byte, error) {
	if b.kind != KindLZ4 {
		return b.data, nil
	}
	want := b.n * b.size
	got, err := lz4.UncompressBlock(b.data, scratch[:want])
	if err != nil {
		return nil, fmt.Errorf("lz4 block: %w", err)
	}
	if got != want {
		return nil, fmt.Errorf("lz4 block decompressed to %d bytes, want %d", got, want)
	}
	return scratch[:want], nil
}

// DecodeFloat64 writes values [off, off+len(dst)) of a float64 block into dst.
// It fails only for an LZ4 block whose payload is not valid LZ4.
func (b *FloatBlock) DecodeFloat64(dst []float64, off int) error {
	if b.size != 8 {
		return fmt.Errorf("float32 block read as float64")
	}
	if off < 0 || off+len(dst) > b.n {
		panic(fmt.Sprintf("encoding: decode [%d,%d) of a %d-value block", off, off+len(dst), b.n))
	}
	if b.kind == KindConstant {
		v := math.Float64frombits(b.bits)
		for i := range dst {
			dst[i] = v
		}
		return nil
	}
	raw := b.data
	if b.kind == KindLZ4 {
		var scratch [MaxBlockValues * 8]byte
		var err error
		if raw, err = b.raw(&scratch); err != nil {
			return err
		}
		src := raw[off*8 : (off+len(dst))*8]
		for i := range dst {
			dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[i*8:]))
		}
		return nil
	}
	src := raw[off*8 : (off+len(dst))*8]
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[i*8:]))
	}
	return nil
}

// DecodeFloat32 writes values [off, off+len(dst)) of a float32 block into dst.
func (b *FloatBlock) DecodeFloat32(dst []float32, off int) error {
	if b.size != 4 {
		return fmt.Errorf("float64 block read as float32")
	}
	if off < 0 || off+len(dst) > b.n {
		panic(fmt.Sprintf("encoding: decode [%d,%d) of a %d-value block", off, off+len(dst), b.n))
	}
	if b.kind == KindConstant {
		v := math.Float32frombits(uint32(b.bits))
		for i := range dst {
			dst[i] = v
		}
		return nil
	}
	raw := b.data
	if b.kind == KindLZ4 {
		var scratch [MaxBlockValues * 8]byte
		var err error
		if raw, err = b.raw(&scratch); err != nil {
			return err
		}
		src := raw[off*4 : (off+len(dst))*4]
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[i*4:]))
		}
		return nil
	}
	src := raw[off*4 : (off+len(dst))*4]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[i*4:]))
	}
	return nil
}
