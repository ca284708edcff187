package router

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/httpapi"
)

func TestDispatch(t *testing.T) {
	backend := func(role string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpapi.WriteJSON(w, r, 200, role+" "+r.Method+" "+r.URL.Path)
		})
	}
	rt := New(config.RouterConfig{}, Deps{
		Status: httpapi.StatusSource{Version: "v"},
		Backends: map[string]http.Handler{
			config.RoleCoordinator: backend("coordinator"),
			config.RoleBroker:      backend("broker"),
		},
	})
	if err := rt.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer rt.Stop(context.Background())
	tests := []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/druid/coordinator/v1/rules", 200, `"coordinator GET /druid/coordinator/v1/rules"`},
		{"DELETE", "/druid/coordinator/v1/datasources/x", 200, `"coordinator DELETE`},
		{"POST", "/druid/v2", 200, `"broker POST /druid/v2"`},
		{"POST", "/druid/v2/", 200, `"broker POST /druid/v2/"`},
		{"POST", "/druid/v2/sql", 200, `"broker POST /druid/v2/sql"`},
		{"GET", "/druid/broker/v1/loadstatus", 200, `"broker GET`},
		{"GET", "/druid/indexer/v1/tasks", 501, "belongs to the overlord, which does not run in this process"},
		{"GET", "/druid/worker/v1/enabled", 501, "belongs to the middlemanager"},
		{"GET", "/druid/historical/v1/loadstatus", 501, "belongs to the historical"},
		{"GET", "/status/health", 200, "true"},
		{"GET", "/druid/unknown", 404, "no such endpoint"},
		{"GET", "/", 404, "no such endpoint"},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		rt.Handler().ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("%s %s: %d %s, want %d containing %q", tc.method, tc.path, rec.Code, rec.Body, tc.code, tc.body)
		}
	}
	// Every owner prefix is routed, to a backend or to the 501 answer.
	if got, want := len(rt.Routes()), len(Owners()); got != want {
		t.Errorf("%d routes for %d owners", got, want)
	}
}
