// Package quantiles implements the classic DataSketches quantiles
// DoublesSketch (Druid's quantilesDoublesSketch), which datasketches-go
// lacks, byte-compatible with the Java library's serial version 3 format.
//
// # Algorithm
//
// A sketch with parameter k keeps a base buffer of up to 2k unsorted items
// and levels 0, 1, … of exactly k sorted items each; level i is present when
// bit i of N/(2k) is set and each of its items stands for 2^(i+1) inputs.
// When the base buffer fills, it is sorted and zipped (every other item, from
// a random offset) into k items, which are carried up through the occupied
// levels by merge-and-zip until a free level takes them. Merging two sketches
// with the same k adds the other's base buffer items one by one and carries
// each of its levels in at its height. A sketch with a smaller k absorbs one
// with a larger k by first downsampling the larger one's levels; the reverse
// direction is refused, as in the Java library's union (which downsamples the
// union instead: see Union).
//
// # Serialized form (little-endian)
//
//	byte 0      preamble longs: 1 when empty, else 2
//	byte 1      serial version 3
//	byte 2      family 8 (quantiles)
//	byte 3      flags: 1 big-endian (refused), 2 read-only, 4 empty,
//	            8 compact, 16 ordered
//	bytes 4–5   k
//	bytes 6–7   unused (0)
//	bytes 8–15  N (when not empty)
//	bytes 16–31 min and max item (when not empty)
//	then        compact: the base buffer (N mod 2k items, sorted), then each
//	            present level's k items from level 0 up;
//	            updatable: the base buffer area (its N mod 2k items first),
//	            then k slots per level from level 0 up, starting at item 2k
//	            when any level is present.
//
// Bytes writes the compact ordered form (flags 0x1A, empty 0x1E), as
// Druid's DoublesSketch.toByteArray(true) does; Decode reads both forms.
//
// A Sketch is not safe for concurrent use.
package quantiles
