package engine

import (
	"math"

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
	vals := make([]float64, 0, len(groups)-nNull)
	for i, x := range keys {
		if !nulls[i] {
			vals = append(vals, sign*x)
		}
	}
	if need > len(vals) {
		return groups // nulls are needed too (non-inverted): keep all
	}
	th := kthLargest(vals, need)
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

// kthLargest returns the k-th largest value (1-based) of vals, reordering
// vals (quickselect).
func kthLargest(vals []float64, k int) float64 {
	lo, hi, target := 0, len(vals)-1, k-1
	for lo < hi {
		// Median of three as pivot.
		mid := lo + (hi-lo)/2
		a, b, c := vals[lo], vals[mid], vals[hi]
		pivot := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi
		for i <= j {
			for vals[i] > pivot {
				i++
			}
			for vals[j] < pivot {
				j--
			}
			if i <= j {
				vals[i], vals[j] = vals[j], vals[i]
				i++
				j--
			}
		}
		switch {
		case target <= j:
			hi = j
		case target >= i:
			lo = i
		default:
			return vals[target]
		}
	}
	return vals[target]
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
