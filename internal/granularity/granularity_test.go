package granularity

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

func ms(t testing.TB, s string) int64 {
	t.Helper()
	v, err := base.ParseTime(s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func decode(t testing.TB, spec string) Granularity {
	t.Helper()
	var g Granularity
	if err := json.Unmarshal([]byte(spec), &g); err != nil {
		t.Fatalf("decode %s: %v", spec, err)
	}
	return g
}

// The worked examples of Druid's docs/querying/granularities.md.
func TestDruidDocExamples(t *testing.T) {
	rows := []string{"2013-08-31T01:02:33Z", "2013-09-01T01:02:33Z", "2013-09-02T23:32:45Z", "2013-09-03T03:32:45Z"}
	cases := []struct {
		spec string
		want []string
	}{
		{`"hour"`, []string{"2013-08-31T01:00:00.000Z", "2013-09-01T01:00:00.000Z", "2013-09-02T23:00:00.000Z", "2013-09-03T03:00:00.000Z"}},
		{`"day"`, []string{"2013-08-31T00:00:00.000Z", "2013-09-01T00:00:00.000Z", "2013-09-02T00:00:00.000Z", "2013-09-03T00:00:00.000Z"}},
		{`"none"`, []string{"2013-08-31T01:02:33.000Z", "2013-09-01T01:02:33.000Z", "2013-09-02T23:32:45.000Z", "2013-09-03T03:32:45.000Z"}},
		{`{"type": "duration", "duration": "86400000"}`, []string{"2013-08-31T00:00:00.000Z", "2013-09-01T00:00:00.000Z", "2013-09-02T00:00:00.000Z", "2013-09-03T00:00:00.000Z"}},
		{`{"type": "duration", "duration": "86400000", "origin":"2012-01-01T00:30:00Z"}`, []string{"2013-08-31T00:30:00.000Z", "2013-09-01T00:30:00.000Z", "2013-09-02T00:30:00.000Z", "2013-09-03T00:30:00.000Z"}},
		{`{"type": "period", "period": "P1D", "timeZone": "America/Los_Angeles"}`, []string{"2013-08-30T00:00:00.000-07:00", "2013-08-31T00:00:00.000-07:00", "2013-09-02T00:00:00.000-07:00", "2013-09-02T00:00:00.000-07:00"}},
		{`{"type": "period", "period": "P1D", "timeZone": "America/Los_Angeles", "origin": "1970-01-01T20:30:00-08:00"}`, []string{"2013-08-29T20:30:00.000-07:00", "2013-08-30T20:30:00.000-07:00", "2013-09-01T20:30:00.000-07:00", "2013-09-02T20:30:00.000-07:00"}},
	}
	for _, c := range cases {
		g := decode(t, c.spec)
		for i, r := range rows {
			if got := base.FormatTimeIn(g.Floor(ms(t, r)), g.Zone()); got != c.want[i] {
				t.Errorf("%s: Floor(%s) = %s, want %s", c.spec, r, got, c.want[i])
			}
		}
	}
}

func zoneOf(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func period(t testing.TB, p, zone string, origin string) *PeriodGranularity {
	t.Helper()
	var o *int64
	if origin != "" {
		v := ms(t, origin)
		o = &v
	}
	var loc *time.Location
	if zone != "" {
		loc = zoneOf(t, zone)
	}
	g, err := NewPeriod(base.MustParsePeriod(p), o, loc)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestPeriodFloor(t *testing.T) {
	cases := []struct {
		period, zone, origin string
		in                   string
		floor, next          string // printed in the zone
	}{
		// Simple UTC units.
		{"PT1H", "", "", "2013-08-31T01:02:33.123Z", "2013-08-31T01:00:00.000Z", "2013-08-31T02:00:00.000Z"},
		{"P1D", "", "", "2013-08-31T01:02:33Z", "2013-08-31T00:00:00.000Z", "2013-09-01T00:00:00.000Z"},
		{"P1W", "", "", "2013-08-31T01:02:33Z", "2013-08-26T00:00:00.000Z", "2013-09-02T00:00:00.000Z"},
		{"P1W", "", "", "2013-08-26T00:00:00Z", "2013-08-26T00:00:00.000Z", "2013-09-02T00:00:00.000Z"},
		{"P1M", "", "", "2013-08-31T01:02:33Z", "2013-08-01T00:00:00.000Z", "2013-09-01T00:00:00.000Z"},
		{"P3M", "", "", "2013-08-31T01:02:33Z", "2013-07-01T00:00:00.000Z", "2013-10-01T00:00:00.000Z"},
		{"P1Y", "", "", "2013-08-31T01:02:33Z", "2013-01-01T00:00:00.000Z", "2014-01-01T00:00:00.000Z"},
		{"PT15M", "", "", "2013-08-31T01:44:59.999Z", "2013-08-31T01:30:00.000Z", "2013-08-31T01:45:00.000Z"},
		{"PT1S", "", "", "2013-08-31T01:44:59.999Z", "2013-08-31T01:44:59.000Z", "2013-08-31T01:45:00.000Z"},
		{"PT0.001S", "", "", "2013-08-31T01:44:59.999Z", "2013-08-31T01:44:59.999Z", "2013-08-31T01:45:00.000Z"},
		{"PT0.250S", "", "", "2013-08-31T01:44:59.999Z", "2013-08-31T01:44:59.750Z", "2013-08-31T01:45:00.000Z"},
		// Negative times (before 1970).
		{"PT1H", "", "", "1969-12-31T23:59:59.999Z", "1969-12-31T23:00:00.000Z", "1970-01-01T00:00:00.000Z"},
		{"P1D", "", "", "1969-12-31T23:59:59.999Z", "1969-12-31T00:00:00.000Z", "1970-01-01T00:00:00.000Z"},
		{"P1W", "", "", "1969-12-31T12:00:00Z", "1969-12-29T00:00:00.000Z", "1970-01-05T00:00:00.000Z"},
		{"P1M", "", "", "1969-12-31T12:00:00Z", "1969-12-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z"},
		{"P1Y", "", "", "1066-10-14T12:00:00Z", "1066-01-01T00:00:00.000Z", "1067-01-01T00:00:00.000Z"},
		{"P3M", "", "", "1969-11-15T00:00:00Z", "1969-10-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z"},
		{"P2D", "", "", "1969-12-30T12:00:00Z", "1969-12-30T00:00:00.000Z", "1970-01-01T00:00:00.000Z"},
		{"P2D", "", "", "1969-12-29T12:00:00Z", "1969-12-28T00:00:00.000Z", "1969-12-30T00:00:00.000Z"},
		{"P2M", "", "", "1969-12-15T00:00:00Z", "1969-11-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z"},
		// Leap days and month ends.
		{"P1D", "", "", "2012-02-29T23:59:59.999Z", "2012-02-29T00:00:00.000Z", "2012-03-01T00:00:00.000Z"},
		{"P1M", "", "", "2012-02-29T12:00:00Z", "2012-02-01T00:00:00.000Z", "2012-03-01T00:00:00.000Z"},
		{"P1M", "", "2012-01-31T00:00:00Z", "2012-02-29T12:00:00Z", "2012-02-29T00:00:00.000Z", "2012-03-29T00:00:00.000Z"}, // Joda clamps Jan 31 + 1M to Feb 29
		{"P1M", "", "2012-01-31T00:00:00Z", "2012-03-31T12:00:00Z", "2012-03-31T00:00:00.000Z", "2012-04-30T00:00:00.000Z"},
		{"P1Y", "", "2012-02-29T00:00:00Z", "2013-03-01T00:00:00Z", "2013-02-28T00:00:00.000Z", "2014-02-28T00:00:00.000Z"},
		{"P1Y", "", "2012-02-29T00:00:00Z", "2016-02-29T00:00:00Z", "2016-02-29T00:00:00.000Z", "2017-02-28T00:00:00.000Z"},
		// Multiples count from 1970-01-01 (a Thursday) in the zone.
		{"P2W", "", "", "2013-08-31T00:00:00Z", "2013-08-29T00:00:00.000Z", "2013-09-12T00:00:00.000Z"}, // Thursdays, like 1970-01-01
		{"PT6H", "", "", "2013-08-31T05:59:59Z", "2013-08-31T00:00:00.000Z", "2013-08-31T06:00:00.000Z"},
		// Origin after the instant.
		{"P1D", "", "2020-01-01T06:00:00Z", "2013-08-31T01:00:00Z", "2013-08-30T06:00:00.000Z", "2013-08-31T06:00:00.000Z"},
		{"P3M", "", "2020-02-01T00:00:00Z", "2013-08-31T01:00:00Z", "2013-08-01T00:00:00.000Z", "2013-11-01T00:00:00.000Z"},
		{"PT1H", "", "2020-01-01T00:30:00Z", "2013-08-31T01:00:00Z", "2013-08-31T00:30:00.000Z", "2013-08-31T01:30:00.000Z"},
		{"P1Y", "", "2020-07-01T00:00:00Z", "2013-08-31T01:00:00Z", "2013-07-01T00:00:00.000Z", "2014-07-01T00:00:00.000Z"},
		// Druid's doc example: quarters starting in February, Pacific time.
		{"P3M", "America/Los_Angeles", "2012-02-01T00:00:00-08:00", "2013-08-31T01:02:33Z", "2013-08-01T00:00:00.000-07:00", "2013-11-01T00:00:00.000-07:00"},
		{"P3M", "America/Los_Angeles", "2012-02-01T00:00:00-08:00", "2013-08-01T06:59:59Z", "2013-05-01T00:00:00.000-07:00", "2013-08-01T00:00:00.000-07:00"},
		// DST in America/Los_Angeles: 2013-03-10 02:00 -> 03:00, 2013-11-03 02:00 -> 01:00.
		{"P1D", "America/Los_Angeles", "", "2013-03-10T12:00:00Z", "2013-03-10T00:00:00.000-08:00", "2013-03-11T00:00:00.000-07:00"},
		{"P1D", "America/Los_Angeles", "", "2013-11-03T12:00:00Z", "2013-11-03T00:00:00.000-07:00", "2013-11-04T00:00:00.000-08:00"},
		{"PT1H", "America/Los_Angeles", "", "2013-03-10T10:30:00Z", "2013-03-10T03:00:00.000-07:00", "2013-03-10T04:00:00.000-07:00"},
		{"PT1H", "America/Los_Angeles", "", "2013-03-10T09:30:00Z", "2013-03-10T01:00:00.000-08:00", "2013-03-10T03:00:00.000-07:00"},
		{"PT1H", "America/Los_Angeles", "", "2013-11-03T08:30:00Z", "2013-11-03T01:00:00.000-07:00", "2013-11-03T01:00:00.000-08:00"},
		{"PT1H", "America/Los_Angeles", "", "2013-11-03T09:30:00Z", "2013-11-03T01:00:00.000-08:00", "2013-11-03T02:00:00.000-08:00"},
		{"P2D", "America/Los_Angeles", "", "2013-03-10T12:00:00Z", "2013-03-10T00:00:00.000-08:00", "2013-03-12T00:00:00.000-07:00"},
		{"P2D", "America/Los_Angeles", "", "2013-03-10T07:59:59Z", "2013-03-08T00:00:00.000-08:00", "2013-03-10T00:00:00.000-08:00"},
		{"P1W", "America/Los_Angeles", "", "2013-03-12T12:00:00Z", "2013-03-11T00:00:00.000-07:00", "2013-03-18T00:00:00.000-07:00"},
		{"P1W", "America/Los_Angeles", "", "2013-03-10T12:00:00Z", "2013-03-04T00:00:00.000-08:00", "2013-03-11T00:00:00.000-07:00"},
		{"P1M", "America/Los_Angeles", "", "2013-03-31T12:00:00Z", "2013-03-01T00:00:00.000-08:00", "2013-04-01T00:00:00.000-07:00"},
		{"P1M", "America/Los_Angeles", "", "2013-04-01T06:59:59Z", "2013-03-01T00:00:00.000-08:00", "2013-04-01T00:00:00.000-07:00"},
		{"P1Y", "America/Los_Angeles", "", "2013-01-01T07:59:59Z", "2012-01-01T00:00:00.000-08:00", "2013-01-01T00:00:00.000-08:00"},
		// Multiples of hours are elapsed time from local midnight 1970-01-01.
		{"PT6H", "America/Los_Angeles", "", "2013-08-31T01:02:33Z", "2013-08-30T13:00:00.000-07:00", "2013-08-30T19:00:00.000-07:00"}, // from 08:00Z
		// Fixed offsets and half-hour zones.
		{"P1D", "+05:30", "", "2013-08-31T20:00:00Z", "2013-09-01T00:00:00.000+05:30", "2013-09-02T00:00:00.000+05:30"},
		{"PT1H", "Asia/Kolkata", "", "2013-08-31T20:00:00Z", "2013-09-01T01:00:00.000+05:30", "2013-09-01T02:00:00.000+05:30"},
		{"P1D", "-08:00", "", "2013-03-10T12:00:00Z", "2013-03-10T00:00:00.000-08:00", "2013-03-11T00:00:00.000-08:00"},
		// Compound periods.
		{"PT1H30M", "", "", "2013-08-31T01:02:33Z", "2013-08-31T00:00:00.000Z", "2013-08-31T01:30:00.000Z"},
		{"P1DT12H", "", "", "1970-01-02T13:00:00Z", "1970-01-02T12:00:00.000Z", "1970-01-04T00:00:00.000Z"},
		{"P1M1D", "", "", "1970-03-05T00:00:00Z", "1970-03-03T00:00:00.000Z", "1970-04-04T00:00:00.000Z"},
		{"P1M1D", "", "", "1969-11-29T00:00:00Z", "1969-10-29T00:00:00.000Z", "1969-11-30T00:00:00.000Z"}, // stepping back -1M-1D: Nov 30, Oct 29
		{"P1DT1H", "America/Los_Angeles", "2013-03-09T00:00:00-08:00", "2013-03-10T02:00:00Z", "2013-03-09T00:00:00.000-08:00", "2013-03-10T01:00:00.000-08:00"},
		{"P1DT1H", "America/Los_Angeles", "2013-03-09T00:00:00-08:00", "2013-03-10T09:00:00Z", "2013-03-10T01:00:00.000-08:00", "2013-03-11T02:00:00.000-07:00"}, // +1D keeps 01:00 local, +1H is elapsed
	}
	for _, c := range cases {
		g := period(t, c.period, c.zone, c.origin)
		in := ms(t, c.in)
		f := g.Floor(in)
		if got := base.FormatTimeIn(f, g.Zone); got != c.floor {
			t.Errorf("%s %s origin %q: Floor(%s) = %s, want %s", c.period, c.zone, c.origin, c.in, got, c.floor)
			continue
		}
		if got := base.FormatTimeIn(g.Next(f), g.Zone); got != c.next {
			t.Errorf("%s %s origin %q: Next(%s) = %s, want %s", c.period, c.zone, c.origin, c.floor, got, c.next)
		}
		if f > in || g.Next(f) <= in {
			t.Errorf("%s %s: bucket [%d,%d) does not contain %d", c.period, c.zone, f, g.Next(f), in)
		}
		if c2 := g.Ceil(in); (f == in && c2 != in) || (f != in && c2 != g.Next(f)) {
			t.Errorf("%s %s: Ceil(%s) = %s", c.period, c.zone, c.in, base.FormatTimeIn(c2, g.Zone))
		}
	}
}

// Extreme instants must return promptly and not panic, whatever the
// granularity.
func TestExtremeInstants(t *testing.T) {
	specs := []string{`"hour"`, `"month"`, `"year"`, `"week"`, `{"type":"duration","duration":7}`,
		`{"type":"period","period":"P1M1D","timeZone":"America/Los_Angeles"}`,
		`{"type":"period","period":"P1DT1H","timeZone":"Europe/Berlin","origin":"2000-01-01"}`,
		`{"type":"period","period":"P3M","timeZone":"America/Los_Angeles","origin":"2012-02-01T00:00:00-08:00"}`,
		`{"type":"period","period":"PT1H","timeZone":"Asia/Kolkata"}`,
		`{"type":"period","period":"P1Y2M3W4DT5H6M7.008S","origin":-5}`}
	for _, spec := range specs {
		g := decode(t, spec)
		for _, at := range []int64{base.MinTime, base.MaxTime, base.MinTime + 1, base.MaxTime - 1, -62135596800001, 253402300800000} {
			f := g.Floor(at)
			_ = g.Next(f)
			_ = g.Ceil(at)
		}
	}
}
