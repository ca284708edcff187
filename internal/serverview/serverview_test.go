package serverview

import (
	"fmt"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func id(ds string, day, part int) string { s := seg(ds, day, part); return s.ID().String() }

func seg(ds string, day int, part int) base.DataSegment {
	start := int64(day) * 86400000
	return base.DataSegment{DataSource: ds, Interval: base.NewInterval(start, start+86400000), Version: "v1",
		ShardSpec: base.ShardSpec{Type: "numbered", PartitionNum: part}}
}

func TestLocalEvents(t *testing.T) {
	l := NewLocal()
	l.AddServer(Server{Name: "h1", Tier: "_default_tier"})
	l.Announce("h1", seg("a", 0, 0))
	l.Announce("h1", seg("a", 0, 0)) // duplicate: no event
	l.Announce("nobody", seg("a", 1, 0))

	var got []string
	cancel := l.Subscribe(func(e Event) {
		got = append(got, fmt.Sprintf("%d %s %s", e.Kind, e.Server, e.Segment.ID()))
	})
	l.Announce("h1", seg("a", 1, 0))
	l.Unannounce("h1", base.SegmentID{DataSource: "a", Interval: base.NewInterval(0, 86400000), Version: "v1"})
	l.Unannounce("h1", base.SegmentID{DataSource: "a", Interval: base.NewInterval(0, 86400000), Version: "v1"}) // already gone: no event
	l.AddServer(Server{Name: "h2"})
	l.Announce("h2", seg("b", 0, 3))
	l.RemoveServer("h2")
	cancel()
	l.Announce("h1", seg("a", 2, 0)) // after cancel: not seen

	want := []string{
		"0 h1 " + id("a", 0, 0),
		"0 h1 " + id("a", 1, 0),
		"1 h1 " + id("a", 0, 0),
		"0 h2 " + id("b", 0, 3),
		"1 h2 " + id("b", 0, 3),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	if s := l.Servers(); len(s) != 1 || s[0].Name != "h1" {
		t.Errorf("servers %+v", s)
	}
	if _, ok := l.Server("h2"); ok {
		t.Error("removed server still registered")
	}
	if by := l.ServedBy(); len(by["h1"]) != 2 {
		t.Errorf("served by h1: %v", by["h1"])
	}
}
