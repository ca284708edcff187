// Package historical is the historical role: it owns the local segment
// cache (pulling segments from deep storage, memory-mapping them, announcing
// them) and answers queries on the segments it serves. It serves
// /druid/historical/v1/*.
//
// The load-status endpoints are routed and answer 501 until the segment
// cache exists.
package historical
