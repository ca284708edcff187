package overlord

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dryaddb/dryad/internal/httpapi"
)

func TestReplaceRoutes(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	routes := []httpapi.Route{httpapi.Unsupported("GET", "/a"), httpapi.Unsupported("POST", "/a"), httpapi.Unsupported("GET", "/b")}
	got := replaceRoutes(routes, []httpapi.Route{{Method: "POST", Pattern: "/a", Handler: ok}, {Method: "GET", Pattern: "/zzz", Handler: ok}})
	if len(got) != 3 {
		t.Fatalf("%d routes, want 3 (replacements outside the table are not added)", len(got))
	}
	for i, want := range []int{501, 299, 501} {
		rec := httptest.NewRecorder()
		got[i].Handler.ServeHTTP(rec, httptest.NewRequest(got[i].Method, got[i].Pattern, nil))
		if rec.Code != want || got[i].Unsupported != (want == 501) {
			t.Errorf("route %d (%s): %d unsupported=%v, want %d", i, got[i], rec.Code, got[i].Unsupported, want)
		}
	}
	if withTasks(routes, nil)[1].Unsupported != true {
		t.Error("without a task service the table must be unchanged")
	}
}
