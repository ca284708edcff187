// Package postagg is Druid's post-aggregator model: strict decoding of
// arithmetic, fieldAccess, finalizingFieldAccess, constant, expression,
// doubleGreatest/doubleLeast/longGreatest/longLeast, the sketch
// post-aggregators of the datasketches extension and hyperUniqueCardinality
// (SketchOp, over the sketch values of internal/sketch), validation of the
// names they reference, and evaluation on result rows.
//
// Post-aggregators run on merged, not yet finalized result rows, in the
// order the query lists them; each one's output is added to the row so that
// later ones can read it. fieldAccess returns the raw (intermediate)
// aggregator value; finalizingFieldAccess applies the aggregator's finalizer
// (supplied by the caller through Env).
//
// Output types: arithmetic is always DOUBLE (float64) and is null when any
// input is null or not a number; "/" returns 0 when the divisor is 0, while
// "quotient" is plain floating-point division (±Inf or NaN). A constant keeps
// its JSON number type (10 → LONG, 10.5 → DOUBLE). An expression is
// evaluated with internal/expr over the row and cast to its outputType when
// one is given. The greatest/least
// family ignores nulls and is null only when every input is null.
//
// Decoded values are immutable; compiled Evaluators are safe for concurrent
// use.
package postagg
