package hyperunique

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/twmb/murmur3"
	"pgregory.net/rapid"
)

func TestMurmurMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.Byte(), 0, 100).Draw(t, "b")
		h1, h2 := murmur3.Sum128(b)
		got := Murmur3x128(b)
		if binary.LittleEndian.Uint64(got[:]) != h1 || binary.LittleEndian.Uint64(got[8:]) != h2 {
			t.Fatalf("hash of % x differs", b)
		}
	})
}

func TestEstimates(t *testing.T) {
	for _, n := range []int{0, 1, 10, 100, 1000, 10000, 100000, 1000000} {
		c := New()
		for i := 0; i < n; i++ {
			c.AddUTF8(fmt.Sprint("user", i))
		}
		e := c.Estimate()
		tol := 0.07*float64(n) + 1 // 3 standard errors (1.04/sqrt(2048) = 2.3%)
		if math.Abs(e-float64(n)) > tol {
			t.Errorf("n=%d: estimate %v", n, e)
		}
		back, err := Decode(c.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if back.Estimate() != e {
			t.Errorf("n=%d: round trip estimate %v != %v", n, back.Estimate(), e)
		}
		if !bytes.Equal(back.Bytes(), c.Bytes()) {
			t.Errorf("n=%d: round trip bytes differ", n)
		}
	}
}

// TestFoldMatchesSingle checks that folding collectors built from parts
// gives the collector built from the whole, across offsets.
func TestFoldMatchesSingle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 40000).Draw(t, "n")
		split := rapid.IntRange(0, n).Draw(t, "split")
		whole, a, b := New(), New(), New()
		for i := 0; i < n; i++ {
			h := Murmur3x128(binary.LittleEndian.AppendUint64(nil, uint64(i)))
			whole.AddHash(h)
			if i < split {
				a.AddHash(h)
			} else {
				b.AddHash(h)
			}
		}
		ab, _ := Decode(a.Bytes())
		ab.Fold(b)
		if ab.Estimate() != whole.Estimate() {
			t.Fatalf("fold %v != whole %v", ab.Estimate(), whole.Estimate())
		}
		b.Fold(a)
		if b.Estimate() != whole.Estimate() {
			t.Fatalf("reverse fold %v != whole %v", b.Estimate(), whole.Estimate())
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"short":         {1, 0, 0},
		"version":       {0, 0, 0, 0, 0, 0, 0},
		"odd payload":   {1, 0, 0, 1, 0, 0, 0, 1, 2},
		"sparse offset": {1, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 1},
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if c, err := Decode(nil); err != nil || c.Estimate() != 0 {
		t.Fatalf("empty: %v %v", c, err)
	}
}

func FuzzDecode(f *testing.F) {
	small := New()
	big := New()
	for i := 0; i < 50; i++ {
		small.AddUTF8(fmt.Sprint(i))
	}
	for i := 0; i < 100000; i++ {
		big.AddUTF8(fmt.Sprint(i))
	}
	f.Add(small.Bytes())
	f.Add(big.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Decode(b)
		if err != nil {
			return
		}
		_ = c.Estimate()
		c.Fold(small)
		if _, err := Decode(c.Bytes()); err != nil {
			t.Fatalf("re-encoded collector rejected: %v", err)
		}
	})
}

func BenchmarkAddUTF8(b *testing.B) {
	b.ReportAllocs()
	c := New()
	for i := 0; b.Loop(); i++ {
		c.AddUTF8("user-name-123")
	}
}

// denseImage builds a dense version-1 image: offset, the first payload
// bytes, and every other payload byte set to rest.
func denseImage(offset byte, first []byte, rest byte) []byte {
	b := make([]byte, headerBytes+numBytes)
	b[0], b[1] = version, offset
	for i := headerBytes; i < len(b); i++ {
		b[i] = rest
	}
	copy(b[headerBytes:], first)
	n := 0
	for _, r := range b[headerBytes:] {
		n += 2 - zeros(r)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(n))
	return b
}

// TestFoldOffsetsLikeDruid checks the images Druid's collector produces
// when folding collectors with different register offsets (scenarios of
// Druid's HyperLogLogCollectorTest), in both orders.
func TestFoldOffsetsLikeDruid(t *testing.T) {
	cases := []struct {
		name          string
		bigger        []byte
		smaller       []byte
		offset        byte
		nonZero       uint16
		first, others byte
		sparseEmpty   bool
	}{
		{"offsets1", denseImage(1, []byte{0x00}, 0x11), denseImage(0, []byte{0x20}, 0x00), 1, 2047, 0x10, 0x11, false},
		{"offsets2", denseImage(1, []byte{0x01}, 0x11), denseImage(0, []byte{0x20}, 0x00), 2, 0, 0, 0, true},
	}
	for _, c := range cases {
		for order := 0; order < 2; order++ {
			a, err := Decode(c.bigger)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Decode(c.smaller)
			if err != nil {
				t.Fatal(err)
			}
			col := New()
			if order == 0 {
				col.Fold(a)
				col.Fold(b)
			} else {
				col.Fold(b)
				col.Fold(a)
			}
			out := col.Bytes()
			if out[0] != version || out[1] != c.offset || binary.BigEndian.Uint16(out[2:]) != c.nonZero {
				t.Fatalf("%s/%d: header % x", c.name, order, out[:7])
			}
			if c.sparseEmpty {
				if len(out) != headerBytes {
					t.Fatalf("%s/%d: %d bytes, want an empty sparse image", c.name, order, len(out))
				}
				continue
			}
			if len(out) != headerBytes+numBytes || out[7] != c.first {
				t.Fatalf("%s/%d: len %d first 0x%x", c.name, order, len(out), out[7])
			}
			for i, r := range out[8:] {
				if r != c.others {
					t.Fatalf("%s/%d: byte %d = 0x%x", c.name, order, i+1, r)
				}
			}
		}
	}
}

// TestSparseImagePadding: Druid sizes a sparse image by non-zero registers,
// so two registers sharing a byte leave a zero entry of padding, which
// readers skip and writers keep.
func TestSparseImagePadding(t *testing.T) {
	c := New()
	c.add(0, 1) // upper nibble of byte 0
	c.add(1, 2) // lower nibble of byte 0
	c.add(9, 3) // lower nibble of byte 4
	b := c.Bytes()
	want := []byte{1, 0, 0, 3, 0, 0, 0, 0, 7, 0x12, 0, 11, 0x03, 0, 0, 0}
	if !bytes.Equal(b, want) {
		t.Fatalf("image % x\nwant  % x", b, want)
	}
	d, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Bytes(), b) || d.Estimate() != c.Estimate() {
		t.Fatalf("round trip: % x, %v vs %v", d.Bytes(), d.Estimate(), c.Estimate())
	}
	if got, want := c.Estimate(), 2048*math.Log(2048.0/2045); got != want {
		t.Fatalf("estimate %v, want linear counting %v", got, want)
	}
	if _, err := Decode(make([]byte, 1027)); err == nil {
		t.Fatal("version 0 image accepted")
	}
}
