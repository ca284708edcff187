package timeline

import "strings"

// key orders intervals by start, then end, then version.
type key struct {
	start, end int64
	ver        string
}

func cmpKey(a, b key) int {
	switch {
	case a.start != b.start:
		if a.start < b.start {
			return -1
		}
		return 1
	case a.end != b.end:
		if a.end < b.end {
			return -1
		}
		return 1
	}
	return strings.Compare(a.ver, b.ver)
}

// itree is an interval tree: a treap ordered by key whose nodes carry the
// largest end in their subtree, so the intervals overlapping a range are
// found in O(log n + k) expected time. It is not safe for concurrent use;
// Timeline guards it.
type itree[V any] struct {
	root *node[V]
	n    int
	seed uint64 // xorshift state for priorities
}

type node[V any] struct {
	k           key
	v           V
	prio        uint64
	maxEnd      int64
	left, right *node[V]
}

func (t *itree[V]) rand() uint64 {
	if t.seed == 0 {
		t.seed = 0x9E3779B97F4A7C15
	}
	x := t.seed
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	t.seed = x
	return x
}

func (n *node[V]) fix() {
	m := n.k.end
	if n.left != nil && n.left.maxEnd > m {
		m = n.left.maxEnd
	}
	if n.right != nil && n.right.maxEnd > m {
		m = n.right.maxEnd
	}
	n.maxEnd = m
}

func rotRight[V any](n *node[V]) *node[V] {
	l := n.left
	n.left = l.right
	n.fix()
	l.right = n
	l.fix()
	return l
}

func rotLeft[V any](n *node[V]) *node[V] {
	r := n.right
	n.right = r.left
	n.fix()
	r.left = n
	r.fix()
	return r
}

// put inserts or replaces the value at k.
func (t *itree[V]) put(k key, v V) {
	t.root = t.ins(t.root, k, v, t.rand())
}

func (t *itree[V]) ins(n *node[V], k key, v V, p uint64) *node[V] {
	if n == nil {
		t.n++
		return &node[V]{k: k, v: v, prio: p, maxEnd: k.end}
	}
	switch c := cmpKey(k, n.k); {
	case c == 0:
		n.v = v
		return n
	case c < 0:
		n.left = t.ins(n.left, k, v, p)
		if n.left.prio > n.prio {
			return rotRight(n)
		}
	default:
		n.right = t.ins(n.right, k, v, p)
		if n.right.prio > n.prio {
			return rotLeft(n)
		}
	}
	n.fix()
	return n
}

// get returns the value at k.
func (t *itree[V]) get(k key) (V, bool) {
	n := t.root
	for n != nil {
		switch c := cmpKey(k, n.k); {
		case c == 0:
			return n.v, true
		case c < 0:
			n = n.left
		default:
			n = n.right
		}
	}
	var zero V
	return zero, false
}

// del removes k and reports whether it was present.
func (t *itree[V]) del(k key) bool {
	before := t.n
	t.root = t.delete(t.root, k)
	return t.n < before
}

func (t *itree[V]) delete(n *node[V], k key) *node[V] {
	if n == nil {
		return nil
	}
	switch c := cmpKey(k, n.k); {
	case c == 0:
		t.n--
		return merge(n.left, n.right)
	case c < 0:
		n.left = t.delete(n.left, k)
	default:
		n.right = t.delete(n.right, k)
	}
	n.fix()
	return n
}

func merge[V any](a, b *node[V]) *node[V] {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	if a.prio > b.prio {
		a.right = merge(a.right, b)
		a.fix()
		return a
	}
	b.left = merge(a, b.left)
	b.fix()
	return b
}

// overlapping calls fn, in key order, for every interval overlapping
// [lo, hi), until fn returns false.
func (t *itree[V]) overlapping(lo, hi int64, fn func(key, V) bool) {
	visitOverlapping(t.root, lo, hi, fn)
}

// visitOverlapping returns false when the walk must stop.
func visitOverlapping[V any](n *node[V], lo, hi int64, fn func(key, V) bool) bool {
	if n == nil || n.maxEnd <= lo {
		return true
	}
	if !visitOverlapping(n.left, lo, hi, fn) {
		return false
	}
	if n.k.start >= hi {
		return false // everything after this node starts at or after hi
	}
	if n.k.end > lo && !fn(n.k, n.v) {
		return false
	}
	return visitOverlapping(n.right, lo, hi, fn)
}

// each calls fn for every element in key order until fn returns false.
func (t *itree[V]) each(fn func(key, V) bool) {
	visitAll(t.root, fn)
}

func visitAll[V any](n *node[V], fn func(key, V) bool) bool {
	if n == nil {
		return true
	}
	return visitAll(n.left, fn) && fn(n.k, n.v) && visitAll(n.right, fn)
}
