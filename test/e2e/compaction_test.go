package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestCompactionTask: ingest hourly segments, compact them over HTTP into
// DAY segments with HOUR query granularity. The compaction task ends
// SUCCESS in the Tasks API with type "compact"; the coordinator's metadata
// then lists only the new segments, each with Druid's lastCompactionState,
// the hourly ones having been overshadowed and marked unused; queries
// answer the same totals. A bad spec is a 400 naming the field, and a
// compaction of an interval without segments fails with Druid's message.
func TestCompactionTask(t *testing.T) {
	_, port, _ := quickstart(t)
	api := newTasksAPI(t, port)
	coord := api.base + "/druid/coordinator/v1"
	const ds = "compact_e2e"
	var rows strings.Builder
	for day := 1; day <= 2; day++ {
		for h := 0; h < 6; h++ {
			for m := 0; m < 2; m++ {
				fmt.Fprintf(&rows, "{\"ts\":\"2020-01-%02dT%02d:%02d:00Z\",\"d\":\"v%d\",\"v\":%d}\n", day, h, 10+m*20, h%2, h+m)
			}
		}
	}
	data, _ := json.Marshal(rows.String())
	api.run(`{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"` + ds + `","timestampSpec":{"column":"ts"},
"dimensionsSpec":{"dimensions":["d"]},"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"v","fieldName":"v"}],
"granularitySpec":{"segmentGranularity":"hour","queryGranularity":"none","rollup":true}},
"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":` + string(data) + `},"inputFormat":{"type":"json"}}}}`)
	queryWaitLoaded(t, api.base, ds)

	type segment struct {
		ID                  string          `json:"identifier"`
		Interval            string          `json:"interval"`
		Version             string          `json:"version"`
		LastCompactionState json.RawMessage `json:"lastCompactionState"`
	}
	var before []segment
	coordJSON(t, "GET", coord+"/metadata/datasources/"+ds+"/segments?full", "", nil, 200, &before)
	if len(before) != 12 {
		t.Fatalf("ingested %d segments, want 12 hourly ones", len(before))
	}
	totals := func() string {
		r := queryPost(t, port, "/druid/v2/", `{"queryType":"timeseries","dataSource":"`+ds+`","granularity":"all",
"intervals":["2020-01-01/2020-01-03"],"aggregations":[{"type":"longSum","name":"rows","fieldName":"count"},{"type":"longSum","name":"v","fieldName":"v"}]}`)
		var res []struct {
			Result json.RawMessage `json:"result"`
		}
		if r.status != 200 || json.Unmarshal(r.body, &res) != nil || len(res) != 1 {
			t.Fatalf("query: %d %s", r.status, r.body)
		}
		// The timestamp is the first row's time, which the HOUR query
		// granularity truncates; the totals must not change.
		return string(res[0].Result)
	}
	want := totals()
	if !strings.Contains(want, `"rows":24`) {
		t.Fatalf("totals before compaction %s, want 24 rows", want)
	}

	id, st := api.run(`{"type":"compact","dataSource":"` + ds + `","ioConfig":{"type":"compact","inputSpec":{"type":"interval","interval":"2020-01-01/2020-01-03"}},
"granularitySpec":{"segmentGranularity":"DAY","queryGranularity":"HOUR"}}`)
	if st.Type != "compact" || !strings.HasPrefix(id, "compact_"+ds+"_") {
		t.Errorf("task %s has type %q, want compact and a compact_%s_ id", id, st.Type, ds)
	}
	if segs := api.segments(id); len(segs) != 2 {
		t.Errorf("task segments %+v, want the 2 day segments", segs)
	}
	if rep := api.report(id); rep.IngestionStatsAndErrors.Payload.RowStats["buildSegments"].Processed != 24 {
		t.Errorf("report %+v, want 24 rows processed", rep)
	}

	// The coordinator loads the new segments, then marks the hourly ones unused.
	var after []segment
	deadline := time.Now().Add(60 * time.Second)
	for {
		coordJSON(t, "GET", coord+"/metadata/datasources/"+ds+"/segments?full", "", nil, 200, &after)
		if len(after) == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(after) != 2 {
		t.Fatalf("used segments after compaction: %d, want the 2 day segments", len(after))
	}
	for i, s := range after {
		wantIv := fmt.Sprintf("2020-01-%02dT00:00:00.000Z/2020-01-%02dT00:00:00.000Z", i+1, i+2)
		if s.Interval != wantIv || s.Version <= before[0].Version {
			t.Errorf("segment %s: interval %s version %s, want %s newer than %s", s.ID, s.Interval, s.Version, wantIv, before[0].Version)
		}
		var cs struct {
			PartitionsSpec  map[string]any   `json:"partitionsSpec"`
			DimensionsSpec  map[string]any   `json:"dimensionsSpec"`
			MetricsSpec     []map[string]any `json:"metricsSpec"`
			IndexSpec       map[string]any   `json:"indexSpec"`
			GranularitySpec map[string]any   `json:"granularitySpec"`
		}
		if err := json.Unmarshal(s.LastCompactionState, &cs); err != nil || cs.PartitionsSpec == nil || cs.IndexSpec == nil {
			t.Fatalf("segment %s lastCompactionState %s: %v", s.ID, s.LastCompactionState, err)
		}
		if cs.GranularitySpec["segmentGranularity"] != "DAY" || cs.GranularitySpec["queryGranularity"] != "HOUR" {
			t.Errorf("granularitySpec %v", cs.GranularitySpec)
		}
		if len(cs.MetricsSpec) != 2 || cs.MetricsSpec[0]["type"] != "longSum" || cs.MetricsSpec[0]["fieldName"] != "count" {
			t.Errorf("metricsSpec %v, want count turned into its combining longSum", cs.MetricsSpec)
		}
	}
	queryWaitLoaded(t, api.base, ds)
	if got := totals(); got != want {
		t.Errorf("totals after compaction %s, want %s", got, want)
	}
	// HOUR query granularity rolled the two rows of each hour into one.
	r := queryPost(t, port, "/druid/v2/", `{"queryType":"timeseries","dataSource":"`+ds+`","granularity":"all",
"intervals":["2020-01-01/2020-01-03"],"aggregations":[{"type":"count","name":"stored"}]}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"stored":12`) {
		t.Errorf("stored rows after compaction: %d %s, want 12", r.status, r.body)
	}

	// A bad spec is a 400 naming the field.
	bad := do(t, "POST", api.base+"/druid/indexer/v1/task", "application/json",
		`{"type":"compact","dataSource":"`+ds+`","ioConfig":{"type":"compact","inputSpec":{"type":"interval","interval":"not-an-interval"}}}`)
	if bad.status != 400 || !strings.Contains(string(bad.body), "ioConfig.inputSpec.interval") {
		t.Errorf("bad spec: %d %s, want 400 naming ioConfig.inputSpec.interval", bad.status, bad.body)
	}
	// Nothing to compact: the task fails with Druid's message.
	empty := api.submit(`{"type":"compact","dataSource":"` + ds + `","interval":"2021-01-01/2021-01-02"}`)
	if st := api.wait(empty, 60*time.Second); st.StatusCode != "FAILED" || !strings.Contains(st.ErrorMsg, "No segments found for compaction") {
		t.Errorf("empty interval: %s %q, want FAILED with Druid's no-segments message", st.StatusCode, st.ErrorMsg)
	}
}
