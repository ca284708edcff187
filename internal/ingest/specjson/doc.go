// Package specjson reads JSON spec objects field by field with Druid's
// lenient-but-typed rules and reports every problem with the JSON path of the
// offending field (e.g. "spec.dataSchema.timestampSpec.column: expected a
// string, got number").
//
// It exists so that the ingestion spec, input source and input format
// decoders share one way of naming fields in errors. Unknown fields are
// ignored, as Druid's object mapper ignores them; a field holding JSON null is
// treated as absent, as Jackson does for nullable properties.
//
// An Object is an immutable view over the decoded members and is safe for
// concurrent reads.
package specjson
