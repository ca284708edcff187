package expr

import (
	"math"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// This file reproduces the parts of Joda-Time's ZonedChronology that
// timestamp_shift needs: adding a period field by field, with calendar
// fields (years, months, weeks, days) applied to the local date and mapped
// back to UTC with Joda's rules for DST gaps and overlaps, and time fields
// added as elapsed time.

// zoneOffset is the zone's offset from UTC at instant ms, in ms.
func zoneOffset(zone *time.Location, ms int64) int64 {
	_, off := time.UnixMilli(ms).In(zone).Zone()
	return int64(off) * 1000
}

// nextTransition is the first offset change strictly after ms, or
// math.MaxInt64 when there is none.
func nextTransition(zone *time.Location, ms int64) int64 {
	_, end := time.UnixMilli(ms).In(zone).ZoneBounds()
	if end.IsZero() {
		return math.MaxInt64
	}
	return end.UnixMilli()
}

// localToUTC is Joda's DateTimeZone.convertLocalToUTC(local, false,
// original): keep the original instant's offset when it is valid for the
// new local time (so overlaps resolve to the side the original was on);
// otherwise take the offset at the local time, and inside a gap move
// forward by the gap's length.
func localToUTC(zone *time.Location, local, original int64) int64 {
	offOrig := zoneOffset(zone, original)
	if utc := local - offOrig; zoneOffset(zone, utc) == offOrig {
		return utc
	}
	offLocal := zoneOffset(zone, local)
	off := zoneOffset(zone, local-offLocal)
	if offLocal != off && offLocal < 0 {
		nextLocal := nextTransition(zone, local-offLocal)
		if nextLocal == local-offLocal {
			nextLocal = math.MaxInt64
		}
		nextAdjusted := nextTransition(zone, local-off)
		if nextAdjusted == local-off {
			nextAdjusted = math.MaxInt64
		}
		if nextLocal != nextAdjusted {
			off = offLocal // in the gap
		}
	}
	return local - off
}

// jodaAddPeriod is Joda's chronology.add(period, instant, scalar) in zone.
func jodaAddPeriod(zone *time.Location, ms int64, p base.Period, scalar int) int64 {
	calendar := func(years, months, days int) {
		local := ms + zoneOffset(zone, ms)
		t := time.UnixMilli(local).UTC()
		if years != 0 || months != 0 {
			y, m, d := t.Date()
			total := int(m) - 1 + months + 12*years
			ny, nm := y+floorDivInt(total, 12), time.Month(floorModInt(total, 12)+1)
			if dim := base.DaysIn(ny, nm); d > dim {
				d = dim
			}
			hh, mm, ss := t.Clock()
			t = time.Date(ny, nm, d, hh, mm, ss, t.Nanosecond(), time.UTC)
		}
		if days != 0 {
			t = t.AddDate(0, 0, days)
		}
		ms = localToUTC(zone, t.UnixMilli(), ms)
	}
	if p.Years != 0 {
		calendar(p.Years*scalar, 0, 0)
	}
	if p.Months != 0 {
		calendar(0, p.Months*scalar, 0)
	}
	if p.Weeks != 0 {
		calendar(0, 0, 7*p.Weeks*scalar)
	}
	if p.Days != 0 {
		calendar(0, 0, p.Days*scalar)
	}
	ms += (int64(p.Hours)*3600000 + int64(p.Minutes)*60000 + int64(p.Seconds)*1000 + int64(p.Millis)) * int64(scalar)
	return ms
}

func floorDivInt(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorModInt(a, b int) int { return a - floorDivInt(a, b)*b }

// previousTransition is the last offset change strictly before ms, or ms
// itself when there is none.
func previousTransition(zone *time.Location, ms int64) int64 {
	start, _ := time.UnixMilli(ms).In(zone).ZoneBounds()
	if start.IsZero() {
		return ms
	}
	s := start.UnixMilli()
	if s == ms {
		start, _ = time.UnixMilli(ms - 1).In(zone).ZoneBounds()
		if start.IsZero() {
			return ms
		}
		s = start.UnixMilli()
	}
	return s
}

// offsetFromLocal is Joda's DateTimeZone.getOffsetFromLocal: the offset to
// subtract from a local time; in an overlap the earlier instant wins, in a
// gap the result lies after the gap.
func offsetFromLocal(zone *time.Location, local int64) int64 {
	offLocal := zoneOffset(zone, local)
	adjusted := local - offLocal
	offAdjusted := zoneOffset(zone, adjusted)
	if offLocal != offAdjusted {
		if offLocal-offAdjusted < 0 {
			nextLocal := nextTransition(zone, adjusted)
			if nextLocal == local-offLocal {
				nextLocal = math.MaxInt64
			}
			nextAdjusted := nextTransition(zone, local-offAdjusted)
			if nextAdjusted == local-offAdjusted {
				nextAdjusted = math.MaxInt64
			}
			if nextLocal != nextAdjusted {
				return offLocal
			}
		}
	} else if offLocal >= 0 {
		if prev := previousTransition(zone, adjusted); prev < adjusted {
			offPrev := zoneOffset(zone, prev-1)
			if adjusted-prev <= offPrev-offLocal {
				return offPrev
			}
		}
	}
	return offAdjusted
}

// parseLocalTime reads an ISO-8601 or SQL timestamp in zone as Joda's
// parsers do: a string with an explicit offset is exact; otherwise the
// local time maps to UTC with offsetFromLocal, and a local time that does
// not exist (inside a DST gap) fails.
func parseLocalTime(s string, zone *time.Location) (int64, bool) {
	local, err := base.ParseTime(s, time.UTC)
	if err != nil {
		return 0, false
	}
	if zone == time.UTC {
		return local, true
	}
	// With an explicit offset the result does not depend on the zone.
	if other, err := base.ParseTime(s, time.FixedZone("probe", 3600)); err == nil && other == local {
		return local, true
	}
	off := offsetFromLocal(zone, local)
	ms := local - off
	if zoneOffset(zone, ms) != off {
		return 0, false // inside a DST gap: Joda's IllegalInstantException
	}
	return ms, true
}
