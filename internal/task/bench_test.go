package task

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/dryaddb/dryad/bench/datagen"
)

// wikiFiles writes n generated wiki rows as gzipped JSON lines, split
// over parts files (each file is one split for parallel reading).
func wikiFiles(b *testing.B, n int64, parts int) ([]string, int64) {
	b.Helper()
	dir := b.TempDir()
	g := datagen.NewWiki(1, n)
	var buf []byte
	var paths []string
	var size int64
	for p := range parts {
		path := filepath.Join(dir, "wiki"+strconv.Itoa(p)+".json.gz")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
		w := bufio.NewWriterSize(zw, 1<<20)
		for range n / int64(parts) {
			buf = g.Next().AppendJSON(buf[:0])
			buf = append(buf, '\n')
			w.Write(buf)
		}
		w.Flush()
		zw.Close()
		f.Close()
		fi, _ := os.Stat(path)
		size += fi.Size()
		paths = append(paths, path)
	}
	return paths, size
}

func wikiSpec(files []string, readers int) []byte {
	fj, _ := json.Marshal(files)
	return []byte(`{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"bench",
"timestampSpec":{"column":"timestamp","format":"iso"},
"dimensionsSpec":{"dimensions":["channel","namespace","countryName","countryIsoCode","regionName","cityName","metroCode",
"page","user","comment","isRobot","isAnonymous","isMinor","isNew","isUnpatrolled","language","tags"]},
"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"added","fieldName":"added"},
{"type":"longSum","name":"deleted","fieldName":"deleted"},{"type":"longSum","name":"delta","fieldName":"delta"},
{"type":"doubleSum","name":"deltaScore","fieldName":"deltaScore"}],
"granularitySpec":{"segmentGranularity":"day","queryGranularity":"none","rollup":false}},
"ioConfig":{"type":"index_parallel","inputSource":{"type":"local","files":` + string(fj) + `},"inputFormat":{"type":"json"}},
"tuningConfig":{"type":"index_parallel","maxNumConcurrentSubTasks":` + strconv.Itoa(readers) + `}}}`)
}

// BenchmarkIngestWiki measures generated wiki rows (17 dimensions, 5
// metrics, gzipped JSON) to published segments, end to end through the
// queue. 200K rows, or 1M without -short, or DRYAD_BENCH_ROWS rows (e.g.
// 1200000 to include an intermediate persist at the default
// maxRowsInMemory).
func BenchmarkIngestWiki(b *testing.B) {
	n := int64(1_000_000)
	if testing.Short() {
		n = 200_000
	}
	if s := os.Getenv("DRYAD_BENCH_ROWS"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 4 {
			b.Fatalf("DRYAD_BENCH_ROWS=%q: want a row count of at least 4", s)
		}
		n = v
	}
	files, size := wikiFiles(b, n, 4)
	for _, readers := range []int{1, 2} {
		b.Run("readers="+strconv.Itoa(readers), func(b *testing.B) {
			f := newFixture(b, 1)
			spec := wikiSpec(files, readers)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuSeconds()
			for b.Loop() {
				st := f.run(b, spec)
				if st.StatusCode != StateSuccess {
					b.Fatal(st.ErrorMsg)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			// On a shared machine wall time is noisy; rows per CPU-second
			// of this process (user+system, all threads, GC included) is
			// the per-core rate.
			b.ReportMetric(float64(n)*float64(b.N)/(cpuSeconds()-cpu0), "rows/cpu-s")
		})
	}
}

// cpuSeconds is the process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
