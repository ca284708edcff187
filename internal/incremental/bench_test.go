package incremental

import (
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/dryaddb/dryad/internal/segment"
)

const buildRows = 500_000

// buildIndex fills an index with rows of 10 string dimensions (cardinalities
// 2 to 50,000) and 5 metrics, without rollup.
func buildIndex(b *testing.B, rollup bool) *Index {
	b.Helper()
	metrics := mustFactories(b, `[{"type":"count","name":"count"},{"type":"longSum","name":"added","fieldName":"added"},
		{"type":"longSum","name":"deleted","fieldName":"deleted"},{"type":"doubleSum","name":"delta","fieldName":"delta"},
		{"type":"doubleMax","name":"maxDelta","fieldName":"delta"}]`)
	var dims []DimensionSpec
	cards := []int{2, 3, 10, 50, 100, 500, 1000, 5000, 20000, 50000}
	names := make([]string, len(cards))
	values := make([][]string, len(cards))
	for i, c := range cards {
		names[i] = fmt.Sprintf("dim%d", i)
		dims = append(dims, DimensionSpec{Name: names[i]})
		values[i] = make([]string, c)
		for j := range values[i] {
			values[i][j] = fmt.Sprintf("%s-value-%d", names[i], j)
		}
	}
	x, err := New(Config{Dimensions: dims, Metrics: metrics, Rollup: rollup})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var r Row
	t := int64(1442016000000)
	for i := 0; i < buildRows; i++ {
		r.Reset()
		t += int64(rng.IntN(3))
		r.Time = t
		for d := range names {
			r.Set(names[d], segment.StringValue(values[d][rng.IntN(len(values[d]))]))
		}
		r.Set("added", segment.LongValue(int64(rng.IntN(1000))))
		r.Set("deleted", segment.LongValue(int64(rng.IntN(100))))
		r.Set("delta", segment.DoubleValue(float64(rng.IntN(2000)-1000)))
		if err := x.Add(&r); err != nil {
			b.Fatal(err)
		}
	}
	return x
}

// BenchmarkPersist measures building a segment (sort, encode, write) from a
// filled index.
func BenchmarkPersist(b *testing.B) {
	x := buildIndex(b, false)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := x.Persist(io.Discard, segment.Metadata{DataSource: "bench", Version: "v"}); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, buildRows, cpu0, "Mrows", 1e6)
}

// BenchmarkAddAndPersist measures ingestion into the index plus persisting.
func BenchmarkAddAndPersist(b *testing.B) {
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		x := buildIndex(b, true)
		if _, err := x.Persist(io.Discard, segment.Metadata{DataSource: "bench", Version: "v"}); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, buildRows, cpu0, "Mrows", 1e6)
}

// BenchmarkAdd measures adding rows (10 string dimensions, 5 metrics, no
// rollup) to an index.
func BenchmarkAdd(b *testing.B) {
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		buildIndex(b, false)
	}
	reportRate(b, buildRows, cpu0, "Mrows", 1e6)
}
