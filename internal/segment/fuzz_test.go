package segment

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// smallSegment is a fixed segment covering every column kind; its bytes are
// pinned by testdata/small.seg.
func smallSegment(t fataler) []byte {
	meta := Metadata{
		DataSource:       "wikipedia",
		Interval:         base.Interval{Start: 1442016000000, End: 1442102400000},
		Version:          "2015-09-12T00:00:00.000Z",
		QueryGranularity: []byte(`"minute"`),
		Rollup:           true,
		Dimensions: []Dimension{
			{Name: "channel", Type: base.TypeString},
			{Name: "tags", Type: base.TypeString},
			{Name: "flag", Type: base.TypeLong},
		},
		Metrics: []Metric{
			{Name: "count", Type: base.TypeLong, Aggregator: []byte(`{"type":"count","name":"count"}`)},
			{Name: "added", Type: base.TypeDouble, Aggregator: []byte(`{"type":"doubleSum","name":"added","fieldName":"added"}`)},
			{Name: "ratio", Type: base.TypeFloat, Aggregator: []byte(`{"type":"floatMax","name":"ratio","fieldName":"ratio"}`)},
			{Name: "firstPage", Type: base.ComplexType("serializablePairLongString"), Aggregator: []byte(`{"type":"stringFirst","name":"firstPage","fieldName":"page"}`)},
		},
	}
	t0 := int64(1442016000000)
	rows := [][]Value{
		{LongValue(t0), StringValue("#en"), StringsValue([]string{"a", "b"}), LongValue(1), LongValue(3), DoubleValue(12.5), FloatValue(0.5), ComplexValue([]byte("p1"))},
		{LongValue(t0), StringValue("#fr"), {}, {}, LongValue(1), DoubleValue(-3), {}, {}},
		{LongValue(t0 + 60000), {}, StringsValue([]string{"b"}), LongValue(0), LongValue(2), DoubleValue(0), FloatValue(2), ComplexValue([]byte{})},
		{LongValue(t0 + 120000), StringValue(""), StringsValue([]string{"c", "a", "c"}), LongValue(1), LongValue(7), DoubleValue(1e300), FloatValue(-1), ComplexValue([]byte("page 3"))},
	}
	return writeSegment(t, meta, rows)
}

// emptySegment is a segment without rows (a schema with one column of each
// kind); its bytes are pinned by testdata/empty.seg.
func emptySegment(t fataler) []byte {
	meta := Metadata{
		DataSource: "empty",
		Version:    "v",
		Dimensions: []Dimension{{Name: "s", Type: base.TypeString}, {Name: "d", Type: base.TypeDouble}},
		Metrics:    []Metric{{Name: "f", Type: base.TypeFloat}, {Name: "c", Type: base.ComplexType("thetaSketch")}},
	}
	return writeSegment(t, meta, nil)
}

// arraySegment has one array column of each element type; its bytes are
// pinned by testdata/arrays.seg.
func arraySegment(t fataler) []byte {
	meta := Metadata{
		DataSource: "arrays",
		Version:    "v",
		Dimensions: []Dimension{
			{Name: "tags", Type: base.ArrayType(base.KindString)},
			{Name: "ns", Type: base.ArrayType(base.KindLong)},
			{Name: "ds", Type: base.ArrayType(base.KindDouble)},
		},
	}
	s := func(v string) Value { return StringValue(v) }
	rows := [][]Value{
		{LongValue(1), ArrayValue([]Value{s("t2"), s("t1"), {}}), ArrayValue([]Value{LongValue(3), LongValue(-1)}), ArrayValue(nil)},
		{LongValue(2), {}, ArrayValue([]Value{{}}), ArrayValue([]Value{DoubleValue(0.5)})},
		{LongValue(3), ArrayValue(nil), {}, {}},
	}
	return writeSegment(t, meta, rows)
}

func TestGoldenLayout(t *testing.T) {
	for _, tc := range []struct {
		file string
		data []byte
	}{
		{"small.seg", smallSegment(t)},
		{"empty.seg", emptySegment(t)},
		{"arrays.seg", arraySegment(t)},
	} {
		path := filepath.Join("testdata", tc.file)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if got := tc.data; !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Errorf("segment bytes differ from %s at offset %d (got %d bytes, want %d): the format changed; if on purpose, bump the format version and rerun with -update", path, i, len(got), len(want))
			continue
		}
		// The pinned file must still read back.
		if err := exercise(want); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// exercise opens every column of data and reads everything through every
// method; it must never panic.
func exercise(data []byte) error {
	s, err := FromBytes(data)
	if err != nil {
		return err
	}
	var firstErr error
	for _, name := range s.ColumnNames() {
		c, err := s.Column(name)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		n := min(c.Len(), 1<<16) // bound the harness's own buffers
		switch c := c.(type) {
		case LongColumn:
			c.Read(0, make([]int64, n))
			c.Read(n/2, make([]int64, 3))
		case DoubleColumn:
			c.Read(0, make([]float64, n))
		case FloatColumn:
			c.Read(0, make([]float32, n))
		case StringColumn:
			for id := 0; id < c.Cardinality(); id++ {
				c.Lookup(id)
				if bm, err := c.Bitmap(id); err == nil {
					bm.GetCardinality()
				}
			}
			c.IndexOf("a")
			c.ReadIDs(0, make([]int32, n))
			c.ReadMultiIDs(0, make([]int32, n+1), make([]int32, 64))
			for r := 0; r < n; r++ {
				c.RowIDs(r, nil)
			}
		case ComplexColumn:
			for r := 0; r < n; r++ {
				c.Value(r)
			}
		case ArrayColumn:
			m := min(c.NumElements(), 1<<16)
			c.ReadOffsets(0, make([]int64, n+1))
			c.ReadElementIDs(0, make([]int32, m))
			c.ReadLongElements(0, make([]int64, m))
			c.ReadDoubleElements(0, make([]float64, m))
			for id := 0; id < c.Cardinality(); id++ {
				c.Lookup(id)
			}
			c.IndexOf("a")
			for r := 0; r < n; r++ {
				c.Row(r)
			}
		}
	}
	if firstErr != nil {
		return firstErr
	}
	_, err = s.ReadRows(0, min(s.NumRows(), 1<<16))
	return err
}

// fixChecksums recomputes every checksum of a (mutated) segment so that the
// fuzzer reaches the structural checks behind them. It leaves data alone if
// the footer or table is unreadable.
func fixChecksums(data []byte) {
	if len(data) < headerSize+footerSize {
		return
	}
	foot := data[len(data)-footerSize:]
	tableOff := binary.LittleEndian.Uint64(foot)
	count := uint64(binary.LittleEndian.Uint32(foot[8:]))
	tableEnd := uint64(len(data) - footerSize)
	if count > maxSections || tableOff > tableEnd || tableEnd-tableOff != count*sectionEntrySize {
		return
	}
	table := data[tableOff:tableEnd]
	for i := uint64(0); i < count; i++ {
		e := table[i*sectionEntrySize:]
		off, n := binary.LittleEndian.Uint64(e), binary.LittleEndian.Uint64(e[8:])
		if off <= tableEnd && n <= tableEnd-off {
			binary.LittleEndian.PutUint32(e[16:], checksum(data[off:off+n]))
		}
	}
	binary.LittleEndian.PutUint32(foot[12:], checksum(table))
	binary.LittleEndian.PutUint32(foot[20:], checksum(foot[:20]))
}

func checkNamed(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if !strings.Contains(msg, "section") && !strings.Contains(msg, "header") && !strings.Contains(msg, "footer") && !strings.Contains(msg, "file") && !strings.Contains(msg, "version") {
		t.Fatalf("%s: error does not name a section: %v", what, err)
	}
}

func TestTruncatedAndFlipped(t *testing.T) {
	for _, data := range [][]byte{smallSegment(t), arraySegment(t)} {
		truncateAndFlip(t, data)
	}
}

func truncateAndFlip(t *testing.T, data []byte) {
	for n := 0; n < len(data); n++ {
		err := exercise(bytes.Clone(data[:n]))
		if err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
		checkNamed(t, err, "truncated")
	}
	step := 1
	if testing.Short() {
		step = 7
	}
	for bit := 0; bit < len(data)*8; bit += step {
		d := bytes.Clone(data)
		d[bit/8] ^= 1 << (bit % 8)
		checkNamed(t, exercise(d), "bit flip")
		// Again with valid checksums: the structure checks alone must hold.
		fixChecksums(d)
		_ = exercise(d)
	}
}

func TestUnknownVersion(t *testing.T) {
	data := smallSegment(t)
	binary.LittleEndian.PutUint16(data[8:], MajorVersion+1)
	_, err := FromBytes(data)
	if base.ClassOf(err) != base.ClassUnsupported {
		t.Fatalf("err = %v, want unsupported", err)
	}
}

func FuzzReader(f *testing.F) {
	f.Add(smallSegment(f))
	f.Add(arraySegment(f))
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = exercise(data)
	})
}

func FuzzReaderValidChecksums(f *testing.F) {
	seed := smallSegment(f)
	f.Add(seed, uint(100), byte(1))
	f.Add(arraySegment(f), uint(200), byte(4))
	f.Add(seed, uint(300), byte(0x80))
	f.Fuzz(func(t *testing.T, data []byte, pos uint, x byte) {
		d := bytes.Clone(data)
		if len(d) > 0 {
			d[pos%uint(len(d))] ^= x
		}
		fixChecksums(d)
		_ = exercise(d)
	})
}
