package expr

import (
	"math"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
)

func timeFns() []*fnSpec {
	return []*fnSpec{
		{name: "timestamp", min: 1, max: 2, bind: bindTimestamp(false)},
		{name: "unix_timestamp", min: 1, max: 2, bind: bindTimestamp(true)},
		{name: "timestamp_ceil", min: 2, max: 4, bind: bindTimestampRound(true)},
		{name: "timestamp_floor", min: 2, max: 4, bind: bindTimestampRound(false)},
		{name: "timestamp_shift", min: 3, max: 4, bind: bindTimestampShift},
		{name: "timestamp_extract", min: 2, max: 3, bind: bindTimestampExtract},
		{name: "timestamp_parse", min: 1, max: 3, bind: bindTimestampParse},
		{name: "timestamp_format", min: 1, max: 3, bind: bindTimestampFormat},
	}
}

// zoneArg reads the literal time zone argument i (UTC when absent or null).
func (b *binder) zoneArg(n *callNode, i int) (*time.Location, error) {
	if i >= len(n.args) {
		return time.UTC, nil
	}
	s, ok, err := b.literalString(n, i, "the time zone")
	if err != nil {
		return nil, err
	}
	if !ok {
		return time.UTC, nil
	}
	loc, err := granularity.LoadZone(s)
	if err != nil {
		return nil, b.argErr(n, "time zone %q: %v", s, err)
	}
	return loc, nil
}

func (b *binder) periodArg(n *callNode, i int) (base.Period, error) {
	s, ok, err := b.literalString(n, i, "the period")
	if err != nil {
		return base.Period{}, err
	}
	if !ok {
		return base.Period{}, b.argErr(n, "the period must not be null")
	}
	p, err := base.ParsePeriod(s)
	if err != nil {
		return base.Period{}, b.argErr(n, "period %q: %v", s, err)
	}
	return p, nil
}

// parseDefaultTime parses ISO-8601 or SQL ("2000-01-02 03:04:05.678")
// timestamps.
func parseDefaultTime(s string, loc *time.Location) (int64, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	return parseLocalTime(s, loc)
}

func bindTimestamp(seconds bool) func(*binder, *callNode) error {
	return func(b *binder, n *callNode) error {
		var parse func(string) (int64, bool)
		if len(n.args) == 2 {
			pat, ok, err := b.literalString(n, 1, "the format")
			if err != nil {
				return err
			}
			if !ok {
				return b.argErr(n, "the format must not be null")
			}
			f, err := compileJoda(pat)
			if err != nil {
				return b.argErr(n, "format %q: %v", pat, err)
			}
			parse = func(s string) (int64, bool) {
				ms, err := f.Parse(s, time.UTC)
				return ms, err == nil
			}
		} else {
			parse = func(s string) (int64, bool) { return parseDefaultTime(s, time.UTC) }
		}
		n.t = TypeLong
		n.impl = strictFn(TypeLong, func(a []Value) (Value, error) {
			if a[0].Type.Kind != base.KindString {
				return Value{}, base.Errorf(base.ClassInvalidInput, "%s: the first argument must be a STRING, got %s", n.fn.name, a[0].Type)
			}
			ms, ok := parse(a[0].S)
			if !ok {
				return Value{}, base.Errorf(base.ClassInvalidInput, "%s: invalid timestamp %q", n.fn.name, a[0].S)
			}
			if seconds {
				return Long(ms / 1000), nil // Java division truncates
			}
			return Long(ms), nil
		})
		return nil
	}
}

// granularityArgs builds the period granularity of timestamp_floor/ceil
// from the literal period, origin and zone arguments.
func (b *binder) granularityArgs(n *callNode) (*granularity.PeriodGranularity, error) {
	p, err := b.periodArg(n, 1)
	if err != nil {
		return nil, err
	}
	zone, err := b.zoneArg(n, 3)
	if err != nil {
		return nil, err
	}
	var origin *int64
	if len(n.args) > 2 {
		v, ok := n.literalArg(2)
		if !ok {
			return nil, b.argErr(n, "the origin (argument 3) must be a literal")
		}
		if !v.Null && !(v.Type.Kind == base.KindString && v.S == "") {
			var ms int64
			if v.Type.Kind == base.KindString {
				// An origin without an offset is local time in the zone.
				ms, ok = parseDefaultTime(v.S, zone)
				if !ok {
					return nil, b.argErr(n, "origin %q is not an ISO-8601 timestamp", v.S)
				}
			} else if ms, ok = v.AsLong(); !ok {
				return nil, b.argErr(n, "origin must be a timestamp")
			}
			origin = &ms
		}
	}
	g, err := granularity.NewPeriod(p, origin, zone)
	if err != nil {
		return nil, b.argErr(n, "%v", err)
	}
	return g, nil
}

func bindTimestampRound(ceil bool) func(*binder, *callNode) error {
	return func(b *binder, n *callNode) error {
		g, err := b.granularityArgs(n)
		if err != nil {
			return err
		}
		n.t = TypeLong
		n.impl = func(a []Value) (Value, error) {
			t, ok := a[0].AsLong()
			if !ok {
				return Null(TypeLong), nil
			}
			if ceil {
				return Long(g.Ceil(t)), nil
			}
			return Long(g.Floor(t)), nil
		}
		n.vec = func(ev *VectorEvaluator, x *callNode, size int) (*Vector, bool, error) {
			if x.args[0].typ().Kind != base.KindLong {
				return nil, false, nil
			}
			in, err := ev.vec(x.args[0], size)
			if err != nil {
				return nil, true, err
			}
			if in.Longs == nil {
				return nil, false, nil
			}
			out := ev.out(x.id, TypeLong, size)
			if _, fixed := g.FixedMillis(); fixed && !ceil {
				g.FloorBatch(out.Longs, in.Longs[:size])
			} else {
				// Timestamps in a block are usually close together, so
				// remember the last bucket [lo, hi).
				lo, hi := int64(1), int64(0)
				for i, t := range in.Longs[:size] {
					if t < lo || t >= hi {
						lo = g.Floor(t)
						hi = g.Next(lo)
					}
					if ceil && t != lo {
						out.Longs[i] = hi
					} else {
						out.Longs[i] = lo
					}
				}
			}
			out.copyNulls(in.Nulls, size)
			return out, true, nil
		}
		return nil
	}
}

func bindTimestampShift(b *binder, n *callNode) error {
	p, err := b.periodArg(n, 1)
	if err != nil {
		return err
	}
	zone, err := b.zoneArg(n, 3)
	if err != nil {
		return err
	}
	n.t = TypeLong
	n.impl = func(a []Value) (Value, error) {
		t, ok1 := a[0].AsLong()
		step, ok2 := a[2].AsLong()
		if !ok1 || !ok2 {
			return Null(TypeLong), nil
		}
		if step > 1<<31 || step < -(1<<31) {
			return Value{}, base.Errorf(base.ClassInvalidInput, "timestamp_shift: step %d is out of range", step)
		}
		return Long(jodaAddPeriod(zone, t, p, int(step))), nil
	}
	return nil
}

// timestamp_extract units, as Druid's TimestampExtractExprMacro.Unit.
var extractUnits = []string{"EPOCH", "MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "DOW", "ISODOW", "DOY", "WEEK", "MONTH", "QUARTER", "YEAR", "ISOYEAR", "DECADE", "CENTURY", "MILLENNIUM"}

func bindTimestampExtract(b *binder, n *callNode) error {
	unit, ok, err := b.literalString(n, 1, "the unit")
	if err != nil {
		return err
	}
	unit = strings.ToUpper(unit)
	if !ok || !contains(extractUnits, unit) {
		return b.argErr(n, "unit %q is not one of %s", unit, strings.Join(extractUnits, ", "))
	}
	zone, err := b.zoneArg(n, 2)
	if err != nil {
		return err
	}
	n.t = TypeLong
	if unit == "CENTURY" || unit == "MILLENNIUM" {
		n.t = TypeDouble
	}
	n.impl = func(a []Value) (Value, error) {
		if a[0].Null {
			return Null(n.t), nil
		}
		ms, ok := a[0].AsLong()
		if a[0].Type.Kind == base.KindString {
			// Joda's DateTime(Object) reads strings as ISO-8601.
			var err error
			if ms, err = base.ParseTime(a[0].S, zone); err != nil {
				return Value{}, base.Errorf(base.ClassInvalidInput, "timestamp_extract: %w", err)
			}
			ok = true
		}
		if !ok {
			return Null(n.t), nil
		}
		return extract(unit, ms, zone), nil
	}
	return nil
}

// extract is Druid's TimestampExtractExprMacro (Java integer division,
// CENTURY and MILLENNIUM as doubles).
func extract(unit string, ms int64, zone *time.Location) Value {
	t := time.UnixMilli(ms).In(zone)
	year := int64(t.Year())
	epoch := ms / 1000
	switch unit {
	case "EPOCH":
		return Long(epoch)
	case "MICROSECOND":
		return Long(epoch / 1000)
	case "MILLISECOND":
		return Long(int64(t.Nanosecond() / 1e6))
	case "SECOND":
		return Long(int64(t.Second()))
	case "MINUTE":
		return Long(int64(t.Minute()))
	case "HOUR":
		return Long(int64(t.Hour()))
	case "DAY":
		return Long(int64(t.Day()))
	case "DOW", "ISODOW":
		d := int64(t.Weekday())
		if d == 0 {
			d = 7
		}
		return Long(d)
	case "DOY":
		return Long(int64(t.YearDay()))
	case "WEEK":
		_, w := t.ISOWeek()
		return Long(int64(w))
	case "MONTH":
		return Long(int64(t.Month()))
	case "QUARTER":
		return Long((int64(t.Month())-1)/3 + 1)
	case "YEAR":
		return Long(year)
	case "ISOYEAR":
		y, _ := t.ISOWeek()
		return Long(int64(y))
	case "DECADE":
		return Long(year / 10)
	case "CENTURY":
		return Double(math.Ceil(float64(year) / 100))
	}
	return Double(math.Ceil(float64(year) / 1000)) // MILLENNIUM
}

func bindTimestampParse(b *binder, n *callNode) error {
	zone, err := b.zoneArg(n, 2)
	if err != nil {
		return err
	}
	parse := func(s string) (int64, bool) { return parseDefaultTime(s, zone) }
	if len(n.args) > 1 {
		pat, ok, err := b.literalString(n, 1, "the pattern")
		if err != nil {
			return err
		}
		if ok {
			f, err := compileJoda(pat)
			if err != nil {
				return b.argErr(n, "pattern %q: %v", pat, err)
			}
			parse = func(s string) (int64, bool) {
				ms, err := f.Parse(s, zone)
				return ms, err == nil
			}
		}
	}
	n.t = TypeLong
	n.impl = func(a []Value) (Value, error) {
		s, ok := a[0].AsString()
		if !ok {
			return Null(TypeLong), nil
		}
		ms, ok := parse(s)
		if !ok {
			return Null(TypeLong), nil
		}
		return Long(ms), nil
	}
	return nil
}

func bindTimestampFormat(b *binder, n *callNode) error {
	zone, err := b.zoneArg(n, 2)
	if err != nil {
		return err
	}
	format := func(ms int64) string { return base.FormatTimeIn(ms, zone) }
	if len(n.args) > 1 {
		pat, ok, err := b.literalString(n, 1, "the pattern")
		if err != nil {
			return err
		}
		if ok {
			f, err := compileJoda(pat)
			if err != nil {
				return b.argErr(n, "pattern %q: %v", pat, err)
			}
			format = func(ms int64) string { return f.Format(ms, zone) }
		}
	}
	n.t = TypeString
	n.impl = func(a []Value) (Value, error) {
		ms, ok := a[0].AsLong()
		if !ok {
			return Null(TypeString), nil
		}
		return String(format(ms)), nil
	}
	return nil
}
