package joda

import (
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func instant(t testing.TB, s string) int64 {
	t.Helper()
	v, err := base.ParseTime(s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFormatSymbols(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	ts := instant(t, "2013-08-31T01:02:03.456Z") // 2013-08-30T18:02:03.456-07:00, a Friday
	cases := []struct {
		pattern string
		zone    *time.Location
		want    string
	}{
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", time.UTC, "2013-08-31T01:02:03.456+00:00"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", la, "2013-08-30T18:02:03.456-07:00"},
		{"yyyy-MM-dd HH:mm:ss Z", la, "2013-08-30 18:02:03 -0700"},
		{"ZZZ", la, "America/Los_Angeles"},
		{"ZZZ", nil, "UTC"},
		{"z", la, "PDT"},
		{"zzzz", la, "Pacific Daylight Time"},
		{"z", nil, "UTC"},
		{"G C Y yy y", la, "AD 20 2013 13 2013"},
		{"x-'W'ww-e", la, "2013-W35-5"},
		{"E EEE EEEE", la, "Fri Fri Friday"},
		{"D DDD", la, "242 242"},
		{"M MM MMM MMMM", la, "8 08 Aug August"},
		{"d dd", la, "30 30"},
		{"a K h H k", la, "PM 6 6 18 18"},
		{"a K h H k", nil, "AM 1 1 1 1"},
		{"m mm s ss", la, "2 02 3 03"},
		{"S SS SSS SSSS", la, "4 45 456 4560"},
		{"'o''clock' ''", la, "o'clock '"},
		{"yyyyMMdd", la, "20130830"},
		{"dd/MMM/yyyy:HH:mm:ss Z", la, "30/Aug/2013:18:02:03 -0700"},
	}
	for _, c := range cases {
		f, err := Compile(c.pattern)
		if err != nil {
			t.Fatalf("Compile(%q): %v", c.pattern, err)
		}
		if got := f.Format(ts, c.zone); got != c.want {
			t.Errorf("Format(%q) = %q, want %q", c.pattern, got, c.want)
		}
	}
}

func TestParse(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	cases := []struct {
		pattern, in string
		zone        *time.Location
		want        string // instant, or "" for an error
	}{
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "2013-08-31T01:02:03.456+00:00", nil, "2013-08-31T01:02:03.456Z"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2013-08-30T18:02:03.456-0700", nil, "2013-08-31T01:02:03.456Z"},
		{"yyyy-MM-dd HH:mm:ss", "2013-08-30 18:02:03", la, "2013-08-31T01:02:03.000Z"},
		{"yyyy-MM-dd HH:mm:ss", "2013-08-30 18:02:03", nil, "2013-08-30T18:02:03.000Z"},
		{"yyyy-MM-dd HH:mm:ss ZZZ", "2013-01-30 18:02:03 America/Los_Angeles", nil, "2013-01-31T02:02:03.000Z"},
		{"yyyy-MM-dd HH:mm:ss z", "2013-01-30 18:02:03 PST", nil, "2013-01-31T02:02:03.000Z"},
		{"yyyy-MM-dd HH:mm Z", "2013-01-30 18:02 Z", la, "2013-01-30T18:02:00.000Z"},
		{"dd/MMM/yyyy:HH:mm:ss Z", "30/aug/2013:18:02:03 -0700", nil, "2013-08-31T01:02:03.000Z"},
		{"EEEE, MMMM d, yyyy", "Friday, August 30, 2013", nil, "2013-08-30T00:00:00.000Z"},
		{"yyyyMMdd", "20130830", nil, "2013-08-30T00:00:00.000Z"},
		{"yyyyMMddHHmmss", "20130830180203", nil, "2013-08-30T18:02:03.000Z"},
		{"yyyyMMddHH", "2013083118", nil, "2013-08-31T18:00:00.000Z"}, // Druid IT batch_hadoop_indexer timestampSpec
		{"yy-MM-dd", "13-08-30", nil, "2013-08-30T00:00:00.000Z"},
		{"yy-MM-dd", "97-08-30", nil, "1997-08-30T00:00:00.000Z"},
		{"yy-MM-dd", "1897-08-30", nil, "1897-08-30T00:00:00.000Z"},
		{"h:mm a", "12:30 AM", nil, "1970-01-01T00:30:00.000Z"},
		{"h:mm a", "12:30 pm", nil, "1970-01-01T12:30:00.000Z"},
		{"K:mm a", "11:30 PM", nil, "1970-01-01T23:30:00.000Z"},
		{"k:mm", "24:00", nil, "1970-01-01T00:00:00.000Z"},
		{"D yyyy", "60 2012", nil, "2012-02-29T00:00:00.000Z"},
		{"yyyy D", "2012 60", nil, "2012-02-29T00:00:00.000Z"},
		{"x-'W'ww-e", "2013-W35-5", nil, "2013-08-30T00:00:00.000Z"},
		{"x-'W'ww-e", "2009-W53-7", nil, "2010-01-03T00:00:00.000Z"},
		{"G yyyy", "BC 0001", nil, "0001-01-01T00:00:00.000Z"}, // y is the proleptic year and is applied after the era
		{"G Y", "BC 1", nil, "0000-01-01T00:00:00.000Z"},
		{"ss.S", "05.5", nil, "1970-01-01T00:00:05.500Z"},
		{"ss.SSS", "05.05", nil, "1970-01-01T00:00:05.050Z"},
		{"yyyy-MM-dd HH:mm", "2013-03-10 02:30", la, ""},                         // DST gap
		{"yyyy-MM-dd HH:mm", "2013-11-03 01:30", la, "2013-11-03T08:30:00.000Z"}, // overlap: earlier
		{"yyyy-MM-dd", "2013-02-30", nil, ""},
		{"yyyy-MM-dd", "2013-13-01", nil, ""},
		{"yyyy-MM-dd", "2013-01-01x", nil, ""},
		{"yyyy-MM-dd", "2013-01", nil, ""},
		{"HH:mm", "24:00", nil, ""},
		{"h", "0", nil, ""},
		{"MMM", "Foo", nil, ""},
	}
	for _, c := range cases {
		f, err := Compile(c.pattern)
		if err != nil {
			t.Fatalf("Compile(%q): %v", c.pattern, err)
		}
		f = f.WithPivot(1996)
		got, err := f.Parse(c.in, c.zone)
		if c.want == "" {
			if err == nil {
				t.Errorf("Parse(%q, %q) = %s, want an error", c.pattern, c.in, base.FormatTime(got))
			} else if base.ClassOf(err) != base.ClassInvalidInput {
				t.Errorf("Parse(%q, %q): error class %v, want invalid input", c.pattern, c.in, base.ClassOf(err))
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q, %q): %v", c.pattern, c.in, err)
			continue
		}
		if s := base.FormatTime(got); s != c.want {
			t.Errorf("Parse(%q, %q) = %s, want %s", c.pattern, c.in, s, c.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, p := range []string{"yyyy-MM-dd'T", "yyyy-qq", "T", "'a''"} {
		if _, err := Compile(p); err == nil {
			t.Errorf("Compile(%q) succeeded, want an error", p)
		} else if base.ClassOf(err) != base.ClassInvalidInput {
			t.Errorf("Compile(%q): class %v", p, base.ClassOf(err))
		}
	}
}

func TestISOHelpers(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	ms := instant(t, "2013-08-31T01:02:03.456Z")
	if got := FormatISO(ms, nil); got != "2013-08-31T01:02:03.456Z" {
		t.Errorf("FormatISO UTC = %q", got)
	}
	if got := FormatISO(ms, la); got != "2013-08-30T18:02:03.456-07:00" {
		t.Errorf("FormatISO LA = %q", got)
	}
	if got, err := ParseISO("2013-08-30T18:02:03.456", la); err != nil || got != ms {
		t.Errorf("ParseISO = %d, %v", got, err)
	}
}
