package task

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/segment"
)

// TestClosedSegmentsParked ingests more closed segments than
// maxRowsInMemory allows to keep: the dynamic sink parks them in spill
// files and publishing reads each back, so every row reaches exactly one
// published segment of at most maxRowsPerSegment rows.
func TestClosedSegmentsParked(t *testing.T) {
	f := newFixture(t, 1)
	var b strings.Builder
	var want []string
	for i := range 300 {
		day, min := 1+i/100, i%60
		fmt.Fprintf(&b, `{"ts":"2020-01-%02dT%02d:%02d:00Z","d":"k%d","v":%d}`+"\n", day, i%24, min, i, i)
		want = append(want, fmt.Sprintf("k%d=%d", i, i))
	}
	for _, c := range []struct {
		name, tuning string
	}{
		{"parked", `,"maxRowsInMemory":30,"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":20}`},
		{"in_memory", `,"maxRowsInMemory":100000,"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":20}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ds := "park_" + c.name
			st := f.run(t, inlineSpec(ds, b.String(), c.tuning))
			if st.StatusCode != StateSuccess {
				t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
			}
			segs := f.segments(t, ds)
			if len(segs) != 15 {
				t.Errorf("%d segments, want 15 (100 rows a day in segments of 20)", len(segs))
			}
			var got []string
			for _, s := range segs {
				ls, _ := deepstorage.ParseLocalLoadSpec(s.LoadSpec)
				seg, err := segment.Open(ls.Path)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				rr, _ := seg.NewRowReader()
				for rr.Next() {
					r := rr.Row()
					got = append(got, fmt.Sprintf("%s=%d", r[1].Str, r[3].Long))
					n++
				}
				seg.Close()
				if n > 20 || int64(n) != s.TotalRows {
					t.Errorf("segment %s: %d rows (totalRows %d), want at most 20", s.ID(), n, s.TotalRows)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("published rows differ from the input: %d rows, want %d", len(got), len(want))
			}
		})
	}
}
