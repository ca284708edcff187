// Package harness runs the query suite against dryad and a peer engine
// (DuckDB) and produces the per-query part of the report.
//
// For each query it first computes the reference answer (the peer's exact
// RefSQL or SQL), then asks both engines once and compares their answers
// with the reference: a wrong answer marks the query StatusWrong and it is
// not timed, since a wrong fast answer proves nothing. A dryad answer of
// HTTP 501 (base.ClassUnsupported) marks the query StatusSkipped with the
// feature it needs. Then both engines are warmed up and timed alternately
// (dryad, peer, dryad, …) for Options.Runs runs, or fewer (at least
// MinRuns) once a query has used its time budget.
//
// Progress is written as one line per event to Options.Progress, or as a
// single rewritten status line when Options.Terminal is set.
//
// Run is not safe for concurrent use with the same engines.
package harness
