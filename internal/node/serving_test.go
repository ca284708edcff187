package node

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/broker"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/coordinator"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/discovery"
	"github.com/dryaddb/dryad/internal/historical"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/segment"
	"github.com/dryaddb/dryad/internal/serverview"
)

// servingFixture is the serving path assembled in-process: metadata
// store, deep storage, coordinator (load duty), historical and broker
// around one server view.
type servingFixture struct {
	dir   string
	store *metadata.Store
	deep  *deepstorage.Local
	view  *serverview.Local
	coord *coordinator.Coordinator
	hist  *historical.Historical
	brk   *broker.Broker
}

func newServingFixture(t testing.TB) *servingFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: dir}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	deep, err := deepstorage.NewLocal(filepath.Join(dir, "deep"))
	if err != nil {
		t.Fatal(err)
	}
	f := &servingFixture{dir: dir, store: store, deep: deep, view: serverview.NewLocal()}
	f.startHistorical(t)
	f.brk = broker.New(config.BrokerConfig{DefaultQueryTimeout: time.Minute}, broker.Deps{View: f.view})
	if err := f.brk.Start(ctx); err != nil {
		t.Fatal(err)
	}
	f.coord = coordinator.New(config.CoordinatorConfig{Period: 20 * time.Millisecond},
		coordinator.Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c"), Metadata: store, Servers: f.view})
	if err := f.coord.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.coord.Stop(ctx)
		f.brk.Stop(ctx)
		f.hist.Stop(ctx)
	})
	return f
}

func (f *servingFixture) startHistorical(t testing.TB) {
	t.Helper()
	f.hist = historical.New(config.HistoricalConfig{Tier: "_default_tier",
		CacheLocations: []config.CacheLocation{{Path: filepath.Join(f.dir, "cache")}}},
		historical.Deps{Deep: f.deep, View: f.view, Name: "localhost:8083", Threads: 2})
	if err := f.hist.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// publish writes a wiki segment of rows (time, page, added) for day in
// version, pushes it and publishes it.
func (f *servingFixture) publish(t *testing.T, day, version string, partition, partitions int, rows [][3]any) base.DataSegment {
	t.Helper()
	iv, err := base.ParseInterval(day+"/P1D", nil)
	if err != nil {
		t.Fatal(err)
	}
	meta := segment.Metadata{DataSource: "wiki", Interval: iv, Version: version, PartitionNum: partition,
		Dimensions: []segment.Dimension{{Name: "page", Type: base.TypeString}},
		Metrics:    []segment.Metric{{Name: "added", Type: base.TypeLong}}}
	var vals [][]segment.Value
	for _, r := range rows {
		ts, err := base.ParseTime(r[0].(string), nil)
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, []segment.Value{segment.LongValue(ts), segment.StringValue(r[1].(string)), segment.LongValue(int64(r[2].(int)))})
	}
	cols, err := segment.ColumnsFromRows(&meta, vals)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(f.dir, "build.seg")
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := segment.Write(out, meta, cols); err != nil {
		t.Fatal(err)
	}
	out.Close()
	n := partitions
	ds := base.DataSegment{DataSource: "wiki", Interval: iv, Version: version, Dimensions: []string{"page"}, Metrics: []string{"added"},
		ShardSpec: base.ShardSpec{Type: "numbered", PartitionNum: partition, Partitions: &n}, BinaryVersion: 9}
	spec, size, err := f.deep.Push(context.Background(), file, ds)
	if err != nil {
		t.Fatal(err)
	}
	ds.LoadSpec, ds.Size = spec, size
	if err := f.store.PublishSegments(context.Background(), []base.DataSegment{ds}, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	f.coord.Nudge()
	return ds
}

func (f *servingFixture) query(t *testing.T, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("POST", "/druid/v2/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	f.brk.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// eventually polls a query until it answers want.
func (f *servingFixture) eventually(t *testing.T, body, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		var code int
		code, got = f.query(t, body)
		if code == http.StatusOK && got == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("query %s\ngot  %s\nwant %s", body, got, want)
}

const servingTimeseries = `{"queryType":"timeseries","dataSource":"wiki","intervals":["2013-08-31/2013-09-03"],"granularity":"day",
	"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"added","fieldName":"added"}]}`

func TestServingPath(t *testing.T) {
	f := newServingFixture(t)
	f.publish(t, "2013-08-31", "v1", 0, 1, [][3]any{{"2013-08-31T01:00:00Z", "a", 10}, {"2013-08-31T02:00:00Z", "b", 5}})
	f.publish(t, "2013-09-01", "v1", 0, 1, [][3]any{{"2013-09-01T01:00:00Z", "a", 7}})
	f.eventually(t, servingTimeseries, `[{"timestamp":"2013-08-31T00:00:00.000Z","result":{"rows":2,"added":15}},`+
		`{"timestamp":"2013-09-01T00:00:00.000Z","result":{"rows":1,"added":7}}]`)

	// Metadata queries run per segment on the historical too.
	if code, got := f.query(t, `{"queryType":"timeBoundary","dataSource":"wiki"}`); code != 200 ||
		got != `[{"timestamp":"2013-08-31T01:00:00.000Z","result":{"minTime":"2013-08-31T01:00:00.000Z","maxTime":"2013-09-01T01:00:00.000Z"}}]` {
		t.Errorf("timeBoundary: %d %s", code, got)
	}
	if code, got := f.query(t, `{"queryType":"search","dataSource":"wiki","intervals":["2013/2014"],"granularity":"all","query":{"type":"contains","value":"a"}}`); code != 200 ||
		!strings.Contains(got, `{"dimension":"page","value":"a","count":2}`) {
		t.Errorf("search: %d %s", code, got)
	}

	// An incomplete newer version does not hide the older one.
	f.publish(t, "2013-08-31", "v2", 0, 2, [][3]any{{"2013-08-31T03:00:00Z", "c", 100}})
	time.Sleep(200 * time.Millisecond)
	if _, got := f.query(t, servingTimeseries); !strings.Contains(got, `"rows":2,"added":15`) {
		t.Fatalf("incomplete v2 changed the result: %s", got)
	}
	// Completing it overshadows v1; the coordinator marks v1 unused and the
	// historical drops it.
	f.publish(t, "2013-08-31", "v2", 1, 2, [][3]any{{"2013-08-31T04:00:00Z", "d", 1}})
	f.eventually(t, servingTimeseries, `[{"timestamp":"2013-08-31T00:00:00.000Z","result":{"rows":2,"added":101}},`+
		`{"timestamp":"2013-09-01T00:00:00.000Z","result":{"rows":1,"added":7}}]`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		segs, _ := f.hist.Served(context.Background())
		used, _ := f.store.AllUsedSegments(context.Background())
		if len(segs) == 3 && len(used) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("served %d, used %d segments; want 3 and 3 after overshadowing", len(segs), len(used))
		}
		time.Sleep(20 * time.Millisecond)
	}
	pulls := f.hist.Pulls()
	if pulls != 4 {
		t.Errorf("pulls = %d, want 4", pulls)
	}

	// A restarted historical serves its cache without pulling.
	f.hist.Stop(context.Background())
	f.startHistorical(t)
	f.eventually(t, servingTimeseries, `[{"timestamp":"2013-08-31T00:00:00.000Z","result":{"rows":2,"added":101}},`+
		`{"timestamp":"2013-09-01T00:00:00.000Z","result":{"rows":1,"added":7}}]`)
	if n := f.hist.Pulls(); n != 0 {
		t.Errorf("restarted historical pulled %d segments, want 0", n)
	}

	// Missing datasources answer [], malformed queries 400.
	if code, got := f.query(t, strings.Replace(servingTimeseries, `"wiki"`, `"nope"`, 1)); code != 200 || got != "[]" {
		t.Errorf("missing datasource: %d %s", code, got)
	}
	if code, got := f.query(t, `{"queryType":"timeseries"}`); code != 400 || !strings.Contains(got, "dataSource") {
		t.Errorf("malformed query: %d %s", code, got)
	}
}
