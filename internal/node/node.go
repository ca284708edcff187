package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/broker"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/coordinator"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/discovery"
	"github.com/dryaddb/dryad/internal/historical"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/lookup"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/middlemanager"
	"github.com/dryaddb/dryad/internal/overlord"
	"github.com/dryaddb/dryad/internal/router"
	"github.com/dryaddb/dryad/internal/serverview"
	"github.com/dryaddb/dryad/internal/task"
)

// Role is what every role type provides to the process that runs it.
type Role interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Handler() http.Handler
	Routes() []httpapi.Route
}

// Options configure a Node.
type Options struct {
	Config  *config.Config
	Roles   []string     // any non-empty subset of config.AllRoles(), any order
	Version string       // reported by /status
	Log     *slog.Logger // nil discards
}

// Node is one dryad process: its roles, their dependencies and listeners.
// Start and Stop are each called once; the other methods are safe for
// concurrent use after Start returns.
type Node struct {
	cfg     *config.Config
	roles   []string // in config.AllRoles() order
	version string
	log     *slog.Logger

	local     *discovery.Local
	elections *discovery.LocalElections
	view      *serverview.Local // data servers and the segments they serve
	hist      *historical.Group // the historicals, once built

	mu    sync.Mutex
	lock  *DirLock
	store *metadata.Store
	deep  deepstorage.Storage
	tasks *task.Service
	// coord is this process's coordinator (nil when it runs none). It is
	// atomic, not under mu, because tasks nudge it from their goroutines
	// while Stop may hold mu waiting for them.
	coord    atomic.Pointer[coordinator.Coordinator]
	running  []namedRole // started roles, in start order
	servers  []*server
	selfMu   sync.Mutex       // guards self; separate from mu so status requests never wait on Start/Stop
	self     []discovery.Node // this node's announcements
	handler  http.Handler
	mainAddr net.Addr
	roleAddr map[string]net.Addr

	// lookups is the registry of the lookups this process serves (nil
	// without a broker or historical); lookupMgr owns the Lookups API (nil
	// without a coordinator and metadata store). Both set by Start.
	lookups   *lookup.Registry
	lookupMgr *lookup.Manager
}

type namedRole struct {
	name string
	role Role
}

type server struct {
	name string // "main" or a role
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// New checks the options and returns a Node that has not started.
func New(opts Options) (*Node, error) {
	if opts.Config == nil {
		return nil, base.Errorf(base.ClassInvalidInput, "node: no configuration")
	}
	roles, err := normalizeRoles(opts.Roles)
	if err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Node{
		cfg: opts.Config, roles: roles, version: opts.Version, log: log,
		local: discovery.NewLocal(), elections: discovery.NewLocalElections(), view: serverview.NewLocal(),
		roleAddr: map[string]net.Addr{},
	}, nil
}

// ParseRoles splits a --roles value ("coordinator,overlord") and checks it.
func ParseRoles(s string) ([]string, error) {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return normalizeRoles(out)
}

func normalizeRoles(in []string) ([]string, error) {
	all := config.AllRoles()
	if len(in) == 0 {
		return nil, base.Errorf(base.ClassInvalidInput, "no roles given: want any of %s", strings.Join(all, ","))
	}
	seen := map[string]bool{}
	for _, r := range in {
		r = strings.ToLower(r)
		if r == "indexer" {
			r = config.RoleMiddleManager
		}
		if !slices.Contains(all, r) {
			return nil, base.Errorf(base.ClassInvalidInput, "unknown role %q: want any of %s", r, strings.Join(all, ","))
		}
		seen[r] = true
	}
	var out []string
	for _, r := range all {
		if seen[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

// Roles returns the roles the node runs, in start order.
func (n *Node) Roles() []string { return slices.Clone(n.roles) }

func (n *Node) has(role string) bool { return slices.Contains(n.roles, role) }

// Start locks the data directory, opens the metadata store (when a role
// needs it), creates the deep storage directory, binds every listener,
// starts the roles, serves HTTP and announces the roles. On failure it
// undoes what it did and returns the error.
func (n *Node) Start(ctx context.Context) (err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	defer func() {
		if err != nil {
			n.stopLocked(context.Background())
		}
	}()
	if n.lock, err = LockDir(n.cfg.DataDir); err != nil {
		return err
	}
	if n.has(config.RoleCoordinator) || n.has(config.RoleOverlord) || n.has(config.RoleMiddleManager) {
		mc := metadata.Config{
			Type: n.cfg.Metadata.Type, ConnectURI: n.cfg.Metadata.ConnectURI,
			User: n.cfg.Metadata.User, Password: n.cfg.Metadata.Password,
			DataDir: n.cfg.Metadata.Dir, TablePrefix: n.cfg.Metadata.TablePrefix,
		}
		if n.store, err = metadata.Open(ctx, mc, n.log.With(slog.String("component", "metadata"))); err != nil {
			return fmt.Errorf("opening the %s metadata store: %w", n.cfg.Metadata.Type, err)
		}
	}
	if n.has(config.RoleCoordinator) || n.has(config.RoleOverlord) || n.has(config.RoleMiddleManager) || n.has(config.RoleHistorical) {
		if n.deep, err = deepstorage.NewLocal(n.cfg.DeepStorage.Dir); err != nil {
			return fmt.Errorf("opening local deep storage: %w", err)
		}
	}

	// Bind every listener before starting anything, so a busy port fails
	// start-up cleanly.
	mainLn, err := n.listen(n.cfg.Port, "druid.plaintextPort")
	if err != nil {
		return err
	}
	n.mainAddr = mainLn.Addr()
	n.servers = append(n.servers, &server{name: "main", ln: mainLn})
	for _, role := range n.roles {
		if p := n.cfg.RolePort(role); p != 0 {
			ln, err := n.listen(p, "dryad."+role+".plaintextPort")
			if err != nil {
				return err
			}
			n.roleAddr[role] = ln.Addr()
			n.servers = append(n.servers, &server{name: role, ln: ln})
		}
	}

	status := httpapi.StatusSource{
		Version:        n.version,
		Properties:     n.cfg.Properties,
		SelfDiscovered: func() bool { return n.SelfDiscovered(context.Background()) },
	}
	// Lookups first: the task service resolves transforms' lookups
	// through the registry.
	if err := n.startLookups(ctx); err != nil {
		return fmt.Errorf("loading lookups: %w", err)
	}
	if n.has(config.RoleOverlord) || n.has(config.RoleMiddleManager) {
		if err := n.startTasks(ctx); err != nil {
			return err
		}
	}
	built := n.build(status)
	for _, nr := range built {
		if err := nr.role.Start(ctx); err != nil {
			return fmt.Errorf("starting the %s: %w", nr.name, err)
		}
		n.running = append(n.running, nr)
	}

	n.handler = n.frontHandler(built, status)
	for _, s := range n.servers {
		h := n.handler
		if s.name != "main" {
			h = roleOf(built, s.name).Handler()
		}
		s.srv = &http.Server{
			Handler:           httpapi.Recover(n.log, httpapi.Logging(n.log, h)),
			ReadHeaderTimeout: 30 * time.Second,
			IdleTimeout:       n.cfg.IdleTimeout,
			ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
		}
		s.done = make(chan error, 1)
		go func(s *server) { s.done <- s.srv.Serve(s.ln) }(s)
	}

	for _, role := range n.roles {
		nd := discovery.Node{Role: role, Host: n.cfg.Host, Port: n.port(role)}
		if err := n.local.Announce(ctx, nd); err != nil {
			return fmt.Errorf("announcing the %s: %w", role, err)
		}
		n.selfMu.Lock()
		n.self = append(n.self, nd)
		n.selfMu.Unlock()
	}
	return nil
}

// build constructs the roles in start order with their dependencies.
func (n *Node) build(status httpapi.StatusSource) []namedRole {
	var out []namedRole
	for _, role := range n.roles {
		url := "http://" + net.JoinHostPort(n.cfg.Host, strconv.Itoa(n.port(role)))
		var r Role
		switch role {
		case config.RoleCoordinator:
			var tasks coordinator.TaskSubmitter
			slots := 0
			if n.tasks != nil {
				tasks, slots = n.tasks, n.cfg.MiddleManager.Capacity
			}
			c := coordinator.New(n.cfg.Coordinator, coordinator.Deps{Log: n.log, Status: status,
				Elector: n.elections.Elector(role, url), Metadata: n.store, Deep: n.deep, Servers: n.view, Tasks: tasks, TaskSlots: slots,
				LookupRoutes: n.lookupRoutes()})
			n.coord.Store(c)
			r = c
		case config.RoleOverlord:
			r = overlord.New(n.cfg.Overlord, overlord.Deps{Tasks: n.tasks, Log: n.log, Status: status,
				Elector: n.elections.Elector(role, url), Metadata: n.store, Deep: n.deep})
		case config.RoleMiddleManager:
			r = middlemanager.New(n.cfg.MiddleManager, middlemanager.Deps{Tasks: n.tasks, Log: n.log, Status: status,
				HostPort: net.JoinHostPort(n.cfg.Host, strconv.Itoa(n.port(role))), Metadata: n.store, Deep: n.deep})
		case config.RoleHistorical:
			r = n.buildHistoricals(status, net.JoinHostPort(n.cfg.Host, strconv.Itoa(n.port(role))))
		case config.RoleBroker:
			r = broker.New(n.cfg.Broker, broker.Deps{Log: n.log, Status: status, View: n.view, Lookups: n.lookupSource()})
		case config.RoleRouter:
			backends := map[string]http.Handler{}
			for _, o := range out {
				backends[o.name] = o.role.Handler()
			}
			r = router.New(n.cfg.Router, router.Deps{Log: n.log, Status: status, Backends: backends})
		}
		out = append(out, namedRole{name: role, role: r})
	}
	return out
}

// frontHandler is what the main listener serves: the router when the
// process runs one, otherwise the union of the roles' route tables.
func (n *Node) frontHandler(roles []namedRole, status httpapi.StatusSource) http.Handler {
	if r := roleOf(roles, config.RoleRouter); r != nil {
		return n.withListenRoutes(r.Handler())
	}
	routes := append(httpapi.StatusRoutes(status), n.listenRoutes()...)
	for _, nr := range roles {
		routes = append(routes, nr.role.Routes()...)
	}
	return httpapi.NewMux(routes)
}

func roleOf(roles []namedRole, name string) Role {
	for _, nr := range roles {
		if nr.name == name {
			return nr.role
		}
	}
	return nil
}

func (n *Node) listen(port int, key string) (net.Listener, error) {
	addr := net.JoinHostPort(n.cfg.BindAddress, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "listening on %s (%s): %w", addr, key, errors.Unwrap(err))
	}
	return ln, nil
}

// port is the port a role is reached on: its own listener's, else the main
// listener's.
func (n *Node) port(role string) int {
	if a, ok := n.roleAddr[role]; ok {
		return a.(*net.TCPAddr).Port
	}
	return n.mainAddr.(*net.TCPAddr).Port
}

// SelfDiscovered reports whether every role of this node is visible through
// node discovery.
func (n *Node) SelfDiscovered(ctx context.Context) bool {
	n.selfMu.Lock()
	self := slices.Clone(n.self)
	n.selfMu.Unlock()
	return len(self) == len(n.roles) && discovery.SelfDiscovered(ctx, n.local, self)
}

// Addr returns the main listener's address, or nil before Start.
func (n *Node) Addr() net.Addr {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mainAddr
}

// RoleAddr returns the address of a role's own listener, or nil when the
// role has none.
func (n *Node) RoleAddr(role string) net.Addr {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.roleAddr[role]
}

// Handler returns what the main listener serves (nil before Start).
func (n *Node) Handler() http.Handler {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.handler
}

// Stop shuts the node down gracefully: it withdraws the announcements,
// stops accepting connections and waits for in-flight requests until ctx
// ends (then closes what remains), stops the roles in reverse order, closes
// the metadata store and releases the data directory. It returns the first
// error met and always completes every step.
func (n *Node) Stop(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stopLocked(ctx)
}

func (n *Node) stopLocked(ctx context.Context) error {
	var errs []error
	n.selfMu.Lock()
	self := n.self
	n.self = nil
	n.selfMu.Unlock()
	for _, nd := range self {
		errs = append(errs, n.local.Unannounce(ctx, nd))
	}
	for _, s := range n.servers {
		if s.srv == nil {
			s.ln.Close()
			continue
		}
		if err := s.srv.Shutdown(ctx); err != nil {
			n.log.Warn("in-flight requests did not finish before the shutdown deadline; closing their connections",
				slog.String("listener", s.name), slog.Any("error", err))
			s.srv.Close()
		}
		if err := <-s.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("serving %s listener: %w", s.name, err))
		}
	}
	n.servers = nil
	for i := len(n.running) - 1; i >= 0; i-- {
		if err := n.running[i].role.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping the %s: %w", n.running[i].name, err))
		}
	}
	n.running = nil
	n.stopLookups()
	if n.tasks != nil {
		if err := n.tasks.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping the task queue: %w", err))
		}
		n.tasks = nil
	}
	n.deep = nil // local deep storage holds no open resources
	if n.store != nil {
		if err := n.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing the metadata store: %w", err))
		}
		n.store = nil
	}
	if n.lock != nil {
		errs = append(errs, n.lock.Unlock())
		n.lock = nil
	}
	return errors.Join(errs...)
}
