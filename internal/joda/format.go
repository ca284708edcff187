package joda

import (
	"strconv"
	"time"
)

// Format prints the instant ms (milliseconds since the epoch) in zone (nil
// means UTC) following the pattern.
func (f *Format) Format(ms int64, zone *time.Location) string {
	return string(f.AppendFormat(make([]byte, 0, 32), ms, zone))
}

// AppendFormat appends Format(ms, zone) to dst.
func (f *Format) AppendFormat(dst []byte, ms int64, zone *time.Location) []byte {
	if zone == nil {
		zone = time.UTC
	}
	t := time.UnixMilli(ms).In(zone)
	yr, mon, day := t.Date()
	hour, minute, sec := t.Clock()
	abbr, off := t.Zone()
	year := int64(yr)
	for _, tk := range f.toks {
		switch tk.sym {
		case 0:
			dst = append(dst, tk.lit...)
		case 'G':
			if year <= 0 {
				dst = append(dst, "BC"...)
			} else {
				dst = append(dst, "AD"...)
			}
		case 'C':
			dst = appendPadded(dst, yearOfEra(year)/100, tk.n)
		case 'Y':
			dst = appendYear(dst, yearOfEra(year), tk.n)
		case 'y':
			dst = appendYear(dst, year, tk.n)
		case 'x':
			wy, _ := t.ISOWeek()
			dst = appendYear(dst, int64(wy), tk.n)
		case 'w':
			_, w := t.ISOWeek()
			dst = appendPadded(dst, int64(w), tk.n)
		case 'e':
			dst = appendPadded(dst, int64(isoDay(t)), tk.n)
		case 'E':
			name := dayName(isoDay(t))
			if tk.n < 4 {
				name = name[:3]
			}
			dst = append(dst, name...)
		case 'D':
			dst = appendPadded(dst, int64(t.YearDay()), tk.n)
		case 'M':
			switch {
			case tk.n >= 4:
				dst = append(dst, monthName(int(mon))...)
			case tk.n == 3:
				dst = append(dst, monthName(int(mon))[:3]...)
			default:
				dst = appendPadded(dst, int64(mon), tk.n)
			}
		case 'd':
			dst = appendPadded(dst, int64(day), tk.n)
		case 'a':
			if hour < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'K':
			dst = appendPadded(dst, int64(hour%12), tk.n)
		case 'h':
			h := hour % 12
			if h == 0 {
				h = 12
			}
			dst = appendPadded(dst, int64(h), tk.n)
		case 'H':
			dst = appendPadded(dst, int64(hour), tk.n)
		case 'k':
			h := hour
			if h == 0 {
				h = 24
			}
			dst = appendPadded(dst, int64(h), tk.n)
		case 'm':
			dst = appendPadded(dst, int64(minute), tk.n)
		case 's':
			dst = appendPadded(dst, int64(sec), tk.n)
		case 'S':
			dst = appendFraction(dst, t.Nanosecond()/1e6, tk.n)
		case 'z':
			name := abbr
			if zone == time.UTC {
				name = "UTC"
			} else if name == "" {
				name = offsetString(off, true)
			}
			if tk.n >= 4 {
				name = zoneLongName(name)
			}
			dst = append(dst, name...)
		case 'Z':
			switch tk.n {
			case 1:
				dst = appendOffset(dst, off, false)
			case 2:
				dst = appendOffset(dst, off, true)
			default:
				dst = append(dst, zoneID(zone)...)
			}
		}
	}
	return dst
}

func zoneID(loc *time.Location) string {
	if loc == time.UTC {
		return "UTC"
	}
	return loc.String()
}

func isoDay(t time.Time) int {
	d := int(t.Weekday())
	if d == 0 {
		return 7
	}
	return d
}

func yearOfEra(y int64) int64 {
	if y <= 0 {
		return 1 - y
	}
	return y
}

func appendYear(dst []byte, y int64, n int) []byte {
	if n == 2 {
		v := y % 100
		if v < 0 {
			v = -v
		}
		return appendPadded(dst, v, 2)
	}
	return appendPadded(dst, y, n)
}

// appendPadded prints v with at least n digits; negative values get a
// leading '-' before the padding, as Joda prints them.
func appendPadded(dst []byte, v int64, n int) []byte {
	if v < 0 {
		dst = append(dst, '-')
		if v == -v { // math.MinInt64
			return append(dst, strconv.FormatInt(v, 10)[1:]...)
		}
		v = -v
	}
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], v, 10)
	for i := len(s); i < n; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendFraction prints the milliseconds as a fraction of a second with n
// digits, truncating or padding with zeros.
func appendFraction(dst []byte, millis, n int) []byte {
	digits := [3]byte{byte('0' + millis/100), byte('0' + millis/10%10), byte('0' + millis%10)}
	for i := 0; i < n; i++ {
		if i < 3 {
			dst = append(dst, digits[i])
		} else {
			dst = append(dst, '0')
		}
	}
	return dst
}

// offsetString prints seconds east of UTC as -0800 or, with colon, -08:00.
func offsetString(off int, colon bool) string {
	return string(appendOffset(make([]byte, 0, 9), off, colon))
}

// appendOffset appends offsetString(off, colon) to b.
func appendOffset(b []byte, off int, colon bool) []byte {
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	h, m, s := off/3600, off/60%60, off%60
	b = append(b, byte('0'+h/10), byte('0'+h%10))
	if colon {
		b = append(b, ':')
	}
	b = append(b, byte('0'+m/10), byte('0'+m%10))
	if s != 0 {
		if colon {
			b = append(b, ':')
		}
		b = append(b, byte('0'+s/10), byte('0'+s%10))
	}
	return b
}
