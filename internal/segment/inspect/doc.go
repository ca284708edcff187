// Package inspect implements `dryad segment inspect FILE [--rows N] [--json]`:
// it prints a segment file's metadata, schema, per-column encodings and
// sizes, and its first rows, as text or JSON. The output is documented in
// docs/segment-format.md ("Inspecting a segment").
package inspect
