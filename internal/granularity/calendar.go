package granularity

// Calendar arithmetic on "local milliseconds" (wall-clock time counted as if
// it were UTC) in the proleptic Gregorian calendar, as Joda's ISOChronology
// does it. Days are converted with Howard Hinnant's civil-from-days
// algorithms, which are exact for every int64 day count we can reach.

const (
	msSecond = int64(1000)
	msMinute = 60 * msSecond
	msHour   = 60 * msMinute
	msDay    = 24 * msHour
	msWeek   = 7 * msDay
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// floorMod is a mod b in [0, b) for b > 0, without branches.
func floorMod(a, b int64) int64 {
	m := a % b
	return m + (m>>63)&b
}

// civil returns year, month (1-12) and day (1-31) of a day count since
// 1970-01-01.
func civil(days int64) (y int64, m, d int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mm := int64(m)
	if m > 2 {
		mm -= 3
	} else {
		mm += 9
	}
	doy := (153*mm+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y int64, m int) int {
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

// fields splits local ms into date and millisecond of day.
func fields(local int64) (y int64, m, d int, msOfDay int64) {
	days := floorDiv(local, msDay)
	y, m, d = civil(days)
	return y, m, d, local - days*msDay
}

func localOf(y int64, m, d int, msOfDay int64) int64 {
	return daysFromCivil(y, m, d)*msDay + msOfDay
}

// yearStart and monthStart truncate local ms.
func yearStart(y int64) int64 { return daysFromCivil(y, 1, 1) * msDay }

// addMonths adds n months keeping the time of day and clamping the day to
// the target month's length (Joda's monthOfYear().add).
func addMonths(local, n int64) int64 {
	y, m, d, tod := fields(local)
	total := y*12 + int64(m-1) + n
	ny := floorDiv(total, 12)
	nm := int(floorMod(total, 12)) + 1
	if dim := daysInMonth(ny, nm); d > dim {
		d = dim
	}
	return localOf(ny, nm, d, tod)
}

// addYears is Joda's year().add: same month and day, Feb 29 becoming Feb 28.
func addYears(local, n int64) int64 {
	y, m, d, tod := fields(local)
	ny := y + n
	if dim := daysInMonth(ny, m); d > dim {
		d = dim
	}
	return localOf(ny, m, d, tod)
}

// yearDiff is Joda's BasicChronology.getYearDifference, signed.
func yearDiff(a, b int64) int64 {
	if a < b {
		return -yearDiff(b, a)
	}
	ya, _, _, _ := fields(a)
	yb, _, _, _ := fields(b)
	ra := a - yearStart(ya)
	rb := b - yearStart(yb)
	const feb29 = (31 + 29 - 1) * msDay
	if rb >= feb29 {
		if isLeap(yb) {
			if !isLeap(ya) {
				rb -= msDay
			}
		} else if isLeap(ya) {
			ra -= msDay
		}
	}
	diff := ya - yb
	if ra < rb {
		diff--
	}
	return diff
}

// monthDiff is Joda's BasicMonthOfYearDateTimeField.getDifferenceAsLong.
func monthDiff(a, b int64) int64 {
	if a < b {
		return -monthDiff(b, a)
	}
	ya, ma, da, _ := fields(a)
	yb, mb, db, todb := fields(b)
	diff := (ya-yb)*12 + int64(ma-mb)
	if dim := daysInMonth(ya, ma); da == dim && db > da {
		b = localOf(yb, mb, da, todb)
	}
	ra := a - localOf(ya, ma, 1, 0)
	rb := b - localOf(yb, mb, 1, 0)
	if ra < rb {
		diff--
	}
	return diff
}
