// Package dimension decodes Druid's dimension specs ("default",
// "extraction") and extraction functions, as used by groupBy and topN
// dimensions, the columnComparison filter and the extractionFn property of
// filters. See docs/queries.md.
//
// Extraction functions are issue #7: they are decoded and validated
// structurally, and an extractionFn whose type is not implemented yet is
// rejected with base.ClassUnsupported naming the type. Values are immutable
// after decoding and safe for concurrent use.
package dimension
