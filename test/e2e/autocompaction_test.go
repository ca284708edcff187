package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// compactionStatus is one latestStatus entry of /compaction/status.
type compactionStatus struct {
	DataSource                      string `json:"dataSource"`
	ScheduleStatus                  string `json:"scheduleStatus"`
	BytesAwaitingCompaction         int64  `json:"bytesAwaitingCompaction"`
	BytesCompacted                  int64  `json:"bytesCompacted"`
	BytesSkipped                    int64  `json:"bytesSkipped"`
	SegmentCountAwaitingCompaction  int64  `json:"segmentCountAwaitingCompaction"`
	SegmentCountCompacted           int64  `json:"segmentCountCompacted"`
	SegmentCountSkipped             int64  `json:"segmentCountSkipped"`
	IntervalCountAwaitingCompaction int64  `json:"intervalCountAwaitingCompaction"`
	IntervalCountCompacted          int64  `json:"intervalCountCompacted"`
	IntervalCountSkipped            int64  `json:"intervalCountSkipped"`
}

// TestAutoCompaction: ingest hourly segments over three days, post an
// auto-compaction config (DAY segments, one hour skipped from the newest
// data) and trigger the coordinator's compaction duty over HTTP until
// /compaction/status reports everything eligible compacted: the first two
// days become one segment each (the hourly ones overshadowed), the third day
// is skipped, queries answer the same totals, and a further run submits no
// task. Also the config endpoints' CRUD, errors and task slots.
func TestAutoCompaction(t *testing.T) {
	_, port, _ := quickstart(t)
	api := newTasksAPI(t, port)
	v1 := api.base + "/druid/coordinator/v1"
	const ds = "autocompact_e2e"

	// Config CRUD and errors before any config exists.
	var all struct {
		CompactionConfigs       []map[string]any `json:"compactionConfigs"`
		CompactionTaskSlotRatio float64          `json:"compactionTaskSlotRatio"`
		MaxCompactionTaskSlots  int              `json:"maxCompactionTaskSlots"`
	}
	coordJSON(t, "GET", v1+"/config/compaction", "", nil, 200, &all)
	if len(all.CompactionConfigs) != 0 || all.CompactionTaskSlotRatio != 0.1 || all.MaxCompactionTaskSlots != 2147483647 {
		t.Errorf("empty compaction config: %+v", all)
	}
	checkError(t, "GET absent config", coordDo(t, "GET", v1+"/config/compaction/"+ds, "", nil), 404, "NOT_FOUND", "USER", ds)
	checkError(t, "DELETE absent config", coordDo(t, "DELETE", v1+"/config/compaction/"+ds, "", nil), 404, "NOT_FOUND", "USER", ds)
	checkError(t, "bad skip offset", coordDo(t, "POST", v1+"/config/compaction", `{"dataSource":"`+ds+`","skipOffsetFromLatest":"yesterday"}`, nil),
		400, "INVALID_INPUT", "USER", "skipOffsetFromLatest")
	checkError(t, "negative size", coordDo(t, "POST", v1+"/config/compaction", `{"dataSource":"`+ds+`","inputSegmentSizeBytes":-1}`, nil),
		400, "INVALID_INPUT", "USER", "inputSegmentSizeBytes")
	checkError(t, "bad granularity", coordDo(t, "POST", v1+"/config/compaction", `{"dataSource":"`+ds+`","granularitySpec":{"segmentGranularity":"fortnight"}}`, nil),
		400, "INVALID_INPUT", "USER", "granularitySpec")
	checkError(t, "bad ratio", coordDo(t, "POST", v1+"/config/compaction/taskslots?ratio=-1", "", nil), 400, "INVALID_INPUT", "USER", "ratio")
	checkError(t, "no datasource", coordDo(t, "GET", v1+"/compaction/progress", "", nil), 400, "INVALID_INPUT", "USER", "DataSource")
	checkError(t, "progress before a run", coordDo(t, "GET", v1+"/compaction/progress?dataSource="+ds, "", nil), 404, "NOT_FOUND", "USER", ds)

	// 3 days × 4 hours, 3 rows an hour: 12 hourly segments.
	var rows strings.Builder
	for day := 1; day <= 3; day++ {
		for h := 0; h < 4; h++ {
			for m := 0; m < 3; m++ {
				fmt.Fprintf(&rows, "{\"ts\":\"2021-03-%02dT%02d:%02d:00Z\",\"d\":\"v%d\",\"v\":%d}\n", day, h, m*15, m%2, day*h+m)
			}
		}
	}
	data, _ := json.Marshal(rows.String())
	api.run(`{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"` + ds + `","timestampSpec":{"column":"ts"},
"dimensionsSpec":{"dimensions":["d"]},"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"v","fieldName":"v"}],
"granularitySpec":{"segmentGranularity":"hour","queryGranularity":"none","rollup":false}},
"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":` + string(data) + `},"inputFormat":{"type":"json"}}}}`)
	queryWaitLoaded(t, api.base, ds)
	totals := func() string {
		r := queryPost(t, port, "/druid/v2/", `{"queryType":"timeseries","dataSource":"`+ds+`","granularity":"day",
"intervals":["2021-03-01/2021-03-04"],"aggregations":[{"type":"longSum","name":"rows","fieldName":"count"},{"type":"longSum","name":"v","fieldName":"v"}]}`)
		if r.status != 200 {
			t.Fatalf("query: %d %s", r.status, r.body)
		}
		return string(r.body)
	}
	want := totals()
	if strings.Count(want, `"rows":12`) != 3 {
		t.Fatalf("totals before compaction %s, want 12 rows a day", want)
	}

	hdr := map[string]string{"X-Druid-Author": "e2e", "X-Druid-Comment": "compact daily"}
	coordJSON(t, "POST", v1+"/config/compaction", `{"dataSource":"`+ds+`","skipOffsetFromLatest":"PT1H",
"granularitySpec":{"segmentGranularity":"DAY"},"tuningConfig":{"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":100000}}}`, hdr, 200, nil)
	coordJSON(t, "POST", v1+"/config/compaction/taskslots?ratio=1&max=4", "", nil, 200, nil)
	var one map[string]any
	coordJSON(t, "GET", v1+"/config/compaction/"+ds, "", nil, 200, &one)
	if one["taskPriority"] != 25.0 || one["skipOffsetFromLatest"] != "PT1H" || one["inputSegmentSizeBytes"] != 1e14 {
		t.Errorf("config with defaults: %v", one)
	}
	coordJSON(t, "GET", v1+"/config/compaction", "", nil, 200, &all)
	if len(all.CompactionConfigs) != 1 || all.CompactionTaskSlotRatio != 1 || all.MaxCompactionTaskSlots != 4 {
		t.Errorf("all configs: %+v", all)
	}

	// Trigger the duty until everything eligible is compacted: days 1 and 2
	// one DAY segment each, day 3 (within the skip offset) skipped.
	var st compactionStatus
	deadline := time.Now().Add(120 * time.Second)
	for {
		coordJSON(t, "POST", v1+"/compaction/compact", "", nil, 200, nil)
		var status struct {
			LatestStatus []compactionStatus `json:"latestStatus"`
		}
		coordJSON(t, "GET", v1+"/compaction/status?dataSource="+ds, "", nil, 200, &status)
		if len(status.LatestStatus) != 1 {
			t.Fatalf("status %+v, want one entry", status)
		}
		st = status.LatestStatus[0]
		if st.SegmentCountCompacted == 2 && st.SegmentCountAwaitingCompaction == 0 && st.SegmentCountSkipped == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("compaction did not finish: %+v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st.ScheduleStatus != "RUNNING" || st.IntervalCountCompacted != 2 || st.IntervalCountSkipped != 4 || st.BytesAwaitingCompaction != 0 || st.BytesSkipped <= 0 {
		t.Errorf("final status %+v", st)
	}
	var progress map[string]int64
	coordJSON(t, "GET", v1+"/compaction/progress?dataSource="+ds, "", nil, 200, &progress)
	if len(progress) != 1 || progress["remainingSegmentSize"] != 0 {
		t.Errorf("progress %v", progress)
	}
	compactTasks := func() []map[string]any {
		var ts []map[string]any
		coordJSON(t, "GET", api.base+"/druid/indexer/v1/tasks?datasource="+ds+"&type=compact", "", nil, 200, &ts)
		return ts
	}
	tasks := compactTasks()
	if len(tasks) != 2 {
		t.Errorf("compact tasks %v, want one per compacted day", tasks)
	}
	for _, task := range tasks {
		if task["statusCode"] != "SUCCESS" || !strings.HasPrefix(task["id"].(string), "coordinator-issued_compact_"+ds+"_") {
			t.Errorf("compact task %v", task)
		}
	}

	// The hourly segments of days 1 and 2 are overshadowed and marked unused
	// by the load duty: 2 day segments + 4 hours of day 3.
	type segment struct {
		Interval string `json:"interval"`
	}
	var used []segment
	deadline = time.Now().Add(60 * time.Second)
	for {
		coordJSON(t, "GET", v1+"/metadata/datasources/"+ds+"/segments?full", "", nil, 200, &used)
		if len(used) == 6 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(used) != 6 || used[0].Interval != "2021-03-01T00:00:00.000Z/2021-03-02T00:00:00.000Z" {
		t.Errorf("used segments after compaction %+v, want 2 days and 4 hours", used)
	}
	queryWaitLoaded(t, api.base, ds)
	if got := totals(); got != want {
		t.Errorf("totals after compaction\n %s\nwant\n %s", got, want)
	}

	// Compacted data is not compacted again.
	coordJSON(t, "POST", v1+"/compaction/compact", "", nil, 200, nil)
	if n := len(compactTasks()); n != 2 {
		t.Errorf("a run over compacted data submitted tasks: %d compact tasks", n)
	}

	// Removing the config: GET is 404 again, and the next run drops the status.
	coordJSON(t, "DELETE", v1+"/config/compaction/"+ds, "", hdr, 200, nil)
	checkError(t, "GET deleted config", coordDo(t, "GET", v1+"/config/compaction/"+ds, "", nil), 404, "NOT_FOUND", "USER", ds)
	coordJSON(t, "POST", v1+"/compaction/compact", "", nil, 200, nil)
	checkError(t, "status after delete", coordDo(t, "GET", v1+"/compaction/status?dataSource="+ds, "", nil), 404, "NOT_FOUND", "USER", ds)
}
