package value

import (
	"math"
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

func TestAppendDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1, "1.0"}, {-1, "-1.0"}, {9050, "9050.0"},
		{2.857142857142857, "2.857142857142857"}, {0.1, "0.1"}, {0.001, "0.001"}, {0.0001, "1.0E-4"},
		{1234567, "1234567.0"}, {9999999, "9999999.0"}, {1e7, "1.0E7"}, {12345678, "1.2345678E7"},
		{1.5e300, "1.5E300"}, {-2.5e-10, "-2.5E-10"}, {100, "100.0"}, {123.456, "123.456"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
		{math.MaxFloat64, "1.7976931348623157E308"}, {5e-324, "4.9E-324"},
	}
	for _, tt := range tests {
		if got := string(AppendDouble(nil, tt.in)); got != tt.want {
			t.Errorf("AppendDouble(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	floats := []struct {
		in   float32
		want string
	}{{93, "93.0"}, {0.1, "0.1"}, {1e7, "1.0E7"}, {3.4028235e38, "3.4028235E38"}, {1.17549435e-38, "1.1754944E-38"}}
	for _, tt := range floats {
		if got := string(AppendFloat(nil, tt.in)); got != tt.want {
			t.Errorf("AppendFloat(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestAppendDoubleRoundTrip checks that the Java form parses back to the
// same double.
func TestAppendDoubleRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := rapid.Float64().Draw(t, "f")
		s := string(AppendDouble(nil, f))
		g, ok := ParseNumber(s)
		if !ok || (g != f && !(math.IsNaN(f) && math.IsNaN(g))) {
			t.Fatalf("%v printed as %s parses as %v", f, s, g)
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			t.Fatalf("%s is not a number", s)
		}
	})
}

func TestOrderings(t *testing.T) {
	tests := []struct {
		ord  Ordering
		a, b string
		want int
	}{
		{Lexicographic, "a", "b", -1}, {Lexicographic, "10", "9", -1},
		{Numeric, "10", "9", 1}, {Numeric, "-1.5", "-1", -1}, {Numeric, "abc", "1", -1}, {Numeric, "1e3", "999", 1},
		{Alphanumeric, "a10", "a9", 1}, {Alphanumeric, "a01", "a1", 1}, {Alphanumeric, "abc", "abd", -1}, {Alphanumeric, "1.2", "1.10", -1},
		{Strlen, "zz", "aaa", -1}, {Strlen, "ab", "aa", 1}, {Strlen, "é", "ab", -1},
		{Version, "1.10.0", "1.9.2", 1}, {Version, "1.0", "1.0.1", -1},
	}
	for _, tt := range tests {
		got := tt.ord.Compare(tt.a, tt.b)
		if sign(got) != tt.want {
			t.Errorf("%s.Compare(%q, %q) = %d, want %d", tt.ord, tt.a, tt.b, got, tt.want)
		}
		if sign(tt.ord.Compare(tt.b, tt.a)) != -tt.want {
			t.Errorf("%s.Compare(%q, %q) is not antisymmetric", tt.ord, tt.b, tt.a)
		}
	}
}

func sign(i int) int {
	switch {
	case i < 0:
		return -1
	case i > 0:
		return 1
	}
	return 0
}

func TestConversions(t *testing.T) {
	if s, _ := ToString(1.0); s != "1.0" {
		t.Errorf("ToString(1.0) = %s", s)
	}
	if s, _ := ToString(float32(2.5)); s != "2.5" {
		t.Errorf("ToString(float32) = %s", s)
	}
	if _, ok := ToFloat64("0x10"); ok {
		t.Error("hex accepted")
	}
	if n, ok := ToInt64("12.9"); !ok || n != 12 {
		t.Errorf("ToInt64(12.9) = %d %v", n, ok)
	}
	if !IsNull([]string{}) || IsNull("") {
		t.Error("IsNull")
	}
}
