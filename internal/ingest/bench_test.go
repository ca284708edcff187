package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/ingest/inputsource"
)

// memEntity is an in-memory entity.
type memEntity struct {
	path string
	data []byte
}

func (m memEntity) URI() string  { return "mem:" + m.path }
func (m memEntity) Path() string { return m.path }
func (m memEntity) Size() int64  { return int64(len(m.data)) }
func (m memEntity) OpenRaw(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(m.data)), nil
}

func benchRows(b *testing.B, e inputsource.Entity, spec string, wantRows int) {
	task, err := DecodeTask([]byte(spec), DecodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ds := &task.Spec.DataSchema
	parser := NewRowParser(ds)
	filter := NewIntervalFilter(ds.GranularitySpec.BucketIntervals())
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := NewRowReader(context.Background(), []inputsource.Entity{e}, task.Spec.IOConfig.InputFormat, parser, filter)
		n := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != wantRows {
			b.Fatalf("%d rows, want %d", n, wantRows)
		}
		b.SetBytes(r.Stats().ProcessedBytes)
	}
	b.ReportMetric(float64(wantRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

const wikitickerSpec = `{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"wikiticker","timestampSpec":{"column":"time","format":"iso"},
	"dimensionsSpec":{"dimensions":["channel","cityName","comment","countryIsoCode","countryName","isAnonymous","isMinor","isNew","isRobot","isUnpatrolled","metroCode","namespace","page","regionIsoCode","regionName","user"]},
	"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"added","fieldName":"added"},{"type":"longSum","name":"deleted","fieldName":"deleted"},{"type":"longSum","name":"delta","fieldName":"delta"}],
	"granularitySpec":{"segmentGranularity":"day","queryGranularity":"none","intervals":["2015-09-12/2015-09-13"],"rollup":false}},
	"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":"-"},"inputFormat":{"type":"json"}}}}`

func wikiticker(b *testing.B) []byte {
	data, err := os.ReadFile(filepath.Join(itDir, "data/quickstart/wikiticker-2015-09-12-sampled.json.gz"))
	if err != nil {
		b.Skipf("wikiticker sample not available: %v", err)
	}
	return data
}

// BenchmarkWikitickerGzip is the whole path for the quickstart sample:
// gunzip, JSON, timestamps, 16 string dimensions.
func BenchmarkWikitickerGzip(b *testing.B) {
	benchRows(b, memEntity{"wikiticker.json.gz", wikiticker(b)}, wikitickerSpec, 39244)
}

// BenchmarkWikitickerPlain is the same without decompression.
func BenchmarkWikitickerPlain(b *testing.B) {
	zr, err := gzip.NewReader(bytes.NewReader(wikiticker(b)))
	if err != nil {
		b.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	benchRows(b, memEntity{"wikiticker.json", plain}, wikitickerSpec, 39244)
}

// BenchmarkRowParser is timestamp and dimension parsing alone, on the IT
// wikipedia rows.
func BenchmarkRowParser(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(itDir, "data/batch_index/json/wikipedia_index_data1.json"))
	if err != nil {
		b.Skip(err)
	}
	f, _ := inputformat.Decode([]byte(`{"type":"json"}`), "f")
	r := f.NewReader(bytes.NewReader(data))
	var recs []inputformat.Record
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		recs = append(recs, rec)
	}
	task, err := DecodeTask([]byte(`{"type":"index","spec":{"dataSchema":{"dataSource":"w","timestampSpec":{"column":"timestamp"},
		"dimensionsSpec":{"dimensions":["page","language","tags","user","unpatrolled","newPage","robot","anonymous","namespace","continent","country","region","city"]}},
		"ioConfig":{"inputSource":{"type":"inline","data":"x"},"inputFormat":{"type":"json"}}}}`), DecodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	p := NewRowParser(&task.Spec.DataSchema)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := p.Parse(recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
