package base

import (
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want Period
		str  string
	}{
		{"P1D", Period{Days: 1}, "P1D"},
		{"PT15M", Period{Minutes: 15}, "PT15M"},
		{"P1W", Period{Weeks: 1}, "P1W"},
		{"P1Y2M3DT4H5M6S", Period{Years: 1, Months: 2, Days: 3, Hours: 4, Minutes: 5, Seconds: 6}, "P1Y2M3DT4H5M6S"},
		{"PT1.5S", Period{Seconds: 1, Millis: 500}, "PT1.5S"},
		{"PT0.001S", Period{Millis: 1}, "PT0.001S"},
		{"P-1D", Period{Days: -1}, "P-1D"},
		{"PT0S", Period{}, "PT0S"},
		{"P3M", Period{Months: 3}, "P3M"},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParsePeriod(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("ParsePeriod(%q).String() = %q, want %q", tt.in, s, tt.str)
		}
	}
	for _, bad := range []string{"", "P", "1D", "PT", "P1H", "PT1D", "P1.5D", "PxD", "P1DT", "P1D2"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) succeeded, want an error", bad)
		}
	}
}

func TestPeriodAddTo(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	utc := func(s string) time.Time {
		ms, err := ParseTime(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return TimeOf(ms)
	}
	tests := []struct {
		start time.Time
		p     string
		want  string
	}{
		{utc("2013-01-31"), "P1M", "2013-02-28T00:00:00.000Z"},
		{utc("2012-01-31"), "P1M", "2012-02-29T00:00:00.000Z"},
		{utc("2012-02-29"), "P1Y", "2013-02-28T00:00:00.000Z"},
		{utc("2013-03-31"), "P-1M", "2013-02-28T00:00:00.000Z"},
		{utc("2013-01-01"), "P1W", "2013-01-08T00:00:00.000Z"},
		// Years, then months, each clamped, as Joda does.
		{utc("2020-02-29"), "P1Y1M", "2021-03-28T00:00:00.000Z"},
		{utc("2013-01-01"), "PT36H", "2013-01-02T12:00:00.000Z"},
		// Across the spring-forward gap, a day keeps local midnight: 23 hours elapse.
		{utc("2013-03-10T08:00:00Z").In(la), "P1D", "2013-03-11T07:00:00.000Z"},
		// ... while 24 hours of elapsed time is one hour later on the wall clock.
		{utc("2013-03-10T08:00:00Z").In(la), "PT24H", "2013-03-11T08:00:00.000Z"},
	}
	for _, tt := range tests {
		p := MustParsePeriod(tt.p)
		if got := FormatTime(p.AddTo(tt.start).UnixMilli()); got != tt.want {
			t.Errorf("%s + %s = %s, want %s", tt.start, tt.p, got, tt.want)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"P1D", "PT1.5S", "P1Y2M3W4DT5H6M7S", "P-1M", "PT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		back, err := ParsePeriod(p.String())
		if err != nil {
			t.Fatalf("%q parsed to %+v whose String %q does not parse: %v", s, p, p.String(), err)
		}
		a, _ := p.FixedMillis()
		b, _ := back.FixedMillis()
		if a != b || p.Years != back.Years || p.Months != back.Months || p.Weeks != back.Weeks || p.Days != back.Days {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v", s, p, p.String(), back)
		}
	})
}
