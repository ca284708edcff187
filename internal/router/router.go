package router

import (
	"context"
	"log/slog"
	"net/http"
	"slices"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/httpapi"
)

// Owner maps a path prefix to the role that owns every path under it.
type Owner struct {
	Pattern string // a ServeMux subtree pattern ("/druid/coordinator/") or an exact path ("/druid/v2")
	Role    string
}

// Owners returns which role owns which paths, as Druid's router routes
// them: coordinator /druid/coordinator/, overlord /druid/indexer/, broker
// /druid/v2 and /druid/broker/, historical /druid/historical/,
// middlemanager /druid/worker/.
func Owners() []Owner {
	return []Owner{
		{"/druid/coordinator/", config.RoleCoordinator},
		{"/druid/indexer/", config.RoleOverlord},
		{"/druid/v2", config.RoleBroker},
		{"/druid/v2/", config.RoleBroker},
		{"/druid/broker/", config.RoleBroker},
		{"/druid/historical/", config.RoleHistorical},
		{"/druid/worker/", config.RoleMiddleManager},
	}
}

// Deps are the router's collaborators, owned by the caller.
type Deps struct {
	Log    *slog.Logger
	Status httpapi.StatusSource // what its /status endpoints report
	// Backends maps a role name to the handler of that role in this
	// process. Roles missing from it run elsewhere (or nowhere).
	Backends map[string]http.Handler
}

// Router is the router role: the front door that serves /status itself and
// hands each documented path to the role that owns it (see Owners). Its
// methods are safe for concurrent use; Start and Stop are called once each,
// in that order.
type Router struct {
	cfg  config.RouterConfig
	deps Deps
	log  *slog.Logger
	mux  *httpapi.Mux
}

// New returns a router that has not started.
func New(cfg config.RouterConfig, deps Deps) *Router {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rt := &Router{cfg: cfg, deps: deps, log: log.With(slog.String("role", config.RoleRouter))}
	rt.mux = httpapi.NewMux(append(httpapi.StatusRoutes(deps.Status), rt.Routes()...))
	return rt
}

// Start logs which roles the router reaches in-process.
func (rt *Router) Start(ctx context.Context) error {
	var local []string
	for role := range rt.deps.Backends {
		local = append(local, role)
	}
	slices.Sort(local)
	rt.log.Debug("router started", slog.Any("inProcessRoles", local))
	return nil
}

// Stop is a no-op: the router holds no resources of its own.
func (rt *Router) Stop(ctx context.Context) error { return nil }

// Handler serves /status itself and hands owned paths to their roles.
func (rt *Router) Handler() http.Handler { return rt.mux }

// Routes is the router's table: one any-method route per owned prefix,
// to the owning role's handler or, if that role is not in this process, to
// a 501 answer naming it.
func (rt *Router) Routes() []httpapi.Route {
	var rs []httpapi.Route
	for _, o := range Owners() {
		h, ok := rt.deps.Backends[o.Role]
		if !ok {
			h = remote(o.Role)
		}
		rs = append(rs, httpapi.Route{Pattern: o.Pattern, Handler: h, Unsupported: !ok})
	}
	return rs
}

// remote answers for a role that does not run in this process.
func remote(role string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, base.Errorf(base.ClassUnsupported,
			"%s %s belongs to the %s, which does not run in this process; routing to other dryad processes is not supported yet",
			r.Method, r.URL.Path, role))
	})
}
