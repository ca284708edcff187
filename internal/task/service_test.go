package task

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
)

// itDir is Druid's IT corpus beside the checkout.
func itDir(t testing.TB) string {
	t.Helper()
	d, err := filepath.Abs("../../../shared/conformance/druid-it")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d); err != nil {
		t.Skipf("Druid IT corpus not found at %s", d)
	}
	return d
}

// itSpec loads an IT spec, points its paths at the local corpus and names
// the datasource.
func itSpec(t testing.TB, name, dataSource string, vars ...string) []byte {
	t.Helper()
	d := itDir(t)
	b, err := os.ReadFile(filepath.Join(d, "specs", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	s = strings.ReplaceAll(s, "%%DATASOURCE%%", dataSource)
	s = strings.ReplaceAll(s, "%%SEGMENT_AVAIL_TIMEOUT_MILLIS%%", "0")
	for i := 0; i+1 < len(vars); i += 2 {
		s = strings.ReplaceAll(s, vars[i], vars[i+1])
	}
	s = strings.ReplaceAll(s, "/resources/data/", d+"/data/")
	s = strings.ReplaceAll(s, "/shared/wikiticker-it", d+"/data/quickstart")
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type fixture struct {
	svc   *Service
	store *metadata.Store
	deep  string
	srv   *httptest.Server
}

func newFixture(t testing.TB, capacity int) *fixture {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	deep := filepath.Join(dir, "deep")
	svc := New(Config{TaskDir: filepath.Join(dir, "tasks"), Capacity: capacity, Host: "localhost", Port: 8091},
		store, mustLocal(t, deep), nil)
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	routes := append(svc.OverlordRoutes(), svc.WorkerRoutes("localhost:8091")...)
	srv := httptest.NewServer(httpapi.NewMux(routes))
	t.Cleanup(srv.Close)
	return &fixture{svc: svc, store: store, deep: deep, srv: srv}
}

func (f *fixture) run(t testing.TB, spec []byte) Status {
	t.Helper()
	id, err := f.svc.Submit(context.Background(), spec)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	timeout := 60 * time.Second
	if _, bench := t.(*testing.B); bench {
		timeout = 30 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	st, err := f.svc.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (f *fixture) segments(t testing.TB, ds string) []base.DataSegment {
	t.Helper()
	segs, err := f.store.UsedSegments(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

func (f *fixture) report(t testing.TB, id string) IngestionStats {
	t.Helper()
	b, err := f.svc.Report(id)
	if err != nil {
		t.Fatal(err)
	}
	var r Reports
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r.IngestionStatsAndErrors.Payload
}

func TestITSpecs(t *testing.T) {
	f := newFixture(t, 2)
	cases := []struct {
		spec      string
		segments  int
		processed int64
		intervals []string
	}{
		{"wikipedia_index_task.json", 4, 10, []string{"2013-08-31T00:00:00.000Z/2013-09-01T00:00:00.000Z", "2013-09-01T00:00:00.000Z/2013-09-02T00:00:00.000Z"}},
		{"wikipedia_index_task_with_inputsource_transform.json", 0, 10, []string{"2013-08-31T00:00:00.000Z/2013-09-01T00:00:00.000Z", "2013-09-01T00:00:00.000Z/2013-09-02T00:00:00.000Z"}},
		{"wikiticker_index_task.json", 1, 39244, []string{"2015-09-12T00:00:00.000Z/2015-09-13T00:00:00.000Z"}},
	}
	for i, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			ds := "it" + string(rune('a'+i))
			st := f.run(t, itSpec(t, c.spec, ds))
			if st.StatusCode != StateSuccess {
				t.Fatalf("status %s: %s", st.StatusCode, st.ErrorMsg)
			}
			segs := f.segments(t, ds)
			if c.segments > 0 && len(segs) != c.segments {
				t.Errorf("segments = %d, want %d", len(segs), c.segments)
			}
			ivs := map[string]bool{}
			for _, s := range segs {
				ivs[s.Interval.String()] = true
			}
			for _, iv := range c.intervals {
				if !ivs[iv] {
					t.Errorf("no segment for %s (have %v)", iv, ivs)
				}
			}
			rs := f.report(t, st.ID).RowStats["buildSegments"]
			if rs.Processed != c.processed {
				t.Errorf("processed = %d, want %d", rs.Processed, c.processed)
			}
		})
	}
}

func TestHTTPSubmitAndStatus(t *testing.T) {
	f := newFixture(t, 1)
	spec := itSpec(t, "wikipedia_index_task.json", "wiki")
	resp, err := http.Post(f.srv.URL+"/druid/indexer/v1/task", "application/json", strings.NewReader(string(spec)))
	if err != nil {
		t.Fatal(err)
	}
	var sub map[string]string
	json.NewDecoder(resp.Body).Decode(&sub)
	resp.Body.Close()
	if resp.StatusCode != 200 || sub["task"] == "" {
		t.Fatalf("submit: %d %v", resp.StatusCode, sub)
	}
	st, err := f.svc.Wait(context.Background(), sub["task"])
	if err != nil || st.StatusCode != StateSuccess {
		t.Fatalf("wait: %v %+v", err, st)
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	id := sub["task"]
	for _, c := range []struct {
		path string
		code int
		has  string
	}{
		{"/druid/indexer/v1/task/" + id + "/status", 200, `"statusCode":"SUCCESS"`},
		{"/druid/indexer/v1/task/" + id, 200, `"payload":{`},
		{"/druid/indexer/v1/task/" + id + "/reports", 200, `"processed":10`},
		{"/druid/indexer/v1/task/" + id + "/log", 200, "running task"},
		{"/druid/indexer/v1/task/" + id + "/segments", 200, `"shardSpec"`},
		{"/druid/indexer/v1/tasks?state=complete", 200, id},
		{"/druid/indexer/v1/completeTasks", 200, id},
		{"/druid/indexer/v1/tasks?state=bogus", 400, "bogus"},
		{"/druid/indexer/v1/tasks?max=x", 400, "max"},
		{"/druid/indexer/v1/tasks?createdTimeInterval=nope", 400, "createdTimeInterval"},
		{"/druid/indexer/v1/task/nope/status", 404, "nope"},
		{"/druid/indexer/v1/task/nope", 404, "nope"},
		{"/druid/indexer/v1/runningTasks", 200, "[]"},
		{"/druid/indexer/v1/workers", 200, `"capacity":1`},
		{"/druid/worker/v1/tasks", 200, "[]"},
	} {
		code, body := get(c.path)
		if code != c.code || !strings.Contains(body, c.has) {
			t.Errorf("GET %s = %d %s; want %d containing %q", c.path, code, body, c.code, c.has)
		}
	}
}

func BenchmarkWikiticker(b *testing.B) {
	f := newFixture(b, 1)
	spec := itSpec(b, "wikiticker_index_task.json", "wt")
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		st := f.run(b, spec)
		if st.StatusCode != StateSuccess {
			b.Fatal(st.ErrorMsg)
		}
	}
	b.ReportMetric(39244*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(39244*float64(b.N)/(cpuSeconds()-cpu0), "rows/cpu-s")
}

func metadataEntry(id string, payload, status []byte) metadata.TaskEntry {
	return metadata.TaskEntry{ID: id, Type: "index_parallel", DataSource: "r", GroupID: id, CreatedTime: 1, Payload: payload, Status: status, Active: true}
}

func mustLocal(t testing.TB, dir string) *deepstorage.Local {
	t.Helper()
	l, err := deepstorage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
