package sketch

import (
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
	if b[2] != 15 {
		return nil, base.Errorf(base.ClassInvalidInput, "KLL sketch: family %d, want 15", b[2])
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
