package broker

import (
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/filter"
)

// pruner returns a function that reports whether a segment with the given
// shard spec cannot hold rows matching f, or nil when f allows no pruning.
// It follows Druid's range-based pruning: for "single" and "range" shard
// specs, a filter that pins the (first) partition dimension to a set of
// values (selector, in, or a string equals, alone or under an and) rules
// out segments whose value range holds none of them. Null values never
// prune. Hash-partitioned segments are not pruned.
func pruner(f filter.Filter) func(base.ShardSpec) bool {
	pins := map[string][]string{}
	collectPins(f, pins)
	if len(pins) == 0 {
		return nil
	}
	return func(s base.ShardSpec) bool {
		var dim string
		var lo, hi *string
		inclusiveHi := false
		switch s.Type {
		case "single":
			dim, lo, hi = s.Dimension, s.StartStr, s.EndStr
		case "range":
			if len(s.Dimensions) == 0 {
				return false
			}
			dim = s.Dimensions[0]
			if len(s.StartTuple) > 0 {
				lo = s.StartTuple[0]
			}
			if len(s.EndTuple) > 0 {
				hi = s.EndTuple[0]
			}
			inclusiveHi = len(s.Dimensions) > 1
		default:
			return false
		}
		vals, ok := pins[dim]
		if !ok {
			return false
		}
		for _, v := range vals {
			if lo != nil && v < *lo {
				continue
			}
			if hi != nil && (v > *hi || (v == *hi && !inclusiveHi)) {
				continue
			}
			return false
		}
		return true
	}
}

// collectPins records, per dimension, the values a filter requires it to
// take; a dimension pinned twice (under an and) keeps the first set, which
// is still a correct superset.
func collectPins(f filter.Filter, pins map[string][]string) {
	switch f := f.(type) {
	case *filter.And:
		for _, c := range f.Fields {
			collectPins(c, pins)
		}
	case *filter.Selector:
		if f.ExtractionFn == nil && f.Value != nil {
			if _, ok := pins[f.Dimension]; !ok {
				pins[f.Dimension] = []string{*f.Value}
			}
		}
	case *filter.In:
		if f.ExtractionFn != nil {
			return
		}
		vals := make([]string, 0, len(f.Values))
		for _, v := range f.Values {
			if v == nil {
				return
			}
			vals = append(vals, *v)
		}
		if _, ok := pins[f.Dimension]; !ok {
			pins[f.Dimension] = vals
		}
	case *filter.Equals:
		if s, ok := f.MatchValue.(string); ok && f.MatchValueType.Kind == base.KindString {
			if _, ok := pins[f.Column]; !ok {
				pins[f.Column] = []string{s}
			}
		}
	}
}
