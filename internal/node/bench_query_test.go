package node

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/bench/datagen"
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/incremental"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/segment"
)

// The end-to-end query benchmark data set: 10M wiki rows from datagen in 4
// time-ordered segments, cached under os.TempDir() between runs.
const (
	servingBenchSeed  = 1
	servingBenchRows  = 10_000_000
	servingBenchParts = 4
)

func servingBenchFiles(b *testing.B) []string {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("dryad-serving-bench-wiki-%d-%d-%d-v1", servingBenchSeed, servingBenchRows, servingBenchParts))
	paths := make([]string, servingBenchParts)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("part%d.seg", i))
	}
	if _, err := os.Stat(paths[len(paths)-1]); err == nil {
		return paths
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	gen := datagen.NewWiki(servingBenchSeed, servingBenchRows)
	var dims []incremental.DimensionSpec
	for _, d := range []string{"channel", "namespace", "countryName", "cityName", "page", "user", "isRobot", "language", "tags"} {
		dims = append(dims, incremental.DimensionSpec{Name: d})
	}
	dims = append(dims, incremental.DimensionSpec{Name: "added", Type: base.TypeLong}, incremental.DimensionSpec{Name: "deleted", Type: base.TypeLong},
		incremental.DimensionSpec{Name: "deltaScore", Type: base.TypeDouble})
	per := servingBenchRows / servingBenchParts
	for _, path := range paths {
		idx, err := incremental.New(incremental.Config{Dimensions: dims})
		if err != nil {
			b.Fatal(err)
		}
		var r incremental.Row
		var lo, hi int64
		for i := range per {
			w := gen.Next()
			if i == 0 {
				lo = w.Time
			}
			hi = w.Time
			r.Reset()
			r.Time = w.Time
			str := func(name, v string) {
				if v != "" {
					r.Set(name, segment.StringValue(v))
				} else {
					r.Set(name, segment.Value{})
				}
			}
			str("channel", w.Channel)
			str("namespace", w.Namespace)
			str("countryName", w.CountryName)
			str("cityName", w.CityName)
			str("page", w.Page)
			str("user", w.User)
			str("isRobot", fmt.Sprint(w.IsRobot))
			str("language", w.Language)
			if len(w.Tags) > 0 {
				r.Set("tags", segment.StringsValue(w.Tags))
			}
			r.Set("added", segment.LongValue(w.Added))
			r.Set("deleted", segment.LongValue(w.Deleted))
			r.Set("deltaScore", segment.DoubleValue(w.DeltaScore))
			if err := idx.Add(&r); err != nil {
				b.Fatal(err)
			}
		}
		meta := segment.Metadata{DataSource: "wiki", Interval: base.NewInterval(lo, hi+1), Version: "v1", PartitionNum: 0}
		if _, err := idx.PersistFile(path, meta); err != nil {
			b.Fatal(err)
		}
	}
	return paths
}

// servingBenchQueries are the brief's latency targets. The per-segment
// result cache is off (useCache/populateCache false) except in the
// "_cached" case.
var servingBenchQueries = []struct{ name, json string }{
	{"timeseries_hour_2sums", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"hour",
		"aggregations":[{"type":"longSum","name":"added","fieldName":"added"},{"type":"doubleSum","name":"score","fieldName":"deltaScore"}],
		"context":{"useCache":false,"populateCache":false}}`},
	{"timeseries_hour_2sums_cached", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"hour",
		"aggregations":[{"type":"longSum","name":"added","fieldName":"added"},{"type":"doubleSum","name":"score","fieldName":"deltaScore"}]}`},
	{"topN_page_count", `{"queryType":"topN","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"dimension":"page","metric":"count","threshold":10,"aggregations":[{"type":"count","name":"count"}],
		"context":{"useCache":false,"populateCache":false}}`},
	{"groupBy_channel_country_filtered", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"dimensions":["channel","countryName"],"filter":{"type":"selector","dimension":"isRobot","value":"false"},
		"aggregations":[{"type":"count","name":"count"},{"type":"longSum","name":"added","fieldName":"added"}],
		"context":{"useCache":false,"populateCache":false}}`},
	{"scan_limit1000", `{"queryType":"scan","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"limit":1000,
		"columns":["__time","channel","page","added","tags"]}`},
	{"timeseries_selective", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"filter":{"type":"selector","dimension":"channel","value":"#Galo.wikipedia"},
		"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"added","fieldName":"added"}],
		"context":{"useCache":false,"populateCache":false}}`},
	{"groupBy_selective", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"dimensions":["countryName"],"filter":{"type":"selector","dimension":"channel","value":"#Galo.wikipedia"},
		"aggregations":[{"type":"count","name":"count"},{"type":"longSum","name":"added","fieldName":"added"}],
		"context":{"useCache":false,"populateCache":false}}`},
	{"scan_selective", `{"queryType":"scan","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"limit":1000,
		"filter":{"type":"selector","dimension":"channel","value":"#Galo.wikipedia"},"columns":["__time","channel","page","added"]}`},
}

// BenchmarkQueryHTTP measures end-to-end query latency over HTTP: the
// broker's /druid/v2/ on a real listener, scatter to the historical (in
// process), per-segment execution on its pool, merge and result JSON, over
// the 10M-row wiki datasource loaded through deep storage, the metadata
// store and the coordinator's load duty.
func BenchmarkQueryHTTP(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 10M-row data set")
	}
	paths := servingBenchFiles(b)
	f := newServingFixture(b)
	ctx := context.Background()
	for i, p := range paths {
		seg, err := segment.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		meta := seg.Metadata()
		seg.Close()
		ds := base.DataSegment{DataSource: "wiki", Interval: meta.Interval, Version: "v1",
			ShardSpec: base.ShardSpec{Type: "linear", PartitionNum: 0}, BinaryVersion: 9}
		for _, d := range meta.Dimensions {
			ds.Dimensions = append(ds.Dimensions, d.Name)
		}
		for _, m := range meta.Metrics {
			ds.Metrics = append(ds.Metrics, m.Name)
		}
		spec, size, err := f.deep.Push(ctx, p, ds)
		if err != nil {
			b.Fatalf("part %d: %v", i, err)
		}
		ds.LoadSpec, ds.Size = spec, size
		if err := f.store.PublishSegments(ctx, []base.DataSegment{ds}, metadata.PublishOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	f.coord.Nudge()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		segs, _ := f.hist.Served(ctx)
		if len(segs) == len(paths) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d segments loaded", len(segs), len(paths))
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv := httptest.NewServer(f.brk.Handler())
	defer srv.Close()
	for _, bq := range servingBenchQueries {
		b.Run(bq.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				resp, err := http.Post(srv.URL+"/druid/v2/", "application/json", strings.NewReader(bq.json))
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("[")) {
					b.Fatalf("%d %s", resp.StatusCode, body)
				}
				n = len(body)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
			b.SetBytes(int64(n))
		})
	}
}
