package task

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type call struct {
	method, path, ctype, body string
	code                      int
	has                       string
}

func (f *fixture) do(t *testing.T, c call) string {
	t.Helper()
	req, err := http.NewRequest(c.method, f.srv.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != c.code || !strings.Contains(string(b), c.has) {
		t.Errorf("%s %s = %d %s; want %d containing %q", c.method, c.path, resp.StatusCode, b, c.code, c.has)
	}
	return string(b)
}

func TestHTTPEndpoints(t *testing.T) {
	f := newFixture(t, 1)
	const v1, w1 = "/druid/indexer/v1", "/druid/worker/v1"
	// A long task so that running-state endpoints can be exercised.
	slow := slowFileSpec(t, "slow", 300000)
	body := f.do(t, call{"POST", v1 + "/task", "application/json", slow, 200, `"task":"index_parallel_slow_`})
	var sub map[string]string
	json.Unmarshal([]byte(body), &sub)
	id := sub["task"]
	deadline := time.Now().Add(30 * time.Second)
	for f.svc.runningTask(id) == nil || f.svc.runningTask(id).prog.processed.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("task never started")
		}
		time.Sleep(time.Millisecond)
	}
	// A second task for the same datasource waits behind nothing (no fixed
	// intervals) but the worker has one slot: it stays PENDING.
	body = f.do(t, call{"POST", v1 + "/task", "", slow, 200, `"task"`})
	json.Unmarshal([]byte(body), &sub)
	pending := sub["task"]
	for _, c := range []call{
		{"GET", v1 + "/runningTasks", "", "", 200, id},
		{"GET", v1 + "/tasks?state=running&datasource=slow", "", "", 200, `"runnerStatusCode":"RUNNING"`},
		{"GET", v1 + "/pendingTasks", "", "", 200, pending},
		{"GET", v1 + "/tasks?state=pending&type=index_parallel", "", "", 200, pending},
		{"GET", v1 + "/waitingTasks", "", "", 200, "[]"},
		{"GET", v1 + "/tasks?datasource=other", "", "", 200, "[]"},
		{"GET", v1 + "/tasks?createdTimeInterval=2000-01-01_2000-01-02", "", "", 200, "[]"},
		{"GET", v1 + "/task/" + id + "/status", "", "", 200, `"location":{"host":"localhost","port":8091,"tlsPort":-1}`},
		{"GET", v1 + "/task/" + id + "/reports", "", "", 200, `"ingestionState":"BUILD_SEGMENTS"`},
		{"GET", w1 + "/chat/" + id + "/rowStats", "", "", 200, `"totals":{"buildSegments":{"processed":`},
		{"GET", w1 + "/chat/" + id + "/unparseableEvents", "", "", 200, "{}"},
		{"GET", w1 + "/chat/" + pending + "/rowStats", "", "", 404, "not running"},
		{"GET", w1 + "/tasks", "", "", 200, id},
		{"GET", v1 + "/workers", "", "", 200, `"currCapacityUsed":1`},
		{"GET", w1 + "/task/" + id + "/log?offset=-20", "", "", 200, ""},
		{"POST", v1 + "/taskStatus", "application/json", `["` + id + `","nope"]`, 200, `"status":"RUNNING"`},
		{"POST", v1 + "/taskStatus", "", "", 415, ""},
		{"POST", v1 + "/taskStatus", "application/json", `{"x":1}`, 400, ""},
		{"POST", v1 + "/task/" + pending + "/shutdown", "", "", 200, pending},
		{"POST", w1 + "/task/" + id + "/shutdown", "", "", 200, id},
	} {
		f.do(t, c)
	}
	st, _ := f.svc.Wait(context.Background(), id)
	if st.ErrorMsg != ShutdownMsg {
		t.Errorf("shut-down task: %+v", st)
	}
	for _, c := range []call{
		{"GET", v1 + "/task/" + pending + "/status", "", "", 200, `"errorMsg":"Shutdown request from user"`},
		{"POST", v1 + "/task/" + id + "/shutdown", "", "", 404, id},
		{"POST", v1 + "/datasources/slow/shutdownAllTasks", "", "", 404, "slow"},
		{"GET", v1 + "/tasks?state=complete&max=1", "", "", 200, `"statusCode":"FAILED"`},
		{"GET", v1 + "/task/nope/reports", "", "", 404, "nope"},
		{"GET", v1 + "/task/nope/log", "", "", 404, "nope"},
		{"GET", v1 + "/task/nope/segments", "", "", 404, "nope"},
		{"POST", v1 + "/task", "application/xml", "<x/>", 415, ""},
		{"POST", v1 + "/task", "application/json", "{", 400, ""},
		{"POST", v1 + "/task", "application/json", `{"type":"index_parallel","spec":{"dataSchema":{}}}`, 400, "spec."},
		{"POST", v1 + "/task", "application/json", `{"type":"kill","dataSource":"x"}`, 400, ""},
		{"GET", v1 + "/worker", "", "", 200, `"selectStrategy":{"type":"equalDistribution"}`},
		{"POST", v1 + "/worker", "application/json", `{"type":"default","selectStrategy":{"type":"fillCapacity"}}`, 200, ""},
		{"GET", v1 + "/worker", "", "", 200, `"fillCapacity"`},
		{"POST", v1 + "/worker", "application/json", `{"type":"bogus"}`, 400, "bogus"},
		{"GET", v1 + "/worker/history", "", "", 200, `"fillCapacity"`},
		{"GET", v1 + "/worker/history?count=x", "", "", 400, "count"},
		{"GET", v1 + "/scaling", "", "", 200, "[]"},
		{"DELETE", v1 + "/pendingSegments/slow?interval=bad", "", "", 400, "interval"},
		{"DELETE", v1 + "/pendingSegments/slow", "", "", 200, `{"numDeleted":0}`},
		{"POST", w1 + "/disable", "", "", 200, `{"localhost:8091":"disabled"}`},
		{"GET", w1 + "/enabled", "", "", 200, `{"localhost:8091":false}`},
	} {
		f.do(t, c)
	}
	// A disabled worker leaves new tasks PENDING.
	body = f.do(t, call{"POST", v1 + "/task", "application/json", string(inlineSpec("dis", `{"ts":"2020-01-01T00:00:00Z","d":"a","v":1}`, "")), 200, "task"})
	json.Unmarshal([]byte(body), &sub)
	time.Sleep(50 * time.Millisecond)
	if st, _ := f.svc.Status(context.Background(), sub["task"]); st.RunnerStatusCode != RunnerPending {
		t.Errorf("task on a disabled worker: %s", st.RunnerStatusCode)
	}
	f.do(t, call{"POST", w1 + "/enable", "", "", 200, `"enabled"`})
	if st, _ := f.svc.Wait(context.Background(), sub["task"]); st.StatusCode != StateSuccess {
		t.Errorf("after enable: %+v", st)
	}
	f.do(t, call{"POST", v1 + "/datasources/dis/shutdownAllTasks", "", "", 404, ""})
}

// slowFileSpec is a task over a local file of n generated rows.
func slowFileSpec(t *testing.T, ds string, n int) string {
	p := filepath.Join(t.TempDir(), "slow.json")
	if err := os.WriteFile(p, []byte(slowData(n)), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := string(inlineSpec(ds, "", ""))
	pj, _ := json.Marshal(p)
	return strings.Replace(spec, `{"type":"inline","data":""}`, `{"type":"local","files":[`+string(pj)+`]}`, 1)
}
