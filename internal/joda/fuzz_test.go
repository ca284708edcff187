package joda

import (
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// Patterns that carry every field down to the millisecond and the offset
// round-trip exactly.
func TestRoundTrip(t *testing.T) {
	patterns := []string{
		"yyyy-MM-dd'T'HH:mm:ss.SSSZZ",
		"yyyy-MM-dd HH:mm:ss.SSS Z",
		"yyyyMMddHHmmssSSSZ",
		"EEEE, MMMM d, yyyy h:mm:ss.SSS a ZZ",
		"dd/MMM/yyyy:HH:mm:ss.SSS ZZZ",
		"G yyyy-DDD'T'kk:mm:ss.SSSZZ",
		"x-'W'ww-e'T'HH:mm:ss.SSSZ",
	}
	zones := []string{"UTC", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe"}
	instants := []int64{0, -1, 1377910953456, 1362904200000, 1383467400000, -62135596800000, 253402128000000, 951782400000}
	for _, p := range patterns {
		f := MustCompile(p)
		for _, zn := range zones {
			zone := mustZone(t, zn)
			for _, ms := range instants {
				s := f.Format(ms, zone)
				got, err := f.Parse(s, zone)
				if err != nil {
					t.Errorf("%q in %s: Parse(%q): %v", p, zn, s, err)
					continue
				}
				if got != ms {
					t.Errorf("%q in %s: %d formats as %q, parses as %d (%s)", p, zn, ms, s, got, base.FormatTime(got))
				}
			}
		}
	}
}

func TestEdgeFormatting(t *testing.T) {
	f := MustCompile("yyyy-MM-dd HH kk hh KK a G")
	cases := []struct {
		at   string
		want string
	}{
		{"2013-01-01T00:00:00Z", "2013-01-01 00 24 12 00 AM AD"},
		{"2013-01-01T12:00:00Z", "2013-01-01 12 12 12 00 PM AD"},
		{"0000-06-01T00:00:00Z", "0000-06-01 00 24 12 00 AM BC"},
		{"-0001-06-01T00:00:00Z", "-0001-06-01 00 24 12 00 AM BC"},
		{"12345-06-01T23:00:00Z", "12345-06-01 23 23 11 11 PM AD"},
	}
	for _, c := range cases {
		if got := f.Format(instant(t, c.at), nil); got != c.want {
			t.Errorf("Format(%s) = %q, want %q", c.at, got, c.want)
		}
	}
	if got := MustCompile("Y yy").Format(instant(t, "-0001-06-01T00:00:00Z"), nil); got != "2 01" {
		t.Errorf("year of era = %q", got)
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "''", "'abc'", "EEEE MMMM", "x-w-e", "zzzz ZZZ", "GGG CCC YYYY", "SSSSSSSSS", "'unterminated", "q"} {
		f.Add(s, int64(1377910953456))
	}
	f.Fuzz(func(t *testing.T, pattern string, ms int64) {
		fm, err := Compile(pattern)
		if err != nil {
			if base.ClassOf(err) != base.ClassInvalidInput {
				t.Fatalf("Compile(%q): class %v", pattern, base.ClassOf(err))
			}
			return
		}
		ms %= 1 << 50
		out := fm.Format(ms, time.UTC)
		// Parsing our own output must not panic; when it succeeds and the
		// pattern holds every field, it must give the instant back.
		got, err := fm.Parse(out, time.UTC)
		if err != nil {
			if base.ClassOf(err) != base.ClassInvalidInput {
				t.Fatalf("Parse(%q, %q): class %v", pattern, out, base.ClassOf(err))
			}
			return
		}
		if pattern == "yyyy-MM-dd'T'HH:mm:ss.SSSZZ" && got != ms {
			t.Fatalf("round trip %d -> %q -> %d", ms, out, got)
		}
	})
}

func FuzzParse(f *testing.F) {
	patterns := []string{"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "dd/MMM/yyyy:HH:mm:ss Z", "EEEE, MMMM d, yy h:mm a z", "x-'W'ww-e ZZZ", "yyyyMMddHHmmss", "G Y C D S k K"}
	for i, s := range []string{"2013-08-31T01:02:03.456+00:00", "30/Aug/2013:18:02:03 -0700", "Friday, August 30, 13 6:02 PM PDT",
		"2013-W35-5 America/Los_Angeles", "20130830180203", "AD 2013 20 242 5 24 11", "", "-", "9999999999"} {
		f.Add(i%len(patterns), s)
	}
	f.Fuzz(func(t *testing.T, which int, in string) {
		if which < 0 {
			which = -which
		}
		fm := MustCompile(patterns[which%len(patterns)])
		la, _ := time.LoadLocation("America/Los_Angeles")
		ms, err := fm.Parse(in, la)
		if err != nil {
			if base.ClassOf(err) != base.ClassInvalidInput {
				t.Fatalf("Parse(%q): class %v", in, base.ClassOf(err))
			}
			if !strings.Contains(err.Error(), "invalid time") {
				t.Fatalf("Parse(%q): error %q does not say what failed", in, err)
			}
			return
		}
		_ = fm.Format(ms, la)
	})
}
