package task

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"slices"
	"sort"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

// partition turns the sinks' indexes into the parts to write: the closed
// segments of dynamic partitioning as they are, or each time chunk's fully
// rolled-up rows split by hash or by range.
func partition(p *prepared, sinks []sink) ([]builtPart, error) {
	var out []builtPart
	merged := map[int64]*rollupIndex{}
	ivs := map[int64]base.Interval{}
	var order []int64
	for _, s := range sinks {
		switch s := s.(type) {
		case *dynamicSink:
			out = append(out, s.parts...)
		case *chunkSink:
			for _, pt := range s.parts {
				st := pt.chunk.Start
				if m := merged[st]; m != nil {
					if err := m.mergeFrom(pt.ix); err != nil {
						return nil, err
					}
					continue
				}
				merged[st] = pt.ix
				ivs[st] = pt.chunk
				order = append(order, st)
			}
		}
	}
	slices.Sort(order)
	ps := p.spec.TuningConfig.PartitionsSpec
	for _, st := range order {
		ix, chunk := merged[st], ivs[st]
		var parts []builtPart
		var err error
		switch ps.Type {
		case "hashed":
			parts = hashPartition(p, ix, chunk)
		case "single_dim", "range":
			parts, err = rangePartition(p, ix, chunk)
		default:
			return nil, base.Errorf(base.ClassUnsupported, "partitionsSpec type %q", ps.Type)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, parts...)
	}
	return out, nil
}

// hashPartition splits a chunk's rows into numShards buckets (or as many as
// targetRowsPerSegment implies) by Druid's murmur3_32_abs hash of the
// row's group key; empty buckets produce no segment.
func hashPartition(p *prepared, ix *rollupIndex, chunk base.Interval) []builtPart {
	ps := p.spec.TuningConfig.PartitionsSpec
	n := ps.NumShards
	if n <= 0 {
		target := ps.TargetRowsPerSegment
		if target <= 0 {
			target = ps.MaxRowsPerSegment
		}
		if target <= 0 {
			target = ingest5M
		}
		n = int((int64(ix.numRows()) + target - 1) / target)
		n = max(n, 1)
	}
	buckets := make([][]int32, n)
	var buf bytes.Buffer
	for r := range ix.numRows() {
		buf.Reset()
		groupKey(&buf, ix, r, ps.PartitionDimensions)
		b := hashBucket(buf.Bytes(), n)
		buckets[b] = append(buckets[b], int32(r))
	}
	var parts []builtPart
	dims := ps.PartitionDimensions
	if dims == nil {
		dims = []string{}
	}
	for b, rows := range buckets {
		if len(rows) == 0 {
			continue
		}
		parts = append(parts, builtPart{chunk: chunk, ix: ix, rows: rows, shard: base.ShardSpec{
			Type: "hashed", BucketID: ptr(b), NumBuckets: ptr(n),
			PartitionDimensions: dims, PartitionFunction: "murmur3_32_abs",
		}})
	}
	return parts
}

const ingest5M = 5_000_000

// hashBucket is Druid's murmur3_32_abs: abs(murmur3_32(key) % n).
func hashBucket(key []byte, n int) int {
	h := int32(murmur3_32(key, 0))
	r := h % int32(n)
	if r < 0 {
		r = -r
	}
	return int(r)
}

// groupKey writes the JSON Druid hashes: with partition dimensions, the
// list of each dimension's value list ([["a"],[]]); without, the row's
// truncated time and a sorted map of its non-empty dimensions' value sets
// ([1442016000000,{"page":["x"]}]).
func groupKey(buf *bytes.Buffer, ix *rollupIndex, r int, partDims []string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if len(partDims) > 0 {
		key := make([][]string, len(partDims))
		for i, d := range partDims {
			key[i] = []string{}
			if c, ok := ix.dimIdx[d]; ok {
				key[i] = dimStrings(ix.value(r, c))
			}
		}
		_ = enc.Encode(key)
	} else {
		names := make([]string, 0, len(ix.dims))
		vals := map[string][]string{}
		for c, d := range ix.dims {
			s := dimStrings(ix.value(r, c))
			if len(s) == 0 {
				continue
			}
			s = slices.Clone(s)
			slices.Sort(s)
			s = slices.Compact(s)
			names = append(names, d.name)
			vals[d.name] = s
		}
		sort.Strings(names)
		buf.WriteByte('[')
		buf.WriteString(jsonInt(ix.times[r]))
		buf.WriteString(",{")
		for i, n := range names {
			if i > 0 {
				buf.WriteByte(',')
			}
			_ = enc.Encode(n)
			trimNewline(buf)
			buf.WriteByte(':')
			_ = enc.Encode(vals[n])
			trimNewline(buf)
		}
		buf.WriteString("}]")
	}
	trimNewline(buf)
}

func trimNewline(buf *bytes.Buffer) {
	if b := buf.Bytes(); len(b) > 0 && b[len(b)-1] == '\n' {
		buf.Truncate(len(b) - 1)
	}
}

func jsonInt(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// dimStrings is Druid's InputRow.getDimension: the value as a list of
// strings (empty for null).
func dimStrings(v segment.Value) []string {
	switch v.Kind {
	case segment.KindNull:
		return nil
	case segment.KindStrings:
		return v.Strs
	case segment.KindString:
		return []string{v.Str}
	default:
		return []string{coerce(v, base.TypeString).Str}
	}
}

// murmur3_32 is MurmurHash3 x86 32-bit (Guava's Hashing.murmur3_32).
func murmur3_32(data []byte, seed uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	h := seed
	n := len(data) / 4
	for i := range n {
		k := binary.LittleEndian.Uint32(data[i*4:])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	tail := data[n*4:]
	var k uint32
	switch len(tail) {
	case 3:
		k ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(tail[0])
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

// rangePartition splits a chunk's rows by the partition dimensions' values
// into contiguous ranges of about targetRowsPerSegment rows (at most
// maxRowsPerSegment when that is given instead), never splitting equal
// keys. Druid's single_dim gives "single" shard specs, range gives "range".
func rangePartition(p *prepared, ix *rollupIndex, chunk base.Interval) ([]builtPart, error) {
	ps := p.spec.TuningConfig.PartitionsSpec
	dims := ps.PartitionDimensions
	if ps.Type == "single_dim" {
		dims = []string{ps.PartitionDimension}
	}
	cols := make([]int, len(dims))
	for i, d := range dims {
		c, ok := ix.dimIdx[d]
		if !ok {
			c = -1
		}
		cols[i] = c
	}
	n := ix.numRows()
	keys := make([][]*string, n)
	for r := range n {
		k := make([]*string, len(dims))
		for i, c := range cols {
			if c < 0 {
				continue
			}
			v := ix.value(r, c)
			switch v.Kind {
			case segment.KindNull:
			case segment.KindStrings:
				return nil, base.Errorf(base.ClassInvalidInput, "cannot partition on multi-value dimension %q (row at %s)", dims[i], base.FormatTime(ix.times[r]))
			default:
				s := dimStrings(v)[0]
				k[i] = &s
			}
		}
		keys[r] = k
	}
	rows := make([]int32, n)
	for i := range rows {
		rows[i] = int32(i)
	}
	slices.SortStableFunc(rows, func(a, b int32) int { return compareTuple(keys[a], keys[b]) })
	target := ps.TargetRowsPerSegment
	if target <= 0 {
		target = ps.MaxRowsPerSegment
	}
	if target <= 0 {
		target = ingest5M
	}
	numParts := max(1, int((int64(n)+target-1)/target))
	var cuts []int
	for i := 1; i < numParts; i++ {
		at := i * n / numParts
		for at < n && at > 0 && compareTuple(keys[rows[at]], keys[rows[at-1]]) == 0 {
			at++
		}
		if at >= n || (len(cuts) > 0 && at <= cuts[len(cuts)-1]) {
			continue
		}
		cuts = append(cuts, at)
	}
	var parts []builtPart
	prev := 0
	bounds := append(cuts, n)
	for i, end := range bounds {
		var start, stop []*string
		if i > 0 {
			start = keys[rows[prev]]
		}
		if i < len(bounds)-1 {
			stop = keys[rows[end]]
		}
		sh := base.ShardSpec{Type: "range", Dimensions: dims, StartTuple: start, EndTuple: stop}
		if ps.Type == "single_dim" {
			sh = base.ShardSpec{Type: "single", Dimension: dims[0]}
			if start != nil {
				sh.StartStr = start[0]
			}
			if stop != nil {
				sh.EndStr = stop[0]
			}
		}
		parts = append(parts, builtPart{chunk: chunk, ix: ix, rows: slices.Clone(rows[prev:end]), shard: sh})
		prev = end
	}
	return parts, nil
}

// compareTuple orders partition keys: element-wise, null first.
func compareTuple(a, b []*string) int {
	for i := range a {
		switch {
		case a[i] == nil && b[i] == nil:
		case a[i] == nil:
			return -1
		case b[i] == nil:
			return 1
		default:
			if c := cmp.Compare(*a[i], *b[i]); c != 0 {
				return c
			}
		}
	}
	return 0
}
