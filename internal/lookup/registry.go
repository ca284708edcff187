package lookup

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
)

// Registry is the set of lookups one process serves. Its methods are safe
// for concurrent use. Each lookup's data is an immutable snapshot swapped
// atomically on update; cachedNamespace lookups are re-read by polling
// goroutines the Registry owns until the lookup is removed or Stop is
// called.
type Registry struct {
	log *slog.Logger

	mu      sync.RWMutex
	entries map[string]*entry
	stopped bool
	wg      sync.WaitGroup
}

// entry is one lookup: its spec and the current snapshot.
type entry struct {
	name    string
	spec    Spec
	factory *Factory
	table   atomic.Pointer[table]
	lastErr atomic.Pointer[string]
	cancel  context.CancelFunc
	done    chan struct{}
}

// table is an immutable snapshot of a lookup's data.
type table struct {
	m       map[string]string
	modTime time.Time
	size    int64
	file    string
}

// Status is a lookup's state in a Registry.
type Status struct {
	Version string `json:"version"`
	Loaded  bool   `json:"loaded"`
	// Error is the last load error, empty when the last load succeeded.
	Error string `json:"error,omitempty"`
	Size  int    `json:"size"`
}

// NewRegistry returns an empty registry that logs to log (nil: discard).
func NewRegistry(log *slog.Logger) *Registry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Registry{log: log.With(slog.String("component", "lookups")), entries: map[string]*entry{}}
}

// Map returns the current key→value map of lookup name and whether it is
// loaded. The map is shared: callers must not modify it.
func (r *Registry) Map(name string) (map[string]string, bool) {
	r.mu.RLock()
	e := r.entries[name]
	r.mu.RUnlock()
	if e == nil {
		return nil, false
	}
	t := e.table.Load()
	if t == nil {
		return nil, false
	}
	return t.m, true
}

// Lookup returns lookup name as an expr.Lookup over its current snapshot.
func (r *Registry) Lookup(name string) (expr.Lookup, bool) {
	m, ok := r.Map(name)
	if !ok {
		return nil, false
	}
	return MapLookup(m), true
}

// MapLookup is an expr.Lookup over an immutable map.
type MapLookup map[string]string

// Get implements expr.Lookup.
func (m MapLookup) Get(key string) (string, bool) {
	v, ok := m[key]
	return v, ok
}

// Injective reports whether lookup name is declared injective.
func (r *Registry) Injective(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e := r.entries[name]
	return e != nil && e.factory.Injective
}

// Status returns the state of every lookup, by name.
func (r *Registry) Status() map[string]Status {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make(map[string]Status, len(r.entries))
	for n, e := range r.entries {
		out[n] = e.status()
	}
	return out
}

// Specs returns the spec of every lookup, by name.
func (r *Registry) Specs() map[string]Spec {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make(map[string]Spec, len(r.entries))
	for n, e := range r.entries {
		out[n] = e.spec
	}
	return out
}

func (e *entry) status() Status {
	s := Status{Version: e.spec.Version}
	if t := e.table.Load(); t != nil {
		s.Loaded, s.Size = true, len(t.m)
	}
	if p := e.lastErr.Load(); p != nil {
		s.Error = *p
	}
	return s
}

// Apply makes the registry serve exactly specs: lookups that are new or
// whose version changed are (re)loaded, lookups not in specs are dropped.
// A lookup whose spec does not decode is logged and skipped (the
// configuration was validated when it was stored). Apply waits for each
// cachedNamespace's first load up to its firstCacheTimeout.
func (r *Registry) Apply(ctx context.Context, specs map[string]Spec) {
	r.mu.RLock()
	var drop []string
	for n := range r.entries {
		if _, ok := specs[n]; !ok {
			drop = append(drop, n)
		}
	}
	r.mu.RUnlock()
	for _, n := range drop {
		r.Remove(n)
	}
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := r.Put(ctx, n, specs[n]); err != nil {
			r.log.Warn("lookup not loaded", slog.String("lookup", n), slog.String("version", specs[n].Version), slog.Any("error", err))
		}
	}
}

// Put adds or replaces lookup name. A spec with the version already served
// is a no-op. A map lookup is loaded at once; a cachedNamespace is read
// before Put returns when that takes less than its firstCacheTimeout, and in
// the background otherwise. Errors are base.ClassInvalidInput or
// base.ClassUnsupported for specs that do not decode.
func (r *Registry) Put(ctx context.Context, name string, spec Spec) error {
	if name == "" {
		return base.Errorf(base.ClassInvalidInput, "lookup name must not be empty")
	}
	r.mu.RLock()
	cur := r.entries[name]
	r.mu.RUnlock()
	if cur != nil && cur.spec.Version == spec.Version {
		return nil
	}
	f, err := DecodeFactory(spec.Factory, "lookupExtractorFactory")
	if err != nil {
		return err
	}
	e := &entry{name: name, spec: spec, factory: f}
	var first chan struct{}
	if f.Type == TypeMap {
		e.table.Store(&table{m: f.Map})
	} else {
		loopCtx, cancel := context.WithCancel(context.Background())
		e.cancel, e.done, first = cancel, make(chan struct{}), make(chan struct{})
		r.mu.Lock()
		if r.stopped {
			r.mu.Unlock()
			cancel()
			return base.Errorf(base.ClassUnavailable, "lookup registry is stopped")
		}
		r.wg.Add(1)
		r.mu.Unlock()
		go r.poll(loopCtx, e, first)
	}
	r.mu.Lock()
	old := r.entries[name]
	if r.stopped {
		r.mu.Unlock()
		e.stop()
		return base.Errorf(base.ClassUnavailable, "lookup registry is stopped")
	}
	r.entries[name] = e
	r.mu.Unlock()
	if old != nil {
		old.stop()
	}
	r.log.Info("lookup updated", slog.String("lookup", name), slog.String("version", spec.Version), slog.String("type", f.Type))
	if first != nil && f.FirstCacheTimeout > 0 {
		t := time.NewTimer(f.FirstCacheTimeout)
		defer t.Stop()
		select {
		case <-first:
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return nil
}

// Remove stops serving lookup name; unknown names are a no-op.
func (r *Registry) Remove(name string) {
	r.mu.Lock()
	e := r.entries[name]
	delete(r.entries, name)
	r.mu.Unlock()
	if e != nil {
		e.stop()
		r.log.Info("lookup dropped", slog.String("lookup", name), slog.String("version", e.spec.Version))
	}
}

// Stop drops every lookup and waits for the polling goroutines to end.
func (r *Registry) Stop() {
	r.mu.Lock()
	r.stopped = true
	es := r.entries
	r.entries = map[string]*entry{}
	r.mu.Unlock()
	for _, e := range es {
		e.stop()
	}
	r.wg.Wait()
}

func (e *entry) stop() {
	if e.cancel != nil {
		e.cancel()
		<-e.done
	}
}

// poll reads the namespace now and then every PollPeriod until ctx ends;
// first is closed after the first attempt.
func (r *Registry) poll(ctx context.Context, e *entry, first chan struct{}) {
	defer r.wg.Done()
	defer close(e.done)
	r.load(e)
	close(first)
	ns := e.factory.Namespace
	if ns.PollPeriod <= 0 {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(ns.PollPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.load(e)
		}
	}
}

// load (re)reads e's file when it changed since the last read and swaps
// the snapshot; a failed read keeps the previous snapshot.
func (r *Registry) load(e *entry) {
	t, err := readNamespace(e.factory.Namespace, e.table.Load())
	if err != nil {
		msg := err.Error()
		e.lastErr.Store(&msg)
		r.log.Warn("lookup load", slog.String("lookup", e.name), slog.String("version", e.spec.Version), slog.Any("error", err))
		return
	}
	e.lastErr.Store(nil)
	if t != nil {
		e.table.Store(t)
		r.log.Debug("lookup loaded", slog.String("lookup", e.name), slog.String("file", t.file), slog.Int("entries", len(t.m)))
	}
}

// readNamespace reads the namespace's file, or returns nil when it is the
// file prev was read from, unchanged.
func readNamespace(ns *URINamespace, prev *table) (*table, error) {
	file := ns.Path
	if ns.Prefix != "" {
		var err error
		if file, err = newestMatch(ns); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, base.Errorf(base.ClassNotFound, "lookup file %s: %w", file, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, base.Errorf(base.ClassInternal, "lookup file %s: %w", file, err)
	}
	if fi.IsDir() {
		return nil, base.Errorf(base.ClassInvalidInput, "lookup file %s is a directory", file)
	}
	if prev != nil && prev.file == file && prev.modTime.Equal(fi.ModTime()) && prev.size == fi.Size() {
		return nil, nil
	}
	m, err := ns.Parse.Parse(f, file)
	if err != nil {
		return nil, err
	}
	return &table{m: m, modTime: fi.ModTime(), size: fi.Size(), file: file}, nil
}

// newestMatch returns the most recently modified file directly under the
// namespace's prefix whose name matches its fileRegex.
func newestMatch(ns *URINamespace) (string, error) {
	des, err := os.ReadDir(ns.Prefix)
	if err != nil {
		return "", base.Errorf(base.ClassNotFound, "lookup uriPrefix %s: %w", ns.Prefix, err)
	}
	best, bestTime := "", time.Time{}
	for _, de := range des {
		if de.IsDir() || !ns.FileRegex.MatchString(de.Name()) {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue
		}
		if best == "" || fi.ModTime().After(bestTime) {
			best, bestTime = filepath.Join(ns.Prefix, de.Name()), fi.ModTime()
		}
	}
	if best == "" {
		return "", base.Errorf(base.ClassNotFound, "lookup uriPrefix %s: no file matches fileRegex %s", ns.Prefix, ns.FileRegex)
	}
	return best, nil
}

// MarshalJSON writes the spec as Druid's container.
func (s Spec) MarshalJSON() ([]byte, error) {
	f := s.Factory
	if len(f) == 0 {
		f = json.RawMessage("null")
	}
	return json.Marshal(struct {
		Version string          `json:"version"`
		Factory json.RawMessage `json:"lookupExtractorFactory"`
	}{s.Version, f})
}
