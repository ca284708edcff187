package engine

import (
	"math/bits"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// vecKind is the form a column block is held in.
type vecKind uint8

const (
	vecNull    vecKind = iota // a missing column: every row null
	vecLong                   // longs (+ nulls)
	vecDouble                 // doubles (+ nulls)
	vecFloat                  // floats (+ nulls)
	vecDict                   // single-value string: ids into dict
	vecMulti                  // multi-value string: ids of row i are mids[rowStart(i):rowEnds[i]]
	vecAny                    // values of the value model
	vecComplex                // opaque serialized values (complex metrics)
)

// vec is one column's values for the block of rows [start, start+n). Only
// the fields of its kind are set. A vec is owned by its source and valid
// until the source loads another block.
type vec struct {
	kind    vecKind
	n       int
	longs   []int64
	doubles []float64
	floats  []float32
	nulls   []bool // numeric kinds: null rows; nil when none
	nbuf    []bool // backing store for nulls (virtual columns)
	ids     []int32
	rowEnds []int32
	mids    []int32
	d       *dict
	anys    []any
	blobs   [][]byte
}

// isNull reports whether row i is null (an empty multi-value row is null).
func (v *vec) isNull(i int) bool {
	switch v.kind {
	case vecNull:
		return true
	case vecLong, vecDouble, vecFloat:
		return v.nulls != nil && v.nulls[i]
	case vecDict:
		return v.d.null(v.ids[i])
	case vecMulti:
		lo, hi := v.rowSpan(i)
		for _, id := range v.mids[lo:hi] {
			if !v.d.null(id) {
				return false
			}
		}
		return true
	case vecComplex:
		return v.blobs[i] == nil
	}
	return value.IsNull(v.anys[i])
}

func (v *vec) rowSpan(i int) (int32, int32) {
	lo := int32(0)
	if i > 0 {
		lo = v.rowEnds[i-1]
	}
	return lo, v.rowEnds[i]
}

// at returns row i in the value model: nil, int64, float64, float32,
// string, []string for a multi-value row of several values (one value is
// a plain string, as Druid's selectors return it), or a complex value's
// bytes.
func (v *vec) at(i int) any {
	switch v.kind {
	case vecLong:
		if v.nulls != nil && v.nulls[i] {
			return nil
		}
		return v.longs[i]
	case vecDouble:
		if v.nulls != nil && v.nulls[i] {
			return nil
		}
		return v.doubles[i]
	case vecFloat:
		if v.nulls != nil && v.nulls[i] {
			return nil
		}
		return v.floats[i]
	case vecDict:
		return v.d.value(v.ids[i])
	case vecMulti:
		lo, hi := v.rowSpan(i)
		var out []string
		for _, id := range v.mids[lo:hi] {
			if s, ok := v.d.value(id).(string); ok {
				out = append(out, s)
			}
		}
		switch len(out) {
		case 0:
			return nil
		case 1:
			return out[0]
		}
		return out
	case vecAny:
		return v.anys[i]
	case vecComplex:
		if v.blobs[i] == nil {
			return nil
		}
		return v.blobs[i]
	}
	return nil
}

// dict is a string column's dictionary with lazily materialized values.
type dict struct {
	col     segment.StringColumn
	hasNull bool
	card    int
	strs    []string // all values once materialized (null id: "")
	vals    []any    // boxed values, materialized on demand
}

func newDict(col segment.StringColumn) *dict {
	return &dict{col: col, hasNull: col.HasNull(), card: col.Cardinality()}
}

func (d *dict) null(id int32) bool { return d.hasNull && id == 0 }

// value returns id's value: nil for null, else the string.
func (d *dict) value(id int32) any {
	if d.null(id) {
		return nil
	}
	if d.vals != nil {
		return d.vals[id]
	}
	if d.strs != nil {
		return d.strs[id]
	}
	s, _ := d.col.Lookup(int(id))
	return s
}

// str returns id's string ("" for null).
func (d *dict) str(id int32) string {
	if d.null(id) {
		return ""
	}
	if d.strs != nil {
		return d.strs[id]
	}
	s, _ := d.col.Lookup(int(id))
	return s
}

// materialize decodes every value once (for per-entry evaluation and
// repeated lookups).
func (d *dict) materialize() []string {
	if d.strs == nil {
		strs := make([]string, d.card)
		for i := range strs {
			if !d.null(int32(i)) {
				strs[i], _ = d.col.Lookup(i)
			}
		}
		d.strs = strs
	}
	return d.strs
}

// boxed returns every value as an any (nil for null), built once.
func (d *dict) boxed() []any {
	if d.vals == nil {
		strs := d.materialize()
		vals := make([]any, d.card)
		for i, s := range strs {
			if !d.null(int32(i)) {
				vals[i] = s
			}
		}
		d.vals = vals
	}
	return d.vals
}

// source reads one column (stored, virtual or missing) block by block.
type source interface {
	// load returns rows [start, start+n) of the column, n <= BlockSize.
	// Loading the same block again returns the cached vec.
	load(start, n int) (*vec, error)
	// loadSel is load when only the rows start+sel[i] will be read: a
	// column may then decode only the parts of the block holding them.
	loadSel(start, n int, sel []int32) (*vec, error)
}

// groupRows is the granularity of partial block reads: the encodings
// decode 64-value groups independently (FOR, raw).
const groupRows = 64

// sparseMax is the most 64-row groups (of 64 per block) read one by one
// before reading the whole block is cheaper.
const sparseMax = 16

// scatterDiv sets when a selection is read value by value: at most one
// selected row in scatterDiv of the block. Reading one packed value costs
// a few times decoding it in a 64-value group, so sparser selections
// (about 8 rows per group or fewer) are cheaper one by one.
const scatterDiv = 8

// partial tracks which 64-row groups of the cached block were decoded,
// or which rows were read one by one.
type partial struct {
	ok    bool // the column's encodings allow partial reads
	have  uint64
	full  bool
	start int
	n     int
	valid bool
	// rows holds the selection last read value by value (scattered) in
	// this block.
	rows      []int32
	scattered bool
}

// scatterHit reports whether sel's rows were read one by one already.
func (p *partial) scatterHit(sel []int32) bool {
	return p.scattered && sel != nil && slices.Equal(p.rows, sel)
}

// scatter reports whether to read sel's rows one by one, and if so
// records them as read.
func (p *partial) scatter(n int, sel []int32) bool {
	if !p.ok || p.full || sel == nil || len(sel)*scatterDiv > n {
		return false
	}
	p.rows = append(p.rows[:0], sel...)
	p.scattered = true
	return true
}

// sparseOK reports whether a column's blocks can be read in parts
// cheaply: delta blocks decode from the block start and LZ4 blocks whole.
func sparseOK(info segment.ColumnInfo) bool {
	_, delta := info.Encodings["delta"]
	_, lz := info.Encodings["lz4"]
	return !delta && !lz
}

// need returns the groups to decode for sel (all when too many), and
// whether to read the whole block.
func (p *partial) need(start, n int, sel []int32) (mask uint64, whole bool) {
	if !p.valid || p.start != start || p.n != n {
		p.valid, p.start, p.n, p.have, p.full, p.scattered = true, start, n, 0, false, false
	}
	if p.full {
		return 0, false
	}
	if !p.ok || sel == nil || len(sel) > sparseMax*groupRows/4 {
		return 0, true
	}
	for _, i := range sel {
		mask |= 1 << (uint(i) / groupRows)
	}
	mask &^= p.have
	if bits.OnesCount64(mask|p.have) > sparseMax {
		return 0, true
	}
	return mask, false
}

// each calls fn for the row range of every group in mask.
func eachGroup(mask uint64, n int, fn func(lo, hi int)) {
	for mask != 0 {
		g := bits.TrailingZeros64(mask)
		mask &= mask - 1
		lo := g * groupRows
		fn(lo, min(lo+groupRows, n))
	}
}

// blockCache remembers which block a source holds.
type blockCache struct {
	start, n int
	ok       bool
}

func (c *blockCache) hit(start, n int) bool {
	if c.ok && c.start == start && c.n == n {
		return true
	}
	c.start, c.n, c.ok = start, n, true
	return false
}

type nullSource struct{ v vec }

func (s *nullSource) loadSel(start, n int, _ []int32) (*vec, error) { return s.load(start, n) }

func (s *nullSource) load(_, n int) (*vec, error) {
	s.v.kind, s.v.n = vecNull, n
	return &s.v, nil
}

// fillNulls sets nulls[i] for the rows of bm in [start, start+n) and
// returns nulls[:n], or nil when none of them is null.
func fillNulls(bm *roaring.Bitmap, start, n int, buf *[]bool) []bool {
	if bm == nil || !bm.IntersectsWithInterval(uint64(start), uint64(start+n)) {
		return nil
	}
	if cap(*buf) < n {
		*buf = make([]bool, segment.BlockSize)
	}
	nulls := (*buf)[:n]
	clear(nulls)
	it := bm.Iterator()
	it.AdvanceIfNeeded(uint32(start))
	for it.HasNext() {
		r := int(it.Next())
		if r >= start+n {
			break
		}
		nulls[r-start] = true
	}
	return nulls
}

type longSource struct {
	col  segment.LongColumn
	nbm  *roaring.Bitmap
	p    partial
	v    vec
	nbuf []bool
}

func (s *longSource) load(start, n int) (*vec, error) { return s.loadSel(start, n, nil) }

func (s *longSource) loadSel(start, n int, sel []int32) (*vec, error) {
	mask, whole := s.p.need(start, n, sel)
	if !whole && mask == 0 && (s.p.full || s.p.have != 0) || s.p.scatterHit(sel) {
		return &s.v, nil
	}
	if s.v.longs == nil {
		s.v.longs = make([]int64, segment.BlockSize)
	}
	if s.p.have == 0 && !s.p.full {
		s.v.kind, s.v.n = vecLong, n
		s.v.nulls = fillNulls(s.nbm, start, n, &s.nbuf)
	}
	if s.p.scatter(n, sel) {
		s.col.ReadAt(start, sel, s.v.longs)
		return &s.v, nil
	}
	if whole {
		s.col.Read(start, s.v.longs[:n])
		s.p.full = true
		return &s.v, nil
	}
	eachGroup(mask, n, func(lo, hi int) { s.col.Read(start+lo, s.v.longs[lo:hi]) })
	s.p.have |= mask
	return &s.v, nil
}

type doubleSource struct {
	col  segment.DoubleColumn
	nbm  *roaring.Bitmap
	p    partial
	v    vec
	nbuf []bool
}

func (s *doubleSource) load(start, n int) (*vec, error) { return s.loadSel(start, n, nil) }

func (s *doubleSource) loadSel(start, n int, sel []int32) (*vec, error) {
	mask, whole := s.p.need(start, n, sel)
	if !whole && mask == 0 && (s.p.full || s.p.have != 0) {
		return &s.v, nil
	}
	if s.v.doubles == nil {
		s.v.doubles = make([]float64, segment.BlockSize)
	}
	if s.p.have == 0 && !s.p.full {
		s.v.kind, s.v.n = vecDouble, n
		s.v.nulls = fillNulls(s.nbm, start, n, &s.nbuf)
	}
	if whole {
		s.col.Read(start, s.v.doubles[:n])
		s.p.full = true
		return &s.v, nil
	}
	eachGroup(mask, n, func(lo, hi int) { s.col.Read(start+lo, s.v.doubles[lo:hi]) })
	s.p.have |= mask
	return &s.v, nil
}

type floatSource struct {
	col  segment.FloatColumn
	nbm  *roaring.Bitmap
	p    partial
	v    vec
	nbuf []bool
}

func (s *floatSource) load(start, n int) (*vec, error) { return s.loadSel(start, n, nil) }

func (s *floatSource) loadSel(start, n int, sel []int32) (*vec, error) {
	mask, whole := s.p.need(start, n, sel)
	if !whole && mask == 0 && (s.p.full || s.p.have != 0) {
		return &s.v, nil
	}
	if s.v.floats == nil {
		s.v.floats = make([]float32, segment.BlockSize)
	}
	if s.p.have == 0 && !s.p.full {
		s.v.kind, s.v.n = vecFloat, n
		s.v.nulls = fillNulls(s.nbm, start, n, &s.nbuf)
	}
	if whole {
		s.col.Read(start, s.v.floats[:n])
		s.p.full = true
		return &s.v, nil
	}
	eachGroup(mask, n, func(lo, hi int) { s.col.Read(start+lo, s.v.floats[lo:hi]) })
	s.p.have |= mask
	return &s.v, nil
}

type stringSource struct {
	col   segment.StringColumn
	d     *dict
	multi bool
	c     blockCache
	p     partial
	v     vec
}

func (s *stringSource) load(start, n int) (*vec, error) { return s.loadSel(start, n, nil) }

func (s *stringSource) loadSel(start, n int, sel []int32) (*vec, error) {
	if !s.multi {
		mask, whole := s.p.need(start, n, sel)
		if !whole && mask == 0 && (s.p.full || s.p.have != 0) || s.p.scatterHit(sel) {
			return &s.v, nil
		}
		if s.v.ids == nil {
			s.v.ids = make([]int32, segment.BlockSize)
		}
		s.v.n, s.v.d, s.v.kind = n, s.d, vecDict
		if s.p.scatter(n, sel) && s.col.ReadIDsAt(start, sel, s.v.ids) {
			return &s.v, nil
		}
		if whole {
			s.col.ReadIDs(start, s.v.ids[:n])
			s.p.full = true
			return &s.v, nil
		}
		eachGroup(mask, n, func(lo, hi int) { s.col.ReadIDs(start+lo, s.v.ids[lo:hi]) })
		s.p.have |= mask
		return &s.v, nil
	}
	if s.c.hit(start, n) {
		return &s.v, nil
	}
	s.v.n, s.v.d = n, s.d
	s.v.kind = vecMulti
	if s.v.rowEnds == nil {
		s.v.rowEnds = make([]int32, segment.BlockSize)
		s.v.mids = make([]int32, 2*segment.BlockSize)
	}
	done, off := 0, 0
	for done < n {
		rows, m := s.col.ReadMultiIDs(start+done, s.v.rowEnds[done:n], s.v.mids[off:])
		if rows == 0 {
			if start+done >= s.col.Len() {
				return nil, base.Errorf(base.ClassInternal, "column %q: multi-value rows end at %d", s.col.Info().Name, start+done)
			}
			grown := make([]int32, 2*len(s.v.mids)+16)
			copy(grown, s.v.mids[:off])
			s.v.mids = grown
			continue
		}
		for i := done; i < done+rows; i++ {
			s.v.rowEnds[i] += int32(off)
		}
		done += rows
		off += m
	}
	return &s.v, nil
}

func (s *complexSource) loadSel(start, n int, _ []int32) (*vec, error) { return s.load(start, n) }

type complexSource struct {
	col segment.ComplexColumn
	c   blockCache
	v   vec
}

func (s *complexSource) load(start, n int) (*vec, error) {
	if s.c.hit(start, n) {
		return &s.v, nil
	}
	if s.v.blobs == nil {
		s.v.blobs = make([][]byte, segment.BlockSize)
	}
	s.v.kind, s.v.n = vecComplex, n
	for i := range n {
		s.v.blobs[i] = s.col.Value(start + i)
	}
	return &s.v, nil
}

// virtualSource evaluates an expression virtual column row by row (its
// output cast to the column's output type), or once per dictionary entry
// when the expression reads a single single-value string column.
type virtualSource struct {
	p       *plan
	vc      *query.VirtualColumn
	comp    *expr.Compiled
	dictIn  *stringSource // set for the per-dictionary path
	perID   []any
	perIDOK []bool
	c       blockCache
	v       vec
	loading bool
	cycle   vec
	bind    planBinding
	vx      *vectorExpr // set when the column is evaluated vectorized
}

func (s *virtualSource) loadSel(start, n int, _ []int32) (*vec, error) { return s.load(start, n) }

func (s *virtualSource) load(start, n int) (*vec, error) {
	if s.loading { // a cycle between virtual columns reads null
		s.cycle = vec{kind: vecNull, n: n}
		return &s.cycle, nil
	}
	if s.c.hit(start, n) {
		return &s.v, nil
	}
	if s.v.anys == nil {
		s.v.anys = make([]any, segment.BlockSize)
	}
	s.v.kind, s.v.n = vecAny, n
	s.loading = true
	defer func() { s.loading = false }()
	if s.dictIn != nil {
		in, err := s.dictIn.load(start, n)
		if err != nil {
			return nil, err
		}
		for i := range n {
			id := in.ids[i]
			if !s.perIDOK[id] {
				s.perID[id] = s.evalWith(oneBinding{name: s.dictIn.col.Info().Name, v: in.d.value(id)})
				s.perIDOK[id] = true
			}
			s.v.anys[i] = s.perID[id]
		}
		return &s.v, nil
	}
	if s.vx != nil {
		if err := s.vx.eval(start, n, s.vc.OutputType, &s.v); err == nil {
			return &s.v, nil
		}
		// An evaluation error fails the whole block; evaluate it row by
		// row, where a failing row is null.
		s.v.kind, s.v.n, s.v.nulls = vecAny, n, nil
		s.v.anys = growTo(s.v.anys[:0], n)
	}
	b := &s.bind
	b.p, b.start, b.n = s.p, start, n
	for i := range n {
		b.i = i
		s.v.anys[i] = s.evalWith(b)
	}
	if err := s.p.err; err != nil {
		s.c.ok = false
		return nil, err
	}
	return &s.v, nil
}

func (s *virtualSource) evalWith(b expr.RowBindings) any {
	out, err := s.comp.EvalRow(b)
	if err != nil || out.Null {
		return nil
	}
	return value.Cast(out.Any(), s.vc.OutputType)
}

// oneBinding binds one column to one value.
type oneBinding struct {
	name string
	v    any
}

func (o oneBinding) Value(name string) expr.Value {
	if name == o.name {
		return expr.FromAny(o.v)
	}
	return expr.FromAny(nil)
}

// planBinding reads row i of the current block through the plan's
// sources, for expressions.
type planBinding struct {
	p           *plan
	start, n, i int
}

func (b *planBinding) Value(name string) expr.Value {
	return expr.FromAny(b.p.valueAt(name, b.start, b.n, b.i))
}

// planRow is planBinding for filters (value.Row).
type planRow struct {
	p           *plan
	start, n, i int
}

func (r *planRow) Value(name string) any { return r.p.valueAt(name, r.start, r.n, r.i) }

// scalar reduces a multi-value row to its only value (nil otherwise), as
// aggregators read multi-value inputs.
func scalar(x any) any {
	switch v := x.(type) {
	case []string:
		if len(v) == 1 {
			return v[0]
		}
		return nil
	case []any:
		if len(v) == 1 {
			return v[0]
		}
		return nil
	}
	return x
}
