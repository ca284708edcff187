// Package task runs Druid's native batch ingestion tasks (index and
// index_parallel), its compaction task (compact.go: visible segments
// rewritten through the index engine, schema derived from them, each new
// segment stamped with its lastCompactionState) and its kill task (kill.go:
// unused segments removed from deep storage, then from the metadata store),
// and serves the Tasks API.
//
// It owns four things:
//
//   - the task model: ids (NewID), status JSON exactly as Druid shapes it
//     (Status), completion reports (Reports) and per-task logs;
//   - the index engine (runIndex): input entities are read by up to
//     maxNumConcurrentSubTasks goroutines, parsed (internal/ingest),
//     transformed (internal/expr) and filtered (internal/query/filter), rolled
//     up per time chunk at queryGranularity, partitioned (dynamic, hashed,
//     single_dim, range), written as segment files (internal/segment), pushed
//     to deep storage and published in one metadata transaction that checks
//     the task's time-chunk locks;
//   - the queue (Service): tasks are persisted in the metadata store on
//     submit, wait for their time-chunk locks (WAITING), for a run slot
//     (PENDING), run (RUNNING) and end SUCCESS or FAILED; on start, tasks the
//     store still lists as active from a previous process are failed (if they
//     had started) or re-queued (if they were waiting);
//   - the HTTP surface: the overlord's /druid/indexer/v1 task endpoints
//     (OverlordRoutes) and the worker's /druid/worker/v1 endpoints including
//     the peon chat endpoints (WorkerRoutes).
//
// In one process the overlord and the middlemanager roles share one
// *Service: the queue hands tasks to its own in-process worker, which runs
// each task as a goroutine (like Druid's Indexer). docs/tasks.md documents
// the behaviour and the deviations from Druid.
//
// A *Service is safe for concurrent use.
package task
