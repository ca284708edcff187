package segment

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

const benchRows = 10_000_000

// benchSegment builds a 10M-row segment with a long metric of values in
// [0, 100000), a string dimension of cardinality 1000 (uniform), and
// __time advancing by 0..9 ms per row.
func benchSegment(b *testing.B) *Segment {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	times := make([]int64, benchRows)
	longs := make([]int64, benchRows)
	ids := make([]int32, benchRows)
	t := int64(1442016000000)
	for i := range times {
		t += int64(rng.IntN(10))
		times[i] = t
		longs[i] = int64(rng.IntN(100000))
		ids[i] = int32(rng.IntN(1000))
	}
	dict := make([]string, 1000)
	for i := range dict {
		dict[i] = fmt.Sprintf("value-%04d", i)
	}
	meta := Metadata{DataSource: "bench", Version: "v",
		Dimensions: []Dimension{{Name: "dim", Type: base.TypeString}},
		Metrics:    []Metric{{Name: "added", Type: base.TypeLong}}}
	cols := []ColumnData{
		{Name: base.TimeColumn, Type: base.TypeLong, Longs: times},
		{Name: "dim", Type: base.TypeString, Dict: dict, IDs: ids},
		{Name: "added", Type: base.TypeLong, Longs: longs},
	}
	var buf bytes.Buffer
	if _, err := Write(&buf, meta, cols); err != nil {
		b.Fatal(err)
	}
	s, err := FromBytes(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkSumLongColumn(b *testing.B) {
	s := benchSegment(b)
	c, err := s.Column("added")
	if err != nil {
		b.Fatal(err)
	}
	col := c.(LongColumn)
	dst := make([]int64, BlockSize)
	b.SetBytes(benchRows * 8)
	b.ReportAllocs()
	cpu0 := cpuTime()
	var total int64
	for b.Loop() {
		var sum int64
		for start := 0; start < benchRows; start += BlockSize {
			n := col.Read(start, dst)
			for _, v := range dst[:n] {
				sum += v
			}
		}
		total = sum
	}
	_ = total
	reportRate(b, benchRows, cpu0, "Mrows", 1e6)
}

func BenchmarkReadTimeColumn(b *testing.B) {
	s := benchSegment(b)
	c, _ := s.Column(base.TimeColumn)
	col := c.(LongColumn)
	dst := make([]int64, BlockSize)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		for start := 0; start < benchRows; start += BlockSize {
			col.Read(start, dst)
		}
	}
	reportRate(b, benchRows, cpu0, "Mrows", 1e6)
}

func BenchmarkCountStringEquality(b *testing.B) {
	s := benchSegment(b)
	c, _ := s.Column("dim")
	col := c.(StringColumn)
	b.ReportAllocs()
	cpu0 := cpuTime()
	var count uint64
	for b.Loop() {
		id, ok := col.IndexOf("value-0123")
		if !ok {
			b.Fatal("value not found")
		}
		bm, err := col.Bitmap(id)
		if err != nil {
			b.Fatal(err)
		}
		count = bm.GetCardinality()
	}
	if count == 0 {
		b.Fatal("no rows matched")
	}
	reportRate(b, benchRows, cpu0, "Grows", 1e9)
}

func BenchmarkScanIDs(b *testing.B) {
	s := benchSegment(b)
	c, _ := s.Column("dim")
	col := c.(StringColumn)
	dst := make([]int32, BlockSize)
	b.SetBytes(benchRows * 4)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		for start := 0; start < benchRows; start += BlockSize {
			col.ReadIDs(start, dst)
		}
	}
	reportRate(b, benchRows, cpu0, "Mrows", 1e6)
}

// BenchmarkGroupByIDs scans ids and counts rows per id, the inner loop of a
// group-by on one string dimension.
func BenchmarkGroupByIDs(b *testing.B) {
	s := benchSegment(b)
	c, _ := s.Column("dim")
	col := c.(StringColumn)
	dst := make([]int32, BlockSize)
	counts := make([]int64, col.Cardinality())
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		for start := 0; start < benchRows; start += BlockSize {
			n := col.ReadIDs(start, dst)
			for _, id := range dst[:n] {
				counts[id]++
			}
		}
	}
	reportRate(b, benchRows, cpu0, "Mrows", 1e6)
}
