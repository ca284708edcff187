package base

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is an ISO-8601 period such as "P1D", "PT15M", "P1W" or "P1Y2M3DT4H".
// Fields are kept separately, as in Joda, because their lengths vary: a month
// is not a fixed number of days, and a day is not 24 hours across a DST change.
// Fields may be negative.
type Period struct {
	Years, Months, Weeks, Days      int
	Hours, Minutes, Seconds, Millis int
}

// ParsePeriod parses an ISO-8601 period: "P" followed by any of nY nM nW nD,
// then optionally "T" followed by any of nH nM nS, where the seconds may have
// up to three decimals ("PT1.5S"). Numbers may carry a leading '-'.
func ParsePeriod(s string) (Period, error) {
	var p Period
	bad := func(why string) (Period, error) {
		return Period{}, Errorf(ClassInvalidInput, "invalid ISO-8601 period %q: %s", s, why)
	}
	if len(s) < 2 || (s[0] != 'P' && s[0] != 'p') {
		return bad("must start with P")
	}
	rest := s[1:]
	inTime := false
	seen := false
	for rest != "" {
		if rest[0] == 'T' || rest[0] == 't' {
			if inTime {
				return bad("T appears twice")
			}
			inTime = true
			rest = rest[1:]
			if rest == "" {
				return bad("nothing after T")
			}
			continue
		}
		j := 0
		if j < len(rest) && rest[j] == '-' {
			j++
		}
		for j < len(rest) && (rest[j] >= '0' && rest[j] <= '9' || rest[j] == '.' || rest[j] == ',') {
			j++
		}
		if j == 0 || j == len(rest) {
			return bad("expected a number followed by a designator")
		}
		num := strings.ReplaceAll(rest[:j], ",", ".")
		unit := rest[j] | 0x20 // lower case
		rest = rest[j+1:]
		if strings.Contains(num, ".") {
			if !(inTime && unit == 's') {
				return bad("only seconds may have a fraction")
			}
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return bad("bad number " + num)
			}
			ms := int(f * 1000)
			p.Seconds += ms / 1000
			p.Millis += ms % 1000
			seen = true
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			return bad("bad number " + num)
		}
		seen = true
		switch {
		case !inTime && unit == 'y':
			p.Years += n
		case !inTime && unit == 'm':
			p.Months += n
		case !inTime && unit == 'w':
			p.Weeks += n
		case !inTime && unit == 'd':
			p.Days += n
		case inTime && unit == 'h':
			p.Hours += n
		case inTime && unit == 'm':
			p.Minutes += n
		case inTime && unit == 's':
			p.Seconds += n
		default:
			return bad(fmt.Sprintf("unexpected designator %q", unit))
		}
	}
	if !seen {
		return bad("no fields")
	}
	return p, nil
}

// MustParsePeriod is ParsePeriod for constants known to be valid; it panics
// on error and is meant for tests and package-level tables.
func MustParsePeriod(s string) Period {
	p, err := ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

// IsZero reports whether every field is zero.
func (p Period) IsZero() bool { return p == Period{} }

// HasCalendarFields reports whether p has years, months, weeks or days, whose
// length depends on the calendar and time zone.
func (p Period) HasCalendarFields() bool {
	return p.Years != 0 || p.Months != 0 || p.Weeks != 0 || p.Days != 0
}

// FixedMillis returns the length of p in milliseconds when it has no calendar
// fields, and false otherwise.
func (p Period) FixedMillis() (int64, bool) {
	if p.HasCalendarFields() {
		return 0, false
	}
	return int64(p.Hours)*3600000 + int64(p.Minutes)*60000 + int64(p.Seconds)*1000 + int64(p.Millis), true
}

// Multiply returns p with every field multiplied by n.
func (p Period) Multiply(n int) Period {
	return Period{p.Years * n, p.Months * n, p.Weeks * n, p.Days * n, p.Hours * n, p.Minutes * n, p.Seconds * n, p.Millis * n}
}

// AddTo adds p to t with Joda's semantics: years and months move the local
// date and clamp the day to the target month's last day (Jan 31 + P1M is
// Feb 28 or 29), weeks and days move the local date keeping the wall-clock
// time, and hours and smaller add elapsed time.
func (p Period) AddTo(t time.Time) time.Time {
	// Joda adds each field in turn, clamping the day after each:
	// 2020-02-29 + P1Y1M is 2021-02-28 + P1M = 2021-03-28.
	if p.Years != 0 {
		t = addMonths(t, 12*p.Years)
	}
	if p.Months != 0 {
		t = addMonths(t, p.Months)
	}
	if days := p.Weeks*7 + p.Days; days != 0 {
		y, m, d := t.Date()
		hh, mm, ss := t.Clock()
		t = time.Date(y, m, d+days, hh, mm, ss, t.Nanosecond(), t.Location())
	}
	d := time.Duration(p.Hours)*time.Hour + time.Duration(p.Minutes)*time.Minute +
		time.Duration(p.Seconds)*time.Second + time.Duration(p.Millis)*time.Millisecond
	return t.Add(d)
}

// String prints p in ISO-8601 form, as Joda does ("P1D", "PT1H", "P1Y2M").
// The zero period prints as "PT0S".
func (p Period) String() string {
	if p.IsZero() {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteByte('P')
	w := func(n int, c byte) {
		if n != 0 {
			b.WriteString(strconv.Itoa(n))
			b.WriteByte(c)
		}
	}
	w(p.Years, 'Y')
	w(p.Months, 'M')
	w(p.Weeks, 'W')
	w(p.Days, 'D')
	if p.Hours != 0 || p.Minutes != 0 || p.Seconds != 0 || p.Millis != 0 {
		b.WriteByte('T')
		w(p.Hours, 'H')
		w(p.Minutes, 'M')
		if p.Millis != 0 {
			ms := p.Seconds*1000 + p.Millis
			sign := ""
			if ms < 0 {
				sign, ms = "-", -ms
			}
			s := fmt.Sprintf("%s%d.%03d", sign, ms/1000, ms%1000)
			s = strings.TrimRight(s, "0")
			b.WriteString(s)
			b.WriteByte('S')
		} else {
			w(p.Seconds, 'S')
		}
	}
	return b.String()
}

// addMonths moves t's local date by n months, clamping the day of month to
// the target month's length and keeping the wall-clock time.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	total := int(m) - 1 + n
	ny := y + floorDiv(total, 12)
	nm := time.Month(floorMod(total, 12) + 1)
	if dim := daysIn(ny, nm); d > dim {
		d = dim
	}
	hh, mm, ss := t.Clock()
	return time.Date(ny, nm, d, hh, mm, ss, t.Nanosecond(), t.Location())
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }
