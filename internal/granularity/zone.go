package granularity

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// LoadZone resolves a Joda time zone id as Druid accepts it in "timeZone"
// fields: "UTC", an IANA name such as "America/Los_Angeles", or a fixed
// offset "+05:30", "-08:00", "+0530" or "+05". Offsets of zero give
// time.UTC. Fixed offsets get the Joda id ("+05:30") as their name, so
// Location.String returns what Druid prints back.
//
// IANA names are looked up with time.LoadLocation: the binary must embed the
// tz database (import _ "time/tzdata" in package main) to be independent of
// the host. "Local" and the empty string are rejected, as Joda rejects them.
func LoadZone(name string) (*time.Location, error) {
	switch name {
	case "UTC", "Z", "Etc/UTC", "GMT", "Etc/GMT", "UCT", "Zulu", "Universal":
		return time.UTC, nil
	case "", "Local":
		return nil, base.Errorf(base.ClassInvalidInput, "unknown time zone %q", name)
	}
	if name[0] == '+' || name[0] == '-' {
		off, ok := parseOffset(name)
		if !ok {
			return nil, base.Errorf(base.ClassInvalidInput, "invalid time zone offset %q: want ±HH, ±HHmm or ±HH:mm", name)
		}
		if off == 0 {
			return time.UTC, nil
		}
		return time.FixedZone(formatOffset(off), off), nil
	}
	if strings.ContainsAny(name, " \t\n\\") || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return nil, base.Errorf(base.ClassInvalidInput, "unknown time zone %q", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "unknown time zone %q: %w", name, err)
	}
	return loc, nil
}

// parseOffset parses ±HH, ±HHmm, ±HH:mm (and seconds, ±HH:mm:ss) into
// seconds east of UTC.
func parseOffset(s string) (int, bool) {
	sign := 1
	switch s[0] {
	case '-':
		sign = -1
	case '+':
	default:
		return 0, false
	}
	s = s[1:]
	parts := []string{}
	switch {
	case strings.Contains(s, ":"):
		parts = strings.Split(s, ":")
	case len(s) == 2:
		parts = []string{s}
	case len(s) == 4:
		parts = []string{s[:2], s[2:]}
	case len(s) == 6:
		parts = []string{s[:2], s[2:4], s[4:]}
	default:
		return 0, false
	}
	if len(parts) > 3 {
		return 0, false
	}
	limits := []int{23, 59, 59}
	total := 0
	for i, p := range parts {
		if len(p) != 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
			return 0, false
		}
		v, _ := strconv.Atoi(p)
		if v > limits[i] {
			return 0, false
		}
		total = total*60 + v
	}
	for i := len(parts); i < 3; i++ {
		total *= 60
	}
	return sign * total, true
}

// formatOffset prints seconds east of UTC as Joda prints a fixed zone id:
// "+05:30", "-08:00", "+05:30:15" when there are seconds.
func formatOffset(off int) string {
	var b strings.Builder
	if off < 0 {
		b.WriteByte('-')
		off = -off
	} else {
		b.WriteByte('+')
	}
	two := func(n int) {
		b.WriteByte(byte('0' + n/10))
		b.WriteByte(byte('0' + n%10))
	}
	two(off / 3600)
	b.WriteByte(':')
	two(off / 60 % 60)
	if off%60 != 0 {
		b.WriteByte(':')
		two(off % 60)
	}
	return b.String()
}

// ZoneID returns the Joda id of loc: "UTC" for UTC or a nil location,
// otherwise the name it was loaded with.
func ZoneID(loc *time.Location) string {
	if loc == nil || loc == time.UTC {
		return "UTC"
	}
	return loc.String()
}

// zone answers the questions Joda's DateTimeZone answers, on milliseconds.
// Local milliseconds are UTC milliseconds plus the zone offset, i.e. the
// wall-clock reading counted as if it were UTC.
type zone struct {
	loc   *time.Location
	fixed bool
	off   int64 // the offset in ms, when fixed
	tab   *offsetTable
}

// offsetTable caches a zone's offsets between 1900 and 2100 as sorted
// transition instants, built on first use: looking an offset up in it is
// several times faster than time.Time.Zone for instants away from now.
// It is safe for concurrent use.
type offsetTable struct {
	once   sync.Once
	loc    *time.Location
	starts []int64 // starts[i] begins a period with offset offs[i]
	offs   []int64
	// index[b] is the period in force at the start of the b-th slice of
	// 2^35 ms (about 398 days) after tableStart; a slice holds few
	// transitions, so a lookup scans one or two entries.
	index []int32
}

const tableShift = 35

const (
	tableStart = int64(-2208988800000) // 1900-01-01T00:00:00Z
	tableEnd   = int64(4102444800000)  // 2100-01-01T00:00:00Z
)

func (t *offsetTable) build() {
	at := tableStart
	for at < tableEnd {
		tm := time.UnixMilli(at).In(t.loc)
		_, off := tm.Zone()
		if n := len(t.offs); n == 0 || t.offs[n-1] != int64(off)*1000 {
			t.starts = append(t.starts, at)
			t.offs = append(t.offs, int64(off)*1000)
		}
		_, end := tm.ZoneBounds()
		switch {
		case end.IsZero():
			at = tableEnd
		case end.UnixMilli() <= at:
			// time reports pseudo-boundaries at year ends of rule-based
			// years and can return the instant itself; step past it.
			at += msHour
		default:
			at = end.UnixMilli()
		}
	}
	n := int((tableEnd-tableStart)>>tableShift) + 1
	t.index = make([]int32, n)
	i := 0
	for b := range n {
		bs := tableStart + int64(b)<<tableShift
		for i+1 < len(t.starts) && t.starts[i+1] <= bs {
			i++
		}
		t.index[b] = int32(i)
	}
}

// find returns the period in force at ms, which must lie in the table's
// range.
func (t *offsetTable) find(ms int64) int {
	t.once.Do(t.build)
	i := int(t.index[(ms-tableStart)>>tableShift])
	for i+1 < len(t.starts) && t.starts[i+1] <= ms {
		i++
	}
	return i
}

// lookup returns the offset at ms, which must lie in the table's range.
func (t *offsetTable) lookup(ms int64) int64 { return t.offs[t.find(ms)] }

// next returns the first offset change after ms, if the table holds it.
func (t *offsetTable) next(ms int64) (int64, bool) {
	i := t.find(ms)
	if i+1 < len(t.starts) {
		return t.starts[i+1], true
	}
	return 0, false
}

// start returns the offset change that began the period holding ms, if
// the table holds it.
func (t *offsetTable) start(ms int64) (int64, bool) {
	i := t.find(ms)
	if i > 0 {
		return t.starts[i], true
	}
	return 0, false
}

func newZone(loc *time.Location) zone {
	if loc == nil || loc == time.UTC {
		return zone{loc: time.UTC, fixed: true}
	}
	t := time.Unix(0, 0).In(loc)
	start, end := t.ZoneBounds()
	if start.IsZero() && end.IsZero() {
		_, off := t.Zone()
		return zone{loc: loc, fixed: true, off: int64(off) * 1000}
	}
	return zone{loc: loc, tab: &offsetTable{loc: loc}}
}

// offset is the zone offset in ms at the UTC instant ms.
func (z zone) offset(ms int64) int64 {
	if z.fixed {
		return z.off
	}
	if ms >= tableStart && ms < tableEnd {
		return z.tab.lookup(ms)
	}
	_, off := time.UnixMilli(ms).In(z.loc).Zone()
	return int64(off) * 1000
}

func (z zone) toLocal(ms int64) int64 { return ms + z.offset(ms) }

// nextTransition is the first offset change strictly after ms, or
// math.MaxInt64 when there is none.
func (z zone) nextTransition(ms int64) int64 {
	if z.fixed {
		return math.MaxInt64
	}
	if ms >= tableStart && ms < tableEnd {
		if next, ok := z.tab.next(ms); ok {
			return next
		}
	}
	_, end := time.UnixMilli(ms).In(z.loc).ZoneBounds()
	if end.IsZero() {
		return math.MaxInt64
	}
	return end.UnixMilli()
}

// prevTransition follows Joda: the last millisecond before the offset
// change that started the period containing ms, or ms when there is none.
func (z zone) prevTransition(ms int64) int64 {
	if z.fixed {
		return ms
	}
	if ms >= tableStart && ms < tableEnd {
		if start, ok := z.tab.start(ms); ok {
			return start - 1
		}
	}
	start, _ := time.UnixMilli(ms).In(z.loc).ZoneBounds()
	if start.IsZero() {
		return ms
	}
	return start.UnixMilli() - 1
}

// offsetFromLocal is Joda's DateTimeZone.getOffsetFromLocal: the offset to
// subtract from a local time; in a gap the result lies after the gap, in an
// overlap it is the earlier instant.
func (z zone) offsetFromLocal(local int64) int64 {
	if z.fixed {
		return z.off
	}
	offLocal := z.offset(local)
	adjusted := local - offLocal
	offAdjusted := z.offset(adjusted)
	if offLocal != offAdjusted {
		if offLocal-offAdjusted < 0 {
			nextLocal := z.nextTransition(adjusted)
			if nextLocal == adjusted {
				nextLocal = math.MaxInt64
			}
			nextAdjusted := z.nextTransition(local - offAdjusted)
			if nextAdjusted == local-offAdjusted {
				nextAdjusted = math.MaxInt64
			}
			if nextLocal != nextAdjusted {
				return offLocal
			}
		}
	} else if offLocal >= 0 {
		prev := z.prevTransition(adjusted)
		if prev < adjusted {
			offPrev := z.offset(prev)
			if adjusted-prev <= offPrev-offLocal {
				return offPrev
			}
		}
	}
	return offAdjusted
}

// fromLocal converts local ms to UTC as Joda's zoned duration fields do.
func (z zone) fromLocal(local int64) int64 { return local - z.offsetFromLocal(local) }

// fromLocalHint is Joda's convertLocalToUTC(local, false, hint): keep the
// offset of the original instant when it is still valid, which is how
// zoned field setters resolve overlaps.
func (z zone) fromLocalHint(local, hint int64) int64 {
	if z.fixed {
		return local - z.off
	}
	offHint := z.offset(hint)
	utc := local - offHint
	if z.offset(utc) == offHint {
		return utc
	}
	offLocal := z.offset(local)
	off := z.offset(local - offLocal)
	if offLocal != off && offLocal < 0 {
		nextLocal := z.nextTransition(local - offLocal)
		if nextLocal == local-offLocal {
			nextLocal = math.MaxInt64
		}
		nextAdjusted := z.nextTransition(local - off)
		if nextAdjusted == local-off {
			nextAdjusted = math.MaxInt64
		}
		if nextLocal != nextAdjusted {
			off = offLocal
		}
	}
	return local - off
}
