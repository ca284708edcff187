// Package inputformat implements Druid's batch input formats — json (with
// flattenSpec: root, path (JSONPath), jq and tree fields), csv, tsv, lines and regex — as
// readers that turn a decompressed byte stream into Records: ordered lists of
// named raw values.
//
// Values in a Record are nil, string, int64, float64, bool, []any and
// map[string]any (nested JSON). JSON integers that fit in 64 bits stay int64,
// everything else numeric becomes float64, as Jackson reads them for Druid.
// CSV and TSV fields are strings (nil for empty unquoted fields), or []any of
// strings when the field contains listDelimiter.
//
// Every format is line oriented, as Druid's batch readers are: one record per
// line ("\n" or "\r\n"), a leading UTF-8 byte order mark dropped; empty lines
// (and, for JSON, whitespace-only lines) are skipped. A malformed line yields a *ParseError from
// Reader.Next and the reader continues with the next line; any other error is
// fatal for the entity.
//
// Formats are immutable after Decode and safe for concurrent use; a Reader is
// owned by one goroutine.
package inputformat
