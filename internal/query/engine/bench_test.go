package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dryaddb/dryad/bench/datagen"
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/incremental"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/segment"
)

// The benchmark data set: benchRows wiki rows from datagen in benchParts
// time-ordered segments, cached as segment files under os.TempDir().
const (
	benchSeed  = 1
	benchRows  = 10_000_000
	benchParts = 4
)

var benchDims = []string{"channel", "namespace", "countryName", "cityName", "page", "user", "isRobot", "language", "tags"}

var (
	benchOnce sync.Once
	benchSegs []*segment.Segment
	benchErr  error
)

func benchSegments(b *testing.B) []*segment.Segment {
	benchOnce.Do(func() { benchSegs, benchErr = loadBenchSegments() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSegs
}

func loadBenchSegments() ([]*segment.Segment, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("dryad-engine-bench-wiki-%d-%d-%d-v1", benchSeed, benchRows, benchParts))
	paths := make([]string, benchParts)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("part%d.seg", i))
	}
	if _, err := os.Stat(paths[benchParts-1]); err != nil {
		if err := buildBenchSegments(dir, paths); err != nil {
			return nil, err
		}
	}
	segs := make([]*segment.Segment, len(paths))
	for i, p := range paths {
		s, err := segment.Open(p)
		if err != nil {
			return nil, err
		}
		segs[i] = s
	}
	return segs, nil
}

func buildBenchSegments(dir string, paths []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	gen := datagen.NewWiki(benchSeed, benchRows)
	per := benchRows / benchParts
	dims := make([]incremental.DimensionSpec, len(benchDims))
	for i, d := range benchDims {
		dims[i] = incremental.DimensionSpec{Name: d}
	}
	metrics := []incremental.DimensionSpec{
		{Name: "added", Type: base.TypeLong}, {Name: "deleted", Type: base.TypeLong},
		{Name: "delta", Type: base.TypeLong}, {Name: "deltaScore", Type: base.TypeDouble},
	}
	dims = append(dims, metrics...)
	for part, path := range paths {
		idx, err := incremental.New(incremental.Config{Dimensions: dims})
		if err != nil {
			return err
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
				if v == "" {
					r.Set(name, segment.Value{})
				} else {
					r.Set(name, segment.StringValue(v))
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
			r.Set("delta", segment.LongValue(w.Delta))
			r.Set("deltaScore", segment.DoubleValue(w.DeltaScore))
			if err := idx.Add(&r); err != nil {
				return err
			}
		}
		meta := segment.Metadata{DataSource: "wiki", Interval: base.NewInterval(lo, hi+1), Version: "v1", PartitionNum: part}
		if _, err := idx.PersistFile(path, meta); err != nil {
			return err
		}
	}
	return nil
}

var benchQueries = []struct{ name, json string }{
	{"timeseries_hour_2sums", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"hour",
		"aggregations":[{"type":"longSum","name":"added","fieldName":"added"},{"type":"doubleSum","name":"score","fieldName":"deltaScore"}]}`},
	{"timeseries_all_count_selective", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"filter":{"type":"selector","dimension":"channel","value":"#Galo.wikipedia"},
		"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"added","fieldName":"added"}]}`},
	{"topN_page_count", `{"queryType":"topN","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"dimension":"page","metric":"count","threshold":10,"aggregations":[{"type":"count","name":"count"}]}`},
	{"topN_page_selective", `{"queryType":"topN","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"filter":{"type":"selector","dimension":"channel","value":"#Galo.wikipedia"},
		"dimension":"page","metric":"count","threshold":10,"aggregations":[{"type":"count","name":"count"}]}`},
	{"topN_channel_added", `{"queryType":"topN","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"dimension":"channel","metric":"added","threshold":10,"aggregations":[{"type":"count","name":"count"},{"type":"longSum","name":"added","fieldName":"added"}]}`},
	{"groupBy_channel_country_filtered", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"dimensions":["channel","countryName"],"filter":{"type":"selector","dimension":"isRobot","value":"false"},
		"aggregations":[{"type":"count","name":"count"},{"type":"longSum","name":"added","fieldName":"added"}]}`},
	{"groupBy_selective", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"dimensions":["countryName"],"filter":{"type":"selector","dimension":"channel","value":"#Galo.wikipedia"},
		"aggregations":[{"type":"count","name":"count"},{"type":"longSum","name":"added","fieldName":"added"}]}`},
	{"timeseries_day_last", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"day",
		"aggregations":[{"type":"longLast","name":"added","fieldName":"added"},{"type":"stringLast","name":"page","fieldName":"page"}]}`},
	{"groupBy_virtual_dictionary", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"dimensions":["prefix"],"virtualColumns":[{"type":"expression","name":"prefix","expression":"substring(channel, 1, 2)","outputType":"STRING"}],
		"aggregations":[{"type":"count","name":"count"}]}`},
	{"timeseries_virtual_numeric", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"granularity":"all",
		"virtualColumns":[{"type":"expression","name":"net","expression":"added - deleted","outputType":"LONG"}],
		"aggregations":[{"type":"longSum","name":"net","fieldName":"net"}]}`},
	{"scan_limit1000", `{"queryType":"scan","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"limit":1000,
		"columns":["__time","channel","page","added","tags"]}`},
	{"scan_selective", `{"queryType":"scan","dataSource":"wiki","intervals":["2026-01-01/2026-03-01"],"limit":1000,
		"filter":{"type":"selector","dimension":"channel","value":"#Galo.wikipedia"},"columns":["__time","channel","page","added"]}`},
}

// cpuTime is the process's user+system CPU time. On a shared machine it
// is a steadier measure of the work done than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportRates(b *testing.B, rows int, cpu time.Duration) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	if cpu > 0 {
		b.ReportMetric(float64(rows)*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
}

// BenchmarkWikiParallel runs each query over the segments on
// runtime.GOMAXPROCS workers, as a data server does.
func BenchmarkWikiParallel(b *testing.B) {
	segs := benchSegments(b)
	total := 0
	for _, s := range segs {
		total += s.NumRows()
	}
	workers := runtime.GOMAXPROCS(0)
	for _, bq := range benchQueries {
		q, err := query.Decode([]byte(bq.json))
		if err != nil {
			b.Fatalf("%s: %v", bq.name, err)
		}
		b.Run(bq.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			cpu0 := cpuTime()
			for b.Loop() {
				next := make(chan *segment.Segment, len(segs))
				for _, s := range segs {
					next <- s
				}
				close(next)
				var wg sync.WaitGroup
				errs := make(chan error, workers)
				for range workers {
					wg.Go(func() {
						for s := range next {
							if _, err := Run(ctx, q, s, "s"); err != nil {
								errs <- err
								return
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
			}
			reportRates(b, total, cpuTime()-cpu0)
		})
	}
}

// BenchmarkWiki runs each query over the 10M-row wiki segments, one
// segment after another on one goroutine (rows/s is per core).
func BenchmarkWiki(b *testing.B) {
	segs := benchSegments(b)
	total := 0
	for _, s := range segs {
		total += s.NumRows()
	}
	for _, bq := range benchQueries {
		q, err := query.Decode([]byte(bq.json))
		if err != nil {
			b.Fatalf("%s: %v", bq.name, err)
		}
		b.Run(bq.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			cpu0 := cpuTime()
			for b.Loop() {
				for _, s := range segs {
					if _, err := Run(ctx, q, s, "s"); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportRates(b, total, cpuTime()-cpu0)
		})
	}
}
