package broker

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/filter"
)

// pruner returns a function that reports whether a segment with the given
// shard spec cannot hold rows matching f, or nil when f allows no pruning.
// It follows Druid's shard-spec pruning (possibleInDomain), for filters that
// pin dimensions to sets of values (selector, in, or a string equals, alone
// or under an and; null values never pin):
//
//   - "single" and "range": a segment whose value range of the (first)
//     partition dimension holds none of the pinned values is ruled out;
//   - "hashed" with partition dimensions and the murmur3_32_abs partition
//     function: when every partition dimension is pinned, a segment whose
//     bucket matches none of the value combinations' hashes is ruled out
//     (at most 1,000 combinations are hashed; more prune nothing).
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
		case "hashed":
			return hashPruned(s, pins)
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

// maxHashCombinations bounds the value combinations hashed per segment.
const maxHashCombinations = 1000

// hashPruned reports whether a hashed segment cannot hold rows with the
// pinned values: the bucket of every combination of pinned values differs
// from the segment's. The bucket is Druid's: abs(murmur3_32(key) % n) with
// key the JSON list of each partition dimension's value list,
// [["v1"],["v2"]].
func hashPruned(s base.ShardSpec, pins map[string][]string) bool {
	if len(s.PartitionDimensions) == 0 || s.PartitionFunction != "murmur3_32_abs" || s.BucketID == nil || s.NumBuckets == nil || *s.NumBuckets <= 0 {
		return false
	}
	combos := 1
	for _, d := range s.PartitionDimensions {
		vals, ok := pins[d]
		if !ok || len(vals) == 0 {
			return false
		}
		combos *= len(vals)
		if combos > maxHashCombinations {
			return false
		}
	}
	idx := make([]int, len(s.PartitionDimensions))
	key := make([][]string, len(s.PartitionDimensions))
	var buf bytes.Buffer
	for {
		for i, d := range s.PartitionDimensions {
			key[i] = []string{pins[d][idx[i]]}
		}
		buf.Reset()
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(key) != nil {
			return false
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if hashBucket(b, *s.NumBuckets) == *s.BucketID {
			return false
		}
		// Next combination.
		i := len(idx) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(pins[s.PartitionDimensions[i]]) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return true
		}
	}
}

// hashBucket is Druid's murmur3_32_abs partition function.
func hashBucket(key []byte, n int) int {
	r := int32(murmur3x86_32(key, 0)) % int32(n)
	if r < 0 {
		r = -r
	}
	return int(r)
}

// murmur3x86_32 is MurmurHash3's x86 32-bit variant (Guava's murmur3_32).
func murmur3x86_32(data []byte, seed uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	h := seed
	nblocks := len(data) / 4
	for i := 0; i < nblocks; i++ {
		k := binary.LittleEndian.Uint32(data[4*i:])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	tail := data[4*nblocks:]
	for i := len(tail) - 1; i >= 0; i-- {
		k = k<<8 | uint32(tail[i])
	}
	if len(tail) > 0 {
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(len(data))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
