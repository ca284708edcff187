// Package sketch wraps the Apache DataSketches families Druid's
// druid-datasketches extension stores in segments — HLL, Theta and KLL
// doubles sketches, from github.com/apache/datasketches-go — with the
// conventions Druid applies on top of the library: how input values are
// hashed, which serialized form is stored, and how the values render in
// results (base64 of the serialized bytes when a query does not finalize).
//
// The classic quantiles DoublesSketch, which the Go library lacks, lives in
// the quantiles subpackage; Druid's own HyperLogLogCollector (hyperUnique,
// cardinality) lives in hyperunique.
//
// Serialized forms (all byte-compatible with the Java library):
//   - HLL: the compact HllSketch image (LIST, SET or HLL mode, HLL_4/6/8).
//   - Theta: the compact, ordered, uncompressed (serial version 3) image.
//   - KLL: the compact KllDoublesSketch image.
//
// Hashing of input values follows Druid: HLL strings are hashed as their
// UTF-16LE code units (Java's update(char[]), Druid's default stringEncoding
// "utf16le"; "utf8" hashes UTF-8 bytes), Theta strings as UTF-8 bytes; longs
// are hashed as one 64-bit long and doubles as their canonical IEEE bits
// (-0.0 becomes 0.0, every NaN Java's canonical NaN); empty strings are
// ignored, as the Java library ignores them.
//
// Values are not safe for concurrent use; a value passed to a merge or set
// operation is only read.
package sketch
