// Package broker is the broker role: it owns the cluster's view of served
// segments (a timeline per datasource), scatters native and SQL queries to
// the data nodes, merges their results, and serves /druid/v2/* and
// /druid/broker/v1/*.
//
// The query, datasource and load-status endpoints are routed and answer 501
// until the query engine replaces those entries in Routes.
package broker
