package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// queryEnv makes the coordinator assign segments right away, so that
// query tests do not wait for the quickstart start delay.
var queryEnv = []string{"DRYAD_DRUID_COORDINATOR_STARTDELAY=PT0S", "DRYAD_DRUID_COORDINATOR_PERIOD=PT0.5S"}

// queryCorpus is Druid's IT corpus beside the checkout.
func queryCorpus(t *testing.T) string {
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

// queryIngest ingests the wiki IT data as dataSource through the Tasks
// API and waits until the coordinator reports it loaded. It skips the test
// when this build does not serve the Tasks API.
func queryIngest(t *testing.T, port int, dataSource string) {
	t.Helper()
	corpus := queryCorpus(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	raw, err := os.ReadFile(filepath.Join(corpus, "specs", "wikipedia_index_task.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(raw), "%%DATASOURCE%%", dataSource)
	s = strings.ReplaceAll(s, "%%SEGMENT_AVAIL_TIMEOUT_MILLIS%%", "0")
	s = strings.ReplaceAll(s, "/resources/data/", corpus+"/data/")
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	dsch := m["spec"].(map[string]any)["dataSchema"].(map[string]any)
	kept := []any{}
	for _, x := range dsch["metricsSpec"].([]any) {
		switch x.(map[string]any)["type"] {
		case "thetaSketch", "quantilesDoublesSketch", "HLLSketchBuild":
			continue
		}
		kept = append(kept, x)
	}
	dsch["metricsSpec"] = kept
	spec, _ := json.Marshal(m)

	r := do(t, "POST", base+"/druid/indexer/v1/task", "application/json", string(spec))
	if r.status == 501 {
		t.Skipf("this build does not serve the Tasks API: %s", r.body)
	}
	var sub struct {
		Task string `json:"task"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &sub) != nil || sub.Task == "" {
		t.Fatalf("submitting the task: %d %s", r.status, r.body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := do(t, "GET", base+"/druid/indexer/v1/task/"+sub.Task+"/status", "", "")
		var st struct {
			Status struct {
				Status   string `json:"status"`
				ErrorMsg string `json:"errorMsg"`
			} `json:"status"`
		}
		json.Unmarshal(r.body, &st)
		if st.Status.Status == "SUCCESS" {
			break
		}
		if st.Status.Status == "FAILED" || time.Now().After(deadline) {
			t.Fatalf("task %s: %s", sub.Task, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	queryWaitLoaded(t, base, dataSource)
}

// queryWaitLoaded waits until the coordinator reports dataSource 100%
// loaded.
func queryWaitLoaded(t *testing.T, base, dataSource string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := do(t, "GET", base+"/druid/coordinator/v1/loadstatus", "", "")
		var st map[string]float64
		if r.status == 200 && json.Unmarshal(r.body, &st) == nil && st[dataSource] == 100 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not loaded: %d %s", dataSource, r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// queryPost posts a native query to the broker endpoint.
func queryPost(t *testing.T, port int, path, body string) response {
	t.Helper()
	return do(t, "POST", fmt.Sprintf("http://127.0.0.1:%d%s", port, path), "application/json", body)
}

// sameJSON reports whether two JSON texts decode to equal values, numbers
// compared by their literal (so 1 and 1.0 differ).
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	da := json.NewDecoder(strings.NewReader(string(a)))
	da.UseNumber()
	db := json.NewDecoder(strings.NewReader(string(b)))
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return false
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}
