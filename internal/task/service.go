package task

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/ingest"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/query/dimension"
)

// Druid's error messages for tasks that end without running to completion.
const (
	// ShutdownMsg is the errorMsg of a task shut down through the API
	// (Druid's text).
	ShutdownMsg = "Shutdown request from user"
	// RestartMsg is the errorMsg of a task that was running or pending when
	// the previous process stopped.
	RestartMsg = "task was running when the overlord restarted; its results were discarded"
)

// DefaultBatchPriority is Druid's default lock priority of batch index
// tasks.
const DefaultBatchPriority = 50

// Config configures a Service.
type Config struct {
	// TaskDir holds one working directory per running task
	// (druid.indexer.task.baseTaskDir).
	TaskDir string
	// LogDir keeps every task's log, report and published-segment list
	// (druid.indexer.logs.directory); empty means TaskDir/logs.
	LogDir string
	// Capacity is the number of tasks that run at once
	// (druid.worker.capacity); 0 means max(1, GOMAXPROCS-1).
	Capacity int
	// Host and Port are the location reported for running tasks, and
	// HostPort keys the worker endpoints' answers.
	Host string
	Port int
	// Category is the worker category (druid.worker.category).
	Category string
	// QueueMaxSize caps the number of active tasks
	// (druid.indexer.queue.maxSize); 0 means no limit.
	QueueMaxSize int
	// Version is the worker version reported by /workers.
	Version string
	// Decode configures spec decoding (input source settings).
	Decode ingest.DecodeOptions
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// OnPublish, when set, is called after a task has published segments of
	// dataSource, so that the coordinator can load them at once instead of
	// at its next period. It must not block.
	OnPublish func(dataSource string)
	// Lookups resolves the query-time lookups that index tasks' transform
	// expressions (lookup()), transformSpec filters and druid input source
	// filters (registeredLookup, lookup() in expression filters) name: the
	// node's lookup registry. Each task resolves them once, when it is
	// submitted (an unknown name is 400) and again when it starts, and
	// keeps that snapshot for its run. nil knows no lookups. Metrics
	// (metricsSpec) never resolve lookups: their specs are stored with the
	// segments and re-read without them.
	Lookups dimension.LookupFunc
}

// taskState is an active task as the queue tracks it.
type taskState struct {
	status Status
	task   *ingest.Task
	kill   *killState // set (and task nil) for a kill task
	// compact is set (and task nil) for a compaction task.
	compact *ingest.CompactionTask
	payload json.RawMessage
	// fixed are the time chunks locked before the task runs (from
	// granularitySpec.intervals); nil when the task locks what its data hits.
	fixed    []base.Interval
	priority int
	prog     *progress
	cancel   context.CancelFunc
	shutdown bool
	done     chan struct{}
}

// Service is the task queue, lock box and in-process worker. It is safe
// for concurrent use; Start and Stop are called once each.
type Service struct {
	cfg   Config
	store *metadata.Store
	deep  deepstorage.Storage
	log   *slog.Logger
	now   func() time.Time

	mu            sync.Mutex
	active        map[string]*taskState
	order         []string // active task ids in submission order
	locks         lockbox
	running       int
	disabled      bool
	changed       chan struct{} // closed and replaced whenever locks or slots free up
	rnd           *rand.Rand
	lastCompleted int64
	stopped       bool
	wg            sync.WaitGroup
	baseCtx       context.Context
	stopAll       context.CancelFunc
}

// New returns a Service that has not started. store and deep are owned by
// the caller; log may be nil.
func New(cfg Config, store *metadata.Store, deep deepstorage.Storage, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = max(1, runtime.GOMAXPROCS(0)-1)
	}
	if cfg.Category == "" {
		cfg.Category = "_default_worker_category"
	}
	now := cfg.Clock
	if now == nil {
		now = time.Now
	}
	return &Service{cfg: cfg, store: store, deep: deep, log: log.With(slog.String("component", "tasks")), now: now,
		active: map[string]*taskState{}, changed: make(chan struct{}),
		rnd: rand.New(rand.NewPCG(uint64(now().UnixNano()), 0x5eed))}
}

func (s *Service) nowMs() int64 { return s.now().UnixMilli() }

// Start recovers the tasks a previous process left active: those that had
// started (RUNNING or PENDING) are failed with RestartMsg and their pushed
// but unpublished files deleted; WAITING ones are queued again.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	s.baseCtx, s.stopAll = context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Unlock()
	if err := os.MkdirAll(s.cfg.TaskDir, 0o755); err != nil {
		return base.Errorf(base.ClassUnavailable, "task directory %s: %w", s.cfg.TaskDir, err)
	}
	yes := true
	entries, err := s.store.ListTasks(ctx, metadata.TaskFilter{Active: &yes})
	if err != nil {
		return fmt.Errorf("listing active tasks: %w", err)
	}
	for _, e := range entries {
		var st Status
		if err := json.Unmarshal(e.Status, &st); err != nil {
			st = Status{ID: e.ID, GroupID: e.GroupID, Type: e.Type, DataSource: e.DataSource, CreatedTime: e.CreatedTime}
		}
		if st.RunnerStatusCode == RunnerWaiting && e.Type == "kill" {
			k, err := DecodeKill(e.Payload)
			if err == nil {
				s.mu.Lock()
				s.enqueueLocked(killTaskState(st, k, e.Payload))
				s.mu.Unlock()
				s.log.Info("re-queued waiting task", "task", e.ID)
				continue
			}
			st.ErrorMsg = fmt.Sprintf("task payload no longer decodes: %v", err)
		} else if st.RunnerStatusCode == RunnerWaiting && e.Type == compactionTaskType {
			c, err := ingest.DecodeCompactionTask(e.Payload)
			if err == nil {
				s.mu.Lock()
				s.enqueueLocked(compactionTaskState(st, c, e.Payload))
				s.mu.Unlock()
				s.log.Info("re-queued waiting task", "task", e.ID)
				continue
			}
			st.ErrorMsg = fmt.Sprintf("task payload no longer decodes: %v", err)
		} else if st.RunnerStatusCode == RunnerWaiting {
			t, err := ingest.DecodeTask(e.Payload, s.cfg.Decode)
			if err == nil {
				s.mu.Lock()
				s.enqueueLocked(&taskState{status: st, task: t, payload: e.Payload, fixed: fixedChunks(t), priority: priorityOf(t), prog: newProgress(t)})
				s.mu.Unlock()
				s.log.Info("re-queued waiting task", "task", e.ID)
				continue
			}
			st.ErrorMsg = fmt.Sprintf("task payload no longer decodes: %v", err)
		} else {
			st.ErrorMsg = RestartMsg
		}
		s.cleanPushed(ctx, e.ID)
		if locks, err := s.store.Locks(ctx, e.ID); err == nil {
			for _, l := range locks {
				_ = s.store.RemoveLock(ctx, l.ID)
			}
		}
		st.StatusCode, st.RunnerStatusCode, st.Location = StateFailed, RunnerNone, noLocation
		st.Duration = max(0, s.nowMs()-st.CreatedTime)
		if err := s.persist(ctx, st); err != nil {
			return err
		}
		s.log.Warn("failed task left active by the previous process", "task", e.ID)
	}
	s.wg.Add(1)
	go s.loop()
	return nil
}

// Stop shuts every active task down (running ones are cancelled and end
// FAILED) and waits for them.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.stopped || s.stopAll == nil {
		s.stopped = true
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	s.stopAll()
	s.signalLocked()
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cleanPushed deletes files a task pushed to deep storage without
// publishing them (recorded in its push manifest).
func (s *Service) cleanPushed(ctx context.Context, id string) {
	b, err := os.ReadFile(filepath.Join(s.taskDir(id), "pushed.json"))
	if err != nil {
		return
	}
	var pushed []json.RawMessage
	if json.Unmarshal(b, &pushed) != nil {
		return
	}
	for _, ls := range pushed {
		if err := s.deep.Kill(ctx, ls); err != nil {
			s.log.Warn("deleting unpublished segment", "task", id, "error", err)
		}
	}
	_ = os.Remove(filepath.Join(s.taskDir(id), "pushed.json"))
}

func (s *Service) taskDir(id string) string {
	return filepath.Join(s.cfg.TaskDir, safeName(id))
}

// safeName maps a task id to a directory name (':' is kept; '/' and NUL
// cannot appear in one).
func safeName(id string) string {
	b := []byte(id)
	for i, c := range b {
		if c == '/' || c == 0 || c == '\\' {
			b[i] = '_'
		}
	}
	return string(b)
}

func newProgress(t *ingest.Task) *progress {
	return &progress{exceptions: ingest.NewParseExceptions(&t.Spec.TuningConfig, nil)}
}

func fixedChunks(t *ingest.Task) []base.Interval {
	gs := &t.Spec.DataSchema.GranularitySpec
	if gs.Intervals == nil {
		return nil
	}
	var out []base.Interval
	for _, iv := range gs.BucketIntervals() {
		for st := iv.Start; st < iv.End; {
			b := gs.SegmentGranularity.Bucket(st)
			out = append(out, b)
			st = b.End
		}
	}
	return out
}

// priorityOf reads context.priority (Druid's default for batch is 50).
func priorityOf(t *ingest.Task) int {
	var c struct {
		Priority *int `json:"priority"`
	}
	if len(t.Context) > 0 && json.Unmarshal(t.Context, &c) == nil && c.Priority != nil {
		return *c.Priority
	}
	return DefaultBatchPriority
}

// Submit decodes and validates a task, stores it and queues it. It returns
// the task id. Bad specs are ClassInvalidInput errors naming the field.
// druidOnlyTaskTypes are Druid task types dryad does not run yet; submitting
// one is a 501 naming it rather than a 400 for an unknown type.
var druidOnlyTaskTypes = map[string]bool{
	"index_kafka": true, "index_kinesis": true, "index_hadoop": true,
	"query_controller": true, "query_worker": true, "noop": true, "archive": true, "move": true, "restore": true,
	"index_realtime": true, "index_realtime_appenderator": true,
}

// taskType reads a task body's "type" field ("" when the body is not a JSON
// object with a string type; the decoders then report the problem).
func taskType(body []byte) string {
	var h struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(body, &h) != nil {
		return ""
	}
	return h.Type
}

func (s *Service) Submit(ctx context.Context, body []byte) (string, error) {
	switch typ := taskType(body); {
	case typ == "kill":
		return s.submitKill(ctx, body)
	case typ == compactionTaskType:
		return s.submitCompact(ctx, body)
	case druidOnlyTaskTypes[typ]:
		return "", base.Errorf(base.ClassUnsupported, "type: %q tasks are not supported by dryad yet; supported task types: index, index_parallel, compact, kill", typ)
	case typ != "" && typ != "index" && typ != "index_parallel":
		return "", base.Errorf(base.ClassInvalidInput, "type: unknown task type %q; supported task types: index, index_parallel, compact, kill", typ)
	}
	t, err := ingest.DecodeTask(body, s.cfg.Decode)
	if err != nil {
		return "", err
	}
	if _, err := prepare(&t.Spec, s.cfg.Lookups); err != nil {
		return "", err
	}
	now := s.nowMs()
	s.mu.Lock()
	if t.ID == "" {
		t.ID = NewID(t.Type, t.Spec.DataSchema.DataSource, now, s.rnd)
	}
	s.mu.Unlock()
	if t.GroupID == "" {
		t.GroupID = t.ID
	}
	payload, err := payloadOf(body, t)
	if err != nil {
		return "", err
	}
	st := Status{ID: t.ID, GroupID: t.GroupID, Type: t.Type, CreatedTime: now, QueueInsertionTime: now,
		StatusCode: StateRunning, RunnerStatusCode: RunnerWaiting, Duration: -1, Location: noLocation,
		DataSource: t.Spec.DataSchema.DataSource}
	sb, err := json.Marshal(st)
	if err != nil {
		return "", base.Errorf(base.ClassInternal, "task %s status: %w", t.ID, err)
	}
	s.mu.Lock()
	stopped, n := s.stopped, len(s.active)
	s.mu.Unlock()
	if stopped {
		return "", base.Errorf(base.ClassUnavailable, "the task queue is stopped")
	}
	if s.cfg.QueueMaxSize > 0 && n >= s.cfg.QueueMaxSize {
		return "", base.Errorf(base.ClassUnavailable, "Too many tasks are in the queue (Limit = %d), (Current active tasks = %d). Retry later or increase druid.indexer.queue.maxSize", s.cfg.QueueMaxSize, n)
	}
	if err := s.store.InsertTask(ctx, metadata.TaskEntry{ID: t.ID, Type: t.Type, DataSource: st.DataSource, GroupID: t.GroupID,
		CreatedTime: now, Payload: payload, Status: sb, Active: true}); err != nil {
		if base.ClassOf(err) == base.ClassConflict {
			return "", base.Errorf(base.ClassConflict, "Task[%s] already exists", t.ID)
		}
		return "", err
	}
	s.mu.Lock()
	s.enqueueLocked(&taskState{status: st, task: t, payload: payload, fixed: fixedChunks(t), priority: priorityOf(t), prog: newProgress(t)})
	s.mu.Unlock()
	s.log.Info("task submitted", "task", t.ID, "dataSource", st.DataSource)
	return t.ID, nil
}

// payloadOf is the stored task payload: the submitted JSON with Druid's
// top-level fields filled in (id, groupId, resource, dataSource, context).
func payloadOf(body []byte, t *ingest.Task) (json.RawMessage, error) {
	m, err := newTaskPayload(body, "task", t.ID, t.GroupID, t.Spec.DataSchema.DataSource)
	if err != nil {
		return nil, err
	}
	ctx := map[string]any{}
	if len(t.Context) > 0 {
		_ = json.Unmarshal(t.Context, &ctx)
	}
	if _, ok := ctx["forceTimeChunkLock"]; !ok {
		ctx["forceTimeChunkLock"] = true
	}
	if _, ok := ctx["useLineageBasedSegmentAllocation"]; !ok {
		ctx["useLineageBasedSegmentAllocation"] = true
	}
	m.set("context", ctx)
	if sp, ok := m["spec"]; ok {
		m["spec"] = fillDefaults(sp, t)
	}
	return m.encode("task")
}

func (s *Service) enqueueLocked(ts *taskState) {
	ts.done = make(chan struct{})
	s.active[ts.status.ID] = ts
	s.order = append(s.order, ts.status.ID)
	s.signalLocked()
}

// signalLocked wakes the scheduler and every task waiting for a lock.
func (s *Service) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// loop schedules: WAITING tasks whose fixed locks are free move to
// PENDING, PENDING tasks start while the worker has free slots.
func (s *Service) loop() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			return
		}
		s.scheduleLocked()
		ch := s.changed
		s.mu.Unlock()
		<-ch
	}
}

func (s *Service) scheduleLocked() {
	for _, id := range s.order {
		ts := s.active[id]
		if ts.status.RunnerStatusCode != RunnerWaiting {
			continue
		}
		if ts.fixed != nil {
			if _, ok := s.tryLockLocked(ts, ts.fixed, false); !ok {
				continue
			}
		}
		ts.status.RunnerStatusCode = RunnerPending
		s.persistLogged(ts.status)
	}
	for _, id := range s.order {
		if s.disabled || s.running >= s.cfg.Capacity {
			return
		}
		ts := s.active[id]
		if ts.status.RunnerStatusCode != RunnerPending {
			continue
		}
		s.running++
		host := s.cfg.Host
		ts.status.RunnerStatusCode = RunnerRunning
		ts.status.Location = Location{Host: &host, Port: s.cfg.Port, TLSPort: -1}
		ts.prog.started = s.now()
		ctx, cancel := context.WithCancel(s.baseCtx)
		ts.cancel = cancel
		s.persistLogged(ts.status)
		s.wg.Add(1)
		go s.run(ctx, ts)
	}
}

// tryLockLocked grants ts locks on every chunk, or none if any conflicts.
// With steal (a running task locking the chunks its data hit), locks held
// by tasks that have not started (PENDING) are taken back and those tasks
// return to WAITING: otherwise a pending task holding locks could wait for
// the run slot of a running task that waits for those locks.
func (s *Service) tryLockLocked(ts *taskState, chunks []base.Interval, steal bool) ([]Lock, bool) {
	ds := ts.status.DataSource
	var victims []string
	var revoke []int // indexes into s.locks.held
	for _, c := range chunks {
		for i, h := range s.locks.held {
			if h.Revoked || h.DataSource != ds || h.GroupID == ts.status.GroupID || !h.Interval.Overlaps(c) {
				continue
			}
			other := s.active[h.taskID]
			switch {
			case other != nil && h.Priority < ts.priority && other.prog.ingestionState() != "PUBLISHING":
				// Druid's preemption: a higher priority revokes a lower
				// one's lock unless its holder is publishing; the holder
				// then fails its publish (the lock check rejects it).
				if !slices.Contains(revoke, i) {
					revoke = append(revoke, i)
				}
			case steal && other != nil && other.status.RunnerStatusCode == RunnerPending:
				if !slices.Contains(victims, h.taskID) {
					victims = append(victims, h.taskID)
				}
			default:
				return nil, false
			}
		}
	}
	for _, i := range revoke {
		h := &s.locks.held[i]
		h.Revoked = true
		b, _ := json.Marshal(h.Lock)
		if err := s.store.ReplaceLock(context.Background(), h.rowID, b); err != nil {
			s.log.Warn("revoking task lock", "task", h.taskID, "error", err)
			h.Revoked = false
			return nil, false
		}
		s.log.Info("revoked a lower-priority lock", "task", h.taskID, "interval", h.Interval.String(), "for", ts.status.ID)
	}
	for _, id := range victims {
		for _, h := range s.locks.release(id) {
			_ = s.store.RemoveLock(context.Background(), h.rowID)
		}
		v := s.active[id]
		v.status.RunnerStatusCode = RunnerWaiting
		s.persistLogged(v.status)
		s.log.Info("took back the locks of a task that had not started", "task", id, "for", ts.status.ID)
	}
	var out []Lock
	for _, c := range base.CondenseIntervals(slices.Clone(chunks)) {
		if h := s.locks.covering(ds, ts.status.GroupID, c); h != nil {
			out = append(out, h.Lock)
			continue
		}
		l := Lock{Granularity: "timeChunk", Type: "EXCLUSIVE", GroupID: ts.status.GroupID, DataSource: ds,
			Interval: c, Version: s.locks.nextVersion(s.nowMs()), Priority: ts.priority}
		b, _ := json.Marshal(l)
		id, err := s.store.AddLock(context.Background(), ts.status.ID, b)
		if err != nil {
			s.log.Warn("storing task lock", "task", ts.status.ID, "error", err)
			for _, h := range s.locks.release(ts.status.ID) {
				_ = s.store.RemoveLock(context.Background(), h.rowID)
			}
			return nil, false
		}
		s.locks.held = append(s.locks.held, heldLock{Lock: l, taskID: ts.status.ID, rowID: id})
		out = append(out, l)
	}
	return out, true
}

// locker returns the Locker a running task uses for the chunks its data
// hit: it waits while other tasks hold overlapping locks.
func (s *Service) locker(ts *taskState) Locker {
	return func(ctx context.Context, chunks []base.Interval) ([]Lock, error) {
		for {
			s.mu.Lock()
			if h := s.locks.revoked(ts.status.ID); h != nil {
				s.mu.Unlock()
				return nil, base.Errorf(base.ClassConflict, "task %s's lock on %s was revoked by a higher-priority task", ts.status.ID, h.Interval)
			}
			locks, ok := s.tryLockLocked(ts, chunks, true)
			ch := s.changed
			s.mu.Unlock()
			if ok {
				return locks, nil
			}
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
}

// persistLogged stores a status change, logging a failure: while the task
// is active the in-memory state is authoritative. Writes are inline (under
// the queue's mutex) so the store sees changes in order.
func (s *Service) persistLogged(st Status) {
	if err := s.persist(context.Background(), st); err != nil {
		s.log.Warn("storing task status", "task", st.ID, "error", err)
	}
}

func (s *Service) persist(ctx context.Context, st Status) error {
	b, err := json.Marshal(st)
	if err != nil {
		return base.Errorf(base.ClassInternal, "task %s status: %w", st.ID, err)
	}
	return s.store.UpdateTaskStatus(ctx, st.ID, b, st.Active())
}

// run executes one task on the worker and completes it.
func (s *Service) run(ctx context.Context, ts *taskState) {
	defer s.wg.Done()
	id := ts.status.ID
	dir := s.taskDir(id)
	var runErr error
	var res result
	logFile, lerr := s.openTaskLog(id)
	tlog := s.log.With(slog.String("task", id))
	if lerr == nil {
		tlog = slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo})).With(slog.String("task", id))
	} else {
		runErr = lerr
	}
	if runErr == nil {
		tlog.Info("running task", "type", ts.status.Type, "dataSource", ts.status.DataSource)
		env := &engineEnv{taskID: id, store: s.store, deep: s.deep, workDir: filepath.Join(dir, "work"),
			manifest: filepath.Join(dir, "pushed.json"), log: tlog,
			lock: s.locker(ts), prog: ts.prog, now: s.now, lookups: s.cfg.Lookups}
		switch {
		case ts.kill != nil:
			runErr = s.runKill(ctx, ts, tlog)
		case ts.compact != nil:
			res, runErr = runCompact(ctx, env, ts.compact)
		default:
			res, runErr = runIndex(ctx, env, ts.task)
		}
		_ = os.RemoveAll(dir)
	}
	s.mu.Lock()
	shutdown := ts.shutdown
	s.mu.Unlock()
	st := ts.status
	st.StatusCode, st.RunnerStatusCode = StateSuccess, RunnerNone
	switch {
	case shutdown:
		st.StatusCode, st.ErrorMsg = StateFailed, ShutdownMsg
	case runErr != nil && errors.Is(runErr, context.Canceled):
		st.StatusCode, st.ErrorMsg = StateFailed, "task was stopped because its process is shutting down"
	case runErr != nil:
		st.StatusCode, st.ErrorMsg = StateFailed, runErr.Error()
	}
	st.Duration = max(0, s.nowMs()-ts.prog.started.UnixMilli())
	ts.prog.state.Store("COMPLETED")
	if st.StatusCode == StateSuccess {
		tlog.Info("task completed", "status", st.StatusCode, "segments", len(res.segments), "durationMs", st.Duration)
	} else {
		tlog.Error("task failed", "error", st.ErrorMsg, "durationMs", st.Duration)
	}
	s.writeReport(ts, st)
	if st.StatusCode == StateSuccess && len(res.segments) > 0 && s.cfg.OnPublish != nil {
		s.cfg.OnPublish(ts.status.DataSource)
	}
	if len(res.segments) > 0 {
		if b, err := json.Marshal(res.segments); err == nil {
			_ = os.WriteFile(s.logFile(id, ".segments.json"), b, 0o644)
		}
	}
	if logFile != nil {
		_ = logFile.Close()
	}
	// Status first, then locks: a task whose locks are gone is complete.
	if err := s.persist(context.WithoutCancel(ctx), st); err != nil {
		s.log.Warn("storing final task status", "task", id, "error", err)
	}
	s.finish(ts, st)
}

// finish removes a completed task from the queue and frees its slot and
// locks.
func (s *Service) finish(ts *taskState, st Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := st.ID
	for _, h := range s.locks.release(id) {
		if err := s.store.RemoveLock(context.Background(), h.rowID); err != nil {
			s.log.Warn("removing task lock", "task", id, "error", err)
		}
	}
	if ts.status.RunnerStatusCode == RunnerRunning {
		s.running--
		s.lastCompleted = s.nowMs()
	}
	ts.status = st
	delete(s.active, id)
	s.order = slices.DeleteFunc(s.order, func(x string) bool { return x == id })
	close(ts.done)
	s.signalLocked()
}

// Shutdown stops a task: a waiting or pending task fails at once, a
// running one is cancelled and fails when it has stopped. Neither publishes
// anything. An unknown or complete task is a ClassNotFound error.
func (s *Service) Shutdown(ctx context.Context, id string) error {
	s.mu.Lock()
	ts := s.active[id]
	if ts == nil {
		s.mu.Unlock()
		return base.Errorf(base.ClassNotFound, "Cannot find any active task with id: [%s]", id)
	}
	ts.shutdown = true
	if ts.status.RunnerStatusCode == RunnerRunning {
		ts.cancel()
		s.mu.Unlock()
		return nil
	}
	st := ts.status
	s.mu.Unlock()
	st.StatusCode, st.RunnerStatusCode, st.ErrorMsg = StateFailed, RunnerNone, ShutdownMsg
	st.Duration = max(0, s.nowMs()-st.CreatedTime)
	if err := s.persist(ctx, st); err != nil {
		return err
	}
	s.writeReport(ts, st)
	s.finish(ts, st)
	return nil
}

// ShutdownAll shuts every active task of dataSource down and reports how
// many there were.
func (s *Service) ShutdownAll(ctx context.Context, dataSource string) (int, error) {
	s.mu.Lock()
	var ids []string
	for _, id := range s.order {
		if s.active[id].status.DataSource == dataSource {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	n := 0
	for _, id := range ids {
		if err := s.Shutdown(ctx, id); err == nil {
			n++
		} else if base.ClassOf(err) != base.ClassNotFound {
			return n, err
		}
	}
	return n, nil
}

// Wait blocks until task id completes (or ctx ends) and returns its status.
func (s *Service) Wait(ctx context.Context, id string) (Status, error) {
	s.mu.Lock()
	ts := s.active[id]
	s.mu.Unlock()
	if ts != nil {
		select {
		case <-ts.done:
		case <-ctx.Done():
			return Status{}, ctx.Err()
		}
	}
	return s.Status(ctx, id)
}

// Status returns a task's current status.
func (s *Service) Status(ctx context.Context, id string) (Status, error) {
	s.mu.Lock()
	if ts := s.active[id]; ts != nil {
		st := ts.status
		s.mu.Unlock()
		return st, nil
	}
	s.mu.Unlock()
	e, err := s.store.Task(ctx, id)
	if err != nil {
		if base.ClassOf(err) == base.ClassNotFound {
			return Status{}, base.Errorf(base.ClassNotFound, "Cannot find any task with id: [%s]", id)
		}
		return Status{}, err
	}
	var st Status
	if err := json.Unmarshal(e.Status, &st); err != nil {
		return Status{}, err
	}
	return st, nil
}

// SetEnabled enables or disables the worker: a disabled worker starts no
// new tasks and finishes the running ones.
func (s *Service) SetEnabled(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.disabled == on {
		if on {
			s.log.Info("worker enabled")
		} else {
			s.log.Info("worker disabled: no new tasks will be started; running tasks finish")
		}
	}
	s.disabled = !on
	s.signalLocked()
}

// Enabled reports whether the worker takes new tasks.
func (s *Service) Enabled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.disabled
}
