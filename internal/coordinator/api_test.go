package coordinator

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/discovery"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/serverview"
)

var updateAPI = flag.Bool("update-api", false, "rewrite internal/coordinator/testdata/api golden files")

// servedList is a data server that serves a fixed list of segments.
type servedList []base.DataSegment

func (s servedList) Load(context.Context, base.DataSegment) error { return nil }
func (s servedList) Drop(context.Context, base.SegmentID) error   { return nil }
func (s servedList) Served(context.Context) ([]base.DataSegment, error) {
	return append([]base.DataSegment(nil), s...), nil
}

type serverList []serverview.Server

func (l serverList) Servers() []serverview.Server { return l }

// apiFixture is a coordinator over a real SQLite metadata store holding:
//
//	wiki  2024-01-01 v1 (overshadowed by v2), 2024-01-01 v2, 2024-01-02 v1,
//	      2024-01-03 v1 (unused)
//	other 2024-01-01 v1
//
// and two historicals: h1 (tier _default_tier) serving wiki's v2 day 1 and
// day 2, h2 (tier hot) serving wiki's day 2 and other's segment.
type apiFixture struct {
	store *metadata.Store
	c     *Coordinator
	segs  map[string]base.DataSegment
}

const apiDay = int64(86400000)

func newAPIFixture(t *testing.T) *apiFixture {
	t.Helper()
	ctx := context.Background()
	clock := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	store, err := metadata.Open(ctx, metadata.Config{DataDir: t.TempDir(), Clock: func() time.Time { return clock }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	jan1 := base.Millis(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	one := 1
	mk := func(ds string, d int64, version string, size int64) base.DataSegment {
		return base.DataSegment{DataSource: ds, Interval: base.NewInterval(jan1+d*apiDay, jan1+(d+1)*apiDay), Version: version,
			LoadSpec: json.RawMessage(`{"type":"local","path":"/x/index.zip"}`), Dimensions: []string{"page"}, Metrics: []string{"count"},
			ShardSpec: base.ShardSpec{Type: "numbered", Partitions: &one}, BinaryVersion: 9, Size: size}
	}
	f := &apiFixture{store: store, segs: map[string]base.DataSegment{
		"w0v1": mk("wiki", 0, "v1", 100), "w0v2": mk("wiki", 0, "v2", 200), "w1v1": mk("wiki", 1, "v1", 300),
		"w2v1": mk("wiki", 2, "v1", 400), "o0v1": mk("other", 0, "v1", 50),
	}}
	var all []base.DataSegment
	for _, s := range f.segs {
		all = append(all, s)
	}
	if err := store.PublishSegments(ctx, all, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	w2 := f.segs["w2v1"]
	if _, err := store.MarkUnused(ctx, "wiki", []base.SegmentID{w2.ID()}); err != nil {
		t.Fatal(err)
	}
	servers := serverList{
		{Name: "h1:8083", Type: "historical", Tier: "_default_tier", MaxSize: 1000, Loader: servedList{f.segs["w0v2"], f.segs["w1v1"]}},
		{Name: "h2:8083", Type: "historical", Tier: "hot", Priority: 1, MaxSize: 2000, Loader: servedList{f.segs["w1v1"], f.segs["o0v1"]}},
	}
	elections := discovery.NewLocalElections()
	f.c = New(config.CoordinatorConfig{}, Deps{Elector: elections.Elector("coordinator", "http://c:8081"), Metadata: store, Servers: servers})
	return f
}

// createdRE hides the snapshot time Druid puts in metadata datasources.
var createdRE = regexp.MustCompile(`"created":"[^"]*"`)

func (f *apiFixture) do(t *testing.T, method, path, body string, hdr map[string]string) (int, string) {
	t.Helper()
	var req = httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	req.RemoteAddr = "192.0.2.7:5555"
	rec := httptest.NewRecorder()
	f.c.Handler().ServeHTTP(rec, req)
	return rec.Code, createdRE.ReplaceAllString(rec.Body.String(), `"created":"<now>"`)
}

type apiCase struct {
	name         string
	method, path string
	body         string
	hdr          map[string]string
	code         int
	// want is the exact body; when empty, the body is compared with
	// testdata/api/<name>.json instead (written with -update-api).
	want string
}

func runAPICases(t *testing.T, f *apiFixture, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		code, body := f.do(t, tc.method, tc.path, tc.body, tc.hdr)
		if code != tc.code {
			t.Errorf("%s: %s %s = %d %s, want %d", tc.name, tc.method, tc.path, code, body, tc.code)
			continue
		}
		if tc.want != "" || code == 204 {
			if body != tc.want {
				t.Errorf("%s: %s %s body\n %s\nwant\n %s", tc.name, tc.method, tc.path, body, tc.want)
			}
			continue
		}
		golden := filepath.Join("testdata", "api", tc.name+".json")
		if *updateAPI {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%s: %v (run go test -run TestAPI -update-api)", tc.name, err)
		}
		if body != string(want) {
			t.Errorf("%s: %s %s body\n %s\nwant (%s)\n %s", tc.name, tc.method, tc.path, body, golden, want)
		}
	}
}

const (
	v1   = "/druid/coordinator/v1"
	w0v1 = "wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_v1"
	w0v2 = "wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_v2"
	w1v1 = "wiki_2024-01-02T00:00:00.000Z_2024-01-03T00:00:00.000Z_v1"
	w2v1 = "wiki_2024-01-03T00:00:00.000Z_2024-01-04T00:00:00.000Z_v1"
)

func TestAPIMetadata(t *testing.T) {
	f := newAPIFixture(t)
	runAPICases(t, f, []apiCase{
		{"metadata_segments", "GET", v1 + "/metadata/segments", "", nil, 200, ""},
		{"metadata_segments_ds", "GET", v1 + "/metadata/segments?datasources=other&datasources=nope", "", nil, 200, ""},
		{"metadata_segments_overshadowed", "GET", v1 + "/metadata/segments?includeOvershadowedStatus&datasources=wiki", "", nil, 200, ""},
		{"metadata_segments_realtime_alone", "GET", v1 + "/metadata/segments?includeRealtimeSegments", "", nil, 400, ""},
		{"metadata_segments_realtime", "GET", v1 + "/metadata/segments?includeOvershadowedStatus&includeRealtimeSegments&datasources=other", "", nil, 200, ""},
		{"metadata_datasources", "GET", v1 + "/metadata/datasources", "", nil, 200, `["other","wiki"]` + "\n"},
		{"metadata_datasources_unused", "GET", v1 + "/metadata/datasources?includeUnused", "", nil, 200, `["other","wiki"]` + "\n"},
		{"metadata_datasources_full", "GET", v1 + "/metadata/datasources?full", "", nil, 200, ""},
		{"metadata_datasource", "GET", v1 + "/metadata/datasources/other", "", nil, 200, ""},
		{"metadata_datasource_unknown", "GET", v1 + "/metadata/datasources/nope", "", nil, 404, ""},
		{"metadata_ds_segments", "GET", v1 + "/metadata/datasources/wiki/segments", "", nil, 200,
			`["` + w0v1 + `","` + w0v2 + `","` + w1v1 + `"]` + "\n"},
		{"metadata_ds_segments_full", "GET", v1 + "/metadata/datasources/other/segments?full", "", nil, 200, ""},
		{"metadata_ds_segments_unknown", "GET", v1 + "/metadata/datasources/nope/segments", "", nil, 404, ""},
		{"metadata_ds_segments_post", "POST", v1 + "/metadata/datasources/wiki/segments", `["2024-01-02T00:00:00.000/2024-01-05T00:00:00.000"]`, nil, 200,
			`["` + w1v1 + `"]` + "\n"},
		{"metadata_ds_segments_post_full", "POST", v1 + "/metadata/datasources/wiki/segments?full", `["2023-12-31/2024-01-02"]`, nil, 200, ""},
		{"metadata_ds_segments_post_none", "POST", v1 + "/metadata/datasources/nope/segments", `["2023-12-31/2024-01-02"]`, nil, 200, "[]\n"},
		{"metadata_ds_segments_post_bad", "POST", v1 + "/metadata/datasources/wiki/segments", `["2024-01-02/nope"]`, nil, 400, ""},
		{"metadata_ds_segments_post_empty", "POST", v1 + "/metadata/datasources/wiki/segments", `[]`, nil, 400, ""},
		{"metadata_ds_segments_post_notjson", "POST", v1 + "/metadata/datasources/wiki/segments", `{`, nil, 400, ""},
		{"metadata_segment", "GET", v1 + "/metadata/datasources/wiki/segments/" + w1v1, "", nil, 200, ""},
		{"metadata_segment_unused", "GET", v1 + "/metadata/datasources/wiki/segments/" + w2v1, "", nil, 404, ""},
		{"metadata_segment_unused_included", "GET", v1 + "/metadata/datasources/wiki/segments/" + w2v1 + "?includeUnused=true", "", nil, 200, ""},
		{"metadata_segment_garbage", "GET", v1 + "/metadata/datasources/wiki/segments/garbage", "", nil, 404, ""},
	})
}

func TestAPIDataSources(t *testing.T) {
	f := newAPIFixture(t)
	runAPICases(t, f, []apiCase{
		{"datasources", "GET", v1 + "/datasources", "", nil, 200, `["other","wiki"]` + "\n"},
		{"datasources_simple", "GET", v1 + "/datasources?simple", "", nil, 200, ""},
		{"datasources_full", "GET", v1 + "/datasources?full", "", nil, 200, ""},
		{"datasource", "GET", v1 + "/datasources/wiki", "", nil, 200, ""},
		{"datasource_full", "GET", v1 + "/datasources/wiki?full", "", nil, 200, ""},
		{"datasource_unknown", "GET", v1 + "/datasources/nope", "", nil, 204, ""},
		{"ds_intervals", "GET", v1 + "/datasources/wiki/intervals", "", nil, 200,
			`["2024-01-02T00:00:00.000Z/2024-01-03T00:00:00.000Z","2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"]` + "\n"},
		{"ds_intervals_simple", "GET", v1 + "/datasources/wiki/intervals?simple", "", nil, 200,
			`{"2024-01-02T00:00:00.000Z/2024-01-03T00:00:00.000Z":{"size":300,"count":1},"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z":{"size":200,"count":1}}` + "\n"},
		{"ds_intervals_full", "GET", v1 + "/datasources/wiki/intervals?full", "", nil, 200, ""},
		{"ds_intervals_unknown", "GET", v1 + "/datasources/nope/intervals", "", nil, 204, ""},
		{"ds_interval", "GET", v1 + "/datasources/wiki/intervals/2024-01-02_2024-01-05", "", nil, 200, `["` + w1v1 + `"]` + "\n"},
		{"ds_interval_simple", "GET", v1 + "/datasources/wiki/intervals/2024-01-01_2024-01-02?simple", "", nil, 200,
			`{"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z":{"size":200,"count":1}}` + "\n"},
		{"ds_interval_full", "GET", v1 + "/datasources/wiki/intervals/2024-01-02_2024-01-03?full", "", nil, 200, ""},
		{"ds_interval_bad", "GET", v1 + "/datasources/wiki/intervals/x", "", nil, 400, ""},
		{"ds_serverview", "GET", v1 + "/datasources/wiki/intervals/2024-01-01_2024-01-03/serverview", "", nil, 200, ""},
		{"ds_serverview_unknown", "GET", v1 + "/datasources/nope/intervals/2024-01-01_2024-01-03/serverview", "", nil, 200, "[]\n"},
		{"ds_segments", "GET", v1 + "/datasources/wiki/segments", "", nil, 200, `["` + w0v2 + `","` + w1v1 + `"]` + "\n"},
		{"ds_segments_full", "GET", v1 + "/datasources/other/segments?full", "", nil, 200, ""},
		{"ds_segments_unknown", "GET", v1 + "/datasources/nope/segments", "", nil, 204, ""},
		{"ds_segment", "GET", v1 + "/datasources/wiki/segments/" + w1v1, "", nil, 200, ""},
		{"ds_segment_unserved", "GET", v1 + "/datasources/wiki/segments/" + w0v1, "", nil, 204, ""},
		{"ds_tiers", "GET", v1 + "/datasources/wiki/tiers", "", nil, 200, `["_default_tier","hot"]` + "\n"},
		{"ds_tiers_other", "GET", v1 + "/datasources/other/tiers", "", nil, 200, `["hot"]` + "\n"},
		{"ds_tiers_unknown", "GET", v1 + "/datasources/nope/tiers", "", nil, 200, "[]\n"},
		{"intervals", "GET", v1 + "/intervals", "", nil, 200, ""},
		{"interval", "GET", v1 + "/intervals/2024-01-01_2024-01-03", "", nil, 200, `{"size":550,"count":3}` + "\n"},
		{"interval_simple", "GET", v1 + "/intervals/2024-01-01_2024-01-03?simple", "", nil, 200, ""},
		{"interval_full", "GET", v1 + "/intervals/2024-01-01_2024-01-03?full", "", nil, 200, ""},
		{"interval_bad", "GET", v1 + "/intervals/2024-01-03_2024-01-01", "", nil, 400, ""},
		{"servers", "GET", v1 + "/servers", "", nil, 200, `["h1:8083","h2:8083"]` + "\n"},
		{"servers_simple", "GET", v1 + "/servers?simple", "", nil, 200,
			`[{"host":"h1:8083","tier":"_default_tier","type":"historical","priority":0,"currSize":500,"maxSize":1000},{"host":"h2:8083","tier":"hot","type":"historical","priority":1,"currSize":350,"maxSize":2000}]` + "\n"},
		{"servers_full", "GET", v1 + "/servers?full", "", nil, 200, ""},
		{"ds_loadstatus_noforce", "GET", v1 + "/datasources/wiki/loadstatus", "", nil, 400, ""},
		{"ds_loadstatus", "GET", v1 + "/datasources/wiki/loadstatus?forceMetadataRefresh=true&interval=2024-01-01_2024-01-10", "", nil, 200, `{"wiki":100}` + "\n"},
		{"ds_loadstatus_simple", "GET", v1 + "/datasources/wiki/loadstatus?simple&forceMetadataRefresh=false&interval=2024-01-01/2024-01-10", "", nil, 200, `{"wiki":0}` + "\n"},
		// The default rule wants 2 replicas in _default_tier: day 1 has one, day 2 one.
		{"ds_loadstatus_full", "GET", v1 + "/datasources/wiki/loadstatus?full&forceMetadataRefresh=true&interval=2024-01-01_2024-01-10", "", nil, 200, `{"_default_tier":{"wiki":2}}` + "\n"},
		// Only one server in _default_tier: the cluster view caps the want at 1.
		{"ds_loadstatus_full_cluster", "GET", v1 + "/datasources/wiki/loadstatus?full&computeUsingClusterView&forceMetadataRefresh=true&interval=2024-01-01_2024-01-10", "", nil, 200, `{"_default_tier":{"wiki":0}}` + "\n"},
		{"ds_loadstatus_empty", "GET", v1 + "/datasources/wiki/loadstatus?forceMetadataRefresh=true&interval=2025-01-01_2025-01-10", "", nil, 204, ""},
		{"ds_loadstatus_unknown", "GET", v1 + "/datasources/nope/loadstatus?forceMetadataRefresh=true", "", nil, 204, ""},
	})
}

func TestAPIMarkUsedUnused(t *testing.T) {
	f := newAPIFixture(t)
	ids := func(ds string) string {
		_, body := f.do(t, "GET", v1+"/metadata/datasources/"+ds+"/segments", "", nil)
		return body
	}
	runAPICases(t, f, []apiCase{
		{"unmark_one", "DELETE", v1 + "/datasources/wiki/segments/" + w1v1, "", nil, 200, `{"segmentStateChanged":true}` + "\n"},
		{"unmark_one_again", "DELETE", v1 + "/datasources/wiki/segments/" + w1v1, "", nil, 200, `{"segmentStateChanged":false}` + "\n"},
		{"unmark_garbage", "DELETE", v1 + "/datasources/wiki/segments/garbage", "", nil, 200, `{"segmentStateChanged":false}` + "\n"},
		{"mark_one", "POST", v1 + "/datasources/wiki/segments/" + w1v1, "", nil, 200, `{"segmentStateChanged":true}` + "\n"},
		{"mark_one_again", "POST", v1 + "/datasources/wiki/segments/" + w1v1, "", nil, 200, `{"segmentStateChanged":false}` + "\n"},
		// Payload errors.
		{"markUnused_both", "POST", v1 + "/datasources/wiki/markUnused", `{"interval":"2024-01-01/2024-01-02","segmentIds":["x"]}`, nil, 400, ""},
		{"markUnused_neither", "POST", v1 + "/datasources/wiki/markUnused", `{}`, nil, 400, ""},
		{"markUnused_null", "POST", v1 + "/datasources/wiki/markUnused", `null`, nil, 400, ""},
		{"markUnused_badiv", "POST", v1 + "/datasources/wiki/markUnused", `{"interval":"2024-01-02/2024-01-01"}`, nil, 400, ""},
		{"markUsed_versions_ids", "POST", v1 + "/datasources/wiki/markUsed", `{"segmentIds":["` + w2v1 + `"],"versions":["v1"]}`, nil, 400, ""},
		{"markUsed_mediatype", "POST", v1 + "/datasources/wiki/markUsed", `{}`, map[string]string{"Content-Type": "application/xml"}, 415, ""},
		{"markUnused_unknown_ds", "POST", v1 + "/datasources/nope/markUnused", `{"interval":"2024-01-01/2024-01-02"}`, nil, 204, ""},
		// By interval: only segments within it.
		{"markUnused_interval_partial", "POST", v1 + "/datasources/wiki/markUnused", `{"interval":"2024-01-01T12:00Z/2024-01-03"}`, nil, 200, `{"numChangedSegments":1}` + "\n"},
		{"markUnused_interval_versions", "POST", v1 + "/datasources/wiki/markUnused", `{"interval":"2024-01-01/2024-01-03","versions":["v9"]}`, nil, 200, `{"numChangedSegments":0}` + "\n"},
		{"markUnused_interval", "POST", v1 + "/datasources/wiki/markUnused", `{"interval":"2024-01-01/2024-01-03","versions":["v1","v2"]}`, nil, 200, `{"numChangedSegments":2}` + "\n"},
		// markUsed by interval marks the non-overshadowed ones: day 0 v2,
		// day 1, day 2 — not day 0 v1.
		{"markUsed_interval", "POST", v1 + "/datasources/wiki/markUsed", `{"interval":"2024-01-01/2024-01-10"}`, nil, 200, `{"numChangedSegments":3}` + "\n"},
		{"markUnused_ids", "POST", v1 + "/datasources/wiki/markUnused", `{"segmentIds":["` + w2v1 + `","garbage","` + strings.Replace(w1v1, "wiki", "other", 1) + `"]}`, nil, 200, `{"numChangedSegments":1}` + "\n"},
		{"markUsed_unknown_id", "POST", v1 + "/datasources/wiki/markUsed", `{"segmentIds":["` + w2v1 + `","wiki_2030-01-01T00:00:00.000Z_2030-01-02T00:00:00.000Z_v1"]}`, nil, 404, ""},
		// An overshadowed segment stays unused.
		{"markUsed_ids", "POST", v1 + "/datasources/wiki/markUsed", `{"segmentIds":["` + w2v1 + `","` + w0v1 + `"]}`, nil, 200, `{"numChangedSegments":1}` + "\n"},
		{"mark_all_unused", "DELETE", v1 + "/datasources/wiki", "", nil, 200, `{"numChangedSegments":3}` + "\n"},
		{"mark_all_unused_unknown", "DELETE", v1 + "/datasources/nope", "", nil, 200, `{"numChangedSegments":0}` + "\n"},
		{"kill", "DELETE", v1 + "/datasources/wiki?kill=true&interval=2024-01-01_2024-01-02", "", nil, 503, ""},
		{"mark_all_used", "POST", v1 + "/datasources/wiki", "", nil, 200, `{"numChangedSegments":3}` + "\n"},
	})
	if got, want := ids("wiki"), `["`+w0v2+`","`+w1v1+`","`+w2v1+`"]`+"\n"; got != want {
		t.Errorf("used wiki segments after marking: %s, want %s", got, want)
	}
}

func TestAPIRules(t *testing.T) {
	f := newAPIFixture(t)
	author := map[string]string{"X-Druid-Author": "ann", "X-Druid-Comment": "keep a month"}
	runAPICases(t, f, []apiCase{
		{"rules_initial", "GET", v1 + "/rules", "", nil, 200, `{"_default":[{"tieredReplicants":{"_default_tier":2},"useDefaultTierForNull":true,"type":"loadForever"}]}` + "\n"},
		{"rules_ds_none", "GET", v1 + "/rules/wiki", "", nil, 200, "[]\n"},
		{"rules_set", "POST", v1 + "/rules/wiki", `[{"type":"loadByPeriod","period":"P1M","tieredReplicants":{"hot":1}},{"type":"dropForever"}]`, author, 200, ""},
		{"rules_set_unknown_type", "POST", v1 + "/rules/wiki", `[{"type":"loadSometimes"}]`, nil, 400, ""},
		{"rules_set_bad_replicas", "POST", v1 + "/rules/wiki", `[{"type":"loadForever","tieredReplicants":{"hot":-2}}]`, nil, 400, ""},
		{"rules_set_not_array", "POST", v1 + "/rules/wiki", `{"type":"loadForever"}`, nil, 400, ""},
		{"rules_ds", "GET", v1 + "/rules/wiki", "", nil, 200,
			`[{"period":"P1M","includeFuture":true,"tieredReplicants":{"hot":1},"useDefaultTierForNull":true,"type":"loadByPeriod"},{"type":"dropForever"}]` + "\n"},
		{"rules_ds_full", "GET", v1 + "/rules/wiki?full", "", nil, 200,
			`[{"period":"P1M","includeFuture":true,"tieredReplicants":{"hot":1},"useDefaultTierForNull":true,"type":"loadByPeriod"},{"type":"dropForever"},{"tieredReplicants":{"_default_tier":2},"useDefaultTierForNull":true,"type":"loadForever"}]` + "\n"},
		{"rules_set_default", "POST", v1 + "/rules/_default", `[{"type":"loadForever","tieredReplicants":{"_default_tier":1}}]`, map[string]string{"X-Druid-Author": "bob"}, 200, ""},
		{"rules_all", "GET", v1 + "/rules", "", nil, 200, ""},
		{"rules_clear", "POST", v1 + "/rules/other", `[]`, nil, 200, ""},
		{"rules_history", "GET", v1 + "/rules/history", "", nil, 200, ""},
		{"rules_history_count", "GET", v1 + "/rules/history?count=1", "", nil, 200, ""},
		{"rules_history_ds", "GET", v1 + "/rules/wiki/history", "", nil, 200, ""},
		{"rules_history_interval", "GET", v1 + "/rules/wiki/history?interval=2024-01-01/2024-01-02", "", nil, 200, "[]\n"},
		{"rules_history_interval_wins", "GET", v1 + "/rules/wiki/history?interval=2024-01-01/2024-01-02&count=5", "", nil, 200, "[]\n"},
		{"rules_history_bad_count", "GET", v1 + "/rules/history?count=0", "", nil, 400, ""},
		{"rules_history_bad_interval", "GET", v1 + "/rules/history?interval=yesterday", "", nil, 400, ""},
		// Rules change what metadata/segments reports as replication factor.
		{"metadata_segments_rf", "GET", v1 + "/metadata/segments?includeOvershadowedStatus&datasources=other", "", nil, 200, ""},
	})
}

func TestAPIConfig(t *testing.T) {
	f := newAPIFixture(t)
	defaults := `{"millisToWaitBeforeDeleting":900000,"mergeBytesLimit":524288000,"mergeSegmentsLimit":100,"maxSegmentsToMove":100,"replicantLifetime":15,"replicationThrottleLimit":500,"balancerComputeThreads":1,"killDataSourceWhitelist":[],"killPendingSegmentsSkipList":[],"maxSegmentsInNodeLoadingQueue":500,"decommissioningNodes":[],"decommissioningMaxPercentOfMaxSegmentsToMove":70,"pauseCoordination":false,"replicateAfterLoadTimeout":false,"maxNonPrimaryReplicantsToLoad":2147483647,"useRoundRobinSegmentAssignment":true,"smartSegmentLoading":true,"debugDimensions":null,"turboLoadingNodes":[],"cloneServers":{}}` + "\n"
	runAPICases(t, f, []apiCase{
		{"config_default", "GET", v1 + "/config", "", nil, 200, defaults},
		{"config_history_empty", "GET", v1 + "/config/history", "", nil, 200, "[]\n"},
		{"config_set", "POST", v1 + "/config", `{"maxSegmentsToMove":5,"killDataSourceWhitelist":"a, b","pauseCoordination":true,"debugDimensions":{"x":"y"},"unknownField":1}`,
			map[string]string{"X-Druid-Author": "ann", "X-Druid-Comment": "slow down"}, 200, ""},
		{"config_set_merge", "POST", v1 + "/config", `{"replicantLifetime":20,"decommissioningNodes":["h1:8083"],"killDataSourceWhitelist":null}`, nil, 200, ""},
		{"config_after", "GET", v1 + "/config", "", nil, 200, ""},
		{"config_bad_percent", "POST", v1 + "/config", `{"decommissioningMaxPercentOfMaxSegmentsToMove":101}`, nil, 400, ""},
		{"config_bad_negative", "POST", v1 + "/config", `{"maxSegmentsToMove":-1}`, nil, 400, ""},
		{"config_bad_type", "POST", v1 + "/config", `{"maxSegmentsToMove":"many"}`, nil, 400, ""},
		{"config_not_object", "POST", v1 + "/config", `[1]`, nil, 400, ""},
		{"config_history", "GET", v1 + "/config/history", "", nil, 200, ""},
		{"config_history_count", "GET", v1 + "/config/history?count=1", "", nil, 200, ""},
		{"config_history_bad_count", "GET", v1 + "/config/history?count=x", "", nil, 400, ""},
	})
	d, err := f.c.DynamicConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxSegmentsToMove != 5 || d.ReplicantLifetime != 20 || !d.PauseCoordination || fmt.Sprint(d.KillDataSourceWhitelist) != "[a b]" {
		t.Errorf("DynamicConfig after posts: %+v", d)
	}
}

// TestAPIWithoutStore checks that endpoints needing the metadata store
// answer 503 rather than panic when there is none, and that the
// inventory endpoints answer empty.
func TestAPIWithoutStore(t *testing.T) {
	elections := discovery.NewLocalElections()
	f := &apiFixture{c: New(config.CoordinatorConfig{}, Deps{Elector: elections.Elector("coordinator", "http://c:8081")})}
	runAPICases(t, f, []apiCase{
		{"nostore_rules", "GET", v1 + "/rules", "", nil, 503, ""},
		{"nostore_config", "GET", v1 + "/config", "", nil, 503, ""},
		{"nostore_datasources", "GET", v1 + "/datasources", "", nil, 200, "[]\n"},
		{"nostore_servers", "GET", v1 + "/servers?simple", "", nil, 200, "[]\n"},
		{"nostore_intervals", "GET", v1 + "/intervals", "", nil, 200, "{}\n"},
	})
}
