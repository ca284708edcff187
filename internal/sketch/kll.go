package sketch

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/datasketches-go/common"
	"github.com/apache/datasketches-go/kll"

	"github.com/dryaddb/dryad/internal/base"
)

// DefaultKLLK is Druid's default KllDoublesSketch k.
const DefaultKLLK = 200

func lessDouble(a, b float64) bool { return a < b }

// KLL is a KLL doubles sketch.
type KLL struct {
	sk *kll.ItemsSketch[float64]
}

// CheckKLLK validates k (8..65535).
func CheckKLLK(k int) error {
	if k < 8 || k > 65535 {
		return base.Errorf(base.ClassInvalidInput, "k %d: must be between 8 and 65535", k)
	}
	return nil
}

// NewKLL returns an empty sketch with parameter k (validated by CheckKLLK).
func NewKLL(k int) *KLL {
	sk, err := kll.NewKllItemsSketch[float64](uint16(k), 8, lessDouble, common.ItemSketchDoubleSerDe{})
	if err != nil {
		sk, _ = kll.NewKllItemsSketchWithDefault[float64](lessDouble, common.ItemSketchDoubleSerDe{})
	}
	return &KLL{sk: sk}
}

// DecodeKLL reads a serialized KllDoublesSketch.
func DecodeKLL(b []byte) (s *KLL, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, base.Errorf(base.ClassInvalidInput, "KLL sketch (%d bytes) is corrupt: %v", len(b), r)
		}
	}()
	if len(b) < 8 {
		return nil, base.Errorf(base.ClassInvalidInput, "KLL sketch: %d bytes is shorter than the 8-byte preamble", len(b))
	}
	if err := checkKLLImage(b); err != nil {
		return nil, err
	}
	sk, err := kll.NewKllItemsSketchFromSlice[float64](b, lessDouble, common.ItemSketchDoubleSerDe{})
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "KLL sketch (%d bytes): %w", len(b), err)
	}
	if err := checkKLL(sk); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "KLL sketch (%d bytes): %w", len(b), err)
	}
	return &KLL{sk: sk}, nil
}

// checkKLL verifies what the library trusts in an image it decoded: the
// retained items' weights add up to N, min ≤ max, and the sorted view
// (which every query builds) can be built. A panic here means the image is
// corrupt; the caller's recover reports it.
func checkKLL(sk *kll.ItemsSketch[float64]) error {
	if sk.IsEmpty() {
		return nil
	}
	var total int64
	for it := sk.GetIterator(); it.Next(); {
		w := it.GetWeight()
		if w <= 0 || math.IsNaN(it.GetQuantile()) {
			return fmt.Errorf("retained item with weight %d or NaN value", w)
		}
		total += w
	}
	if uint64(total) != sk.GetN() {
		return fmt.Errorf("retained weights add up to %d, not N=%d", total, sk.GetN())
	}
	lo, err1 := sk.GetMinItem()
	hi, err2 := sk.GetMaxItem()
	if err1 != nil || err2 != nil || !(lo <= hi) {
		return fmt.Errorf("min %v / max %v are invalid", lo, hi)
	}
	if _, err := sk.GetSortedView(); err != nil {
		return err
	}
	return nil
}

// Update adds a value; NaN is ignored, as in the Java library.
func (s *KLL) Update(v float64) {
	if !math.IsNaN(v) {
		s.sk.Update(v)
	}
}

// Merge folds another sketch into s.
func (s *KLL) Merge(other *KLL) {
	if other != nil && !other.sk.IsEmpty() {
		s.sk.Merge(other.sk)
	}
}

// N is the number of values the sketch saw.
func (s *KLL) N() int64 { return int64(s.sk.GetN()) }

// Min and Max return the extreme values (NaN when empty).
func (s *KLL) Min() float64 {
	v, err := s.sk.GetMinItem()
	if err != nil {
		return math.NaN()
	}
	return v
}

// Max returns the largest value (NaN when empty).
func (s *KLL) Max() float64 {
	v, err := s.sk.GetMaxItem()
	if err != nil {
		return math.NaN()
	}
	return v
}

// Quantile returns the value at normalized rank (inclusive search); NaN
// when empty.
func (s *KLL) Quantile(rank float64) float64 {
	v, err := s.sk.GetQuantile(rank, true)
	if err != nil {
		return math.NaN()
	}
	return v
}

// Rank returns the normalized rank of v (inclusive); NaN when empty.
func (s *KLL) Rank(v float64) float64 {
	r, err := s.sk.GetRank(v, true)
	if err != nil {
		return math.NaN()
	}
	return r
}

// CDF returns the ranks at the split points plus a final 1.0; nil when empty.
func (s *KLL) CDF(split []float64) []float64 {
	r, err := s.sk.GetCDF(split, true)
	if err != nil {
		return nil
	}
	return r
}

// PMF returns the mass between consecutive split points; nil when empty.
func (s *KLL) PMF(split []float64) []float64 {
	r, err := s.sk.GetPMF(split, true)
	if err != nil {
		return nil
	}
	return r
}

// Bytes returns the compact image.
func (s *KLL) Bytes() []byte {
	b, err := s.sk.ToSlice()
	if err != nil {
		return nil
	}
	return b
}

// MarshalJSON writes the base64 of Bytes.
func (s *KLL) MarshalJSON() ([]byte, error) { return jsonBase64(s.Bytes()), nil }

// checkKLLImage validates the preamble of a compact KLL image before the
// library trusts it (it sizes allocations from these fields): family 15,
// one of the compact structures (empty, single item, full), k and m, and for
// a full image a level array that is ordered, within the sketch's capacity
// and backed by enough bytes.
func checkKLLImage(b []byte) error {
	bad := func(format string, args ...any) error {
		return base.Errorf(base.ClassInvalidInput, "KLL sketch: "+format, args...)
	}
	if b[2] != 15 {
		return bad("family %d at offset 2, want 15", b[2])
	}
	k := int(binary.LittleEndian.Uint16(b[4:]))
	m := int(b[6])
	if m < 2 || m > 8 || m%2 != 0 || k < m {
		return bad("k %d / m %d at offsets 4 and 6 are invalid", k, m)
	}
	switch pre, ver := b[0], b[1]; {
	case pre == 2 && ver == 1: // empty
		return nil
	case pre == 2 && ver == 2: // single item
		if len(b) < 16 {
			return bad("single-item image of %d bytes is shorter than 16", len(b))
		}
		return nil
	case pre == 5 && ver == 1: // full, compact
	default:
		return bad("preamble ints %d / serial version %d are not a compact image", pre, ver)
	}
	if len(b) < 20 {
		return bad("full image of %d bytes is shorter than its 20-byte preamble", len(b))
	}
	numLevels := int(b[18])
	if numLevels < 1 || numLevels > 61 {
		return bad("%d levels at offset 18 (1..61 allowed)", numLevels)
	}
	data := 20 + 4*numLevels + 16
	if len(b) < data {
		return bad("%d levels need %d bytes, have %d", numLevels, data, len(b))
	}
	capacity := kllCapacity(uint16(k), uint8(m), uint8(numLevels))
	prev := uint32(0)
	for i := 0; i < numLevels; i++ {
		l := binary.LittleEndian.Uint32(b[20+4*i:])
		if l < prev || l > capacity {
			return bad("level %d starts at %d (previous %d, capacity %d)", i, l, prev, capacity)
		}
		prev = l
	}
	first := binary.LittleEndian.Uint32(b[20:])
	if need := data + 8*int(capacity-first); len(b) < need {
		return bad("%d retained items need %d bytes, have %d", capacity-first, need, len(b))
	}
	return nil
}

// kllCapacity is the library's item capacity of a sketch with k, m and
// numLevels (its allocation size), computed with the same integer
// arithmetic.
func kllCapacity(k uint16, m uint8, numLevels uint8) uint32 {
	var total uint32
	for level := uint8(0); level < numLevels; level++ {
		total += max(uint32(m), kllCapAux(k, numLevels-level-1))
	}
	return total
}

func kllCapAux(k uint16, depth uint8) uint32 {
	if depth <= 30 {
		return kllCapAuxAux(k, depth)
	}
	half := depth / 2
	return kllCapAuxAux(uint16(kllCapAuxAux(k, half)), depth-half)
}

func kllCapAuxAux(k uint16, depth uint8) uint32 {
	pow3 := uint64(1)
	for i := uint8(0); i < depth; i++ {
		pow3 *= 3
	}
	twok := uint64(k << 1)
	r := ((twok<<depth)/pow3 + 1) >> 1
	if r <= uint64(k) {
		return uint32(r)
	}
	return uint32(k)
}
