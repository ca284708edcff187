package broker

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/config"
)

func TestRoutes(t *testing.T) {
	b := New(config.BrokerConfig{}, Deps{})
	tests := []struct {
		method, path, ctype, body string
		code                      int
	}{
		{"POST", "/druid/v2", "application/json", `{"queryType":"timeseries"}`, 400},
		{"POST", "/druid/v2/", "application/json", `{"queryType":"timeseries","dataSource":"x","intervals":["2000/2001"],"granularity":"all"}`, 200},
		{"POST", "/druid/v2/", "application/json", `{"queryType":`, 400},
		{"POST", "/druid/v2/sql", "text/xml", `<q/>`, 415},
		{"POST", "/druid/v2/sql/", "", `{"query":"SELECT 1"}`, 501},
		{"GET", "/druid/v2/", "", "", 405},
		{"DELETE", "/druid/v2/abc", "", "", 202},
		{"GET", "/druid/v2/datasources/wiki/dimensions", "", "", 200},
		{"GET", "/druid/broker/v1/readiness", "", "", 503},
		{"GET", "/druid/broker/v1/nope", "", "", 404},
		{"GET", "/status/health", "", "", 200},
	}
	for _, tc := range tests {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, req)
		if rec.Code != tc.code {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, rec.Code, rec.Body, tc.code)
		}
	}
}
