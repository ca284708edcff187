package broker

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/serverview"
	"github.com/dryaddb/dryad/internal/timeline"
)

// Deps are the broker's collaborators, owned by the caller.
type Deps struct {
	Log    *slog.Logger
	Status httpapi.StatusSource // what its /status endpoints report
	// View is the server view the broker follows; nil leaves the timeline
	// empty (every table query answers []).
	View *serverview.Local
	// Lookups resolves query-time lookups (registeredLookup extraction
	// functions, the lookup() expression, lookup datasources); nil serves
	// no lookups, so every query naming one answers 400.
	Lookups LookupSource
}

// Broker is the broker role: the owner of the served-segment timeline and of
// query scatter/gather and merging, serving /druid/v2/* and
// /druid/broker/v1/*. Its methods are safe for concurrent use; Start and Stop
// are called once each, in that order.
type Broker struct {
	cfg  config.BrokerConfig
	deps Deps
	log  *slog.Logger
	mux  *httpapi.Mux

	mu        sync.Mutex
	timelines map[string]*timeline.Timeline[*served]
	served    map[string]base.DataSegment // server + "\x00" + segment id → segment, every announcement

	running   sync.Map // queryId → context.CancelCauseFunc
	initiated atomic.Bool
	unsub     func()
}

// New returns a broker that has not started.
func New(cfg config.BrokerConfig, deps Deps) *Broker {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if deps.View == nil {
		deps.View = serverview.NewLocal()
	}
	b := &Broker{cfg: cfg, deps: deps, log: log.With(slog.String("role", config.RoleBroker)),
		timelines: map[string]*timeline.Timeline[*served]{}, served: map[string]base.DataSegment{}}
	b.mux = httpapi.NewMux(append(httpapi.StatusRoutes(deps.Status), b.Routes()...))
	return b
}

// Start subscribes to the server view: the timelines follow every segment
// announced from then on, and loadstatus reports the inventory initialized.
func (b *Broker) Start(ctx context.Context) error {
	b.log.Debug("broker started", slog.Int("processingThreads", b.cfg.ProcessingThreads), slog.Bool("sql", b.cfg.SQLEnable))
	b.unsub = b.deps.View.Subscribe(b.onEvent)
	b.initiated.Store(true)
	return nil
}

// Stop unsubscribes from the server view and cancels running queries.
func (b *Broker) Stop(ctx context.Context) error {
	if b.unsub != nil {
		b.unsub()
	}
	b.running.Range(func(k, v any) bool {
		v.(context.CancelCauseFunc)(errShutdown)
		return true
	})
	return nil
}

// Handler serves the common /status endpoints and Routes.
func (b *Broker) Handler() http.Handler { return b.mux }

// Routes is the broker's route table: Druid's query, SQL, datasource and
// load-status endpoints. Entries marked Unsupported (SQL) answer 501 until
// implemented. Query endpoints are routed with and without the trailing
// slash, as Druid accepts both.
func (b *Broker) Routes() []httpapi.Route {
	u, uj := httpapi.Unsupported, httpapi.UnsupportedJSON
	h := func(method, pattern string, f http.HandlerFunc) httpapi.Route {
		return httpapi.Route{Method: method, Pattern: pattern, Handler: f}
	}
	return []httpapi.Route{
		// Queries.
		h("POST", "/druid/v2", b.serveQuery),
		h("POST", "/druid/v2/{$}", b.serveQuery),
		h("DELETE", "/druid/v2/{queryId}", b.serveCancel),
		h("POST", "/druid/v2/candidates", b.serveQueryCandidates),
		h("POST", "/druid/v2/candidates/{$}", b.serveQueryCandidates),
		uj("POST", "/druid/v2/sql"),
		uj("POST", "/druid/v2/sql/{$}"),
		u("DELETE", "/druid/v2/sql/{sqlQueryId}"),
		// Datasource information.
		h("GET", "/druid/v2/datasources", b.serveDataSources),
		h("GET", "/druid/v2/datasources/{dataSourceName}", b.serveDataSource),
		h("GET", "/druid/v2/datasources/{dataSourceName}/dimensions", b.serveDimensions),
		h("GET", "/druid/v2/datasources/{dataSourceName}/metrics", b.serveMetrics),
		h("GET", "/druid/v2/datasources/{dataSourceName}/candidates", b.serveCandidates),
		// Load status.
		h("GET", "/druid/broker/v1/loadstatus", func(w http.ResponseWriter, r *http.Request) {
			httpapi.WriteJSON(w, r, http.StatusOK, map[string]bool{"inventoryInitialized": b.initiated.Load()})
		}),
		h("GET", "/druid/broker/v1/readiness", func(w http.ResponseWriter, r *http.Request) {
			if b.initiated.Load() {
				w.WriteHeader(http.StatusOK)
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		}),
	}
}
