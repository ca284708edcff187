package engine

import (
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

// sketchAgg drives a sketch aggregator's query-time state store
// (aggregation.SketchFactory): raw inputs are handed over row by row as
// segment values; stored sketches (a COMPLEX input column of a rolled-up
// segment) are merged from their bytes. States are created as groups are
// named, densely, so sketch aggregators are never used with identity
// grouping (see grouper).
type sketchAgg struct {
	name string
	agg  aggregation.Aggregator
	srcs []source
	vs   []*vec
	in   []segment.Value

	// When the one input is a string column and the aggregator ignores
	// duplicates (distinct-count sketches), each group is fed each
	// dictionary entry of hd once: seen[g] has a bit per entry, while the
	// bitsets stay under maxDedupBits in all (later groups are fed every
	// row). hashed is agg when it also takes pre-hashed strings: each entry
	// is then hashed once (hashes[id], valid when known has id's bit).
	dedup  bool
	hashed aggregation.HashedAggregator
	hd     *dict
	seen   [][]uint64
	bits   int
	hashes [][16]byte
	known  []uint64
}

// maxDedupBits bounds the seen bitsets of one sketch aggregator on one
// segment (32 MiB).
const maxDedupBits = 1 << 28

// duplicateInsensitive is implemented by sketch aggregators that may skip
// a value a group has already seen (aggregation's distinct-count sketches).
type duplicateInsensitive interface {
	DuplicateInsensitive() bool
}

func (p *plan) newSketchAgg(f aggregation.SketchFactory) (*sketchAgg, error) {
	a := &sketchAgg{name: f.Name(), agg: f.NewAggregator()}
	for _, name := range f.InputFields() {
		src, err := p.source(name)
		if err != nil {
			return nil, err
		}
		a.srcs = append(a.srcs, src)
	}
	if _, str := a.srcs[0].(*stringSource); str && len(a.srcs) == 1 {
		if d, ok := a.agg.(duplicateInsensitive); ok && d.DuplicateInsensitive() {
			a.dedup = true
		}
		if h, ok := a.agg.(aggregation.HashedAggregator); ok {
			if _, ok := h.HashString(""); ok {
				a.hashed = h
			}
		}
	}
	if !a.dedup && a.hashed == nil {
		for _, src := range a.srcs {
			if ss, ok := src.(*stringSource); ok {
				ss.d.boxed() // values are read per row: decode the dictionary once
			}
		}
	}
	a.vs = make([]*vec, len(a.srcs))
	a.in = make([]segment.Value, len(a.srcs))
	return a, nil
}

func (a *sketchAgg) grow(int) {}

func (a *sketchAgg) add(start, n int, sel []int32, groups []int32, one int32) error {
	for j, src := range a.srcs {
		v, err := src.loadSel(start, n, sel)
		if err != nil {
			return err
		}
		a.vs[j] = v
	}
	if (a.dedup || a.hashed != nil) && a.vs[0].kind == vecDict {
		a.addDict(a.vs[0], sel, groups, one)
		return nil
	}
	stored := len(a.vs) == 1 && a.vs[0].kind == vecComplex
	for k, i := range sel {
		g := one
		if groups != nil {
			g = groups[k]
		}
		if stored {
			if b := a.vs[0].blobs[i]; b != nil {
				if err := a.agg.Merge(int(g), b); err != nil {
					return base.Errorf(base.ClassInvalidInput, "aggregator %q: stored sketch at row %d: %w", a.name, start+int(i), err)
				}
				continue
			}
			a.agg.Aggregate(int(g), a.in[:0]) // names the group
			continue
		}
		for j, v := range a.vs {
			a.in[j] = aggregation.InputValue(v.at(int(i)))
		}
		a.agg.Aggregate(int(g), a.in)
	}
	return nil
}

// addDict feeds single-valued dictionary ids: with dedup, a group skips
// the entries it has seen; with hashed, each entry is hashed the first time
// it is seen. Null rows feed a null input (which names the group only).
func (a *sketchAgg) addDict(v *vec, sel []int32, groups []int32, one int32) {
	if a.hd != v.d {
		a.hd, a.seen, a.bits, a.hashes, a.known = v.d, nil, 0, nil, nil
		if a.hashed != nil {
			a.hashes = make([][16]byte, v.d.card)
			a.known = make([]uint64, (v.d.card+63)/64)
		}
	}
	if groups != nil && a.hashed == nil {
		// Several groups may each read an entry: decode the dictionary once.
		v.d.materialize()
	}
	words := (v.d.card + 63) / 64
	for k, i := range sel {
		g := one
		if groups != nil {
			g = groups[k]
		}
		id := v.ids[i]
		if a.dedup {
			if int(g) >= len(a.seen) {
				a.seen = append(a.seen, make([][]uint64, int(g)+1-len(a.seen))...)
			}
			s := a.seen[g]
			if s == nil && a.bits+64*words <= maxDedupBits {
				s = make([]uint64, words)
				a.seen[g] = s
				a.bits += 64 * words
			}
			if s != nil {
				if s[id>>6]&(1<<(id&63)) != 0 {
					continue
				}
				s[id>>6] |= 1 << (id & 63)
			}
		}
		switch {
		case v.d.null(id):
			a.in[0] = segment.Value{}
			a.agg.Aggregate(int(g), a.in[:1])
		case a.hashed != nil:
			if a.known[id>>6]&(1<<(id&63)) == 0 {
				a.hashes[id], _ = a.hashed.HashString(v.d.str(id))
				a.known[id>>6] |= 1 << (id & 63)
			}
			a.hashed.AggregateHash(int(g), a.hashes[id])
		default:
			a.in[0] = segment.StringValue(v.d.str(id))
			a.agg.Aggregate(int(g), a.in[:1])
		}
	}
}

func (a *sketchAgg) value(g int) any { return a.agg.Get(g) }

// err reports an input the sketch could not use (a corrupt sketch).
func (a *sketchAgg) err() error {
	if err := a.agg.Err(); err != nil {
		return base.Errorf(base.ClassInvalidInput, "aggregator %q: %w", a.name, err)
	}
	return nil
}
