package joda

import (
	"fmt"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// parsed field slots, in the order Joda applies saved fields (largest
// range first).
const (
	pEra = iota
	pCentury
	pYearOfEra
	pYear
	pWeekyear
	pMonth
	pDayOfYear
	pWeek
	pDayOfMonth
	pDayOfWeek
	pHalfday
	pHourOfDay
	pHourOfHalfday
	pMinute
	pSecond
	pMillis
	nSlots
)

type bucket struct {
	set  [nSlots]bool
	val  [nSlots]int64
	off  int  // parsed offset in seconds
	hasO bool // an offset was parsed
	loc  *time.Location
}

func (b *bucket) save(slot int, v int64) { b.set[slot], b.val[slot] = true, v }

// parseError is a parse failure at a position, worded like Joda's.
func (f *Format) parseError(s string, pos int, why string) error {
	if pos >= len(s) {
		return base.Errorf(base.ClassInvalidInput, "invalid time %q for format %q: too short (%s)", s, f.pattern, why)
	}
	return base.Errorf(base.ClassInvalidInput, "invalid time %q for format %q: malformed at offset %d %q (%s)", s, f.pattern, pos, truncate(s[pos:], 20), why)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Parse reads s with the pattern and returns milliseconds since the epoch.
// A parsed offset (Z, ZZ) or zone (ZZZ, z) wins; otherwise the fields are
// local time in zone (nil means UTC). Missing fields default to
// 1970-01-01T00:00:00.000. Text matches case-insensitively; the whole of s
// must be consumed. Out-of-range fields and local times skipped by a DST
// change are errors. Errors are base.ClassInvalidInput with the offset.
func (f *Format) Parse(s string, zone *time.Location) (int64, error) {
	var b bucket
	pos := 0
	for i, tk := range f.toks {
		var err error
		pos, err = f.parseToken(&b, tk, i, s, pos)
		if err != nil {
			return 0, err
		}
	}
	if pos != len(s) {
		return 0, f.parseError(s, pos, "unexpected trailing text")
	}
	return f.compute(&b, s, zone)
}

func (f *Format) parseToken(b *bucket, tk token, idx int, s string, pos int) (int, error) {
	switch tk.sym {
	case 0:
		if len(s)-pos < len(tk.lit) || !strings.EqualFold(s[pos:pos+len(tk.lit)], tk.lit) {
			return pos, f.parseError(s, pos, fmt.Sprintf("expected %q", tk.lit))
		}
		return pos + len(tk.lit), nil
	case 'G':
		i, n := matchText(s, pos, []string{"BC", "AD", "BCE", "CE"})
		if n == 0 {
			return pos, f.parseError(s, pos, "expected an era")
		}
		b.save(pEra, int64(i%2))
		return pos + n, nil
	case 'y', 'Y', 'x':
		slot := pYear
		switch tk.sym {
		case 'Y':
			slot = pYearOfEra
		case 'x':
			slot = pWeekyear
		}
		if tk.n == 2 {
			return f.parseTwoDigitYear(b, tk, slot, s, pos)
		}
		v, np, err := f.parseNumber(s, pos, tk.maxParse, tk.sym != 'Y')
		if err != nil {
			return pos, err
		}
		b.save(slot, v)
		return np, nil
	case 'M':
		if tk.n >= 3 {
			return f.parseText(b, pMonth, s, pos, monthTexts(), "a month")
		}
	case 'E':
		return f.parseText(b, pDayOfWeek, s, pos, dayTexts(), "a day of week")
	case 'a':
		i, n := matchText(s, pos, []string{"AM", "PM"})
		if n == 0 {
			return pos, f.parseError(s, pos, "expected AM or PM")
		}
		b.save(pHalfday, int64(i))
		return pos + n, nil
	case 'S':
		start := pos
		var v, scale int64 = 0, 1000
		for pos < len(s) && pos-start < tk.maxParse && isDigit(s[pos]) {
			v = v*10 + int64(s[pos]-'0')
			scale *= 10
			pos++
		}
		if pos == start {
			return pos, f.parseError(s, pos, "expected a fraction of a second")
		}
		// v/scale*1000 ms, truncated; scale may exceed int64 for long tokens.
		ms := int64(0)
		digits := s[start:pos]
		for i := 0; i < 3; i++ {
			ms *= 10
			if i < len(digits) {
				ms += int64(digits[i] - '0')
			}
		}
		b.save(pMillis, ms)
		return pos, nil
	case 'Z':
		if tk.n >= 3 {
			return f.parseZoneID(b, s, pos)
		}
		return f.parseOffset(b, s, pos)
	case 'z':
		best, bestLen := "", 0
		for _, p := range shortZoneNames() {
			if len(p[0]) > bestLen && len(s)-pos >= len(p[0]) && strings.EqualFold(s[pos:pos+len(p[0])], p[0]) {
				best, bestLen = p[0], len(p[0])
			}
		}
		if bestLen == 0 {
			return pos, f.parseError(s, pos, "expected a time zone name")
		}
		loc, ok := f.zones[best]
		if !ok {
			return pos, f.parseError(s, pos, "time zone "+best+" is not available")
		}
		b.loc, b.hasO = loc, false
		return pos + bestLen, nil
	}
	slot := numericSlot(tk.sym)
	v, np, err := f.parseNumber(s, pos, tk.maxParse, false)
	if err != nil {
		return pos, err
	}
	switch tk.sym {
	case 'h':
		if v < 1 || v > 12 {
			return pos, f.parseError(s, pos, fmt.Sprintf("value %d for clockhourOfHalfday must be in the range [1,12]", v))
		}
		v %= 12
	case 'k':
		if v < 1 || v > 24 {
			return pos, f.parseError(s, pos, fmt.Sprintf("value %d for clockhourOfDay must be in the range [1,24]", v))
		}
		v %= 24
	}
	b.save(slot, v)
	return np, nil
}

func numericSlot(c byte) int {
	switch c {
	case 'C':
		return pCentury
	case 'w':
		return pWeek
	case 'e':
		return pDayOfWeek
	case 'D':
		return pDayOfYear
	case 'M':
		return pMonth
	case 'd':
		return pDayOfMonth
	case 'K', 'h':
		return pHourOfHalfday
	case 'H', 'k':
		return pHourOfDay
	case 'm':
		return pMinute
	}
	return pSecond
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseNumber reads up to max digits, with a sign when signed.
func (f *Format) parseNumber(s string, pos, maxDigits int, signed bool) (int64, int, error) {
	start := pos
	neg := false
	if signed && pos < len(s) && (s[pos] == '-' || s[pos] == '+') && pos+1 < len(s) && isDigit(s[pos+1]) {
		neg = s[pos] == '-'
		pos++
	}
	dstart := pos
	var v int64
	for pos < len(s) && pos-dstart < maxDigits && isDigit(s[pos]) {
		v = v*10 + int64(s[pos]-'0')
		pos++
	}
	if pos == dstart {
		return 0, start, f.parseError(s, start, "expected a number")
	}
	if neg {
		v = -v
	}
	return v, pos, nil
}

func (f *Format) parseTwoDigitYear(b *bucket, tk token, slot int, s string, pos int) (int, error) {
	if tk.lenient {
		// Joda takes anything but exactly two unsigned digits as a full year.
		end := pos
		if end < len(s) && (s[end] == '-' || s[end] == '+') {
			end++
		}
		ds := end
		for end < len(s) && isDigit(s[end]) && end-ds < 9 {
			end++
		}
		if end-ds != 2 || ds != pos {
			v, np, err := f.parseNumber(s, pos, 9, true)
			if err != nil {
				return pos, err
			}
			b.save(slot, v)
			return np, nil
		}
	}
	if len(s)-pos < 2 || !isDigit(s[pos]) || !isDigit(s[pos+1]) {
		return pos, f.parseError(s, pos, "expected a two-digit year")
	}
	v := int64(s[pos]-'0')*10 + int64(s[pos+1]-'0')
	low := int64(f.pivot - 50)
	y := low - ((low%100)+100)%100 + v
	if y < low {
		y += 100
	}
	b.save(slot, y)
	return pos + 2, nil
}

func monthTexts() []string {
	out := make([]string, 0, 36)
	for m := 1; m <= 12; m++ {
		out = append(out, monthName(m), monthName(m)[:3])
	}
	return out
}

func dayTexts() []string {
	out := make([]string, 0, 14)
	for d := 1; d <= 7; d++ {
		out = append(out, dayName(d), dayName(d)[:3])
	}
	return out
}

// parseText matches the longest of texts (pairs of full and short names
// for values 1..n) or a number, case-insensitively.
func (f *Format) parseText(b *bucket, slot int, s string, pos int, texts []string, what string) (int, error) {
	i, n := matchText(s, pos, texts)
	if n > 0 {
		b.save(slot, int64(i/2+1))
		return pos + n, nil
	}
	v, np, err := f.parseNumber(s, pos, 2, false)
	if err != nil {
		return pos, f.parseError(s, pos, "expected "+what)
	}
	b.save(slot, v)
	return np, nil
}

// matchText returns the index and length of the longest text matching s at
// pos, case-insensitively; length 0 when none does.
func matchText(s string, pos int, texts []string) (int, int) {
	best, bestLen := -1, 0
	for i, t := range texts {
		if len(t) > bestLen && len(s)-pos >= len(t) && strings.EqualFold(s[pos:pos+len(t)], t) {
			best, bestLen = i, len(t)
		}
	}
	return best, bestLen
}

// parseOffset reads "Z" or ±HH[[:]mm[[:]ss]].
func (f *Format) parseOffset(b *bucket, s string, pos int) (int, error) {
	if pos < len(s) && (s[pos] == 'Z' || s[pos] == 'z') {
		b.off, b.hasO, b.loc = 0, true, nil
		return pos + 1, nil
	}
	if pos >= len(s) || (s[pos] != '+' && s[pos] != '-') {
		return pos, f.parseError(s, pos, "expected a time zone offset")
	}
	sign := 1
	if s[pos] == '-' {
		sign = -1
	}
	p := pos + 1
	two := func() (int, bool) {
		if len(s)-p >= 2 && isDigit(s[p]) && isDigit(s[p+1]) {
			v := int(s[p]-'0')*10 + int(s[p+1]-'0')
			p += 2
			return v, true
		}
		return 0, false
	}
	h, ok := two()
	if !ok || h > 23 {
		return pos, f.parseError(s, pos, "expected offset hours")
	}
	total := h * 3600
	for _, unit := range []int{60, 1} {
		save := p
		if p < len(s) && s[p] == ':' {
			p++
		}
		v, ok := two()
		if !ok || v > 59 {
			p = save
			break
		}
		total += v * unit
	}
	b.off, b.hasO, b.loc = sign*total, true, nil
	return p, nil
}

// parseZoneID reads the longest valid zone id at pos.
func (f *Format) parseZoneID(b *bucket, s string, pos int) (int, error) {
	end := pos
	for end < len(s) {
		c := s[end]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '/' || c == '_' || c == '-' || c == '+' || c == ':' {
			end++
			continue
		}
		break
	}
	for e := end; e > pos; e-- {
		if loc, err := loadZone(s[pos:e]); err == nil {
			b.loc, b.hasO = loc, false
			return e, nil
		}
	}
	return pos, f.parseError(s, pos, "expected a time zone id")
}

// loadZone resolves a Joda zone id: UTC, an IANA name or a fixed offset.
func loadZone(id string) (*time.Location, error) {
	switch id {
	case "UTC", "Z", "GMT", "Etc/UTC":
		return time.UTC, nil
	case "", "Local":
		return nil, fmt.Errorf("unknown time zone %q", id)
	}
	if id[0] == '+' || id[0] == '-' {
		var b bucket
		f := &Format{}
		p, err := f.parseOffset(&b, id, 0)
		if err != nil || p != len(id) {
			return nil, fmt.Errorf("invalid offset %q", id)
		}
		if b.off == 0 {
			return time.UTC, nil
		}
		return time.FixedZone(offsetString(b.off, true), b.off), nil
	}
	if strings.Contains(id, "..") || strings.HasPrefix(id, "/") {
		return nil, fmt.Errorf("unknown time zone %q", id)
	}
	return time.LoadLocation(id)
}

// compute applies the saved fields to 1970-01-01T00:00 local time and
// converts to UTC.
func (f *Format) compute(b *bucket, s string, zone *time.Location) (int64, error) {
	y, m, d := int64(1970), 1, 1
	hour, minute, sec, millis := int64(0), int64(0), int64(0), int64(0)
	bad := func(field string, v int64, lo, hi int64) error {
		return base.Errorf(base.ClassInvalidInput, "invalid time %q for format %q: value %d for %s must be in the range [%d,%d]", s, f.pattern, v, field, lo, hi)
	}
	date := func() time.Time { return time.Date(int(y), time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	setDate := func(t time.Time) { y, m, d = int64(t.Year()), int(t.Month()), t.Day() }
	clampDay := func() {
		if dim := daysIn(y, m); d > dim {
			d = dim
		}
	}
	const maxYear, minYear = 292278993, -292275054
	for slot := 0; slot < nSlots; slot++ {
		if !b.set[slot] {
			continue
		}
		v := b.val[slot]
		switch slot {
		case pEra:
			if (v == 0) != (y <= 0) {
				y = 1 - y
			}
		case pCentury:
			if v < 0 || v > maxYear/100 {
				return 0, bad("centuryOfEra", v, 0, maxYear/100)
			}
			yoe := yearOfEra(y)
			yoe = v*100 + yoe%100
			if y <= 0 {
				y = 1 - yoe
			} else {
				y = yoe
			}
			clampDay()
		case pYearOfEra:
			if v < 1 || v > maxYear {
				return 0, bad("yearOfEra", v, 1, maxYear)
			}
			if y <= 0 {
				y = 1 - v
			} else {
				y = v
			}
			clampDay()
		case pYear:
			if v < minYear || v > maxYear {
				return 0, bad("year", v, minYear, maxYear)
			}
			y = v
			clampDay()
		case pWeekyear:
			if v < minYear || v > maxYear {
				return 0, bad("weekyear", v, minYear, maxYear)
			}
			_, w := date().ISOWeek()
			if wn := weeksIn(v); w > wn {
				w = wn
			}
			setDate(isoDate(v, w, isoDay(date())))
		case pMonth:
			if v < 1 || v > 12 {
				return 0, bad("monthOfYear", v, 1, 12)
			}
			m = int(v)
			clampDay()
		case pDayOfYear:
			n := int64(365)
			if isLeap(y) {
				n = 366
			}
			if v < 1 || v > n {
				return 0, bad("dayOfYear", v, 1, n)
			}
			setDate(time.Date(int(y), 1, int(v), 0, 0, 0, 0, time.UTC))
		case pWeek:
			wy, _ := date().ISOWeek()
			if wn := weeksIn(int64(wy)); v < 1 || v > int64(wn) {
				return 0, bad("weekOfWeekyear", v, 1, int64(wn))
			}
			setDate(isoDate(int64(wy), int(v), isoDay(date())))
		case pDayOfMonth:
			if dim := int64(daysIn(y, m)); v < 1 || v > dim {
				return 0, bad("dayOfMonth", v, 1, dim)
			}
			d = int(v)
		case pDayOfWeek:
			if v < 1 || v > 7 {
				return 0, bad("dayOfWeek", v, 1, 7)
			}
			t := date()
			setDate(t.AddDate(0, 0, int(v)-isoDay(t)))
		case pHalfday:
			hour = hour%12 + 12*v
		case pHourOfDay:
			if v < 0 || v > 23 {
				return 0, bad("hourOfDay", v, 0, 23)
			}
			hour = v
		case pHourOfHalfday:
			if v < 0 || v > 11 {
				return 0, bad("hourOfHalfday", v, 0, 11)
			}
			hour = hour/12*12 + v
		case pMinute:
			if v < 0 || v > 59 {
				return 0, bad("minuteOfHour", v, 0, 59)
			}
			minute = v
		case pSecond:
			if v < 0 || v > 59 {
				return 0, bad("secondOfMinute", v, 0, 59)
			}
			sec = v
		case pMillis:
			millis = v
		}
	}
	local := time.Date(int(y), time.Month(m), d, 0, 0, 0, 0, time.UTC).UnixMilli() +
		hour*3600000 + minute*60000 + sec*1000 + millis
	if b.hasO {
		return local - int64(b.off)*1000, nil
	}
	loc := zone
	if b.loc != nil {
		loc = b.loc
	}
	if loc == nil || loc == time.UTC {
		return local, nil
	}
	utc, ok := fromLocal(local, loc)
	if !ok {
		return 0, base.Errorf(base.ClassInvalidInput, "invalid time %q for format %q: illegal instant due to time zone offset transition (%s)", s, f.pattern, loc)
	}
	return utc, nil
}

func offsetAt(ms int64, loc *time.Location) int64 {
	_, off := time.UnixMilli(ms).In(loc).Zone()
	return int64(off) * 1000
}

// fromLocal converts local milliseconds to UTC in loc; in an overlap the
// earlier instant wins (as Joda's getOffsetFromLocal), and a local time in
// a gap is reported as not ok.
func fromLocal(local int64, loc *time.Location) (int64, bool) {
	o1 := offsetAt(local, loc)
	cands := [5]int64{o1, offsetAt(local-o1, loc), offsetAt(local-86400000, loc), offsetAt(local+86400000, loc), offsetAt(local-o1-86400000, loc)}
	best, found := int64(0), false
	for _, o := range cands {
		u := local - o
		if offsetAt(u, loc) == o && (!found || u < best) {
			best, found = u, true
		}
	}
	return best, found
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int64, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// weeksIn is the number of ISO weeks in weekyear y (52 or 53).
func weeksIn(y int64) int {
	_, w := time.Date(int(y), 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	return w
}

// isoDate is the date of ISO day dow (Monday = 1) of week w of weekyear y.
func isoDate(y int64, w, dow int) time.Time {
	jan4 := time.Date(int(y), 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, 1-isoDay(jan4))
	return monday.AddDate(0, 0, (w-1)*7+dow-1)
}
