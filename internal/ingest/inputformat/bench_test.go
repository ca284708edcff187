package inputformat

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

const itData = "../../../../shared/conformance/druid-it/data/batch_index"

// corpus returns the IT wikipedia files of kind (json, csv, tsv)
// concatenated (headers dropped after the first file) and repeated to about
// 1 MiB, and the number of records in it.
func corpus(b *testing.B, kind string) ([]byte, int) {
	b.Helper()
	var one []byte
	rows := 0
	for i := 1; i <= 3; i++ {
		data, err := os.ReadFile(filepath.Join(itData, kind, "wikipedia_index_data"+string(rune('0'+i))+"."+kind))
		if err != nil {
			b.Skipf("IT data not available: %v", err)
		}
		lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
		if kind != "json" {
			if i > 1 || len(one) > 0 {
				lines = lines[1:]
			} else {
				one = append(one, lines[0]...)
				one = append(one, '\n')
				lines = lines[1:]
			}
		}
		for _, l := range lines {
			one = append(one, l...)
			one = append(one, '\n')
			rows++
		}
	}
	header := []byte{}
	body := one
	if kind != "json" {
		k := bytes.IndexByte(one, '\n') + 1
		header, body = one[:k], one[k:]
	}
	out := append([]byte{}, header...)
	n := 0
	for len(out) < 1<<20 {
		out = append(out, body...)
		n += rows
	}
	return out, n
}

func benchFormat(b *testing.B, kind, spec string) {
	data, n := corpus(b, kind)
	f, err := Decode([]byte(spec), "inputFormat")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := f.NewReader(bytes.NewReader(data))
		got := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("read %d records, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkJSON(b *testing.B) { benchFormat(b, "json", `{"type":"json"}`) }
func BenchmarkCSV(b *testing.B)  { benchFormat(b, "csv", `{"type":"csv","findColumnsFromHeader":true}`) }
func BenchmarkTSV(b *testing.B)  { benchFormat(b, "tsv", `{"type":"tsv","findColumnsFromHeader":true}`) }

// BenchmarkJSONStdlib is the baseline: encoding/json into map[string]any
// with UseNumber, line by line.
func BenchmarkJSONStdlib(b *testing.B) {
	data, n := corpus(b, "json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for range b.N {
		for _, line := range bytes.Split(data, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var m map[string]any
			d := jsonNewDecoder(line)
			if err := d.Decode(&m); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
