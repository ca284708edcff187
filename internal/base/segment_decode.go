package base

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// This file is DataSegment's fast decoder. A metadata poll decodes every
// used segment's payload (100,000 of them in a large cluster), and
// encoding/json's reflection spends most of that time. decodeSegmentFast
// reads the payload shape Druid and dryad write: one object whose keys are
// exactly DataSegment's (dataSource, interval, version, loadSpec,
// dimensions, metrics, shardSpec, binaryVersion, size, totalRows,
// lastCompactionState, identifier) with escape-free valid UTF-8 strings and
// integer numbers. Anything else — other keys (encoding/json matches keys
// case-insensitively), escapes, nulls where a string or number belongs,
// fractions or exponents, trailing bytes — makes it give up, and the caller
// decodes with encoding/json instead, so the result is always the one
// encoding/json gives. Shard specs other than the plain numbered, linear,
// none, tombstone and hashed shapes go through ShardSpec.UnmarshalJSON.

// segScanner reads JSON from b at i.
type segScanner struct {
	b []byte
	i int
}

func (s *segScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *segScanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// consume skips c (after spaces) and reports whether it was there.
func (s *segScanner) consume(c byte) bool {
	if s.peek() != c {
		return false
	}
	s.i++
	return true
}

// str reads an escape-free string of valid UTF-8; it returns a view into b.
func (s *segScanner) str() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			return v, utf8.Valid(v)
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// integer reads an integer that fits in int64.
func (s *segScanner) integer() (int64, bool) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - digits
	if n == 0 || (n > 1 && s.b[digits] == '0') {
		return 0, false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	return v, err == nil
}

// raw skips one value and returns its bytes. It checks the value's
// structure (nesting, strings, literals, number characters) enough that
// encoding/json would accept it; when unsure it reports false.
func (s *segScanner) raw() ([]byte, bool) {
	s.ws()
	start := s.i
	if !s.skipValue(0) {
		return nil, false
	}
	return s.b[start:s.i], true
}

func (s *segScanner) skipValue(depth int) bool {
	if depth > 64 {
		return false
	}
	switch c := s.peek(); {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{':
		s.i++
		if s.consume('}') {
			return true
		}
		for {
			if _, ok := s.str(); !ok || !s.consume(':') || !s.skipValue(depth+1) {
				return false
			}
			if s.consume('}') {
				return true
			}
			if !s.consume(',') {
				return false
			}
		}
	case c == '[':
		s.i++
		if s.consume(']') {
			return true
		}
		for {
			if !s.skipValue(depth + 1) {
				return false
			}
			if s.consume(']') {
				return true
			}
			if !s.consume(',') {
				return false
			}
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, ok := s.integer()
		return ok
	}
	return false
}

func (s *segScanner) literal(w string) bool {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return false
	}
	s.i += len(w)
	return true
}

// object calls field for each key of an object until it reports false.
func (s *segScanner) object(field func(key []byte) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	for {
		k, ok := s.str()
		if !ok || !s.consume(':') || !field(k) {
			return false
		}
		if s.consume('}') {
			return true
		}
		if !s.consume(',') {
			return false
		}
	}
}

// decodeSegmentFast decodes b into d and reports whether it could; on
// false, d is unspecified and the caller must decode with encoding/json.
func decodeSegmentFast(b []byte, d *DataSegment) bool {
	s := segScanner{b: b}
	var v DataSegment
	var dims, mets string
	ok := s.object(func(k []byte) bool {
		switch string(k) {
		case "dataSource":
			x, ok := s.str()
			v.DataSource = string(x)
			return ok
		case "interval":
			x, ok := s.str()
			if !ok {
				return false
			}
			iv, err := ParseInterval(string(x), time.UTC)
			v.Interval = iv
			return err == nil
		case "version":
			x, ok := s.str()
			v.Version = string(x)
			return ok
		case "loadSpec":
			x, ok := s.raw()
			v.LoadSpec = append([]byte(nil), x...)
			return ok
		case "lastCompactionState":
			x, ok := s.raw()
			v.LastCompactionState = append([]byte(nil), x...)
			return ok
		case "dimensions":
			x, ok := s.str()
			dims = string(x)
			return ok
		case "metrics":
			x, ok := s.str()
			mets = string(x)
			return ok
		case "identifier":
			_, ok := s.str()
			return ok
		case "binaryVersion":
			n, ok := s.integer()
			v.BinaryVersion = int(n)
			return ok && int64(int(n)) == n
		case "size":
			n, ok := s.integer()
			v.Size = n
			return ok
		case "totalRows":
			n, ok := s.integer()
			v.TotalRows = n
			return ok
		case "shardSpec":
			return s.shardSpec(&v.ShardSpec)
		}
		return false
	})
	if s.ws(); !ok || s.i != len(s.b) {
		return false
	}
	v.Dimensions = splitNonEmpty(dims)
	v.Metrics = splitNonEmpty(mets)
	*d = v
	return true
}

// shardSpec reads a plain shard spec, or hands the value to
// ShardSpec.UnmarshalJSON.
func (s *segScanner) shardSpec(sp *ShardSpec) bool {
	s.ws()
	start := s.i
	var v ShardSpec
	intPtr := func(p **int) bool {
		n, ok := s.integer()
		if !ok || int64(int(n)) != n {
			return false
		}
		x := int(n)
		*p = &x
		return true
	}
	plain := s.object(func(k []byte) bool {
		switch string(k) {
		case "type":
			x, ok := s.str()
			v.Type = string(x)
			return ok
		case "partitionNum":
			n, ok := s.integer()
			v.PartitionNum = int(n)
			return ok && int64(int(n)) == n
		case "partitions":
			return intPtr(&v.Partitions)
		case "bucketId":
			return intPtr(&v.BucketID)
		case "numBuckets":
			return intPtr(&v.NumBuckets)
		case "numCorePartitions":
			return intPtr(&v.NumCorePartitions)
		case "partitionFunction":
			x, ok := s.str()
			v.PartitionFunction = string(x)
			return ok
		case "partitionDimensions":
			if !s.consume('[') {
				return false
			}
			v.PartitionDimensions = []string{}
			if s.consume(']') {
				return true
			}
			for {
				x, ok := s.str()
				if !ok {
					return false
				}
				v.PartitionDimensions = append(v.PartitionDimensions, string(x))
				if s.consume(']') {
					return true
				}
				if !s.consume(',') {
					return false
				}
			}
		}
		return false
	})
	switch v.Type {
	case "numbered", "linear", "none", "tombstone", "hashed":
	default:
		plain = false
	}
	if plain {
		*sp = v
		return true
	}
	// Anything else: find the value's end and decode it the general way.
	s.i = start
	x, ok := s.raw()
	return ok && sp.UnmarshalJSON(x) == nil
}
