package lookup

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestAPI replays a session against the Lookups API over a real metadata
// store and compares every answer with testdata/api.golden.
func TestAPI(t *testing.T) {
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	reg := NewRegistry(nil)
	defer reg.Stop()
	m := NewManager(nil, store, []Node{{Tier: DefaultTier, HostPort: "localhost:8082", Registry: reg}},
		func(ctx context.Context, cfg Config) { reg.Apply(ctx, cfg[DefaultTier]) })
	routes := append(m.Routes(), reg.ListenRoutes()...)
	h := httpapi.NewMux(routes)
	const v1 = "/druid/coordinator/v1/lookups"
	steps := []struct{ method, path, body string }{
		{"GET", v1 + "/config", ""},
		{"GET", v1 + "/config?discover=true", ""},
		{"GET", v1 + "/config/all", ""},
		{"GET", v1 + "/status", ""},
		{"POST", v1 + "/config", `{}`},
		{"GET", v1 + "/config", ""},
		{"POST", v1 + "/config", `{"__default":{"country":{"version":"v1","lookupExtractorFactory":{"type":"map","map":{"fr":"France"}}}},"hot":{"x":{"version":"a","lookupExtractorFactory":{"type":"map","map":{}}}}}`},
		{"GET", v1 + "/config", ""},
		{"GET", v1 + "/config/all", ""},
		{"GET", v1 + "/config/__default", ""},
		{"GET", v1 + "/config/__default?detailed=true", ""},
		{"GET", v1 + "/config/nope", ""},
		{"GET", v1 + "/config/__default/country", ""},
		{"GET", v1 + "/config/__default/nope", ""},
		{"POST", v1 + "/config/__default/country", `{"version":"v1","lookupExtractorFactory":{"type":"map","map":{}}}`},
		{"POST", v1 + "/config/__default/country", `{"version":"v0","lookupExtractorFactory":{"type":"map","map":{}}}`},
		{"POST", v1 + "/config/__default/country", `{"version":"v2","lookupExtractorFactory":{"type":"map","map":{"fr":"République française"}}}`},
		{"POST", v1 + "/config/__default/bad", `{"version":"v1","lookupExtractorFactory":{"type":"cachedNamespace","extractionNamespace":{"type":"jdbc"}}}`},
		{"POST", v1 + "/config/__default/bad", `{"version":"v1"}`},
		{"POST", v1 + "/config/__default/bad", `not json`},
		{"POST", v1 + "/config", `{"__default":{"c":{"version":"v1","lookupExtractorFactory":{"type":"map","map":{"a":{}}}}}}`},
		{"POST", v1 + "/config", `{"__default":[]}`},
		{"GET", v1 + "/status", ""},
		{"GET", v1 + "/status?detailed=true", ""},
		{"GET", v1 + "/status/__default", ""},
		{"GET", v1 + "/status/__default/country", ""},
		{"GET", v1 + "/status/hot/x?detailed=true", ""},
		{"GET", v1 + "/status/nope", ""},
		{"GET", v1 + "/status/__default/nope", ""},
		{"GET", v1 + "/nodeStatus", ""},
		{"GET", v1 + "/nodeStatus/__default", ""},
		{"GET", v1 + "/nodeStatus/__default/localhost:8082", ""},
		{"GET", v1 + "/nodeStatus/hot", ""},
		{"GET", v1 + "/nodeStatus/__default/other:1", ""},
		{"GET", "/druid/listen/v1/lookups", ""},
		{"GET", "/druid/listen/v1/lookups/country", ""},
		{"GET", "/druid/listen/v1/lookups/x", ""},
		{"DELETE", v1 + "/config/__default/nope", ""},
		{"DELETE", v1 + "/config/nope/country", ""},
		{"DELETE", v1 + "/config/__default/country", ""},
		{"GET", v1 + "/config/all", ""},
		{"DELETE", v1 + "/config/hot", ""},
		{"DELETE", v1 + "/config/hot", ""},
		{"GET", v1 + "/config/all", ""},
	}
	var b strings.Builder
	for _, s := range steps {
		req := httptest.NewRequest(s.method, s.path, strings.NewReader(s.body))
		if s.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("X-Druid-Author", "tester")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Fprintf(&b, "%s %s %s\n  %d %s\n", s.method, s.path, s.body, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	golden(t, "api.golden", b.String())

	// Every change was audited with its author.
	hist, err := store.ConfigHistory(ctx, ConfigKey, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 5 || hist[0].AuditInfo.Author != "tester" {
		t.Errorf("audit history: %d entries %+v", len(hist), hist)
	}
	if _, ok := reg.Map("country"); ok {
		t.Error("deleted lookup still served")
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s mismatch:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestManagerSync loads a stored configuration into a registry at start.
func TestManagerSync(t *testing.T) {
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	m1 := NewManager(nil, store, nil, nil)
	if err := m1.Update(ctx, Config{"t": {"a": mapSpec("v1", map[string]string{"k": "v"})}}, metadata.AuditInfo{}); err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(nil)
	defer reg.Stop()
	m2 := NewManager(nil, store, nil, func(ctx context.Context, cfg Config) { reg.Apply(ctx, cfg["t"]) })
	if err := m2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if mm, ok := reg.Map("a"); !ok || mm["k"] != "v" {
		t.Errorf("after Sync: %v %v", mm, ok)
	}
	var _ http.Handler = httpapi.NewMux(m2.Routes())
}
