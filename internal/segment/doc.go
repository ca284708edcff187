// Package segment owns dryad's on-disk columnar segment format: the writer,
// the memory-mapped (or in-memory) reader and the column interfaces the
// query engine reads through. The byte layout is specified in
// docs/segment-format.md; the constants in format.go mirror it.
//
// A segment file is a header, a sequence of 8-byte-aligned sections (the
// metadata JSON, then __time, then each dimension and metric column in schema
// order), a section table with a CRC-32C per section, and a footer. Column
// sections hold values in blocks of BlockSize rows encoded by
// internal/segment/encoding; string columns add a sorted dictionary and a
// roaring bitmap per dictionary id.
//
// Opening a segment validates the header, footer, section table and
// metadata. A column's section is checksummed and fully validated (every
// offset, block header, dictionary order and id range) the first time the
// column is requested, so reads never fail and never run out of bounds;
// per-value bitmaps are parsed (and validated) when asked for. Everything a
// Segment hands out may alias the mapped file and is valid until Close.
//
// Rows in a segment are sorted by __time and then by the dimensions in
// schema order; Write checks that __time is sorted and leaves the rest to the
// caller (internal/incremental sorts).
package segment
