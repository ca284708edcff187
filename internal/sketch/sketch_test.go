package sketch

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"

	"github.com/apache/datasketches-go/hll"
)

func readJava(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "java", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHLLJavaInterop reads HLL sketches the Java library wrote, checks the
// estimates, rebuilds the same sketch from the same inputs (0..n-1 as longs)
// and checks it serializes to the same bytes and estimate.
func TestHLLJavaInterop(t *testing.T) {
	cases := []struct {
		file string
		n    int
		typ  hll.TgtHllType
	}{
		{"hll4_n0_java.sk", 0, hll.TgtHllTypeHll4},
		{"hll8_n100_java.sk", 100, hll.TgtHllTypeHll8},
		{"hll4_n1000_java.sk", 1000, hll.TgtHllTypeHll4},
		{"hll6_n10000_java.sk", 10000, hll.TgtHllTypeHll6},
		{"hll4_n100000_java.sk", 100000, hll.TgtHllTypeHll4},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			b := readJava(t, c.file)
			j, err := DecodeHLL(b)
			if err != nil {
				t.Fatal(err)
			}
			if j.LgK() != 12 || j.Type() != c.typ {
				t.Fatalf("lgK %d type %v, want 12 %v", j.LgK(), j.Type(), c.typ)
			}
			if e := j.Estimate(); math.Abs(e-float64(c.n)) > 0.02*float64(c.n) {
				t.Fatalf("java estimate %v, want ~%d", e, c.n)
			}
			mine, err := NewHLL(12, c.typ, UTF16LE)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < c.n; i++ {
				mine.UpdateLong(int64(i))
			}
			if got, want := mine.Estimate(), j.Estimate(); got != want {
				t.Fatalf("dryad estimate %v, java %v", got, want)
			}
			// Java wrote the compact image; ours must be identical.
			if got := mine.Bytes(); !bytes.Equal(got, b) {
				t.Fatalf("dryad bytes differ from java (%d vs %d bytes)", len(got), len(b))
			}
			// And ours reads back to the same estimate.
			back, err := DecodeHLL(mine.Bytes())
			if err != nil || back.Estimate() != j.Estimate() {
				t.Fatalf("read back: %v, %v", back, err)
			}
		})
	}
}

func TestThetaJavaInterop(t *testing.T) {
	cases := []struct {
		file string
		n    int
	}{
		{"theta_n0_java.sk", 0},
		{"theta_n1000_java.sk", 1000},
		{"theta_compressed_n1000_java.sk", 1000},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			j, err := DecodeTheta(readJava(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if e := j.Estimate(); math.Abs(e-float64(c.n)) > 0.03*float64(c.n) {
				t.Fatalf("java estimate %v, want ~%d", e, c.n)
			}
			mine := NewTheta(12)
			for i := 0; i < c.n; i++ {
				mine.UpdateLong(int64(i))
			}
			if got, want := mine.Estimate(), j.Estimate(); got != want {
				t.Fatalf("dryad estimate %v, java %v", got, want)
			}
			if c.file == "theta_n1000_java.sk" && !bytes.Equal(mine.Bytes(), readJava(t, c.file)) {
				t.Fatalf("dryad bytes differ from java")
			}
			back, err := DecodeTheta(mine.Bytes())
			if err != nil || back.Estimate() != j.Estimate() {
				t.Fatalf("read back: %v", err)
			}
		})
	}
}

func TestKLLJavaInterop(t *testing.T) {
	for _, n := range []int{0, 10, 1000} {
		name := map[int]string{0: "kll_double_n0_java.sk", 10: "kll_double_n10_java.sk", 1000: "kll_double_n1000_java.sk"}[n]
		t.Run(name, func(t *testing.T) {
			j, err := DecodeKLL(readJava(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if j.N() != int64(n) {
				t.Fatalf("N %d, want %d", j.N(), n)
			}
			if n == 0 {
				if !math.IsNaN(j.Quantile(0.5)) {
					t.Fatal("empty sketch quantile should be NaN")
				}
				return
			}
			if j.Min() != 1 || j.Max() != float64(n) {
				t.Fatalf("min %v max %v", j.Min(), j.Max())
			}
			mine := NewKLL(200)
			for i := 1; i <= n; i++ {
				mine.Update(float64(i))
			}
			mine.Update(math.NaN()) // ignored
			for _, r := range []float64{0, 0.25, 0.5, 0.9, 1} {
				a, b := mine.Quantile(r), j.Quantile(r)
				if math.Abs(a-b) > 0.02*float64(n) {
					t.Fatalf("rank %v: dryad %v java %v", r, a, b)
				}
			}
			back, err := DecodeKLL(mine.Bytes())
			if err != nil || back.N() != int64(n) {
				t.Fatalf("read back: %v", err)
			}
			if n <= 200 && !bytes.Equal(mine.Bytes(), readJava(t, name)) {
				t.Fatalf("exact-mode bytes differ from java")
			}
		})
	}
}

func TestHLLStringEncodings(t *testing.T) {
	a, _ := NewHLL(12, hll.TgtHllTypeHll4, UTF16LE)
	b, _ := NewHLL(12, hll.TgtHllTypeHll4, UTF8)
	for _, s := range []string{"a", "b", "é", "𝄞", ""} {
		a.UpdateString(s)
		b.UpdateString(s)
	}
	if math.Round(a.Estimate()) != 4 || math.Round(b.Estimate()) != 4 {
		t.Fatalf("estimates %v %v, want 4 (empty string ignored)", a.Estimate(), b.Estimate())
	}
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("utf16le and utf8 hashing must differ")
	}
	// UTF-16LE hashing equals hashing the UTF-16LE bytes directly.
	c, _ := NewHLL(12, hll.TgtHllTypeHll4, UTF16LE)
	for _, s := range []string{"a", "b", "é", "𝄞"} {
		c.UpdateBytes(AppendUTF16LE(nil, s))
	}
	if !bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("UTF-16LE hashing differs from hashing its bytes")
	}
}

func TestHLLMergeAndUnion(t *testing.T) {
	x, _ := NewHLL(12, hll.TgtHllTypeHll4, UTF16LE)
	y, _ := NewHLL(12, hll.TgtHllTypeHll4, UTF16LE)
	for i := 0; i < 30000; i++ {
		x.UpdateLong(int64(i))
		y.UpdateLong(int64(i + 20000))
	}
	u, err := UnionHLL(12, hll.TgtHllTypeHll4, x, y)
	if err != nil {
		t.Fatal(err)
	}
	if e := u.Estimate(); math.Abs(e-50000) > 0.05*50000 {
		t.Fatalf("union estimate %v", e)
	}
	lo, hi := u.Bounds(2)
	if !(lo <= u.Estimate() && u.Estimate() <= hi) {
		t.Fatalf("bounds %v %v around %v", lo, hi, u.Estimate())
	}
	if s := u.String(); !bytes.Contains([]byte(s), []byte("HLL SKETCH SUMMARY")) {
		t.Fatalf("summary %q", s)
	}
}

func TestThetaSetOps(t *testing.T) {
	a, b := NewTheta(14), NewTheta(14)
	for i := 0; i < 1000; i++ {
		a.UpdateString(string(rune('a'+i%26)) + string(rune(i)))
	}
	for i := 500; i < 1500; i++ {
		b.UpdateString(string(rune('a'+i%26)) + string(rune(i)))
	}
	for _, c := range []struct {
		op   string
		want float64
	}{{"UNION", 1500}, {"INTERSECT", 500}, {"NOT", 500}} {
		r, err := ThetaSetOp(c.op, 14, []*Theta{a, b})
		if err != nil {
			t.Fatal(err)
		}
		if r.Estimate() != c.want {
			t.Fatalf("%s: %v, want %v", c.op, r.Estimate(), c.want)
		}
	}
	if _, err := ThetaSetOp("XOR", 14, nil); err == nil {
		t.Fatal("XOR accepted")
	}
}

func TestCorruptInputs(t *testing.T) {
	good := map[string][]byte{"hll": readJava(t, "hll4_n1000_java.sk"), "theta": readJava(t, "theta_n1000_java.sk"), "kll": readJava(t, "kll_double_n1000_java.sk")}
	for name, b := range good {
		for cut := 0; cut < len(b); cut += 1 + len(b)/50 {
			switch name {
			case "hll":
				_, _ = DecodeHLL(b[:cut])
			case "theta":
				_, _ = DecodeTheta(b[:cut])
			case "kll":
				_, _ = DecodeKLL(b[:cut])
			}
		}
	}
	if _, err := DecodeHLL([]byte{1, 2, 3}); err == nil {
		t.Fatal("short HLL accepted")
	}
}

func FuzzDecodeHLL(f *testing.F) {
	f.Add(readJavaF(f, "hll4_n1000_java.sk"))
	f.Add(readJavaF(f, "hll8_n100_java.sk"))
	f.Add(readJavaF(f, "hll4_n0_java.sk"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHLL(b)
		if err != nil {
			return
		}
		_ = h.Estimate()
		_ = h.Bytes()
		u, _ := NewHLL(12, hll.TgtHllTypeHll4, UTF16LE)
		u.UpdateLong(1)
		u.Merge(h)
		_ = u.Estimate()
	})
}

func FuzzDecodeTheta(f *testing.F) {
	f.Add(readJavaF(f, "theta_n1000_java.sk"))
	f.Add(readJavaF(f, "theta_compressed_n1000_java.sk"))
	f.Add(readJavaF(f, "theta_n0_java.sk"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeTheta(b)
		if err != nil {
			return
		}
		_ = s.Estimate()
		_ = s.Bytes()
		u := NewTheta(12)
		u.UpdateLong(1)
		u.Merge(s)
		_ = u.Estimate()
	})
}

func FuzzDecodeKLL(f *testing.F) {
	f.Add(readJavaF(f, "kll_double_n10_java.sk"))
	f.Add(readJavaF(f, "kll_double_n1000_java.sk"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeKLL(b)
		if err != nil {
			return
		}
		_ = s.Quantile(0.5)
		_ = s.Bytes()
		u := NewKLL(200)
		u.Update(1)
		u.Merge(s)
		_ = u.Quantile(0.5)
	})
}

func readJavaF(f *testing.F, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "java", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func TestAppendUTF16LE(t *testing.T) {
	for _, s := range []string{"", "abc", "é", "aé𝄞z", "\x00", "ascii then ü", string([]byte{0xff, 'a'})} {
		var want []byte
		for _, u := range utf16.Encode([]rune(s)) {
			want = append(want, byte(u), byte(u>>8))
		}
		if got := AppendUTF16LE([]byte("x"), s); !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Errorf("%q: % x, want % x", s, got, want)
		}
	}
}
