package granularity

import (
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"pgregory.net/rapid"
)

var propertyZones = []string{"UTC", "America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "+05:30", "-03:00",
	"Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kathmandu", "Pacific/Apia"}

func genPeriod(t *rapid.T, maxFields int) base.Period {
	var p base.Period
	ptrs := []*int{&p.Years, &p.Months, &p.Weeks, &p.Days, &p.Hours, &p.Minutes, &p.Seconds, &p.Millis}
	limits := []int{3, 14, 3, 8, 30, 90, 90, 1500}
	n := rapid.IntRange(1, maxFields).Draw(t, "fields")
	for i := 0; i < n; i++ {
		f := rapid.IntRange(0, 7).Draw(t, "field")
		*ptrs[f] = rapid.IntRange(1, limits[f]).Draw(t, "value")
	}
	return p
}

func genGranularity(t *rapid.T, maxFields int) *PeriodGranularity {
	p := genPeriod(t, maxFields)
	loc, err := LoadZone(rapid.SampledFrom(propertyZones).Draw(t, "zone"))
	if err != nil {
		t.Fatal(err)
	}
	var origin *int64
	if rapid.Bool().Draw(t, "hasOrigin") {
		o := rapid.Int64Range(-3e12, 3e12).Draw(t, "origin")
		origin = &o
	}
	g, err := NewPeriod(p, origin, loc)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Every instant lies in the bucket Floor gives it, bucket starts are fixed
// points, and Ceil is the next boundary.
func TestPropertyBuckets(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := genGranularity(t, 2)
		at := rapid.Int64Range(-4e12, 4e12).Draw(t, "at") // years 1843..2096
		f := g.Floor(at)
		next := g.Next(f)
		if f > at || next <= at {
			t.Fatalf("%v: bucket [%s, %s) does not hold %s", g.Period, base.FormatTimeIn(f, g.Zone), base.FormatTimeIn(next, g.Zone), base.FormatTimeIn(at, g.Zone))
		}
		if g.Floor(f) != f {
			t.Fatalf("%v: Floor(%s) = %s", g.Period, base.FormatTimeIn(f, g.Zone), base.FormatTimeIn(g.Floor(f), g.Zone))
		}
		if c := g.Ceil(at); c < at || (c != at && c != next) {
			t.Fatalf("%v: Ceil(%d) = %d", g.Period, at, c)
		}
		dst := make([]int64, 1)
		g.FloorBatch(dst, []int64{at})
		if dst[0] != f {
			t.Fatalf("FloorBatch = %d, Floor = %d", dst[0], f)
		}
	})
}

// The arithmetic fast paths agree with Joda's field-by-field algorithms
// they replace.
func TestPropertyFastPathsMatchJodaAlgorithms(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := genGranularity(t, 1)
		if g.mode != modeArith {
			t.Skip("not a fast path")
		}
		slow := *g
		if g.n > 1 || g.Origin != nil {
			slow.mode = modeDiff
		} else {
			slow.mode = modeLocal
		}
		at := rapid.Int64Range(-4e12, 4e12).Draw(t, "at")
		if a, b := g.Floor(at), slow.Floor(at); a != b {
			t.Fatalf("%v in %s origin %v: fast Floor(%s) = %s, Joda algorithm %s", g.Period, ZoneID(g.Zone), g.Origin,
				base.FormatTimeIn(at, g.Zone), base.FormatTimeIn(a, g.Zone), base.FormatTimeIn(b, g.Zone))
		}
		f := g.Floor(at)
		if a, b := g.Next(f), slow.add(f, 1); a != b {
			t.Fatalf("%v: fast Next = %d, Joda add = %d", g.Period, a, b)
		}
	})
}

// For days, weeks and time fields, counting from the origin equals stepping
// from it (the compound algorithm), in every zone.
func TestPropertyDiffMatchesStepping(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := genGranularity(t, 1)
		if g.field < fWeeks || g.mode == modeIdentity {
			t.Skip("months and years clamp differently when stepping")
		}
		if g.Origin == nil && g.n == 1 {
			t.Skip("one unit without origin truncates local fields instead of counting")
		}
		if g.hourQuirk() {
			t.Skip("Druid aligns multi-hour buckets to local hours when the origin is before 1970")
		}
		if !g.z.fixed && g.field <= fDays && g.Origin != nil {
			// An origin whose local time falls in a DST gap on some day
			// moves stepped buckets to the end of the gap for good.
			t.Skip("stepping from an arbitrary local time of day differs across gaps")
		}
		if z := ZoneID(g.Zone); (z == "America/Sao_Paulo" || z == "Pacific/Apia") && g.field <= fDays {
			// Midnight DST gaps (Sao Paulo) shift the wall clock of stepped
			// buckets for good; Apia skipped 2011-12-30 altogether.
			t.Skip("stepping and counting local days differ across these transitions")
		}
		step := *g
		step.mode = modeCompound
		at := rapid.Int64Range(-1e11, 1e11).Draw(t, "at")
		if a, b := g.Floor(at), step.Floor(at); a != b {
			t.Fatalf("%v in %s origin %v: Floor(%s) = %s, stepping %s", g.Period, ZoneID(g.Zone), g.Origin,
				base.FormatTimeIn(at, g.Zone), base.FormatTimeIn(a, g.Zone), base.FormatTimeIn(b, g.Zone))
		}
	})
}

func TestZoneConversions(t *testing.T) {
	la := newZone(mustLoad(t, "America/Los_Angeles"))
	// In the spring gap local 02:30 resolves after the gap, as Joda does.
	gap := localOf(2013, 3, 10, 2*msHour+30*msMinute)
	if got := base.FormatTimeIn(la.fromLocal(gap), la.loc); got != "2013-03-10T03:30:00.000-07:00" {
		t.Errorf("gap resolves to %s", got)
	}
	// In the autumn overlap local 01:30 is the earlier instant...
	ov := localOf(2013, 11, 3, msHour+30*msMinute)
	if got := base.FormatTimeIn(la.fromLocal(ov), la.loc); got != "2013-11-03T01:30:00.000-07:00" {
		t.Errorf("overlap resolves to %s", got)
	}
	// ...unless the hint says otherwise.
	hint := ms(t, "2013-11-03T09:45:00Z")
	if got := base.FormatTimeIn(la.fromLocalHint(ov, hint), la.loc); got != "2013-11-03T01:30:00.000-08:00" {
		t.Errorf("overlap with hint resolves to %s", got)
	}
	// Rule-based years after the tz database's explicit transitions (Go
	// reports pseudo zone boundaries at their year ends).
	for _, c := range []struct {
		at   string
		want int64
	}{{"2041-03-10T09:59:59Z", -8 * msHour}, {"2041-03-10T10:00:00Z", -7 * msHour}, {"2040-12-31T12:00:00Z", -8 * msHour}, {"2099-07-01T00:00:00Z", -7 * msHour}} {
		if got := la.offset(ms(t, c.at)); got != c.want {
			t.Errorf("offset at %s = %d, want %d", c.at, got, c.want)
		}
	}
	berlin := newZone(mustLoad(t, "Europe/Berlin"))
	ov = localOf(2013, 10, 27, 2*msHour+30*msMinute)
	if got := base.FormatTimeIn(berlin.fromLocal(ov), berlin.loc); got != "2013-10-27T02:30:00.000+02:00" {
		t.Errorf("Berlin overlap resolves to %s", got)
	}
	gap = localOf(2013, 3, 31, 2*msHour+30*msMinute)
	if got := base.FormatTimeIn(berlin.fromLocal(gap), berlin.loc); got != "2013-03-31T03:30:00.000+02:00" {
		t.Errorf("Berlin gap resolves to %s", got)
	}
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestCalendar(t *testing.T) {
	for days := int64(-800000); days < 800000; days += 997 {
		y, m, d := civil(days)
		if back := daysFromCivil(y, m, d); back != days {
			t.Fatalf("civil(%d) = %d-%d-%d, back %d", days, y, m, d, back)
		}
		tm := time.Unix(days*86400, 0).UTC()
		if int64(tm.Year()) != y || int(tm.Month()) != m || tm.Day() != d {
			t.Fatalf("civil(%d) = %d-%d-%d, time says %v", days, y, m, d, tm)
		}
	}
	cases := []struct {
		a, b  string
		years int64
		month int64
	}{
		{"2013-02-28", "2012-02-29", 1, 12}, // Joda counts Feb 29 to Feb 28 as a whole year
		{"2013-03-01", "2012-02-29", 1, 12},
		{"2012-02-29", "2011-02-28", 1, 12},
		{"2012-02-28", "2011-03-01", 0, 11},
		{"2013-03-31", "2013-01-31", 0, 2},
		{"2013-02-28", "2013-01-31", 0, 1},
		{"2013-02-27", "2013-01-31", 0, 0},
		{"2012-01-31", "2013-02-28", -1, -13},
	}
	for _, c := range cases {
		a, b := ms(t, c.a), ms(t, c.b)
		if got := yearDiff(a, b); got != c.years {
			t.Errorf("yearDiff(%s, %s) = %d, want %d", c.a, c.b, got, c.years)
		}
		if got := monthDiff(a, b); got != c.month {
			t.Errorf("monthDiff(%s, %s) = %d, want %d", c.a, c.b, got, c.month)
		}
	}
}

// The offset table agrees with the time package everywhere in its range
// and just around each transition.
func TestPropertyOffsetTable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		loc, err := LoadZone(rapid.SampledFrom(propertyZones).Draw(t, "zone"))
		if err != nil {
			t.Fatal(err)
		}
		z := newZone(loc)
		at := rapid.Int64Range(tableStart-1e11, tableEnd+1e11).Draw(t, "at")
		probes := []int64{at}
		if !z.fixed {
			next := z.nextTransition(at)
			probes = append(probes, next-1, next, next+1)
		}
		for _, p := range probes {
			_, off := time.UnixMilli(p).In(loc).Zone()
			if got := z.offset(p); got != int64(off)*1000 {
				t.Fatalf("%s: offset(%d) = %d, time says %d", ZoneID(loc), p, got, int64(off)*1000)
			}
		}
	})
}
