package incremental

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

const wikiticker = "/work/shared/conformance/druid-it/data/quickstart/wikiticker-2015-09-12-sampled.json.gz"

// readWikiticker is a test-only JSON-lines reader: it turns each line into a
// Row as Druid's JSON input format would (booleans become strings, numbers
// stay numbers). Real ingestion lives in internal/ingest.
func readWikiticker(t *testing.T, fn func(*Row) error) int {
	t.Helper()
	f, err := os.Open(wikiticker)
	if err != nil {
		t.Skipf("wikiticker sample not available: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	n := 0
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		ts, err := time.Parse(time.RFC3339Nano, m["time"].(string))
		if err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		delete(m, "time")
		r, err := RowFromMap(ts.UnixMilli(), m)
		if err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if err := fn(&r); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWikitickerSegment ingests the wikiticker sample with the tutorial
// schema (no rollup), checks the row count and a few values, and logs the
// segment size next to the input's gzip size.
func TestWikitickerSegment(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a 2 MB sample")
	}
	var dims []DimensionSpec
	for _, d := range []string{"channel", "cityName", "comment", "countryIsoCode", "countryName", "isAnonymous", "isMinor", "isNew", "isRobot", "isUnpatrolled", "metroCode", "namespace", "page", "regionIsoCode", "regionName", "user"} {
		dims = append(dims, DimensionSpec{Name: d})
	}
	for _, d := range []string{"delta", "added", "deleted"} {
		dims = append(dims, DimensionSpec{Name: d, Type: base.TypeLong})
	}
	x, err := New(Config{Dimensions: dims})
	if err != nil {
		t.Fatal(err)
	}
	n := readWikiticker(t, x.Add)
	if n != 39244 || x.Rows() != 39244 {
		t.Fatalf("read %d lines into %d rows, want 39244", n, x.Rows())
	}
	path := t.TempDir() + "/wikiticker.seg"
	size, err := x.PersistFile(path, segment.Metadata{DataSource: "wikipedia", Interval: base.Interval{Start: 1442016000000, End: 1442102400000}, Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(wikiticker)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wikiticker: %d rows, segment %d bytes, input gzip %d bytes (ratio %.2f), %.1f MB in memory (estimated)", n, size, st.Size(), float64(size)/float64(st.Size()), float64(x.EstimatedBytes())/1e6)
	s, err := segment.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range s.ColumnNames() {
		c, err := s.Column(name)
		if err != nil {
			t.Fatal(err)
		}
		info := c.Info()
		t.Logf("  %-15s %-7s %8d bytes  card=%d", name, info.Type, info.Bytes, info.Cardinality)
	}
	rows, err := s.ReadRows(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The earliest row of the sample.
	if got := base.FormatTime(rows[0][0].Long); got != "2015-09-12T00:46:58.771Z" {
		t.Errorf("first row time %s", got)
	}
	if rows[0][1].Str != "#en.wikipedia" || !rows[0][2].IsNull() || rows[0][6].Str != "false" {
		t.Errorf("first row %v", rows[0])
	}
	var sum int64
	c, _ := s.Column("added")
	col := c.(segment.LongColumn)
	buf := make([]int64, segment.BlockSize)
	for start := 0; start < s.NumRows(); start += segment.BlockSize {
		k := col.Read(start, buf)
		for _, v := range buf[:k] {
			sum += v
		}
	}
	if sum != 9385573 {
		t.Errorf("sum(added) = %d, want 9385573", sum)
	}
}
