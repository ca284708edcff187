package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/dryaddb/dryad/bench/datagen"
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/incremental"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/segment"
)

// Kernel benchmarks: the bench-compare queries where dryad trailed DuckDB,
// each over one in-process segment (cached under os.TempDir()).
//
//	go test ./internal/query/engine -run X -bench Kernel -count 3
const (
	kernelWikiRows = 1 << 20
	kernelSeed     = 1
)

var (
	kernelOnce sync.Once
	kernelSegs map[string]*segment.Segment
	kernelErr  error
)

func kernelSegments(b *testing.B) map[string]*segment.Segment {
	kernelOnce.Do(func() {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("dryad-engine-kernel-%d-%d-v1", kernelSeed, kernelWikiRows))
		kernelSegs = map[string]*segment.Segment{}
		for name, build := range map[string]func(string) error{"wiki": buildKernelWiki, "lineitem": buildKernelLineitem} {
			path := filepath.Join(dir, name+".seg")
			if _, err := os.Stat(path); err != nil {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					kernelErr = err
					return
				}
				if err := build(path); err != nil {
					kernelErr = fmt.Errorf("build %s: %w", path, err)
					return
				}
			}
			s, err := segment.Open(path)
			if err != nil {
				kernelErr = err
				return
			}
			kernelSegs[name] = s
		}
	})
	if kernelErr != nil {
		b.Fatal(kernelErr)
	}
	return kernelSegs
}

func buildKernelWiki(path string) error {
	names := []string{"channel", "page", "language", "isMinor", "isNew"}
	var dims []incremental.DimensionSpec
	for _, d := range names {
		dims = append(dims, incremental.DimensionSpec{Name: d})
	}
	dims = append(dims, incremental.DimensionSpec{Name: "added", Type: base.TypeLong},
		incremental.DimensionSpec{Name: "deltaScore", Type: base.TypeDouble})
	idx, err := incremental.New(incremental.Config{Dimensions: dims})
	if err != nil {
		return err
	}
	gen := datagen.NewWiki(kernelSeed, kernelWikiRows)
	var r incremental.Row
	var lo, hi int64
	for i := range kernelWikiRows {
		w := gen.Next()
		if i == 0 {
			lo = w.Time
		}
		hi = w.Time
		r.Reset()
		r.Time = w.Time
		r.Set("channel", segment.StringValue(w.Channel))
		r.Set("page", segment.StringValue(w.Page))
		r.Set("language", segment.StringValue(w.Language))
		r.Set("isMinor", segment.StringValue(strconv.FormatBool(w.IsMinor)))
		r.Set("isNew", segment.StringValue(strconv.FormatBool(w.IsNew)))
		r.Set("added", segment.LongValue(w.Added))
		r.Set("deltaScore", segment.DoubleValue(w.DeltaScore))
		if err := idx.Add(&r); err != nil {
			return err
		}
	}
	meta := segment.Metadata{DataSource: "wiki", Interval: base.NewInterval(lo, hi+1), Version: "v1"}
	_, err = idx.PersistFile(path, meta)
	return err
}

// buildKernelLineitem keeps the 1994 rows of TPC-H SF 1 (about 900K), one
// year segment as bench-compare ingests it.
func buildKernelLineitem(path string) error {
	dims := []incremental.DimensionSpec{{Name: "l_returnflag"}, {Name: "l_shipmode"}}
	for _, m := range []string{"l_quantity", "l_extendedprice", "l_discount", "l_tax"} {
		dims = append(dims, incremental.DimensionSpec{Name: m, Type: base.TypeDouble})
	}
	idx, err := incremental.New(incremental.Config{Dimensions: dims})
	if err != nil {
		return err
	}
	iv := base.NewInterval(757382400000, 788918400000) // 1994
	gen := datagen.NewLineitem(kernelSeed, 1)
	var r incremental.Row
	for l := gen.Next(); l != nil; l = gen.Next() {
		t := int64(l.ShipDate) * 86400000
		if !iv.Contains(t) {
			continue
		}
		r.Reset()
		r.Time = t
		r.Set("l_returnflag", segment.StringValue(l.ReturnFlag))
		r.Set("l_shipmode", segment.StringValue(l.ShipMode))
		r.Set("l_quantity", segment.DoubleValue(l.Quantity))
		r.Set("l_extendedprice", segment.DoubleValue(l.ExtendedPrice))
		r.Set("l_discount", segment.DoubleValue(l.Discount))
		r.Set("l_tax", segment.DoubleValue(l.Tax))
		if err := idx.Add(&r); err != nil {
			return err
		}
	}
	_, err = idx.PersistFile(path, segment.Metadata{DataSource: "lineitem", Interval: iv, Version: "v1"})
	return err
}

var kernelQueries = []struct{ name, data, json string }{
	{"tpch-q6", "lineitem", `{"queryType":"timeseries","dataSource":"lineitem","intervals":["1994-01-01T00:00:00.000Z/1995-01-01T00:00:00.000Z"],"granularity":"all",
"filter":{"type":"and","fields":[
 {"type":"bound","dimension":"l_discount","lower":"0.05","upper":"0.07","ordering":"numeric"},
 {"type":"bound","dimension":"l_quantity","upper":"24","upperStrict":true,"ordering":"numeric"}]},
"virtualColumns":[{"type":"expression","name":"rev","expression":"l_extendedprice * l_discount","outputType":"DOUBLE"}],
"aggregations":[{"type":"doubleSum","name":"revenue","fieldName":"rev"}]}`},
	{"groupby-3dim-day-bound", "wiki", `{"queryType":"groupBy","dataSource":"wiki","intervals":["2000/2100"],"granularity":"day",
"dimensions":["language","isMinor","isNew"],
"filter":{"type":"bound","dimension":"added","lower":"500","ordering":"numeric"},
"aggregations":[{"type":"count","name":"edits"},{"type":"doubleSum","name":"deltaScore","fieldName":"deltaScore"}]}`},
	{"topn-low-cardinality", "wiki", `{"queryType":"topN","dataSource":"wiki","intervals":["2000/2100"],"granularity":"all",
"dimension":"channel","metric":"added","threshold":10,
"aggregations":[{"type":"longSum","name":"added","fieldName":"added"},{"type":"count","name":"edits"}]}`},
	{"filter-like", "wiki", `{"queryType":"timeseries","dataSource":"wiki","intervals":["2000/2100"],"granularity":"all",
"filter":{"type":"like","dimension":"page","pattern":"Page Ka%"},
"aggregations":[{"type":"count","name":"edits"},{"type":"longSum","name":"added","fieldName":"added"}]}`},
}

// BenchmarkKernel runs each query over its one segment on one goroutine and
// reports ns per segment row.
func BenchmarkKernel(b *testing.B) {
	segs := kernelSegments(b)
	for _, kq := range kernelQueries {
		q, err := query.Decode([]byte(kq.json))
		if err != nil {
			b.Fatalf("%s: %v", kq.name, err)
		}
		seg := segs[kq.data]
		b.Run(kq.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				if _, err := Run(ctx, q, seg, "s"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(seg.NumRows()), "ns/row")
		})
	}
}
