package expr

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"testing"
)

// newBloom builds an empty filter sized as Druid's BloomKFilter(maxEntries)
// constructor does.
func newBloom(k, longs int) *bloomKFilter {
	return &bloomKFilter{k: k, bits: make([]uint64, longs), blocks: int32(longs / bloomBlockSize)}
}

func (f *bloomKFilter) encode() string {
	b := make([]byte, 5+8*len(f.bits))
	b[0] = byte(f.k)
	binary.BigEndian.PutUint32(b[1:], uint32(len(f.bits)))
	for i, w := range f.bits {
		binary.BigEndian.PutUint64(b[5+8*i:], w)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestMurmur64(t *testing.T) {
	// Hive's hash64(long) is hash64 over the long's big-endian bytes.
	for _, v := range []int64{0, 1, -1, 42, 1 << 40} {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(v))
		if murmur64Long(v) != murmur64(b[:]) {
			t.Errorf("hash64(long %d) != hash64(bytes)", v)
		}
	}
	// Different inputs and every tail length hash differently.
	seen := map[uint64]string{}
	for n := 0; n <= 17; n++ {
		s := "abcdefghijklmnopq"[:n]
		h := murmur64([]byte(s))
		if prev, ok := seen[h]; ok {
			t.Errorf("collision between %q and %q", prev, s)
		}
		seen[h] = s
	}
}

func TestBloomFilterTest(t *testing.T) {
	f := newBloom(3, 16)
	f.addHash(murmur64([]byte("foo")))
	f.addHash(murmur64Long(3))
	f.addHash(murmur64Long(javaDoubleBits(2.5)))
	enc := f.encode()
	empty := newBloom(3, 16).encode()
	withNull := newBloom(3, 16)
	withNull.addHash(murmurNullHash)
	cases := []evalCase{
		{fmt.Sprintf("bloom_filter_test(s, '%s')", enc), "1", "LONG"},
		{fmt.Sprintf("bloom_filter_test(x, '%s')", enc), "1", "LONG"},
		{fmt.Sprintf("bloom_filter_test(d, '%s')", enc), "1", "LONG"},
		{fmt.Sprintf("bloom_filter_test(s2, '%s')", enc), "0", "LONG"},
		{fmt.Sprintf("bloom_filter_test(y, '%s')", enc), "0", "LONG"},
		{fmt.Sprintf("bloom_filter_test(s, '%s')", empty), "0", "LONG"},
		{fmt.Sprintf("bloom_filter_test(ns, '%s')", enc), "0", "LONG"},
		{fmt.Sprintf("bloom_filter_test(ns, '%s')", withNull.encode()), "1", "LONG"},
		{fmt.Sprintf("bloom_filter_test(la, '%s')", enc), "0", "LONG"},
	}
	runEvalCases(t, cases)
	for _, bad := range []string{"bloom_filter_test(s, 'not base64!')", "bloom_filter_test(s, 'AAAA')", "bloom_filter_test(s, s2)", fmt.Sprintf("bloom_filter_test(s, '%s')", base64.StdEncoding.EncodeToString([]byte{3, 0, 0, 0, 8, 1}))} {
		if _, err := Compile(bad, testTypes); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
