package historical

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/httpapi"
)

// Deps are the historical's collaborators, owned by the caller.
type Deps struct {
	Log    *slog.Logger
	Status httpapi.StatusSource // what its /status endpoints report
	Deep   deepstorage.Storage  // where segments are pulled from; may be nil in tests of the HTTP surface
}

// Historical is the historical role: the owner of the local segment cache
// and of per-segment query execution, serving /druid/historical/v1/*. Its
// methods are safe for concurrent use; Start and Stop are called once each,
// in that order.
type Historical struct {
	cfg  config.HistoricalConfig
	deps Deps
	log  *slog.Logger
	mux  *httpapi.Mux
}

// New returns a historical that has not started.
func New(cfg config.HistoricalConfig, deps Deps) *Historical {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Historical{cfg: cfg, deps: deps, log: log.With(slog.String("role", config.RoleHistorical))}
	h.mux = httpapi.NewMux(append(httpapi.StatusRoutes(deps.Status), h.Routes()...))
	return h
}

// Start logs the tier and cache locations the historical will serve from.
func (h *Historical) Start(ctx context.Context) error {
	h.log.Debug("historical started", slog.String("tier", h.cfg.Tier), slog.Int("cacheLocations", len(h.cfg.CacheLocations)))
	return nil
}

// Stop is a no-op until the historical holds segments.
func (h *Historical) Stop(ctx context.Context) error { return nil }

// Handler serves the common /status endpoints and Routes.
func (h *Historical) Handler() http.Handler { return h.mux }

// Routes is the historical's route table. Entries marked Unsupported answer
// 501 until implemented.
func (h *Historical) Routes() []httpapi.Route {
	const v1 = "/druid/historical/v1"
	return []httpapi.Route{
		httpapi.Unsupported("GET", v1+"/loadstatus"),
		httpapi.Unsupported("GET", v1+"/readiness"),
	}
}
