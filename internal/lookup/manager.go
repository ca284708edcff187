package lookup

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
)

// ConfigKey is the metadata config-table key of the lookup configuration,
// as in Druid.
const ConfigKey = "lookupsConfig"

// DefaultTier is Druid's default lookup tier.
const DefaultTier = "__default"

// Config is the lookup configuration: tier → lookup name → spec.
type Config map[string]map[string]Spec

// ConfigStore reads and writes the metadata store's config table.
// *metadata.Store implements it.
type ConfigStore interface {
	SetConfig(ctx context.Context, name string, payload json.RawMessage, audit metadata.AuditInfo) error
	Config(ctx context.Context, name string) (json.RawMessage, error)
}

// Node is a process that serves the lookups of a tier.
type Node struct {
	Tier string
	// HostPort is the node's advertised host:port.
	HostPort string
	Registry *Registry
}

// Manager is the coordinator's lookup manager: it owns the lookup
// configuration in the metadata store and serves the Lookups API. Its
// methods are safe for concurrent use; updates are serialized so that
// version checks and writes do not interleave.
type Manager struct {
	log      *slog.Logger
	store    ConfigStore
	nodes    []Node
	onChange func(ctx context.Context, cfg Config)

	mu sync.Mutex // serializes read-modify-write of the configuration
}

// NewManager returns a manager over store. nodes are the processes serving
// lookups that status reports on; onChange (may be nil) is called with the
// new configuration after every successful update, so that in-process
// registries follow at once.
func NewManager(log *slog.Logger, store ConfigStore, nodes []Node, onChange func(ctx context.Context, cfg Config)) *Manager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Manager{log: log.With(slog.String("component", "lookup-manager")), store: store, nodes: nodes, onChange: onChange}
}

// Load returns the stored configuration, nil when none was ever stored.
func (m *Manager) Load(ctx context.Context) (Config, error) {
	return LoadConfig(ctx, m.store)
}

// LoadConfig reads the lookup configuration from store; nil when none was
// ever stored.
func LoadConfig(ctx context.Context, store ConfigStore) (Config, error) {
	raw, err := store.Config(ctx, ConfigKey)
	if base.ClassOf(err) == base.ClassNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeConfig(raw, ConfigKey, false)
}

// decodeConfig decodes tier → name → spec, validating every spec when
// strict (the stored configuration is trusted and kept as it is).
func decodeConfig(raw json.RawMessage, path string, strict bool) (Config, error) {
	var tiers map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &tiers); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: expected an object of tiers, each an object of lookup name to {version, lookupExtractorFactory}: %v", path, err)
	}
	cfg := Config{}
	for tier, lookups := range tiers {
		if tier == "" {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: tier name must not be empty", path)
		}
		cfg[tier] = map[string]Spec{}
		for name, sraw := range lookups {
			if name == "" {
				return nil, base.Errorf(base.ClassInvalidInput, "%s.%s: lookup name must not be empty", path, tier)
			}
			p := path + "." + tier + "." + name
			if strict {
				s, _, err := DecodeSpec(sraw, p)
				if err != nil {
					return nil, err
				}
				cfg[tier][name] = s
				continue
			}
			var s struct {
				Version string          `json:"version"`
				Factory json.RawMessage `json:"lookupExtractorFactory"`
			}
			if err := json.Unmarshal(sraw, &s); err != nil {
				return nil, base.Errorf(base.ClassInternal, "%s: stored lookup spec does not decode: %w", p, err)
			}
			cfg[tier][name] = Spec{Version: s.Version, Factory: s.Factory}
		}
	}
	return cfg, nil
}

// Sync calls onChange with the stored configuration (at start).
func (m *Manager) Sync(ctx context.Context) error {
	cfg, err := m.Load(ctx)
	if err != nil {
		return err
	}
	if m.onChange != nil {
		m.onChange(ctx, cfg)
	}
	return nil
}

// update applies change to a copy of the configuration and stores it.
// change returns false when there is nothing to store.
func (m *Manager) update(ctx context.Context, audit metadata.AuditInfo, change func(cfg Config) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cfg, err := m.Load(ctx)
	if err != nil {
		return err
	}
	if cfg == nil {
		cfg = Config{}
	}
	if err := change(cfg); err != nil {
		return err
	}
	payload, err := json.Marshal(cfg)
	if err != nil {
		return base.Errorf(base.ClassInternal, "lookup config: encode: %w", err)
	}
	if err := m.store.SetConfig(ctx, ConfigKey, payload, audit); err != nil {
		return err
	}
	if m.onChange != nil {
		m.onChange(ctx, cfg)
	}
	return nil
}

// checkReplaces applies Druid's rule that an update must carry a greater
// version (compared as strings) than the spec it replaces.
func checkReplaces(tier, name string, old, upd Spec) error {
	if upd.Version > old.Version {
		return nil
	}
	return base.Errorf(base.ClassInvalidInput, "lookup [%s]:[%s]: update with version [%s] can't replace existing version [%s]; the version must be greater", tier, name, upd.Version, old.Version)
}

// Update merges lookups into the configuration (Druid's bulk POST):
// every given lookup is added or replaced; others stay.
func (m *Manager) Update(ctx context.Context, upd Config, audit metadata.AuditInfo) error {
	return m.update(ctx, audit, func(cfg Config) error {
		for _, tier := range sortedKeys(upd) {
			if cfg[tier] == nil {
				cfg[tier] = map[string]Spec{}
			}
			for _, name := range sortedKeys(upd[tier]) {
				s := upd[tier][name]
				if old, ok := cfg[tier][name]; ok {
					if err := checkReplaces(tier, name, old, s); err != nil {
						return err
					}
				}
				cfg[tier][name] = s
			}
		}
		return nil
	})
}

// Delete removes lookup name of tier (the tier too when it becomes empty),
// or the whole tier when name is empty. A missing tier or lookup is
// base.ClassNotFound.
func (m *Manager) Delete(ctx context.Context, tier, name string, audit metadata.AuditInfo) error {
	return m.update(ctx, audit, func(cfg Config) error {
		t, ok := cfg[tier]
		if !ok {
			return base.Errorf(base.ClassNotFound, "lookup tier [%s] not found", tier)
		}
		if name == "" {
			delete(cfg, tier)
			return nil
		}
		if _, ok := t[name]; !ok {
			return base.Errorf(base.ClassNotFound, "lookup [%s] not found in tier [%s]", name, tier)
		}
		delete(t, name)
		if len(t) == 0 {
			delete(cfg, tier)
		}
		return nil
	})
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Routes is the coordinator's Lookups API under
// /druid/coordinator/v1/lookups, for coordinator.Deps.LookupRoutes.
func (m *Manager) Routes() []httpapi.Route {
	const p = "/druid/coordinator/v1/lookups"
	h := func(method, pattern string, f http.HandlerFunc) httpapi.Route {
		return httpapi.Route{Method: method, Pattern: p + pattern, Handler: f}
	}
	return []httpapi.Route{
		h("GET", "/config", m.serveTiers),
		h("POST", "/config", m.serveUpdateAll),
		h("GET", "/config/all", m.serveAll),
		h("GET", "/config/{tier}", m.serveTier),
		h("DELETE", "/config/{tier}", m.serveDeleteTier),
		h("GET", "/config/{tier}/{lookupName}", m.serveLookup),
		h("POST", "/config/{tier}/{lookupName}", m.serveUpdateOne),
		h("DELETE", "/config/{tier}/{lookupName}", m.serveDeleteOne),
		h("GET", "/status", m.serveStatusAll),
		h("GET", "/status/{tier}", m.serveStatusTier),
		h("GET", "/status/{tier}/{lookupName}", m.serveStatusOne),
		h("GET", "/nodeStatus", m.serveNodeStatus),
		h("GET", "/nodeStatus/{tier}", m.serveNodeStatus),
		h("GET", "/nodeStatus/{tier}/{hostAndPort}", m.serveNodeStatusOne),
	}
}

// auditOf is who made a change: Druid's X-Druid-Author and X-Druid-Comment
// headers and the caller's address.
func auditOf(r *http.Request) metadata.AuditInfo {
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	return metadata.AuditInfo{Author: r.Header.Get("X-Druid-Author"), Comment: r.Header.Get("X-Druid-Comment"), IP: ip}
}

func queryFlag(r *http.Request, name string) bool {
	v, ok := r.URL.Query()[name]
	if !ok {
		return false
	}
	if len(v) == 0 || v[0] == "" {
		return true
	}
	b, err := strconv.ParseBool(v[0])
	return err == nil && b
}

// loaded reads the configuration for a GET, answering 404 (Druid's "No
// lookups found") when none was ever stored.
func (m *Manager) loaded(w http.ResponseWriter, r *http.Request) (Config, bool) {
	cfg, err := m.Load(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return nil, false
	}
	if cfg == nil {
		httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "No lookups found"))
		return nil, false
	}
	return cfg, true
}

func (m *Manager) serveTiers(w http.ResponseWriter, r *http.Request) {
	if queryFlag(r, "discover") {
		cfg, err := m.Load(r.Context())
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		set := map[string]bool{}
		for t := range cfg {
			set[t] = true
		}
		for _, n := range m.nodes {
			set[n.Tier] = true
		}
		httpapi.WriteJSON(w, r, http.StatusOK, sortedKeys(set))
		return
	}
	cfg, ok := m.loaded(w, r)
	if !ok {
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, sortedKeys(cfg))
}

func (m *Manager) serveAll(w http.ResponseWriter, r *http.Request) {
	if cfg, ok := m.loaded(w, r); ok {
		httpapi.WriteJSON(w, r, http.StatusOK, cfg)
	}
}

func (m *Manager) serveTier(w http.ResponseWriter, r *http.Request) {
	cfg, ok := m.loaded(w, r)
	if !ok {
		return
	}
	tier := r.PathValue("tier")
	t, ok := cfg[tier]
	if !ok {
		httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "Tier [%s] not found", tier))
		return
	}
	if queryFlag(r, "detailed") {
		httpapi.WriteJSON(w, r, http.StatusOK, t)
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, sortedKeys(t))
}

func (m *Manager) serveLookup(w http.ResponseWriter, r *http.Request) {
	cfg, ok := m.loaded(w, r)
	if !ok {
		return
	}
	name := r.PathValue("lookupName")
	s, ok := cfg[r.PathValue("tier")][name]
	if !ok {
		httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "lookup [%s] not found", name))
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, s)
}

func (m *Manager) serveUpdateAll(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if err := httpapi.DecodeJSON(r, &raw); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	upd, err := decodeConfig(raw, "lookups", true)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if err := m.Update(r.Context(), upd, auditOf(r)); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, r, http.StatusAccepted, upd)
}

func (m *Manager) serveUpdateOne(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if err := httpapi.DecodeJSON(r, &raw); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	tier, name := r.PathValue("tier"), r.PathValue("lookupName")
	s, _, err := DecodeSpec(raw, "lookup")
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if err := m.Update(r.Context(), Config{tier: {name: s}}, auditOf(r)); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (m *Manager) serveDeleteTier(w http.ResponseWriter, r *http.Request) {
	m.serveDelete(w, r, r.PathValue("tier"), "")
}

func (m *Manager) serveDeleteOne(w http.ResponseWriter, r *http.Request) {
	m.serveDelete(w, r, r.PathValue("tier"), r.PathValue("lookupName"))
}

func (m *Manager) serveDelete(w http.ResponseWriter, r *http.Request, tier, name string) {
	if err := m.Delete(r.Context(), tier, name, auditOf(r)); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// lookupStatus is Druid's LookupStatus.
type lookupStatus struct {
	Loaded       bool     `json:"loaded"`
	PendingNodes []string `json:"pendingNodes,omitempty"`
}

// statusOf reports whether every node of tier serves name at spec's
// version (true when the tier has no nodes, as in Druid).
func (m *Manager) statusOf(tier, name string, s Spec, detailed bool) lookupStatus {
	st := lookupStatus{Loaded: true}
	for _, n := range m.nodes {
		if n.Tier != tier {
			continue
		}
		ns, ok := n.Registry.Status()[name]
		if !ok || !ns.Loaded || ns.Version != s.Version {
			st.Loaded = false
			if detailed {
				st.PendingNodes = append(st.PendingNodes, n.HostPort)
			}
		}
	}
	return st
}

func (m *Manager) tierStatus(tier string, t map[string]Spec, detailed bool) map[string]lookupStatus {
	out := make(map[string]lookupStatus, len(t))
	for name, s := range t {
		out[name] = m.statusOf(tier, name, s, detailed)
	}
	return out
}

func (m *Manager) serveStatusAll(w http.ResponseWriter, r *http.Request) {
	cfg, ok := m.loaded(w, r)
	if !ok {
		return
	}
	out := map[string]map[string]lookupStatus{}
	for tier, t := range cfg {
		out[tier] = m.tierStatus(tier, t, queryFlag(r, "detailed"))
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

func (m *Manager) serveStatusTier(w http.ResponseWriter, r *http.Request) {
	cfg, ok := m.loaded(w, r)
	if !ok {
		return
	}
	tier := r.PathValue("tier")
	t, ok := cfg[tier]
	if !ok {
		httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "No lookups found for tier [%s].", tier))
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, m.tierStatus(tier, t, queryFlag(r, "detailed")))
}

func (m *Manager) serveStatusOne(w http.ResponseWriter, r *http.Request) {
	cfg, ok := m.loaded(w, r)
	if !ok {
		return
	}
	tier, name := r.PathValue("tier"), r.PathValue("lookupName")
	t, ok := cfg[tier]
	if !ok {
		httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "No lookups found for tier [%s].", tier))
		return
	}
	s, ok := t[name]
	if !ok {
		httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "Lookup [%s] not found for tier [%s].", name, tier))
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, m.statusOf(tier, name, s, queryFlag(r, "detailed")))
}

// NodeState is Druid's LookupsState: what a node serves and what it has
// still to load or drop (always empty here: a registry loads on update).
type NodeState struct {
	Current map[string]Spec `json:"current"`
	ToLoad  map[string]Spec `json:"toLoad"`
	ToDrop  []string        `json:"toDrop"`
}

// State returns the registry's LookupsState.
func (r *Registry) State() NodeState {
	cur := map[string]Spec{}
	r.mu.RLock()
	for n, e := range r.entries {
		if e.table.Load() != nil {
			cur[n] = e.spec
		}
	}
	r.mu.RUnlock()
	toLoad := map[string]Spec{}
	for n, s := range r.Specs() {
		if _, ok := cur[n]; !ok {
			toLoad[n] = s
		}
	}
	return NodeState{Current: cur, ToLoad: toLoad, ToDrop: []string{}}
}

func (m *Manager) serveNodeStatus(w http.ResponseWriter, r *http.Request) {
	tier := r.PathValue("tier")
	out := map[string]map[string]NodeState{}
	for _, n := range m.nodes {
		if tier != "" && n.Tier != tier {
			continue
		}
		if out[n.Tier] == nil {
			out[n.Tier] = map[string]NodeState{}
		}
		out[n.Tier][n.HostPort] = n.Registry.State()
	}
	if tier != "" {
		t, ok := out[tier]
		if !ok {
			httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "No nodes found for tier [%s].", tier))
			return
		}
		httpapi.WriteJSON(w, r, http.StatusOK, t)
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

func (m *Manager) serveNodeStatusOne(w http.ResponseWriter, r *http.Request) {
	tier, hp := r.PathValue("tier"), r.PathValue("hostAndPort")
	for _, n := range m.nodes {
		if n.Tier == tier && n.HostPort == hp {
			httpapi.WriteJSON(w, r, http.StatusOK, n.Registry.State())
			return
		}
	}
	httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "Node [%s] not found for tier [%s].", hp, tier))
}

// ListenRoutes are Druid's node-side lookup listener endpoints
// (/druid/listen/v1/lookups): the registry's state and each lookup's spec.
func (r *Registry) ListenRoutes() []httpapi.Route {
	const p = "/druid/listen/v1/lookups"
	return []httpapi.Route{
		{Method: "GET", Pattern: p, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			httpapi.WriteJSON(w, req, http.StatusOK, r.State())
		})},
		{Method: "GET", Pattern: p + "/{id}", Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			id := req.PathValue("id")
			s, ok := r.Specs()[id]
			if !ok {
				httpapi.WriteError(w, req, base.Errorf(base.ClassNotFound, "lookup [%s] not found", id))
				return
			}
			httpapi.WriteJSON(w, req, http.StatusOK, s)
		})},
	}
}
