package quantiles

import (
	"bufio"
	"encoding/base64"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// druidSketches returns the Java-written images of testdata, padded back
// to their original length (32 + 2k·8 bytes).
func druidSketches(t testing.TB) [][]byte {
	f, err := os.Open("testdata/doubles_sketch_druid.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		b, err := base64.StdEncoding.DecodeString(cols[2])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append(b, make([]byte, 32+2*128*8-len(b))...))
	}
	return out
}

func TestDecodeJavaImages(t *testing.T) {
	for i, b := range druidSketches(t) {
		s, err := Decode(b)
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if s.K() != 128 || s.N() != 20 || s.Retained() != 20 {
			t.Fatalf("row %d: k %d n %d retained %d", i, s.K(), s.N(), s.Retained())
		}
		items := slices.Clone(s.bb)
		slices.Sort(items)
		if s.Min() != items[0] || s.Max() != items[19] {
			t.Fatalf("row %d: min/max %v %v vs items %v %v", i, s.Min(), s.Max(), items[0], items[19])
		}
		// Exact mode: quantiles are order statistics.
		if q := s.Quantile(0.5); q != items[9] {
			t.Fatalf("row %d: median %v, want %v", i, q, items[9])
		}
		if r := s.Rank(items[4]); r != 0.25 {
			t.Fatalf("row %d: rank %v", i, r)
		}
		// Our compact image reads back to the same sketch.
		back, err := Decode(s.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if back.N() != 20 || !slices.Equal(back.bb, items) || back.Min() != s.Min() {
			t.Fatalf("row %d: round trip differs", i)
		}
		if got := s.Bytes(); got[3] != 0x1a || len(got) != 32+20*8 {
			t.Fatalf("compact image flags 0x%x len %d", got[3], len(got))
		}
	}
}

func TestEmpty(t *testing.T) {
	s := New(128)
	b := s.Bytes()
	if len(b) != 8 || b[0] != 1 || b[3] != 0x1e {
		t.Fatalf("empty image % x", b)
	}
	back, err := Decode(b)
	if err != nil || !back.IsEmpty() || back.K() != 128 {
		t.Fatalf("%v %v", back, err)
	}
	if !math.IsNaN(s.Quantile(0.5)) {
		t.Fatal("empty quantile is not NaN")
	}
}

func TestEstimationMode(t *testing.T) {
	const n = 100000
	s := New(128)
	for i := 0; i < n; i++ {
		s.Update(float64((i * 7919) % n))
	}
	s.Update(math.NaN())
	if s.N() != n || s.Retained() >= 3000 {
		t.Fatalf("n %d retained %d", s.N(), s.Retained())
	}
	for _, r := range []float64{0.01, 0.1, 0.5, 0.9, 0.99} {
		q := s.Quantile(r)
		if math.Abs(q/n-r) > 0.02 {
			t.Fatalf("rank %v: quantile %v", r, q)
		}
	}
	if s.Quantile(0) != 0 || s.Quantile(1) != n-1 {
		t.Fatal("extremes")
	}
	back, err := Decode(s.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if back.N() != n || back.Quantile(0.5) != s.Quantile(0.5) {
		t.Fatal("round trip changed the sketch")
	}
	pmf := s.PMF([]float64{n / 4, n / 2})
	if len(pmf) != 3 || math.Abs(pmf[0]-0.25) > 0.02 || math.Abs(pmf[2]-0.5) > 0.02 {
		t.Fatalf("pmf %v", pmf)
	}
}

func TestMergeProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := 1 << rapid.IntRange(1, 5).Draw(t, "lgk")
		xs := rapid.SliceOfN(rapid.Float64Range(-1e6, 1e6), 0, 600).Draw(t, "xs")
		ys := rapid.SliceOfN(rapid.Float64Range(-1e6, 1e6), 0, 600).Draw(t, "ys")
		a, b := New(k), New(2*k)
		for _, x := range xs {
			a.Update(x)
		}
		for _, y := range ys {
			b.Update(y)
		}
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
		all := append(slices.Clone(xs), ys...)
		if a.N() != int64(len(all)) {
			t.Fatalf("n %d want %d", a.N(), len(all))
		}
		// Total weight equals N.
		_, cum := a.sorted()
		if len(all) > 0 && cum[len(cum)-1] != a.N() {
			t.Fatalf("weight %d != n %d", cum[len(cum)-1], a.N())
		}
		if len(all) > 0 {
			if a.Min() != slices.Min(all) || a.Max() != slices.Max(all) {
				t.Fatal("min/max")
			}
		}
		back, err := Decode(a.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if back.N() != a.N() || back.Retained() != a.Retained() {
			t.Fatal("round trip")
		}
		if err := b.Merge(New(k)); err != nil {
			t.Fatal(err)
		}
		if a.N() > 0 && New(2*k).Merge(a) == nil {
			t.Fatal("merging a smaller k into a larger one must fail")
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	good := druidSketches(t)[0]
	bad := func(mut func(b []byte) []byte) []byte { return mut(slices.Clone(good)) }
	for name, b := range map[string][]byte{
		"short":      good[:7],
		"family":     bad(func(b []byte) []byte { b[2] = 7; return b }),
		"version":    bad(func(b []byte) []byte { b[1] = 2; return b }),
		"k":          bad(func(b []byte) []byte { b[4] = 3; return b }),
		"truncated":  good[:100],
		"big-endian": bad(func(b []byte) []byte { b[3] |= 1; return b }),
		"huge n":     bad(func(b []byte) []byte { b[15] = 0x7f; return b }),
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range druidSketches(f) {
		f.Add(b)
	}
	s := New(4)
	for i := 0; i < 100; i++ {
		s.Update(float64(i))
	}
	f.Add(s.Bytes())
	f.Add(New(8).Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Decode(b)
		if err != nil {
			return
		}
		_ = s.Quantiles([]float64{0, 0.5, 1})
		_ = s.CDF([]float64{0})
		if _, err := Decode(s.Bytes()); err != nil {
			t.Fatalf("re-encoded image rejected: %v", err)
		}
	})
}

func BenchmarkUpdate(b *testing.B) {
	b.ReportAllocs()
	s := New(128)
	for i := 0; b.Loop(); i++ {
		s.Update(float64(i))
	}
}
