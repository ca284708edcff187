package task

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
)

// workerConfigKey is the metadata config entry of the overlord's dynamic
// worker configuration (Druid's "worker.config").
const workerConfigKey = "worker.config"

// defaultWorkerConfig is what GET /druid/indexer/v1/worker answers before
// any configuration was posted: Druid's DefaultWorkerBehaviorConfig.
const defaultWorkerConfig = `{"type":"default","selectStrategy":{"type":"equalDistribution"},"autoScaler":null}`

// maxSpecBytes bounds a submitted task body.
const maxSpecBytes = 16 << 20

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// ServeHTTP answers a returned error with Druid's error body.
func (h handlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		httpapi.WriteError(w, r, err)
	}
}

// OverlordRoutes is the overlord's task API under /druid/indexer/v1:
// every endpoint of Druid's tasks-api.md plus the worker configuration,
// /workers and /scaling.
func (s *Service) OverlordRoutes() []httpapi.Route {
	const v1 = "/druid/indexer/v1"
	r := func(method, pattern string, h handlerFunc) httpapi.Route {
		return httpapi.Route{Method: method, Pattern: v1 + pattern, Handler: h}
	}
	list := func(state string) handlerFunc {
		return func(w http.ResponseWriter, req *http.Request) error { return s.handleList(w, req, state) }
	}
	return []httpapi.Route{
		r("GET", "/tasks", list("")),
		r("GET", "/completeTasks", list("complete")),
		r("GET", "/runningTasks", list("running")),
		r("GET", "/waitingTasks", list("waiting")),
		r("GET", "/pendingTasks", list("pending")),
		r("POST", "/task", s.handleSubmit),
		r("GET", "/task/{taskId}", s.handlePayload),
		r("GET", "/task/{taskId}/status", s.handleStatus),
		r("GET", "/task/{taskId}/segments", s.handleSegments),
		r("GET", "/task/{taskId}/log", s.handleLog),
		r("GET", "/task/{taskId}/reports", s.handleReports),
		r("POST", "/task/{taskId}/shutdown", s.handleShutdown),
		r("POST", "/datasources/{dataSource}/shutdownAllTasks", s.handleShutdownAll),
		r("POST", "/taskStatus", s.handleBulkStatus),
		r("DELETE", "/pendingSegments/{dataSource}", s.handleDeletePending),
		r("GET", "/worker", s.handleGetWorkerConfig),
		r("POST", "/worker", s.handleSetWorkerConfig),
		r("GET", "/worker/history", s.handleWorkerHistory),
		r("GET", "/workers", s.handleWorkers),
		r("GET", "/scaling", func(w http.ResponseWriter, req *http.Request) error {
			// No autoscaler: Druid answers the empty scaling event list.
			httpapi.WriteJSON(w, req, http.StatusOK, []any{})
			return nil
		}),
	}
}

// WorkerRoutes is the worker's API under /druid/worker/v1 (enable,
// disable, running tasks, task logs and shutdown) and the peon chat
// endpoints of running tasks. hostPort keys the enable/disable answers.
func (s *Service) WorkerRoutes(hostPort string) []httpapi.Route {
	const v1 = "/druid/worker/v1"
	r := func(method, pattern string, h handlerFunc) httpapi.Route {
		return httpapi.Route{Method: method, Pattern: v1 + pattern, Handler: h}
	}
	return []httpapi.Route{
		r("GET", "/enabled", func(w http.ResponseWriter, req *http.Request) error {
			httpapi.WriteJSON(w, req, http.StatusOK, map[string]bool{hostPort: s.Enabled()})
			return nil
		}),
		r("POST", "/disable", func(w http.ResponseWriter, req *http.Request) error {
			s.SetEnabled(false)
			httpapi.WriteJSON(w, req, http.StatusOK, map[string]string{hostPort: "disabled"})
			return nil
		}),
		r("POST", "/enable", func(w http.ResponseWriter, req *http.Request) error {
			s.SetEnabled(true)
			httpapi.WriteJSON(w, req, http.StatusOK, map[string]string{hostPort: "enabled"})
			return nil
		}),
		r("GET", "/tasks", func(w http.ResponseWriter, req *http.Request) error {
			httpapi.WriteJSON(w, req, http.StatusOK, s.runningIDs())
			return nil
		}),
		r("GET", "/task/{taskId}/log", s.handleLog),
		r("POST", "/task/{taskId}/shutdown", s.handleShutdown),
		r("GET", "/chat/{taskId}/rowStats", s.handleRowStats),
		r("GET", "/chat/{taskId}/unparseableEvents", s.handleUnparseable),
	}
}

func (s *Service) runningIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, id := range s.order {
		if s.active[id].status.RunnerStatusCode == RunnerRunning {
			out = append(out, id)
		}
	}
	return out
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request, state string) error {
	q := r.URL.Query()
	if state == "" {
		state = q.Get("state")
	}
	state = strings.ToLower(state)
	switch state {
	case "", "running", "complete", "waiting", "pending":
	default:
		return base.Errorf(base.ClassInvalidInput, "Invalid task state[%s]: valid values are [running, complete, waiting, pending]", q.Get("state"))
	}
	f := metadata.TaskFilter{DataSource: q.Get("datasource"), Type: q.Get("type"), WithoutPayload: true}
	if v := q.Get("createdTimeInterval"); v != "" {
		iv, err := base.ParseIntervalURL(v)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "Invalid createdTimeInterval[%s]: %w", v, err)
		}
		f.Created = &iv
	}
	maxN := 0
	if v := q.Get("max"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return base.Errorf(base.ClassInvalidInput, "Invalid max[%s]: must be a non-negative integer", v)
		}
		maxN = n
	}
	var out []Status
	if state != "complete" {
		// Active tasks come from the queue, in submission order.
		s.mu.Lock()
		for _, id := range s.order {
			st := s.active[id].status
			if f.DataSource != "" && st.DataSource != f.DataSource || f.Type != "" && st.Type != f.Type {
				continue
			}
			if f.Created != nil && !(f.Created.Start <= st.CreatedTime && st.CreatedTime < f.Created.End) {
				continue
			}
			if state != "" && !strings.EqualFold(string(st.RunnerStatusCode), state) {
				continue
			}
			out = append(out, st)
		}
		s.mu.Unlock()
	}
	if state == "" || state == "complete" {
		no := false
		f.Active = &no
		if state == "complete" {
			f.Max = maxN
		}
		entries, err := s.store.ListTasks(r.Context(), f)
		if err != nil {
			return err
		}
		for _, e := range entries {
			var st Status
			if err := json.Unmarshal(e.Status, &st); err != nil {
				return base.Errorf(base.ClassInternal, "task %s status: %w", e.ID, err)
			}
			out = append(out, st)
		}
	}
	if out == nil {
		out = []Status{}
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
	return nil
}

func (s *Service) handleSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := httpapi.CheckJSONMediaType(r); err != nil {
		return err
	}
	var raw json.RawMessage
	r.Body = http.MaxBytesReader(w, r.Body, maxSpecBytes)
	if err := httpapi.DecodeJSON(r, &raw); err != nil {
		return err
	}
	id, err := s.Submit(r.Context(), raw)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, r, http.StatusOK, map[string]string{"task": id})
	return nil
}

func (s *Service) handlePayload(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	e, err := s.store.Task(r.Context(), id)
	if err != nil {
		if base.ClassOf(err) == base.ClassNotFound {
			return base.Errorf(base.ClassNotFound, "Cannot find any task with id: [%s]", id)
		}
		return err
	}
	httpapi.WriteJSON(w, r, http.StatusOK, map[string]any{"task": id, "payload": json.RawMessage(e.Payload)})
	return nil
}

func (s *Service) handleStatus(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	st, err := s.Status(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, r, http.StatusOK, map[string]any{"task": id, "status": st})
	return nil
}

// handleSegments answers Druid's deprecated task/{id}/segments: the
// segments the task published (an empty list while it runs or when it
// published nothing).
func (s *Service) handleSegments(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	if _, err := s.Status(r.Context(), id); err != nil {
		return err
	}
	b, err := os.ReadFile(s.logFile(id, ".segments.json"))
	if err != nil {
		httpapi.WriteJSON(w, r, http.StatusOK, []any{})
		return nil
	}
	httpapi.WriteJSON(w, r, http.StatusOK, json.RawMessage(b))
	return nil
}

func (s *Service) handleLog(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	var off int64
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "Invalid offset[%s]: must be an integer", v)
		}
		off = n
	}
	b, err := s.Log(id, off)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
}

func (s *Service) handleReports(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Report(r.PathValue("taskId"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, r, http.StatusOK, json.RawMessage(b))
	return nil
}

func (s *Service) handleShutdown(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	if err := s.Shutdown(r.Context(), id); err != nil {
		return err
	}
	httpapi.WriteJSON(w, r, http.StatusOK, map[string]string{"task": id})
	return nil
}

func (s *Service) handleShutdownAll(w http.ResponseWriter, r *http.Request) error {
	ds := r.PathValue("dataSource")
	n, err := s.ShutdownAll(r.Context(), ds)
	if err != nil {
		return err
	}
	if n == 0 {
		return base.Errorf(base.ClassNotFound, "Datasource[%s] has no active tasks", ds)
	}
	httpapi.WriteJSON(w, r, http.StatusOK, map[string]string{"dataSource": ds})
	return nil
}

func (s *Service) handleBulkStatus(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return &httpapi.StatusError{Status: http.StatusUnsupportedMediaType, Class: base.ClassInvalidInput,
			Err: base.Errorf(base.ClassInvalidInput, "request body must be a JSON list of task ids")}
	}
	var ids []string
	if err := httpapi.DecodeJSON(r, &ids); err != nil {
		return err
	}
	out := map[string]shortStatus{}
	for _, id := range ids {
		st, err := s.Status(r.Context(), id)
		if err != nil {
			if base.ClassOf(err) == base.ClassNotFound {
				continue
			}
			return err
		}
		out[id] = st.short()
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
	return nil
}

func (s *Service) handleDeletePending(w http.ResponseWriter, r *http.Request) error {
	ds := r.PathValue("dataSource")
	iv := base.Interval{Start: base.MinTime, End: base.MaxTime}
	if v := r.URL.Query().Get("interval"); v != "" {
		p, err := base.ParseIntervalURL(v)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "Invalid interval[%s]: %w", v, err)
		}
		iv = p
	}
	n, err := s.store.DeletePendingSegments(r.Context(), ds, iv)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, r, http.StatusOK, map[string]int{"numDeleted": n})
	return nil
}

func (s *Service) handleGetWorkerConfig(w http.ResponseWriter, r *http.Request) error {
	b, err := s.store.Config(r.Context(), workerConfigKey)
	if err != nil {
		if base.ClassOf(err) != base.ClassNotFound {
			return err
		}
		b = json.RawMessage(defaultWorkerConfig)
	}
	httpapi.WriteJSON(w, r, http.StatusOK, json.RawMessage(b))
	return nil
}

func (s *Service) handleSetWorkerConfig(w http.ResponseWriter, r *http.Request) error {
	var cfg map[string]json.RawMessage
	if err := httpapi.DecodeJSON(r, &cfg); err != nil {
		return err
	}
	if t, ok := cfg["type"]; ok && string(t) != `"default"` && string(t) != `"fillCapacityWithCategorySpec"` && string(t) != `"equalDistributionWithCategorySpec"` {
		// Only the default behaviour config exists; the select strategy is
		// stored as given (one in-process worker makes it moot).
		return base.Errorf(base.ClassInvalidInput, "worker config type %s: want \"default\"", t)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return base.Errorf(base.ClassInvalidInput, "worker config: %w", err)
	}
	audit := metadata.AuditInfo{Author: r.Header.Get("X-Druid-Author"), Comment: r.Header.Get("X-Druid-Comment"), IP: clientIP(r)}
	if err := s.store.SetConfig(r.Context(), workerConfigKey, b, audit); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

func (s *Service) handleWorkerHistory(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var iv *base.Interval
	var count *int
	if v := q.Get("interval"); v != "" {
		p, err := base.ParseIntervalURL(v)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "Invalid interval[%s]: %w", v, err)
		}
		iv = &p
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return base.Errorf(base.ClassInvalidInput, "Invalid count[%s]: must be a positive integer", v)
		}
		count = &n
	}
	h, err := s.store.ConfigHistory(r.Context(), workerConfigKey, iv, count)
	if err != nil {
		return err
	}
	if h == nil {
		h = []metadata.AuditEntry{}
	}
	httpapi.WriteJSON(w, r, http.StatusOK, h)
	return nil
}

type workerInfo struct {
	Scheme   string `json:"scheme"`
	Host     string `json:"host"`
	IP       string `json:"ip"`
	Capacity int    `json:"capacity"`
	Version  string `json:"version"`
	Category string `json:"category"`
}

type workerStatus struct {
	Worker                        workerInfo `json:"worker"`
	CurrCapacityUsed              int        `json:"currCapacityUsed"`
	CurrParallelIndexCapacityUsed int        `json:"currParallelIndexCapacityUsed"`
	AvailabilityGroups            []string   `json:"availabilityGroups"`
	RunningTasks                  []string   `json:"runningTasks"`
	LastCompletedTaskTime         string     `json:"lastCompletedTaskTime"`
	BlacklistedUntil              *string    `json:"blacklistedUntil"`
}

// Workers describes the one in-process worker as Druid's /workers does.
func (s *Service) workers() []workerStatus {
	running := s.runningIDs()
	s.mu.Lock()
	last := s.lastCompleted
	s.mu.Unlock()
	hp := s.cfg.Host + ":" + strconv.Itoa(s.cfg.Port)
	ws := workerStatus{
		Worker:           workerInfo{Scheme: "http", Host: hp, IP: s.cfg.Host, Capacity: s.cfg.Capacity, Version: s.cfg.Version, Category: s.cfg.Category},
		CurrCapacityUsed: len(running), AvailabilityGroups: slices.Clone(running), RunningTasks: running,
		LastCompletedTaskTime: base.FormatTime(last),
	}
	return []workerStatus{ws}
}

func (s *Service) handleWorkers(w http.ResponseWriter, r *http.Request) error {
	httpapi.WriteJSON(w, r, http.StatusOK, s.workers())
	return nil
}

func (s *Service) runningTask(id string) *taskState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts := s.active[id]; ts != nil && ts.status.RunnerStatusCode == RunnerRunning {
		return ts
	}
	return nil
}

// handleRowStats is the peon chat endpoint: live row counts of a running
// task. movingAverages report the average rate since the task started for
// every window (dryad keeps no per-minute history).
func (s *Service) handleRowStats(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	ts := s.runningTask(id)
	if ts == nil {
		return base.Errorf(base.ClassNotFound, "task [%s] is not running on this worker", id)
	}
	tot := ts.prog.totals()
	secs := max(s.now().Sub(ts.prog.started).Seconds(), 0.001)
	rate := map[string]float64{
		"processed": float64(tot.Processed) / secs, "processedBytes": float64(tot.ProcessedBytes) / secs,
		"processedWithError": float64(tot.ProcessedWithError) / secs, "thrownAway": float64(tot.ThrownAway) / secs,
		"unparseable": float64(tot.Unparseable) / secs,
	}
	windows := map[string]any{"1m": rate, "5m": rate, "15m": rate}
	httpapi.WriteJSON(w, r, http.StatusOK, map[string]any{
		"movingAverages": map[string]any{"buildSegments": windows},
		"totals":         map[string]any{"buildSegments": tot},
	})
	return nil
}

func (s *Service) handleUnparseable(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	ts := s.runningTask(id)
	if ts == nil {
		return base.Errorf(base.ClassNotFound, "task [%s] is not running on this worker", id)
	}
	ts.prog.mu.Lock()
	saved := slices.Clone(ts.prog.exceptions.Saved())
	ts.prog.mu.Unlock()
	out := map[string]any{}
	if len(saved) > 0 {
		out["buildSegments"] = saved
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
	return nil
}
