package filter

import (
	"encoding/json"
	"strconv"
	"testing"
)

// BenchmarkEvalRows evaluates a typical and/or/not/bound/in filter on
// 100K map rows with the row-level evaluator.
func BenchmarkEvalRows(b *testing.B) {
	f, err := Decode(json.RawMessage(`{"type":"and","fields":[
		{"type":"or","fields":[{"type":"selector","dimension":"page","value":"p7"},{"type":"in","dimension":"lang","values":["en","fr",null]}]},
		{"type":"not","field":{"type":"null","column":"added"}},
		{"type":"bound","dimension":"added","lower":"10","upper":"500","ordering":"numeric"}]}`), "filter")
	if err != nil {
		b.Fatal(err)
	}
	m, err := Compile(f)
	if err != nil {
		b.Fatal(err)
	}
	langs := []string{"en", "fr", "de", "ja"}
	rows := make([]MapRow, 100_000)
	for i := range rows {
		rows[i] = MapRow{"page": "p" + strconv.Itoa(i%100), "lang": langs[i%4], "added": int64(i % 1000)}
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, r := range rows {
			if m.Eval(r) == TriTrue {
				n++
			}
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	_ = n
}
