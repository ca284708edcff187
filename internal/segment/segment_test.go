package segment

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"pgregory.net/rapid"

	"github.com/dryaddb/dryad/internal/base"
)

// genSegment draws a random schema and rows, sorted by time.
func genSegment(t *rapid.T) (Metadata, [][]Value) {
	meta := Metadata{
		DataSource: "ds",
		Interval:   base.Interval{Start: 0, End: 1 << 40},
		Version:    "v1",
		Rollup:     rapid.Bool().Draw(t, "rollup"),
	}
	type colGen struct {
		typ   base.ColumnType
		multi bool
		card  int
	}
	var gens []colGen
	nd := rapid.IntRange(0, 4).Draw(t, "dims")
	for i := 0; i < nd; i++ {
		g := colGen{card: rapid.SampledFrom([]int{1, 2, 10, 100000}).Draw(t, "card")}
		switch rapid.IntRange(0, 7).Draw(t, "dimType") {
		case 5:
			g.typ = base.ArrayType(base.KindString)
		case 6:
			g.typ = base.ArrayType(base.KindLong)
		case 7:
			g.typ = base.ArrayType(base.KindDouble)
		case 0:
			g.typ = base.TypeString
		case 1:
			g.typ, g.multi = base.TypeString, true
		case 2:
			g.typ = base.TypeLong
		case 3:
			g.typ = base.TypeFloat
		default:
			g.typ = base.TypeDouble
		}
		gens = append(gens, g)
		meta.Dimensions = append(meta.Dimensions, Dimension{Name: fmt.Sprintf("d%d", i), Type: g.typ})
	}
	nm := rapid.IntRange(0, 3).Draw(t, "metrics")
	for i := 0; i < nm; i++ {
		typ := rapid.SampledFrom([]base.ColumnType{base.TypeLong, base.TypeFloat, base.TypeDouble, base.ComplexType("thetaSketch")}).Draw(t, "metType")
		gens = append(gens, colGen{typ: typ, card: 1000})
		meta.Metrics = append(meta.Metrics, Metric{Name: fmt.Sprintf("m%d", i), Type: typ, Aggregator: []byte(`{"type":"longSum"}`)})
	}
	nrows := rapid.SampledFrom([]int{0, 1, 5, 64, 100, 4097, 9000}).Draw(t, "rows")
	nullP := rapid.SampledFrom([]int{0, 10, 50, 100}).Draw(t, "nullPercent")
	seed := rapid.Uint64().Draw(t, "seed")
	rng := newRand(seed)
	rows := make([][]Value, nrows)
	ts := rapid.Int64Range(-1<<40, 1<<40).Draw(t, "t0")
	for r := range rows {
		ts += int64(rng.intn(3)) * int64(rng.intn(100000))
		row := make([]Value, 1+len(gens))
		row[0] = LongValue(ts)
		for c, g := range gens {
			if rng.intn(100) < nullP {
				continue
			}
			switch g.typ.Kind {
			case base.KindString:
				str := func() string {
					k := rng.intn(g.card)
					if k == 0 {
						return ""
					}
					return fmt.Sprintf("v%d\u00e9", k)
				}
				if g.multi {
					n := 1 + rng.intn(3)
					vals := make([]string, n)
					for i := range vals {
						vals[i] = str()
					}
					row[1+c] = StringsValue(vals)
				} else {
					row[1+c] = StringValue(str())
				}
			case base.KindLong:
				row[1+c] = LongValue(int64(rng.intn(g.card)) - int64(g.card/2) + int64(rng.intn(2))*math.MaxInt64/3)
			case base.KindFloat:
				row[1+c] = FloatValue(float32(rng.intn(g.card)) / 3)
			case base.KindDouble:
				row[1+c] = DoubleValue(float64(rng.intn(g.card)) / 7)
			case base.KindArray:
				elems := make([]Value, rng.intn(4))
				for i := range elems {
					if rng.intn(5) == 0 {
						continue // a null element
					}
					k := rng.intn(g.card)
					switch g.typ.Elem {
					case base.KindString:
						elems[i] = StringValue(fmt.Sprint("e", k))
					case base.KindLong:
						elems[i] = LongValue(int64(k) - 5)
					default:
						elems[i] = DoubleValue(float64(k) / 8)
					}
				}
				row[1+c] = ArrayValue(elems)
			case base.KindComplex:
				b := make([]byte, rng.intn(20))
				for i := range b {
					b[i] = byte(rng.intn(256))
				}
				row[1+c] = ComplexValue(b)
			}
		}
		rows[r] = row
	}
	return meta, rows
}

// rnd is a tiny deterministic generator so rapid only draws a seed.
type rnd struct{ s uint64 }

func newRand(seed uint64) *rnd { return &rnd{s: seed | 1} }
func (r *rnd) intn(n int) int {
	r.s ^= r.s << 13
	r.s ^= r.s >> 7
	r.s ^= r.s << 17
	return int(r.s % uint64(n))
}

// fataler is what writeSegment needs of testing.TB and rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func writeSegment(t fataler, meta Metadata, rows [][]Value) []byte {
	t.Helper()
	cols, err := ColumnsFromRows(&meta, rows)
	if err != nil {
		t.Fatalf("ColumnsFromRows: %v", err)
	}
	var buf bytes.Buffer
	n, err := Write(&buf, meta, cols)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("Write reported %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		meta, rows := genSegment(t)
		data := writeSegment(t, meta, rows)
		s, err := FromBytes(data)
		if err != nil {
			t.Fatalf("FromBytes: %v", err)
		}
		if s.NumRows() != len(rows) {
			t.Fatalf("NumRows = %d, want %d", s.NumRows(), len(rows))
		}
		got, err := s.ReadRows(0, len(rows))
		if err != nil {
			t.Fatalf("ReadRows: %v", err)
		}
		if len(got) != len(rows) {
			t.Fatalf("read %d rows, want %d", len(got), len(rows))
		}
		for r := range rows {
			for c := range rows[r] {
				if !got[r][c].Equal(rows[r][c]) {
					t.Fatalf("row %d column %s = %s, want %s", r, s.ColumnNames()[c], got[r][c], rows[r][c])
				}
			}
		}
		checkColumns(t, s, rows)
	})
}

// checkColumns checks the column API against the rows: bitmaps, IndexOf,
// min/max and reads at odd offsets.
func checkColumns(t *rapid.T, s *Segment, rows [][]Value) {
	for c, name := range s.ColumnNames() {
		col, err := s.Column(name)
		if err != nil {
			t.Fatalf("Column(%s): %v", name, err)
		}
		switch col := col.(type) {
		case StringColumn:
			seen := 0
			for id := 0; id < col.Cardinality(); id++ {
				bm, err := col.Bitmap(id)
				if err != nil {
					t.Fatal(err)
				}
				v, isNull := col.Lookup(id)
				if !isNull {
					got, ok := col.IndexOf(v)
					if !ok || got != id {
						t.Fatalf("%s: IndexOf(%q) = %d,%v, want %d", name, v, got, ok, id)
					}
				}
				for it := bm.Iterator(); it.HasNext(); {
					r := int(it.Next())
					cell := rows[r][c]
					match := false
					switch cell.Kind {
					case KindNull:
						match = isNull
					case KindString:
						match = !isNull && cell.Str == v
					case KindStrings:
						match = !isNull && slices.Contains(cell.Strs, v)
					}
					if !match {
						t.Fatalf("%s: bitmap of %q holds row %d = %s", name, v, r, cell)
					}
					seen++
				}
			}
			if col.IsMultiValue() {
				checkMultiScan(t, col, rows, c)
			} else {
				checkSparseIDs(t, col, len(rows))
			}
			for id := 0; id < col.Cardinality(); id++ {
				// The second read takes the validated-once path.
				a, errA := col.Bitmap(id)
				b, errB := col.Bitmap(id)
				if errA != nil || errB != nil || !a.Equals(b) {
					t.Fatalf("%s: Bitmap(%d) differs on a second read (%v, %v)", name, id, errA, errB)
				}
			}
			nb, err := col.NullBitmap()
			if err != nil {
				t.Fatal(err)
			}
			nulls := 0
			for _, row := range rows {
				if row[c].IsNull() {
					nulls++
				}
			}
			if (nb == nil) != (nulls == 0) || (nb != nil && int(nb.GetCardinality()) != nulls) {
				t.Fatalf("%s: NullBitmap %v, want %d nulls", name, nb, nulls)
			}
			if !col.IsMultiValue() && seen != len(rows) {
				t.Fatalf("%s: bitmaps cover %d rows of %d", name, seen, len(rows))
			}
			if _, ok := col.IndexOf("\xff\xff"); ok {
				t.Fatalf("%s: IndexOf of an absent value found it", name)
			}
		case ArrayColumn:
			for r := range rows {
				if got := col.Row(r); !got.Equal(rows[r][c]) {
					t.Fatalf("%s: Row(%d) = %s, want %s", name, r, got, rows[r][c])
				}
			}
		case LongColumn:
			if len(rows) == 0 {
				continue
			}
			start := len(rows) / 3
			dst := make([]int64, len(rows))
			n := col.Read(start, dst)
			if n != len(rows)-start {
				t.Fatalf("%s: Read(%d) = %d", name, start, n)
			}
			mn, mx, any := int64(math.MaxInt64), int64(math.MinInt64), false
			for r, row := range rows {
				if row[c].Kind == KindLong {
					mn, mx, any = min(mn, row[c].Long), max(mx, row[c].Long), true
				}
				if r >= start && row[c].Kind == KindLong && dst[r-start] != row[c].Long {
					t.Fatalf("%s: row %d = %d, want %d", name, r, dst[r-start], row[c].Long)
				}
			}
			sparse := make([]int64, len(rows))
			sel := sparseRows(len(rows) - start)
			col.ReadAt(start, sel, sparse)
			for _, r := range sel {
				if sparse[r] != dst[r] {
					t.Fatalf("%s: ReadAt row %d = %d, Read gives %d", name, start+int(r), sparse[r], dst[r])
				}
			}
			if any && (col.Min() != mn || col.Max() != mx) {
				t.Fatalf("%s: min/max %d/%d, want %d/%d", name, col.Min(), col.Max(), mn, mx)
			}
		}
	}
}

// sparseRows is every third offset of n, and the last.
func sparseRows(n int) []int32 {
	var sel []int32
	for i := 0; i < n; i += 3 {
		sel = append(sel, int32(i))
	}
	if n > 0 && int(sel[len(sel)-1]) != n-1 {
		sel = append(sel, int32(n-1))
	}
	return sel
}

// checkSparseIDs checks ReadIDsAt against ReadIDs from a mid-column start.
func checkSparseIDs(t *rapid.T, col StringColumn, rows int) {
	start := rows / 4
	all := make([]int32, rows)
	n := col.ReadIDs(start, all)
	sel := sparseRows(n)
	got := make([]int32, rows)
	if !col.ReadIDsAt(start, sel, got) {
		t.Fatalf("%s: ReadIDsAt refused a single-value column", col.Info().Name)
	}
	for _, r := range sel {
		if got[r] != all[r] {
			t.Fatalf("%s: ReadIDsAt row %d = %d, ReadIDs gives %d", col.Info().Name, start+int(r), got[r], all[r])
		}
	}
}

func TestOpenFile(t *testing.T) {
	meta := Metadata{DataSource: "wiki", Version: "v", Dimensions: []Dimension{{Name: "page", Type: base.TypeString}}}
	rows := [][]Value{{LongValue(1), StringValue("a")}, {LongValue(2), {}}}
	path := filepath.Join(t.TempDir(), "seg")
	cols, err := ColumnsFromRows(&meta, rows)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(path, meta, cols); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadRows(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0][1].Str != "a" || !got[1][1].IsNull() {
		t.Fatalf("rows = %v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); base.ClassOf(err) != base.ClassNotFound {
		t.Fatalf("missing file: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(empty); err == nil {
		t.Fatal("empty file opened")
	}
}

func TestWriteRejects(t *testing.T) {
	meta := Metadata{Dimensions: []Dimension{{Name: "d", Type: base.TypeString}}}
	good := func() []ColumnData {
		return []ColumnData{
			{Name: "__time", Type: base.TypeLong, Longs: []int64{1, 2}},
			{Name: "d", Type: base.TypeString, Dict: []string{"a", "b"}, IDs: []int32{0, 1}},
		}
	}
	tests := []struct {
		name string
		mod  func(c []ColumnData) []ColumnData
	}{
		{"unsorted time", func(c []ColumnData) []ColumnData { c[0].Longs = []int64{2, 1}; return c }},
		{"unsorted dict", func(c []ColumnData) []ColumnData { c[1].Dict = []string{"b", "a"}; return c }},
		{"id out of range", func(c []ColumnData) []ColumnData { c[1].IDs = []int32{0, 2}; return c }},
		{"short ids", func(c []ColumnData) []ColumnData { c[1].IDs = []int32{0}; return c }},
		{"missing column", func(c []ColumnData) []ColumnData { return c[:1] }},
		{"wrong name", func(c []ColumnData) []ColumnData { c[1].Name = "x"; return c }},
	}
	if _, err := Write(&bytes.Buffer{}, meta, good()); err != nil {
		t.Fatalf("good columns: %v", err)
	}
	for _, tc := range tests {
		if _, err := Write(&bytes.Buffer{}, meta, tc.mod(good())); base.ClassOf(err) != base.ClassInvalidInput {
			t.Errorf("%s: err = %v, want invalid input", tc.name, err)
		}
	}
	bad := Metadata{Dimensions: []Dimension{{Name: "d", Type: base.TypeString}, {Name: "d", Type: base.TypeLong}}}
	if err := bad.Validate(); err == nil {
		t.Error("duplicate names accepted")
	}
}

func TestIndexOfOrder(t *testing.T) {
	meta := Metadata{Dimensions: []Dimension{{Name: "d", Type: base.TypeString}}}
	var rows [][]Value
	for i, s := range []string{"b", "", "d", "a"} {
		rows = append(rows, []Value{LongValue(int64(i)), StringValue(s)})
	}
	rows = append(rows, []Value{LongValue(9), {}})
	s, err := FromBytes(writeSegment(t, meta, rows))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Column("d")
	if err != nil {
		t.Fatal(err)
	}
	sc := c.(StringColumn)
	var dict []string
	for id := 0; id < sc.Cardinality(); id++ {
		v, isNull := sc.Lookup(id)
		if isNull {
			v = "<null>"
		}
		dict = append(dict, v)
	}
	if want := []string{"<null>", "", "a", "b", "d"}; !slices.Equal(dict, want) {
		t.Fatalf("dictionary %q, want %q", dict, want)
	}
	for _, tc := range []struct {
		v     string
		id    int
		found bool
	}{{"", 1, true}, {"a", 2, true}, {"c", 4, false}, {"z", 5, false}, {"aa", 3, false}} {
		id, found := sc.IndexOf(tc.v)
		if id != tc.id || found != tc.found {
			t.Errorf("IndexOf(%q) = %d,%v, want %d,%v", tc.v, id, found, tc.id, tc.found)
		}
	}
	if !sort.StringsAreSorted(dict[1:]) {
		t.Fatal("unsorted")
	}
}

// checkMultiScan reads a multi-value column with ReadMultiIDs in random
// chunk sizes and compares every row.
func checkMultiScan(t *rapid.T, col StringColumn, rows [][]Value, c int) {
	ends := make([]int32, rapid.IntRange(1, 5000).Draw(t, "rowChunk"))
	ids := make([]int32, rapid.IntRange(1, 8).Draw(t, "idChunk"))
	for row := 0; row < len(rows); {
		nr, ni := col.ReadMultiIDs(row, ends, ids)
		if nr == 0 {
			ids = make([]int32, 2*len(ids))
			continue
		}
		prev := int32(0)
		for j := 0; j < nr; j++ {
			var got []string
			isNull := false
			for _, id := range ids[prev:ends[j]] {
				v, n := col.Lookup(int(id))
				isNull = isNull || n
				got = append(got, v)
			}
			prev = ends[j]
			want := rows[row+j][c]
			if want.IsNull() != isNull || (!isNull && !slices.Equal(got, want.Strs)) {
				t.Fatalf("ReadMultiIDs row %d = %q (null %v), want %s", row+j, got, isNull, want)
			}
			if r := col.RowIDs(row+j, nil); !slices.Equal(r, ids[ends[j]-int32(len(r)):ends[j]]) {
				t.Fatalf("RowIDs(%d) = %v disagrees with ReadMultiIDs", row+j, r)
			}
		}
		if int(prev) != ni {
			t.Fatalf("ReadMultiIDs returned %d ids, rows end at %d", ni, prev)
		}
		row += nr
	}
}

// TestConcurrentReaders opens columns and reads them from several goroutines
// at once (run with -race to check the lazy column opening).
func TestConcurrentReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seg")
	if err := os.WriteFile(path, smallSegment(t), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want, err := s.ReadRows(0, s.NumRows())
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			got, err := s.ReadRows(0, s.NumRows())
			if err == nil && len(got) != len(want) {
				err = fmt.Errorf("read %d rows, want %d", len(got), len(want))
			}
			for r := range got {
				for c := range got[r] {
					if err == nil && !got[r][c].Equal(want[r][c]) {
						err = fmt.Errorf("row %d col %d differs", r, c)
					}
				}
			}
			// Value bitmaps share the per-column validated-once bits.
			for _, name := range s.ColumnNames() {
				col, cerr := s.Column(name)
				sc, ok := col.(StringColumn)
				if cerr != nil || !ok {
					continue
				}
				for id := 0; id < sc.Cardinality() && err == nil; id++ {
					if _, berr := sc.Bitmap(id); berr != nil {
						err = fmt.Errorf("column %s: Bitmap(%d): %w", name, id, berr)
					}
				}
			}
			errs <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
