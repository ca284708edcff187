package granularity

import (
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// Expected values from Druid's QueryGranularityTest (processing module),
// replayed against this package.

func at(t testing.TB, s string) int64 { return ms(t, s) }

func TestDruidBucketStarts(t *testing.T) {
	cases := []struct {
		name         string
		period, zone string
		origin       string
		in, want     []string
	}{
		{"P2D origin", "P2D", "America/Los_Angeles", "2012-01-02T05:00:00.000-08:00",
			[]string{"2012-01-01T05:00:04.123-08:00", "2012-01-02T07:00:04.123-08:00", "2012-01-04T07:20:04.123-08:00"},
			[]string{"2011-12-31T05:00:00.000-08:00", "2012-01-02T05:00:00.000-08:00", "2012-01-04T05:00:00.000-08:00"}},
		{"P2D no origin", "P2D", "America/Los_Angeles", "",
			[]string{"2012-01-01T05:00:04.123-08:00", "2012-01-02T07:00:04.123-08:00", "2012-01-04T07:20:04.123-08:00"},
			[]string{"2012-01-01T00:00:00.000-08:00", "2012-01-01T00:00:00.000-08:00", "2012-01-03T00:00:00.000-08:00"}},
		{"PT15M origin", "PT15M", "", "2012-01-02T00:05:00.000Z",
			[]string{"2012-01-01T05:00:04.123Z", "2012-01-02T07:08:04.123Z", "2012-01-04T00:20:04.123Z"},
			[]string{"2012-01-01T04:50:00.000Z", "2012-01-02T07:05:00.000Z", "2012-01-04T00:20:00.000Z"}},
		{"PT15M no origin", "PT15M", "", "",
			[]string{"2012-01-01T05:00:04.123Z", "2012-01-02T07:00:04.123Z", "2012-01-04T00:20:04.123Z"},
			[]string{"2012-01-01T05:00:00.000Z", "2012-01-02T07:00:00.000Z", "2012-01-04T00:15:00.000Z"}},
		// Druid answers 2011-11-30T05:00-08:00 for the first instant, a
		// bucket ending at 2012-01-01T05:00:00 before the instant; dryad
		// returns the bucket that holds it (see docs/granularities.md).
		{"P1M2D origin", "P1M2D", "America/Los_Angeles", "2012-01-02T05:00:00.000-08:00",
			[]string{"2012-01-01T05:00:04.123-08:00", "2012-01-02T07:00:04.123-08:00", "2012-03-01T07:20:04.123-08:00", "2012-02-04T05:00:00.000-08:00"},
			[]string{"2012-01-01T05:00:00.000-08:00", "2012-01-02T05:00:00.000-08:00", "2012-02-04T05:00:00.000-08:00", "2012-02-04T05:00:00.000-08:00"}},
		{"P1M2D no origin", "P1M2D", "America/Los_Angeles", "",
			[]string{"1970-01-01T05:02:04.123-08:00", "2012-01-01T05:02:04.123-08:00", "2012-01-15T07:01:04.123-08:00", "2012-02-16T00:00:00.000-08:00"},
			[]string{"1970-01-01T00:00:00.000-08:00", "2011-12-12T00:00:00.000-08:00", "2012-01-14T00:00:00.000-08:00", "2012-02-16T00:00:00.000-08:00"}},
		{"PT12H5M origin LA", "PT12H5M", "America/Los_Angeles", "2012-01-02T05:00:00.000-08:00",
			[]string{"2012-01-01T05:00:04.123-08:00", "2012-01-02T07:00:04.123-08:00", "2012-01-03T00:20:04.123-08:00", "2012-02-03T22:25:00.000-08:00"},
			[]string{"2012-01-01T04:50:00.000-08:00", "2012-01-02T05:00:00.000-08:00", "2012-01-02T17:05:00.000-08:00", "2012-02-03T22:25:00.000-08:00"}},
		{"PT12H5M origin UTC", "PT12H5M", "", "2012-01-02T05:00:00.000-08:00",
			[]string{"2012-01-01T13:00:04.123Z", "2012-01-02T15:00:04.123Z", "2012-01-03T08:20:04.123Z", "2012-02-04T06:25:00.000Z"},
			[]string{"2012-01-01T12:50:00.000Z", "2012-01-02T13:00:00.000Z", "2012-01-03T01:05:00.000Z", "2012-02-04T06:25:00.000Z"}},
		{"PT1H across fall back", "PT1H", "America/Los_Angeles", "",
			[]string{"2012-11-04T00:30:00-07:00", "2012-11-04T01:30:00-07:00", "2012-11-04T01:30:00-08:00", "2012-11-04T02:30:00-08:00", "2012-11-04T03:30:00-08:00"},
			[]string{"2012-11-04T00:00:00.000-07:00", "2012-11-04T01:00:00.000-07:00", "2012-11-04T01:00:00.000-08:00", "2012-11-04T02:00:00.000-08:00", "2012-11-04T03:00:00.000-08:00"}},
		{"Kathmandu P1Y", "P1Y", "Asia/Kathmandu", "", []string{"2011-03-15T21:42:23.898+05:45"}, []string{"2011-01-01T00:00:00.000+05:45"}},
		{"Kathmandu PT1H", "PT1H", "Asia/Kathmandu", "", []string{"2011-03-15T21:42:23.898+05:45"}, []string{"2011-03-15T21:00:00.000+05:45"}},
		{"Kathmandu PT2H", "PT2H", "Asia/Kathmandu", "", []string{"2011-03-15T21:42:23.898+05:45"}, []string{"2011-03-15T20:00:00.000+05:45"}},
		{"Dhaka P1Y", "P1Y", "Asia/Dhaka", "", []string{"2011-03-15T21:42:23.898+06:00"}, []string{"2011-01-01T00:00:00.000+06:00"}},
		{"Dhaka PT1H", "PT1H", "Asia/Dhaka", "", []string{"2011-03-15T21:42:23.898+06:00"}, []string{"2011-03-15T21:00:00.000+06:00"}},
		{"Dhaka PT2H", "PT2H", "Asia/Dhaka", "", []string{"2011-03-15T21:42:23.898+06:00"}, []string{"2011-03-15T20:00:00.000+06:00"}},
	}
	for _, c := range cases {
		g := period(t, c.period, c.zone, c.origin)
		for i, in := range c.in {
			v := at(t, in)
			f := g.Floor(v)
			if got := base.FormatTimeIn(f, g.Zone); got != c.want[i] {
				t.Errorf("%s: Floor(%s) = %s, want %s", c.name, in, got, c.want[i])
			}
			if f > v || g.Next(f) <= v {
				t.Errorf("%s: bucket of %s does not hold it", c.name, in)
			}
		}
	}
}

func TestDruidDurationTruncate(t *testing.T) {
	origin := at(t, "2012-01-02T05:00:00.000-08:00")
	g, err := NewDuration(12*msHour+5*msMinute, &origin)
	if err != nil {
		t.Fatal(err)
	}
	in := []string{"2012-01-01T05:00:04.123-08:00", "2012-01-02T07:00:04.123-08:00", "2012-01-03T00:20:04.123-08:00", "2012-02-03T22:25:00.000-08:00"}
	want := []string{"2012-01-01T04:50:00.000-08:00", "2012-01-02T05:00:00.000-08:00", "2012-01-02T17:05:00.000-08:00", "2012-02-03T22:25:00.000-08:00"}
	for i := range in {
		if got, w := g.Floor(at(t, in[i])), at(t, want[i]); got != w {
			t.Errorf("Floor(%s) = %s, want %s", in[i], base.FormatTime(got), want[i])
		}
	}
}

func TestDruidIterables(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	cases := []struct {
		name     string
		spec     string
		from     string
		to       string
		inZone   *time.Location
		starts   []string
		printIn  *time.Location
		useStart bool
	}{
		{"minute complex", `"minute"`, "2011-01-01T09:38:02.992Z", "2011-01-01T09:41:02.992Z", nil,
			[]string{"2011-01-01T09:38:00.000Z", "2011-01-01T09:39:00.000Z", "2011-01-01T09:40:00.000Z", "2011-01-01T09:41:00.000Z"}, nil, false},
		{"15 minute complex", `"fifteen_minute"`, "2011-01-01T09:38:02.992Z", "2011-01-01T10:23:02.992Z", nil,
			[]string{"2011-01-01T09:30:00.000Z", "2011-01-01T09:45:00.000Z", "2011-01-01T10:00:00.000Z", "2011-01-01T10:15:00.000Z"}, nil, false},
		{"week complex", `"week"`, "2011-01-01T09:38:02.992Z", "2011-01-22T09:38:02.992Z", nil,
			[]string{"2010-12-27T00:00:00.000Z", "2011-01-03T00:00:00.000Z", "2011-01-10T00:00:00.000Z", "2011-01-17T00:00:00.000Z"}, nil, false},
		{"quarter complex", `"quarter"`, "2011-01-01T09:38:00.000Z", "2011-10-01T09:38:00.000Z", nil,
			[]string{"2011-01-01T00:00:00.000Z", "2011-04-01T00:00:00.000Z", "2011-07-01T00:00:00.000Z", "2011-10-01T00:00:00.000Z"}, nil, false},
		{"year complex", `"year"`, "2011-01-01T09:38:00.000Z", "2014-01-01T09:38:00.000Z", nil,
			[]string{"2011-01-01T00:00:00.000Z", "2012-01-01T00:00:00.000Z", "2013-01-01T00:00:00.000Z", "2014-01-01T00:00:00.000Z"}, nil, false},
		{"P1D across fall back", `{"type":"period","period":"P1D","timeZone":"America/Los_Angeles"}`, "2012-11-04T00:00:00", "2012-11-07T00:00:00", la,
			[]string{"2012-11-04T00:00:00.000-07:00", "2012-11-05T00:00:00.000-08:00", "2012-11-06T00:00:00.000-08:00"}, la, false},
		{"PT1H across fall back", `{"type":"period","period":"PT1H","timeZone":"America/Los_Angeles"}`, "2012-11-04T00:00:00-07:00", "2012-11-04T04:00:00-08:00", nil,
			[]string{"2012-11-04T00:00:00.000-07:00", "2012-11-04T01:00:00.000-07:00", "2012-11-04T01:00:00.000-08:00", "2012-11-04T02:00:00.000-08:00", "2012-11-04T03:00:00.000-08:00"}, la, false},
		{"P1M LA", `{"type":"period","period":"P1M","timeZone":"America/Los_Angeles"}`, "2012-11-03T10:00:00", "2013-02-03T10:00:00", la,
			[]string{"2012-11-01T00:00:00.000-07:00", "2012-12-01T00:00:00.000-08:00", "2013-01-01T00:00:00.000-08:00", "2013-02-01T00:00:00.000-08:00"}, la, false},
		{"P1W LA", `{"type":"period","period":"P1W","timeZone":"America/Los_Angeles"}`, "2012-11-03T10:00:00", "2012-11-24T10:00:00", la,
			[]string{"2012-10-29T00:00:00.000-07:00", "2012-11-05T00:00:00.000-08:00", "2012-11-12T00:00:00.000-08:00", "2012-11-19T00:00:00.000-08:00"}, la, false},
		{"P1W LA origin", `{"type":"period","period":"P1W","timeZone":"America/Los_Angeles","origin":"2012-11-03T10:00:00-07:00"}`, "2012-11-03T10:00:00", "2012-11-24T10:00:00", la,
			[]string{"2012-11-03T10:00:00.000-07:00", "2012-11-10T10:00:00.000-08:00", "2012-11-17T10:00:00.000-08:00"}, la, false},
		{"all", `"all"`, "2011-01-01T09:38:02.992Z", "2011-01-04T09:38:02.992Z", nil, []string{"2011-01-01T09:38:02.992Z"}, nil, false},
	}
	for _, c := range cases {
		g := decode(t, c.spec)
		from, err := base.ParseTime(c.from, c.inZone)
		if err != nil {
			t.Fatal(err)
		}
		to, err := base.ParseTime(c.to, c.inZone)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for b := range g.Iterate(base.Interval{Start: from, End: to}) {
			got = append(got, base.FormatTimeIn(b.Start, c.printIn))
		}
		if len(got) != len(c.starts) {
			t.Errorf("%s: buckets %v, want %v", c.name, got, c.starts)
			continue
		}
		for i := range got {
			if got[i] != c.starts[i] {
				t.Errorf("%s: bucket %d starts %s, want %s", c.name, i, got[i], c.starts[i])
			}
		}
	}
}
