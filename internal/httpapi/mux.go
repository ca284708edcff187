package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// Route is one entry of a role's route table: a method and a ServeMux path
// pattern (Go 1.22 syntax: "{name}" wildcards, "{$}" to end an exact path
// with a slash) mapped to the handler that serves it.
type Route struct {
	Method  string       // GET, POST, PUT or DELETE (GET also answers HEAD); "" for any method
	Pattern string       // path pattern, e.g. "/druid/coordinator/v1/rules/{dataSourceName}"
	Handler http.Handler // the handler; never nil

	// Unsupported marks a documented Druid endpoint whose functionality
	// dryad does not have yet; its handler answers 501. Later work replaces
	// the entry with a real handler and clears the flag.
	Unsupported bool
}

// String returns "METHOD pattern" (just the pattern for any method), the
// form ServeMux registers.
func (r Route) String() string {
	if r.Method == "" {
		return r.Pattern
	}
	return r.Method + " " + r.Pattern
}

// probeMethods are the methods tried when a path matched no route, to tell a
// 405 (the path exists with another method) from a 404.
var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch}

// Mux is a route table served by an http.ServeMux whose own plain-text 404
// and 405 replies are replaced by Druid-style JSON error bodies (405 keeps
// the Allow header). A Mux is immutable after NewMux and safe for concurrent
// use.
type Mux struct {
	mux    *http.ServeMux
	routes []Route
}

// NewMux registers routes in order. Like http.ServeMux.Handle it panics on
// a malformed or conflicting pattern: route tables are static, and each
// role's tests build its table.
func NewMux(routes []Route) *Mux {
	m := &Mux{mux: http.NewServeMux(), routes: slices.Clone(routes)}
	for _, rt := range routes {
		m.mux.Handle(rt.String(), rt.Handler)
	}
	m.mux.HandleFunc("/", m.unmatched)
	return m
}

// Routes returns a copy of the route table.
func (m *Mux) Routes() []Route { return slices.Clone(m.routes) }

// Match returns the pattern ("METHOD /path") of the route that would serve a
// request with this method and URL path, or "" if none would.
func (m *Mux) Match(method, path string) string {
	r, err := http.NewRequest(method, path, nil)
	if err != nil {
		return ""
	}
	_, p := m.mux.Handler(r)
	if p == "/" {
		return ""
	}
	return p
}

// ServeHTTP dispatches to the matching route, or answers 404/405 with a
// Druid error body.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// unmatched is the catch-all: it finds which methods the path would accept
// and answers 405 with an Allow header if there are any, 404 otherwise.
func (m *Mux) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, method := range probeMethods {
		if method == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, p := m.mux.Handler(probe); p != "/" && p != "" {
			allow = append(allow, method)
			if method == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		WriteError(w, r, MethodNotAllowed(r, allow))
		return
	}
	WriteError(w, r, NotFound(r))
}

// NotFound returns the ClassNotFound error for a path no route serves.
func NotFound(r *http.Request) error {
	return base.Errorf(base.ClassNotFound, "%s %s: no such endpoint", r.Method, r.URL.Path)
}

// MethodNotAllowed returns the 405 StatusError for a path served only with
// other methods.
func MethodNotAllowed(r *http.Request, allow []string) error {
	return &StatusError{Status: http.StatusMethodNotAllowed, Class: base.ClassInvalidInput,
		Err: fmt.Errorf("%s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))}
}

// Unsupported returns a route for a documented Druid endpoint that dryad
// does not implement yet. It answers 501 with a ClassUnsupported body naming
// the endpoint.
func Unsupported(method, pattern string) Route {
	return Route{Method: method, Pattern: pattern, Unsupported: true, Handler: unsupportedHandler(method, pattern, false)}
}

// UnsupportedJSON is Unsupported for an endpoint that takes a JSON request
// body: the body is checked first, so a wrong media type still answers 415
// and malformed JSON 400, exactly as they will once the endpoint exists.
func UnsupportedJSON(method, pattern string) Route {
	return Route{Method: method, Pattern: pattern, Unsupported: true, Handler: unsupportedHandler(method, pattern, true)}
}

func unsupportedHandler(method, pattern string, jsonBody bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if jsonBody {
			var raw jsonValue
			if err := DecodeJSON(r, &raw); err != nil {
				WriteError(w, r, err)
				return
			}
		}
		WriteError(w, r, base.Errorf(base.ClassUnsupported, "%s %s is not supported by dryad yet", method, displayPattern(pattern)))
	})
}

// jsonValue accepts any JSON value without building it.
type jsonValue struct{}

// UnmarshalJSON accepts any value; encoding/json has already checked syntax.
func (*jsonValue) UnmarshalJSON([]byte) error { return nil }

// displayPattern strips ServeMux's "{$}" anchor for messages.
func displayPattern(p string) string { return strings.TrimSuffix(p, "{$}") }
