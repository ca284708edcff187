package granularity

import (
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// PeriodGranularity buckets time by an ISO-8601 period in a time zone,
// counting buckets from an origin, exactly as Druid's PeriodGranularity.
//
// Without an origin, calendar periods of one unit (P1Y, P1M, P1W, P1D, PT1H,
// PT1M, PT1S) truncate the local calendar fields in the zone: P1D in
// America/Los_Angeles floors to local midnight, across DST changes; P1W
// floors to Monday. Multiples (P2D, PT6H, P3M) count whole periods from the
// default origin, 1970-01-01T00:00 local time in the zone. With an origin,
// buckets count from it, whatever the period. Years, months, weeks and days
// are counted on the local calendar; hours and smaller are elapsed time.
// Compound periods (P1DT12H, PT1H30M) step from the origin, adding the
// period repeatedly, as Druid does.
//
// Create values with NewPeriod; the exported fields describe the
// granularity and must not be changed afterwards. A *PeriodGranularity is
// immutable and safe for concurrent use.
type PeriodGranularity struct {
	Period base.Period
	Origin *int64         // ms since the epoch; nil for the default origin
	Zone   *time.Location // never nil after NewPeriod; time.UTC by default

	z      zone
	origin int64 // the effective origin
	mode   mode
	unit   int64 // modeArith: bucket length in ms
	anchor int64 // modeArith: a bucket start
	field  field // modeLocal, modeDiff: the period's only field
	n      int64 // modeDiff: the field's value
	fixed  int64 // > 0 when every bucket has this length in ms
}

type mode uint8

const (
	modeArith    mode = iota // fixed-length buckets: t - floorMod(t-anchor, unit)
	modeIdentity             // PT0.001S: every millisecond is a bucket
	modeLocal                // one calendar unit, no origin: truncate local fields
	modeDiff                 // n units counted from the origin
	modeCompound             // several fields: step from the origin
)

type field uint8

const (
	fYears field = iota
	fMonths
	fWeeks
	fDays
	fHours
	fMinutes
	fSeconds
	fMillis
)

var fieldUnit = [...]int64{0, 0, msWeek, msDay, msHour, msMinute, msSecond, 1}

func periodValues(p base.Period) [8]int64 {
	return [8]int64{int64(p.Years), int64(p.Months), int64(p.Weeks), int64(p.Days),
		int64(p.Hours), int64(p.Minutes), int64(p.Seconds), int64(p.Millis)}
}

// NewPeriod validates p and prepares a period granularity. origin is in ms
// since the epoch (nil: 1970-01-01T00:00 local time in zone); zone nil means
// UTC. Periods must be positive: every field ≥ 0 and at least one > 0.
func NewPeriod(p base.Period, origin *int64, zone *time.Location) (*PeriodGranularity, error) {
	vals := periodValues(p)
	nonzero := 0
	var only field
	for i, v := range vals {
		if v < 0 {
			return nil, base.Errorf(base.ClassInvalidInput, "invalid granularity period %q: fields must not be negative", p.String())
		}
		if v > 0 {
			nonzero++
			only = field(i)
		}
	}
	if nonzero == 0 {
		return nil, base.Errorf(base.ClassInvalidInput, "invalid granularity period %q: must be longer than zero", p.String())
	}
	if zone == nil {
		zone = time.UTC
	}
	g := &PeriodGranularity{Period: p, Zone: zone, z: newZone(zone)}
	if origin != nil {
		o := *origin
		g.Origin = &o
		g.origin = o
	} else {
		g.origin = g.z.fromLocalHint(0, 0)
	}
	hasOrigin := origin != nil

	// Standard length when Y and M are absent (weeks = 7 days, days = 24 h).
	std, hasStd := int64(0), vals[fYears] == 0 && vals[fMonths] == 0
	for i := fWeeks; i <= fMillis; i++ {
		std += vals[i] * fieldUnit[i]
	}
	timeOnly := hasStd && vals[fWeeks] == 0 && vals[fDays] == 0
	if hasStd && (g.z.fixed || timeOnly) {
		g.fixed = std
	}

	if nonzero > 1 {
		if g.fixed > 0 {
			g.mode, g.unit, g.anchor = modeArith, std, g.origin
		} else {
			g.mode = modeCompound
		}
		return g, nil
	}
	v := vals[only]
	g.field, g.n = only, v
	switch {
	case only == fMillis && v == 1:
		g.mode = modeIdentity
	case only >= fWeeks && (v > 1 || hasOrigin) && g.fixed > 0 && !g.hourQuirk():
		g.mode, g.unit, g.anchor = modeArith, std, g.origin
	case v > 1 || hasOrigin:
		g.mode = modeDiff
	case only >= fWeeks && g.z.fixed:
		// One unit, no origin, fixed offset: truncating local fields is
		// arithmetic from local midnight of 1970-01-01 (a Thursday; weeks
		// start on the following Monday).
		g.mode, g.unit, g.anchor = modeArith, std, -g.z.off
		if only == fWeeks {
			g.anchor += 4 * msDay
		}
	default:
		g.mode = modeLocal
	}
	return g, nil
}

// Floor returns the start of the bucket containing ms.
func (g *PeriodGranularity) Floor(ms int64) int64 {
	switch g.mode {
	case modeArith:
		// Constant divisors compile to multiplications.
		switch g.unit {
		case msHour:
			return ms - floorMod(ms-g.anchor, msHour)
		case msDay:
			return ms - floorMod(ms-g.anchor, msDay)
		case msMinute:
			return ms - floorMod(ms-g.anchor, msMinute)
		}
		return ms - floorMod(ms-g.anchor, g.unit)
	case modeIdentity:
		return ms
	case modeLocal:
		return g.floorLocal(ms)
	case modeDiff:
		return g.floorDiff(ms)
	}
	return g.floorCompound(ms)
}

// FloorBatch stores Floor(src[i]) in dst[i]; dst must be at least as long
// as src and may be src itself. It is the fast path for columns of
// timestamps.
func (g *PeriodGranularity) FloorBatch(dst, src []int64) {
	dst = dst[:len(src)]
	if g.mode != modeArith {
		for i, t := range src {
			dst[i] = g.Floor(t)
		}
		return
	}
	a := g.anchor
	// Constant divisors let the compiler replace division by multiplication.
	switch g.unit {
	case msSecond:
		for i, t := range src {
			dst[i] = t - floorMod(t-a, msSecond)
		}
	case msMinute:
		for i, t := range src {
			dst[i] = t - floorMod(t-a, msMinute)
		}
	case msHour:
		for i, t := range src {
			dst[i] = t - floorMod(t-a, msHour)
		}
	case msDay:
		for i, t := range src {
			dst[i] = t - floorMod(t-a, msDay)
		}
	default:
		u := g.unit
		for i, t := range src {
			dst[i] = t - floorMod(t-a, u)
		}
	}
}

// Next returns the start of the bucket after the one starting at ms (ms
// plus the period, in the zone).
func (g *PeriodGranularity) Next(ms int64) int64 {
	if g.fixed > 0 {
		return ms + g.fixed
	}
	return g.add(ms, 1)
}

// Ceil returns the smallest bucket boundary ≥ ms.
func (g *PeriodGranularity) Ceil(ms int64) int64 {
	f := g.Floor(ms)
	if f == ms {
		return ms
	}
	return g.Next(f)
}

// Bucket returns the bucket containing ms.
func (g *PeriodGranularity) Bucket(ms int64) base.Interval {
	f := g.Floor(ms)
	return base.Interval{Start: f, End: g.Next(f)}
}

// EffectiveOrigin is the instant buckets are counted from: the origin, or
// 1970-01-01T00:00 local time in the zone.
func (g *PeriodGranularity) EffectiveOrigin() int64 { return g.origin }

// FixedMillis returns the bucket length when every bucket has the same
// length (periods without years or months, in a zone without offset
// changes, or periods of hours and smaller in any zone).
func (g *PeriodGranularity) FixedMillis() (int64, bool) { return g.fixed, g.fixed > 0 }

// add adds the period multiplied by k, field by field, as Joda's
// chronology.add(period, instant, k) does.
func (g *PeriodGranularity) add(ms int64, k int64) int64 {
	vals := periodValues(g.Period)
	for f, v := range vals {
		if v != 0 {
			ms = g.addField(field(f), ms, v*k)
		}
	}
	return ms
}

// addField is Joda's zoned duration field add: calendar fields move the
// local date, time fields add elapsed time.
func (g *PeriodGranularity) addField(f field, ms, v int64) int64 {
	switch f {
	case fYears:
		return g.z.fromLocal(addYears(g.z.toLocal(ms), v))
	case fMonths:
		return g.z.fromLocal(addMonths(g.z.toLocal(ms), v))
	case fWeeks, fDays:
		return g.z.fromLocal(g.z.toLocal(ms) + v*fieldUnit[f])
	}
	return ms + v*fieldUnit[f]
}

// diffField is Joda's zoned duration field getDifferenceAsLong(a, b).
func (g *PeriodGranularity) diffField(f field, a, b int64) int64 {
	switch f {
	case fYears:
		return yearDiff(g.z.toLocal(a), g.z.toLocal(b))
	case fMonths:
		return monthDiff(g.z.toLocal(a), g.z.toLocal(b))
	case fWeeks, fDays:
		return (g.z.toLocal(a) - g.z.toLocal(b)) / fieldUnit[f]
	}
	return (a - b) / fieldUnit[f]
}

func (g *PeriodGranularity) floorDiff(t int64) int64 {
	d := g.diffField(g.field, t, g.origin)
	d -= d % g.n
	tt := g.addField(g.field, g.origin, d)
	switch {
	case g.field <= fDays:
		// Calendar fields step back from the origin itself.
		if t < tt {
			tt = g.addField(g.field, g.origin, d-g.n)
		}
	case g.field == fHours && g.origin < 0:
		// Druid truncates the bucket start to the local hour when the
		// origin is before 1970 (1970-01-01 local time east of UTC), which
		// aligns multi-hour buckets to local hours in zones whose offset
		// moved by a fraction of an hour since 1970 (Asia/Kathmandu). It
		// does so only for instants after the untruncated start; dryad
		// uses the truncated grid throughout, so buckets stay consistent,
		// and picks the last truncated start at or before t.
		best, found := int64(0), false
		for _, k := range [3]int64{d - g.n, d, d + g.n} {
			c := g.truncHour(g.addField(fHours, g.origin, k))
			if c <= t && (!found || c > best) {
				best, found = c, true
			}
		}
		if found {
			tt = best
		} else {
			tt = g.truncHour(g.addField(fHours, g.origin, d-2*g.n))
		}
	case t < tt:
		// Druid keeps tt (after t) here for hours when the origin is not
		// after 1970; dryad floors, as it does for every other field.
		tt = g.addField(g.field, tt, -g.n)
	}
	// Month-end clamping (origin Dec 31: Dec 31 - P1M = Nov 30, and
	// Nov 30 + P1M = Dec 30) and the hour truncation above can give a
	// bucket that ends before t; move to the bucket that holds t, which is
	// where Druid's bucket iteration puts the row.
	for i := 0; i < 4; i++ {
		next := g.addField(g.field, tt, g.n)
		if next > t || next <= tt {
			break
		}
		tt = next
	}
	return tt
}

// truncHour is Druid's minuteOfHour().roundFloor then set(0): the start
// of the local hour holding t.
func (g *PeriodGranularity) truncHour(t int64) int64 {
	return g.setZero(g.roundTime(t, msMinute), msHour)
}

// hourQuirk reports whether Druid's local-hour truncation of multi-hour
// buckets (see floorDiff) can move a bucket start: the period is in hours,
// the origin is before 1970, and some offset of the zone differs from the
// origin's local alignment by a fraction of an hour.
func (g *PeriodGranularity) hourQuirk() bool {
	if g.field != fHours || g.origin >= 0 {
		return false
	}
	if g.z.fixed {
		return floorMod(g.origin+g.z.off, msHour) != 0
	}
	return true // offsets vary; take the exact path
}

// floorLocal truncates the local calendar fields for a one-unit period
// without origin, as Druid's roundFloor calls do (date fields resolve DST
// overlaps by the original instant's offset and gaps forwards; time
// fields truncate with the instant's own offset).
func (g *PeriodGranularity) floorLocal(t int64) int64 {
	z := g.z
	switch g.field {
	case fYears:
		y, _, _, _ := fields(z.toLocal(t))
		return z.fromLocalHint(yearStart(y), t)
	case fMonths:
		y, m, _, _ := fields(z.toLocal(t))
		return z.fromLocalHint(localOf(y, m, 1, 0), t)
	case fWeeks:
		l := z.toLocal(t)
		t1 := z.fromLocalHint(l-floorMod(l, msDay), t)
		l1 := z.toLocal(t1)
		dow := floorMod(floorDiv(l1, msDay)+3, 7) // Monday = 0
		return z.fromLocalHint(l1-dow*msDay, t1)
	case fDays:
		// dayOfMonth().roundFloor: local midnight.
		l := z.toLocal(t)
		return z.fromLocalHint(l-floorMod(l, msDay), t)
	case fHours:
		return g.roundTime(t, msHour) // hourOfDay().roundFloor
	case fMinutes:
		return g.roundTime(t, msMinute) // minuteOfHour().roundFloor
	case fSeconds:
		return g.setZero(t, msSecond)
	}
	return t
}

// roundTime floors t to unit on the local clock using t's own offset, as a
// zoned time field's roundFloor does.
func (g *PeriodGranularity) roundTime(t, unit int64) int64 {
	off := g.z.offset(t)
	l := t + off
	return l - floorMod(l, unit) - off
}

// setZero clears the local fields below unit (a zoned field set to 0).
func (g *PeriodGranularity) setZero(t, unit int64) int64 {
	l := g.z.toLocal(t)
	return g.z.fromLocalHint(l-floorMod(l, unit), t)
}

// maxSteps bounds the stepping of compound periods with calendar fields.
// Within maxSteps periods of the origin Floor steps exactly as Druid does;
// beyond, it steps from the nearest anchor origin + j·maxSteps·period
// (added in one go) at or before the instant, so that far instants cost
// at most about maxSteps steps (Druid steps all the way, which takes
// minutes) and every instant between two anchors uses the same grid.
const maxSteps = 1 << 16

// anchorFor returns where the walk for t starts: the origin when t is
// within maxSteps periods of it, otherwise the last anchor at or before t.
func (g *PeriodGranularity) anchorFor(t int64) int64 {
	est := g.estimateSteps(t)
	if est >= -maxSteps && est < maxSteps {
		return g.origin
	}
	j := floorDiv(est, maxSteps)
	a := g.add(g.origin, j*maxSteps)
	for i := 0; i < 8 && a > t; i++ { // the estimate was high
		j--
		a = g.add(g.origin, j*maxSteps)
	}
	for i := 0; i < 8; i++ { // the estimate was low
		next := g.add(g.origin, (j+1)*maxSteps)
		if next > t || next <= a {
			break
		}
		j, a = j+1, next
	}
	return a
}

func (g *PeriodGranularity) floorCompound(t int64) int64 {
	start := g.anchorFor(t)
	// The walks are bounded so that instants beyond the supported range
	// (where field arithmetic overflows) cannot loop for ever.
	budget := 4 * maxSteps
	cur := start
	for t < cur && budget > 0 {
		prev := g.add(cur, -1)
		if prev >= cur {
			return cur
		}
		cur = prev
		budget--
	}
	// Walk forward until the bucket holds t. After a backward walk this
	// also repairs Druid's answer: subtracting a compound period does not
	// undo adding it (P1M1W from Dec 1 lands on Nov 24, and Nov 24 plus
	// P1M1W is Dec 31), so the bucket found walking back may end before t.
	for budget > 0 {
		next := g.add(cur, 1)
		if next > t || next <= cur {
			return cur
		}
		cur = next
		budget--
	}
	return cur
}

// estimateSteps approximates how many periods lie between the origin and t.
func (g *PeriodGranularity) estimateSteps(t int64) int64 {
	approx := float64(g.Period.Years)*365.2425*float64(msDay) + float64(g.Period.Months)*30.436875*float64(msDay)
	vals := periodValues(g.Period)
	for f := fWeeks; f <= fMillis; f++ {
		approx += float64(vals[f] * fieldUnit[f])
	}
	e := (float64(t) - float64(g.origin)) / approx
	if e > 1<<60 {
		return 1 << 60
	}
	if e < -(1 << 60) {
		return -(1 << 60)
	}
	return int64(e)
}
