// Package hyperunique implements Druid's own HyperLogLog collector — the
// state of the hyperUnique and cardinality aggregators — byte-compatible
// with Druid's HyperLogLogCollector (version 1), and the Murmur3 x64 128-bit
// hash Druid feeds it with.
//
// # Collector
//
// 2048 registers (the low 11 bits of a 128-bit hash pick one) of 4 bits
// each, stored relative to a shared registerOffset: a register holds
// (position of the lowest set bit of the hash's first 8 bytes, 1-based)
// − registerOffset. When every register is non-zero the offset is raised by
// one and all registers are decremented. A position beyond the 4-bit range
// is kept aside as the single largest overflow (value and register).
//
// # Serialized form (big-endian)
//
//	byte 0      version (1)
//	byte 1      registerOffset
//	bytes 2–3   number of non-zero registers
//	byte 4      maxOverflowValue
//	bytes 5–6   maxOverflowRegister
//	then        dense: 1024 bytes, two registers per byte (even register in
//	            the high nibble); or sparse: 3 bytes per non-zero byte — its
//	            absolute position in the image (7 + byte index, 2 bytes) and
//	            the byte.
//
// Bytes writes the sparse form when fewer than 128 bytes are non-zero, the
// dense form otherwise, as Druid's toByteBuffer does. Druid's version 0
// images (no header version byte) are refused as unsupported.
//
// The estimate reproduces Druid's computation, including its summation
// order, its small-range (linear counting) and large-range corrections.
//
// A Collector is not safe for concurrent use.
package hyperunique
