package quantiles

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/dryaddb/dryad/internal/base"
)

// DefaultK is Druid's default k for quantilesDoublesSketch.
const DefaultK = 128

// MaxK is the largest k (2^15).
const MaxK = 1 << 15

const (
	serVer      = 3
	family      = 8
	flagBig     = 1
	flagRO      = 2
	flagEmpty   = 4
	flagCompact = 8
	flagOrdered = 16
)

// CheckK validates k: a power of two from 2 to 32768.
func CheckK(k int) error {
	if k < 2 || k > MaxK || k&(k-1) != 0 {
		return base.Errorf(base.ClassInvalidInput, "k %d: must be a power of 2 from 2 to %d", k, MaxK)
	}
	return nil
}

// Sketch is a classic quantiles DoublesSketch.
type Sketch struct {
	k      int
	n      int64
	min    float64
	max    float64
	bb     []float64   // base buffer, unsorted, len < 2k
	levels [][]float64 // levels[i] is nil or k sorted items
	rng    *rand.Rand
	// free holds k-item buffers of consumed levels for reuse; merged is
	// the 2k-item merge scratch.
	free   [][]float64
	merged []float64
}

// New returns an empty sketch; k must pass CheckK.
func New(k int) *Sketch {
	return &Sketch{k: k, min: math.NaN(), max: math.NaN(), rng: rand.New(rand.NewPCG(uint64(k), 0x9e3779b97f4a7c15))}
}

// K returns the sketch's k.
func (s *Sketch) K() int { return s.k }

// N returns the number of items the sketch saw.
func (s *Sketch) N() int64 { return s.n }

// IsEmpty reports whether the sketch saw no items.
func (s *Sketch) IsEmpty() bool { return s.n == 0 }

// Min returns the smallest item (NaN when empty).
func (s *Sketch) Min() float64 { return s.min }

// Max returns the largest item (NaN when empty).
func (s *Sketch) Max() float64 { return s.max }

// Retained returns the number of items kept.
func (s *Sketch) Retained() int {
	r := len(s.bb)
	for _, l := range s.levels {
		r += len(l)
	}
	return r
}

// Update adds an item; NaN is ignored, as in the Java library.
func (s *Sketch) Update(v float64) {
	if math.IsNaN(v) {
		return
	}
	if s.n == 0 {
		s.min, s.max = v, v
	} else {
		s.min = math.Min(s.min, v)
		s.max = math.Max(s.max, v)
	}
	s.n++
	s.bb = append(s.bb, v)
	if len(s.bb) == 2*s.k {
		slices.Sort(s.bb)
		s.carry(0, s.zip(s.bb))
		s.bb = s.bb[:0]
	}
}

// zip keeps every other item of a sorted 2k buffer from a random offset,
// in a k-item buffer of its own.
func (s *Sketch) zip(buf []float64) []float64 {
	off := 0
	if s.rng.IntN(2) == 1 {
		off = 1
	}
	var out []float64
	if n := len(s.free); n > 0 {
		out = s.free[n-1][:0]
		s.free = s.free[:n-1]
	} else {
		out = make([]float64, 0, len(buf)/2)
	}
	for i := off; i < len(buf); i += 2 {
		out = append(out, buf[i])
	}
	return out
}

// carry places k sorted items (a buffer the sketch now owns) at level lvl,
// merging and zipping them up through occupied levels.
func (s *Sketch) carry(lvl int, items []float64) {
	for {
		for len(s.levels) <= lvl {
			s.levels = append(s.levels, nil)
		}
		if s.levels[lvl] == nil {
			s.levels[lvl] = items
			return
		}
		s.merged = mergeSorted(s.merged[:0], s.levels[lvl], items)
		if cap(items) == s.k {
			s.free = append(s.free, items)
		}
		if cap(s.levels[lvl]) == s.k {
			s.free = append(s.free, s.levels[lvl])
		}
		s.levels[lvl] = nil
		items = s.zip(s.merged)
		lvl++
	}
}

func mergeSorted(out, a, b []float64) []float64 {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if b[j] < a[i] {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// Merge folds other into s. other.K() must be a multiple of s.K() (equal
// or larger); a larger k is downsampled. other is only read.
func (s *Sketch) Merge(other *Sketch) error {
	if other == nil || other.n == 0 {
		return nil
	}
	if other.k < s.k || other.k%s.k != 0 {
		return base.Errorf(base.ClassInvalidInput, "quantiles sketch: cannot merge k=%d into k=%d", other.k, s.k)
	}
	nBefore := s.n
	minBefore, maxBefore := s.min, s.max
	for _, v := range other.bb {
		s.Update(v)
	}
	factor := other.k / s.k
	shift := bits.TrailingZeros(uint(factor))
	for i, l := range other.levels {
		if l == nil {
			continue
		}
		items := slices.Clone(l)
		if factor > 1 {
			items = make([]float64, 0, s.k)
			off := s.rng.IntN(factor)
			for j := off; j < len(l); j += factor {
				items = append(items, l[j])
			}
		}
		s.carry(i+shift, items)
	}
	s.n = nBefore + other.n
	if nBefore == 0 {
		s.min, s.max = other.min, other.max
	} else {
		s.min = math.Min(minBefore, other.min)
		s.max = math.Max(maxBefore, other.max)
	}
	return nil
}

// Copy returns a deep copy.
func (s *Sketch) Copy() *Sketch {
	c := New(s.k)
	c.n, c.min, c.max = s.n, s.min, s.max
	c.bb = slices.Clone(s.bb)
	c.levels = make([][]float64, len(s.levels))
	for i, l := range s.levels {
		c.levels[i] = slices.Clone(l)
	}
	return c
}

// Union merges sketches into a new sketch whose k is the smallest k among
// them, capped at maxK (Druid's union takes the aggregator's k).
func Union(maxK int, sketches ...*Sketch) (*Sketch, error) {
	k := maxK
	for _, s := range sketches {
		if s != nil && s.n > 0 && s.k < k {
			k = s.k
		}
	}
	u := New(k)
	for _, s := range sketches {
		if err := u.Merge(s); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// sorted returns the retained items in order with cumulative weights.
func (s *Sketch) sorted() (items []float64, cum []int64) {
	type iw struct {
		v float64
		w int64
	}
	all := make([]iw, 0, s.Retained())
	for _, v := range s.bb {
		all = append(all, iw{v, 1})
	}
	for i, l := range s.levels {
		w := int64(2) << i
		for _, v := range l {
			all = append(all, iw{v, w})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].v < all[j].v })
	items = make([]float64, len(all))
	cum = make([]int64, len(all))
	var c int64
	for i, x := range all {
		c += x.w
		items[i], cum[i] = x.v, c
	}
	return items, cum
}

// Quantile returns the item at normalized rank r in [0, 1] with inclusive
// search (the smallest item whose cumulative weight reaches ceil(r·N)); NaN
// when empty or r is out of range.
func (s *Sketch) Quantile(r float64) float64 {
	q := s.Quantiles([]float64{r})
	return q[0]
}

// Quantiles returns the items at several normalized ranks.
func (s *Sketch) Quantiles(ranks []float64) []float64 {
	out := make([]float64, len(ranks))
	if s.n == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	items, cum := s.sorted()
	for i, r := range ranks {
		if r < 0 || r > 1 || math.IsNaN(r) {
			out[i] = math.NaN()
			continue
		}
		nat := r * float64(s.n)
		if s.n <= 10_000_000 {
			nat = math.Round(nat*1e7) / 1e7
		}
		want := int64(math.Ceil(nat))
		j := sort.Search(len(cum), func(j int) bool { return cum[j] >= want })
		switch {
		case r == 0:
			out[i] = s.min
		case r == 1 || j >= len(items):
			out[i] = s.max
		default:
			out[i] = items[j]
		}
	}
	return out
}

// Rank returns the normalized rank of v: the weight of items ≤ v over N
// (NaN when empty).
func (s *Sketch) Rank(v float64) float64 {
	return s.CDF([]float64{v})[0]
}

// CDF returns, for each split point, the normalized weight of items ≤ it,
// followed by 1.0; NaN values when empty. Split points must be increasing
// (checked by CheckSplitPoints).
func (s *Sketch) CDF(split []float64) []float64 {
	out := make([]float64, len(split)+1)
	if s.n == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	items, cum := s.sorted()
	for i, p := range split {
		j := sort.Search(len(items), func(j int) bool { return items[j] > p })
		if j > 0 {
			out[i] = float64(cum[j-1]) / float64(s.n)
		}
	}
	out[len(split)] = 1
	return out
}

// PMF returns the normalized weight in each interval (-inf, s0], (s0, s1],
// …, (sm, +inf); NaN values when empty.
func (s *Sketch) PMF(split []float64) []float64 {
	c := s.CDF(split)
	out := make([]float64, len(c))
	prev := 0.0
	for i, v := range c {
		out[i] = v - prev
		prev = v
	}
	return out
}

// CheckSplitPoints validates split points: finite-or-infinite, not NaN,
// strictly increasing.
func CheckSplitPoints(split []float64) error {
	for i, v := range split {
		if math.IsNaN(v) {
			return base.Errorf(base.ClassInvalidInput, "splitPoints[%d] is NaN", i)
		}
		if i > 0 && !(v > split[i-1]) {
			return base.Errorf(base.ClassInvalidInput, "splitPoints must be strictly increasing (index %d)", i)
		}
	}
	return nil
}

// Bytes returns the compact ordered serialized form.
func (s *Sketch) Bytes() []byte {
	if s.n == 0 {
		b := make([]byte, 8)
		b[0], b[1], b[2], b[3] = 1, serVer, family, flagEmpty|flagCompact|flagOrdered|flagRO
		binary.LittleEndian.PutUint16(b[4:], uint16(s.k))
		return b
	}
	b := make([]byte, 32, 32+8*s.Retained())
	b[0], b[1], b[2], b[3] = 2, serVer, family, flagCompact|flagOrdered|flagRO
	binary.LittleEndian.PutUint16(b[4:], uint16(s.k))
	binary.LittleEndian.PutUint64(b[8:], uint64(s.n))
	binary.LittleEndian.PutUint64(b[16:], math.Float64bits(s.min))
	binary.LittleEndian.PutUint64(b[24:], math.Float64bits(s.max))
	bb := slices.Clone(s.bb)
	slices.Sort(bb)
	for _, v := range bb {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	for _, l := range s.levels {
		for _, v := range l {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	return b
}

// MarshalJSON writes the base64 of Bytes, as Druid writes an unfinalized
// sketch.
func (s *Sketch) MarshalJSON() ([]byte, error) {
	b := s.Bytes()
	out := make([]byte, 0, base64.StdEncoding.EncodedLen(len(b))+2)
	out = append(out, '"')
	out = base64.StdEncoding.AppendEncode(out, b)
	return append(out, '"'), nil
}

// String is a short summary.
func (s *Sketch) String() string {
	return fmt.Sprintf("DoublesSketch{k=%d, n=%d, retained=%d, min=%v, max=%v}", s.k, s.n, s.Retained(), s.min, s.max)
}

// Decode reads a serialized DoublesSketch (serial version 3, compact or
// updatable). Corrupt input is a ClassInvalidInput error naming the problem.
func Decode(b []byte) (*Sketch, error) {
	if len(b) < 8 {
		return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: %d bytes is shorter than the 8-byte preamble", len(b))
	}
	pre, ver, fam, flags := b[0], b[1], b[2], b[3]
	if fam != family {
		return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: family %d at offset 2, want %d", fam, family)
	}
	if ver != serVer {
		return nil, base.Errorf(base.ClassUnsupported, "quantiles sketch: serial version %d at offset 1 (only 3 is supported)", ver)
	}
	if flags&flagBig != 0 {
		return nil, base.Errorf(base.ClassUnsupported, "quantiles sketch: big-endian images are not supported")
	}
	k := int(binary.LittleEndian.Uint16(b[4:]))
	if err := CheckK(k); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: %w", err)
	}
	s := New(k)
	if flags&flagEmpty != 0 || pre == 1 {
		if pre != 1 && pre != 2 {
			return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: preamble longs %d at offset 0", pre)
		}
		if pre == 2 && len(b) >= 16 && binary.LittleEndian.Uint64(b[8:]) != 0 {
			return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: empty flag with N=%d", binary.LittleEndian.Uint64(b[8:]))
		}
		return s, nil
	}
	if pre != 2 {
		return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: preamble longs %d at offset 0, want 2", pre)
	}
	if len(b) < 32 {
		return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: %d bytes is shorter than the 32-byte header", len(b))
	}
	n := binary.LittleEndian.Uint64(b[8:])
	if n == 0 || n > 1<<62 {
		return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: N %d at offset 8 out of range", n)
	}
	s.n = int64(n)
	s.min = math.Float64frombits(binary.LittleEndian.Uint64(b[16:]))
	s.max = math.Float64frombits(binary.LittleEndian.Uint64(b[24:]))
	twoK := uint64(2 * k)
	bbCount := int(n % twoK)
	pattern := n / twoK
	compact := flags&flagCompact != 0
	levelsPresent := bits.OnesCount64(pattern)
	var need uint64
	if compact {
		need = 32 + 8*(uint64(bbCount)+uint64(levelsPresent)*uint64(k))
	} else if pattern == 0 {
		need = 32 + 8*uint64(bbCount)
	} else {
		need = 32 + 8*(twoK+uint64(bits.Len64(pattern))*uint64(k))
	}
	if uint64(len(b)) < need {
		return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: N=%d, k=%d needs %d bytes, have %d", n, k, need, len(b))
	}
	read := func(off, cnt int) []float64 {
		out := make([]float64, cnt)
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[off+8*i:]))
		}
		return out
	}
	s.bb = read(32, bbCount)
	for _, v := range s.bb {
		if math.IsNaN(v) {
			return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: NaN item in the base buffer")
		}
	}
	off := 32 + 8*bbCount
	if !compact {
		off = 32 + 8*int(twoK)
	}
	for lvl := 0; pattern>>lvl != 0; lvl++ {
		s.levels = append(s.levels, nil)
		if pattern>>lvl&1 == 1 {
			l := read(off, k)
			if !slices.IsSorted(l) {
				return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: level %d is not sorted", lvl)
			}
			s.levels[lvl] = l
			off += 8 * k
		} else if !compact {
			off += 8 * k
		}
	}
	if math.IsNaN(s.min) || math.IsNaN(s.max) || s.min > s.max {
		return nil, base.Errorf(base.ClassInvalidInput, "quantiles sketch: min %v / max %v are invalid", s.min, s.max)
	}
	return s, nil
}
