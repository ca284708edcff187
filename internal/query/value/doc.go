// Package value is the value model shared by the native query packages:
// the Go types that stand for Druid values in rows and results, conversions
// between them with Druid's rules, Java-compatible number formatting (the
// text Jackson writes for a double or a float) and Druid's string
// comparators (lexicographic, alphanumeric, numeric, strlen, version).
//
// A value is one of:
//
//	nil        SQL NULL
//	string     STRING
//	int64      LONG (also __time, in epoch milliseconds)
//	float64    DOUBLE
//	float32    FLOAT
//	[]string   a multi-value STRING row (an empty slice is null)
//	[]any      an ARRAY value, elements of the scalar types above
//
// Anything else is an opaque complex value (for example a sketch) that is
// passed through. Every function here is pure and safe for concurrent use.
package value
