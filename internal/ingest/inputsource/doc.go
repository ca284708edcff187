// Package inputsource implements Druid's batch input sources — local, inline,
// http and combining — as lists of input entities: byte streams that an
// input format reads. Entities are listed in a deterministic order and can be
// grouped into splits for parallel reading (Split). Compressed entities
// (.gz, .bz2, .zst, .xz, .zip) are decompressed by extension (Open,
// Decompress).
//
// The druid input source (re-indexing existing segments) is decoded here but
// read by the task engine, which owns the segment reader: Entities returns a
// ClassUnsupported error for it, and ingest.OpenRows hands *Druid to the
// engine's ingest.SegmentRows.
//
// Sources are immutable after Decode and safe for concurrent use; each
// entity's reader belongs to the goroutine that opened it.
package inputsource
