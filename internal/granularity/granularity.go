package granularity

import (
	"iter"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// Kind tells the four families of granularity apart.
type Kind uint8

// The kinds of granularity. The zero Granularity is KindNone.
const (
	KindNone     Kind = iota // every millisecond is its own bucket
	KindAll                  // one bucket holds all time
	KindPeriod               // buckets of an ISO-8601 period in a zone (includes the simple names)
	KindDuration             // buckets of a fixed number of milliseconds from an origin, UTC
)

// Granularity is a Druid granularity: "all", "none", a simple name such as
// "hour" or "day" (a UTC period), a duration or a period with zone and
// origin. It is a small immutable value, safe to copy and to use
// concurrently. The zero value is "none".
type Granularity struct {
	kind Kind
	p    *PeriodGranularity
	dur  int64  // KindDuration: bucket length
	dOrg int64  // KindDuration: effective origin
	dHas bool   // KindDuration: origin given
	name string // upper-case simple name (DAY, ALL, NONE) when standard
}

// simplePeriod maps Druid's simple granularity names (upper case) to their
// periods.
func simplePeriod(name string) (string, bool) {
	switch name {
	case "SECOND":
		return "PT1S", true
	case "MINUTE":
		return "PT1M", true
	case "FIVE_MINUTE":
		return "PT5M", true
	case "TEN_MINUTE":
		return "PT10M", true
	case "FIFTEEN_MINUTE":
		return "PT15M", true
	case "THIRTY_MINUTE":
		return "PT30M", true
	case "HOUR":
		return "PT1H", true
	case "SIX_HOUR":
		return "PT6H", true
	case "EIGHT_HOUR":
		return "PT8H", true
	case "DAY":
		return "P1D", true
	case "WEEK":
		return "P1W", true
	case "MONTH":
		return "P1M", true
	case "QUARTER":
		return "P3M", true
	case "YEAR":
		return "P1Y", true
	}
	return "", false
}

// simpleName is the inverse of simplePeriod.
func simpleName(p base.Period) string {
	switch p {
	case base.Period{Seconds: 1}:
		return "SECOND"
	case base.Period{Minutes: 1}:
		return "MINUTE"
	case base.Period{Minutes: 5}:
		return "FIVE_MINUTE"
	case base.Period{Minutes: 10}:
		return "TEN_MINUTE"
	case base.Period{Minutes: 15}:
		return "FIFTEEN_MINUTE"
	case base.Period{Minutes: 30}:
		return "THIRTY_MINUTE"
	case base.Period{Hours: 1}:
		return "HOUR"
	case base.Period{Hours: 6}:
		return "SIX_HOUR"
	case base.Period{Hours: 8}:
		return "EIGHT_HOUR"
	case base.Period{Days: 1}:
		return "DAY"
	case base.Period{Weeks: 1}:
		return "WEEK"
	case base.Period{Months: 1}:
		return "MONTH"
	case base.Period{Months: 3}:
		return "QUARTER"
	case base.Period{Years: 1}:
		return "YEAR"
	}
	return ""
}

// All returns the granularity that puts all time in one bucket.
func All() Granularity { return Granularity{kind: KindAll, name: "ALL"} }

// None returns the millisecond granularity.
func None() Granularity { return Granularity{kind: KindNone, name: "NONE"} }

// Parse resolves a simple granularity name, case-insensitively: all, none,
// second, minute, five_minute, ten_minute, fifteen_minute, thirty_minute,
// hour, six_hour, eight_hour, day, week, month, quarter, year.
func Parse(name string) (Granularity, error) {
	up := strings.ToUpper(name)
	switch up {
	case "ALL":
		return All(), nil
	case "NONE":
		return None(), nil
	}
	ps, ok := simplePeriod(up)
	if !ok {
		return Granularity{}, base.Errorf(base.ClassInvalidInput,
			"unknown granularity %q: want one of all, none, second, minute, five_minute, ten_minute, fifteen_minute, thirty_minute, hour, six_hour, eight_hour, day, week, month, quarter, year, or a period/duration object", name)
	}
	pg, err := NewPeriod(base.MustParsePeriod(ps), nil, nil)
	if err != nil {
		return Granularity{}, err
	}
	return Granularity{kind: KindPeriod, p: pg, name: up}, nil
}

// MustParse is Parse for names known to be valid; it panics otherwise.
func MustParse(name string) Granularity {
	g, err := Parse(name)
	if err != nil {
		panic(err)
	}
	return g
}

// FromPeriod wraps a period granularity. A UTC period without origin whose
// period is one of the simple names is reported (and serialized) by that
// name, as Druid does.
func FromPeriod(pg *PeriodGranularity) Granularity {
	g := Granularity{kind: KindPeriod, p: pg}
	if pg.Origin == nil && pg.z.fixed && pg.z.off == 0 && ZoneID(pg.Zone) == "UTC" {
		g.name = simpleName(pg.Period)
	}
	return g
}

// NewDuration returns Druid's duration granularity: buckets of ms
// milliseconds counted from origin (nil: the epoch), labelled in UTC.
func NewDuration(ms int64, origin *int64) (Granularity, error) {
	if ms <= 0 {
		return Granularity{}, base.Errorf(base.ClassInvalidInput, "invalid granularity duration %d: must be positive", ms)
	}
	g := Granularity{kind: KindDuration, dur: ms}
	if origin != nil {
		g.dOrg = *origin % ms // Druid keeps the origin modulo the duration
	}
	return g, nil
}

// Kind reports the family of g.
func (g Granularity) Kind() Kind { return g.kind }

// IsAll reports whether g is "all".
func (g Granularity) IsAll() bool { return g.kind == KindAll }

// IsNone reports whether g is "none" (milliseconds).
func (g Granularity) IsNone() bool { return g.kind == KindNone }

// Name returns the upper-case simple name ("DAY", "ALL", "NONE") when g is
// one of Druid's standard granularities, and "" otherwise.
func (g Granularity) Name() string {
	if g.kind == KindNone {
		return "NONE"
	}
	return g.name
}

// Period returns the period granularity behind g, if g is one.
func (g Granularity) Period() (*PeriodGranularity, bool) { return g.p, g.kind == KindPeriod }

// DurationMillis returns the bucket length of a duration granularity.
func (g Granularity) DurationMillis() (int64, bool) { return g.dur, g.kind == KindDuration }

// Zone is the zone bucket starts are printed in: the period's zone, or UTC.
func (g Granularity) Zone() *time.Location {
	if g.kind == KindPeriod {
		return g.p.Zone
	}
	return time.UTC
}

// Floor returns the start of the bucket containing ms. For "all" it is
// base.MinTime, for "none" ms itself.
func (g Granularity) Floor(ms int64) int64 {
	switch g.kind {
	case KindPeriod:
		return g.p.Floor(ms)
	case KindDuration:
		return ms - floorMod(ms-g.dOrg, g.dur)
	case KindAll:
		return base.MinTime
	}
	return ms
}

// Next returns the start of the bucket after the one starting at ms. For
// "all" it is base.MaxTime.
func (g Granularity) Next(ms int64) int64 {
	switch g.kind {
	case KindPeriod:
		return g.p.Next(ms)
	case KindDuration:
		return ms + g.dur
	case KindAll:
		return base.MaxTime
	}
	return ms + 1
}

// Ceil returns the smallest bucket boundary ≥ ms.
func (g Granularity) Ceil(ms int64) int64 {
	f := g.Floor(ms)
	if f == ms {
		return ms
	}
	return g.Next(f)
}

// Bucket returns the bucket containing ms.
func (g Granularity) Bucket(ms int64) base.Interval {
	f := g.Floor(ms)
	return base.Interval{Start: f, End: g.Next(f)}
}

// FloorBatch stores Floor(src[i]) in dst[i]; dst must be at least as long
// as src and may be src itself.
func (g Granularity) FloorBatch(dst, src []int64) {
	switch g.kind {
	case KindPeriod:
		g.p.FloorBatch(dst, src)
	case KindDuration:
		dst = dst[:len(src)]
		for i, t := range src {
			dst[i] = t - floorMod(t-g.dOrg, g.dur)
		}
	case KindAll:
		dst = dst[:len(src)]
		for i := range src {
			dst[i] = base.MinTime
		}
	default:
		copy(dst, src)
	}
}

// Iterate yields the buckets overlapping iv in order, as Druid's
// getIterable does: the first starts at Floor(iv.Start) (possibly before
// iv.Start), the last is the one containing iv.End-1, and buckets are not
// clipped to iv. "all" yields iv itself. An empty iv yields nothing.
func (g Granularity) Iterate(iv base.Interval) iter.Seq[base.Interval] {
	return func(yield func(base.Interval) bool) {
		if iv.IsEmpty() {
			return
		}
		if g.kind == KindAll {
			yield(iv)
			return
		}
		cur := g.Floor(iv.Start)
		for cur < iv.End {
			next := g.Next(cur)
			if next <= cur {
				return
			}
			if !yield(base.Interval{Start: cur, End: next}) {
				return
			}
			cur = next
		}
	}
}

// IsFinerThan reports whether g is finer than o by Druid's rule
// (Granularity.IS_FINER_THAN): the bucket holding the epoch is shorter.
// "none" is the finest and "all" the coarsest.
func (g Granularity) IsFinerThan(o Granularity) bool {
	return g.epochBucketLength() < o.epochBucketLength()
}

func (g Granularity) epochBucketLength() int64 {
	f := g.Floor(0)
	return g.Next(f) - f
}

// Equal reports whether g and o bucket time identically and print the same.
func (g Granularity) Equal(o Granularity) bool {
	if g.kind != o.kind {
		return false
	}
	switch g.kind {
	case KindDuration:
		return g.dur == o.dur && g.dOrg == o.dOrg
	case KindPeriod:
		a, b := g.p, o.p
		if a.Period != b.Period || ZoneID(a.Zone) != ZoneID(b.Zone) || (a.Origin == nil) != (b.Origin == nil) {
			return false
		}
		return a.Origin == nil || *a.Origin == *b.Origin
	}
	return true
}

// String returns the simple name in lower case ("day", "all") for standard
// granularities and the canonical JSON otherwise.
func (g Granularity) String() string {
	if n := g.Name(); n != "" {
		return strings.ToLower(n)
	}
	b, _ := g.MarshalJSON()
	return string(b)
}
