package base

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Instants are milliseconds since the Unix epoch, UTC, as in Druid.

// MinTime and MaxTime bound the instants dryad handles; they are Druid's
// JodaUtils.MIN_INSTANT and MAX_INSTANT (Long.MIN_VALUE/2 and Long.MAX_VALUE/2).
const (
	MinTime int64 = -4611686018427387904
	MaxTime int64 = 4611686018427387903
)

// TimeOf converts milliseconds since the epoch to a UTC time.Time.
func TimeOf(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Millis converts t to milliseconds since the epoch.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FormatTime prints ms as Druid prints instants: ISO-8601 UTC with
// milliseconds, e.g. "2013-08-31T00:00:00.000Z".
func FormatTime(ms int64) string {
	return string(AppendTime(nil, ms))
}

// AppendTime appends FormatTime(ms) to dst.
func AppendTime(dst []byte, ms int64) []byte {
	t := TimeOf(ms)
	if y := t.Year(); y < 0 || y > 9999 {
		// Joda prints years outside four digits with a sign or more digits;
		// Go's layout cannot, so do it by hand.
		if y < 0 {
			dst = append(dst, '-')
			y = -y
		}
		dst = append(dst, fmt.Sprintf("%04d", y)...)
		return t.AppendFormat(dst, "-01-02T15:04:05.000Z")
	}
	return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
}

// FormatTimeIn prints ms in loc with a numeric offset, as Druid prints
// result timestamps of period granularities with a time zone, e.g.
// "2013-08-31T00:00:00.000-07:00". UTC prints as "Z".
func FormatTimeIn(ms int64, loc *time.Location) string {
	if loc == nil || loc == time.UTC {
		return FormatTime(ms)
	}
	return time.UnixMilli(ms).In(loc).Format("2006-01-02T15:04:05.000Z07:00")
}

// ParseTime parses an ISO-8601 instant as Joda's ISODateTimeFormat
// dateTimeParser accepts it: a date ("2013", "2013-08", "2013-08-31"),
// optionally followed by "T" (or a space, as Druid's "auto" format allows)
// and a time ("01", "01:02", "01:02:03",
// "01:02:03.456", with "," allowed as the decimal mark), optionally followed
// by "Z" or an offset ("+05:30", "+0530", "+05"). A string without a zone is
// read in loc (UTC when loc is nil). The result is milliseconds since the epoch.
func ParseTime(s string, loc *time.Location) (int64, error) {
	t, err := parseISO(s, loc)
	if err != nil {
		return 0, Errorf(ClassInvalidInput, "invalid ISO-8601 instant %q: %s", s, err.Error())
	}
	return t, nil
}

type isoScanner struct {
	s string
	i int
}

func (p *isoScanner) digits(min, max int) (int, int, bool) {
	start := p.i
	for p.i < len(p.s) && p.i-start < max && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	n := p.i - start
	if n < min {
		p.i = start
		return 0, 0, false
	}
	v, _ := strconv.Atoi(p.s[start:p.i])
	return v, n, true
}

func (p *isoScanner) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *isoScanner) accept(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func parseISO(s string, loc *time.Location) (int64, error) {
	if loc == nil {
		loc = time.UTC
	}
	p := &isoScanner{s: s}
	neg := false
	if p.accept('-') {
		neg = true
	} else {
		p.accept('+')
	}
	year, _, ok := p.digits(1, 9)
	if !ok {
		return 0, fmt.Errorf("expected a year at offset %d", p.i)
	}
	if neg {
		year = -year
	}
	month, day := 1, 1
	if p.accept('-') {
		if month, _, ok = p.digits(2, 2); !ok {
			return 0, fmt.Errorf("expected a two-digit month at offset %d", p.i)
		}
		if p.accept('-') {
			if day, _, ok = p.digits(2, 2); !ok {
				return 0, fmt.Errorf("expected a two-digit day at offset %d", p.i)
			}
		}
	}
	if month < 1 || month > 12 {
		return 0, fmt.Errorf("month %d out of range", month)
	}
	if day < 1 || day > daysIn(year, time.Month(month)) {
		return 0, fmt.Errorf("day %d out of range for %04d-%02d", day, year, month)
	}
	hour, minute, sec, nanos := 0, 0, 0, 0
	if p.accept('T') || p.accept(' ') {
		if hour, _, ok = p.digits(2, 2); !ok {
			return 0, fmt.Errorf("expected a two-digit hour at offset %d", p.i)
		}
		if p.accept(':') {
			if minute, _, ok = p.digits(2, 2); !ok {
				return 0, fmt.Errorf("expected two-digit minutes at offset %d", p.i)
			}
			if p.accept(':') {
				if sec, _, ok = p.digits(2, 2); !ok {
					return 0, fmt.Errorf("expected two-digit seconds at offset %d", p.i)
				}
				if p.accept('.') || p.accept(',') {
					start := p.i
					frac, n, ok := p.digits(1, 9)
					if !ok {
						return 0, fmt.Errorf("expected a fraction at offset %d", start)
					}
					for ; n < 9; n++ {
						frac *= 10
					}
					nanos = frac
				}
			}
		}
		if hour > 23 && !(hour == 24 && minute == 0 && sec == 0 && nanos == 0) || minute > 59 || sec > 59 {
			return 0, fmt.Errorf("time %02d:%02d:%02d out of range", hour, minute, sec)
		}
	}
	zone := loc
	switch c := p.peek(); {
	case c == 'Z':
		p.i++
		zone = time.UTC
	case c == '+' || c == '-':
		p.i++
		oh, _, ok := p.digits(2, 2)
		if !ok {
			return 0, fmt.Errorf("expected a two-digit offset hour at offset %d", p.i)
		}
		om := 0
		p.accept(':')
		if p.i < len(p.s) {
			if om, _, ok = p.digits(2, 2); !ok {
				return 0, fmt.Errorf("expected two-digit offset minutes at offset %d", p.i)
			}
		}
		off := oh*3600 + om*60
		if c == '-' {
			off = -off
		}
		zone = time.FixedZone("", off)
	}
	if p.i != len(p.s) {
		return 0, fmt.Errorf("unexpected %q at offset %d", p.s[p.i:], p.i)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, zone)
	return t.UnixMilli(), nil
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// DaysIn returns the number of days in month m of year.
func DaysIn(year int, m time.Month) int { return daysIn(year, m) }

// LooksLikeISO reports whether s starts like an ISO-8601 instant (a digit or
// a sign followed by a digit); used to tell instants from periods.
func LooksLikeISO(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	return s != "" && s[0] >= '0' && s[0] <= '9'
}
