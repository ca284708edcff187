package broker

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/httpapi"
)

// Deps are the broker's collaborators, owned by the caller.
type Deps struct {
	Log    *slog.Logger
	Status httpapi.StatusSource // what its /status endpoints report
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
}

// New returns a broker that has not started.
func New(cfg config.BrokerConfig, deps Deps) *Broker {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Broker{cfg: cfg, deps: deps, log: log.With(slog.String("role", config.RoleBroker))}
	b.mux = httpapi.NewMux(append(httpapi.StatusRoutes(deps.Status), b.Routes()...))
	return b
}

// Start logs the broker's processing settings.
func (b *Broker) Start(ctx context.Context) error {
	b.log.Debug("broker started", slog.Int("processingThreads", b.cfg.ProcessingThreads), slog.Bool("sql", b.cfg.SQLEnable))
	return nil
}

// Stop is a no-op until the broker runs queries.
func (b *Broker) Stop(ctx context.Context) error { return nil }

// Handler serves the common /status endpoints and Routes.
func (b *Broker) Handler() http.Handler { return b.mux }

// Routes is the broker's route table: Druid's query, SQL, datasource and
// load-status endpoints. Entries marked Unsupported answer 501 until
// implemented. Query endpoints are routed with and without the trailing
// slash, as Druid accepts both.
func (b *Broker) Routes() []httpapi.Route {
	u, uj := httpapi.Unsupported, httpapi.UnsupportedJSON
	return []httpapi.Route{
		// Queries.
		uj("POST", "/druid/v2"),
		uj("POST", "/druid/v2/{$}"),
		u("DELETE", "/druid/v2/{queryId}"),
		uj("POST", "/druid/v2/candidates"),
		uj("POST", "/druid/v2/candidates/{$}"),
		uj("POST", "/druid/v2/sql"),
		uj("POST", "/druid/v2/sql/{$}"),
		u("DELETE", "/druid/v2/sql/{sqlQueryId}"),
		// Datasource information.
		u("GET", "/druid/v2/datasources"),
		u("GET", "/druid/v2/datasources/{dataSourceName}"),
		u("GET", "/druid/v2/datasources/{dataSourceName}/dimensions"),
		u("GET", "/druid/v2/datasources/{dataSourceName}/metrics"),
		u("GET", "/druid/v2/datasources/{dataSourceName}/candidates"),
		// Load status.
		u("GET", "/druid/broker/v1/loadstatus"),
		u("GET", "/druid/broker/v1/readiness"),
	}
}
