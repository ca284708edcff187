package engine

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// bucketer assigns selected rows to granularity buckets. Rows arrive in
// time order, so bucket indexes only grow; Floor and Next run once per
// bucket, not per row.
type bucketer struct {
	g        granularity.Granularity
	all      bool
	time     source
	starts   []int64
	curEnd   int64
	buf      []int32
	firstT   int64
	lastT    int64
	any      bool
	lastSpan struct{ start, n, i int }
	// lazyLast: lastT is not set yet but is the time of row lastSpan.i of
	// block lastSpan (read by span).
	lazyLast bool
	// tcol reads single times to bound a block's (nil when __time is not
	// a stored long column); rows is the segment's row count.
	tcol segment.LongColumn
	rows int
	one  [1]int64
}

func newBucketer(p *plan, g granularity.Granularity) (*bucketer, error) {
	b := &bucketer{g: g, all: g.IsAll(), buf: make([]int32, segment.BlockSize)}
	ts, err := p.source(base.TimeColumn)
	if err != nil {
		return nil, err
	}
	b.time = ts
	if ls, ok := ts.(*longSource); ok {
		b.tcol, b.rows = ls.col, p.rows
	}
	if b.all {
		b.starts = []int64{0}
	}
	return b, nil
}

// assign returns the bucket of every selected row (groups nil and one set
// when they all fall into one bucket).
func (b *bucketer) assign(start, n int, sel []int32) (groups []int32, one int32, err error) {
	if b.all {
		if !b.any {
			v, err := b.time.load(start, n)
			if err != nil {
				return nil, 0, err
			}
			b.firstT, b.any = v.longs[sel[0]], true
		}
		b.lastSpan.start, b.lastSpan.n, b.lastSpan.i = start, n, int(sel[len(sel)-1])
		return nil, 0, nil
	}
	if b.any && b.tcol != nil {
		// Times are sorted: the block's rows lie between its first row's
		// time and the next block's first row's. When those share a
		// bucket, so do the selected rows, and the block's times need not
		// be decoded.
		lo, hi := b.timeAt(start), b.timeAt(start+n)
		last := len(b.starts) - 1
		if lo >= b.starts[last] && hi < b.curEnd {
			b.setLast(start, n, sel)
			return nil, int32(last), nil
		}
		if lo >= b.curEnd {
			s := b.g.Floor(lo)
			if e := b.g.Next(s); hi < e {
				b.starts = append(b.starts, s)
				b.curEnd = e
				b.setLast(start, n, sel)
				return nil, int32(len(b.starts) - 1), nil
			}
		}
	}
	v, err := b.time.load(start, n)
	if err != nil {
		return nil, 0, err
	}
	ts := v.longs
	b.lazyLast = false
	if !b.any {
		b.firstT, b.any = ts[sel[0]], true
	}
	b.lastT = ts[sel[len(sel)-1]]
	if len(b.starts) > 0 && b.lastT < b.curEnd && ts[sel[0]] >= b.starts[len(b.starts)-1] {
		return nil, int32(len(b.starts) - 1), nil
	}
	out := b.buf[:len(sel)]
	for k, i := range sel {
		t := ts[i]
		if len(b.starts) == 0 || t >= b.curEnd {
			s := b.g.Floor(t)
			b.starts = append(b.starts, s)
			b.curEnd = b.g.Next(s)
		}
		out[k] = int32(len(b.starts) - 1)
	}
	return out, 0, nil
}

// timeAt returns the time of row (the column's maximum past the last row).
func (b *bucketer) timeAt(row int) int64 {
	if row >= b.rows {
		return b.tcol.Max()
	}
	b.tcol.Read(row, b.one[:])
	return b.one[0]
}

// setLast records the block's last selected row as the last row so far.
func (b *bucketer) setLast(start, n int, sel []int32) {
	b.lastSpan.start, b.lastSpan.n, b.lastSpan.i = start, n, int(sel[len(sel)-1])
	b.lazyLast = true
}

// span returns the first and last selected row times (after all blocks).
func (b *bucketer) span() (lo, hi int64, ok bool, err error) {
	if !b.any {
		return 0, 0, false, nil
	}
	if b.all || b.lazyLast {
		v, err := b.time.load(b.lastSpan.start, b.lastSpan.n)
		if err != nil {
			return 0, 0, false, err
		}
		b.lastT = v.longs[b.lastSpan.i]
	}
	return b.firstT, b.lastT, true, nil
}

// dimKind is how a dimension's keys are made.
type dimKind uint8

const (
	dimDirect  dimKind = iota // a string column's dictionary ids (STRING output, no extraction)
	dimMapped                 // a single-value string column's ids mapped through a per-entry table
	dimGeneric                // values computed per row and numbered as they appear
)

// dimReader turns a dimension spec into per-row integer keys and resolves
// keys back to values.
type dimReader struct {
	spec    dimension.Spec
	kind    dimKind
	src     source
	ss      *stringSource
	nullKey int32 // dimDirect: the key of null
	fixed   int   // dimDirect/dimMapped: the number of keys
	idMap   []int32
	values  []any // dimMapped/dimGeneric: key → value
	index   map[any]int32
	keyBuf  []int32
	offBuf  []int32
	numIdx  map[uint64]int32 // dimGeneric over a numeric column: raw bits → key
	numKind vecKind          // the vec kind numIdx was built for
	nullK   int32
}

func (p *plan) newDimReader(spec dimension.Spec) (*dimReader, error) {
	src, err := p.source(spec.Dimension)
	if err != nil {
		return nil, err
	}
	r := &dimReader{spec: spec, src: src}
	ss, isString := src.(*stringSource)
	if _, isVC := p.vcs[spec.Dimension]; isVC {
		isString = false
	}
	stringOut := spec.OutputType.Kind == base.KindString || spec.OutputType.Kind == base.KindUnknown
	if vs, ok := src.(*virtualSource); ok && vs.dictIn != nil && vs.dictIn.d.card <= max(p.selected(), 4096) {
		// A virtual column of one single-value string column: its keys
		// are the input's dictionary ids mapped through the expression,
		// evaluated once per entry.
		if r.mapVirtual(vs) {
			return r, nil
		}
	}
	switch {
	case isString && spec.ExtractionFn == nil && stringOut:
		r.kind, r.ss = dimDirect, ss
		r.fixed = ss.d.card
		if ss.d.card <= 1<<16 {
			ss.d.boxed() // values are resolved per group: decode small dictionaries once
		}
		if ss.d.hasNull {
			r.nullKey = 0
		} else {
			r.nullKey = int32(ss.d.card)
			r.fixed++
		}
	case isString && !ss.multi:
		r.kind, r.ss = dimMapped, ss
		vals := ss.d.boxed()
		r.idMap = make([]int32, len(vals))
		r.index = map[any]int32{}
		for id, v := range vals {
			if spec.ExtractionFn != nil {
				v = spec.ExtractionFn.ApplyValue(v)
			}
			dv := dimValues(v, spec.OutputType)
			r.idMap[id] = r.keyOf(dv[0])
		}
		r.fixed = len(r.values)
	default:
		r.kind = dimGeneric
		r.index = map[any]int32{}
		r.nullK = -1
	}
	return r, nil
}

// mapVirtual sets up a dimMapped reader over a dictionary-evaluated
// virtual column; false when an entry yields several values.
func (r *dimReader) mapVirtual(vs *virtualSource) bool {
	in := vs.dictIn
	vals := in.d.boxed()
	r.idMap = make([]int32, len(vals))
	r.index = map[any]int32{}
	for id, v := range vals {
		out := vs.evalWith(oneBinding{name: in.col.Info().Name, v: v})
		if r.spec.ExtractionFn != nil {
			out = r.spec.ExtractionFn.ApplyValue(out)
		}
		dv := dimValues(out, r.spec.OutputType)
		if len(dv) != 1 {
			r.idMap, r.index, r.values = nil, nil, nil
			return false
		}
		r.idMap[id] = r.keyOf(dv[0])
	}
	r.kind, r.ss, r.src = dimMapped, in, in
	r.fixed = len(r.values)
	return true
}

// keyOf numbers a value (dimMapped, dimGeneric).
func (r *dimReader) keyOf(v any) int32 {
	k := mapKey(v)
	if id, ok := r.index[k]; ok {
		return id
	}
	id := int32(len(r.values))
	r.index[k] = id
	r.values = append(r.values, v)
	return id
}

// value resolves a key.
func (r *dimReader) value(key int32) any {
	if r.kind == dimDirect {
		if key == r.nullKey {
			return nil
		}
		return r.ss.d.value(key)
	}
	return r.values[key]
}

// bits is the width of this dimension's keys in a packed group key (0:
// not fixed).
func (r *dimReader) bits() int {
	if r.kind == dimGeneric {
		return 32
	}
	return bits.Len(uint(max(r.fixed-1, 0)))
}

// keys returns the keys of the selected rows: with offs nil, keys[k] is
// row sel[k]'s key; otherwise row sel[k]'s keys are keys[offs[k]:offs[k+1]]
// (a multi-value row has one key per value, a null or empty row one null
// key).
func (r *dimReader) keys(start, n int, sel []int32) (keys, offs []int32, err error) {
	v, err := r.src.loadSel(start, n, sel)
	if err != nil {
		return nil, nil, err
	}
	if r.keyBuf == nil {
		r.keyBuf = make([]int32, 0, segment.BlockSize)
	}
	keys = r.keyBuf[:0]
	switch {
	case r.kind == dimDirect && v.kind == vecDict:
		if len(sel) == n {
			// Every row of the block (sel is 0..n-1): the ids are the
			// keys; callers only read them.
			return v.ids[:n], nil, nil
		}
		for _, i := range sel {
			keys = append(keys, v.ids[i])
		}
		r.keyBuf = keys
		return keys, nil, nil
	case r.kind == dimDirect:
		offs = r.offBuf[:0]
		offs = append(offs, 0)
		for _, i := range sel {
			lo, hi := v.rowSpan(int(i))
			added := false
			for _, id := range v.mids[lo:hi] {
				if !v.d.null(id) {
					keys = append(keys, id)
					added = true
				}
			}
			if !added {
				keys = append(keys, r.nullKey)
			}
			offs = append(offs, int32(len(keys)))
		}
		r.keyBuf, r.offBuf = keys, offs
		return keys, offs, nil
	case r.kind == dimMapped:
		for _, i := range sel {
			keys = append(keys, r.idMap[v.ids[i]])
		}
		r.keyBuf = keys
		return keys, nil, nil
	}
	if r.spec.ExtractionFn == nil && (v.kind == vecLong || v.kind == vecDouble || v.kind == vecFloat) {
		keys = r.numericKeys(v, sel, keys)
		r.keyBuf = keys
		return keys, nil, nil
	}
	offs = r.offBuf[:0]
	offs = append(offs, 0)
	multi := false
	for _, i := range sel {
		raw := v.at(int(i))
		if r.spec.ExtractionFn != nil {
			raw = r.spec.ExtractionFn.ApplyValue(raw)
		}
		switch x := raw.(type) {
		case []string:
			if len(x) == 0 {
				keys = append(keys, r.keyOf(nil))
				break
			}
			multi = multi || len(x) > 1
			for _, s := range x {
				keys = append(keys, r.keyOf(value.Cast(s, r.spec.OutputType)))
			}
		case []any:
			if len(x) == 0 {
				keys = append(keys, r.keyOf(nil))
				break
			}
			multi = multi || len(x) > 1
			for _, e := range x {
				keys = append(keys, r.keyOf(value.Cast(e, r.spec.OutputType)))
			}
		default:
			keys = append(keys, r.keyOf(value.Cast(raw, r.spec.OutputType)))
		}
		offs = append(offs, int32(len(keys)))
	}
	r.keyBuf, r.offBuf = keys, offs
	if !multi {
		return keys, nil, nil
	}
	return keys, offs, nil
}

// numericKeys appends the keys of numeric rows, looking raw values up in
// a typed map (no boxing per row); a new raw value is cast to the output
// type and numbered by its output value.
func (r *dimReader) numericKeys(v *vec, sel []int32, keys []int32) []int32 {
	if r.numIdx == nil || r.numKind != v.kind {
		// Keys are numbered by output value, so a new map for another
		// representation keeps them consistent.
		r.numIdx, r.numKind = map[uint64]int32{}, v.kind
	}
	for _, i := range sel {
		if v.nulls != nil && v.nulls[i] {
			if r.nullK < 0 {
				r.nullK = r.keyOf(nil)
			}
			keys = append(keys, r.nullK)
			continue
		}
		var bits uint64
		switch v.kind {
		case vecLong:
			bits = uint64(v.longs[i])
		case vecDouble:
			bits = math.Float64bits(v.doubles[i])
		default:
			bits = uint64(math.Float32bits(v.floats[i]))
		}
		k, ok := r.numIdx[bits]
		if !ok {
			k = r.keyOf(value.Cast(v.at(int(i)), r.spec.OutputType))
			r.numIdx[bits] = k
		}
		keys = append(keys, k)
	}
	return keys
}

// dimValues returns the values a dimension yields for a (possibly
// extracted) raw value: one, or several for a multi-value row.
func dimValues(raw any, t base.ColumnType) []any {
	switch x := raw.(type) {
	case []string:
		if len(x) == 0 {
			return []any{nil}
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = value.Cast(e, t)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []any{nil}
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = value.Cast(e, t)
		}
		return out
	}
	return []any{value.Cast(raw, t)}
}

// mapKey makes a comparable map key of a dimension value.
func mapKey(d any) any {
	switch x := d.(type) {
	case nil, string, int64, float32:
		return d
	case float64:
		if math.IsNaN(x) {
			return "\x00NaN"
		}
		return d
	}
	return "\x00" + string(result.AppendValue(nil, d))
}

// grouper numbers groups of (bucket, dimension keys) and feeds the
// aggregators block by block.
type grouper struct {
	p       *plan
	bk      *bucketer
	dims    []*dimReader
	aggs    []aggregator
	shifts  []uint // bit offset of each dim in a packed key (bucket above)
	packed  bool
	m       map[uint64]int32
	ms      map[string]int32
	dense   []int32 // fixed keys: combined key → group + 1, for bucket denseB
	denseB  int
	strides []int
	keys    []int32 // per group: bucket, then one key per dim
	groupsB []int32
	selB    []int32
	keyB    []byte
	nGroups int
	// identity: one fixed-key dimension and one bucket, so a group is the
	// key itself; present marks the keys seen.
	identity bool
	present  []bool
	// allPresent: every key is marked in present (checked after each block
	// for small key spaces), so blocks need not mark theirs.
	allPresent bool
}

func newGrouper(p *plan, bk *bucketer, dims []*dimReader, aggs []aggregator) *grouper {
	g := &grouper{p: p, bk: bk, dims: dims, aggs: aggs, denseB: -1}
	total := 0
	for _, d := range dims {
		g.shifts = append(g.shifts, uint(total))
		total += d.bits()
	}
	g.packed = total <= 40
	if g.packed {
		g.m = map[uint64]int32{}
	} else {
		g.ms = map[string]int32{}
	}
	sketches := false
	for _, a := range aggs {
		_, isSketch := a.(*sketchAgg)
		sketches = sketches || isSketch
	}
	// Tables sized by the key space pay off when the selection is not much
	// smaller than it.
	budget := max(4*p.selected(), 1<<16)
	if len(dims) == 1 && dims[0].kind != dimGeneric && bk.all && !sketches && dims[0].fixed <= budget {
		g.identity = true
		g.present = make([]bool, dims[0].fixed)
		g.nGroups = dims[0].fixed
	} else if product, ok := fixedProduct(dims); ok && product <= budget && (product <= 1<<16 || (bk.all && product <= 1<<22)) {
		g.dense = make([]int32, product)
		stride := 1
		g.strides = make([]int, len(dims))
		for d := len(dims) - 1; d >= 0; d-- {
			g.strides[d] = stride
			stride *= dims[d].fixed
		}
	}
	return g
}

// fixedProduct is the number of key combinations of dims when all of them
// have fixed keys.
func fixedProduct(dims []*dimReader) (int, bool) {
	p := 1
	for _, d := range dims {
		if d.kind == dimGeneric || d.fixed == 0 {
			return 0, false
		}
		p *= d.fixed
		if p > 1<<30 {
			return 0, false
		}
	}
	return p, true
}

// groupIDs lists the groups that exist, in creation order (identity: key
// order).
func (g *grouper) groupIDs() []int32 {
	if g.identity {
		n := 0
		for _, ok := range g.present {
			if ok {
				n++
			}
		}
		out := make([]int32, 0, n)
		for k, ok := range g.present {
			if ok {
				out = append(out, int32(k))
			}
		}
		return out
	}
	out := make([]int32, g.nGroups)
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

// group returns the group of a bucket and keys, creating it if needed.
func (g *grouper) group(bucket int32, ks []int32) int32 {
	if g.identity {
		g.present[ks[0]] = true
		return ks[0]
	}
	if g.dense != nil {
		if int(bucket) != g.denseB {
			clear(g.dense)
			g.denseB = int(bucket)
		}
		at := 0
		for d, k := range ks {
			at += int(k) * g.strides[d]
		}
		if x := g.dense[at]; x > 0 {
			return x - 1
		}
		id := g.newGroup(bucket, ks)
		g.dense[at] = id + 1
		return id
	}
	if g.packed {
		k := uint64(bucket) << 40
		for i, x := range ks {
			k |= uint64(uint32(x)) << g.shifts[i]
		}
		if id, ok := g.m[k]; ok {
			return id
		}
		id := g.newGroup(bucket, ks)
		g.m[k] = id
		return id
	}
	b := binary.LittleEndian.AppendUint32(g.keyB[:0], uint32(bucket))
	for _, x := range ks {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	g.keyB = b
	if id, ok := g.ms[string(b)]; ok {
		return id
	}
	id := g.newGroup(bucket, ks)
	g.ms[string(b)] = id
	return id
}

func (g *grouper) newGroup(bucket int32, ks []int32) int32 {
	id := int32(g.nGroups)
	g.nGroups++
	g.keys = append(g.keys, bucket)
	g.keys = append(g.keys, ks...)
	return id
}

// run aggregates every selected row.
func (g *grouper) run() error {
	nd := len(g.dims)
	perDim := make([][]int32, nd)
	perOff := make([][]int32, nd)
	ks := make([]int32, nd)
	idx := make([]int32, nd)
	return g.p.eachBlock(func(start, n int, sel []int32) error {
		bgroups, one, err := g.bk.assign(start, n, sel)
		if err != nil {
			return err
		}
		if bgroups == nil && g.dense != nil && nd == 2 {
			done, err := g.denseDirect2(start, n, sel, one)
			if done || err != nil {
				return err
			}
		}
		anyMulti := false
		for d, r := range g.dims {
			perDim[d], perOff[d], err = r.keys(start, n, sel)
			if err != nil {
				return err
			}
			anyMulti = anyMulti || perOff[d] != nil
		}
		groups, rows := g.groupsB[:0], g.selB[:0]
		if g.dense != nil && !anyMulti {
			groups = g.denseGroups(groups, perDim, ks, bgroups, one, len(sel))
			g.groupsB = groups[:0]
			for _, a := range g.aggs {
				a.grow(g.nGroups)
				if err := a.add(start, n, sel, groups, 0); err != nil {
					return err
				}
			}
			return nil
		}
		for k, i := range sel {
			b := one
			if bgroups != nil {
				b = bgroups[k]
			}
			if !anyMulti {
				if g.identity {
					break
				}
				for d := range nd {
					ks[d] = perDim[d][k]
				}
				groups = append(groups, g.group(b, ks))
				continue
			}
			// The cartesian product of the row's values.
			for d := range nd {
				idx[d] = 0
			}
			for {
				for d := range nd {
					if perOff[d] == nil {
						ks[d] = perDim[d][k]
					} else {
						ks[d] = perDim[d][perOff[d][k]+idx[d]]
					}
				}
				groups = append(groups, g.group(b, ks))
				rows = append(rows, i)
				d := nd - 1
				for d >= 0 {
					idx[d]++
					if perOff[d] != nil && perOff[d][k]+idx[d] < perOff[d][k+1] {
						break
					}
					idx[d] = 0
					d--
				}
				if d < 0 {
					break
				}
			}
		}
		if g.identity && !anyMulti {
			// The keys are the groups (groups aliases the key buffer, so
			// it is not kept as the groups buffer).
			groups = perDim[0]
			if !g.allPresent {
				for _, k := range groups {
					g.present[k] = true
				}
				if keys := g.present; len(keys) <= 1024 {
					if d := g.dims[0]; d.kind == dimDirect && !d.ss.d.hasNull {
						keys = keys[:len(keys)-1] // the null key, which ids never are
					}
					g.allPresent = !slices.Contains(keys, false)
				}
			}
		} else {
			g.groupsB = groups[:0]
		}
		rowSel := sel
		if anyMulti {
			rowSel = rows
			g.selB = rows
		}
		for _, a := range g.aggs {
			a.grow(g.nGroups)
			if err := a.add(start, n, rowSel, groups, 0); err != nil {
				return err
			}
		}
		return nil
	})
}

// denseDirect2 groups one bucket's rows by two single-value dictionary
// dimensions straight from the decoded ids (no per-dimension key copies)
// and feeds the aggregators; false when the dimensions do not allow it.
func (g *grouper) denseDirect2(start, n int, sel []int32, one int32) (bool, error) {
	r0, r1 := g.dims[0], g.dims[1]
	if r0.kind != dimDirect || r1.kind != dimDirect || r0.ss.multi || r1.ss.multi {
		return false, nil
	}
	v0, err := r0.src.loadSel(start, n, sel)
	if err != nil {
		return false, err
	}
	v1, err := r1.src.loadSel(start, n, sel)
	if err != nil {
		return false, err
	}
	if v0.kind != vecDict || v1.kind != vecDict {
		return false, nil
	}
	if int(one) != g.denseB {
		clear(g.dense)
		g.denseB = int(one)
	}
	ids0, ids1 := v0.ids[:n], v1.ids[:n]
	dense, s0 := g.dense, g.strides[0]
	groups := slices.Grow(g.groupsB[:0], len(sel))[:len(sel)]
	var ks [2]int32
	for k, i := range sel {
		a, b := ids0[i], ids1[i]
		at := int(a)*s0 + int(b)
		x := dense[at]
		if x == 0 {
			ks[0], ks[1] = a, b
			x = g.newGroup(one, ks[:]) + 1
			dense[at] = x
		}
		groups[k] = x - 1
	}
	g.groupsB = groups[:0]
	for _, a := range g.aggs {
		a.grow(g.nGroups)
		if err := a.add(start, n, sel, groups, 0); err != nil {
			return true, err
		}
	}
	return true, nil
}

// denseGroups appends the groups of m single-value rows through the dense
// table.
func (g *grouper) denseGroups(groups []int32, perDim [][]int32, ks []int32, bgroups []int32, one int32, m int) []int32 {
	nd := len(g.dims)
	dense, strides := g.dense, g.strides
	if bgroups == nil && nd == 2 {
		// One bucket, two dimensions: the common case, unrolled.
		if int(one) != g.denseB {
			clear(dense)
			g.denseB = int(one)
		}
		k0, k1, s0 := perDim[0][:m], perDim[1][:m], strides[0]
		for k := range m {
			at := int(k0[k])*s0 + int(k1[k])
			x := dense[at]
			if x == 0 {
				ks[0], ks[1] = k0[k], k1[k]
				x = g.newGroup(one, ks) + 1
				dense[at] = x
			}
			groups = append(groups, x-1)
		}
		return groups
	}
	for k := range m {
		b := one
		if bgroups != nil {
			b = bgroups[k]
		}
		if int(b) != g.denseB {
			clear(dense)
			g.denseB = int(b)
		}
		at := 0
		for d := range nd {
			at += int(perDim[d][k]) * strides[d]
		}
		x := dense[at]
		if x == 0 {
			for d := range nd {
				ks[d] = perDim[d][k]
			}
			x = g.newGroup(b, ks) + 1
			dense[at] = x
		}
		groups = append(groups, x-1)
	}
	return groups
}

// dimsOf resolves group id's dimension values.
func (g *grouper) dimsOf(id int) (bucket int32, dims []any) {
	if g.identity {
		return 0, []any{g.dims[0].value(int32(id))}
	}
	nd := len(g.dims)
	rec := g.keys[id*(nd+1) : (id+1)*(nd+1)]
	dims = make([]any, nd)
	for d, r := range g.dims {
		dims[d] = r.value(rec[d+1])
	}
	return rec[0], dims
}

// bucketOf returns group id's bucket.
func (g *grouper) bucketOf(id int) (int32, bool) {
	if g.identity {
		return 0, true
	}
	return g.keys[id*(len(g.dims)+1)], true
}
