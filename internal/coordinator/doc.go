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
// docs/coordinator.md lists every endpoint. Endpoints without the
// functionality yet (compaction, lookups) answer 501.
package coordinator
