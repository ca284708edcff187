package sketch

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"unicode/utf16"

	"github.com/apache/datasketches-go/hll"

	"github.com/dryaddb/dryad/internal/base"
)

// HLL defaults, as in Druid's HLLSketchBuild/HLLSketchMerge.
const (
	DefaultHLLLgK  = 12
	DefaultHLLType = "HLL_4"
)

// StringEncoding selects how HLL sketches hash strings.
type StringEncoding uint8

// The string encodings Druid's HLL aggregators accept.
const (
	UTF16LE StringEncoding = iota // Druid's default: Java update(char[])
	UTF8                          // Java update(String)
)

// ParseStringEncoding parses Druid's stringEncoding property ("utf16le" or
// "utf8", case-insensitive; "" is the default).
func ParseStringEncoding(s string) (StringEncoding, error) {
	switch s {
	case "", "utf16le", "UTF16LE", "utf16LE":
		return UTF16LE, nil
	case "utf8", "UTF8":
		return UTF8, nil
	}
	return 0, base.Errorf(base.ClassInvalidInput, "stringEncoding %q: must be \"utf16le\" or \"utf8\"", s)
}

// String returns Druid's name of the encoding.
func (e StringEncoding) String() string {
	if e == UTF8 {
		return "utf8"
	}
	return "utf16le"
}

// ParseHLLType parses a tgtHllType ("HLL_4", "HLL_6", "HLL_8"; "" is HLL_4).
func ParseHLLType(s string) (hll.TgtHllType, error) {
	switch s {
	case "", "HLL_4":
		return hll.TgtHllTypeHll4, nil
	case "HLL_6":
		return hll.TgtHllTypeHll6, nil
	case "HLL_8":
		return hll.TgtHllTypeHll8, nil
	}
	return 0, base.Errorf(base.ClassInvalidInput, "tgtHllType %q: must be HLL_4, HLL_6 or HLL_8", s)
}

// HLLTypeName is the inverse of ParseHLLType.
func HLLTypeName(t hll.TgtHllType) string {
	switch t {
	case hll.TgtHllTypeHll6:
		return "HLL_6"
	case hll.TgtHllTypeHll8:
		return "HLL_8"
	}
	return "HLL_4"
}

// CheckHLLLgK validates lgK (4..21).
func CheckHLLLgK(lgK int) error {
	if lgK < 4 || lgK > 21 {
		return base.Errorf(base.ClassInvalidInput, "lgK %d: must be between 4 and 21", lgK)
	}
	return nil
}

// HLL is an HLL sketch being built from raw values and/or merged from other
// sketches. The zero value is not usable; use NewHLL or DecodeHLL.
type HLL struct {
	lgK int
	typ hll.TgtHllType
	// sk receives raw updates; un receives merged sketches. Either may be nil.
	sk  hll.HllSketch
	un  hll.Union
	enc StringEncoding
	buf []byte
}

// NewHLL returns an empty sketch with the given lgK (4..21) and target type.
func NewHLL(lgK int, typ hll.TgtHllType, enc StringEncoding) (*HLL, error) {
	if err := CheckHLLLgK(lgK); err != nil {
		return nil, err
	}
	return &HLL{lgK: lgK, typ: typ, enc: enc}, nil
}

// DecodeHLL reads a serialized HllSketch (compact or updatable image, as
// the Java library writes it). Corrupt input is a ClassInvalidInput error.
func DecodeHLL(b []byte) (h *HLL, err error) {
	defer func() {
		if r := recover(); r != nil {
			h, err = nil, base.Errorf(base.ClassInvalidInput, "HLL sketch (%d bytes) is corrupt: %v", len(b), r)
		}
	}()
	if err := checkHLLImage(b); err != nil {
		return nil, err
	}
	sk, err := hll.NewHllSketchFromSlice(b, true)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "HLL sketch (%d bytes): %w", len(b), err)
	}
	// The library trusts the image's counts; exercise what later calls do
	// (estimate, serialization, union) so that a corrupt image fails here,
	// inside the recover, rather than in a later call.
	if _, err := sk.GetEstimate(); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "HLL sketch (%d bytes): %w", len(b), err)
	}
	if _, err := sk.ToCompactSlice(); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "HLL sketch (%d bytes): %w", len(b), err)
	}
	u, err := hll.NewUnion(sk.GetLgConfigK())
	if err == nil {
		err = u.UpdateSketch(sk)
	}
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "HLL sketch (%d bytes): %w", len(b), err)
	}
	return &HLL{lgK: sk.GetLgConfigK(), typ: sk.GetTgtHllType(), sk: sk}, nil
}

// checkHLLImage validates the preamble fields the library trusts: family,
// serial version, lgK and the mode's minimum size.
func checkHLLImage(b []byte) error {
	if len(b) < 8 {
		return base.Errorf(base.ClassInvalidInput, "HLL sketch: %d bytes is shorter than the 8-byte preamble", len(b))
	}
	if b[1] != 1 || b[2] != 7 {
		return base.Errorf(base.ClassInvalidInput, "HLL sketch: serial version %d / family %d, want 1 / 7", b[1], b[2])
	}
	if lgK := int(b[3]); lgK < 4 || lgK > 21 {
		return base.Errorf(base.ClassInvalidInput, "HLL sketch: lgK %d out of range 4..21", lgK)
	}
	mode := b[7] & 3
	typ := (b[7] >> 2) & 3
	if typ > 2 || mode > 2 {
		return base.Errorf(base.ClassInvalidInput, "HLL sketch: mode byte 0x%02x is invalid", b[7])
	}
	empty := b[5]&4 != 0
	switch {
	case mode == 0 && !empty: // LIST: preamble 8 + 4 bytes per coupon
		if n := int(b[6]); len(b) < 8+4*n {
			return base.Errorf(base.ClassInvalidInput, "HLL sketch: LIST of %d coupons needs %d bytes, have %d", n, 8+4*n, len(b))
		}
	case mode == 1: // SET: preamble 12 (+ coupons)
		if len(b) < 12 {
			return base.Errorf(base.ClassInvalidInput, "HLL sketch: SET image of %d bytes is shorter than 12", len(b))
		}
		n := int(uint32(b[8]) | uint32(b[9])<<8 | uint32(b[10])<<16 | uint32(b[11])<<24)
		if n < 0 || n > 1<<22 {
			return base.Errorf(base.ClassInvalidInput, "HLL sketch: SET coupon count %d out of range", n)
		}
		if b[5]&8 != 0 && len(b) < 12+4*n { // compact
			return base.Errorf(base.ClassInvalidInput, "HLL sketch: SET of %d coupons needs %d bytes, have %d", n, 12+4*n, len(b))
		}
		if b[5]&8 == 0 {
			lgArr := int(b[4])
			if lgArr > 26 || len(b) < 12+4<<lgArr {
				return base.Errorf(base.ClassInvalidInput, "HLL sketch: updatable SET with lgArr %d does not fit %d bytes", lgArr, len(b))
			}
		}
	case mode == 2: // HLL: preamble 40 + registers (+ aux)
		lgK := int(b[3])
		need := 40
		switch typ {
		case 0:
			need += 1 << (lgK - 1)
		case 1:
			need += ((1<<lgK)*6 + 7) / 8
		case 2:
			need += 1 << lgK
		}
		if len(b) < need {
			return base.Errorf(base.ClassInvalidInput, "HLL sketch: HLL image needs %d bytes, have %d", need, len(b))
		}
		if typ == 0 {
			aux := int(uint32(b[36]) | uint32(b[37])<<8 | uint32(b[38])<<16 | uint32(b[39])<<24)
			lgArr := int(b[4])
			if aux < 0 || aux > 1<<lgK || lgArr > 26 {
				return base.Errorf(base.ClassInvalidInput, "HLL sketch: aux count %d / lgArr %d out of range", aux, lgArr)
			}
			if b[5]&8 != 0 && len(b) < need+4*aux {
				return base.Errorf(base.ClassInvalidInput, "HLL sketch: %d aux entries need %d bytes, have %d", aux, need+4*aux, len(b))
			}
			if b[5]&8 == 0 && aux > 0 && len(b) < need+4<<lgArr {
				return base.Errorf(base.ClassInvalidInput, "HLL sketch: aux table (lgArr %d) does not fit %d bytes", lgArr, len(b))
			}
		}
	}
	return nil
}

// LgK returns the sketch's lgK.
func (h *HLL) LgK() int { return h.lgK }

// Type returns the target HLL type.
func (h *HLL) Type() hll.TgtHllType { return h.typ }

func (h *HLL) update() hll.HllSketch {
	if h.sk == nil {
		sk, err := hll.NewHllSketch(h.lgK, h.typ)
		if err != nil {
			panic(fmt.Sprintf("sketch: NewHllSketch(%d): %v", h.lgK, err)) // lgK was validated
		}
		h.sk = sk
	}
	return h.sk
}

// UpdateString hashes a string as Druid's HLLSketchBuild does; "" is ignored.
func (h *HLL) UpdateString(s string) {
	if s == "" {
		return
	}
	if h.enc == UTF8 {
		_ = h.update().UpdateString(s)
		return
	}
	h.buf = AppendUTF16LE(h.buf[:0], s)
	_ = h.update().UpdateSlice(h.buf)
}

// UpdateLong hashes a long.
func (h *HLL) UpdateLong(v int64) { _ = h.update().UpdateInt64(v) }

// UpdateDouble hashes a double's canonical bits.
func (h *HLL) UpdateDouble(v float64) { _ = h.update().UpdateInt64(CanonicalDoubleBits(v)) }

// UpdateBytes hashes raw bytes; an empty slice is ignored.
func (h *HLL) UpdateBytes(b []byte) {
	if len(b) > 0 {
		_ = h.update().UpdateSlice(b)
	}
}

// Merge folds another sketch into h (other is only read).
func (h *HLL) Merge(other *HLL) {
	if other == nil {
		return
	}
	if h.un == nil {
		u, err := hll.NewUnion(h.lgK)
		if err != nil {
			panic(fmt.Sprintf("sketch: hll.NewUnion(%d): %v", h.lgK, err))
		}
		h.un = u
	}
	if other.sk != nil {
		_ = h.un.UpdateSketch(other.sk)
	}
	if other.un != nil {
		if r, err := other.un.GetResult(other.typ); err == nil {
			_ = h.un.UpdateSketch(r)
		}
	}
}

// result returns the sketch h represents, or nil when h saw nothing.
func (h *HLL) result() hll.HllSketch {
	if h.un == nil {
		return h.sk
	}
	if h.sk != nil {
		_ = h.un.UpdateSketch(h.sk)
		h.sk = nil
	}
	r, err := h.un.GetResult(h.typ)
	if err != nil {
		return nil
	}
	return r
}

// Estimate returns the distinct-count estimate (0 when empty).
func (h *HLL) Estimate() float64 {
	r := h.result()
	if r == nil {
		return 0
	}
	e, _ := r.GetEstimate()
	return e
}

// Bounds returns the lower and upper bounds at numStdDev (1..3) standard
// deviations.
func (h *HLL) Bounds(numStdDev int) (lo, hi float64) {
	r := h.result()
	if r == nil {
		return 0, 0
	}
	lo, _ = r.GetLowerBound(numStdDev)
	hi, _ = r.GetUpperBound(numStdDev)
	return lo, hi
}

// Bytes returns the compact serialized image (what Druid stores).
func (h *HLL) Bytes() []byte {
	r := h.result()
	if r == nil {
		sk, _ := hll.NewHllSketch(h.lgK, h.typ)
		r = sk
	}
	b, err := r.ToCompactSlice()
	if err != nil {
		return nil
	}
	return b
}

// MarshalJSON writes the base64 of Bytes, as Druid writes an unfinalized
// sketch.
func (h *HLL) MarshalJSON() ([]byte, error) { return jsonBase64(h.Bytes()), nil }

// String is a human-readable summary (HLLSketchToString).
func (h *HLL) String() string {
	lo, hi := h.Bounds(1)
	mode := "LIST"
	empty := true
	if r := h.result(); r != nil {
		empty = r.IsEmpty()
		switch fmt.Sprint(r.GetCurMode()) {
		case "1", "SET":
			mode = "SET"
		case "2", "HLL":
			mode = "HLL"
		}
	}
	return fmt.Sprintf("### HLL SKETCH SUMMARY: \n  Log Config K   : %d\n  Hll Target     : %s\n  Current Mode   : %s\n  Memory         : false\n  LB             : %v\n  Estimate       : %v\n  UB             : %v\n  OutOfOrder Flag: %v\n",
		h.lgK, HLLTypeName(h.typ), mode, lo, h.Estimate(), hi, h.un != nil && !empty)
}

// UnionHLL returns the union of sketches with the given lgK and type.
func UnionHLL(lgK int, typ hll.TgtHllType, sketches ...*HLL) (*HLL, error) {
	u, err := NewHLL(lgK, typ, UTF16LE)
	if err != nil {
		return nil, err
	}
	for _, s := range sketches {
		u.Merge(s)
	}
	if u.un == nil {
		un, err := hll.NewUnion(lgK)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "HLL union lgK %d: %w", lgK, err)
		}
		u.un = un
	}
	return u, nil
}

// AppendUTF16LE appends s as UTF-16LE code units (Java's String.toCharArray
// as bytes).
func AppendUTF16LE(dst []byte, s string) []byte {
	// ASCII fast path: each byte becomes one code unit.
	n := len(dst)
	dst = slices.Grow(dst, 2*len(s))[:n+2*len(s)]
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			break
		}
		dst[n+2*i] = c
		dst[n+2*i+1] = 0
	}
	dst = dst[:n+2*i]
	if i == len(s) {
		return dst
	}
	for _, r := range s[i:] {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			dst = append(dst, byte(r1), byte(r1>>8), byte(r2), byte(r2>>8))
			continue
		}
		dst = append(dst, byte(r), byte(r>>8))
	}
	return dst
}

// CanonicalDoubleBits is Java's Double.doubleToLongBits after mapping -0.0
// to 0.0: the form DataSketches hashes doubles in.
func CanonicalDoubleBits(v float64) int64 {
	if v == 0 {
		return 0
	}
	if math.IsNaN(v) {
		return 0x7ff8000000000000
	}
	return int64(math.Float64bits(v))
}

func jsonBase64(b []byte) []byte {
	out := make([]byte, 0, base64.StdEncoding.EncodedLen(len(b))+2)
	out = append(out, '"')
	out = base64.StdEncoding.AppendEncode(out, b)
	return append(out, '"')
}
