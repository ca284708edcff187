package task

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest"
	"github.com/dryaddb/dryad/internal/metadata"
)

// DefaultKillPriority is Druid's default lock priority of kill tasks
// (Tasks.DEFAULT_MERGE_TASK_PRIORITY): an index task (50) revokes a kill
// task's lock, and the kill task then fails without deleting more rows.
const DefaultKillPriority = 25

// defaultKillBatchSize is Druid's default batchSize of a kill task.
const defaultKillBatchSize = 100

// KillSpec is a decoded kill task: Druid's
// {"type":"kill","id"?,"dataSource","interval","versions"?,"context"?,
// "batchSize"?,"limit"?}. It deletes the unused segments of DataSource whose
// interval lies within Interval (restricted to Versions when given, at most
// Limit of them when positive) from deep storage and then from the metadata
// store, BatchSize segments at a time.
type KillSpec struct {
	ID         string
	GroupID    string
	DataSource string
	Interval   base.Interval
	Versions   []string // nil means every version
	BatchSize  int
	Limit      int // 0 means no limit
	Context    json.RawMessage
}

// killState is what a running kill task counts for its report. Its fields
// are updated by the task goroutine and read by report requests.
type killState struct {
	spec    KillSpec
	killed  atomic.Int64
	batches atomic.Int64
}

// KillReport is a kill task's completion report (GET task/{id}/reports),
// shaped as Druid's: {"killUnusedSegments":{"type":…,"taskId":…,"payload":{…}}}.
type KillReport struct {
	KillUnusedSegments KillReportEntry `json:"killUnusedSegments"`
}

// KillReportEntry is the killUnusedSegments report.
type KillReportEntry struct {
	Type    string    `json:"type"` // "killUnusedSegments"
	TaskID  string    `json:"taskId"`
	Payload KillStats `json:"payload"`
}

// KillStats is the kill report's payload. NumSegmentsMarkedAsUnused is
// always null: dryad's kill task never marks segments unused (Druid's
// deprecated markAsUnused is rejected).
type KillStats struct {
	NumSegmentsKilled         int64  `json:"numSegmentsKilled"`
	NumBatchesProcessed       int64  `json:"numBatchesProcessed"`
	NumSegmentsMarkedAsUnused *int64 `json:"numSegmentsMarkedAsUnused"`
}

// isKill reports whether a submitted task body is a kill task.
func isKill(body []byte) bool { return taskType(body) == "kill" }

// DecodeKill decodes and validates a kill task. Bad fields are
// ClassInvalidInput errors naming the field; Druid features dryad does not
// have (markAsUnused, maxUsedStatusLastUpdatedTime) are ClassUnsupported.
func DecodeKill(body []byte) (KillSpec, error) {
	var raw struct {
		Type                         string          `json:"type"`
		ID                           string          `json:"id"`
		GroupID                      string          `json:"groupId"`
		DataSource                   *string         `json:"dataSource"`
		Interval                     *string         `json:"interval"`
		Versions                     []string        `json:"versions"`
		Context                      json.RawMessage `json:"context"`
		BatchSize                    *int            `json:"batchSize"`
		Limit                        *int            `json:"limit"`
		MarkAsUnused                 bool            `json:"markAsUnused"`
		MaxUsedStatusLastUpdatedTime *string         `json:"maxUsedStatusLastUpdatedTime"`
		Resource                     json.RawMessage `json:"resource"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return KillSpec{}, base.Errorf(base.ClassInvalidInput, "kill task: %w", err)
	}
	if raw.Type != "kill" {
		return KillSpec{}, base.Errorf(base.ClassInvalidInput, "kill task: type %q is not \"kill\"", raw.Type)
	}
	if raw.DataSource == nil || strings.TrimSpace(*raw.DataSource) == "" {
		return KillSpec{}, base.Errorf(base.ClassInvalidInput, "kill task: dataSource: required")
	}
	if raw.Interval == nil {
		return KillSpec{}, base.Errorf(base.ClassInvalidInput, "kill task: interval: required")
	}
	iv, err := base.ParseInterval(*raw.Interval, nil)
	if err != nil {
		return KillSpec{}, base.Errorf(base.ClassInvalidInput, "kill task: interval %q: %w", *raw.Interval, err)
	}
	if raw.MarkAsUnused {
		return KillSpec{}, base.Errorf(base.ClassUnsupported, "kill task: markAsUnused is not supported (deprecated in Druid); mark the segments unused through the coordinator first")
	}
	if raw.MaxUsedStatusLastUpdatedTime != nil {
		return KillSpec{}, base.Errorf(base.ClassUnsupported, "kill task: maxUsedStatusLastUpdatedTime is not supported: the metadata store does not record when a segment's used flag changed")
	}
	k := KillSpec{ID: raw.ID, GroupID: raw.GroupID, DataSource: *raw.DataSource, Interval: iv, Versions: raw.Versions,
		BatchSize: defaultKillBatchSize, Context: raw.Context}
	if raw.BatchSize != nil {
		if *raw.BatchSize <= 0 {
			return KillSpec{}, base.Errorf(base.ClassInvalidInput, "kill task: batchSize %d: must be positive", *raw.BatchSize)
		}
		k.BatchSize = *raw.BatchSize
	}
	if raw.Limit != nil {
		if *raw.Limit <= 0 {
			return KillSpec{}, base.Errorf(base.ClassInvalidInput, "kill task: limit %d: must be positive", *raw.Limit)
		}
		k.Limit = *raw.Limit
	}
	if raw.Versions != nil && len(raw.Versions) == 0 {
		return KillSpec{}, base.Errorf(base.ClassInvalidInput, "kill task: versions: must not be empty when given")
	}
	return k, nil
}

// killPriority reads context.priority (DefaultKillPriority when absent).
func killPriority(ctx json.RawMessage) int {
	var c struct {
		Priority *int `json:"priority"`
	}
	if len(ctx) > 0 && json.Unmarshal(ctx, &c) == nil && c.Priority != nil {
		return *c.Priority
	}
	return DefaultKillPriority
}

// killPayload is the stored payload of a kill task: the submitted JSON with
// Druid's top-level fields filled in.
func killPayload(body []byte, k KillSpec) (json.RawMessage, error) {
	m, err := newTaskPayload(body, "kill task", k.ID, k.GroupID, k.DataSource)
	if err != nil {
		return nil, err
	}
	m.set("interval", k.Interval)
	m.setDefault("batchSize", k.BatchSize)
	m.setDefault("context", map[string]any{})
	return m.encode("kill task")
}

// killTaskState is the queue entry of a kill task: it locks its whole
// interval (EXCLUSIVE) before it runs.
func killTaskState(st Status, k KillSpec, payload json.RawMessage) *taskState {
	return &taskState{status: st, kill: &killState{spec: k}, payload: payload,
		fixed: []base.Interval{k.Interval}, priority: killPriority(k.Context),
		prog: &progress{exceptions: ingest.NewParseExceptions(&ingest.TuningConfig{}, nil)}}
}

// submitKill is Submit for a kill task.
func (s *Service) submitKill(ctx context.Context, body []byte) (string, error) {
	k, err := DecodeKill(body)
	if err != nil {
		return "", err
	}
	now := s.nowMs()
	s.mu.Lock()
	if k.ID == "" {
		k.ID = NewID("kill", k.DataSource, now, s.rnd)
	}
	s.mu.Unlock()
	if k.GroupID == "" {
		k.GroupID = k.ID
	}
	payload, err := killPayload(body, k)
	if err != nil {
		return "", err
	}
	st := Status{ID: k.ID, GroupID: k.GroupID, Type: "kill", CreatedTime: now, QueueInsertionTime: now,
		StatusCode: StateRunning, RunnerStatusCode: RunnerWaiting, Duration: -1, Location: noLocation,
		DataSource: k.DataSource}
	if err := s.insertTask(ctx, st, payload); err != nil {
		return "", err
	}
	s.mu.Lock()
	s.enqueueLocked(killTaskState(st, k, payload))
	s.mu.Unlock()
	s.log.Info("task submitted", "task", k.ID, "dataSource", k.DataSource, "interval", k.Interval.String())
	return k.ID, nil
}

// insertTask checks the queue can take a task and stores it as active.
func (s *Service) insertTask(ctx context.Context, st Status, payload json.RawMessage) error {
	sb, err := json.Marshal(st)
	if err != nil {
		return base.Errorf(base.ClassInternal, "task %s status: %w", st.ID, err)
	}
	s.mu.Lock()
	stopped, n := s.stopped, len(s.active)
	s.mu.Unlock()
	if stopped {
		return base.Errorf(base.ClassUnavailable, "the task queue is stopped")
	}
	if s.cfg.QueueMaxSize > 0 && n >= s.cfg.QueueMaxSize {
		return base.Errorf(base.ClassUnavailable, "Too many tasks are in the queue (Limit = %d), (Current active tasks = %d). Retry later or increase druid.indexer.queue.maxSize", s.cfg.QueueMaxSize, n)
	}
	if err := s.store.InsertTask(ctx, metadata.TaskEntry{ID: st.ID, Type: st.Type, DataSource: st.DataSource, GroupID: st.GroupID,
		CreatedTime: st.CreatedTime, Payload: payload, Status: sb, Active: true}); err != nil {
		if base.ClassOf(err) == base.ClassConflict {
			return base.Errorf(base.ClassConflict, "Task[%s] already exists", st.ID)
		}
		return err
	}
	return nil
}

// runKill deletes the unused segments a kill task names, batch by batch:
// each batch's files are deleted from deep storage first (idempotent), then
// its rows from the metadata store in one transaction, keeping only the
// segments that are still unused at that moment. A deep-storage failure
// stops the task before the batch's rows are touched, so a retry finds and
// finishes them. The task's EXCLUSIVE lock on the interval is held
// throughout; if a higher-priority task revokes it the task fails before
// the next deletion.
func (s *Service) runKill(ctx context.Context, ts *taskState, log *slog.Logger) error {
	k := &ts.kill.spec
	ts.prog.state.Store("BUILD_SEGMENTS")
	var cands []base.DataSegment
	unused, err := s.store.UnusedSegments(ctx, k.DataSource, k.Interval, 0)
	if err != nil {
		return fmt.Errorf("kill task %s: unused segments of %s in %s: %w", k.ID, k.DataSource, k.Interval, err)
	}
	for _, seg := range unused {
		if k.Versions == nil || slices.Contains(k.Versions, seg.Version) {
			cands = append(cands, seg)
		}
	}
	if k.Limit > 0 && len(cands) > k.Limit {
		cands = cands[:k.Limit]
	}
	log.Info("killing unused segments", "dataSource", k.DataSource, "interval", k.Interval.String(), "segments", len(cands))
	for start := 0; start < len(cands); start += k.BatchSize {
		batch := cands[start:min(start+k.BatchSize, len(cands))]
		if err := s.checkLock(ts); err != nil {
			return err
		}
		// Re-check: only segments still unused are deleted.
		still, err := s.stillUnused(ctx, k, batch)
		if err != nil {
			return err
		}
		for _, seg := range still {
			if err := s.deep.Kill(ctx, seg.LoadSpec); err != nil {
				id := seg.ID()
				return fmt.Errorf("kill task %s: deleting segment %s from deep storage: %w", k.ID, id.String(), err)
			}
		}
		if err := s.checkLock(ts); err != nil {
			return err
		}
		still, err = s.stillUnused(ctx, k, still)
		if err != nil {
			return err
		}
		ids := make([]base.SegmentID, len(still))
		for i := range still {
			ids[i] = still[i].ID()
		}
		n, err := s.store.DeleteSegments(ctx, ids)
		if err != nil {
			return fmt.Errorf("kill task %s: deleting %d segment rows of %s: %w", k.ID, len(ids), k.DataSource, err)
		}
		ts.kill.killed.Add(int64(n))
		ts.kill.batches.Add(1)
		log.Info("killed a batch of unused segments", "segments", n)
	}
	return nil
}

// stillUnused returns the segments of batch that the metadata store still
// lists as unused within the task's interval.
func (s *Service) stillUnused(ctx context.Context, k *KillSpec, batch []base.DataSegment) ([]base.DataSegment, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	now, err := s.store.UnusedSegments(ctx, k.DataSource, k.Interval, 0)
	if err != nil {
		return nil, fmt.Errorf("kill task %s: re-reading unused segments of %s: %w", k.ID, k.DataSource, err)
	}
	ids := make(map[string]struct{}, len(now))
	for i := range now {
		ids[now[i].ID().String()] = struct{}{}
	}
	var out []base.DataSegment
	for _, seg := range batch {
		if _, ok := ids[seg.ID().String()]; ok {
			out = append(out, seg)
		}
	}
	return out, nil
}

// checkLock fails when the task's lock has been revoked.
func (s *Service) checkLock(ts *taskState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.locks.revoked(ts.status.ID); h != nil {
		return base.Errorf(base.ClassConflict, "task %s's lock on %s was revoked by a higher-priority task", ts.status.ID, h.Interval)
	}
	return nil
}

// reportJSON is a task's report: the kill report for kill tasks, the
// ingestion report otherwise.
func reportJSON(ts *taskState, st Status) ([]byte, error) {
	if ts.kill == nil {
		return json.Marshal(reportOf(ts, st))
	}
	return json.Marshal(KillReport{KillUnusedSegments: KillReportEntry{Type: "killUnusedSegments", TaskID: st.ID,
		Payload: KillStats{NumSegmentsKilled: ts.kill.killed.Load(), NumBatchesProcessed: ts.kill.batches.Load()}}})
}
