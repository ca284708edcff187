package timeline

import (
	"container/heap"
	"slices"
	"sort"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
)

// Chunk is one partition of a time chunk version: a segment's shard spec
// and the caller's payload (a *base.DataSegment, a loaded segment, a server
// list...).
type Chunk[T any] struct {
	ShardSpec base.ShardSpec
	Payload   T
}

// PartitionNum is the chunk's partition number.
func (c Chunk[T]) PartitionNum() int { return c.ShardSpec.PartitionNum }

// IsTombstone reports whether the chunk is a tombstone: it overshadows
// older data but holds none, so queries skip it.
func (c Chunk[T]) IsTombstone() bool { return c.ShardSpec.Type == "tombstone" }

// Holder is a visible part of the timeline: one version of one segment
// interval, seen over Interval.
type Holder[T any] struct {
	// Interval is the part of the timeline this holder covers, clipped to
	// the interval asked about.
	Interval base.Interval
	// TrueInterval is the interval of the segments themselves.
	TrueInterval base.Interval
	Version      string
	// Chunks are the partitions, by partition number. The slice is shared
	// with the timeline and must not be modified.
	Chunks []Chunk[T]
}

// entry is every chunk added for one (interval, version).
type entry[T any] struct {
	iv       base.Interval
	version  string
	chunks   []Chunk[T] // by partition number; elements below len are never rewritten
	complete bool
	// pieces of the complete and all timelines that show this entry
	visComplete, visAll int
}

// Timeline is Druid's VersionedIntervalTimeline for one datasource: it
// keeps segments keyed by (interval, version, partition number) and
// answers which are visible. See the package documentation for the rules.
//
// A Timeline is safe for concurrent use: readers share a read lock and
// writers take the write lock, so any number of readers may run alongside
// a writer. Holders returned by readers stay valid after later writes.
type Timeline[T any] struct {
	mu       sync.RWMutex
	entries  itree[*entry[T]] // by (start, end, version)
	complete itree[*entry[T]] // visible pieces of complete entries, by interval
	all      itree[*entry[T]] // visible pieces of all entries, complete or not
	chunks   int
}

// New returns an empty timeline.
func New[T any]() *Timeline[T] { return &Timeline[T]{} }

// Add puts a chunk into the timeline, replacing the payload of an existing
// chunk with the same interval, version and partition number. The shard
// spec's core-partition count decides when the version's partition set is
// complete. An empty interval is base.ClassInvalidInput.
func (tl *Timeline[T]) Add(iv base.Interval, version string, spec base.ShardSpec, payload T) error {
	if iv.IsEmpty() {
		return base.Errorf(base.ClassInvalidInput, "cannot add segment version %q partition %d to the timeline: empty interval %s", version, spec.PartitionNum, iv)
	}
	if spec.PartitionNum < 0 {
		return base.Errorf(base.ClassInvalidInput, "cannot add segment %s version %q to the timeline: negative partition number %d", iv, version, spec.PartitionNum)
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	k := key{iv.Start, iv.End, version}
	e, ok := tl.entries.get(k)
	if !ok {
		e = &entry[T]{iv: iv, version: version}
		tl.entries.put(k, e)
	}
	c := Chunk[T]{ShardSpec: spec, Payload: payload}
	i := sort.Search(len(e.chunks), func(i int) bool { return e.chunks[i].ShardSpec.PartitionNum >= spec.PartitionNum })
	switch {
	case i == len(e.chunks):
		// Appending past every snapshot's length leaves snapshots intact,
		// so the common in-order case grows the slice in place.
		e.chunks = append(e.chunks, c)
		tl.chunks++
	default:
		next := make([]Chunk[T], 0, len(e.chunks)+1)
		next = append(next, e.chunks[:i]...)
		next = append(next, c)
		if e.chunks[i].ShardSpec.PartitionNum == spec.PartitionNum {
			next = append(next, e.chunks[i+1:]...)
		} else {
			next = append(next, e.chunks[i:]...)
			tl.chunks++
		}
		e.chunks = next
	}
	was := e.complete
	e.complete = isComplete(e.chunks)
	if !ok || was != e.complete {
		tl.recompute(iv)
	}
	return nil
}

// AddSegment adds a DataSegment under its interval, version and shard spec.
func AddSegment[T any](tl *Timeline[T], seg *base.DataSegment, payload T) error {
	return tl.Add(seg.Interval, seg.Version, seg.ShardSpec, payload)
}

// Remove deletes a chunk and returns its payload; removing the last chunk
// of a version uncovers whatever it overshadowed.
func (tl *Timeline[T]) Remove(iv base.Interval, version string, partition int) (T, bool) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var zero T
	k := key{iv.Start, iv.End, version}
	e, ok := tl.entries.get(k)
	if !ok {
		return zero, false
	}
	i := sort.Search(len(e.chunks), func(i int) bool { return e.chunks[i].ShardSpec.PartitionNum >= partition })
	if i == len(e.chunks) || e.chunks[i].ShardSpec.PartitionNum != partition {
		return zero, false
	}
	payload := e.chunks[i].Payload
	tl.chunks--
	if len(e.chunks) == 1 {
		tl.entries.del(k)
		e.chunks, e.complete = nil, false
		tl.recompute(iv)
		return payload, true
	}
	next := make([]Chunk[T], 0, len(e.chunks)-1)
	next = append(next, e.chunks[:i]...)
	e.chunks = append(next, e.chunks[i+1:]...)
	was := e.complete
	e.complete = isComplete(e.chunks)
	if was != e.complete {
		tl.recompute(iv)
	}
	return payload, true
}

// isComplete reports whether chunks hold every core partition: with n the
// largest core-partition count the shard specs define, partitions 0..n-1
// must all be present (partitions ≥ n are appended ones and belong to the
// set). Shard specs without a core count (linear) are always complete.
func isComplete[T any](chunks []Chunk[T]) bool {
	n, defined := 0, false
	for _, c := range chunks {
		if core, ok := c.ShardSpec.CorePartitions(); ok {
			defined = true
			n = max(n, core)
		}
	}
	if !defined || n == 0 {
		return len(chunks) > 0
	}
	// chunks are sorted and unique, so the first n are 0..n-1 exactly when
	// chunk n-1 has partition number n-1.
	return len(chunks) >= n && chunks[n-1].ShardSpec.PartitionNum == n-1
}

// Lookup returns, in time order, the visible complete versions over iv:
// for each part of iv the highest version whose partition set is complete.
// Parts of iv that no complete version covers are absent.
func (tl *Timeline[T]) Lookup(iv base.Interval) []Holder[T] {
	return tl.lookup(&tl.complete, iv)
}

// LookupWithIncomplete is Lookup counting incomplete partition sets too,
// as Druid's lookupWithIncompletePartitions (used while segments load).
func (tl *Timeline[T]) LookupWithIncomplete(iv base.Interval) []Holder[T] {
	return tl.lookup(&tl.all, iv)
}

func (tl *Timeline[T]) lookup(t *itree[*entry[T]], iv base.Interval) []Holder[T] {
	if iv.IsEmpty() {
		return nil
	}
	tl.mu.RLock()
	defer tl.mu.RUnlock()
	var out []Holder[T]
	t.overlapping(iv.Start, iv.End, func(k key, e *entry[T]) bool {
		piece := base.Interval{Start: max(k.start, iv.Start), End: min(k.end, iv.End)}
		out = append(out, Holder[T]{Interval: piece, TrueInterval: e.iv, Version: e.version, Chunks: e.chunks})
		return true
	})
	return out
}

// NonOvershadowed returns the payloads of the chunks visible over iv (in
// complete sets), each once, in time order: Druid's
// findNonOvershadowedObjectsInInterval. Tombstones are included; use
// Lookup to tell them apart.
func (tl *Timeline[T]) NonOvershadowed(iv base.Interval) []T {
	if iv.IsEmpty() {
		return nil
	}
	tl.mu.RLock()
	defer tl.mu.RUnlock()
	var out []T
	seen := map[*entry[T]]bool{}
	tl.complete.overlapping(iv.Start, iv.End, func(_ key, e *entry[T]) bool {
		if !seen[e] {
			seen[e] = true
			for _, c := range e.chunks {
				out = append(out, c.Payload)
			}
		}
		return true
	})
	return out
}

// IsOvershadowed reports whether a segment with this interval and version
// is hidden by newer data: every instant of iv is covered, without gaps,
// by visible complete versions higher than version. The partition number
// matters only for minor versions (segment locks), which dryad does not
// implement, so a segment is never overshadowed by its own version.
func (tl *Timeline[T]) IsOvershadowed(iv base.Interval, version string, partition int) bool {
	_ = partition
	if iv.IsEmpty() {
		return false
	}
	tl.mu.RLock()
	defer tl.mu.RUnlock()
	covered := iv.Start
	ok := true
	tl.complete.overlapping(iv.Start, iv.End, func(k key, e *entry[T]) bool {
		if k.start > covered || e.version <= version {
			ok = false
			return false
		}
		covered = k.end
		return covered < iv.End
	})
	return ok && covered >= iv.End
}

// FindFullyOvershadowed returns the versions that are visible nowhere:
// neither as the highest complete version nor as the highest version of
// any completeness over any part of their interval. These are the
// segments the coordinator marks unused. Each holder covers its whole
// interval.
func (tl *Timeline[T]) FindFullyOvershadowed() []Holder[T] {
	tl.mu.RLock()
	defer tl.mu.RUnlock()
	var out []Holder[T]
	tl.entries.each(func(_ key, e *entry[T]) bool {
		if e.visComplete == 0 && e.visAll == 0 {
			out = append(out, Holder[T]{Interval: e.iv, TrueInterval: e.iv, Version: e.version, Chunks: e.chunks})
		}
		return true
	})
	return out
}

// Len returns the number of chunks in the timeline.
func (tl *Timeline[T]) Len() int {
	tl.mu.RLock()
	defer tl.mu.RUnlock()
	return tl.chunks
}

// IsEmpty reports whether the timeline holds no chunks.
func (tl *Timeline[T]) IsEmpty() bool { return tl.Len() == 0 }

// Get returns the chunks of one (interval, version), complete or not.
func (tl *Timeline[T]) Get(iv base.Interval, version string) ([]Chunk[T], bool) {
	tl.mu.RLock()
	defer tl.mu.RUnlock()
	e, ok := tl.entries.get(key{iv.Start, iv.End, version})
	if !ok {
		return nil, false
	}
	return e.chunks, true
}

// recompute rebuilds both views over iv after the entries changed there.
func (tl *Timeline[T]) recompute(iv base.Interval) {
	tl.rebuild(&tl.complete, iv, true)
	tl.rebuild(&tl.all, iv, false)
}

// rebuild replaces the pieces of view t overlapping iv. The region grows to
// the pieces it touches, so pieces outside it stay valid; new pieces that
// continue a neighbour showing the same entry are merged with it.
func (tl *Timeline[T]) rebuild(t *itree[*entry[T]], iv base.Interval, completeOnly bool) {
	region := iv
	type old struct {
		k key
		e *entry[T]
	}
	var olds []old
	t.overlapping(iv.Start, iv.End, func(k key, e *entry[T]) bool {
		olds = append(olds, old{k, e})
		return true
	})
	for _, o := range olds {
		region.Start = min(region.Start, o.k.start)
		region.End = max(region.End, o.k.end)
		t.del(o.k)
		adjustVis(o.e, completeOnly, -1)
	}
	var cands []*entry[T]
	tl.entries.overlapping(region.Start, region.End, func(_ key, e *entry[T]) bool {
		if !completeOnly || e.complete {
			cands = append(cands, e)
		}
		return true
	})
	pieces := sweep(region, cands)
	// Merge with the neighbours at the region's edges.
	if len(pieces) > 0 {
		first := &pieces[0]
		if first.iv.Start == region.Start {
			if k, e, ok := pieceEndingAt(t, region.Start); ok && e == first.e {
				t.del(k)
				adjustVis(e, completeOnly, -1)
				first.iv.Start = k.start
			}
		}
		last := &pieces[len(pieces)-1]
		if last.iv.End == region.End {
			if k, e, ok := pieceStartingAt(t, region.End); ok && e == last.e {
				t.del(k)
				adjustVis(e, completeOnly, -1)
				last.iv.End = k.end
			}
		}
	}
	for _, p := range pieces {
		t.put(key{p.iv.Start, p.iv.End, ""}, p.e)
		adjustVis(p.e, completeOnly, +1)
	}
}

func adjustVis[T any](e *entry[T], completeOnly bool, d int) {
	if completeOnly {
		e.visComplete += d
	} else {
		e.visAll += d
	}
}

func pieceEndingAt[T any](t *itree[*entry[T]], at int64) (key, *entry[T], bool) {
	var fk key
	var fe *entry[T]
	found := false
	t.overlapping(at-1, at, func(k key, e *entry[T]) bool {
		if k.end == at {
			fk, fe, found = k, e, true
		}
		return false
	})
	return fk, fe, found
}

func pieceStartingAt[T any](t *itree[*entry[T]], at int64) (key, *entry[T], bool) {
	var fk key
	var fe *entry[T]
	found := false
	t.overlapping(at, at+1, func(k key, e *entry[T]) bool {
		if k.start == at {
			fk, fe, found = k, e, true
		}
		return false
	})
	return fk, fe, found
}

type piece[T any] struct {
	iv base.Interval
	e  *entry[T]
}

// wins reports whether a shows over b where both cover an instant: the
// higher version, then (for overlapping intervals of one version, which
// Druid does not produce) the later start, then the later end.
func wins[T any](a, b *entry[T]) bool {
	if a.version != b.version {
		return a.version > b.version
	}
	if a.iv.Start != b.iv.Start {
		return a.iv.Start > b.iv.Start
	}
	return a.iv.End > b.iv.End
}

type entryHeap[T any] []*entry[T]

func (h entryHeap[T]) Len() int           { return len(h) }
func (h entryHeap[T]) Less(i, j int) bool { return wins(h[i], h[j]) }
func (h entryHeap[T]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *entryHeap[T]) Push(x any)        { *h = append(*h, x.(*entry[T])) }
func (h *entryHeap[T]) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// sweep computes the visible pieces over region from candidate entries
// (sorted by start, as the tree yields them), merging runs of one entry.
func sweep[T any](region base.Interval, cands []*entry[T]) []piece[T] {
	if len(cands) == 0 {
		return nil
	}
	points := make([]int64, 0, 2*len(cands)+2)
	points = append(points, region.Start, region.End)
	for _, e := range cands {
		if e.iv.Start > region.Start && e.iv.Start < region.End {
			points = append(points, e.iv.Start)
		}
		if e.iv.End > region.Start && e.iv.End < region.End {
			points = append(points, e.iv.End)
		}
	}
	slices.Sort(points)
	var out []piece[T]
	var h entryHeap[T]
	next := 0
	for i := 0; i+1 < len(points); i++ {
		p, q := points[i], points[i+1]
		if p == q {
			continue
		}
		for next < len(cands) && cands[next].iv.Start <= p {
			heap.Push(&h, cands[next])
			next++
		}
		for h.Len() > 0 && h[0].iv.End <= p {
			heap.Pop(&h)
		}
		if h.Len() == 0 {
			continue
		}
		top := h[0]
		if n := len(out); n > 0 && out[n-1].e == top && out[n-1].iv.End == p {
			out[n-1].iv.End = q
		} else {
			out = append(out, piece[T]{iv: base.Interval{Start: p, End: q}, e: top})
		}
	}
	return out
}
