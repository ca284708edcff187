// Package coordinator is the coordinator role: it owns which segments are
// used, retention rules, segment load/drop/balance across historicals,
// compaction scheduling and kill, and serves /druid/coordinator/v1/*.
//
// Only one coordinator leads a cluster at a time, chosen through a
// discovery.Elector; in one process the coordinator is its own leader. The
// leader endpoints work now; the rest of the API is routed and answers 501
// until the segment-management work replaces those entries in Routes.
package coordinator
