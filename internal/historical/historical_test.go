package historical

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/dryaddb/dryad/internal/config"
)

func TestRoutes(t *testing.T) {
	h := New(config.HistoricalConfig{Tier: "_default_tier"}, Deps{})
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer h.Stop(context.Background())
	for path, code := range map[string]int{
		"/druid/historical/v1/loadstatus": 200,
		"/druid/historical/v1/other":      404,
		"/status/health":                  200,
	} {
		rec := httptest.NewRecorder()
		h.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != code {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, code)
		}
	}
}
