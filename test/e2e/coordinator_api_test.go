package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// coordDo sends a request with optional headers to the quickstart's front
// door and returns the response.
func coordDo(t *testing.T, method, url, body string, hdr map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// coordJSON requests url, requires the status and decodes the body into v.
func coordJSON(t *testing.T, method, url, body string, hdr map[string]string, status int, v any) {
	t.Helper()
	r := coordDo(t, method, url, body, hdr)
	if r.status != status {
		t.Fatalf("%s %s: %d %s, want %d", method, url, r.status, r.body, status)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, r.body)
		}
	}
}

// TestCoordinatorRulesAndConfig checks the empty-state shapes and that rule
// and dynamic-config changes are audited with their author and comment.
func TestCoordinatorRulesAndConfig(t *testing.T) {
	_, port, _ := quickstart(t)
	v1 := fmt.Sprintf("http://127.0.0.1:%d/druid/coordinator/v1", port)

	var all map[string][]map[string]any
	coordJSON(t, "GET", v1+"/rules", "", nil, 200, &all)
	if d := all["_default"]; len(d) != 1 || d[0]["type"] != "loadForever" {
		t.Errorf("default rules %v", all)
	}
	var names []string
	coordJSON(t, "GET", v1+"/metadata/datasources", "", nil, 200, &names)
	if len(names) != 0 {
		t.Errorf("metadata datasources on a fresh node: %v", names)
	}
	coordJSON(t, "GET", v1+"/datasources", "", nil, 200, &names)
	if len(names) != 0 {
		t.Errorf("served datasources on a fresh node: %v", names)
	}
	var servers []string
	coordJSON(t, "GET", v1+"/servers", "", nil, 200, &servers)
	if len(servers) == 0 {
		t.Errorf("quickstart lists no data servers")
	}

	who := map[string]string{"X-Druid-Author": "e2e", "X-Druid-Comment": "a month hot"}
	coordJSON(t, "POST", v1+"/rules/wiki", `[{"type":"loadByPeriod","period":"P1M"},{"type":"dropForever"}]`, who, 200, nil)
	r := coordDo(t, "POST", v1+"/rules/wiki", `[{"type":"loadSometimes"}]`, nil)
	checkError(t, "unknown rule type", r, 400, "INVALID_INPUT", "USER", `unknown rule type "loadSometimes"`)
	var rules []map[string]any
	coordJSON(t, "GET", v1+"/rules/wiki?full", "", nil, 200, &rules)
	if len(rules) != 3 || rules[0]["type"] != "loadByPeriod" || rules[0]["includeFuture"] != true || rules[2]["type"] != "loadForever" {
		t.Errorf("rules with defaults: %v", rules)
	}
	type audit struct {
		Key       string `json:"key"`
		Type      string `json:"type"`
		AuditInfo struct {
			Author, Comment, IP string
		} `json:"auditInfo"`
		Payload   string `json:"payload"`
		AuditTime string `json:"auditTime"`
	}
	var hist []audit
	coordJSON(t, "GET", v1+"/rules/wiki/history?count=5", "", nil, 200, &hist)
	if len(hist) != 1 || hist[0].Key != "wiki" || hist[0].Type != "rules" || hist[0].AuditInfo.Author != "e2e" ||
		hist[0].AuditInfo.Comment != "a month hot" || hist[0].AuditInfo.IP == "" || !strings.Contains(hist[0].Payload, "loadByPeriod") {
		t.Errorf("rules history %+v", hist)
	}

	var cfg map[string]any
	coordJSON(t, "GET", v1+"/config", "", nil, 200, &cfg)
	if cfg["maxSegmentsToMove"] != 100.0 || cfg["smartSegmentLoading"] != true || len(cfg) < 18 {
		t.Errorf("default dynamic config %v", cfg)
	}
	coordJSON(t, "POST", v1+"/config", `{"maxSegmentsToMove":7}`, map[string]string{"X-Druid-Author": "ops", "X-Druid-Comment": "calm"}, 200, nil)
	coordJSON(t, "GET", v1+"/config", "", nil, 200, &cfg)
	if cfg["maxSegmentsToMove"] != 7.0 || cfg["replicantLifetime"] != 15.0 {
		t.Errorf("config after POST %v", cfg)
	}
	r = coordDo(t, "POST", v1+"/config", `{"decommissioningMaxPercentOfMaxSegmentsToMove":300}`, nil)
	checkError(t, "config out of range", r, 400, "INVALID_INPUT", "USER", "decommissioningMaxPercentOfMaxSegmentsToMove")
	coordJSON(t, "GET", v1+"/config/history", "", nil, 200, &hist)
	if len(hist) != 1 || hist[0].Key != "coordinator.config" || hist[0].AuditInfo.Author != "ops" || hist[0].AuditInfo.Comment != "calm" ||
		!strings.Contains(hist[0].Payload, `"maxSegmentsToMove":7`) {
		t.Errorf("config history %+v", hist)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", hist[0].AuditTime); err != nil {
		t.Errorf("auditTime %q: %v", hist[0].AuditTime, err)
	}
}

// TestCoordinatorSegments ingests the wiki IT data, then reads it through
// the metadata and datasource endpoints, marks segments unused and used
// again, and checks that the metadata views follow.
func TestCoordinatorSegments(t *testing.T) {
	_, port, _ := quickstart(t, queryEnv...)
	const ds = "coord_wiki"
	queryIngest(t, port, ds)
	v1 := fmt.Sprintf("http://127.0.0.1:%d/druid/coordinator/v1", port)

	var names []string
	coordJSON(t, "GET", v1+"/metadata/datasources", "", nil, 200, &names)
	if !slices.Contains(names, ds) {
		t.Fatalf("metadata datasources %v", names)
	}
	var ids []string
	coordJSON(t, "GET", v1+"/metadata/datasources/"+ds+"/segments", "", nil, 200, &ids)
	if len(ids) == 0 || !strings.HasPrefix(ids[0], ds+"_") {
		t.Fatalf("segment ids %v", ids)
	}
	t.Logf("%s: %d used segments", ds, len(ids))
	var status []map[string]any
	coordJSON(t, "GET", v1+"/metadata/segments?includeOvershadowedStatus&datasources="+ds, "", nil, 200, &status)
	if len(status) != len(ids) || status[0]["overshadowed"] != false || status[0]["dataSource"] != ds || status[0]["identifier"] != ids[0] {
		t.Errorf("segments with status %v", status)
	}

	// The served view.
	var simple struct {
		Tiers    map[string]map[string]float64 `json:"tiers"`
		Segments map[string]any                `json:"segments"`
	}
	coordJSON(t, "GET", v1+"/datasources/"+ds, "", nil, 200, &simple)
	if simple.Segments["count"] != float64(len(ids)) || simple.Segments["minTime"] == nil || len(simple.Tiers) == 0 {
		t.Errorf("simple datasource %+v", simple)
	}
	var served []string
	coordJSON(t, "GET", v1+"/datasources/"+ds+"/segments", "", nil, 200, &served)
	if !slices.Equal(served, ids) {
		t.Errorf("served segments %v, used %v", served, ids)
	}
	var tiers []string
	coordJSON(t, "GET", v1+"/datasources/"+ds+"/tiers", "", nil, 200, &tiers)
	if len(tiers) == 0 {
		t.Errorf("no tiers serve %s", ds)
	}
	var intervals map[string]map[string]map[string]float64
	coordJSON(t, "GET", v1+"/intervals", "", nil, 200, &intervals)
	n := 0.0
	for _, per := range intervals {
		n += per[ds]["count"]
	}
	if n != float64(len(ids)) {
		t.Errorf("intervals count %v for %d segments: %v", n, len(ids), intervals)
	}
	if r := coordDo(t, "GET", v1+"/datasources/nope", "", nil); r.status != 204 || len(r.body) != 0 {
		t.Errorf("unknown datasource: %d %q", r.status, r.body)
	}

	// Mark one segment unused: the metadata views drop it.
	var changed struct {
		NumChangedSegments int `json:"numChangedSegments"`
	}
	coordJSON(t, "POST", v1+"/datasources/"+ds+"/markUnused", `{"segmentIds":["`+ids[0]+`"]}`, nil, 200, &changed)
	if changed.NumChangedSegments != 1 {
		t.Errorf("markUnused changed %d", changed.NumChangedSegments)
	}
	var after []string
	if len(ids) > 1 {
		coordJSON(t, "GET", v1+"/metadata/datasources/"+ds+"/segments", "", nil, 200, &after)
	} else {
		coordJSON(t, "GET", v1+"/metadata/datasources/"+ds+"/segments", "", nil, 404, nil)
	}
	if slices.Contains(after, ids[0]) || len(after) != len(ids)-1 {
		t.Errorf("after markUnused: %v", after)
	}
	if len(ids) > 1 {
		coordJSON(t, "GET", v1+"/metadata/datasources/"+ds+"/segments/"+ids[0], "", nil, 404, nil)
		var seg map[string]any
		coordJSON(t, "GET", v1+"/metadata/datasources/"+ds+"/segments/"+ids[0]+"?includeUnused=true", "", nil, 200, &seg)
		if seg["identifier"] != ids[0] {
			t.Errorf("unused segment %v", seg)
		}
	}
	r := coordDo(t, "POST", v1+"/datasources/"+ds+"/markUsed", `{"interval":"2013/2014","segmentIds":["x"]}`, nil)
	checkError(t, "markUsed with both", r, 400, "INVALID_INPUT", "USER", "either interval or segmentIds")
	coordJSON(t, "POST", v1+"/datasources/"+ds+"/markUsed", `{"segmentIds":["`+ids[0]+`"]}`, nil, 200, &changed)
	if changed.NumChangedSegments != 1 {
		t.Errorf("markUsed changed %d", changed.NumChangedSegments)
	}

	// Mark everything unused, then used again.
	coordJSON(t, "DELETE", v1+"/datasources/"+ds, "", nil, 200, &changed)
	if changed.NumChangedSegments != len(ids) {
		t.Errorf("DELETE datasource changed %d of %d", changed.NumChangedSegments, len(ids))
	}
	coordJSON(t, "GET", v1+"/metadata/datasources", "", nil, 200, &names)
	if slices.Contains(names, ds) {
		t.Errorf("%s still listed after marking all unused: %v", ds, names)
	}
	coordJSON(t, "GET", v1+"/metadata/datasources?includeUnused", "", nil, 200, &names)
	if !slices.Contains(names, ds) {
		t.Errorf("%s not listed with includeUnused: %v", ds, names)
	}
	coordJSON(t, "POST", v1+"/datasources/"+ds, "", nil, 200, &changed)
	if changed.NumChangedSegments != len(ids) {
		t.Errorf("POST datasource changed %d of %d", changed.NumChangedSegments, len(ids))
	}
	coordJSON(t, "GET", v1+"/metadata/datasources/"+ds+"/segments", "", nil, 200, &after)
	if !slices.Equal(after, ids) {
		t.Errorf("after marking all used again: %v, want %v", after, ids)
	}
}
