package middlemanager

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/task"
)

// Deps are the middlemanager's collaborators, owned by the caller.
type Deps struct {
	Log      *slog.Logger
	Status   httpapi.StatusSource // what its /status endpoints report
	HostPort string               // "host:port" this worker is known by; keys the enable/disable answers
	Metadata *metadata.Store      // task state; may be nil in tests of the HTTP surface
	Deep     deepstorage.Storage  // where tasks push the segments they build; may be nil in tests of the HTTP surface

	// Tasks runs the tasks and serves the worker and chat endpoints; nil
	// leaves those answering 501.
	Tasks *task.Service
}

// MiddleManager is the middlemanager role: the owner of running tasks, their
// logs and chat endpoints, and of its enabled/disabled state, serving
// /druid/worker/v1/*. Its methods are safe for concurrent use; Start and Stop
// are called once each, in that order.
type MiddleManager struct {
	cfg      config.MiddleManagerConfig
	deps     Deps
	log      *slog.Logger
	mux      *httpapi.Mux
	disabled atomic.Bool
}

// New returns a middlemanager that has not started. It starts enabled.
func New(cfg config.MiddleManagerConfig, deps Deps) *MiddleManager {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &MiddleManager{cfg: cfg, deps: deps, log: log.With(slog.String("role", config.RoleMiddleManager))}
	m.mux = httpapi.NewMux(append(httpapi.StatusRoutes(deps.Status), m.Routes()...))
	return m
}

// Start logs the worker's capacity.
func (m *MiddleManager) Start(ctx context.Context) error {
	m.log.Debug("middlemanager started", slog.Int("capacity", m.cfg.Capacity), slog.String("category", m.cfg.Category))
	return nil
}

// Stop is a no-op until the middlemanager runs tasks.
func (m *MiddleManager) Stop(ctx context.Context) error { return nil }

// Enabled reports whether the worker accepts new tasks.
func (m *MiddleManager) Enabled() bool {
	if m.deps.Tasks != nil {
		return m.deps.Tasks.Enabled()
	}
	return !m.disabled.Load()
}

// Handler serves the common /status endpoints and Routes.
func (m *MiddleManager) Handler() http.Handler { return m.mux }

// Routes is the middlemanager's route table: Druid's worker and peon chat
// endpoints. Entries marked Unsupported answer 501 until implemented.
func (m *MiddleManager) Routes() []httpapi.Route {
	const v1 = "/druid/worker/v1"
	u := httpapi.Unsupported
	return withTasks([]httpapi.Route{
		{Method: "GET", Pattern: v1 + "/enabled", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpapi.WriteJSON(w, r, http.StatusOK, map[string]bool{m.deps.HostPort: m.Enabled()})
		})},
		{Method: "POST", Pattern: v1 + "/disable", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !m.disabled.Swap(true) {
				m.log.Info("worker disabled: no new tasks will be accepted")
			}
			httpapi.WriteJSON(w, r, http.StatusOK, map[string]string{m.deps.HostPort: "disabled"})
		})},
		{Method: "POST", Pattern: v1 + "/enable", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if m.disabled.Swap(false) {
				m.log.Info("worker enabled")
			}
			httpapi.WriteJSON(w, r, http.StatusOK, map[string]string{m.deps.HostPort: "enabled"})
		})},
		u("GET", v1+"/tasks"),
		u("GET", v1+"/task/{taskId}/log"),
		u("POST", v1+"/task/{taskId}/shutdown"),
		u("GET", v1+"/chat/{taskId}/rowStats"),
		u("GET", v1+"/chat/{taskId}/unparseableEvents"),
	}, m.deps.Tasks, m.deps.HostPort)
}
