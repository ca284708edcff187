// Package lookup provides Druid's query-time lookups: the lookup extractor
// factories (map and cachedNamespace with a uri extraction namespace), the
// Registry of the lookups a process serves, and the Manager behind the
// coordinator's Lookups API (/druid/coordinator/v1/lookups/*), which keeps
// the lookup configuration of every tier in the metadata store's config
// table under Druid's key "lookupsConfig".
//
// A Registry holds one immutable snapshot (a key→value map) per lookup and
// swaps it atomically when the lookup is updated or its file is re-read, so
// readers never lock out writers and a query sees one consistent version.
// cachedNamespace lookups are re-read every pollPeriod by a goroutine the
// Registry owns and stops. Nothing is downloaded: uri namespaces read local
// files (file: URIs and plain paths); http:, s3: and jdbc namespaces are
// base.ClassUnsupported.
package lookup
