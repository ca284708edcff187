package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKillUnusedSegments: ingest two days, mark one unused, kill both days
// through the coordinator. The unused segment's file leaves deep storage and
// its row the metadata store; the used day is untouched; the kill task is in
// the Tasks API with SUCCESS and a killUnusedSegments report. A kill through
// the Tasks API and the deprecated ?kill=true form work the same way.
func TestKillUnusedSegments(t *testing.T) {
	_, port, dir := quickstart(t)
	api := newTasksAPI(t, port)
	coord := api.base + "/druid/coordinator/v1"
	data, _ := json.Marshal("{\"ts\":\"2020-01-01T01:00:00Z\",\"d\":\"a\",\"v\":1}\n{\"ts\":\"2020-01-02T01:00:00Z\",\"d\":\"b\",\"v\":2}\n{\"ts\":\"2020-01-03T01:00:00Z\",\"d\":\"c\",\"v\":3}")
	api.run(`{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"kill_e2e","timestampSpec":{"column":"ts"},
"dimensionsSpec":{"dimensions":["d"]},"metricsSpec":[{"type":"longSum","name":"v","fieldName":"v"}],
"granularitySpec":{"segmentGranularity":"day","queryGranularity":"none","rollup":false}},
"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":` + string(data) + `},"inputFormat":{"type":"json"}}}}`)

	type segment struct {
		ID       string          `json:"identifier"`
		Interval string          `json:"interval"`
		LoadSpec json.RawMessage `json:"loadSpec"`
	}
	var segs []segment
	coordJSON(t, "GET", coord+"/metadata/datasources/kill_e2e/segments?full", "", nil, 200, &segs)
	if len(segs) != 3 {
		t.Fatalf("ingested %d segments, want 3: %+v", len(segs), segs)
	}
	byDay := map[string]segment{}
	for _, s := range segs {
		byDay[s.Interval[:10]] = s
	}
	day1, day2, day3 := byDay["2020-01-01"], byDay["2020-01-02"], byDay["2020-01-03"]
	fileOf := func(s segment) string {
		var ls struct {
			Path string `json:"path"`
		}
		if err := json.Unmarshal(s.LoadSpec, &ls); err != nil || ls.Path == "" {
			t.Fatalf("loadSpec of %s: %s", s.ID, s.LoadSpec)
		}
		if !strings.HasPrefix(ls.Path, filepath.Join(dir, "deepstorage")) {
			t.Fatalf("segment file %s is not under %s/deepstorage", ls.Path, dir)
		}
		return ls.Path
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	for _, s := range []segment{day1, day2, day3} {
		if !exists(fileOf(s)) {
			t.Fatalf("segment file of %s missing before the kill", s.ID)
		}
	}

	// Mark days 1 and 3 unused.
	coordJSON(t, "POST", coord+"/datasources/kill_e2e/markUnused", `{"segmentIds":["`+day1.ID+`","`+day3.ID+`"]}`, nil, 200, nil)
	coordJSON(t, "GET", coord+"/metadata/datasources/kill_e2e/segments/"+day1.ID+"?includeUnused=true", "", nil, 200, nil)

	// Kill days 1-2 through the coordinator: 200, no body.
	r := coordDo(t, "DELETE", coord+"/datasources/kill_e2e/intervals/2020-01-01_2020-01-03", "", nil)
	if r.status != 200 || len(r.body) != 0 {
		t.Fatalf("DELETE intervals: %d %q, want 200 with no body", r.status, r.body)
	}
	var tasks []taskStatus
	coordJSON(t, "GET", api.base+"/druid/indexer/v1/tasks?type=kill&datasource=kill_e2e", "", nil, 200, &tasks)
	if len(tasks) != 1 {
		t.Fatalf("kill tasks listed: %+v, want 1", tasks)
	}
	id := tasks[0].ID
	st := api.wait(id, 60*time.Second)
	if st.StatusCode != "SUCCESS" || st.Type != "kill" || st.DataSource != "kill_e2e" {
		t.Fatalf("kill task status %+v", st)
	}
	report := func(id string) (killed, batches int) {
		t.Helper()
		var rep struct {
			Kill struct {
				Type    string `json:"type"`
				TaskID  string `json:"taskId"`
				Payload struct {
					Killed  int `json:"numSegmentsKilled"`
					Batches int `json:"numBatchesProcessed"`
				} `json:"payload"`
			} `json:"killUnusedSegments"`
		}
		coordJSON(t, "GET", api.base+"/druid/indexer/v1/task/"+id+"/reports", "", nil, 200, &rep)
		if rep.Kill.Type != "killUnusedSegments" || rep.Kill.TaskID != id {
			t.Errorf("report of %s: %+v", id, rep)
		}
		return rep.Kill.Payload.Killed, rep.Kill.Payload.Batches
	}
	if k, b := report(id); k != 1 || b != 1 {
		t.Errorf("report: killed %d in %d batches, want 1 in 1", k, b)
	}
	if exists(fileOf(day1)) {
		t.Errorf("day 1's file is still in deep storage after the kill")
	}
	if !exists(fileOf(day2)) || !exists(fileOf(day3)) {
		t.Errorf("the kill deleted a used segment's file or one outside its interval")
	}
	coordJSON(t, "GET", coord+"/metadata/datasources/kill_e2e/segments/"+day1.ID+"?includeUnused=true", "", nil, 404, nil)
	coordJSON(t, "GET", coord+"/metadata/datasources/kill_e2e/segments/"+day3.ID+"?includeUnused=true", "", nil, 200, nil)
	var used []string
	coordJSON(t, "GET", coord+"/metadata/datasources/kill_e2e/segments", "", nil, 200, &used)
	if len(used) != 1 || used[0] != day2.ID {
		t.Errorf("used segments after the kill: %v, want [%s]", used, day2.ID)
	}

	// Day 3 through the Tasks API, then the deprecated form finds nothing.
	id, _ = api.run(`{"type":"kill","dataSource":"kill_e2e","interval":"2020-01-03/2020-01-04"}`)
	if k, _ := report(id); k != 1 {
		t.Errorf("Tasks API kill: killed %d, want 1", k)
	}
	if exists(fileOf(day3)) {
		t.Errorf("day 3's file is still in deep storage after the kill")
	}
	coordJSON(t, "GET", coord+"/metadata/datasources/kill_e2e/segments/"+day3.ID+"?includeUnused=true", "", nil, 404, nil)
	r = coordDo(t, "DELETE", coord+"/datasources/kill_e2e?kill=true&interval=2020-01-01_2020-02-01", "", nil)
	if r.status != 200 {
		t.Fatalf("DELETE ?kill=true: %d %s", r.status, r.body)
	}
	coordJSON(t, "GET", api.base+"/druid/indexer/v1/tasks?type=kill&datasource=kill_e2e", "", nil, 200, &tasks)
	if len(tasks) != 3 {
		t.Fatalf("kill tasks listed: %+v, want 3", tasks)
	}
	for _, tk := range tasks {
		if st := api.wait(tk.ID, 60*time.Second); st.StatusCode != "SUCCESS" {
			t.Errorf("kill task %s: %+v", tk.ID, st)
		}
	}
	if !exists(fileOf(day2)) {
		t.Errorf("a kill deleted the used day 2")
	}
}
