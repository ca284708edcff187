package node

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/broker"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/lookup"
	"github.com/dryaddb/dryad/internal/query/dimension"
)

// startLookups creates the lookup registry when the process runs a broker
// or a historical (the roles that answer queries) or runs tasks (overlord
// or middleManager: index tasks' transforms use lookups, as Druid's peons
// do) and, when it has a metadata store, the lookup manager behind the
// coordinator's Lookups API. The registry serves the lookups of
// druid.lookup.lookupTier: it loads them now and follows every later change
// made through the manager. Called by Start with n.mu held, after the
// listeners are bound and before the task service starts.
func (n *Node) startLookups(ctx context.Context) error {
	var reg *lookup.Registry
	var role string // the role whose address names this registry's node
	for _, r := range []string{config.RoleBroker, config.RoleHistorical, config.RoleMiddleManager, config.RoleOverlord} {
		if n.has(r) {
			role = r
			break
		}
	}
	if role != "" {
		reg = lookup.NewRegistry(n.log)
		n.lookups = reg
	}
	if n.store == nil {
		return nil
	}
	tier := n.cfg.LookupTier
	if tier == "" {
		tier = lookup.DefaultTier
	}
	var nodes []lookup.Node
	if reg != nil {
		nodes = append(nodes, lookup.Node{Tier: tier, HostPort: net.JoinHostPort(n.cfg.Host, strconv.Itoa(n.port(role))), Registry: reg})
	}
	mgr := lookup.NewManager(n.log, n.store, nodes, func(ctx context.Context, cfg lookup.Config) {
		if reg != nil {
			reg.Apply(ctx, cfg[tier])
		}
	})
	if n.has(config.RoleCoordinator) {
		n.lookupMgr = mgr
	}
	return mgr.Sync(ctx)
}

// lookupRoutes are the coordinator's Lookups API routes; nil (the
// endpoints answer 501) without a lookup manager.
func (n *Node) lookupRoutes() []httpapi.Route {
	if n.lookupMgr == nil {
		return nil
	}
	return n.lookupMgr.Routes()
}

// lookupSource is what the broker resolves lookups through; nil without a
// registry.
func (n *Node) lookupSource() broker.LookupSource {
	if n.lookups == nil {
		return nil
	}
	return n.lookups
}

// taskLookups is what index tasks resolve lookups through (transforms and
// filters); nil without a registry.
func (n *Node) taskLookups() dimension.LookupFunc {
	if n.lookups == nil {
		return nil
	}
	return n.lookups.Map
}

// listenRoutes are Druid's node-side lookup listener endpoints, served on
// the main listener of a process with a registry.
func (n *Node) listenRoutes() []httpapi.Route {
	if n.lookups == nil {
		return nil
	}
	return n.lookups.ListenRoutes()
}

// listenPrefix is where Druid's lookup listener endpoints live.
const listenPrefix = "/druid/listen/v1/lookups"

// withListenRoutes serves the lookup listener endpoints in front of h (the
// router, which routes only role-owned prefixes).
func (n *Node) withListenRoutes(h http.Handler) http.Handler {
	rs := n.listenRoutes()
	if rs == nil {
		return h
	}
	m := httpapi.NewMux(rs)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == listenPrefix || strings.HasPrefix(p, listenPrefix+"/") {
			m.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// stopLookups stops the registry's polling; called by stopLocked after the
// roles stopped.
func (n *Node) stopLookups() {
	if n.lookups != nil {
		n.lookups.Stop()
		n.lookups = nil
	}
	n.lookupMgr = nil
}
