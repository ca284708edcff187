package base

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Interval is a half-open time range [Start, End) in milliseconds since the
// epoch, UTC. Druid prints it as "2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z".
type Interval struct {
	Start, End int64
}

// Eternity is the interval covering every instant dryad handles.
var Eternity = Interval{MinTime, MaxTime}

// NewInterval returns [start, end).
func NewInterval(start, end int64) Interval { return Interval{start, end} }

// ParseInterval parses an ISO-8601 interval in any of Druid's forms:
// "start/end", "start/period" and "period/end", where start and end are
// instants accepted by ParseTime and period is accepted by ParsePeriod.
// Instants without a zone are read in loc (UTC when nil). The end must not be
// before the start.
func ParseInterval(s string, loc *time.Location) (Interval, error) {
	if loc == nil {
		loc = time.UTC
	}
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return Interval{}, Errorf(ClassInvalidInput, "invalid interval %q: expected start/end", s)
	}
	var iv Interval
	switch {
	case isPeriod(a) && isPeriod(b):
		return Interval{}, Errorf(ClassInvalidInput, "invalid interval %q: both sides are periods", s)
	case isPeriod(b):
		start, err := ParseTime(a, loc)
		if err != nil {
			return Interval{}, Errorf(ClassInvalidInput, "invalid interval %q: %w", s, err)
		}
		p, err := ParsePeriod(b)
		if err != nil {
			return Interval{}, Errorf(ClassInvalidInput, "invalid interval %q: %w", s, err)
		}
		iv = Interval{start, p.AddTo(time.UnixMilli(start).In(loc)).UnixMilli()}
	case isPeriod(a):
		end, err := ParseTime(b, loc)
		if err != nil {
			return Interval{}, Errorf(ClassInvalidInput, "invalid interval %q: %w", s, err)
		}
		p, err := ParsePeriod(a)
		if err != nil {
			return Interval{}, Errorf(ClassInvalidInput, "invalid interval %q: %w", s, err)
		}
		iv = Interval{p.Multiply(-1).AddTo(time.UnixMilli(end).In(loc)).UnixMilli(), end}
	default:
		start, err := ParseTime(a, loc)
		if err != nil {
			return Interval{}, Errorf(ClassInvalidInput, "invalid interval %q: %w", s, err)
		}
		end, err := ParseTime(b, loc)
		if err != nil {
			return Interval{}, Errorf(ClassInvalidInput, "invalid interval %q: %w", s, err)
		}
		iv = Interval{start, end}
	}
	if iv.End < iv.Start {
		return Interval{}, Errorf(ClassInvalidInput, "invalid interval %q: the end is before the start", s)
	}
	return iv, nil
}

// ParseIntervalURL parses the form the coordinator's URLs use, where "_"
// stands for "/" (e.g. "2013-01-01_2013-01-02"). A form with "/" is accepted too.
func ParseIntervalURL(s string) (Interval, error) {
	if !strings.Contains(s, "/") {
		s = strings.Replace(s, "_", "/", 1)
	}
	return ParseInterval(s, time.UTC)
}

func isPeriod(s string) bool { return s != "" && (s[0] == 'P' || s[0] == 'p') }

// String prints the interval as Druid does.
func (iv Interval) String() string {
	b := make([]byte, 0, 49)
	b = AppendTime(b, iv.Start)
	b = append(b, '/')
	b = AppendTime(b, iv.End)
	return string(b)
}

// Duration returns End-Start in milliseconds.
func (iv Interval) Duration() int64 { return iv.End - iv.Start }

// IsEmpty reports whether the interval contains no instant.
func (iv Interval) IsEmpty() bool { return iv.End <= iv.Start }

// Contains reports whether instant t lies in [Start, End).
func (iv Interval) Contains(t int64) bool { return t >= iv.Start && t < iv.End }

// ContainsInterval reports whether o lies wholly inside iv.
func (iv Interval) ContainsInterval(o Interval) bool {
	return o.Start >= iv.Start && o.End <= iv.End
}

// Overlaps reports whether iv and o share at least one instant.
func (iv Interval) Overlaps(o Interval) bool { return iv.Start < o.End && o.Start < iv.End }

// Abuts reports whether iv and o touch without overlapping.
func (iv Interval) Abuts(o Interval) bool { return iv.End == o.Start || o.End == iv.Start }

// Intersect returns the overlap of iv and o, and false if there is none.
func (iv Interval) Intersect(o Interval) (Interval, bool) {
	r := Interval{max(iv.Start, o.Start), min(iv.End, o.End)}
	return r, r.Start < r.End
}

// MarshalJSON writes the interval as its string form.
func (iv Interval) MarshalJSON() ([]byte, error) { return json.Marshal(iv.String()) }

// UnmarshalJSON reads the interval from its string form.
func (iv *Interval) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(ClassInvalidInput, "invalid interval: expected a string, got %s", truncate(string(b), 64))
	}
	v, err := ParseInterval(s, time.UTC)
	if err != nil {
		return err
	}
	*iv = v
	return nil
}

// CondenseIntervals sorts intervals and merges those that overlap or abut.
func CondenseIntervals(ivs []Interval) []Interval {
	if len(ivs) == 0 {
		return nil
	}
	s := append([]Interval(nil), ivs...)
	sortIntervals(s)
	out := s[:1]
	for _, iv := range s[1:] {
		last := &out[len(out)-1]
		if iv.Start <= last.End {
			last.End = max(last.End, iv.End)
			continue
		}
		out = append(out, iv)
	}
	return out
}

func sortIntervals(s []Interval) {
	slices.SortFunc(s, CompareIntervals)
}

// CompareIntervals orders intervals by start, then by end.
func CompareIntervals(a, b Interval) int {
	if c := cmp.Compare(a.Start, b.Start); c != 0 {
		return c
	}
	return cmp.Compare(a.End, b.End)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
