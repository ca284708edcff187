// Package dimension decodes Druid's dimension specs ("default",
// "extraction", "lookup") and extraction functions, as used by groupBy and topN
// dimensions, the columnComparison filter and the extractionFn property of
// filters. See docs/queries.md.
//
// Extraction functions are decoded and compiled: identity, substring,
// strlen, upper, lower, regex, partial, searchQuery, lookup (inline map),
// registeredLookup (resolved at decode time through a LookupFunc), cascade,
// stringFormat (%s only), timeFormat, time and bucket. The javascript type
// is base.ClassUnsupported. Strings
// are indexed by code point (Java indexes UTF-16 units; they differ only
// above U+FFFF), regular expressions use RE2 syntax, and only English
// locales are supported. Values are immutable after decoding and safe for
// concurrent use.
package dimension
