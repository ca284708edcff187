// Package broker is the broker role: it owns the cluster's view of served
// segments (a timeline per datasource, following the server view's
// announcements: newer complete versions overshadow older ones, incomplete
// partition sets are never queried), scatters native queries to the data
// servers holding the visible segments (pruned by interval and partition
// dimension), merges their partial results (post-aggregations, having,
// limit, ordering) and serves /druid/v2/* and /druid/broker/v1/*.
//
// Table and union datasources go through the timeline; every other
// datasource (inline, query, lookup, join, unnest, nested in any way) is
// materialized as rows on the broker — a table under a join or unnest by a
// scan of the columns read, with pushable filters — and the outer query
// runs over them with the row engine. Query context: queryId (answered in X-Druid-Query-Id), timeout
// (504), cancellation by DELETE /druid/v2/{queryId}, maxScatterGatherBytes,
// maxSubqueryRows; priority, useCache and populateCache are honoured by the
// data servers. SQL endpoints answer 501 until the SQL planner exists. See
// docs/queries-serving.md.
package broker
