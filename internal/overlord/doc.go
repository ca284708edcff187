// Package overlord is the overlord role: it owns the task queue, task locks,
// assignment of tasks to middlemanagers, and streaming supervisors, and
// serves /druid/indexer/v1/*.
//
// Only one overlord leads a cluster at a time, chosen through a
// discovery.Elector; in one process the overlord is its own leader. The
// leader endpoints work now; the task, supervisor and worker APIs are routed
// and answer 501 until the ingestion work replaces those entries in Routes.
package overlord
