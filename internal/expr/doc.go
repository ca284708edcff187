// Package expr implements Druid's expression language: the parser, output
// type inference, and row-at-a-time and vectorized evaluation of every
// function documented in Druid's math-expr.md (plus the undocumented ones
// Druid SQL plans into).
//
// An expression is parsed once with Parse into an immutable tree (Expr),
// then bound to the input column types with Bind (or BindOptions, which adds
// lookups and multi-value string columns). Binding infers the output type,
// folds constants, resolves every function (an unknown function or a wrong
// argument count is an error here, never during evaluation) and compiles
// regular expressions, LIKE patterns, periods, time zones, JSONPaths and
// Joda patterns given as literals.
//
// The resulting *Compiled is immutable and safe for concurrent use. Row
// evaluation (EvalRow) does not allocate except for values that need it
// (strings built by functions, arrays). Vectorized evaluation runs through a
// *VectorEvaluator, which owns reusable buffers and must be used by one
// goroutine at a time: arithmetic, comparisons, logic, casts, the unary math
// functions, conditionals whose branches cannot fail and timestamp_floor
// run in typed loops over []int64, []float64 and []string blocks; an
// expression of a single dictionary-encoded STRING column is evaluated once
// per dictionary entry; everything else evaluates its arguments as vectors
// and applies the function row by row inside the block. Both paths give the
// same results (a property test checks it).
//
// Nulls follow Druid's SQL-compatible mode: null in, null out unless a
// function says otherwise. Booleans are LONG 1/0 (Druid's strict booleans),
// with three-valued && and ||. Time functions use internal/granularity and
// internal/joda, and reproduce Joda-Time's zoned arithmetic (DST gaps and
// overlaps) in joda_time.go.
//
// The language is documented for users in docs/expressions.md.
package expr
