// Package metaquery executes Druid's four metadata-flavoured native query
// types over segments and merges their per-segment results as the broker
// does: search (dimension values matching a search spec, with row counts),
// timeBoundary (earliest and latest stored __time), segmentMetadata (per
// column type, nulls, cardinality, min/max, size estimates, and per segment
// intervals, aggregators, query granularity and rollup) and
// dataSourceMetadata (the latest ingested event time).
//
// The flow mirrors package engine: Run answers one query on one segment with
// a Partial, Merge combines the partials of all queried segments into a
// Result, and AppendJSON writes Druid's exact result JSON. docs/metadata-queries.md
// documents the behaviour, the size estimates and the deviations from Druid.
//
// Unfiltered work is answered from segment metadata, dictionaries and
// per-value bitmaps. Filters (and query intervals that cut a segment) select
// rows first: intervals become row ranges by binary search on the sorted
// __time column; selector, in, equals and null filters on string columns,
// combined with and/or, become unions and intersections of value bitmaps;
// any other filter, and anything reading an expression virtual column, is
// evaluated row at a time with the filter package's Matcher, only on the
// rows inside the intervals.
//
// Every function is safe for concurrent use; Partials and Results are plain
// values owned by the caller, and Partials marshal to JSON so that they can
// cross the wire between data servers and the broker.
package metaquery
