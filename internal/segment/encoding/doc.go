// Package encoding provides the lightweight block codecs used inside dryad
// segment columns: constant, frame-of-reference bit-packing, delta +
// bit-packing and raw little-endian blocks for 64-bit integers, and constant,
// raw and LZ4 blocks for float64 and float32 values.
//
// # Blocks
//
// A block holds at most MaxBlockValues values. Its first byte names the
// encoding (a Kind); the rest depends on it (all integers little-endian):
//
//	Constant  [0] value:8                       every value equals value
//	FOR       [1] base:8 width:1 groups...      value = base + packed
//	Delta     [2] first:8 minDelta:8 width:1 groups...
//	                                            v[0] = first,
//	                                            v[i] = v[i-1] + minDelta + packed[i]
//	                                            (packed[0] is 0)
//	Raw       [3] n × 8-byte values (float32 blocks: n × 4 bytes)
//	LZ4       [4] compressedLength:4 lz4-block  decompresses to the Raw payload
//
// Constant, Raw and LZ4 are used for float64/float32 blocks, whose values are
// stored as IEEE-754 bits. Integer blocks use Constant, FOR, Delta and Raw.
//
// Bit-packed values are stored in groups of GroupSize (64) values; a group of
// width w takes exactly w 64-bit little-endian words, value i of the group
// occupying bits [i*w, i*w+w) of the group's bit stream (least significant
// bit first, word 0 first). The last group of a block is padded with zero
// values. Width is 0..64; width 0 means every packed value is 0.
//
// Encoders append to a caller's buffer (Append… functions) and choose the
// smallest encoding for each block, preferring FOR on ties. Parsers validate a
// block's length completely, so that decoding a parsed block cannot read out
// of bounds.
//
// The values in a parsed block alias the source bytes (which may be a
// memory-mapped file): a parsed block is valid as long as those bytes are.
// Parsed blocks are immutable and safe for concurrent use; an Encoder is not.
package encoding
