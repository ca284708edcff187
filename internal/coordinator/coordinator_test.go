package coordinator

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/discovery"
)

func TestLeadershipAndRoutes(t *testing.T) {
	ctx := context.Background()
	elections := discovery.NewLocalElections()
	a := New(config.CoordinatorConfig{}, Deps{Elector: elections.Elector("coordinator", "http://a:8081")})
	b := New(config.CoordinatorConfig{}, Deps{Elector: elections.Elector("coordinator", "http://b:8081")})
	get := func(c *Coordinator, path string) (int, string) {
		rec := httptest.NewRecorder()
		c.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, _ := get(a, "/druid/coordinator/v1/leader"); code != 503 {
		t.Errorf("leader before any Start: %d", code)
	}
	for _, c := range []*Coordinator{a, b} {
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		c    *Coordinator
		path string
		code int
		body string
	}{
		{a, "/druid/coordinator/v1/leader", 200, "http://a:8081"},
		{b, "/druid/coordinator/v1/leader", 200, "http://a:8081"},
		{a, "/druid/coordinator/v1/isLeader", 200, "{\"leader\":true}\n"},
		{b, "/druid/coordinator/v1/isLeader", 404, "{\"leader\":false}\n"},
		{a, "/status/health", 200, "true\n"},
	}
	for _, tc := range tests {
		if code, body := get(tc.c, tc.path); code != tc.code || body != tc.body {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, code, body, tc.code, tc.body)
		}
	}
	// When the leader stops, the other coordinator takes over.
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if code, body := get(b, "/druid/coordinator/v1/isLeader"); code != 200 || body != "{\"leader\":true}\n" {
		t.Errorf("after failover: %d %q", code, body)
	}
	if err := a.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := b.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// Every route is either implemented or a 501 naming the endpoint.
	seen := map[string]bool{}
	var unsupported int
	for _, r := range b.Routes() {
		if seen[r.String()] {
			t.Errorf("duplicate route %s", r)
		}
		seen[r.String()] = true
		if r.Unsupported {
			unsupported++
		}
	}
	if !seen["GET /druid/coordinator/v1/leader"] || !seen["GET /druid/coordinator/v1/isLeader"] || unsupported < 5 {
		t.Errorf("route table: %d routes, %d unsupported", len(seen), unsupported)
	}
}
