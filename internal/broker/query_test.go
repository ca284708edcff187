package broker

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/engine"
	"github.com/dryaddb/dryad/internal/query/metaquery"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/serverview"
)

const day = int64(86400000)

// fakeRunner answers timeseries queries with one row per descriptor
// (count 1 at the descriptor's start) and records what it was asked.
type fakeRunner struct {
	mu    sync.Mutex
	descs []string
	block atomic.Bool // wait for the context to end
}

func (f *fakeRunner) RunQuery(ctx context.Context, q query.Query, descs []serverview.Descriptor) (*engine.Partial, error) {
	if f.block.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var p engine.Partial
	for _, d := range descs {
		f.descs = append(f.descs, fmt.Sprintf("%s@%d", d.Segment.Version, d.Segment.Partition))
		p.Timeseries = append(p.Timeseries, result.TimeseriesRow{Timestamp: d.Interval.Start, Values: []any{int64(1)}})
	}
	slices.SortFunc(p.Timeseries, func(a, b result.TimeseriesRow) int { return int(a.Timestamp - b.Timestamp) })
	return &p, nil
}

func (f *fakeRunner) RunMetaQuery(ctx context.Context, q query.Query, descs []serverview.Descriptor) ([]*metaquery.Partial, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*metaquery.Partial
	for _, d := range descs {
		f.descs = append(f.descs, fmt.Sprintf("%s@%d", d.Segment.Version, d.Segment.Partition))
		out = append(out, &metaquery.Partial{Type: q.Type(), Bounds: &metaquery.Bounds{Min: d.Interval.Start, Max: d.Interval.End - 1}})
	}
	return out, nil
}

func (f *fakeRunner) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.descs
	f.descs = nil
	slices.Sort(out)
	return out
}

func dseg(ds string, d int64, version string, part, parts int) base.DataSegment {
	n := parts
	return base.DataSegment{DataSource: ds, Interval: base.NewInterval(d*day, (d+1)*day), Version: version,
		ShardSpec: base.ShardSpec{Type: "numbered", PartitionNum: part, Partitions: &n}, Dimensions: []string{"page"}, Metrics: []string{"count"}}
}

func newTestBroker(t *testing.T) (*Broker, *serverview.Local, *fakeRunner) {
	t.Helper()
	view := serverview.NewLocal()
	run := &fakeRunner{}
	view.AddServer(serverview.Server{Name: "h1:8083", Type: "historical", Tier: "_default_tier", Runner: run})
	b := New(config.BrokerConfig{DefaultQueryTimeout: time.Minute}, Deps{View: view})
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Stop(context.Background()) })
	return b, view, run
}

func post(b *Broker, path, body string) (int, string) {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

const countQuery = `{"queryType":"timeseries","dataSource":"w","intervals":["1970-01-01/1970-01-04"],"granularity":"day","aggregations":[{"type":"count","name":"rows"}]}`

func TestTimelineSelection(t *testing.T) {
	b, view, run := newTestBroker(t)
	view.Announce("h1:8083", dseg("w", 0, "v1", 0, 1))
	view.Announce("h1:8083", dseg("w", 1, "v1", 0, 1))
	view.Announce("h1:8083", dseg("w", 0, "v2", 0, 2)) // incomplete: does not hide v1
	if code, body := post(b, "/druid/v2/", countQuery); code != 200 || !strings.Contains(body, `"rows":1`) {
		t.Fatalf("%d %s", code, body)
	}
	if got := run.take(); fmt.Sprint(got) != "[v1@0 v1@0]" {
		t.Errorf("with incomplete v2: read %v", got)
	}
	view.Announce("h1:8083", dseg("w", 0, "v2", 1, 2)) // complete: overshadows v1 on day 0
	code, body := post(b, "/druid/v2/", countQuery)
	want := `[{"timestamp":"1970-01-01T00:00:00.000Z","result":{"rows":2}},{"timestamp":"1970-01-02T00:00:00.000Z","result":{"rows":1}}]`
	if code != 200 || body != want {
		t.Errorf("got %d %s\nwant %s", code, body, want)
	}
	if got := run.take(); fmt.Sprint(got) != "[v1@0 v2@0 v2@1]" {
		t.Errorf("with complete v2: read %v", got)
	}
	// Unannouncing a partition makes v2 incomplete again.
	view.Unannounce("h1:8083", base.SegmentID{DataSource: "w", Interval: base.NewInterval(0, day), Version: "v2", Partition: 1})
	post(b, "/druid/v2/", countQuery)
	if got := run.take(); fmt.Sprint(got) != "[v1@0 v1@0]" {
		t.Errorf("after unannounce: read %v", got)
	}
	// A union reads every table; missing ones are ignored.
	view.Announce("h1:8083", dseg("x", 2, "v1", 0, 1))
	code, body = post(b, "/druid/v2/", strings.Replace(countQuery, `"dataSource":"w"`, `"dataSource":{"type":"union","dataSources":["w","x","nope"]}`, 1))
	if code != 200 || !strings.Contains(body, `{"timestamp":"1970-01-03T00:00:00.000Z","result":{"rows":1}}`) {
		t.Errorf("union: %d %s", code, body)
	}
	if got := run.take(); len(got) != 3 {
		t.Errorf("union read %v", got)
	}
	if code, body := post(b, "/druid/v2/", strings.Replace(countQuery, `"w"`, `"nope"`, 1)); code != 200 || body != "[]" {
		t.Errorf("missing table: %d %s", code, body)
	}
}

func TestInlineAndSubquery(t *testing.T) {
	b, _, _ := newTestBroker(t)
	inline := `{"type":"inline","columnNames":["__time","k","v"],"rows":[[0,"a",1],[1000,"b",2],[2000,"a",3],[86400000,"a",10]]}`
	tests := []struct{ name, q, want string }{
		{"inline groupBy", `{"queryType":"groupBy","dataSource":` + inline + `,"intervals":["1970/1971"],"granularity":"all",
			"dimensions":["k"],"aggregations":[{"type":"longSum","name":"s","fieldName":"v"}]}`,
			`[{"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"k":"a","s":14}},{"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"k":"b","s":2}}]`},
		{"nested groupBy", `{"queryType":"groupBy","intervals":["1970/1971"],"granularity":"all","dimensions":[],
			"aggregations":[{"type":"longMax","name":"m","fieldName":"s"},{"type":"count","name":"groups"}],
			"dataSource":{"type":"query","query":{"queryType":"groupBy","dataSource":` + inline + `,"intervals":["1970/1971"],
			"granularity":"day","dimensions":["k"],"aggregations":[{"type":"longSum","name":"s","fieldName":"v"}]}}}`,
			`[{"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"m":10,"groups":3}}]`},
		{"timeseries over scan", `{"queryType":"timeseries","intervals":["1970/1971"],"granularity":"all",
			"aggregations":[{"type":"longSum","name":"s","fieldName":"v"}],
			"dataSource":{"type":"query","query":{"queryType":"scan","dataSource":` + inline + `,"intervals":["1970/1971"],"columns":["__time","v"],"limit":2}}}`,
			`[{"timestamp":"1970-01-01T00:00:00.000Z","result":{"s":3}}]`},
		{"inline scan", `{"queryType":"scan","dataSource":` + inline + `,"intervals":["1970/1971"],"columns":["k"],"limit":1,"resultFormat":"compactedList"}`,
			`[{"segmentId":null,"columns":["k"],"events":[["a"]]`},
	}
	for _, tc := range tests {
		code, body := post(b, "/druid/v2/", tc.q)
		if code != 200 || !strings.HasPrefix(body, tc.want) {
			t.Errorf("%s: %d %s\nwant %s", tc.name, code, body, tc.want)
		}
	}
	code, body := post(b, "/druid/v2/", `{"queryType":"timeseries","intervals":["1970/1971"],"granularity":"all","aggregations":[{"type":"count","name":"c"}],
		"context":{"maxSubqueryRows":1},"dataSource":{"type":"query","query":{"queryType":"scan","dataSource":`+inline+`,"intervals":["1970/1971"]}}}`)
	if code != 400 || !strings.Contains(body, "maxSubqueryRows") {
		t.Errorf("subquery row limit: %d %s", code, body)
	}
	code, body = post(b, "/druid/v2/", `{"queryType":"timeBoundary","dataSource":`+inline+`}`)
	if code != 501 {
		t.Errorf("timeBoundary over inline rows: %d %s", code, body)
	}
}

func TestTimeoutCancelAndLimits(t *testing.T) {
	b, view, run := newTestBroker(t)
	view.Announce("h1:8083", dseg("w", 0, "v1", 0, 1))
	run.block.Store(true)
	q := strings.Replace(countQuery, `"granularity"`, `"context":{"timeout":50,"queryId":"q1"},"granularity"`, 1)
	code, body := post(b, "/druid/v2/", q)
	if code != 504 || !strings.Contains(body, `"error":"Query timeout"`) || !strings.Contains(body, "q1") {
		t.Errorf("timeout: %d %s", code, body)
	}

	q = strings.Replace(countQuery, `"granularity"`, `"context":{"queryId":"q2"},"granularity"`, 1)
	done := make(chan string)
	go func() {
		code, body := post(b, "/druid/v2/", q)
		done <- fmt.Sprint(code, " ", body)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := b.running.Load("q2"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("query q2 never started")
		}
		time.Sleep(time.Millisecond)
	}
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, httptest.NewRequest("DELETE", "/druid/v2/q2", nil))
	if rec.Code != 202 {
		t.Errorf("DELETE: %d", rec.Code)
	}
	if got := <-done; !strings.HasPrefix(got, "500 ") || !strings.Contains(got, "Query cancelled") {
		t.Errorf("cancelled query: %s", got)
	}

	run.block.Store(false)
	q = strings.Replace(countQuery, `"granularity"`, `"context":{"maxScatterGatherBytes":1},"granularity"`, 1)
	if code, body := post(b, "/druid/v2/", q); code != 400 || !strings.Contains(body, "max scatter-gather bytes") {
		t.Errorf("maxScatterGatherBytes: %d %s", code, body)
	}
}

func TestPruner(t *testing.T) {
	s := func(v string) *string { return &v }
	single := func(lo, hi *string) base.ShardSpec {
		return base.ShardSpec{Type: "single", Dimension: "country", StartStr: lo, EndStr: hi}
	}
	rng := func(lo, hi []*string) base.ShardSpec {
		return base.ShardSpec{Type: "range", Dimensions: []string{"country", "city"}, StartTuple: lo, EndTuple: hi}
	}
	tests := []struct {
		filter string
		spec   base.ShardSpec
		pruned bool
	}{
		{`{"type":"selector","dimension":"country","value":"fr"}`, single(nil, s("de")), true},
		{`{"type":"selector","dimension":"country","value":"fr"}`, single(s("de"), s("us")), false},
		{`{"type":"selector","dimension":"country","value":"us"}`, single(s("de"), s("us")), true}, // end is exclusive
		{`{"type":"selector","dimension":"country","value":"us"}`, single(s("us"), nil), false},
		{`{"type":"in","dimension":"country","values":["aa","zz"]}`, single(s("de"), s("us")), true},
		{`{"type":"in","dimension":"country","values":["aa","fr"]}`, single(s("de"), s("us")), false},
		{`{"type":"and","fields":[{"type":"selector","dimension":"page","value":"x"},{"type":"selector","dimension":"country","value":"zz"}]}`, single(nil, s("us")), true},
		{`{"type":"or","fields":[{"type":"selector","dimension":"country","value":"zz"}]}`, single(nil, s("us")), false},
		{`{"type":"selector","dimension":"country","value":null}`, single(s("de"), nil), false},
		{`{"type":"selector","dimension":"city","value":"zz"}`, single(nil, s("us")), false},
		{`{"type":"selector","dimension":"country","value":"us"}`, rng([]*string{s("de"), s("x")}, []*string{s("us"), s("b")}), false}, // first dim end inclusive
		{`{"type":"selector","dimension":"country","value":"zz"}`, rng([]*string{s("de"), s("x")}, []*string{s("us"), s("b")}), true},
		{`{"type":"equals","column":"country","matchValueType":"STRING","matchValue":"aa"}`, single(s("de"), nil), true},
		{`{"type":"selector","dimension":"country","value":"aa"}`, base.ShardSpec{Type: "hashed", PartitionDimensions: []string{"country"}}, false},
	}
	for _, tc := range tests {
		q, err := query.Decode([]byte(`{"queryType":"scan","dataSource":"w","intervals":["2000/2001"],"filter":` + tc.filter + `}`))
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		p := pruner(q.Base().Filter)
		got := p != nil && p(tc.spec)
		if got != tc.pruned {
			t.Errorf("%s on %+v: pruned %v, want %v", tc.filter, tc.spec, got, tc.pruned)
		}
	}
}

// FuzzQueryEndpoint checks that no request body makes the query endpoint
// panic or answer outside Druid's statuses.
func FuzzQueryEndpoint(f *testing.F) {
	for _, s := range []string{countQuery, `{}`, `[]`, `{"queryType":"scan","dataSource":{"type":"inline","columnNames":["a"],"rows":[[1]]},"intervals":["0/1"]}`,
		`{"queryType":"groupBy","dataSource":{"type":"query","query":{"queryType":"timeseries","dataSource":"w","intervals":["0/1"],"granularity":"all"}},"intervals":["0/1"],"granularity":"all","dimensions":["x"]}`,
		`{"queryType":"topN","dataSource":{"type":"union","dataSources":["w","v"]},"intervals":["0/1"],"granularity":"all","dimension":"d","metric":"c","threshold":1,"aggregations":[{"type":"count","name":"c"}]}`} {
		f.Add(s)
	}
	view := serverview.NewLocal()
	view.AddServer(serverview.Server{Name: "h", Runner: &fakeRunner{}})
	view.Announce("h", dseg("w", 0, "v1", 0, 1))
	b := New(config.BrokerConfig{DefaultQueryTimeout: 5 * time.Second}, Deps{View: view})
	b.Start(context.Background())
	f.Fuzz(func(t *testing.T, body string) {
		code, _ := post(b, "/druid/v2/", body)
		switch code {
		case 200, 400, 404, 500, 501, 504:
		default:
			t.Errorf("status %d for %q", code, body)
		}
	})
}

func TestReplicasSpread(t *testing.T) {
	view := serverview.NewLocal()
	r1, r2 := &fakeRunner{}, &fakeRunner{}
	view.AddServer(serverview.Server{Name: "h1", Runner: r1})
	view.AddServer(serverview.Server{Name: "h2", Runner: r2})
	for d := range int64(4) {
		view.Announce("h1", dseg("w", d, "v1", 0, 1))
		view.Announce("h2", dseg("w", d, "v1", 0, 1))
	}
	view.Announce("h2", dseg("w", 4, "v1", 0, 1)) // only on h2
	b := New(config.BrokerConfig{}, Deps{View: view})
	b.Start(context.Background())
	defer b.Stop(context.Background())
	code, body := post(b, "/druid/v2/", strings.Replace(countQuery, "1970-01-04", "1970-01-06", 1))
	if code != 200 || strings.Count(body, `"rows":1`) != 5 {
		t.Fatalf("%d %s", code, body)
	}
	n1, n2 := len(r1.take()), len(r2.take())
	if n1+n2 != 5 || n1 < 2 || n2 < 2 {
		t.Errorf("segments per server: h1 %d, h2 %d", n1, n2)
	}
	// A server that goes away no longer gets queries.
	view.RemoveServer("h1")
	post(b, "/druid/v2/", strings.Replace(countQuery, "1970-01-04", "1970-01-06", 1))
	if n1, n2 := len(r1.take()), len(r2.take()); n1 != 0 || n2 != 5 {
		t.Errorf("after removing h1: h1 %d, h2 %d", n1, n2)
	}
}

func TestDataSourceInfo(t *testing.T) {
	b, view, _ := newTestBroker(t)
	withCols := func(s base.DataSegment, dims ...string) base.DataSegment {
		s.Dimensions = dims
		return s
	}
	view.Announce("h1:8083", withCols(dseg("w", 0, "v1", 0, 1), "a", "old"))
	view.Announce("h1:8083", withCols(dseg("w", 0, "v2", 0, 1), "a"))
	view.Announce("h1:8083", withCols(dseg("w", 1, "v1", 0, 1), "a"))
	view.Announce("h1:8083", withCols(dseg("w", 2, "v1", 0, 1), "b"))
	view.Announce("h1:8083", withCols(dseg("w", 4, "v1", 0, 1), "b"))
	get := func(path string) string {
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		return strings.TrimSpace(rec.Body.String())
	}
	tests := []struct{ path, want string }{
		{"/druid/v2/datasources", `["w"]`},
		// The inventory includes the overshadowed v1 of day 0.
		{"/druid/v2/datasources/w/dimensions?interval=1970-01-01/1970-01-02", `["a","old"]`},
		{"/druid/v2/datasources/w/metrics?interval=1970-01-01_1970-01-02", `["count"]`},
		{"/druid/v2/datasources/w?interval=1970-01-03/1970-01-10", `{"dimensions":["b"],"metrics":["count"]}`},
		{"/druid/v2/datasources/w", `{"dimensions":[],"metrics":[]}`},
		// ?full follows the timeline and collapses abutting intervals with
		// the same columns.
		{"/druid/v2/datasources/w?full&interval=1970-01-01/1970-01-10",
			`{"1970-01-01T00:00:00.000Z/1970-01-03T00:00:00.000Z":{"dimensions":["a"],"metrics":["count"]},` +
				`"1970-01-03T00:00:00.000Z/1970-01-04T00:00:00.000Z":{"dimensions":["b"],"metrics":["count"]},` +
				`"1970-01-05T00:00:00.000Z/1970-01-06T00:00:00.000Z":{"dimensions":["b"],"metrics":["count"]}}`},
		{"/druid/v2/datasources/w?full", `{}`},
		{"/druid/v2/datasources/w/candidates?intervals=1970-01-01_1970-01-02&numCandidates=1",
			`[{"interval":"1970-01-01T00:00:00.000Z/1970-01-02T00:00:00.000Z","version":"v2","partitionNumber":0,"size":0,` +
				`"locations":[{"name":"h1:8083","host":"h1:8083","hostAndTlsPort":null,"maxSize":0,"type":"historical","tier":"_default_tier","priority":0}]}]`},
	}
	for _, tc := range tests {
		if got := get(tc.path); got != tc.want {
			t.Errorf("GET %s\n got %s\nwant %s", tc.path, got, tc.want)
		}
	}
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/druid/v2/datasources/w/candidates", nil))
	if rec.Code != 400 {
		t.Errorf("candidates without intervals: %d", rec.Code)
	}
}

func TestMetaQueries(t *testing.T) {
	b, view, run := newTestBroker(t)
	view.Announce("h1:8083", dseg("w", 0, "v1", 0, 1))
	view.Announce("h1:8083", dseg("w", 1, "v1", 0, 1))
	view.Announce("h1:8083", dseg("w", 3, "v1", 0, 1))
	code, body := post(b, "/druid/v2/", `{"queryType":"timeBoundary","dataSource":"w","intervals":["1970-01-01/1970-01-03"]}`)
	want := `[{"timestamp":"1970-01-01T00:00:00.000Z","result":{"minTime":"1970-01-01T00:00:00.000Z","maxTime":"1970-01-02T23:59:59.999Z"}}]`
	if code != 200 || body != want {
		t.Errorf("timeBoundary: %d %s\nwant %s", code, body, want)
	}
	if got := run.take(); len(got) != 2 {
		t.Errorf("read %v", got)
	}
	if code, body := post(b, "/druid/v2/", `{"queryType":"timeBoundary","dataSource":"nope"}`); code != 200 || body != "[]" {
		t.Errorf("timeBoundary on a missing table: %d %s", code, body)
	}
}

func TestMurmur3(t *testing.T) {
	// Reference values of MurmurHash3 x86_32.
	tests := []struct {
		in   string
		seed uint32
		want uint32
	}{
		{"", 0, 0},
		{"", 1, 0x514e28b7},
		{"hello", 0, 0x248bfa47},
		{"Hello, world!", 1234, 0xfaf6cdb3},
		{"The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723},
	}
	for _, tc := range tests {
		if got := murmur3x86_32([]byte(tc.in), tc.seed); got != tc.want {
			t.Errorf("murmur3(%q, %d) = %#x, want %#x", tc.in, tc.seed, got, tc.want)
		}
	}
}

func TestHashPruning(t *testing.T) {
	n := 3
	bucketOf := func(v string) int { return hashBucket([]byte(`[["`+v+`"]]`), n) }
	hashed := func(b int) base.ShardSpec {
		return base.ShardSpec{Type: "hashed", BucketID: &b, NumBuckets: &n, PartitionDimensions: []string{"country"}, PartitionFunction: "murmur3_32_abs"}
	}
	decode := func(f string) func(base.ShardSpec) bool {
		q, err := query.Decode([]byte(`{"queryType":"scan","dataSource":"w","intervals":["2000/2001"],"filter":` + f + `}`))
		if err != nil {
			t.Fatal(err)
		}
		return pruner(q.Base().Filter)
	}
	p := decode(`{"type":"selector","dimension":"country","value":"fr"}`)
	kept := 0
	for b := range n {
		if !p(hashed(b)) {
			kept++
			if b != bucketOf("fr") {
				t.Errorf("kept bucket %d, fr hashes to %d", b, bucketOf("fr"))
			}
		}
	}
	if kept != 1 {
		t.Errorf("kept %d buckets for one value, want 1", kept)
	}
	p = decode(`{"type":"in","dimension":"country","values":["fr","de","us","jp"]}`)
	for b := range n {
		want := b == bucketOf("fr") || b == bucketOf("de") || b == bucketOf("us") || b == bucketOf("jp")
		if got := !p(hashed(b)); got != want {
			t.Errorf("in: bucket %d kept %v, want %v", b, got, want)
		}
	}
	// Without every partition dimension pinned, or with another partition
	// function, nothing is pruned.
	two := hashed(0)
	two.PartitionDimensions = []string{"country", "city"}
	other := hashed(0)
	other.PartitionFunction = ""
	p = decode(`{"type":"selector","dimension":"country","value":"fr"}`)
	for _, s := range []base.ShardSpec{two, other} {
		if p(s) {
			t.Errorf("pruned %+v", s)
		}
	}
}
