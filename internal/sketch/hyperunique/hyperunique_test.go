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
