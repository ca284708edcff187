package httpapi

import (
	"context"
	"net/http"
	"runtime"
	"runtime/debug"

	"github.com/dryaddb/dryad/internal/base"
)

// StatusSource supplies what the common /status endpoints report. Its
// functions are called once per request and must be safe for concurrent
// use.
type StatusSource struct {
	// Version is reported by GET /status.
	Version string
	// Properties returns the effective configuration with secrets masked
	// (GET /status/properties).
	Properties func() map[string]string
	// SelfDiscovered reports whether the node's own announcement is visible
	// through node discovery (GET /status/selfDiscovered[/status]).
	SelfDiscovered func() bool
}

// StatusBody is GET /status's body, shaped like Druid's.
type StatusBody struct {
	Version string         `json:"version"`
	Modules []StatusModule `json:"modules"`
	Memory  MemoryStatus   `json:"memory"`
}

// StatusModule is one loaded extension in GET /status. dryad compiles its
// features in and loads no extensions, so the list is empty.
type StatusModule struct {
	Name     string `json:"name"`
	Artifact string `json:"artifact"`
	Version  string `json:"version"`
}

// MemoryStatus is the memory section of GET /status. Druid reports JVM heap
// figures; dryad reports the Go runtime's (see ReadMemoryStatus).
type MemoryStatus struct {
	MaxMemory    int64 `json:"maxMemory"`
	TotalMemory  int64 `json:"totalMemory"`
	FreeMemory   int64 `json:"freeMemory"`
	UsedMemory   int64 `json:"usedMemory"`
	DirectMemory int64 `json:"directMemory"`
}

// ReadMemoryStatus maps the Go runtime's memory statistics onto Druid's
// fields:
//
//   - maxMemory: the runtime's soft memory limit (GOMEMLIMIT or
//     debug.SetMemoryLimit); when no limit is set, totalMemory.
//   - totalMemory: MemStats.Sys, all memory obtained from the OS.
//   - usedMemory: MemStats.HeapAlloc, bytes of allocated heap objects.
//   - freeMemory: totalMemory - usedMemory.
//   - directMemory: 0; dryad has no direct-memory pool (segment files are
//     memory-mapped by the kernel and not counted here).
func ReadMemoryStatus() MemoryStatus {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	total := int64(ms.Sys)
	used := int64(ms.HeapAlloc)
	limit := debug.SetMemoryLimit(-1)
	if limit <= 0 || limit == int64(^uint64(0)>>1) {
		limit = total
	}
	return MemoryStatus{MaxMemory: limit, TotalMemory: total, FreeMemory: total - used, UsedMemory: used}
}

// StatusRoutes returns the common endpoints every role serves:
// GET /status, /status/health, /status/properties,
// /status/selfDiscovered/status and /status/selfDiscovered.
func StatusRoutes(src StatusSource) []Route {
	return []Route{
		{Method: http.MethodGet, Pattern: "/status", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			WriteJSON(w, r, http.StatusOK, StatusBody{Version: src.Version, Modules: []StatusModule{}, Memory: ReadMemoryStatus()})
		})},
		{Method: http.MethodGet, Pattern: "/status/health", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			WriteJSON(w, r, http.StatusOK, true)
		})},
		{Method: http.MethodGet, Pattern: "/status/properties", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			props := map[string]string{}
			if src.Properties != nil {
				props = src.Properties()
			}
			WriteJSON(w, r, http.StatusOK, props)
		})},
		{Method: http.MethodGet, Pattern: "/status/selfDiscovered/status", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			WriteJSON(w, r, http.StatusOK, map[string]bool{"selfDiscovered": selfDiscovered(src)})
		})},
		{Method: http.MethodGet, Pattern: "/status/selfDiscovered", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !selfDiscovered(src) {
				WriteError(w, r, base.Errorf(base.ClassUnavailable, "this node has not discovered itself yet"))
				return
			}
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
		})},
	}
}

func selfDiscovered(src StatusSource) bool { return src.SelfDiscovered != nil && src.SelfDiscovered() }

// Leadership is what the leader endpoints need from a leader election;
// discovery.Elector provides it.
type Leadership interface {
	IsLeader() bool
	Leader(ctx context.Context) (string, error)
}

// LeaderRoutes returns Druid's two leader endpoints under prefix (e.g.
// "/druid/coordinator/v1"): GET prefix/leader answers the leader's URL as
// plain text (as Druid does), GET prefix/isLeader answers {"leader":bool}
// with 200 when this node leads and 404 when it does not.
func LeaderRoutes(prefix string, l Leadership) []Route {
	return []Route{
		{Method: http.MethodGet, Pattern: prefix + "/leader", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, err := l.Leader(r.Context())
			if err != nil {
				WriteError(w, r, err)
				return
			}
			WriteText(w, http.StatusOK, u)
		})},
		{Method: http.MethodGet, Pattern: prefix + "/isLeader", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			leader := l.IsLeader()
			status := http.StatusOK
			if !leader {
				status = http.StatusNotFound
			}
			WriteJSON(w, r, status, map[string]bool{"leader": leader})
		})},
	}
}
