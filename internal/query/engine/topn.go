package engine

import (
	"cmp"
	"math"
	"math/bits"
	"slices"

	"github.com/dryaddb/dryad/internal/query"
)

// metricKeys reads a numeric aggregator's per-group values as float64 sort
// keys, for picking topN candidates without building every row. ok is
// false when the aggregator's values are not plain numbers.
func metricKeys(a aggregator, groups []int32, keys []float64, nulls []bool) bool {
	switch a := a.(type) {
	case *countAgg:
		for i, g := range groups {
			keys[i], nulls[i] = float64(a.counts[g]), false
		}
	case *numAgg[int64]:
		for i, g := range groups {
			keys[i], nulls[i] = float64(a.vals[g]), !a.seen[g]
		}
	case *numAgg[float64]:
		for i, g := range groups {
			keys[i], nulls[i] = a.vals[g], !a.seen[g]
			if !nulls[i] && math.IsNaN(keys[i]) {
				return false
			}
		}
	case *numAgg[float32]:
		for i, g := range groups {
			keys[i], nulls[i] = float64(a.vals[g]), !a.seen[g]
			if !nulls[i] && math.IsNaN(keys[i]) {
				return false
			}
		}
	default:
		return false
	}
	return true
}

// topCandidates returns the groups that can be among the best k by a
// numeric metric (descending, nulls last; inverted: ascending, nulls
// first): every group at least as good as the k-th best, ties included,
// so that the exact ordering (metric, then dimension) picks the same k
// rows from the candidates as from all groups.
func topCandidates(groups []int32, keys []float64, nulls []bool, k int, inverted bool) []int32 {
	if len(groups) <= k {
		return groups
	}
	nNull := 0
	for _, n := range nulls {
		if n {
			nNull++
		}
	}
	sign := 1.0
	if inverted {
		sign = -1
	}
	need := k // how many non-null groups are needed
	if inverted {
		if nNull >= k {
			out := make([]int32, 0, nNull)
			for i, g := range groups {
				if nulls[i] {
					out = append(out, g)
				}
			}
			return out
		}
		need = k - nNull
	}
	if need > len(groups)-nNull {
		return groups // nulls are needed too (non-inverted): keep all
	}
	th := kthLargest(keys, nulls, sign, need)
	out := make([]int32, 0, k+16)
	for i, g := range groups {
		if nulls[i] {
			if inverted {
				out = append(out, g)
			}
			continue
		}
		if sign*keys[i] >= th {
			out = append(out, g)
		}
	}
	return out
}

// kthLargest returns the k-th largest of sign*keys[i] over the non-null
// keys (there are at least k), with a min-heap of the best k: most keys
// are rejected by one comparison with the heap's minimum.
func kthLargest(keys []float64, nulls []bool, sign float64, k int) float64 {
	h := make([]float64, 0, k)
	for i, x := range keys {
		if nulls[i] {
			continue
		}
		x *= sign
		if len(h) < k {
			h = append(h, x)
			// Sift up.
			for j := len(h) - 1; j > 0; {
				parent := (j - 1) / 2
				if h[parent] <= h[j] {
					break
				}
				h[parent], h[j] = h[j], h[parent]
				j = parent
			}
			continue
		}
		if x <= h[0] {
			continue
		}
		h[0] = x
		// Sift down.
		for j := 0; ; {
			l, r, m := 2*j+1, 2*j+2, j
			if l < k && h[l] < h[m] {
				m = l
			}
			if r < k && h[r] < h[m] {
				m = r
			}
			if m == j {
				break
			}
			h[j], h[m] = h[m], h[j]
			j = m
		}
	}
	return h[0]
}

// numericMetricAgg returns the index of the aggregator a numeric topN
// metric names, or -1 (a post-aggregator, or not numeric).
func numericMetricAgg(q *query.TopN) int {
	if q.Metric.Kind != "numeric" {
		return -1
	}
	for i, f := range q.Aggregations {
		if f.Name() == q.Metric.Metric {
			for _, pa := range q.PostAggregations {
				if pa.Name() == f.Name() {
					return -1 // shadowed by a post-aggregator
				}
			}
			return i
		}
	}
	return -1
}

// trimTies keeps k of the candidates when many tie at the threshold: the
// ones strictly better, then the tied ones in dimension order (ascending,
// null first), which for a string column's ids is key order. It applies to
// a non-inverted numeric metric with lexicographic tie-breaking, where the
// candidates hold no nulls.
func trimTies(g *grouper, dim *dimReader, a aggregator, ids []int32, k int) []int32 {
	keys, nulls := make([]float64, len(ids)), make([]bool, len(ids))
	if !metricKeys(a, ids, keys, nulls) {
		return ids
	}
	th := math.Inf(1)
	for i, x := range keys {
		if nulls[i] {
			return ids
		}
		th = min(th, x)
	}
	var better, tied []int32
	for i, id := range ids {
		if keys[i] > th {
			better = append(better, id)
		} else {
			tied = append(tied, id)
		}
	}
	if len(better) >= k {
		return ids // cannot happen for a k-th best threshold; keep all
	}
	// order is a tied group's rank in dimension order: its key + 1, null
	// first (0). Ranks are distinct within a bucket and below
	// dim.fixed+1.
	order := func(id int32) int {
		key := id
		if !g.identity {
			key = g.keys[int(id)*2+1]
		}
		if key == dim.nullKey {
			return 0
		}
		return int(key) + 1
	}
	need := k - len(better)
	if len(tied) > 4*need && dim.fixed > 0 {
		// Many ties (typical: thousands of groups with the threshold's
		// count): find the need-th smallest rank in a bitset of ranks
		// and sort only the ones up to it.
		set := make([]uint64, (dim.fixed+64)/64)
		for _, id := range tied {
			o := order(id)
			set[o>>6] |= 1 << (o & 63)
		}
		last, seen := 0, 0
		for w, x := range set {
			c := bits.OnesCount64(x)
			if seen+c < need {
				seen += c
				continue
			}
			for ; ; x &= x - 1 {
				seen++
				if seen == need {
					last = w*64 + bits.TrailingZeros64(x)
					break
				}
			}
			break
		}
		tied = slices.DeleteFunc(tied, func(id int32) bool { return order(id) > last })
	}
	slices.SortFunc(tied, func(x, y int32) int { return cmp.Compare(order(x), order(y)) })
	return append(better, tied[:need]...)
}
