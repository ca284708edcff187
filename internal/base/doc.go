// Package base is dryad's shared vocabulary: time instants and intervals in
// Druid's ISO-8601 forms, ISO-8601 periods, segment identity (SegmentID) and
// metadata (DataSegment, ShardSpec), column types, and the small set of error
// classes that every layer uses and that the HTTP layer maps to status codes.
//
// base imports nothing from dryad and holds no state; every other package may
// import it.
package base
