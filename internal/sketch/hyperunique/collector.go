package hyperunique

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"math/bits"
	"unicode/utf16"

	"github.com/dryaddb/dryad/internal/base"
)

const (
	numBuckets      = 2048
	numBytes        = 1024
	headerBytes     = 7
	bucketMask      = 0x7ff
	rangeLimit      = 15
	denseThreshold  = 128
	version         = 1
	alpha           = 0.7213 / (1 + 1.079/numBuckets)
	correctionParam = alpha * numBuckets * numBuckets
	lowCorrection   = (5 * numBuckets) / 2.0
	twoTo64         = 18446744073709551616.0
	highCorrection  = twoTo64 / 30.0
)

// Collector is Druid's HyperLogLogCollector.
type Collector struct {
	offset        byte
	nonZero       int
	overflowValue byte
	overflowReg   uint16
	regs          [numBytes]byte
	// sparse is the payload of a sparse image this collector was decoded
	// from, kept (padding included) until the first change: Druid
	// estimates and re-serializes such a collector from that form.
	sparse []byte
}

// New returns an empty collector.
func New() *Collector { return &Collector{} }

// AddHash adds a 16-byte Murmur3 128 hash (see Murmur3x128).
func (c *Collector) AddHash(h [16]byte) {
	bucket := uint16(binary.BigEndian.Uint16(h[14:])) & bucketMask
	pos := 0
	for i := 0; i < 8; i++ {
		if h[i] != 0 {
			pos += bits.TrailingZeros8(h[i]) + 1
			break
		}
		pos += 8
	}
	c.add(bucket, byte(pos))
}

// AddUTF8 hashes s's UTF-8 bytes (hyperUnique ingestion: Druid's
// HyperLogLogHash).
func (c *Collector) AddUTF8(s string) { c.AddHash(Murmur3x128([]byte(s))) }

// AddUnencodedChars hashes s's UTF-16LE code units (Guava
// hashUnencodedChars: the cardinality aggregator).
func (c *Collector) AddUnencodedChars(s string) { c.AddHash(Murmur3x128(UTF16LE(s))) }

// UTF16LE returns s as UTF-16LE bytes.
func UTF16LE(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			out = append(out, byte(r1), byte(r1>>8), byte(r2), byte(r2>>8))
			continue
		}
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

func (c *Collector) add(bucket uint16, pos byte) {
	c.sparse = nil
	if pos <= c.offset {
		return
	}
	if int(pos) > int(c.offset)+rangeLimit {
		if pos > c.overflowValue {
			if int(c.overflowValue) <= int(c.offset)+rangeLimit {
				c.add(c.overflowReg, c.overflowValue)
			}
			c.overflowValue = pos
			c.overflowReg = bucket
		}
		return
	}
	c.addNibble(bucket, pos-c.offset)
	if c.nonZero == numBuckets {
		c.offset++
		c.nonZero = c.decrement()
	}
}

func (c *Collector) addNibble(bucket uint16, v byte) {
	i := bucket >> 1
	orig := c.regs[i]
	if bucket&1 == 0 {
		cur := orig >> 4
		if cur == 0 && v != 0 {
			c.nonZero++
		}
		c.regs[i] = max(cur, v)<<4 | orig&0x0f
	} else {
		cur := orig & 0x0f
		if cur == 0 && v != 0 {
			c.nonZero++
		}
		c.regs[i] = orig&0xf0 | max(cur, v)
	}
}

func (c *Collector) decrement() int {
	n := 0
	for i, b := range c.regs {
		v := b - 0x11
		if v&0xf0 != 0 {
			n++
		}
		if v&0x0f != 0 {
			n++
		}
		c.regs[i] = v
	}
	return n
}

// Fold merges other into c (other is only read).
func (c *Collector) Fold(other *Collector) {
	if other == nil {
		return
	}
	src := other
	c.sparse = nil
	if c.offset < other.offset {
		// Fold into the one with the higher offset.
		mine := *c
		*c = *other
		c.sparse = nil
		src = &mine
	}
	diff := int(c.offset) - int(src.offset)
	for i, ob := range src.regs {
		if ob == 0 {
			continue
		}
		cur := c.regs[i]
		up, lo := int(cur&0xf0), int(cur&0x0f)
		oUp := int(ob&0xf0) - diff<<4
		oLo := int(ob&0x0f) - diff
		nUp, nLo := max(up, oUp), max(lo, oLo)
		c.regs[i] = byte((nUp | nLo) & 0xff)
		if up == 0 && nUp > 0 {
			c.nonZero++
		}
		if lo == 0 && nLo > 0 {
			c.nonZero++
		}
	}
	if c.nonZero == numBuckets {
		c.nonZero = c.decrement()
		c.offset++
	}
	c.add(src.overflowReg, src.overflowValue)
}

// Estimate returns Druid's cardinality estimate, computed as Druid does
// from the collector's current form (dense registers, or the sparse image it
// was decoded from), quirks included: in the overflow register's byte a
// nibble counts as zero when its value is below 16 (upper) or a multiple of
// 16 (lower), and in the sparse form the overflow byte is matched against
// the entry's raw position field.
func (c *Collector) Estimate() float64 {
	ovPos := int(int16(c.overflowReg >> 1))
	upper := c.overflowReg&1 == 0
	minNum := int(c.offset)
	e := 0.0
	zeroCount := 0
	if c.sparse != nil {
		zeroCount = numBuckets - 2*(len(c.sparse)/3)
		for i := 0; i+3 <= len(c.sparse); i += 3 {
			pos := int(int16(binary.BigEndian.Uint16(c.sparse[i:])))
			reg := c.sparse[i+2]
			if c.overflowValue != 0 && pos == ovPos {
				s, z := c.overflowPair(reg, upper)
				e += s
				zeroCount += z
				continue
			}
			e += pairSum(reg, minNum)
			zeroCount += zeros(reg)
		}
		e += float64(zeroCount)
		return correct(e, zeroCount)
	}
	for i, reg := range c.regs {
		if c.overflowValue != 0 && i == ovPos {
			s, z := c.overflowPair(reg, upper)
			e += s
			zeroCount += z
			continue
		}
		e += pairSum(reg, minNum)
		zeroCount += zeros(reg)
	}
	return correct(e, zeroCount)
}

func pairSum(reg byte, minNum int) float64 {
	return 1.0/math.Pow(2, float64(int(reg>>4)+minNum)) + 1.0/math.Pow(2, float64(int(reg&0x0f)+minNum))
}

func (c *Collector) overflowPair(reg byte, upper bool) (float64, int) {
	up := int(reg>>4) + int(c.offset)
	lo := int(reg&0x0f) + int(c.offset)
	if upper {
		up = max(up, int(c.overflowValue))
	} else {
		lo = max(lo, int(c.overflowValue))
	}
	z := 0
	if up&0xf0 == 0 {
		z++
	}
	if lo&0x0f == 0 {
		z++
	}
	return 1.0/math.Pow(2, float64(up)) + 1.0/math.Pow(2, float64(lo)), z
}

func zeros(reg byte) int {
	z := 0
	if reg&0xf0 == 0 {
		z++
	}
	if reg&0x0f == 0 {
		z++
	}
	return z
}

func correct(e float64, zeroCount int) float64 {
	e = correctionParam / e
	if e <= lowCorrection {
		if zeroCount == 0 {
			return e
		}
		return numBuckets * math.Log(numBuckets/float64(zeroCount))
	}
	if e > highCorrection {
		ratio := e / twoTo64
		if ratio >= 1 {
			return math.Inf(1)
		}
		return -twoTo64 * math.Log(1-ratio)
	}
	return e
}

func (c *Collector) header(b []byte) {
	b[0] = version
	b[1] = c.offset
	binary.BigEndian.PutUint16(b[2:], uint16(c.nonZero))
	b[4] = c.overflowValue
	binary.BigEndian.PutUint16(b[5:], c.overflowReg)
}

// Bytes returns the serialized collector as Druid's toByteArray does: a
// collector decoded from a sparse image and not changed since is written
// back as it was; otherwise fewer than 128 non-zero registers give the
// sparse form — 7 + 3·(non-zero registers) bytes, one entry per non-zero
// byte, the rest zero padding — and more give the dense form.
func (c *Collector) Bytes() []byte {
	if c.sparse != nil {
		b := make([]byte, headerBytes, headerBytes+len(c.sparse))
		c.header(b)
		return append(b, c.sparse...)
	}
	if c.nonZero < denseThreshold {
		b := make([]byte, headerBytes+3*c.nonZero)
		c.header(b)
		at := headerBytes
		for i, r := range c.regs {
			if r != 0 && at+3 <= len(b) {
				binary.BigEndian.PutUint16(b[at:], uint16(headerBytes+i))
				b[at+2] = r
				at += 3
			}
		}
		return b
	}
	b := make([]byte, headerBytes, headerBytes+numBytes)
	c.header(b)
	return append(b, c.regs[:]...)
}

// MarshalJSON writes the base64 of Bytes, as Druid writes an unfinalized
// hyperUnique value.
func (c *Collector) MarshalJSON() ([]byte, error) {
	b := c.Bytes()
	out := make([]byte, 0, base64.StdEncoding.EncodedLen(len(b))+2)
	out = append(out, '"')
	out = base64.StdEncoding.AppendEncode(out, b)
	return append(out, '"'), nil
}

// Decode reads a serialized collector. An empty input is an empty
// collector (Druid stores empty collectors as zero bytes in some paths).
func Decode(b []byte) (*Collector, error) {
	c := New()
	if len(b) == 0 {
		return c, nil
	}
	if len(b) < headerBytes {
		return nil, base.Errorf(base.ClassInvalidInput, "hyperUnique collector: %d bytes is shorter than the 7-byte header", len(b))
	}
	if len(b)%3 == 0 || len(b) == numBytes+3 {
		// Druid tells the versions apart by length: these are version 0.
		return nil, base.Errorf(base.ClassUnsupported, "hyperUnique collector: a %d-byte image is a version 0 collector, which is not supported", len(b))
	}
	if b[0] != version {
		return nil, base.Errorf(base.ClassUnsupported, "hyperUnique collector: version %d at offset 0 (only version 1 is supported)", b[0])
	}
	c.offset = b[1]
	c.overflowValue = b[4]
	c.overflowReg = binary.BigEndian.Uint16(b[5:]) & bucketMask
	payload := b[headerBytes:]
	switch {
	case len(payload) == numBytes:
		copy(c.regs[:], payload)
	case len(payload)%3 == 0:
		for i := 0; i < len(payload); i += 3 {
			if payload[i+2] == 0 {
				continue // padding (Druid sizes sparse images by registers, not bytes)
			}
			pos := int(binary.BigEndian.Uint16(payload[i:])) - headerBytes
			if pos < 0 || pos >= numBytes {
				return nil, base.Errorf(base.ClassInvalidInput, "hyperUnique collector: sparse entry %d at offset %d points at byte %d, outside the registers", i/3, headerBytes+i, pos+headerBytes)
			}
			c.regs[pos] = payload[i+2]
		}
		c.sparse = append([]byte(nil), payload...)
	default:
		return nil, base.Errorf(base.ClassInvalidInput, "hyperUnique collector: payload of %d bytes is neither dense (1024) nor sparse (multiple of 3)", len(payload))
	}
	n := 0
	for _, r := range c.regs {
		n += 2 - zeros(r)
	}
	c.nonZero = n
	if n == numBuckets {
		c.nonZero = c.decrement()
		c.offset++
		c.sparse = nil
	}
	return c, nil
}
