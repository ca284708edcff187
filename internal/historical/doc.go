// Package historical is the historical role: it owns the local segment
// cache and answers queries on the segments it serves. It serves
// /druid/historical/v1/loadstatus and /readiness.
//
// Segments are pulled from deep storage into the first cache location with
// room, under dataSource/start_end/version/partition/index.seg, memory-mapped
// and announced in the server view; each cached segment's metadata is
// recorded in the location's info_dir, so that after a restart the
// historical serves its cache again without pulling (readiness answers 503
// until that is done).
//
// Queries (serverview.QueryRunner) run each segment on a processing pool
// bounded to the configured thread count, with a per-segment result cache
// keyed by segment, interval read and the query's JSON (without its
// intervals and result-neutral context keys), and the per-segment results
// are merged before they are returned to the broker. See
// docs/queries-serving.md.
package historical
