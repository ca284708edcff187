// Package coordinator is the coordinator role: it owns which segments are
// used, retention rules, segment load/drop/balance across historicals,
// compaction scheduling and kill, and serves /druid/coordinator/v1/*.
//
// Only one coordinator leads a cluster at a time, chosen through a
// discovery.Elector; in one process the coordinator is its own leader.
//
// The metadata, rules, dynamic-config and mark used/unused endpoints answer
// from the metadata store; the /datasources, /intervals, /servers and /tiers
// reads answer, as Druid's, from what the data servers serve (the server
// view). The kill endpoints submit kill tasks through Deps.Tasks (kill_api.go).
//
// Automatic compaction: per-datasource configs live in the config table
// (compaction_config.go, served by compaction_api.go); the compaction duty
// (compaction.go) runs every indexing period while leading, or on demand,
// picks the newest time chunks whose segments' lastCompactionState does not
// match their config (compaction_state.go) and submits compact tasks
// through Deps.Tasks within the compaction task slots; its statistics back
// /compaction/status and /compaction/progress.
//
// docs/coordinator.md lists every endpoint. The lookup endpoints answer 501
// unless Deps.LookupRoutes serves them.
package coordinator
