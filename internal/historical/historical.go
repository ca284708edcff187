package historical

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/engine"
	"github.com/dryaddb/dryad/internal/segment"
	"github.com/dryaddb/dryad/internal/serverview"
)

// Deps are the historical's collaborators, owned by the caller.
type Deps struct {
	Log    *slog.Logger
	Status httpapi.StatusSource // what its /status endpoints report
	Deep   deepstorage.Storage  // where segments are pulled from; may be nil in tests of the HTTP surface
	// View is where the historical registers itself and announces the
	// segments it serves; nil serves without announcing.
	View *serverview.Local
	// Name identifies the server in the view (host:port).
	Name string
	// Threads bounds how many segments are processed at once
	// (druid.processing.numThreads); 0 means the number of CPUs.
	Threads int
	// CacheRows bounds the per-segment result cache, in cached result
	// rows; 0 means 1,000,000.
	CacheRows int
	// Run replaces engine.Run (tests); nil runs the segment engine.
	Run func(ctx context.Context, q query.Query, seg *segment.Segment, segmentID string) (*engine.Partial, error)
}

// Historical is the historical role: the owner of the local segment cache
// and of per-segment query execution, serving /druid/historical/v1/*. Its
// methods are safe for concurrent use; Start and Stop are called once each,
// in that order.
//
// It implements serverview.Loader (what the coordinator asks) and
// serverview.QueryRunner (what the broker asks).
type Historical struct {
	cfg     config.HistoricalConfig
	deps    Deps
	log     *slog.Logger
	mux     *httpapi.Mux
	cache   *segmentCache
	results *resultCache
	pool    *pool
	run     func(ctx context.Context, q query.Query, seg *segment.Segment, segmentID string) (*engine.Partial, error)

	ready    atomic.Bool   // the cache has been restored
	stopped  atomic.Bool   // Stop was called: no more loads
	restored chan struct{} // closed once the cache has been restored
	cancel   context.CancelFunc
	restore  sync.WaitGroup
}

// New returns a historical that has not started.
func New(cfg config.HistoricalConfig, deps Deps) *Historical {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	threads := deps.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	rows := deps.CacheRows
	if rows <= 0 {
		rows = 1_000_000
	}
	h := &Historical{cfg: cfg, deps: deps, log: log.With(slog.String("role", config.RoleHistorical)),
		results: newResultCache(rows), pool: newPool(threads), run: deps.Run, restored: make(chan struct{})}
	h.cache = newSegmentCache(cfg.CacheLocations, deps.Deep, h.log)
	h.mux = httpapi.NewMux(append(httpapi.StatusRoutes(deps.Status), h.Routes()...))
	return h
}

// Start registers the historical with the server view and restores the
// segments recorded in its cache locations in the background (announcing
// each, without pulling); loadstatus reports cacheInitialized once done.
func (h *Historical) Start(ctx context.Context) error {
	h.log.Debug("historical started", slog.String("tier", h.cfg.Tier), slog.Int("cacheLocations", len(h.cfg.CacheLocations)))
	if h.deps.View != nil {
		h.deps.View.AddServer(serverview.Server{Name: h.deps.Name, Type: "historical", Tier: h.cfg.Tier,
			Priority: h.cfg.Priority, MaxSize: h.maxSize(), Loader: h, Runner: h})
	}
	rctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.restore.Add(1)
	go func() {
		defer h.restore.Done()
		n := 0
		err := h.cache.restore(rctx, func(seg base.DataSegment) {
			n++
			h.announce(seg)
		})
		if err != nil {
			h.log.Error("restoring the segment cache", slog.Any("error", err))
		}
		h.log.Info("segment cache loaded", slog.Int("segments", n))
		h.ready.Store(true)
		close(h.restored)
	}()
	return nil
}

func (h *Historical) maxSize() int64 {
	if h.cfg.MaxSize > 0 {
		return h.cfg.MaxSize
	}
	var n int64
	for _, l := range h.cfg.CacheLocations {
		n += l.MaxSize
	}
	return n
}

func (h *Historical) announce(seg base.DataSegment) {
	if h.deps.View != nil {
		h.deps.View.Announce(h.deps.Name, seg)
	}
}

// Stop unregisters the historical from the view and closes its segments;
// the cache files stay for the next start.
func (h *Historical) Stop(ctx context.Context) error {
	h.stopped.Store(true)
	if h.cancel != nil {
		h.cancel()
		h.restore.Wait()
	}
	if h.deps.View != nil {
		h.deps.View.RemoveServer(h.deps.Name)
	}
	h.cache.closeAll()
	return nil
}

// Load implements serverview.Loader: it pulls seg into the cache (unless
// cached), memory-maps it and announces it. It waits until the cache of a
// previous run has been restored, so that restored segments are never
// pulled again.
func (h *Historical) Load(ctx context.Context, seg base.DataSegment) error {
	select {
	case <-h.restored:
	case <-ctx.Done():
		return ctx.Err()
	}
	if h.stopped.Load() {
		return base.Errorf(base.ClassUnavailable, "historical %s is stopping: segment %s not loaded", h.deps.Name, seg.ID())
	}
	_, pulled, err := h.cache.load(ctx, seg)
	if err != nil {
		return err
	}
	if pulled {
		h.log.Info("loaded segment", slog.String("segment", seg.ID().String()), slog.Int64("size", seg.Size))
	}
	h.announce(seg)
	return nil
}

// Drop implements serverview.Loader: it unannounces the segment, waits for
// the queries reading it and deletes it from the cache.
func (h *Historical) Drop(ctx context.Context, id base.SegmentID) error {
	if h.deps.View != nil {
		h.deps.View.Unannounce(h.deps.Name, id)
	}
	if _, ok := h.cache.drop(id); ok {
		h.log.Info("dropped segment", slog.String("segment", id.String()))
	}
	return nil
}

// Served implements serverview.Loader.
func (h *Historical) Served(ctx context.Context) ([]base.DataSegment, error) {
	return h.cache.all(), nil
}

// Pulls returns the number of segments pulled from deep storage since
// the historical was created (restored segments are not pulled).
func (h *Historical) Pulls() int64 { return h.cache.pullCount() }

// Handler serves the common /status endpoints and Routes.
func (h *Historical) Handler() http.Handler { return h.mux }

// CacheInitialized reports whether the segment cache of a previous run has
// been restored (what /druid/historical/v1/loadstatus reports).
func (h *Historical) CacheInitialized() bool { return h.ready.Load() }

// Name returns the name the historical registers in the server view.
func (h *Historical) Name() string { return h.deps.Name }

// Routes is the historical's route table: loadstatus answers
// {"cacheInitialized":bool}; readiness answers 200 once the cache is
// restored and 503 before.
func (h *Historical) Routes() []httpapi.Route { return readinessRoutes(h.CacheInitialized) }

// readinessRoutes are the historical's loadstatus and readiness endpoints
// over a readiness test.
func readinessRoutes(ready func() bool) []httpapi.Route {
	const v1 = "/druid/historical/v1"
	return []httpapi.Route{
		{Method: "GET", Pattern: v1 + "/loadstatus", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpapi.WriteJSON(w, r, http.StatusOK, map[string]bool{"cacheInitialized": ready()})
		})},
		{Method: "GET", Pattern: v1 + "/readiness", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ready() {
				w.WriteHeader(http.StatusOK)
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		})},
	}
}
