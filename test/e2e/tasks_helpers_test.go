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

// itDir is Druid's IT corpus beside the checkout.
func itDir(t *testing.T) string {
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

// itSpec loads one of Druid's IT ingestion specs and rewrites it for this
// machine: data paths point at the local corpus (the specs use the paths of
// Druid's IT containers) and %%VARS%% are replaced from vars (pairs).
func itSpec(t *testing.T, name string, vars ...string) string {
	t.Helper()
	d := itDir(t)
	b, err := os.ReadFile(filepath.Join(d, "specs", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(vars); i += 2 {
		s = strings.ReplaceAll(s, vars[i], vars[i+1])
	}
	s = strings.ReplaceAll(s, "%%SEGMENT_AVAIL_TIMEOUT_MILLIS%%", "0")
	s = strings.ReplaceAll(s, "/resources/data/", d+"/data/")
	s = strings.ReplaceAll(s, "/shared/wikiticker-it", d+"/data/quickstart")
	s = strings.ReplaceAll(s, `"quickstart/tutorial/"`, `"`+d+`/data/quickstart"`)
	s = strings.ReplaceAll(s, `"quickstart/tutorial"`, `"`+d+`/data/quickstart"`)
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("spec %s after substitution: %v", name, err)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// taskStatus is the status object of the Tasks API.
type taskStatus struct {
	ID               string `json:"id"`
	Type             string `json:"type"`
	StatusCode       string `json:"statusCode"`
	RunnerStatusCode string `json:"runnerStatusCode"`
	Duration         int64  `json:"duration"`
	DataSource       string `json:"dataSource"`
	ErrorMsg         string `json:"errorMsg"`
	Location         struct {
		Host *string `json:"host"`
		Port int     `json:"port"`
	} `json:"location"`
}

type rowStats struct {
	Processed          int64 `json:"processed"`
	ProcessedBytes     int64 `json:"processedBytes"`
	ProcessedWithError int64 `json:"processedWithError"`
	ThrownAway         int64 `json:"thrownAway"`
	Unparseable        int64 `json:"unparseable"`
}

type taskReport struct {
	IngestionStatsAndErrors struct {
		Type    string `json:"type"`
		TaskID  string `json:"taskId"`
		Payload struct {
			IngestionState    string                     `json:"ingestionState"`
			RowStats          map[string]rowStats        `json:"rowStats"`
			UnparseableEvents map[string]json.RawMessage `json:"unparseableEvents"`
			ErrorMsg          *string                    `json:"errorMsg"`
		} `json:"payload"`
	} `json:"ingestionStatsAndErrors"`
}

type segmentJSON struct {
	Interval  string `json:"interval"`
	Version   string `json:"version"`
	TotalRows int64  `json:"totalRows"`
	ShardSpec struct {
		Type         string `json:"type"`
		PartitionNum int    `json:"partitionNum"`
		Partitions   *int   `json:"partitions"`
	} `json:"shardSpec"`
}

type tasksAPI struct {
	t    *testing.T
	base string // http://127.0.0.1:port
}

func newTasksAPI(t *testing.T, port int) tasksAPI {
	return tasksAPI{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
}

func (a tasksAPI) submit(spec string) string {
	a.t.Helper()
	r := do(a.t, "POST", a.base+"/druid/indexer/v1/task", "application/json", spec)
	if r.status != 200 {
		a.t.Fatalf("submit: %d %s", r.status, r.body)
	}
	var sub struct {
		Task string `json:"task"`
	}
	if err := json.Unmarshal(r.body, &sub); err != nil || sub.Task == "" {
		a.t.Fatalf("submit answer %s: %v", r.body, err)
	}
	return sub.Task
}

func (a tasksAPI) status(id string) taskStatus {
	a.t.Helper()
	r := do(a.t, "GET", a.base+"/druid/indexer/v1/task/"+id+"/status", "", "")
	if r.status != 200 {
		a.t.Fatalf("status of %s: %d %s", id, r.status, r.body)
	}
	var st struct {
		Task   string     `json:"task"`
		Status taskStatus `json:"status"`
	}
	if err := json.Unmarshal(r.body, &st); err != nil {
		a.t.Fatalf("status %s: %v", r.body, err)
	}
	return st.Status
}

// wait polls until the task completes.
func (a tasksAPI) wait(id string, timeout time.Duration) taskStatus {
	a.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := a.status(id)
		if st.StatusCode != "RUNNING" {
			return st
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("task %s still %s/%s after %v", id, st.StatusCode, st.RunnerStatusCode, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// run submits a spec, waits and requires SUCCESS.
func (a tasksAPI) run(spec string) (string, taskStatus) {
	a.t.Helper()
	id := a.submit(spec)
	st := a.wait(id, 120*time.Second)
	if st.StatusCode != "SUCCESS" {
		a.t.Fatalf("task %s: %s: %s", id, st.StatusCode, st.ErrorMsg)
	}
	return id, st
}

func (a tasksAPI) report(id string) taskReport {
	a.t.Helper()
	r := do(a.t, "GET", a.base+"/druid/indexer/v1/task/"+id+"/reports", "", "")
	if r.status != 200 {
		a.t.Fatalf("reports of %s: %d %s", id, r.status, r.body)
	}
	var rep taskReport
	if err := json.Unmarshal(r.body, &rep); err != nil {
		a.t.Fatalf("report %s: %v", r.body, err)
	}
	return rep
}

func (a tasksAPI) segments(id string) []segmentJSON {
	a.t.Helper()
	r := do(a.t, "GET", a.base+"/druid/indexer/v1/task/"+id+"/segments", "", "")
	if r.status != 200 {
		a.t.Fatalf("segments of %s: %d %s", id, r.status, r.body)
	}
	var segs []segmentJSON
	if err := json.Unmarshal(r.body, &segs); err != nil {
		a.t.Fatalf("segments %s: %v", r.body, err)
	}
	return segs
}

// deepFiles lists the regular files in the quickstart's deep storage
// (druid.storage.storageDirectory defaults to <dataDir>/deepstorage).
func deepFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	var files []string
	filepath.Walk(filepath.Join(dataDir, "deepstorage"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}
