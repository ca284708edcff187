package granularity

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func TestJSONRoundTrip(t *testing.T) {
	cases := []struct{ in, want string }{
		{`"all"`, `{"type":"all"}`},
		{`"NONE"`, `{"type":"none"}`},
		{`{"type":"all"}`, `{"type":"all"}`},
		{`{"type":"none"}`, `{"type":"none"}`},
		{`"second"`, `"SECOND"`},
		{`"minute"`, `"MINUTE"`},
		{`"five_minute"`, `"FIVE_MINUTE"`},
		{`"ten_minute"`, `"TEN_MINUTE"`},
		{`"fifteen_minute"`, `"FIFTEEN_MINUTE"`},
		{`"thirty_minute"`, `"THIRTY_MINUTE"`},
		{`"Hour"`, `"HOUR"`},
		{`"six_hour"`, `"SIX_HOUR"`},
		{`"eight_hour"`, `"EIGHT_HOUR"`},
		{`"DAY"`, `"DAY"`},
		{`"week"`, `"WEEK"`},
		{`"month"`, `"MONTH"`},
		{`"quarter"`, `"QUARTER"`},
		{`"year"`, `"YEAR"`},
		{`{"type":"hour"}`, `"HOUR"`},
		{`{"type":"period","period":"P1D"}`, `"DAY"`},
		{`{"type":"period","period":"PT1H","timeZone":"UTC"}`, `"HOUR"`},
		{`{"type":"period","period":"P1D","timeZone":"America/Los_Angeles"}`, `{"type":"period","period":"P1D","timeZone":"America/Los_Angeles","origin":null}`},
		{`{"type":"period","period":"P1D","timeZone":"America/Los_Angeles","origin":"1970-01-01T20:30:00-08:00"}`, `{"type":"period","period":"P1D","timeZone":"America/Los_Angeles","origin":"1970-01-02T04:30:00.000Z"}`},
		{`{"type":"period","period":"P2D","timeZone":"+05:30","origin":null,"extra":1}`, `{"type":"period","period":"P2D","timeZone":"+05:30","origin":null}`},
		{`{"type":"period","period":"PT1H","origin":0}`, `{"type":"period","period":"PT1H","timeZone":"UTC","origin":"1970-01-01T00:00:00.000Z"}`},
		{`{"type":"duration","duration":7200000}`, `{"type":"duration","duration":7200000,"origin":"1970-01-01T00:00:00.000Z"}`},
		{`{"type":"duration","duration":"3600000","origin":"2012-01-01T00:30:00Z"}`, `{"type":"duration","duration":3600000,"origin":"1970-01-01T00:30:00.000Z"}`}, // origin modulo the duration, as Druid
		{`{"type":"duration","duration":"5","origin":"2012-09-01T00:00:00.002Z"}`, `{"type":"duration","duration":5,"origin":"1970-01-01T00:00:00.002Z"}`},
	}
	for _, c := range cases {
		g := decode(t, c.in)
		b, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != c.want {
			t.Errorf("%s marshals as %s, want %s", c.in, b, c.want)
		}
		g2 := decode(t, string(b))
		if !g.Equal(g2) {
			t.Errorf("%s: round trip through %s changed the granularity", c.in, b)
		}
	}
}

func TestJSONErrors(t *testing.T) {
	cases := []struct{ in, mention string }{
		{`"fortnight"`, "fortnight"},
		{`""`, "granularity"},
		{`17`, "granularity"},
		{`[]`, "granularity"},
		{`{}`, `"type"`},
		{`{"type":"bogus"}`, `"type"`},
		{`{"type":3}`, `"type"`},
		{`{"type":"period"}`, `"period"`},
		{`{"type":"period","period":"1D"}`, `"period"`},
		{`{"type":"period","period":"P0D"}`, `longer than zero`},
		{`{"type":"period","period":"P-1D"}`, `negative`},
		{`{"type":"period","period":"P1D","timeZone":"Mars/Olympus"}`, `"timeZone"`},
		{`{"type":"period","period":"P1D","timeZone":"+25:00"}`, `"timeZone"`},
		{`{"type":"period","period":"P1D","origin":"yesterday"}`, `"origin"`},
		{`{"type":"duration"}`, `"duration"`},
		{`{"type":"duration","duration":0}`, `duration`},
		{`{"type":"duration","duration":-5}`, `duration`},
		{`{"type":"duration","duration":"x"}`, `"duration"`},
		{`{"type":"duration","duration":1,"origin":true}`, `"origin"`},
	}
	for _, c := range cases {
		var g Granularity
		err := json.Unmarshal([]byte(c.in), &g)
		if err == nil {
			t.Errorf("%s decoded as %v, want an error", c.in, g)
			continue
		}
		if base.ClassOf(err) != base.ClassInvalidInput {
			t.Errorf("%s: class %v, want invalid input (%v)", c.in, base.ClassOf(err), err)
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: error %q does not mention %s", c.in, err, c.mention)
		}
	}
}

func TestJSONNullKeepsDefault(t *testing.T) {
	var spec struct {
		G Granularity `json:"granularity"`
	}
	spec.G = MustParse("day")
	if err := json.Unmarshal([]byte(`{"granularity":null}`), &spec); err != nil {
		t.Fatal(err)
	}
	if spec.G.Name() != "DAY" {
		t.Errorf("null replaced the default with %v", spec.G)
	}
}

func TestLoadZone(t *testing.T) {
	cases := []struct{ in, id string }{
		{"UTC", "UTC"},
		{"America/Los_Angeles", "America/Los_Angeles"},
		{"+05:30", "+05:30"},
		{"-0800", "-08:00"},
		{"+05", "+05:00"},
		{"+00:00", "UTC"},
		{"Asia/Kolkata", "Asia/Kolkata"},
	}
	for _, c := range cases {
		loc, err := LoadZone(c.in)
		if err != nil {
			t.Errorf("LoadZone(%q): %v", c.in, err)
			continue
		}
		if ZoneID(loc) != c.id {
			t.Errorf("LoadZone(%q) id = %q, want %q", c.in, ZoneID(loc), c.id)
		}
	}
	for _, bad := range []string{"", "Local", "+5", "+24:00", "+05:60", "Nowhere/City", "../etc/passwd", "+05:30:00:00"} {
		if _, err := LoadZone(bad); err == nil || base.ClassOf(err) != base.ClassInvalidInput {
			t.Errorf("LoadZone(%q) = %v, want an invalid-input error", bad, err)
		}
	}
}

func TestSpecialGranularities(t *testing.T) {
	all, none := All(), None()
	if !all.IsAll() || all.IsNone() || !none.IsNone() || none.IsAll() {
		t.Fatal("IsAll/IsNone")
	}
	var zero Granularity
	if !zero.IsNone() || zero.String() != "none" {
		t.Errorf("zero value is %v, want none", zero)
	}
	if all.Floor(12345) != base.MinTime || all.Next(12345) != base.MaxTime {
		t.Error("all bucket")
	}
	if none.Floor(12345) != 12345 || none.Next(12345) != 12346 {
		t.Error("none bucket")
	}
	iv := base.Interval{Start: 10, End: 13}
	if got := slices.Collect(none.Iterate(iv)); len(got) != 3 || got[0] != (base.Interval{Start: 10, End: 11}) {
		t.Errorf("none.Iterate = %v", got)
	}
	if got := slices.Collect(all.Iterate(iv)); len(got) != 1 || got[0] != iv {
		t.Errorf("all.Iterate = %v", got)
	}
	order := []string{"none", "second", "minute", "fifteen_minute", "hour", "day", "week", "month", "quarter", "year", "all"}
	for i := 0; i+1 < len(order); i++ {
		a, b := MustParse(order[i]), MustParse(order[i+1])
		if !a.IsFinerThan(b) || b.IsFinerThan(a) {
			t.Errorf("%s should be finer than %s", order[i], order[i+1])
		}
	}
}

func TestIterate(t *testing.T) {
	g := decode(t, `{"type":"period","period":"P1D","timeZone":"America/Los_Angeles"}`)
	iv, err := base.ParseInterval("2013-03-09T12:00:00Z/2013-03-12T00:00:00Z", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for b := range g.Iterate(iv) {
		got = append(got, base.FormatTimeIn(b.Start, g.Zone())+"/"+base.FormatTimeIn(b.End, g.Zone()))
	}
	want := []string{
		"2013-03-09T00:00:00.000-08:00/2013-03-10T00:00:00.000-08:00",
		"2013-03-10T00:00:00.000-08:00/2013-03-11T00:00:00.000-07:00",
		"2013-03-11T00:00:00.000-07:00/2013-03-12T00:00:00.000-07:00",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Iterate = %q, want %q", got, want)
	}
	if n := len(slices.Collect(MustParse("hour").Iterate(base.Interval{Start: 5, End: 5}))); n != 0 {
		t.Errorf("empty interval yields %d buckets", n)
	}
	// Early exit.
	for range MustParse("hour").Iterate(base.Interval{Start: 0, End: 1e9}) {
		break
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`"all"`, `"day"`, `{"type":"period","period":"P1M1D","timeZone":"America/Los_Angeles","origin":"2012-01-31T00:00:00Z"}`,
		`{"type":"duration","duration":"86400000","origin":"2012-01-01T00:30:00Z"}`, `{"type":"period","period":"PT1.5S","timeZone":"-03:30"}`,
		`{"type":"period","period":"P1Y2M3W4DT5H6M7S","origin":-1000}`, `{"type":"hour"}`, `{`, `null`} {
		f.Add(s, int64(1377910953000))
	}
	f.Fuzz(func(t *testing.T, spec string, at int64) {
		if !json.Valid([]byte(spec)) {
			return
		}
		var g Granularity
		if err := json.Unmarshal([]byte(spec), &g); err != nil {
			if base.ClassOf(err) != base.ClassInvalidInput {
				t.Fatalf("%s: class %v: %v", spec, base.ClassOf(err), err)
			}
			return
		}
		b, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		var g2 Granularity
		if err := json.Unmarshal(b, &g2); err != nil || !g.Equal(g2) {
			t.Fatalf("%s: round trip through %s: %v", spec, b, err)
		}
		at = at % (1 << 45) // ±1100 years around 1970
		if p, ok := g.Period(); ok && p.mode == modeCompound {
			at = at % (1 << 40)
		}
		fl := g.Floor(at)
		if g.IsAll() {
			return
		}
		if fl > at || g.Next(fl) <= at {
			t.Fatalf("%s: bucket [%d, %d) does not hold %d", b, fl, g.Next(fl), at)
		}
		if p, ok := g.Period(); ok && p.mode == modeCompound && p.anchorFor(fl) != p.anchorFor(at) {
			return // an instant and its bucket start on either side of an anchor (see maxSteps)
		}
		if g.Floor(fl) != fl {
			t.Fatalf("%s: Floor(%d) = %d is not a fixed point", b, fl, g.Floor(fl))
		}
	})
}
