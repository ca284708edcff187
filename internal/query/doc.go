// Package query is dryad's native query model: the eight Druid query types
// (timeseries, topN, groupBy, scan, search, timeBoundary, segmentMetadata,
// dataSourceMetadata), their datasources, intervals, granularity, virtual
// columns, aggregators, post-aggregators, dimension specs, having specs,
// limit specs, topN metric specs and context, decoded strictly from
// Druid's JSON with error messages that name the offending field.
//
// Decoding follows Druid's Jackson setup: unknown properties are ignored,
// scalars are coerced (10 for "10", "true" for true), and a value of the
// wrong shape (an object for a string, a string for a list of filters), a
// missing required field, a bad interval, duplicate output names or a
// post-aggregator reading an unknown field is a base.ClassInvalidInput
// error. Features dryad does not implement yet (lookup, join and unnest
// datasources, extraction functions, sketch aggregators) are
// base.ClassUnsupported naming the feature. See docs/queries.md.
//
// Subpackages: filter (filters and the row-level evaluator), postagg
// (post-aggregators), dimension (dimension specs), value (the row value
// model, Java number formatting, string orderings), jsonspec (field
// decoding), result (partial results, merging and Druid's result JSON),
// rowengine (row-at-a-time execution over in-memory rows).
// Aggregator specs come from the aggregation subpackage.
//
// A decoded Query is immutable and safe for concurrent use.
package query
