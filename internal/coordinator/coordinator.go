package coordinator

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/discovery"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/rules"
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
	// Tasks takes the kill tasks of the kill endpoints; nil (no overlord in
	// this process) makes them answer 503.
	Tasks TaskSubmitter
	// TaskSlots is the total task slots of the cluster's workers, the base
	// of the compaction slot formula min(ratio × TaskSlots, max); 0 when
	// unknown (compaction then runs one task at a time).
	TaskSlots int
	// LookupRoutes serve /druid/coordinator/v1/lookups/* (the lookup
	// manager owns them); nil makes those endpoints answer 501.
	LookupRoutes []httpapi.Route
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
	queues   *loadQueues // one load queue per data server
	stopLoop context.CancelFunc
	loopDone chan struct{}

	// Automatic compaction.
	compactCfgMu sync.Mutex // serialises updates of the stored compaction config
	compactRunMu sync.Mutex // one compaction run at a time
	compactSnap  atomic.Pointer[map[string]*AutoCompactionSnapshot]
	rndMu        sync.Mutex
	rnd          *rand.Rand // compaction task id suffixes
}

// New returns a coordinator that has not started.
func New(cfg config.CoordinatorConfig, deps Deps) *Coordinator {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Coordinator{cfg: cfg, deps: deps, log: log.With(slog.String("role", config.RoleCoordinator)), nudge: make(chan struct{}, 1),
		rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0xc0de))}
	c.queues = newLoadQueues(c.log)
	if deps.Metadata != nil && deps.Servers != nil {
		c.duty = &loadDuty{store: deps.Metadata, servers: deps.Servers, log: c.log, queues: c.queues,
			rules:     func(ctx context.Context) (map[string][]rules.Rule, error) { return c.currentRules(ctx, deps.Metadata) },
			dynamic:   c.DynamicConfig,
			now:       func() int64 { return time.Now().UnixMilli() },
			pollEvery: cfg.PollDuration}
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
	c.queues.closeAll()
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
	rs = append(rs,
		// Segment loading.
		httpapi.Route{Method: "GET", Pattern: v1 + "/loadstatus", Handler: http.HandlerFunc(c.serveLoadStatus)},
		route("GET", v1+"/loadqueue", c.serveLoadQueue),
		route("GET", v1+"/datasources/{dataSourceName}/loadstatus", c.serveDataSourceLoadStatus),
		// Metadata store information.
		route("GET", v1+"/metadata/segments", c.serveMetadataSegments),
		route("GET", v1+"/metadata/datasources", c.serveMetadataDataSources),
		route("GET", v1+"/metadata/datasources/{dataSourceName}", c.serveMetadataDataSource),
		route("GET", v1+"/metadata/datasources/{dataSourceName}/segments", c.serveMetadataDataSourceSegments),
		route("POST", v1+"/metadata/datasources/{dataSourceName}/segments", c.serveMetadataSegmentsInIntervals),
		route("GET", v1+"/metadata/datasources/{dataSourceName}/segments/{segmentId}", c.serveMetadataSegment),
		// Datasources.
		route("GET", v1+"/datasources", c.serveDataSources),
		route("GET", v1+"/datasources/{dataSourceName}", c.serveDataSource),
		route("POST", v1+"/datasources/{dataSourceName}", c.serveMarkAllUsed),
		route("DELETE", v1+"/datasources/{dataSourceName}", c.serveMarkAllUnused),
		route("GET", v1+"/datasources/{dataSourceName}/intervals", c.serveDataSourceIntervals),
		route("GET", v1+"/datasources/{dataSourceName}/intervals/{interval}", c.serveDataSourceIntervals),
		route("DELETE", v1+"/datasources/{dataSourceName}/intervals/{interval}", c.serveKillInterval),
		route("GET", v1+"/datasources/{dataSourceName}/intervals/{interval}/serverview", c.serveDataSourceServerView),
		route("GET", v1+"/datasources/{dataSourceName}/segments", c.serveDataSourceSegments),
		route("GET", v1+"/datasources/{dataSourceName}/segments/{segmentId}", c.serveDataSourceSegment),
		route("POST", v1+"/datasources/{dataSourceName}/segments/{segmentId}", c.serveMarkSegmentUsed),
		route("DELETE", v1+"/datasources/{dataSourceName}/segments/{segmentId}", c.serveMarkSegmentUnused),
		route("GET", v1+"/datasources/{dataSourceName}/tiers", c.serveDataSourceTiers),
		route("POST", v1+"/datasources/{dataSourceName}/markUsed", c.serveMarkUsed),
		route("POST", v1+"/datasources/{dataSourceName}/markUnused", c.serveMarkUnused),
		// Retention rules.
		route("GET", v1+"/rules", c.serveAllRules),
		route("GET", v1+"/rules/history", c.serveRulesHistory),
		route("GET", v1+"/rules/{dataSourceName}", c.serveRules),
		route("POST", v1+"/rules/{dataSourceName}", c.serveSetRules),
		route("GET", v1+"/rules/{dataSourceName}/history", c.serveRulesHistory),
		// Intervals.
		route("GET", v1+"/intervals", c.serveIntervals),
		route("GET", v1+"/intervals/{interval}", c.serveInterval),
		// Dynamic configuration.
		route("GET", v1+"/config", c.serveConfig),
		route("POST", v1+"/config", c.serveSetConfig),
		route("GET", v1+"/config/history", c.serveConfigHistory),
		// Automatic compaction.
		route("GET", v1+"/compaction/progress", c.serveCompactionProgress),
		route("GET", v1+"/compaction/status", c.serveCompactionStatus),
		route("POST", v1+"/compaction/compact", c.serveCompactNow),
		route("GET", v1+"/config/compaction", c.serveCompactionConfigs),
		route("POST", v1+"/config/compaction", c.serveSetCompactionConfig),
		route("GET", v1+"/config/compaction/{dataSource}", c.serveCompactionConfig),
		route("DELETE", v1+"/config/compaction/{dataSource}", c.serveDeleteCompactionConfig),
		route("GET", v1+"/config/compaction/{dataSource}/history", c.serveCompactionConfigHistory),
		route("POST", v1+"/config/compaction/taskslots", c.serveCompactionTaskSlots),
		// Servers.
		route("GET", v1+"/servers", c.serveServers),
	)
	if c.deps.LookupRoutes != nil {
		return append(rs, c.deps.LookupRoutes...)
	}
	return append(rs,
		// Lookups, until a lookup manager is configured.
		u("GET", v1+"/lookups/config"),
		uj("POST", v1+"/lookups/config"),
		u("GET", v1+"/lookups/config/{tier}"),
		u("GET", v1+"/lookups/config/{tier}/{lookupName}"),
		uj("POST", v1+"/lookups/config/{tier}/{lookupName}"),
		u("DELETE", v1+"/lookups/config/{tier}/{lookupName}"),
		u("GET", v1+"/lookups/status"),
	)
}
