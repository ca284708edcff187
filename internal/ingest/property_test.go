package ingest

import (
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"pgregory.net/rapid"
)

// TestIntervalFilterMatchesScan checks the binary search against a linear
// scan over the raw (uncondensed, possibly overlapping) intervals.
func TestIntervalFilterMatchesScan(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 8).Draw(t, "n")
		var ivs []base.Interval
		for range n {
			start := rapid.Int64Range(-1000, 1000).Draw(t, "start")
			length := rapid.Int64Range(1, 300).Draw(t, "len")
			ivs = append(ivs, base.Interval{Start: start, End: start + length})
		}
		f := NewIntervalFilter(ivs)
		for range 50 {
			ts := rapid.Int64Range(-1500, 1500).Draw(t, "t")
			want := len(ivs) == 0 // no intervals: everything is accepted
			for _, iv := range ivs {
				if iv.Start <= ts && ts < iv.End {
					want = true
				}
			}
			if got := f.Accepts(ts); got != want {
				t.Fatalf("Accepts(%d) = %v, want %v for %v", ts, got, want, ivs)
			}
		}
	})
}

// TestTimestampRoundTrip formats random instants in the textual forms the
// timestamp formats read and parses them back.
func TestTimestampRoundTrip(t *testing.T) {
	auto, _ := NewTimestampSpec("t", "auto", nil)
	iso, _ := NewTimestampSpec("t", "iso", nil)
	millis, _ := NewTimestampSpec("t", "millis", nil)
	posix, _ := NewTimestampSpec("t", "posix", nil)
	rapid.Check(t, func(t *rapid.T) {
		ms := rapid.Int64Range(-62135596800000, 253402300799999).Draw(t, "ms") // years 1..9999
		text := base.FormatTime(ms)
		for name, ts := range map[string]*TimestampSpec{"auto": &auto, "iso": &iso} {
			if got, err := ts.Parse(text); err != nil || got != ms {
				t.Fatalf("%s(%q) = %d, %v; want %d", name, text, got, err, ms)
			}
		}
		if ms >= 0 {
			if got, err := auto.Parse(itoa(ms)); err != nil || got != ms {
				t.Fatalf("auto millis string %d: %d %v", ms, got, err)
			}
		}
		if got, err := millis.Parse(ms); err != nil || got != ms {
			t.Fatalf("millis %d: %d %v", ms, got, err)
		}
		sec := ms / 1000
		if got, err := posix.Parse(itoa(sec)); err != nil || got != sec*1000 {
			t.Fatalf("posix %d: %d %v", sec, got, err)
		}
	})
}
