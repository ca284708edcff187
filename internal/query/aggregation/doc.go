// Package aggregation provides Druid's aggregators: strict decoding of their
// JSON specs into Factory values and, for ingestion-time rollup, Rollup
// state stores that fold input rows into one state per rolled-up row and
// combine stored states when segments are merged. The query engine extends
// the same Factory with vectorized paths.
//
// Implemented types: count, longSum, doubleSum, floatSum, longMin, longMax,
// doubleMin, doubleMax, floatMin, floatMax, longFirst, longLast, doubleFirst,
// doubleLast, floatFirst, floatLast, stringFirst, stringLast, and the sketch
// and approximate aggregators HLLSketchBuild, HLLSketchMerge, thetaSketch,
// quantilesDoublesSketch, KllDoublesSketch, hyperUnique and cardinality,
// whose factories implement SketchFactory (query-time state stores and the
// intermediate-value protocol; see docs/sketches.md); "filtered"
// (FilteredFactory), longAny, doubleAny, floatAny and stringAny
// (AnyFactory) and "expression" (ExpressionFactory); and the "expression"
// input of the sum, min and max aggregators (InputExpression). Other Druid
// aggregator types are rejected with base.ClassUnsupported. See
// docs/queries.md for their semantics.
//
// Null handling is Druid's SQL-compatible mode: sums, mins and maxes ignore
// null inputs and stay null until they see a non-null value; count counts
// rows; first/last aggregators keep null values (only a row whose time is
// null is skipped), comparing times only.
//
// Factories are immutable and safe for concurrent use; a Rollup is not.
package aggregation
