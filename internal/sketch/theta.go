package sketch

import (
	"fmt"
	"math/bits"

	"github.com/apache/datasketches-go/theta"

	"github.com/dryaddb/dryad/internal/base"
)

// DefaultThetaSize is Druid's default thetaSketch size (nominal entries).
const DefaultThetaSize = 16384

// ThetaLgK converts a thetaSketch size (a power of two from 32 to 2^26) to
// lgK.
func ThetaLgK(size int) (uint8, error) {
	if size < 1<<theta.MinLgK || size > 1<<theta.MaxLgK || size&(size-1) != 0 {
		return 0, base.Errorf(base.ClassInvalidInput, "thetaSketch size %d: must be a power of 2 between %d and %d", size, 1<<theta.MinLgK, 1<<theta.MaxLgK)
	}
	return uint8(bits.TrailingZeros(uint(size))), nil
}

// Theta is a Theta sketch being built from raw values and/or merged with
// other sketches (Druid builds thetaSketch states as a Union).
type Theta struct {
	lgK uint8
	upd *theta.QuickSelectUpdateSketch
	un  *theta.Union
	// res caches the compact result until the next update.
	res *theta.CompactSketch
}

// NewTheta returns an empty sketch with nominal entries 2^lgK.
func NewTheta(lgK uint8) *Theta { return &Theta{lgK: lgK} }

// DecodeTheta reads a serialized compact Theta sketch (serial versions 1–4,
// default seed). Corrupt input is a ClassInvalidInput error.
func DecodeTheta(b []byte) (t *Theta, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, base.Errorf(base.ClassInvalidInput, "theta sketch (%d bytes) is corrupt: %v", len(b), r)
		}
	}()
	if len(b) < 8 {
		return nil, base.Errorf(base.ClassInvalidInput, "theta sketch: %d bytes is shorter than the 8-byte preamble", len(b))
	}
	if b[1] == theta.CompressedSerialVersion {
		// The library sizes its entry array from these fields and only
		// checks the packed length, which is 0 for 0-bit entries.
		if bits := b[3]; bits < 1 || bits > 64 {
			return nil, base.Errorf(base.ClassInvalidInput, "theta sketch: %d bits per entry at offset 3 (1..64 allowed)", bits)
		}
		if nb := b[4]; nb > 4 {
			return nil, base.Errorf(base.ClassInvalidInput, "theta sketch: %d entry-count bytes at offset 4 (at most 4)", nb)
		}
	}
	cs, err := theta.Decode(b, theta.DefaultSeed)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "theta sketch (%d bytes): %w", len(b), err)
	}
	// Exercise serialization (which visits every entry) inside the
	// recover, so that an image the library accepted but cannot process
	// fails here.
	if _, err := cs.MarshalBinary(); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "theta sketch (%d bytes): %w", len(b), err)
	}
	lgK := uint8(theta.DefaultLgK)
	if n := cs.NumRetained(); n > 0 {
		lgK = uint8(bits.Len32(n - 1))
		lgK = min(max(lgK, theta.MinLgK), theta.MaxLgK)
	}
	return &Theta{lgK: lgK, res: cs}, nil
}

func (t *Theta) sketch() *theta.QuickSelectUpdateSketch {
	if t.upd == nil {
		s, err := theta.NewQuickSelectUpdateSketch(theta.WithUpdateSketchLgK(t.lgK))
		if err != nil {
			panic(fmt.Sprintf("sketch: theta lgK %d: %v", t.lgK, err)) // validated by ThetaLgK
		}
		t.upd = s
	}
	t.fold()
	return t.upd
}

// fold moves a cached result into the union so further updates see it.
func (t *Theta) fold() {
	if t.res != nil {
		t.union()
		_ = t.un.Update(t.res)
		t.res = nil
	}
}

func (t *Theta) union() *theta.Union {
	if t.un == nil {
		u, err := theta.NewUnion(theta.WithUnionLgK(t.lgK))
		if err != nil {
			panic(fmt.Sprintf("sketch: theta union lgK %d: %v", t.lgK, err))
		}
		t.un = u
	}
	return t.un
}

// UpdateString hashes a string's UTF-8 bytes; "" is ignored.
func (t *Theta) UpdateString(s string) {
	if s != "" {
		_ = t.sketch().UpdateString(s)
	}
}

// UpdateLong hashes a long.
func (t *Theta) UpdateLong(v int64) { _ = t.sketch().UpdateInt64(v) }

// UpdateDouble hashes a double's canonical bits.
func (t *Theta) UpdateDouble(v float64) { _ = t.sketch().UpdateFloat64(v) }

// Merge folds another sketch into t (other is only read).
func (t *Theta) Merge(other *Theta) {
	if other == nil {
		return
	}
	t.fold()
	u := t.union()
	if other.res != nil {
		_ = u.Update(other.res)
	}
	if other.upd != nil {
		_ = u.Update(other.upd)
	}
	if other.un != nil {
		if r, err := other.un.Result(true); err == nil {
			_ = u.Update(r)
		}
	}
}

// Compact returns the sketch as an ordered compact sketch.
func (t *Theta) Compact() *theta.CompactSketch {
	if t.res != nil {
		return t.res
	}
	u := t.union()
	if t.upd != nil {
		_ = u.Update(t.upd)
		t.upd = nil
	}
	r, err := u.Result(true)
	if err != nil {
		r = theta.NewCompactSketch(emptyTheta(), true)
	}
	t.res = r
	t.un = nil
	return r
}

func emptyTheta() *theta.QuickSelectUpdateSketch {
	s, _ := theta.NewQuickSelectUpdateSketch()
	return s
}

// Estimate returns the distinct-count estimate.
func (t *Theta) Estimate() float64 { return t.Compact().Estimate() }

// Bounds returns the lower and upper bounds at numStdDev (1..3).
func (t *Theta) Bounds(numStdDev int) (lo, hi float64) {
	c := t.Compact()
	lo, _ = c.LowerBound(uint8(numStdDev))
	hi, _ = c.UpperBound(uint8(numStdDev))
	return lo, hi
}

// Bytes returns the compact, ordered, uncompressed image Druid stores.
func (t *Theta) Bytes() []byte {
	b, err := t.Compact().MarshalBinary()
	if err != nil {
		return nil
	}
	return b
}

// MarshalJSON writes the base64 of Bytes.
func (t *Theta) MarshalJSON() ([]byte, error) { return jsonBase64(t.Bytes()), nil }

// String is a human-readable summary.
func (t *Theta) String() string { return t.Compact().String(false) }

// ThetaSetOp computes UNION, INTERSECT or NOT (A not B, left to right) over
// sketches, with nominal entries 2^lgK for unions.
func ThetaSetOp(op string, lgK uint8, sketches []*Theta) (*Theta, error) {
	switch op {
	case "UNION":
		u := NewTheta(lgK)
		for _, s := range sketches {
			u.Merge(s)
		}
		u.Compact()
		return u, nil
	case "INTERSECT":
		in := theta.NewIntersection()
		for _, s := range sketches {
			if err := in.Update(s.Compact()); err != nil {
				return nil, base.Errorf(base.ClassInvalidInput, "thetaSketchSetOp INTERSECT: %w", err)
			}
		}
		if !in.HasResult() {
			return NewTheta(lgK), nil
		}
		r, err := in.Result(true)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "thetaSketchSetOp INTERSECT: %w", err)
		}
		return &Theta{lgK: lgK, res: r}, nil
	case "NOT":
		if len(sketches) == 0 {
			return NewTheta(lgK), nil
		}
		acc := sketches[0].Compact()
		for _, s := range sketches[1:] {
			r, err := theta.ANotB(acc, s.Compact(), theta.DefaultSeed, true)
			if err != nil {
				return nil, base.Errorf(base.ClassInvalidInput, "thetaSketchSetOp NOT: %w", err)
			}
			acc = r
		}
		return &Theta{lgK: lgK, res: acc}, nil
	}
	return nil, base.Errorf(base.ClassInvalidInput, "thetaSketchSetOp func %q: must be UNION, INTERSECT or NOT", op)
}
