package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const queryDS = "wikipedia_index_test"

// queryCases are native queries over the wiki IT data with their exact
// expected result JSON. The groupBy and timeseries cases are Druid's own
// (wikipedia_index_queries.json); the topN and scan expectations were
// computed by hand from data/batch_index/json.
var queryCases = []struct {
	name, query, want string
}{
	{"timeseries", `{"queryType":"timeseries","dataSource":"wikipedia_index_test","granularity":"day","intervals":["2013-08-31T00:00/2013-09-02T00:00"],
		"aggregations":[{"type":"longSum","name":"edits","fieldName":"count"},{"type":"doubleSum","name":"added","fieldName":"added"}]}`,
		`[{"timestamp":"2013-08-31T00:00:00.000Z","result":{"edits":5,"added":1545.0}},{"timestamp":"2013-09-01T00:00:00.000Z","result":{"edits":5,"added":1545.0}}]`},
	{"topN", `{"queryType":"topN","dataSource":"wikipedia_index_test","granularity":"all","intervals":["2013-08-31/2013-09-02"],
		"dimension":"page","metric":"added","threshold":3,
		"aggregations":[{"type":"doubleSum","name":"added","fieldName":"added"},{"type":"longSum","name":"edits","fieldName":"count"}]}`,
		`[{"timestamp":"2013-08-31T01:02:33.000Z","result":[{"page":"Crimson Typhoon","added":1810.0,"edits":2},{"page":"Striker Eureka","added":918.0,"edits":2},{"page":"Cherno Alpha","added":246.0,"edits":2}]}]`},
	{"groupBy", `{"queryType":"groupBy","dataSource":"wikipedia_index_test","granularity":"all","intervals":["2013-08-31/2013-09-02"],
		"dimensions":["namespace"],"filter":{"type":"selector","dimension":"page","value":"Gypsy Danger"},
		"aggregations":[{"type":"longSum","name":"edits","fieldName":"count"},{"type":"doubleSum","name":"deleted","fieldName":"deleted"}]}`,
		`[{"version":"v1","timestamp":"2013-08-31T00:00:00.000Z","event":{"namespace":"article","edits":2,"deleted":400.0}}]`},
	{"scan", `{"queryType":"scan","dataSource":"wikipedia_index_test","intervals":["2013-08-31/2013-09-02"],"columns":["__time","page","added"],
		"order":"ascending","limit":3,"resultFormat":"compactedList"}`,
		`[[1377910953000,"Gypsy Danger",57.0],[1377919965000,"Striker Eureka",459.0],[1377933081000,"Cherno Alpha",123.0]]`},
}

// scanEvents concatenates the events of a scan result.
func scanEvents(t *testing.T, body []byte) []byte {
	t.Helper()
	var batches []struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &batches); err != nil {
		t.Fatalf("scan result %s: %v", body, err)
	}
	var all []json.RawMessage
	for _, b := range batches {
		all = append(all, b.Events...)
	}
	out, _ := json.Marshal(all)
	return out
}

func checkQueries(t *testing.T, port int) {
	t.Helper()
	for _, c := range queryCases {
		r := queryPost(t, port, "/druid/v2/", c.query)
		if r.status != 200 {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
			continue
		}
		got := r.body
		if c.name == "scan" {
			got = scanEvents(t, got)
		}
		if !sameJSON(t, got, []byte(c.want)) {
			t.Errorf("%s:\ngot  %s\nwant %s", c.name, got, c.want)
		}
	}
}

// cachedFiles returns the segment files in the historical's cache with
// their modification times.
func cachedFiles(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "index.seg" && strings.Contains(path, "segment-cache") {
			info, err := d.Info()
			if err == nil {
				out[path] = info.ModTime()
			}
		}
		return nil
	})
	return out
}

func TestQueryServing(t *testing.T) {
	p, port, dir := quickstart(t, queryEnv...)
	queryIngest(t, port, queryDS)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	t.Run("results", func(t *testing.T) { checkQueries(t, port) })

	t.Run("druid IT cases", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(queryCorpus(t), "queries", "wikipedia_index_queries.json"))
		if err != nil {
			t.Fatal(err)
		}
		var cases []struct {
			Description     string          `json:"description"`
			Query           json.RawMessage `json:"query"`
			ExpectedResults json.RawMessage `json:"expectedResults"`
		}
		if err := json.Unmarshal([]byte(strings.ReplaceAll(string(raw), "%%DATASOURCE%%", queryDS)), &cases); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{2, 3} { // groupBy+having, stringFirst/stringLast timeseries
			r := queryPost(t, port, "/druid/v2/", string(cases[i].Query))
			if r.status != 200 || !sameJSON(t, r.body, cases[i].ExpectedResults) {
				t.Errorf("%s: %d %s\nwant %s", cases[i].Description, r.status, r.body, cases[i].ExpectedResults)
			}
		}
	})

	t.Run("missing datasource", func(t *testing.T) {
		r := queryPost(t, port, "/druid/v2/", strings.Replace(queryCases[0].query, queryDS, "no_such_table", 1))
		if r.status != 200 || string(r.body) != "[]" {
			t.Errorf("%d %s, want 200 []", r.status, r.body)
		}
	})

	t.Run("bad query", func(t *testing.T) {
		r := queryPost(t, port, "/druid/v2/", `{"queryType":"timeseries","dataSource":"x","intervals":["2013/2014"],"granularity":"all","aggregations":[{"type":"longSum","name":"a"}]}`)
		checkError(t, "aggregator without fieldName", r, 400, "INVALID_INPUT", "USER", "fieldName")
		r = queryPost(t, port, "/druid/v2/", `{"queryType":"nope"}`)
		checkError(t, "unknown query type", r, 400, "INVALID_INPUT", "USER", "nope")
	})

	t.Run("query id and pretty", func(t *testing.T) {
		r := queryPost(t, port, "/druid/v2/", queryCases[0].query)
		if id := r.header.Get("X-Druid-Query-Id"); len(id) != 36 {
			t.Errorf("generated X-Druid-Query-Id %q, want a UUID", id)
		}
		q := strings.Replace(queryCases[0].query, `"granularity":"day"`, `"granularity":"day","context":{"queryId":"my-query-1"}`, 1)
		r = queryPost(t, port, "/druid/v2/?pretty", q)
		if id := r.header.Get("X-Druid-Query-Id"); id != "my-query-1" {
			t.Errorf("X-Druid-Query-Id %q, want my-query-1", id)
		}
		// Jackson's DefaultPrettyPrinter layout, as Druid.
		if !strings.HasPrefix(string(r.body), "[ {\n  \"timestamp\" : \"2013-08-31T00:00:00.000Z\",\n  \"result\" : {\n    \"edits\" : 5,") ||
			!sameJSON(t, r.body, []byte(queryCases[0].want)) {
			t.Errorf("?pretty body: %s", r.body)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		// An inline datasource of 200,000 rows takes well over 1 ms to group.
		var b strings.Builder
		b.WriteString(`{"queryType":"groupBy","granularity":"all","intervals":["1970/2100"],"dimensions":["k"],` +
			`"aggregations":[{"type":"longSum","name":"s","fieldName":"v"}],"context":{"timeout":1,"queryId":"slow-1"},` +
			`"dataSource":{"type":"inline","columnNames":["k","v"],"rows":[`)
		for i := range 200000 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `["k%d",%d]`, i%5000, i)
		}
		b.WriteString(`]}}`)
		r := queryPost(t, port, "/druid/v2/", b.String())
		var e struct {
			Error, ErrorMessage, ErrorClass string
		}
		json.Unmarshal(r.body, &e)
		if r.status != 504 || e.Error != "Query timeout" || e.ErrorClass != "org.apache.druid.query.QueryTimeoutException" ||
			!strings.Contains(e.ErrorMessage, "slow-1") {
			t.Errorf("%d %s, want 504 Query timeout", r.status, r.body)
		}
	})

	t.Run("endpoints", func(t *testing.T) {
		get := func(path string) response { return do(t, "GET", base+path, "", "") }
		checks := []struct{ path, want string }{
			{"/druid/v2/datasources", `["` + queryDS + `"]`},
			{"/druid/v2/datasources/" + queryDS + "/dimensions?interval=2013-08-31/2013-09-02",
				`["anonymous","city","continent","country","language","namespace","newPage","page","region","robot","tags","unpatrolled","user"]`},
			{"/druid/v2/datasources/" + queryDS + "/metrics?interval=2013-08-31/2013-09-02", `["added","count","deleted","delta"]`},
			{"/druid/v2/datasources/" + queryDS + "?interval=2013-08-31_2013-09-02",
				`{"dimensions":["anonymous","city","continent","country","language","namespace","newPage","page","region","robot","tags","unpatrolled","user"],"metrics":["added","count","deleted","delta"]}`},
			{"/druid/v2/datasources/" + queryDS, `{"dimensions":[],"metrics":[]}`}, // the default interval is the last week
			{"/druid/broker/v1/loadstatus", `{"inventoryInitialized":true}`},
			{"/druid/historical/v1/loadstatus", `{"cacheInitialized":true}`},
			{"/druid/coordinator/v1/loadstatus", `{"` + queryDS + `":100}`},
			{"/druid/coordinator/v1/loadstatus?simple", `{"` + queryDS + `":0}`},
		}
		for _, c := range checks {
			r := get(c.path)
			if r.status != 200 || !sameJSON(t, r.body, []byte(c.want)) {
				t.Errorf("GET %s: %d %s, want %s", c.path, r.status, r.body, c.want)
			}
		}
		for _, path := range []string{"/druid/broker/v1/readiness", "/druid/historical/v1/readiness"} {
			if r := get(path); r.status != 200 {
				t.Errorf("GET %s: %d", path, r.status)
			}
		}
		r := get("/druid/v2/datasources/" + queryDS + "?full&interval=2013-08-31/2013-09-02")
		var full map[string]struct{ Dimensions, Metrics []string }
		if r.status != 200 || json.Unmarshal(r.body, &full) != nil || len(full) != 1 || // both days have the same columns
			len(full["2013-08-31T00:00:00.000Z/2013-09-02T00:00:00.000Z"].Metrics) != 4 {
			t.Errorf("?full: %d %s", r.status, r.body)
		}

		type located struct {
			Interval        string `json:"interval"`
			Version         string `json:"version"`
			PartitionNumber *int   `json:"partitionNumber"`
			Size            int64  `json:"size"`
			Locations       []struct {
				Name, Host, Type, Tier string
				MaxSize                int64
			} `json:"locations"`
		}
		var cands []located
		r = get("/druid/v2/datasources/" + queryDS + "/candidates?intervals=2013-08-31_2013-09-01")
		if r.status != 200 || json.Unmarshal(r.body, &cands) != nil || len(cands) == 0 {
			t.Fatalf("candidates: %d %s", r.status, r.body)
		}
		for _, c := range cands {
			if c.Interval != "2013-08-31T00:00:00.000Z/2013-09-01T00:00:00.000Z" || c.Version == "" || c.PartitionNumber == nil ||
				c.Size <= 0 || len(c.Locations) != 1 || c.Locations[0].Type != "historical" || c.Locations[0].Tier != "_default_tier" {
				t.Errorf("candidate %+v", c)
			}
		}
		var qcands []located
		r = queryPost(t, port, "/druid/v2/candidates", queryCases[0].query)
		if r.status != 200 || json.Unmarshal(r.body, &qcands) != nil || len(qcands) <= len(cands) {
			t.Errorf("query candidates: %d %s (day 1 alone has %d)", r.status, r.body, len(cands))
		}
		if r := do(t, "DELETE", base+"/druid/v2/no-such-query", "", ""); r.status != 202 {
			t.Errorf("DELETE /druid/v2/{queryId}: %d", r.status)
		}
	})

	// A restarted node serves the historical's cache without pulling the
	// segments again: the cached files are not rewritten.
	before := cachedFiles(t, dir)
	if len(before) == 0 {
		t.Fatal("no cached segment files")
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	began := time.Now()
	p2 := start(t, queryEnv, "quickstart", "--port", strconv.Itoa(port), "--dir", dir)
	waitHealthy(t, p2, port, began)
	queryWaitLoaded(t, base, queryDS)
	checkQueries(t, port)
	after := cachedFiles(t, dir)
	if len(after) != len(before) {
		t.Errorf("%d cached files after restart, %d before", len(after), len(before))
	}
	for f, mt := range before {
		if !after[f].Equal(mt) {
			t.Errorf("%s was rewritten on restart (mtime %v, was %v)", f, after[f], mt)
		}
	}
	if strings.Contains(p2.stderr.String(), "loaded segment") {
		t.Errorf("restarted historical pulled segments:\n%s", p2.stderr.String())
	}
}
