// Package filter is Druid's native filter model: strict decoding of every
// filter type (selector, equals, in, bound, range, null, like, regex,
// search, and, or, not, interval, expression, true, false,
// columnComparison, arrayContainsElement, the deprecated extraction filter),
// normalisation, the columns a filter reads, and a row-level evaluator with
// Druid's SQL-compatible three-valued logic.
//
// The filter tree (the Filter interface and its concrete types) is plain,
// immutable data: engines switch on the concrete types to build bitmap or
// vectorized evaluation. Compile turns a tree into a Matcher, the
// row-at-a-time reference implementation, used by ingestion transforms,
// inline datasources and as the oracle for the vectorized engine.
//
// # Nulls and multi-value rows
//
// Evaluation yields True, False or Unknown. A value filter (selector with a
// non-null value, equals, in without null, bound, range, like, regex,
// search, interval) is Unknown on a null row; "not" maps True↔False and
// keeps Unknown, so not(x = 'a') does not match rows where x is null; "and"
// and "or" follow SQL. A row matches only when the result is True. The
// "null" filter and a selector/in with a null value are True on null rows
// and never Unknown. A multi-value row matches if any of its values
// matches; it is Unknown if no value matches and one of them is null. An
// empty multi-value row is null.
//
// All types are safe for concurrent use once built.
package filter
