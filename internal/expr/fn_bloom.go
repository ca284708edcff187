package expr

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/dryaddb/dryad/internal/base"
)

// bloomKFilter is Druid's BloomKFilter (from Hive): k hash bits spread
// inside one block of 8 longs chosen by the first hash, hashes from Hive's
// Murmur3 64-bit variant. Serialized form: 1 byte k, a big-endian int32
// count of longs, then the longs big-endian.
type bloomKFilter struct {
	k      int
	bits   []uint64
	blocks int32
}

const (
	bloomBlockSize     = 8
	bloomBlockBits     = 3
	bloomBlockMask     = bloomBlockSize - 1
	bloomBitOffsetMask = 63
	murmurSeed         = 104729
	murmurC1           = 0x87c37b91114253d5
	murmurC2           = 0x4cf5ad432745937f
	murmurNullHash     = 2862933555777941757
)

func decodeBloomKFilter(b []byte) (*bloomKFilter, error) {
	if len(b) < 5 {
		return nil, base.Errorf(base.ClassInvalidInput, "bloom filter: %d bytes, need at least 5", len(b))
	}
	k := int(int8(b[0]))
	n := int32(binary.BigEndian.Uint32(b[1:5]))
	if k <= 0 || n <= 0 || n%bloomBlockSize != 0 || int64(len(b)-5) != int64(n)*8 {
		return nil, base.Errorf(base.ClassInvalidInput, "bloom filter: bad header (k=%d, %d longs, %d bytes of data)", k, n, len(b)-5)
	}
	f := &bloomKFilter{k: k, bits: make([]uint64, n), blocks: n / bloomBlockSize}
	for i := range f.bits {
		f.bits[i] = binary.BigEndian.Uint64(b[5+8*i:])
	}
	return f, nil
}

func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// murmur64 is Hive's Murmur3.hash64(byte[], offset, length, seed).
func murmur64(data []byte) uint64 {
	h := uint64(murmurSeed)
	n := len(data) / 8
	for i := 0; i < n; i++ {
		k := binary.LittleEndian.Uint64(data[8*i:])
		k *= murmurC1
		k = bits.RotateLeft64(k, 31)
		k *= murmurC2
		h ^= k
		h = bits.RotateLeft64(h, 27)*5 + 0x52dce729
	}
	tail := data[8*n:]
	if len(tail) > 0 {
		var k1 uint64
		for i := len(tail) - 1; i >= 0; i-- {
			k1 ^= uint64(tail[i]) << (8 * uint(i))
		}
		k1 *= murmurC1
		k1 = bits.RotateLeft64(k1, 31)
		k1 *= murmurC2
		h ^= k1
	}
	h ^= uint64(len(data))
	return fmix64(h)
}

// murmur64Long is Hive's Murmur3.hash64(long).
func murmur64Long(v int64) uint64 {
	h := uint64(murmurSeed)
	k := bits.ReverseBytes64(uint64(v))
	k *= murmurC1
	k = bits.RotateLeft64(k, 31)
	k *= murmurC2
	h ^= k
	h = bits.RotateLeft64(h, 27)*5 + 0x52dce729
	h ^= 8
	return fmix64(h)
}

// positions calls f with the word offset and bit of each of the k bits of
// hash64, exactly as BloomKFilter.addHash/testHash compute them.
func (f *bloomKFilter) positions(hash64 uint64, fn func(word int, bit uint)) {
	hash1 := int32(hash64)
	hash2 := int32(hash64 >> 32)
	first := hash1 + hash2
	if first < 0 {
		first = ^first
	}
	blockBase := int((first % f.blocks) << bloomBlockBits)
	for i := int32(1); i <= int32(f.k); i++ {
		c := hash1 + (i+1)*hash2
		if c < 0 {
			c = ^c
		}
		fn(blockBase+int(c&bloomBlockMask), uint(uint32(c)>>bloomBlockBits)&bloomBitOffsetMask)
	}
}

func (f *bloomKFilter) testHash(h uint64) bool {
	ok := true
	f.positions(h, func(w int, b uint) {
		if f.bits[w]&(1<<b) == 0 {
			ok = false
		}
	})
	return ok
}

func (f *bloomKFilter) addHash(h uint64) {
	f.positions(h, func(w int, b uint) { f.bits[w] |= 1 << b })
}

// javaDoubleBits is Double.doubleToLongBits (NaN canonicalized).
func javaDoubleBits(d float64) int64 {
	if d != d {
		return 0x7ff8000000000000
	}
	return int64(math.Float64bits(d))
}

func bindBloomFilterTest(b *binder, n *callNode) error {
	s, ok, err := b.literalString(n, 1, "the bloom filter")
	if err != nil {
		return err
	}
	if !ok {
		return b.argErr(n, "the bloom filter must not be null")
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return b.argErr(n, "the bloom filter is not base64: %v", err)
		}
	}
	f, err := decodeBloomKFilter(raw)
	if err != nil {
		return b.argErr(n, "%v", err)
	}
	n.t = TypeLong
	n.impl = func(a []Value) (Value, error) {
		v := a[0]
		if v.Null {
			return Bool(f.testHash(murmurNullHash)), nil
		}
		switch v.Type.Kind {
		case base.KindString:
			return Bool(f.testHash(murmur64([]byte(v.S)))), nil
		case base.KindLong:
			return Bool(f.testHash(murmur64Long(v.L))), nil
		case base.KindDouble:
			return Bool(f.testHash(murmur64Long(javaDoubleBits(v.D)))), nil
		}
		return Long(0), nil
	}
	return nil
}
