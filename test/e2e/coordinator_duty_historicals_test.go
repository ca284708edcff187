package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/segment"
)

// dutyDS is the datasource the coordinator duty tests publish.
const dutyDS = "duty_wiki"

// dutyPublish builds a one-row-per-hour segment of dutyDS for the day
// starting at dayStart (ms), pushes it into the process's local deep
// storage and publishes it in its metadata store, as an index task does
// (the SQLite store is shared safely with the running process).
func dutyPublish(t *testing.T, dir string, dayStart int64, rows int) base.DataSegment {
	t.Helper()
	ctx := context.Background()
	iv := base.NewInterval(dayStart, dayStart+86400000)
	meta := segment.Metadata{DataSource: dutyDS, Interval: iv, Version: "v1",
		Dimensions: []segment.Dimension{{Name: "page", Type: base.TypeString}},
		Metrics:    []segment.Metric{{Name: "added", Type: base.TypeLong}}}
	var vals [][]segment.Value
	for i := range rows {
		vals = append(vals, []segment.Value{segment.LongValue(dayStart + int64(i)*3600000), segment.StringValue("p" + strconv.Itoa(i)), segment.LongValue(int64(i + 1))})
	}
	cols, err := segment.ColumnsFromRows(&meta, vals)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "build.seg")
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := segment.Write(out, meta, cols); err != nil {
		t.Fatal(err)
	}
	out.Close()
	deep, err := deepstorage.NewLocal(filepath.Join(dir, "deepstorage"))
	if err != nil {
		t.Fatal(err)
	}
	one := 1
	ds := base.DataSegment{DataSource: dutyDS, Interval: iv, Version: "v1", Dimensions: []string{"page"}, Metrics: []string{"added"},
		ShardSpec: base.ShardSpec{Type: "numbered", Partitions: &one}, BinaryVersion: 9}
	spec, size, err := deep.Push(ctx, file, ds)
	if err != nil {
		t.Fatal(err)
	}
	ds.LoadSpec, ds.Size = spec, size
	store, err := metadata.Open(ctx, metadata.Config{DataDir: filepath.Join(dir, "metadata")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.PublishSegments(ctx, []base.DataSegment{ds}, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	return ds
}

// eventuallyJSON polls GET path until check accepts the decoded answer.
func eventuallyJSON[T any](t *testing.T, url string, what string, check func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last response
	for time.Now().Before(deadline) {
		last = do(t, "GET", url, "", "")
		var v T
		if last.status == 200 && json.Unmarshal(last.body, &v) == nil && check(v) {
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: GET %s still answers %d %s", what, url, last.status, last.body)
	var zero T
	return zero
}

type serverSimple struct {
	Host     string `json:"host"`
	Tier     string `json:"tier"`
	Type     string `json:"type"`
	Priority int    `json:"priority"`
	CurrSize int64  `json:"currSize"`
	MaxSize  int64  `json:"maxSize"`
}

type queueEntry struct {
	SegmentsToLoad []string `json:"segmentsToLoad"`
	SegmentsToDrop []string `json:"segmentsToDrop"`
}

// replicas returns, per segment id, the servers serving it (from
// /servers?full).
func replicas(t *testing.T, base string) map[string][]string {
	t.Helper()
	r := do(t, "GET", base+"/druid/coordinator/v1/servers?full", "", "")
	var full []struct {
		Host     string                     `json:"host"`
		Segments map[string]json.RawMessage `json:"segments"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &full) != nil {
		t.Fatalf("servers?full: %d %s", r.status, r.body)
	}
	out := map[string][]string{}
	for _, s := range full {
		for id := range s.Segments {
			out[id] = append(out[id], s.Host)
		}
	}
	return out
}

// TestCoordinatorDutyHistoricals runs quickstart with two historicals,
// publishes segments, and checks replication by the default rule, then
// datasource rules (drop by period, load by interval with two replicas,
// one replica for the rest) through loadstatus, loadqueue, servers,
// serverview and query results; then restarts and checks that rules,
// dynamic config and the loaded segments come back without re-downloading.
func TestCoordinatorDutyHistoricals(t *testing.T) {
	env := []string{"DRYAD_DRUID_COORDINATOR_STARTDELAY=PT0S", "DRYAD_DRUID_COORDINATOR_PERIOD=PT0.3S",
		"DRYAD_DRUID_MANAGER_SEGMENTS_POLLDURATION=PT0.3S"}
	port, dir := freePort(t), t.TempDir()
	args := []string{"quickstart", "--port", strconv.Itoa(port), "--dir", dir, "--historicals", "2"}
	p := start(t, env, args...)
	waitHealthy(t, p, port, time.Now())
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	coord := base + "/druid/coordinator/v1"
	h1, h2 := fmt.Sprintf("localhost:%d-historical-1", port), fmt.Sprintf("localhost:%d-historical-2", port)

	// Two historicals, told apart by name.
	var servers []serverSimple
	coordJSON(t, "GET", coord+"/servers?simple", "", nil, 200, &servers)
	if len(servers) != 2 || servers[0].Host != h1 || servers[1].Host != h2 || servers[0].Type != "historical" || servers[1].Tier != "_default_tier" {
		t.Fatalf("servers?simple: %+v", servers)
	}

	// Four days: three in 2013 and today's.
	day := int64(86400000)
	today := time.Now().UnixMilli() / day * day
	d0, _ := time.Parse(time.RFC3339, "2013-08-31T00:00:00Z")
	days := []int64{d0.UnixMilli(), d0.UnixMilli() + day, d0.UnixMilli() + 2*day, today}
	var segs []string
	for i, d := range days {
		seg := dutyPublish(t, dir, d, 4+i)
		segs = append(segs, seg.ID().String())
	}

	// The default rule: two replicas in _default_tier, one per historical.
	eventuallyJSON(t, coord+"/loadstatus", "default rule", func(m map[string]float64) bool { return m[dutyDS] == 100 })
	eventuallyJSON(t, coord+"/loadstatus?full", "default rule replicas", func(m map[string]map[string]int) bool {
		return m["_default_tier"][dutyDS] == 0
	})
	eventuallyJSON(t, coord+"/servers?simple", "both historicals loaded", func(s []serverSimple) bool {
		return len(s) == 2 && s[0].CurrSize > 0 && s[0].CurrSize == s[1].CurrSize
	})
	for _, id := range segs {
		if got := replicas(t, base)[id]; len(got) != 2 {
			t.Errorf("segment %s served by %v, want both historicals", id, got)
		}
	}
	iv := "2013-08-31T00:00:00.000Z_2013-09-01T00:00:00.000Z"
	var sv []struct {
		Servers []struct {
			Host string `json:"host"`
			Tier string `json:"tier"`
		} `json:"servers"`
	}
	coordJSON(t, "GET", coord+"/datasources/"+dutyDS+"/intervals/"+iv+"/serverview", "", nil, 200, &sv)
	if len(sv) != 1 || len(sv[0].Servers) != 2 {
		t.Errorf("serverview of %s: %+v", iv, sv)
	}
	queueIdle := func(what string) {
		t.Helper()
		eventuallyJSON(t, coord+"/loadqueue", what, func(m map[string]queueEntry) bool {
			if len(m) != 2 {
				return false
			}
			for _, e := range m {
				if e.SegmentsToLoad == nil || e.SegmentsToDrop == nil || len(e.SegmentsToLoad)+len(e.SegmentsToDrop) > 0 {
					return false
				}
			}
			return true
		})
	}
	queueIdle("load queues drain")
	var simpleQ map[string]map[string]int64
	coordJSON(t, "GET", coord+"/loadqueue?simple", "", nil, 200, &simpleQ)
	if len(simpleQ) != 2 || simpleQ[h1]["segmentsToLoadSize"] != 0 {
		t.Errorf("loadqueue?simple: %v", simpleQ)
	}

	const rowsQuery = `{"queryType":"timeseries","dataSource":"` + dutyDS + `","intervals":["2000/2100"],"granularity":"all","aggregations":[{"type":"count","name":"rows"}]}`
	rows := func() string {
		t.Helper()
		r := queryPost(t, port, "/druid/v2/", rowsQuery)
		if r.status != 200 {
			t.Fatalf("query: %d %s", r.status, r.body)
		}
		return string(r.body)
	}
	if got := rows(); !strings.Contains(got, `"rows":22`) { // 4+5+6+7
		t.Errorf("all loaded: %s", got)
	}

	// Datasource rules: today's data is dropped (dropByPeriod P2D), the
	// first day keeps two replicas, the others one.
	rules := `[{"type":"dropByPeriod","period":"P2D"},` +
		`{"type":"loadByInterval","interval":"2013-08-31/2013-09-01","tieredReplicants":{"_default_tier":2}},` +
		`{"type":"loadForever","tieredReplicants":{"_default_tier":1}}]`
	coordJSON(t, "POST", coord+"/rules/"+dutyDS, rules, nil, 200, nil)
	coordJSON(t, "POST", coord+"/config", `{"maxSegmentsToMove":7}`, nil, 200, nil)
	want := map[string]int{segs[0]: 2, segs[1]: 1, segs[2]: 1}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := replicas(t, base)
		n := map[string]int{}
		for id, hs := range got {
			n[id] = len(hs)
		}
		if fmt.Sprint(n) == fmt.Sprint(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replicas after the rules: %v, want %v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	queueIdle("load queues drain after the rules")
	if got := rows(); !strings.Contains(got, `"rows":15`) { // today's 7 rows dropped
		t.Errorf("after the drop rule: %s", got)
	}
	eventuallyJSON(t, coord+"/loadstatus", "drop rule", func(m map[string]float64) bool { return m[dutyDS] == 100 })
	// Dropped, not deleted: still used in the metadata store.
	var ids []string
	coordJSON(t, "GET", coord+"/metadata/datasources/"+dutyDS+"/segments", "", nil, 200, &ids)
	if len(ids) != 4 {
		t.Errorf("used segments after a drop rule: %v", ids)
	}
	var tiers []string
	coordJSON(t, "GET", coord+"/datasources/"+dutyDS+"/tiers", "", nil, 200, &tiers)
	if !slices.Equal(tiers, []string{"_default_tier"}) {
		t.Errorf("tiers: %v", tiers)
	}
	cache := cachedFiles(t, dir)
	if len(cache) != 4 {
		t.Errorf("cached segment files: %d, want 4 (2+1+1)", len(cache))
	}

	// Restart: rules, dynamic config and the loaded segments come back, and
	// the historicals serve from their caches without pulling again.
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	p = start(t, env, args...)
	waitHealthy(t, p, port, time.Now())
	var gotRules []map[string]any
	coordJSON(t, "GET", coord+"/rules/"+dutyDS, "", nil, 200, &gotRules)
	if len(gotRules) != 3 || gotRules[0]["type"] != "dropByPeriod" {
		t.Errorf("rules after restart: %v", gotRules)
	}
	var dyn map[string]any
	coordJSON(t, "GET", coord+"/config", "", nil, 200, &dyn)
	if dyn["maxSegmentsToMove"] != float64(7) {
		t.Errorf("dynamic config after restart: maxSegmentsToMove %v", dyn["maxSegmentsToMove"])
	}
	eventuallyJSON(t, base+"/druid/historical/v1/loadstatus", "caches restored", func(m map[string]bool) bool { return m["cacheInitialized"] })
	eventuallyJSON(t, coord+"/loadstatus", "after restart", func(m map[string]float64) bool { return m[dutyDS] == 100 })
	queueIdle("load queues idle after restart")
	if got := rows(); !strings.Contains(got, `"rows":15`) {
		t.Errorf("after restart: %s", got)
	}
	after := cachedFiles(t, dir)
	if len(after) != len(cache) {
		t.Errorf("cached files after restart: %d, want %d", len(after), len(cache))
	}
	for f, mt := range cache {
		if !after[f].Equal(mt) {
			t.Errorf("%s was written again after the restart", f)
		}
	}
	if strings.Contains(p.stderr.String(), "msg=\"loaded segment\"") {
		t.Errorf("a historical pulled a segment after the restart:\n%s", p.stderr.String())
	}
}
