package base

import (
	"encoding/json"
	"testing"
)

func TestParseInterval(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2013-08-31/2013-09-01", "2013-08-31T00:00:00.000Z/2013-09-01T00:00:00.000Z"},
		{"2013-08-31T00:00/P1D", "2013-08-31T00:00:00.000Z/2013-09-01T00:00:00.000Z"},
		{"P1D/2013-09-01", "2013-08-31T00:00:00.000Z/2013-09-01T00:00:00.000Z"},
		{"1000/3000", "1000-01-01T00:00:00.000Z/3000-01-01T00:00:00.000Z"},
		{"0000/3000", "0000-01-01T00:00:00.000Z/3000-01-01T00:00:00.000Z"},
		{"2013-01-31/P1M", "2013-01-31T00:00:00.000Z/2013-02-28T00:00:00.000Z"},
		{"2013-01-01/2013-01-01", "2013-01-01T00:00:00.000Z/2013-01-01T00:00:00.000Z"},
	}
	for _, tt := range tests {
		iv, err := ParseInterval(tt.in, nil)
		if err != nil {
			t.Errorf("ParseInterval(%q): %v", tt.in, err)
			continue
		}
		if got := iv.String(); got != tt.want {
			t.Errorf("ParseInterval(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"", "2013-01-01", "2013-01-02/2013-01-01", "P1D/P1D", "x/y", "2013-01-01/P"} {
		if _, err := ParseInterval(bad, nil); !IsClass(err, ClassInvalidInput) {
			t.Errorf("ParseInterval(%q) error = %v, want an INVALID_INPUT error", bad, err)
		}
	}
}

func TestIntervalURLAndJSON(t *testing.T) {
	iv, err := ParseIntervalURL("2013-01-01_2013-01-02")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(iv)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z"`; got != want {
		t.Fatalf("Marshal = %s, want %s", got, want)
	}
	var back Interval
	if err := json.Unmarshal(b, &back); err != nil || back != iv {
		t.Fatalf("Unmarshal = %v, %v; want %v", back, err, iv)
	}
	if err := json.Unmarshal([]byte(`42`), &back); !IsClass(err, ClassInvalidInput) {
		t.Fatalf("Unmarshal(42) error = %v, want INVALID_INPUT", err)
	}
}

func TestIntervalOps(t *testing.T) {
	a := Interval{0, 10}
	b := Interval{5, 15}
	c := Interval{10, 20}
	if !a.Overlaps(b) || a.Overlaps(c) || !a.Abuts(c) {
		t.Fatal("Overlaps/Abuts wrong")
	}
	if r, ok := a.Intersect(b); !ok || r != (Interval{5, 10}) {
		t.Fatalf("Intersect = %v %v", r, ok)
	}
	if _, ok := a.Intersect(c); ok {
		t.Fatal("abutting intervals intersect")
	}
	got := CondenseIntervals([]Interval{{20, 30}, {0, 10}, {10, 15}, {25, 40}, {50, 60}})
	want := []Interval{{0, 15}, {20, 40}, {50, 60}}
	if len(got) != len(want) {
		t.Fatalf("Condense = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("Condense = %v, want %v", got, want)
		}
	}
}
