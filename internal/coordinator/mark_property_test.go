package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/discovery"
	"github.com/dryaddb/dryad/internal/metadata"
	"pgregory.net/rapid"
)

// overshadowedBrute is an independent oracle for single-partition,
// day-aligned segments: s is overshadowed when every day of it is covered by
// some segment of a higher version.
func overshadowedBrute(s base.DataSegment, set []base.DataSegment) bool {
	for d := s.Interval.Start; d < s.Interval.End; d += apiDay {
		covered := false
		for _, o := range set {
			if o.Version > s.Version && o.Interval.Start <= d && d+apiDay <= o.Interval.End {
				covered = true
				break
			}
		}
		if !covered {
			return false
		}
	}
	return true
}

// TestMarkAllUsedProperty checks POST /datasources/{ds} against the oracle:
// afterwards the used set is the used set before plus every unused segment
// not overshadowed by the used and unused segments together.
func TestMarkAllUsedProperty(t *testing.T) {
	ctx := context.Background()
	one := 1
	store, err := metadata.Open(ctx, metadata.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c := New(config.CoordinatorConfig{}, Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c"), Metadata: store})
	run := 0
	rapid.Check(t, func(rt *rapid.T) {
		run++
		ds := fmt.Sprintf("p%d", run) // each check has its own datasource
		n := rapid.IntRange(1, 8).Draw(rt, "n")
		seen := map[string]bool{}
		var segs []base.DataSegment
		var unused []base.SegmentID
		for i := 0; i < n; i++ {
			start := rapid.Int64Range(0, 4).Draw(rt, "start")
			length := rapid.Int64Range(1, 2).Draw(rt, "length")
			v := fmt.Sprintf("v%d", rapid.IntRange(1, 3).Draw(rt, "version"))
			s := base.DataSegment{DataSource: ds, Interval: base.NewInterval(start*apiDay, (start+length)*apiDay), Version: v,
				LoadSpec: json.RawMessage(`{}`), ShardSpec: base.ShardSpec{Type: "numbered", Partitions: &one}}
			if seen[s.ID().String()] {
				continue
			}
			seen[s.ID().String()] = true
			segs = append(segs, s)
			if rapid.Bool().Draw(rt, "unused") {
				unused = append(unused, s.ID())
			}
		}
		if err := store.PublishSegments(ctx, segs, metadata.PublishOptions{}); err != nil {
			rt.Fatal(err)
		}
		if len(unused) > 0 {
			if _, err := store.MarkUnused(ctx, ds, unused); err != nil {
				rt.Fatal(err)
			}
		}
		var want []string
		for _, s := range segs {
			if !slices.Contains(unused, s.ID()) || !overshadowedBrute(s, segs) {
				want = append(want, s.ID().String())
			}
		}
		slices.Sort(want)
		rec := httptest.NewRecorder()
		c.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/druid/coordinator/v1/datasources/"+ds, nil))
		if rec.Code != 200 {
			rt.Fatalf("POST: %d %s", rec.Code, rec.Body)
		}
		used, err := store.UsedSegments(ctx, ds)
		if err != nil {
			rt.Fatal(err)
		}
		var got []string
		for _, s := range used {
			got = append(got, s.ID().String())
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			rt.Fatalf("used after mark-all-used:\n %v\nwant\n %v", got, want)
		}
	})
}
