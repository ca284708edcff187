package middlemanager

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/dryaddb/dryad/internal/config"
)

func TestEnableDisable(t *testing.T) {
	m := New(config.MiddleManagerConfig{Capacity: 2}, Deps{HostPort: "localhost:8091"})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Stop(context.Background())
	steps := []struct {
		method, path string
		code         int
		body         string
		enabled      bool
	}{
		{"GET", "/druid/worker/v1/enabled", 200, "{\"localhost:8091\":true}\n", true},
		{"POST", "/druid/worker/v1/disable", 200, "{\"localhost:8091\":\"disabled\"}\n", false},
		{"POST", "/druid/worker/v1/disable", 200, "{\"localhost:8091\":\"disabled\"}\n", false},
		{"GET", "/druid/worker/v1/enabled", 200, "{\"localhost:8091\":false}\n", false},
		{"POST", "/druid/worker/v1/enable", 200, "{\"localhost:8091\":\"enabled\"}\n", true},
		{"GET", "/druid/worker/v1/enable", 405, "", true},
		{"GET", "/druid/worker/v1/tasks", 501, "", true},
		{"GET", "/druid/worker/v1/chat/t1/rowStats", 501, "", true},
	}
	for _, s := range steps {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest(s.method, s.path, nil))
		if rec.Code != s.code || (s.body != "" && rec.Body.String() != s.body) || m.Enabled() != s.enabled {
			t.Errorf("%s %s: %d %q enabled=%v, want %d %q enabled=%v", s.method, s.path, rec.Code, rec.Body, m.Enabled(), s.code, s.body, s.enabled)
		}
	}
}
