package broker

import (
	"fmt"
	"testing"
)

// TestSegmentMetadataDefaultHistory checks that a segmentMetadata query
// without intervals reads only the segments of the week before the end of
// the latest one, as Druid's default history does, and one with intervals
// reads them all.
func TestSegmentMetadataDefaultHistory(t *testing.T) {
	b, view, run := newTestBroker(t)
	for _, d := range []int64{0, 13, 14, 16, 20} {
		view.Announce("h1:8083", dseg("w", d, fmt.Sprintf("d%02d", d), 0, 1))
	}
	if code, body := post(b, "/druid/v2/", `{"queryType":"segmentMetadata","dataSource":"w"}`); code != 200 {
		t.Fatalf("default intervals: %d %s", code, body)
	}
	if got, want := fmt.Sprint(run.take()), "[d14@0 d16@0 d20@0]"; got != want {
		t.Errorf("default intervals read %s, want %s", got, want)
	}
	if code, body := post(b, "/druid/v2/", `{"queryType":"segmentMetadata","dataSource":"w","intervals":["1970/1971"]}`); code != 200 {
		t.Fatalf("explicit intervals: %d %s", code, body)
	}
	if got, want := fmt.Sprint(run.take()), "[d00@0 d13@0 d14@0 d16@0 d20@0]"; got != want {
		t.Errorf("explicit intervals read %s, want %s", got, want)
	}
}
