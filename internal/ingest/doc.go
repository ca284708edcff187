// Package ingest is everything between a native batch ingestion task's JSON
// and a stream of parsed rows: strict decoding and validation of the
// index/index_parallel task spec (DecodeTask), the timestamp and dimension
// rules of dataSchema (RowParser), reading rows from an input source through
// an input format with Druid's row accounting (RowReader, RowStats,
// ParseExceptions).
//
// Input sources live in ingest/inputsource, input formats in
// ingest/inputformat; ingest/specjson is the shared field-by-field JSON access
// that names the JSON path of every bad field in errors.
//
// Pieces owned by other packages are kept undecoded here and decoded by the
// task engine: metricsSpec entries (raw JSON plus type, name and input
// fields), transform expressions (strings) and the transformSpec filter (raw
// JSON). Granularities are decoded with internal/granularity.
//
// OpenRows chains everything a spec reads; the druid input source plugs in
// through SegmentRows, which the task engine implements.
//
// Decoded specs and RowParser are immutable and safe for concurrent use; a
// RowReader belongs to one goroutine. docs/ingestion.md lists the supported
// fields, defaults and deviations from Druid.
package ingest
