package timeline

import (
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"pgregory.net/rapid"
)

// naive is the reference model: a list of chunks and brute-force answers
// computed instant by instant on a small integer grid.
type naive struct {
	chunks map[string]naiveChunk // by interval/version/partition
}

type naiveChunk struct {
	iv      base.Interval
	version string
	spec    base.ShardSpec
}

type naiveSet struct {
	iv       base.Interval
	version  string
	parts    []int
	complete bool
}

func (n *naive) sets() []*naiveSet {
	byKey := map[string]*naiveSet{}
	cores := map[string][2]int{} // max core, defined
	for _, c := range n.chunks {
		k := fmt.Sprintf("%d/%d/%s", c.iv.Start, c.iv.End, c.version)
		s := byKey[k]
		if s == nil {
			s = &naiveSet{iv: c.iv, version: c.version}
			byKey[k] = s
		}
		s.parts = append(s.parts, c.spec.PartitionNum)
		if core, ok := c.spec.CorePartitions(); ok {
			cur := cores[k]
			cores[k] = [2]int{max(cur[0], core), 1}
		}
	}
	var out []*naiveSet
	for k, s := range byKey {
		sort.Ints(s.parts)
		core := cores[k]
		s.complete = true
		if core[1] == 1 {
			for p := 0; p < core[0]; p++ {
				if !slices.Contains(s.parts, p) {
					s.complete = false
				}
			}
		}
		out = append(out, s)
	}
	return out
}

func better(a, b *naiveSet) bool {
	if a.version != b.version {
		return a.version > b.version
	}
	if a.iv.Start != b.iv.Start {
		return a.iv.Start > b.iv.Start
	}
	return a.iv.End > b.iv.End
}

// visible returns the set shown at instant t.
func visible(sets []*naiveSet, t int64, completeOnly bool) *naiveSet {
	var best *naiveSet
	for _, s := range sets {
		if s.iv.Contains(t) && (s.complete || !completeOnly) && (best == nil || better(s, best)) {
			best = s
		}
	}
	return best
}

func (n *naive) lookup(iv base.Interval, completeOnly bool) []string {
	sets := n.sets()
	var out []string
	var cur *naiveSet
	start := int64(0)
	flush := func(end int64) {
		if cur != nil {
			out = append(out, fmt.Sprintf("%d/%d %s %v of %d/%d", start, end, cur.version, cur.parts, cur.iv.Start, cur.iv.End))
		}
	}
	for t := iv.Start; t < iv.End; t++ {
		v := visible(sets, t, completeOnly)
		if v != cur {
			flush(t)
			cur, start = v, t
		}
	}
	flush(iv.End)
	return out
}

func (n *naive) overshadowed(iv base.Interval, version string) bool {
	sets := n.sets()
	for t := iv.Start; t < iv.End; t++ {
		v := visible(sets, t, true)
		if v == nil || v.version <= version {
			return false
		}
	}
	return true
}

func (n *naive) fullyOvershadowed() []string {
	sets := n.sets()
	var out []string
	for _, s := range sets {
		shown := false
		for t := s.iv.Start; t < s.iv.End && !shown; t++ {
			shown = visible(sets, t, true) == s || visible(sets, t, false) == s
		}
		if !shown {
			out = append(out, fmt.Sprintf("%d/%d %s %v", s.iv.Start, s.iv.End, s.version, s.parts))
		}
	}
	sort.Strings(out)
	return out
}

func renderNumeric(hs []Holder[string]) []string {
	var out []string
	for _, h := range hs {
		var parts []int
		for _, c := range h.Chunks {
			parts = append(parts, c.PartitionNum())
		}
		out = append(out, fmt.Sprintf("%d/%d %s %v of %d/%d", h.Interval.Start, h.Interval.End, h.Version, parts, h.TrueInterval.Start, h.TrueInterval.End))
	}
	return out
}

func genSpec(t *rapid.T) base.ShardSpec {
	p := rapid.IntRange(0, 3).Draw(t, "partition")
	switch rapid.IntRange(0, 5).Draw(t, "type") {
	case 0:
		return base.ShardSpec{Type: "linear", PartitionNum: p}
	case 1:
		return base.ShardSpec{Type: "none"}
	case 2:
		return base.ShardSpec{Type: "tombstone", PartitionNum: 0, Partitions: intp(1)}
	default:
		return numbered(p, rapid.IntRange(0, 3).Draw(t, "core"))
	}
}

func TestPropertyAgainstNaive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tl := New[string]()
		model := &naive{chunks: map[string]naiveChunk{}}
		var keys []string
		steps := rapid.IntRange(1, 40).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			if len(keys) > 0 && rapid.IntRange(0, 3).Draw(t, "op") == 0 {
				k := rapid.SampledFrom(keys).Draw(t, "victim")
				c, ok := model.chunks[k]
				if !ok {
					continue
				}
				delete(model.chunks, k)
				if _, ok := tl.Remove(c.iv, c.version, c.spec.PartitionNum); !ok {
					t.Fatalf("Remove(%v %s %d) not found", c.iv, c.version, c.spec.PartitionNum)
				}
			} else {
				s := rapid.Int64Range(0, 18).Draw(t, "start")
				e := rapid.Int64Range(s+1, 20).Draw(t, "end")
				iv := base.Interval{Start: s, End: e}
				v := rapid.SampledFrom([]string{"v1", "v2", "v3", "v4"}).Draw(t, "version")
				spec := genSpec(t)
				k := fmt.Sprintf("%d/%d/%s/%d", s, e, v, spec.PartitionNum)
				model.chunks[k] = naiveChunk{iv, v, spec}
				keys = append(keys, k)
				if err := tl.Add(iv, v, spec, k); err != nil {
					t.Fatal(err)
				}
			}
			q := base.Interval{Start: rapid.Int64Range(-1, 10).Draw(t, "qs"), End: rapid.Int64Range(10, 21).Draw(t, "qe")}
			if got, want := renderNumeric(tl.Lookup(q)), model.lookup(q, true); !slices.Equal(got, want) {
				t.Fatalf("Lookup(%v):\n got %v\nwant %v", q, got, want)
			}
			if got, want := renderNumeric(tl.LookupWithIncomplete(q)), model.lookup(q, false); !slices.Equal(got, want) {
				t.Fatalf("LookupWithIncomplete(%v):\n got %v\nwant %v", q, got, want)
			}
		}
		if tl.Len() != len(model.chunks) {
			t.Fatalf("Len = %d, model has %d", tl.Len(), len(model.chunks))
		}
		for _, c := range model.chunks {
			if got, want := tl.IsOvershadowed(c.iv, c.version, c.spec.PartitionNum), model.overshadowed(c.iv, c.version); got != want {
				t.Fatalf("IsOvershadowed(%v, %s) = %v, want %v", c.iv, c.version, got, want)
			}
		}
		var got []string
		for _, h := range tl.FindFullyOvershadowed() {
			var parts []int
			for _, c := range h.Chunks {
				parts = append(parts, c.PartitionNum())
			}
			got = append(got, fmt.Sprintf("%d/%d %s %v", h.TrueInterval.Start, h.TrueInterval.End, h.Version, parts))
		}
		sort.Strings(got)
		if want := model.fullyOvershadowed(); !slices.Equal(got, want) {
			t.Fatalf("FindFullyOvershadowed:\n got %v\nwant %v", got, want)
		}
	})
}
