package historical

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/dryaddb/dryad/internal/httpapi"
)

// Group is several historicals run by one process (dryad.historical.count):
// one role to the node, each member a data server of its own in the server
// view, with its own name, cache, tier, priority and maxSize. Its
// /druid/historical/v1/loadstatus reports cacheInitialized once every
// member restored its cache. Its methods are safe for concurrent use; Start
// and Stop are called once each, in that order.
type Group struct {
	members []*Historical
	mux     *httpapi.Mux
}

// NewGroup returns a group of members that have not started; the group
// owns them from now on.
func NewGroup(status httpapi.StatusSource, members ...*Historical) *Group {
	g := &Group{members: members}
	g.mux = httpapi.NewMux(append(httpapi.StatusRoutes(status), g.Routes()...))
	return g
}

// Members returns the group's historicals, in order.
func (g *Group) Members() []*Historical { return slices.Clone(g.members) }

// Start starts every member in order; when one fails, those started are
// stopped again.
func (g *Group) Start(ctx context.Context) error {
	for i, h := range g.members {
		if err := h.Start(ctx); err != nil {
			for j := i - 1; j >= 0; j-- {
				_ = g.members[j].Stop(ctx)
			}
			return err
		}
	}
	return nil
}

// Stop stops every member, in reverse order, and returns their errors
// joined.
func (g *Group) Stop(ctx context.Context) error {
	var errs []error
	for i := len(g.members) - 1; i >= 0; i-- {
		errs = append(errs, g.members[i].Stop(ctx))
	}
	return errors.Join(errs...)
}

// CacheInitialized reports whether every member restored its cache.
func (g *Group) CacheInitialized() bool {
	for _, h := range g.members {
		if !h.CacheInitialized() {
			return false
		}
	}
	return true
}

// Pulls returns the segments the members pulled from deep storage.
func (g *Group) Pulls() int64 {
	var n int64
	for _, h := range g.members {
		n += h.Pulls()
	}
	return n
}

// Handler serves the common /status endpoints and Routes.
func (g *Group) Handler() http.Handler { return g.mux }

// Routes are the historical loadstatus and readiness endpoints over the
// whole group.
func (g *Group) Routes() []httpapi.Route { return readinessRoutes(g.CacheInitialized) }
