package node

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"encoding/json"

	"github.com/dryaddb/dryad/internal/config"
)

// quickstartHandler starts an all-roles node and returns its front handler.
func quickstartHandler(tb testing.TB) http.Handler {
	tb.Helper()
	dir := tb.TempDir()
	cfg, err := config.Load(config.Source{Mode: config.ModeQuickstart, Flags: []config.Setting{
		{Key: "dryad.dataDir", Value: dir, Origin: "test"},
		{Key: "druid.plaintextPort", Value: "0", Origin: "test"},
	}}, quiet())
	if err != nil {
		tb.Fatal(err)
	}
	n, err := New(Options{Config: cfg, Roles: config.AllRoles(), Version: "bench", Log: quiet()})
	if err != nil {
		tb.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Stop(context.Background()) })
	return n.Handler()
}

// FuzzFrontDoor sends arbitrary methods, paths and bodies through the
// quickstart router: every answer must be a known status, and every error
// must be Druid's JSON body — never a panic, never a 500.
func FuzzFrontDoor(f *testing.F) {
	for _, seed := range []struct{ method, path, body string }{
		{"GET", "/status", ""},
		{"GET", "/druid/coordinator/v1/leader", ""},
		{"POST", "/druid/v2/", `{"queryType":`},
		{"PUT", "/druid/indexer/v1/task", "{}"},
		{"DELETE", "/druid/coordinator/v1/datasources/wiki/intervals/2020-01-01_2020-01-02", ""},
		{"GET", "/druid//v2/../x", ""},
		{"POST", "/druid/worker/v1/disable", ""},
		{"GET", "/%zz", ""},
	} {
		f.Add(seed.method, seed.path, seed.body)
	}
	h := quickstartHandler(f)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") || !utf8.ValidString(method) || method == "CONNECT" {
			return
		}
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n#?") {
			return
		}
		req, err := http.NewRequest(method, "http://dryad"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 301, 307, 308, 400, 404, 405, 415, 501:
		default:
			t.Fatalf("%s %q: status %d: %s", method, path, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && method != "HEAD" {
			var e struct {
				Error    string `json:"error"`
				Category string `json:"category"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error != "druidException" || e.Category == "" {
				t.Fatalf("%s %q: %d with body %q", method, path, rec.Code, rec.Body)
			}
		}
	})
}

// BenchmarkFrontDoor measures the cost of the HTTP plumbing on the request
// path: router dispatch, role mux, handler and JSON encoding, in-process.
func BenchmarkFrontDoor(b *testing.B) {
	h := quickstartHandler(b)
	for _, bc := range []struct{ name, method, path string }{
		{"health", "GET", "/status/health"},
		{"isLeader", "GET", "/druid/coordinator/v1/isLeader"},
		{"unsupported", "GET", "/druid/coordinator/v1/datasources/wiki/segments"},
		{"notFound", "GET", "/druid/nope"},
		{"methodNotAllowed", "PUT", "/druid/coordinator/v1/isLeader"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(bc.method, bc.path, nil)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
			}
		})
	}
}
