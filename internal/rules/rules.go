package rules

import (
	"bytes"
	"encoding/json"
	"maps"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// The rule types Druid defines.
const (
	LoadForever         = "loadForever"
	LoadByInterval      = "loadByInterval"
	LoadByPeriod        = "loadByPeriod"
	DropForever         = "dropForever"
	DropByInterval      = "dropByInterval"
	DropByPeriod        = "dropByPeriod"
	DropBeforeByPeriod  = "dropBeforeByPeriod"
	BroadcastForever    = "broadcastForever"
	BroadcastByInterval = "broadcastByInterval"
	BroadcastByPeriod   = "broadcastByPeriod"
)

// DefaultTier is Druid's default historical tier, and DefaultReplicants the
// replica count a load rule without tieredReplicants asks for in it.
const (
	DefaultTier       = "_default_tier"
	DefaultReplicants = 2
)

// Kind is what a rule does with the segments it applies to.
type Kind int

// The rule kinds.
const (
	Load      Kind = iota // replicate onto historicals per tier
	Drop                  // mark unused and remove from historicals
	Broadcast             // load onto every data server
)

// String returns "load", "drop" or "broadcast".
func (k Kind) String() string {
	switch k {
	case Load:
		return "load"
	case Drop:
		return "drop"
	}
	return "broadcast"
}

// shape is what a rule type carries: its kind and whether it has an
// interval, a period, includeFuture and tiered replicants.
type shape struct {
	kind          Kind
	interval      bool
	period        bool
	includeFuture bool
}

var shapes = map[string]shape{
	LoadForever:         {kind: Load},
	LoadByInterval:      {kind: Load, interval: true},
	LoadByPeriod:        {kind: Load, period: true, includeFuture: true},
	DropForever:         {kind: Drop},
	DropByInterval:      {kind: Drop, interval: true},
	DropByPeriod:        {kind: Drop, period: true, includeFuture: true},
	DropBeforeByPeriod:  {kind: Drop, period: true},
	BroadcastForever:    {kind: Broadcast},
	BroadcastByInterval: {kind: Broadcast, interval: true},
	BroadcastByPeriod:   {kind: Broadcast, period: true, includeFuture: true},
}

// Rule is one validated retention rule. Build rules with Decode (or
// UnmarshalJSON); the zero Rule is not valid.
type Rule struct {
	// Type is one of the rule type constants.
	Type string
	// Interval is set for the *ByInterval types.
	Interval base.Interval
	// Period is set for the *ByPeriod types; PeriodText is its text as
	// given (Druid echoes the period as written, e.g. "P1M").
	Period     base.Period
	PeriodText string
	// IncludeFuture is meaningful for loadByPeriod, dropByPeriod and
	// broadcastByPeriod; it defaults to true.
	IncludeFuture bool
	// TieredReplicants is the replica count per tier of a load rule. A load
	// rule given without it gets {"_default_tier": 2}, or no replicas when
	// UseDefaultTierForNull is false.
	TieredReplicants map[string]int
	// UseDefaultTierForNull is meaningful for load rules; it defaults to
	// true.
	UseDefaultTierForNull bool
}

// ruleJSON is the wire form of every rule type; the field order is
// Druid's.
type ruleJSON struct {
	Interval              *base.Interval  `json:"interval,omitempty"`
	Period                *string         `json:"period,omitempty"`
	IncludeFuture         *bool           `json:"includeFuture,omitempty"`
	TieredReplicants      *map[string]int `json:"tieredReplicants,omitempty"`
	UseDefaultTierForNull *bool           `json:"useDefaultTierForNull,omitempty"`
	Type                  string          `json:"type"`
}

// Kind returns what the rule does.
func (r Rule) Kind() Kind { return shapes[r.Type].kind }

// Replicants returns a copy of the replica count per tier of a load rule,
// nil for other kinds.
func (r Rule) Replicants() map[string]int {
	if r.Kind() != Load {
		return nil
	}
	return maps.Clone(r.TieredReplicants)
}

// Applies reports whether the rule governs a segment with interval seg at
// reference time now (ms), with Druid's semantics (see the package doc).
// To test many segments against the same rules, use At, which computes the
// period windows once.
func (r Rule) Applies(seg base.Interval, now int64) bool {
	var start int64
	if shapes[r.Type].period {
		start = r.window(now).Start
	}
	return r.applies(seg, now, start)
}

// applies is Applies with the period window's start already computed.
func (r Rule) applies(seg base.Interval, now, windowStart int64) bool {
	w := base.Interval{Start: windowStart, End: now}
	switch r.Type {
	case LoadForever, DropForever, BroadcastForever:
		return true
	case LoadByInterval, BroadcastByInterval:
		return r.Interval.Overlaps(seg)
	case DropByInterval:
		return contains(r.Interval, seg)
	case LoadByPeriod, BroadcastByPeriod:
		if r.IncludeFuture {
			return w.Start < seg.End
		}
		return w.Overlaps(seg)
	case DropByPeriod:
		if r.IncludeFuture {
			return w.Start <= seg.Start
		}
		return contains(w, seg)
	case DropBeforeByPeriod:
		return seg.End <= w.Start
	}
	return false
}

// window is [now - period, now).
func (r Rule) window(now int64) base.Interval {
	start := base.Millis(r.Period.Multiply(-1).AddTo(base.TimeOf(now).UTC()))
	return base.Interval{Start: start, End: now}
}

// contains is Joda's Interval.contains(Interval): o lies within iv, and a
// zero-length o must not sit at iv's end.
func contains(iv, o base.Interval) bool {
	return iv.Start <= o.Start && o.Start < iv.End && o.End <= iv.End
}

// Match returns the first rule of the lists, in order, that applies to a
// segment with interval seg at time now (ms): pass the datasource's rules,
// then the default rules. ok is false when none applies.
func Match(seg base.Interval, now int64, lists ...[]Rule) (r Rule, ok bool) {
	return At(now, lists...).Match(seg)
}

// Matcher evaluates rule lists at one reference time, with each period
// rule's window computed once. It is immutable and safe for concurrent use.
type Matcher struct {
	now    int64
	rules  []Rule
	starts []int64 // window start per rule (period rules only)
}

// At returns a Matcher of the lists, in order, at reference time now (ms).
func At(now int64, lists ...[]Rule) *Matcher {
	m := &Matcher{now: now}
	for _, l := range lists {
		for _, r := range l {
			var start int64
			if shapes[r.Type].period {
				start = r.window(now).Start
			}
			m.rules = append(m.rules, r)
			m.starts = append(m.starts, start)
		}
	}
	return m
}

// Match returns the first rule that applies to a segment with interval
// seg; ok is false when none applies.
func (m *Matcher) Match(seg base.Interval) (r Rule, ok bool) {
	for i, r := range m.rules {
		if r.applies(seg, m.now, m.starts[i]) {
			return r, true
		}
	}
	return Rule{}, false
}

// Default returns Druid's shipped "_default" rules: load forever, two
// replicas in the default tier.
func Default() []Rule {
	return []Rule{{Type: LoadForever, TieredReplicants: map[string]int{DefaultTier: DefaultReplicants}, UseDefaultTierForNull: true}}
}

// Decode reads and validates a JSON array of rules. Errors are
// base.ClassInvalidInput and name the rule's index and the field.
func Decode(data []byte) ([]Rule, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "rules must be a JSON array of rule objects: %w", err)
	}
	out := make([]Rule, 0, len(raw))
	for i, m := range raw {
		var r Rule
		if err := r.UnmarshalJSON(m); err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "rule %d: %w", i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Encode writes rules as the JSON array Druid returns (an empty array, not
// null, for none).
func Encode(rs []Rule) ([]byte, error) {
	if rs == nil {
		rs = []Rule{}
	}
	return json.Marshal(rs)
}

// UnmarshalJSON reads and validates one rule object. Unknown fields are
// ignored, as Druid ignores them; an unknown type, a missing or malformed
// interval or period, or a negative replica count is a
// base.ClassInvalidInput error.
func (r *Rule) UnmarshalJSON(b []byte) error {
	var v struct {
		Type                  *string                     `json:"type"`
		Interval              *string                     `json:"interval"`
		Period                *string                     `json:"period"`
		IncludeFuture         *bool                       `json:"includeFuture"`
		TieredReplicants      map[string]*json.RawMessage `json:"tieredReplicants"`
		UseDefaultTierForNull *bool                       `json:"useDefaultTierForNull"`
	}
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return base.Errorf(base.ClassInvalidInput, "a rule must be an object, not null")
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return base.Errorf(base.ClassInvalidInput, "malformed rule: %w", err)
	}
	if v.Type == nil {
		return base.Errorf(base.ClassInvalidInput, "rule has no \"type\"")
	}
	sh, ok := shapes[*v.Type]
	if !ok {
		return base.Errorf(base.ClassInvalidInput, "unknown rule type %q", *v.Type)
	}
	out := Rule{Type: *v.Type, IncludeFuture: true, UseDefaultTierForNull: true}
	if sh.interval {
		if v.Interval == nil {
			return base.Errorf(base.ClassInvalidInput, "rule type %q needs an \"interval\"", out.Type)
		}
		iv, err := base.ParseInterval(*v.Interval, time.UTC)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "rule type %q: invalid interval %q: %w", out.Type, *v.Interval, err)
		}
		out.Interval = iv
	}
	if sh.period {
		if v.Period == nil {
			return base.Errorf(base.ClassInvalidInput, "rule type %q needs a \"period\"", out.Type)
		}
		p, err := base.ParsePeriod(*v.Period)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "rule type %q: invalid period %q: %w", out.Type, *v.Period, err)
		}
		out.Period, out.PeriodText = p, *v.Period
	}
	if sh.includeFuture && v.IncludeFuture != nil {
		out.IncludeFuture = *v.IncludeFuture
	}
	if sh.kind == Load {
		if v.UseDefaultTierForNull != nil {
			out.UseDefaultTierForNull = *v.UseDefaultTierForNull
		}
		switch {
		case v.TieredReplicants != nil:
			out.TieredReplicants = make(map[string]int, len(v.TieredReplicants))
			for tier, n := range v.TieredReplicants {
				if n == nil || bytes.Equal(*n, []byte("null")) {
					return base.Errorf(base.ClassInvalidInput, "invalid number of replicas for tier %q: value must not be null", tier)
				}
				var c int
				if err := json.Unmarshal(*n, &c); err != nil {
					return base.Errorf(base.ClassInvalidInput, "invalid number of replicas for tier %q: %s is not an integer", tier, *n)
				}
				if c < 0 {
					return base.Errorf(base.ClassInvalidInput, "invalid number of replicas for tier %q: value %d must be positive", tier, c)
				}
				out.TieredReplicants[tier] = c
			}
		case out.UseDefaultTierForNull:
			out.TieredReplicants = map[string]int{DefaultTier: DefaultReplicants}
		default:
			out.TieredReplicants = map[string]int{}
		}
	}
	*r = out
	return nil
}

// MarshalJSON writes the rule in Druid's form: the type's own fields, then
// "type"; load rules always carry tieredReplicants and
// useDefaultTierForNull, period rules other than dropBeforeByPeriod carry
// includeFuture.
func (r Rule) MarshalJSON() ([]byte, error) {
	sh, ok := shapes[r.Type]
	if !ok {
		return nil, base.Errorf(base.ClassInvalidInput, "unknown rule type %q", r.Type)
	}
	v := ruleJSON{Type: r.Type}
	if sh.interval {
		iv := r.Interval
		v.Interval = &iv
	}
	if sh.period {
		p := r.PeriodText
		if p == "" {
			p = r.Period.String()
		}
		v.Period = &p
	}
	if sh.includeFuture {
		f := r.IncludeFuture
		v.IncludeFuture = &f
	}
	if sh.kind == Load {
		tr := r.TieredReplicants
		if tr == nil {
			tr = map[string]int{}
		}
		u := r.UseDefaultTierForNull
		v.TieredReplicants, v.UseDefaultTierForNull = &tr, &u
	}
	return json.Marshal(v)
}
