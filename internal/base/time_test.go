package base

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	tests := []struct {
		in   string
		loc  *time.Location
		want string
	}{
		{"2013-08-31", nil, "2013-08-31T00:00:00.000Z"},
		{"2013", nil, "2013-01-01T00:00:00.000Z"},
		{"2013-08", nil, "2013-08-01T00:00:00.000Z"},
		{"2013-08-31T01", nil, "2013-08-31T01:00:00.000Z"},
		{"2013-08-31T01:02", nil, "2013-08-31T01:02:00.000Z"},
		{"2013-08-31T01:02:33Z", nil, "2013-08-31T01:02:33.000Z"},
		{"2013-08-31T01:02:33.5Z", nil, "2013-08-31T01:02:33.500Z"},
		{"2013-08-31T01:02:33,123456Z", nil, "2013-08-31T01:02:33.123Z"},
		{"2013-08-31T01:02:33.000+05:30", nil, "2013-08-30T19:32:33.000Z"},
		{"2013-08-31T01:02:33-0800", nil, "2013-08-31T09:02:33.000Z"},
		{"2013-08-31T00:00", la, "2013-08-31T07:00:00.000Z"},
		{"2013-08-31T00:00Z", la, "2013-08-31T00:00:00.000Z"},
		{"0000", nil, "0000-01-01T00:00:00.000Z"},
		{"3000", nil, "3000-01-01T00:00:00.000Z"},
		{"2012-02-29", nil, "2012-02-29T00:00:00.000Z"},
		{"2013-01-01 10:00:00", nil, "2013-01-01T10:00:00.000Z"},
	}
	for _, tt := range tests {
		ms, err := ParseTime(tt.in, tt.loc)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tt.in, err)
			continue
		}
		if got := FormatTime(ms); got != tt.want {
			t.Errorf("ParseTime(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseTimeErrors(t *testing.T) {
	for _, in := range []string{"", "x", "2013-13-01", "2013-02-30", "2013-01-01T25", "2013-01-01T10:61", "2013-01-01Tx", "2013-01-01Z1", "2013/01/01", "2013-1-1"} {
		if _, err := ParseTime(in, nil); err == nil {
			t.Errorf("ParseTime(%q) succeeded, want an error", in)
		} else if !IsClass(err, ClassInvalidInput) {
			t.Errorf("ParseTime(%q) error class = %v, want INVALID_INPUT", in, ClassOf(err))
		}
	}
}

func TestFormatTimeIn(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	ms, _ := ParseTime("2013-08-31T07:00:00Z", nil)
	if got, want := FormatTimeIn(ms, la), "2013-08-31T00:00:00.000-07:00"; got != want {
		t.Errorf("FormatTimeIn = %s, want %s", got, want)
	}
	if got, want := FormatTimeIn(ms, time.UTC), "2013-08-31T07:00:00.000Z"; got != want {
		t.Errorf("FormatTimeIn UTC = %s, want %s", got, want)
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2013-08-31", "2013-08-31T01:02:33.456+05:30", "0000", "-0001-01-01", "2013-01-01T24:00", "99999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseTime(s, nil)
		if err != nil {
			return
		}
		// Whatever parses prints to something that parses to the same instant.
		out := FormatTime(ms)
		back, err := ParseTime(out, nil)
		if err != nil {
			t.Fatalf("FormatTime(%q -> %d) = %q does not parse: %v", s, ms, out, err)
		}
		if back != ms {
			t.Fatalf("round trip of %q: %d -> %q -> %d", s, ms, out, back)
		}
	})
}
