package inputformat

import "unsafe"

// stringBoxes hands out string values already boxed in an interface,
// carving their headers from a shared slab instead of allocating each one
// (convTstring was a fifth of the parser's time on string-heavy rows).
// A boxed string is never written again after it is handed out, so the
// interface stays immutable as Go requires; the slab lives as long as any
// interface pointing into it. Not safe for concurrent use.
type stringBoxes struct {
	slab  []string
	arrs  [][]any
	elems []any
	ints  []int64
	flts  []float64
	// text is an arena that input lines are copied into, so a line costs
	// no allocation of its own; bytes before len(text) are never written
	// again, which keeps the strings made over them immutable.
	text []byte
}

const textArena = 256 << 10

// copyString returns an immutable copy of b, carved from the arena.
func (b *stringBoxes) copyString(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	if len(data) > cap(b.text)-len(b.text) {
		if len(data) > textArena/4 {
			return string(data)
		}
		b.text = make([]byte, 0, textArena)
	}
	start := len(b.text)
	b.text = append(b.text, data...)
	return unsafe.String(&b.text[start], len(data))
}

const stringBoxSlab = 512

// eface is the runtime layout of an empty interface.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// stringType is the type word of an interface holding a string.
func stringType() unsafe.Pointer {
	var v any = ""
	return (*eface)(unsafe.Pointer(&v)).typ
}

// anysType is the type word of an interface holding a []any.
func anysType() unsafe.Pointer {
	var v any = []any(nil)
	return (*eface)(unsafe.Pointer(&v)).typ
}

// box returns s as an any without a per-value allocation.
func (b *stringBoxes) box(s string) any {
	return boxIn(&b.slab, s, stringType())
}

// typeOf returns the type word of an interface holding a value of v's
// type.
func typeOf(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// boxInt returns n as an any (int64) without a per-value allocation.
func (b *stringBoxes) boxInt(n int64) any {
	if n >= 0 && n < 256 {
		return n // the runtime boxes small values without allocating
	}
	return boxIn(&b.ints, n, typeOf(int64(0)))
}

// boxFloat returns f as an any (float64) without a per-value allocation.
func (b *stringBoxes) boxFloat(f float64) any {
	return boxIn(&b.flts, f, typeOf(float64(0)))
}

// boxAnys returns a copy of vals, boxed as a []any, with the elements and
// the slice header carved from slabs (the copy's capacity is its length,
// so appending to it never reaches a neighbour).
func (b *stringBoxes) boxAnys(vals []any) any {
	n := len(vals)
	if n > len(b.elems) {
		if n > stringBoxSlab/4 {
			return append([]any(nil), vals...)
		}
		b.elems = make([]any, stringBoxSlab)
	}
	arr := b.elems[:n:n]
	b.elems = b.elems[n:]
	copy(arr, vals)
	return boxIn(&b.arrs, arr, anysType())
}

// boxIn stores v in the next free slot of *slab and returns an interface
// pointing at that slot.
func boxIn[T any](slab *[]T, v T, typ unsafe.Pointer) any {
	if len(*slab) == 0 {
		*slab = make([]T, stringBoxSlab)
	}
	(*slab)[0] = v
	e := eface{typ: typ, data: unsafe.Pointer(&(*slab)[0])}
	*slab = (*slab)[1:]
	return *(*any)(unsafe.Pointer(&e))
}
