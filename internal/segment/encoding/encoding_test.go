package encoding

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

func decodeAllInt64(t testing.TB, enc []byte, n int) []int64 {
	t.Helper()
	b, err := ParseInt64Block(enc, n)
	if err != nil {
		t.Fatalf("ParseInt64Block: %v", err)
	}
	out := make([]int64, n)
	b.Decode(out, 0)
	return out
}

func TestInt64BlockKinds(t *testing.T) {
	seq := make([]int64, 1000)
	for i := range seq {
		seq[i] = 1_442_016_000_000 + int64(i)*1000
	}
	small := make([]int64, 100)
	for i := range small {
		small[i] = int64(i%7) - 3
	}
	wide := []int64{math.MinInt64, math.MaxInt64, 0, -1}
	tests := []struct {
		name string
		vals []int64
		want Kind
	}{
		{"constant", []int64{5, 5, 5}, KindConstant},
		{"single", []int64{-9}, KindConstant},
		{"for", small, KindFOR},
		{"delta", seq, KindDelta},
		{"raw", wide, KindRaw},
	}
	var e Encoder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := e.AppendInt64Block(nil, tc.vals)
			if Kind(enc[0]) != tc.want {
				t.Errorf("encoding %s, want %s", Kind(enc[0]), tc.want)
			}
			got := decodeAllInt64(t, enc, len(tc.vals))
			for i := range got {
				if got[i] != tc.vals[i] {
					t.Fatalf("value %d = %d, want %d", i, got[i], tc.vals[i])
				}
			}
		})
	}
}

func TestInt64BlockRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, MaxBlockValues).Draw(t, "n")
		mode := rapid.IntRange(0, 3).Draw(t, "mode")
		vals := make([]int64, n)
		base := rapid.Int64().Draw(t, "base")
		w := rapid.IntRange(0, 64).Draw(t, "width")
		for i := range vals {
			switch mode {
			case 0: // bounded range
				r := rapid.Uint64().Draw(t, "v")
				if w < 64 {
					r &= 1<<uint(w) - 1
				}
				vals[i] = base + int64(r)
			case 1: // sorted
				if i == 0 {
					vals[i] = base
				} else {
					vals[i] = vals[i-1] + rapid.Int64Range(0, 1<<20).Draw(t, "d")
				}
			case 2:
				vals[i] = rapid.Int64().Draw(t, "v")
			default:
				vals[i] = base
			}
		}
		var e Encoder
		enc := e.AppendInt64Block([]byte{0xAA}, vals)[1:]
		b, err := ParseInt64Block(enc, n)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		off := rapid.IntRange(0, n-1).Draw(t, "off")
		k := rapid.IntRange(0, n-off).Draw(t, "k")
		got := make([]int64, k)
		b.Decode(got, off)
		for i := range got {
			if got[i] != vals[off+i] {
				t.Fatalf("%s block: value %d = %d, want %d", b.Kind(), off+i, got[i], vals[off+i])
			}
		}
		ids := make([]int32, k)
		b.DecodeInt32(ids, off)
		for i := range ids {
			if ids[i] != int32(vals[off+i]) {
				t.Fatalf("DecodeInt32 value %d = %d, want %d", off+i, ids[i], int32(vals[off+i]))
			}
		}
		at := rapid.IntRange(0, n-1).Draw(t, "at")
		if got := b.At(at); got != vals[at] {
			t.Fatalf("%s block: At(%d) = %d, want %d", b.Kind(), at, got, vals[at])
		}
	})
}

func TestFloatBlockRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, MaxBlockValues).Draw(t, "n")
		repeat := rapid.Bool().Draw(t, "repeat")
		f64 := make([]float64, n)
		f32 := make([]float32, n)
		for i := range f64 {
			if repeat && i > 0 && rapid.IntRange(0, 3).Draw(t, "r") > 0 {
				f64[i] = f64[i-1]
			} else {
				f64[i] = rapid.Float64().Draw(t, "f")
			}
			f32[i] = float32(f64[i])
		}
		var e Encoder
		b64, err := ParseFloat64Block(e.AppendFloat64Block(nil, f64), n)
		if err != nil {
			t.Fatalf("parse64: %v", err)
		}
		b32, err := ParseFloat32Block(e.AppendFloat32Block(nil, f32), n)
		if err != nil {
			t.Fatalf("parse32: %v", err)
		}
		off := rapid.IntRange(0, n-1).Draw(t, "off")
		g64 := make([]float64, n-off)
		g32 := make([]float32, n-off)
		if err := b64.DecodeFloat64(g64, off); err != nil {
			t.Fatal(err)
		}
		if err := b32.DecodeFloat32(g32, off); err != nil {
			t.Fatal(err)
		}
		for i := range g64 {
			if math.Float64bits(g64[i]) != math.Float64bits(f64[off+i]) || math.Float32bits(g32[i]) != math.Float32bits(f32[off+i]) {
				t.Fatalf("value %d differs", off+i)
			}
		}
	})
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		n    int
	}{
		{"empty", nil, 1},
		{"zero values", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8}, 0},
		{"short constant", []byte{0, 1}, 1},
		{"wide", append([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 65}, make([]byte, 65*8)...), 1},
		{"short for", []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 3}, 1},
		{"unknown", []byte{9}, 1},
		{"short raw", []byte{3, 1, 2}, 1},
	}
	for _, tc := range tests {
		if _, err := ParseInt64Block(tc.src, tc.n); err == nil {
			t.Errorf("%s: ParseInt64Block succeeded", tc.name)
		}
	}
	if _, err := ParseFloat64Block([]byte{4, 9, 0, 0, 0, 1}, 1); err == nil {
		t.Error("lz4 with wrong length accepted")
	}
}

func FuzzInt64Block(f *testing.F) {
	var e Encoder
	f.Add(e.AppendInt64Block(nil, []int64{1, 2, 3, 100}), 4, 1)
	f.Add(e.AppendInt64Block(nil, []int64{10, 20, 30, 40, 50}), 5, 0)
	f.Add(e.AppendInt64Block(nil, []int64{math.MinInt64, 7}), 2, 0)
	f.Fuzz(func(t *testing.T, src []byte, n, off int) {
		b, err := ParseInt64Block(src, n)
		if err != nil {
			return
		}
		if off < 0 || off >= n {
			off = 0
		}
		dst := make([]int64, n-off)
		b.Decode(dst, off)
		ids := make([]int32, n-off)
		b.DecodeInt32(ids, off)
		for i, v := range dst {
			if ids[i] != int32(v) {
				t.Fatalf("DecodeInt32 value %d = %d, want %d", off+i, ids[i], int32(v))
			}
			if got := b.At(off + i); got != v {
				t.Fatalf("At(%d) = %d, want %d", off+i, got, v)
			}
		}
	})
}

func FuzzFloatBlock(f *testing.F) {
	var e Encoder
	f.Add(e.AppendFloat64Block(nil, []float64{1, 2, 3}), 3)
	f.Add(e.AppendFloat64Block(nil, make([]float64, 200)), 200)
	f.Fuzz(func(t *testing.T, src []byte, n int) {
		b, err := ParseFloat64Block(src, n)
		if err != nil {
			return
		}
		_ = b.DecodeFloat64(make([]float64, n), 0)
	})
}

func BenchmarkDecodeFOR(b *testing.B) {
	vals := make([]int64, MaxBlockValues)
	for i := range vals {
		vals[i] = int64(i*7919) % 1000
	}
	var e Encoder
	blk, err := ParseInt64Block(e.AppendInt64Block(nil, vals), len(vals))
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]int64, len(vals))
	b.SetBytes(int64(len(vals) * 8))
	b.ReportAllocs()
	for b.Loop() {
		blk.Decode(dst, 0)
	}
}
