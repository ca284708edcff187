package coordinator

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/discovery"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
)

// Deps are the coordinator's collaborators, owned by the caller.
type Deps struct {
	Log      *slog.Logger
	Status   httpapi.StatusSource // what its /status endpoints report
	Elector  discovery.Elector    // the "coordinator" election
	Metadata *metadata.Store      // segments, rules, config; may be nil in tests of the HTTP surface
	Deep     deepstorage.Storage  // where kill tasks delete unused segments; may be nil in tests of the HTTP surface
	// Servers are the data servers segments are assigned to; nil (or a nil
	// Metadata) disables the segment load duty.
	Servers DataServers
}

// Coordinator is the coordinator role: the owner of segment availability
// (used segments, rules, load/drop/balance, compaction scheduling, kill) and
// of /druid/coordinator/v1/*. It takes part in the "coordinator" leader
// election from Start to Stop. Its methods are safe for concurrent use; Start
// and Stop are called once each, in that order.
type Coordinator struct {
	cfg     config.CoordinatorConfig
	deps    Deps
	log     *slog.Logger
	mux     *httpapi.Mux
	mu      sync.Mutex
	cancel  func() // ends the leadership subscription
	started bool

	leading  atomic.Bool
	nudge    chan struct{}
	duty     *loadDuty
	stopLoop context.CancelFunc
	loopDone chan struct{}
}

// New returns a coordinator that has not started.
func New(cfg config.CoordinatorConfig, deps Deps) *Coordinator {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Coordinator{cfg: cfg, deps: deps, log: log.With(slog.String("role", config.RoleCoordinator)), nudge: make(chan struct{}, 1)}
	if deps.Metadata != nil && deps.Servers != nil {
		c.duty = &loadDuty{store: deps.Metadata, servers: deps.Servers, log: c.log, maxInFlight: 4}
	}
	c.mux = httpapi.NewMux(append(httpapi.StatusRoutes(deps.Status), c.Routes()...))
	return c
}

// Start enters the leader election (leadership changes are logged) and
// starts the duty loop, which runs the segment load duty while leading.
func (c *Coordinator) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancel = c.deps.Elector.Subscribe(func(leader bool) {
		c.leading.Store(leader)
		if leader {
			c.log.Info("became coordinator leader")
		} else {
			c.log.Info("stopped leading as coordinator")
		}
	})
	if err := c.deps.Elector.Campaign(ctx); err != nil {
		c.cancel()
		return err
	}
	c.started = true
	lctx, stop := context.WithCancel(context.Background())
	c.stopLoop, c.loopDone = stop, make(chan struct{})
	go func() {
		defer close(c.loopDone)
		c.loop(lctx)
	}()
	return nil
}

// Stop resigns leadership. It is safe to call without Start.
func (c *Coordinator) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		return nil
	}
	c.started = false
	c.stopLoop()
	<-c.loopDone
	err := c.deps.Elector.Resign(ctx)
	c.cancel()
	return err
}

// Handler serves the common /status endpoints and Routes.
func (c *Coordinator) Handler() http.Handler { return c.mux }

// Routes is the coordinator's route table: every endpoint of Druid's
// coordinator API. Entries marked Unsupported answer 501 until implemented.
func (c *Coordinator) Routes() []httpapi.Route {
	const v1 = "/druid/coordinator/v1"
	u, uj := httpapi.Unsupported, httpapi.UnsupportedJSON
	rs := httpapi.LeaderRoutes(v1, c.deps.Elector)
	return append(rs,
		// Segment loading.
		httpapi.Route{Method: "GET", Pattern: v1 + "/loadstatus", Handler: http.HandlerFunc(c.serveLoadStatus)},
		u("GET", v1+"/loadqueue"),
		u("GET", v1+"/datasources/{dataSourceName}/loadstatus"),
		// Metadata store information.
		u("GET", v1+"/metadata/segments"),
		u("GET", v1+"/metadata/datasources"),
		u("GET", v1+"/metadata/datasources/{dataSourceName}"),
		u("GET", v1+"/metadata/datasources/{dataSourceName}/segments"),
		uj("POST", v1+"/metadata/datasources/{dataSourceName}/segments"),
		u("GET", v1+"/metadata/datasources/{dataSourceName}/segments/{segmentId}"),
		// Datasources.
		u("GET", v1+"/datasources"),
		u("GET", v1+"/datasources/{dataSourceName}"),
		u("POST", v1+"/datasources/{dataSourceName}"),
		u("DELETE", v1+"/datasources/{dataSourceName}"),
		u("GET", v1+"/datasources/{dataSourceName}/intervals"),
		u("GET", v1+"/datasources/{dataSourceName}/intervals/{interval}"),
		u("DELETE", v1+"/datasources/{dataSourceName}/intervals/{interval}"),
		u("GET", v1+"/datasources/{dataSourceName}/intervals/{interval}/serverview"),
		u("GET", v1+"/datasources/{dataSourceName}/segments"),
		u("GET", v1+"/datasources/{dataSourceName}/segments/{segmentId}"),
		u("POST", v1+"/datasources/{dataSourceName}/segments/{segmentId}"),
		u("DELETE", v1+"/datasources/{dataSourceName}/segments/{segmentId}"),
		u("GET", v1+"/datasources/{dataSourceName}/tiers"),
		uj("POST", v1+"/datasources/{dataSourceName}/markUsed"),
		uj("POST", v1+"/datasources/{dataSourceName}/markUnused"),
		// Retention rules.
		u("GET", v1+"/rules"),
		u("GET", v1+"/rules/history"),
		u("GET", v1+"/rules/{dataSourceName}"),
		uj("POST", v1+"/rules/{dataSourceName}"),
		u("GET", v1+"/rules/{dataSourceName}/history"),
		// Intervals.
		u("GET", v1+"/intervals"),
		u("GET", v1+"/intervals/{interval}"),
		// Dynamic configuration.
		u("GET", v1+"/config"),
		uj("POST", v1+"/config"),
		u("GET", v1+"/config/history"),
		// Automatic compaction.
		u("GET", v1+"/compaction/progress"),
		u("GET", v1+"/compaction/status"),
		u("GET", v1+"/config/compaction"),
		uj("POST", v1+"/config/compaction"),
		u("GET", v1+"/config/compaction/{dataSource}"),
		u("DELETE", v1+"/config/compaction/{dataSource}"),
		u("POST", v1+"/config/compaction/taskslots"),
		// Servers.
		u("GET", v1+"/servers"),
		// Lookups.
		u("GET", v1+"/lookups/config"),
		uj("POST", v1+"/lookups/config"),
		u("GET", v1+"/lookups/config/{tier}"),
		u("GET", v1+"/lookups/config/{tier}/{lookupName}"),
		uj("POST", v1+"/lookups/config/{tier}/{lookupName}"),
		u("DELETE", v1+"/lookups/config/{tier}/{lookupName}"),
		u("GET", v1+"/lookups/status"),
	)
}
