package expr

import (
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

const benchBlock = 4096

func benchLongColumns(n int) MapVectorBindings {
	x := make([]int64, n)
	y := make([]int64, n)
	tm := make([]int64, n)
	for i := range x {
		x[i] = int64(i * 7)
		y[i] = int64(i ^ 0x55)
		tm[i] = 1577934245678 + int64(i)*997
	}
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(i) * 0.5
	}
	return MapVectorBindings{
		"x":      {Type: TypeLong, Longs: x},
		"y":      {Type: TypeLong, Longs: y},
		"__time": {Type: TypeLong, Longs: tm},
		"d":      {Type: TypeDouble, Doubles: d},
	}
}

func benchVector(b *testing.B, expr string) {
	vb := benchLongColumns(benchBlock)
	types := func(name string) (base.ColumnType, bool) {
		if v, ok := vb[name]; ok {
			return v.Type, true
		}
		return base.ColumnType{}, false
	}
	c, err := Compile(expr, types)
	if err != nil {
		b.Fatal(err)
	}
	ev := c.NewVectorEvaluator()
	if _, err := ev.Eval(vb, benchBlock); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(benchBlock * 8)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ev.Eval(vb, benchBlock); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*benchBlock/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}

// BenchmarkVectorLongArith is the target: x * 2 + y over long
// columns (≥ 200M values/s per core).
func BenchmarkVectorLongArith(b *testing.B) { benchVector(b, "x * 2 + y") }

// BenchmarkVectorTimestampFloor is the target:
// timestamp_floor(__time, 'PT1H') (≥ 100M values/s per core).
func BenchmarkVectorTimestampFloor(b *testing.B) {
	benchVector(b, "timestamp_floor(__time, 'PT1H')")
}

func BenchmarkVectorTimestampFloorZone(b *testing.B) {
	benchVector(b, "timestamp_floor(__time, 'P1D', null, 'America/Los_Angeles')")
}

func BenchmarkVectorDoubleMixed(b *testing.B) { benchVector(b, "d * 1.5 + x") }

func BenchmarkVectorCompare(b *testing.B) { benchVector(b, "x > 1000 && y < 50") }

func BenchmarkVectorFallback(b *testing.B) { benchVector(b, "case_searched(x > 100, 1, 2)") }

func BenchmarkRowLongArith(b *testing.B) {
	c, err := Compile("x * 2 + y", testTypes)
	if err != nil {
		b.Fatal(err)
	}
	row := MapBindings{"x": int64(3), "y": int64(4)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.EvalRow(row); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRowConcat(b *testing.B) {
	c, err := Compile("concat(s, '-', upper(s2))", testTypes)
	if err != nil {
		b.Fatal(err)
	}
	row := MapBindings{"s": "foo", "s2": "bar"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.EvalRow(row); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBind(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Compile("if(x > 1, concat(s, '-', timestamp_format(__time, 'yyyy-MM-dd')), lower(s2))", testTypes); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVectorDictionary evaluates a string expression over a
// dictionary-encoded column: once per entry, then a gather per row.
func BenchmarkVectorDictionary(b *testing.B) {
	dict := make([]string, 100)
	for i := range dict {
		dict[i] = "value-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	ids := make([]int32, benchBlock)
	for i := range ids {
		ids[i] = int32(i % len(dict))
	}
	c, err := Compile("upper(s) == 'VALUE-AA'", testTypes)
	if err != nil {
		b.Fatal(err)
	}
	vb := MapVectorBindings{"s": {Type: TypeString, Dict: dict, IDs: ids}}
	ev := c.NewVectorEvaluator()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ev.Eval(vb, benchBlock); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*benchBlock/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}
