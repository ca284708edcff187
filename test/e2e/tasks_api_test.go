package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bigInput writes n generated JSON rows to a file and returns its path.
func bigInput(t *testing.T, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		fmt.Fprintf(w, `{"ts":"2020-01-%02dT%02d:00:00Z","d":"k%d","e":"v%d","v":%d}`+"\n", 1+i%28, i%24, i, i%1000, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func fileSpec(ds, path string) string {
	pj, _ := json.Marshal(path)
	return `{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"` + ds + `","timestampSpec":{"column":"ts"},
"dimensionsSpec":{"dimensions":["d","e"]},"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"v","fieldName":"v"}],
"granularitySpec":{"segmentGranularity":"day","queryGranularity":"none","rollup":false}},
"ioConfig":{"type":"index_parallel","inputSource":{"type":"local","files":[` + string(pj) + `]},"inputFormat":{"type":"json"}}}}`
}

// waitProcessing waits until the task runs and has processed rows.
func waitProcessing(t *testing.T, api tasksAPI, id string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		r := do(t, "GET", api.base+"/druid/worker/v1/chat/"+id+"/rowStats", "", "")
		if r.status == 200 {
			var rs struct {
				Totals struct {
					BuildSegments rowStats `json:"buildSegments"`
				} `json:"totals"`
			}
			json.Unmarshal(r.body, &rs)
			if rs.Totals.BuildSegments.Processed > 0 {
				return
			}
		}
		if st := api.status(id); st.StatusCode != "RUNNING" {
			t.Fatalf("task ended before it could be interrupted: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("task did not start processing within 60s")
}

// TestTasksAPIEndpoints exercises every Tasks API, worker and peon chat
// endpoint of the real binary, including their error statuses.
func TestTasksAPIEndpoints(t *testing.T) {
	_, port, _ := quickstart(t)
	api := newTasksAPI(t, port)
	base := api.base
	const v1, w1 = "/druid/indexer/v1", "/druid/worker/v1"
	type call struct {
		method, path, ctype, body string
		status                    int
		has                       string
	}
	check := func(cs ...call) {
		t.Helper()
		for _, c := range cs {
			r := do(t, c.method, base+c.path, c.ctype, c.body)
			if r.status != c.status || !strings.Contains(string(r.body), c.has) {
				t.Errorf("%s %s = %d %s; want %d containing %q", c.method, c.path, r.status, r.body, c.status, c.has)
			}
		}
	}
	// A completed task.
	done, _ := api.run(itSpec(t, "wikipedia_index_task.json", "%%DATASOURCE%%", "api_done"))
	// A running task and, with druid.worker.capacity's slots taken or not,
	// a second one; the running one is interrupted later.
	big := bigInput(t, 1_500_000)
	running := api.submit(fileSpec("api_run", big))
	waitProcessing(t, api, running)
	check(
		call{"GET", v1 + "/tasks", "", "", 200, done},
		call{"GET", v1 + "/tasks?state=complete&datasource=api_done&type=index&max=5", "", "", 200, `"statusCode":"SUCCESS"`},
		call{"GET", v1 + "/tasks?state=running", "", "", 200, running},
		call{"GET", v1 + "/tasks?createdTimeInterval=2000-01-01_2000-01-02", "", "", 200, "[]"},
		call{"GET", v1 + "/tasks?state=bogus", "", "", 400, "bogus"},
		call{"GET", v1 + "/tasks?max=-1", "", "", 400, "max"},
		call{"GET", v1 + "/tasks?createdTimeInterval=yesterday", "", "", 400, "createdTimeInterval"},
		call{"GET", v1 + "/completeTasks", "", "", 200, done},
		call{"GET", v1 + "/runningTasks", "", "", 200, running},
		call{"GET", v1 + "/waitingTasks", "", "", 200, "["},
		call{"GET", v1 + "/pendingTasks", "", "", 200, "["},
		call{"GET", v1 + "/task/" + done, "", "", 200, `"payload":{`},
		call{"GET", v1 + "/task/nope", "", "", 404, "nope"},
		call{"GET", v1 + "/task/" + done + "/status", "", "", 200, `"runnerStatusCode":"NONE"`},
		call{"GET", v1 + "/task/nope/status", "", "", 404, "nope"},
		call{"GET", v1 + "/task/" + done + "/segments", "", "", 200, `"shardSpec"`},
		call{"GET", v1 + "/task/" + done + "/log", "", "", 200, "published segments"},
		call{"GET", v1 + "/task/" + done + "/log?offset=-30", "", "", 200, ""},
		call{"GET", v1 + "/task/nope/log", "", "", 404, "nope"},
		call{"GET", v1 + "/task/" + done + "/reports", "", "", 200, `"ingestionStatsAndErrors"`},
		call{"GET", v1 + "/task/nope/reports", "", "", 404, "nope"},
		call{"GET", v1 + "/task/" + running + "/reports", "", "", 200, `"ingestionState":"BUILD_SEGMENTS"`},
		call{"POST", v1 + "/task", "application/xml", "<task/>", 415, ""},
		call{"POST", v1 + "/task", "application/json", `{"type":"index_parallel"`, 400, ""},
		call{"POST", v1 + "/task", "application/json", `{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"x"}}}`, 400, "spec."},
		call{"POST", v1 + "/taskStatus", "application/json", `["` + done + `","nope"]`, 200, `"status":"SUCCESS"`},
		call{"POST", v1 + "/taskStatus", "", "", 415, ""},
		call{"DELETE", v1 + "/pendingSegments/api_done", "", "", 200, `"numDeleted":0`},
		call{"DELETE", v1 + "/pendingSegments/api_done?interval=2000-01-01_2000-01-02", "", "", 200, `"numDeleted":0`},
		call{"GET", v1 + "/worker", "", "", 200, `"type":"default"`},
		call{"POST", v1 + "/worker", "application/json", `{"type":"default","selectStrategy":{"type":"equalDistribution"}}`, 200, ""},
		call{"GET", v1 + "/worker/history?count=1", "", "", 200, `"equalDistribution"`},
		call{"GET", v1 + "/workers", "", "", 200, running},
		call{"GET", v1 + "/scaling", "", "", 200, "[]"},
		call{"GET", w1 + "/enabled", "", "", 200, "true"},
		call{"GET", w1 + "/tasks", "", "", 200, running},
		call{"GET", w1 + "/task/" + running + "/log", "", "", 200, "reading input"},
		call{"GET", w1 + "/chat/" + running + "/rowStats", "", "", 200, `"movingAverages"`},
		call{"GET", w1 + "/chat/" + running + "/unparseableEvents", "", "", 200, "{"},
		call{"GET", w1 + "/chat/" + done + "/rowStats", "", "", 404, ""},
		call{"POST", w1 + "/disable", "", "", 200, "disabled"},
		call{"GET", w1 + "/enabled", "", "", 200, "false"},
	)
	// Shutdown through the worker.
	check(call{"POST", w1 + "/task/" + running + "/shutdown", "", "", 200, running})
	if st := api.wait(running, 60*time.Second); st.StatusCode != "FAILED" || st.ErrorMsg != "Shutdown request from user" {
		t.Errorf("shut-down task %+v", st)
	}
	// A task submitted to a disabled worker stays PENDING.
	queued := api.submit(itSpec(t, "wikipedia_index_task.json", "%%DATASOURCE%%", "api_queued"))
	time.Sleep(100 * time.Millisecond)
	if st := api.status(queued); st.RunnerStatusCode != "PENDING" && st.RunnerStatusCode != "WAITING" {
		t.Errorf("task on a disabled worker is %s", st.RunnerStatusCode)
	}
	check(
		call{"GET", v1 + "/pendingTasks", "", "", 200, queued},
		call{"POST", w1 + "/enable", "", "", 200, "enabled"},
	)
	if st := api.wait(queued, 60*time.Second); st.StatusCode != "SUCCESS" {
		t.Errorf("queued task after enable: %+v", st)
	}
	// Everything of a datasource.
	again := api.submit(fileSpec("api_run", big))
	check(call{"POST", v1 + "/datasources/api_run/shutdownAllTasks", "", "", 200, `"dataSource":"api_run"`})
	if st := api.wait(again, 60*time.Second); st.StatusCode != "FAILED" || st.ErrorMsg != "Shutdown request from user" {
		t.Errorf("task after shutdownAllTasks: %+v", st)
	}
	check(
		call{"POST", v1 + "/datasources/api_run/shutdownAllTasks", "", "", 404, ""},
		call{"POST", v1 + "/task/" + again + "/shutdown", "", "", 404, ""},
		call{"POST", v1 + "/task/nope/shutdown", "", "", 404, "nope"},
	)
}

// TestTasksShutdownMidway: a task shut down while it reads publishes
// nothing and leaves nothing in deep storage.
func TestTasksShutdownMidway(t *testing.T) {
	_, port, dir := quickstart(t)
	api := newTasksAPI(t, port)
	id := api.submit(fileSpec("sd", bigInput(t, 1_500_000)))
	waitProcessing(t, api, id)
	r := do(t, "POST", api.base+"/druid/indexer/v1/task/"+id+"/shutdown", "", "")
	if r.status != 200 {
		t.Fatalf("shutdown: %d %s", r.status, r.body)
	}
	st := api.wait(id, 60*time.Second)
	if st.StatusCode != "FAILED" || st.ErrorMsg != "Shutdown request from user" {
		t.Errorf("status %+v", st)
	}
	if segs := api.segments(id); len(segs) != 0 {
		t.Errorf("shut-down task published %d segments", len(segs))
	}
	if files := deepFiles(t, dir); len(files) != 0 {
		t.Errorf("deep storage holds %v", files)
	}
}

// TestTasksKilledProcess: a process killed mid-task comes back with the task
// FAILED and nothing published or left in deep storage.
func TestTasksKilledProcess(t *testing.T) {
	p, port, dir := quickstart(t)
	api := newTasksAPI(t, port)
	id := api.submit(fileSpec("killed", bigInput(t, 1_500_000)))
	waitProcessing(t, api, id)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 10*time.Second)

	port2 := freePort(t)
	began := time.Now()
	p2 := start(t, nil, "quickstart", "--port", strconv.Itoa(port2), "--dir", dir)
	waitHealthy(t, p2, port2, began)
	api2 := newTasksAPI(t, port2)
	st := api2.status(id)
	if st.StatusCode != "FAILED" || !strings.Contains(st.ErrorMsg, "restarted") {
		t.Errorf("status after restart %+v", st)
	}
	if segs := api2.segments(id); len(segs) != 0 {
		t.Errorf("killed task published %d segments", len(segs))
	}
	if files := deepFiles(t, dir); len(files) != 0 {
		t.Errorf("deep storage holds %v", files)
	}
	// The queue works after recovery.
	if id2, _ := api2.run(itSpec(t, "wikipedia_index_task.json", "%%DATASOURCE%%", "after_restart")); id2 == "" {
		t.Error("no task after restart")
	}
}
