package coordinator

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/discovery"
)

// fakeTasks records the tasks submitted to it.
type fakeTasks struct {
	mu   sync.Mutex
	got  []map[string]any
	fail error
}

func (f *fakeTasks) Submit(_ context.Context, body []byte) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return "", f.fail
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return "", err
	}
	f.got = append(f.got, m)
	return "kill_x", nil
}

func TestKillEndpoints(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		tasks    *fakeTasks
		code     int
		interval string // the submitted task's interval; "" means nothing submitted
	}{
		{"interval", v1 + "/datasources/wiki/intervals/2024-01-01_2024-01-03", &fakeTasks{}, 200,
			"2024-01-01T00:00:00.000Z/2024-01-03T00:00:00.000Z"},
		{"interval_slash_escaped", v1 + "/datasources/wiki/intervals/2024-01-01T00:00Z%2F2024-01-02T00:00Z", &fakeTasks{}, 200,
			"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"},
		{"deprecated", v1 + "/datasources/wiki?kill=true&interval=2024-01-01_2024-01-02", &fakeTasks{}, 200,
			"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"},
		{"deprecated_no_interval", v1 + "/datasources/wiki?kill=true", &fakeTasks{}, 400, ""},
		{"bad_interval", v1 + "/datasources/wiki/intervals/2024-01-03_2024-01-01", &fakeTasks{}, 400, ""},
		{"garbage_interval", v1 + "/datasources/wiki/intervals/yesterday", &fakeTasks{}, 400, ""},
		{"no_overlord", v1 + "/datasources/wiki/intervals/2024-01-01_2024-01-03", nil, 503, ""},
		{"queue_full", v1 + "/datasources/wiki/intervals/2024-01-01_2024-01-03",
			&fakeTasks{fail: base.Errorf(base.ClassUnavailable, "Too many tasks are in the queue")}, 503, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			deps := Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c:8081")}
			if tc.tasks != nil {
				deps.Tasks = tc.tasks
			}
			c := New(config.CoordinatorConfig{}, deps)
			rec := httptest.NewRecorder()
			c.Handler().ServeHTTP(rec, httptest.NewRequest("DELETE", tc.path, nil))
			if rec.Code != tc.code {
				t.Fatalf("DELETE %s = %d %s, want %d", tc.path, rec.Code, rec.Body, tc.code)
			}
			if tc.code == 200 && rec.Body.Len() != 0 {
				t.Errorf("body %q, want empty (Druid answers 200 with no body)", rec.Body)
			}
			var got []map[string]any
			if tc.tasks != nil {
				got = tc.tasks.got
			}
			if tc.interval == "" {
				if len(got) != 0 {
					t.Errorf("submitted %v, want nothing", got)
				}
				return
			}
			if len(got) != 1 || got[0]["type"] != "kill" || got[0]["dataSource"] != "wiki" || got[0]["interval"] != tc.interval {
				t.Errorf("submitted %v, want one kill task of wiki for %s", got, tc.interval)
			}
		})
	}
}
