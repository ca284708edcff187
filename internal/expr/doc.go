// Package expr implements Druid's expression language: the parser, output
// type inference, and row-at-a-time and vectorized evaluation of every
// function documented in Druid's math-expr.md.
//
// An expression is parsed once with Parse into an immutable tree (Expr),
// then bound to the input column types with Bind, which infers the output
// type, folds constants, resolves every function (an unknown function or a
// wrong argument count is an error here, never during evaluation) and
// compiles regular expressions and LIKE patterns given as literals.
//
// The resulting *Compiled is immutable and safe for concurrent use. Row
// evaluation (EvalRow) allocates only for values that need it (strings
// built by functions, arrays). Vectorized evaluation runs through a
// *VectorEvaluator, which owns reusable buffers and must be used by one
// goroutine at a time; arithmetic, comparisons, logic, casts, the unary
// math functions and timestamp_floor run in typed loops over []int64 and
// []float64 blocks, and everything else falls back to row-at-a-time
// evaluation inside the block.
//
// Nulls follow Druid's SQL-compatible mode: null in, null out unless a
// function says otherwise. Booleans are LONG 1/0 (Druid's strict booleans),
// with three-valued && and ||.
//
// The language is documented for users in docs/expressions.md.
package expr
