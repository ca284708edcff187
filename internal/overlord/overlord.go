package overlord

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/discovery"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/task"
)

// Deps are the overlord's collaborators, owned by the caller.
type Deps struct {
	Log      *slog.Logger
	Status   httpapi.StatusSource // what its /status endpoints report
	Elector  discovery.Elector    // the "overlord" election
	Metadata *metadata.Store      // tasks, locks, pending segments, supervisors; may be nil in tests of the HTTP surface
	Deep     deepstorage.Storage  // where published segments live; may be nil in tests of the HTTP surface

	// Tasks is the task queue serving the Tasks API; nil leaves those
	// endpoints answering 501.
	Tasks *task.Service
}

// Overlord is the overlord role: the owner of the task queue, task locks,
// task assignment and supervisors, and of /druid/indexer/v1/*. It takes part
// in the "overlord" leader election from Start to Stop. Its methods are safe
// for concurrent use; Start and Stop are called once each, in that order.
type Overlord struct {
	cfg     config.OverlordConfig
	deps    Deps
	log     *slog.Logger
	mux     *httpapi.Mux
	mu      sync.Mutex
	cancel  func()
	started bool
}

// New returns an overlord that has not started.
func New(cfg config.OverlordConfig, deps Deps) *Overlord {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := &Overlord{cfg: cfg, deps: deps, log: log.With(slog.String("role", config.RoleOverlord))}
	o.mux = httpapi.NewMux(append(httpapi.StatusRoutes(deps.Status), o.Routes()...))
	return o
}

// Start enters the leader election; leadership changes are logged.
func (o *Overlord) Start(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cancel = o.deps.Elector.Subscribe(func(leader bool) {
		if leader {
			o.log.Info("became overlord leader")
		} else {
			o.log.Info("stopped leading as overlord")
		}
	})
	if err := o.deps.Elector.Campaign(ctx); err != nil {
		o.cancel()
		return err
	}
	o.started = true
	return nil
}

// Stop resigns leadership. It is safe to call without Start.
func (o *Overlord) Stop(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.started {
		return nil
	}
	o.started = false
	err := o.deps.Elector.Resign(ctx)
	o.cancel()
	return err
}

// Handler serves the common /status endpoints and Routes.
func (o *Overlord) Handler() http.Handler { return o.mux }

// Routes is the overlord's route table: every endpoint of Druid's overlord
// API. Entries marked Unsupported answer 501 until implemented.
func (o *Overlord) Routes() []httpapi.Route {
	const v1 = "/druid/indexer/v1"
	u, uj := httpapi.Unsupported, httpapi.UnsupportedJSON
	rs := httpapi.LeaderRoutes(v1, o.deps.Elector)
	return withTasks(append(rs,
		// Tasks.
		u("GET", v1+"/tasks"),
		u("GET", v1+"/completeTasks"),
		u("GET", v1+"/runningTasks"),
		u("GET", v1+"/waitingTasks"),
		u("GET", v1+"/pendingTasks"),
		uj("POST", v1+"/task"),
		u("GET", v1+"/task/{taskId}"),
		u("GET", v1+"/task/{taskId}/status"),
		u("GET", v1+"/task/{taskId}/segments"),
		u("GET", v1+"/task/{taskId}/log"),
		u("GET", v1+"/task/{taskId}/reports"),
		u("POST", v1+"/task/{taskId}/shutdown"),
		u("POST", v1+"/datasources/{dataSource}/shutdownAllTasks"),
		uj("POST", v1+"/taskStatus"),
		u("DELETE", v1+"/pendingSegments/{dataSource}"),
		// Supervisors.
		u("GET", v1+"/supervisor"),
		uj("POST", v1+"/supervisor"),
		u("GET", v1+"/supervisor/history"),
		u("POST", v1+"/supervisor/suspendAll"),
		u("POST", v1+"/supervisor/resumeAll"),
		u("POST", v1+"/supervisor/terminateAll"),
		u("GET", v1+"/supervisor/{supervisorId}"),
		u("GET", v1+"/supervisor/{supervisorId}/status"),
		u("GET", v1+"/supervisor/{supervisorId}/history"),
		u("POST", v1+"/supervisor/{supervisorId}/suspend"),
		u("POST", v1+"/supervisor/{supervisorId}/resume"),
		u("POST", v1+"/supervisor/{supervisorId}/reset"),
		u("POST", v1+"/supervisor/{supervisorId}/terminate"),
		u("POST", v1+"/supervisor/{supervisorId}/shutdown"),
		// Dynamic configuration and workers.
		u("GET", v1+"/worker"),
		uj("POST", v1+"/worker"),
		u("GET", v1+"/worker/history"),
		u("GET", v1+"/workers"),
		u("GET", v1+"/scaling"),
	), o.deps.Tasks)
}
