package rules

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"pgregory.net/rapid"
)

func ms(t *testing.T, s string) int64 {
	t.Helper()
	v, err := base.ParseTime(s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func iv(t *testing.T, s string) base.Interval {
	t.Helper()
	v, err := base.ParseInterval(s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func one(t *testing.T, js string) Rule {
	t.Helper()
	rs, err := Decode([]byte("[" + js + "]"))
	if err != nil {
		t.Fatalf("Decode(%s): %v", js, err)
	}
	return rs[0]
}

// TestApplies follows docs/operations/rule-configuration.md and the
// rule classes' appliesTo, with now = 2024-03-31T12:00Z.
func TestApplies(t *testing.T) {
	const now = "2024-03-31T12:00:00Z"
	tests := []struct {
		rule, seg string
		want      bool
	}{
		{`{"type":"loadForever"}`, "2000-01-01/2000-01-02", true},
		{`{"type":"dropForever"}`, "2030-01-01/2030-01-02", true},
		{`{"type":"broadcastForever"}`, "2000-01-01/2000-01-02", true},

		// Interval load/broadcast rules: overlap.
		{`{"type":"loadByInterval","interval":"2024-01-01/2024-02-01"}`, "2024-01-31/2024-02-02", true},
		{`{"type":"loadByInterval","interval":"2024-01-01/2024-02-01"}`, "2024-02-01/2024-02-02", false},
		{`{"type":"loadByInterval","interval":"2024-01-01/2024-02-01"}`, "2023-12-31/2024-01-01", false},
		{`{"type":"broadcastByInterval","interval":"2024-01-01/2024-02-01"}`, "2023-12-31/2024-01-02", true},
		// dropByInterval: containment.
		{`{"type":"dropByInterval","interval":"2024-01-01/2024-02-01"}`, "2024-01-01/2024-02-01", true},
		{`{"type":"dropByInterval","interval":"2024-01-01/2024-02-01"}`, "2024-01-05/2024-01-06", true},
		{`{"type":"dropByInterval","interval":"2024-01-01/2024-02-01"}`, "2024-01-31/2024-02-02", false},

		// loadByPeriod P1M: window [2024-02-29T12, now) (Joda clamps Mar 31 - 1M).
		{`{"type":"loadByPeriod","period":"P1M"}`, "2024-02-29T11:00Z/2024-02-29T12:00Z", false},
		{`{"type":"loadByPeriod","period":"P1M"}`, "2024-02-29T11:00Z/2024-02-29T13:00Z", true},
		{`{"type":"loadByPeriod","period":"P1M"}`, "2025-01-01/2025-01-02", true}, // future, includeFuture default
		{`{"type":"loadByPeriod","period":"P1M","includeFuture":false}`, "2025-01-01/2025-01-02", false},
		{`{"type":"loadByPeriod","period":"P1M","includeFuture":false}`, "2024-03-31/2024-04-01", true},
		{`{"type":"broadcastByPeriod","period":"P1D"}`, "2024-03-30T11:00Z/2024-03-30T12:00Z", false},
		{`{"type":"broadcastByPeriod","period":"P1D"}`, "2024-03-30T11:00Z/2024-03-30T12:01Z", true},

		// dropByPeriod P1D: window [2024-03-30T12, now).
		{`{"type":"dropByPeriod","period":"P1D"}`, "2024-03-30T12:00Z/2024-03-30T13:00Z", true},
		{`{"type":"dropByPeriod","period":"P1D"}`, "2024-03-30T11:59Z/2024-03-30T13:00Z", false},
		{`{"type":"dropByPeriod","period":"P1D"}`, "2024-04-05/2024-04-06", true},
		{`{"type":"dropByPeriod","period":"P1D","includeFuture":false}`, "2024-04-05/2024-04-06", false},
		{`{"type":"dropByPeriod","period":"P1D","includeFuture":false}`, "2024-03-31T00:00Z/2024-03-31T12:00Z", true},

		// dropBeforeByPeriod P1D: segment ends at or before 2024-03-30T12.
		{`{"type":"dropBeforeByPeriod","period":"P1D"}`, "2024-03-30T11:00Z/2024-03-30T12:00Z", true},
		{`{"type":"dropBeforeByPeriod","period":"P1D"}`, "2024-03-30T11:00Z/2024-03-30T12:00:00.001Z", false},
	}
	for _, tc := range tests {
		r := one(t, tc.rule)
		if got := r.Applies(iv(t, tc.seg), ms(t, now)); got != tc.want {
			t.Errorf("%s applies to %s: %v, want %v", tc.rule, tc.seg, got, tc.want)
		}
	}
}

// TestDropBeforeEquivalence checks the documented equivalence:
// dropBeforeByPeriod + loadForever loads what loadByPeriod(includeFuture) +
// dropForever loads.
func TestDropBeforeEquivalence(t *testing.T) {
	a := mustDecode(t, `[{"type":"dropBeforeByPeriod","period":"P1M"},{"type":"loadForever"}]`)
	b := mustDecode(t, `[{"type":"loadByPeriod","period":"P1M"},{"type":"dropForever"}]`)
	rapid.Check(t, func(rt *rapid.T) {
		now := rapid.Int64Range(0, 4e12).Draw(rt, "now")
		start := rapid.Int64Range(0, 4e12).Draw(rt, "start")
		length := rapid.Int64Range(1, 1e11).Draw(rt, "length")
		seg := base.Interval{Start: start, End: start + length}
		ra, _ := Match(seg, now, a)
		rb, _ := Match(seg, now, b)
		if ra.Kind() != rb.Kind() {
			rt.Fatalf("segment %v at %s: %s vs %s", seg, base.FormatTime(now), ra.Type, rb.Type)
		}
	})
}

func mustDecode(t *testing.T, s string) []Rule {
	t.Helper()
	rs, err := Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestMatchOrderAndDefault(t *testing.T) {
	now := ms(t, "2024-03-31T12:00:00Z")
	ds := mustDecode(t, `[{"type":"loadByInterval","interval":"2024-01-01/2024-02-01","tieredReplicants":{"hot":1}},{"type":"dropByInterval","interval":"2020-01-01/2021-01-01"}]`)
	tests := []struct {
		seg  string
		want string
		ok   bool
	}{
		{"2024-01-05/2024-01-06", LoadByInterval, true},
		{"2020-05-01/2020-05-02", DropByInterval, true},
		{"2022-05-01/2022-05-02", LoadForever, true}, // falls through to the default
	}
	for _, tc := range tests {
		r, ok := Match(iv(t, tc.seg), now, ds, Default())
		if ok != tc.ok || r.Type != tc.want {
			t.Errorf("Match(%s) = %s %v, want %s %v", tc.seg, r.Type, ok, tc.want, tc.ok)
		}
	}
	if _, ok := Match(iv(t, "2022-05-01/2022-05-02"), now, ds); ok {
		t.Error("Match without defaults matched")
	}
	if got := Default()[0].Replicants(); got[DefaultTier] != 2 || len(got) != 1 {
		t.Errorf("default replicants %v", got)
	}
	if got := ds[1].Replicants(); got != nil {
		t.Errorf("drop rule replicants %v", got)
	}
}

func TestEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[]`, `[]`},
		{`[{"type":"loadForever"}]`, `[{"tieredReplicants":{"_default_tier":2},"useDefaultTierForNull":true,"type":"loadForever"}]`},
		{`[{"type":"loadForever","useDefaultTierForNull":false}]`, `[{"tieredReplicants":{},"useDefaultTierForNull":false,"type":"loadForever"}]`},
		{`[{"type":"loadByInterval","interval":"2012-01-01/2013-01-01","tieredReplicants":{"hot":1,"_default_tier":0},"extra":1}]`,
			`[{"interval":"2012-01-01T00:00:00.000Z/2013-01-01T00:00:00.000Z","tieredReplicants":{"_default_tier":0,"hot":1},"useDefaultTierForNull":true,"type":"loadByInterval"}]`},
		{`[{"type":"loadByPeriod","period":"P1M","includeFuture":false}]`, `[{"period":"P1M","includeFuture":false,"tieredReplicants":{"_default_tier":2},"useDefaultTierForNull":true,"type":"loadByPeriod"}]`},
		{`[{"type":"dropByPeriod","period":"P1M"}]`, `[{"period":"P1M","includeFuture":true,"type":"dropByPeriod"}]`},
		{`[{"type":"dropBeforeByPeriod","period":"P1M","includeFuture":false}]`, `[{"period":"P1M","type":"dropBeforeByPeriod"}]`},
		{`[{"type":"dropForever"},{"type":"broadcastForever"}]`, `[{"type":"dropForever"},{"type":"broadcastForever"}]`},
		{`[{"type":"broadcastByInterval","interval":"2012-01-01/P1D"}]`, `[{"interval":"2012-01-01T00:00:00.000Z/2012-01-02T00:00:00.000Z","type":"broadcastByInterval"}]`},
		{`[{"type":"broadcastByPeriod","period":"PT6H"}]`, `[{"period":"PT6H","includeFuture":true,"type":"broadcastByPeriod"}]`},
	}
	for _, tc := range tests {
		rs, err := Decode([]byte(tc.in))
		if err != nil {
			t.Errorf("Decode(%s): %v", tc.in, err)
			continue
		}
		b, err := Encode(rs)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("Encode(Decode(%s)) =\n %s\nwant\n %s", tc.in, b, tc.want)
		}
		// What Druid returns decodes back to the same rules.
		again, err := Decode(b)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		b2, _ := Encode(again)
		if string(b2) != string(b) {
			t.Errorf("round trip %s -> %s", b, b2)
		}
	}
	if b, _ := Encode(nil); string(b) != "[]" {
		t.Errorf("Encode(nil) = %s", b)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{}`, "JSON array"},
		{`[1]`, "rule 0: malformed rule"},
		{`[null]`, "not null"},
		{`[{}]`, `no "type"`},
		{`[{"type":"loadForever"},{"type":"keepForever"}]`, `rule 1: unknown rule type "keepForever"`},
		{`[{"type":"loadByInterval"}]`, `needs an "interval"`},
		{`[{"type":"dropByInterval","interval":"2012-13-01/2013-01-01"}]`, "invalid interval"},
		{`[{"type":"loadByPeriod"}]`, `needs a "period"`},
		{`[{"type":"dropBeforeByPeriod","period":"1M"}]`, "invalid period"},
		{`[{"type":"loadForever","tieredReplicants":{"hot":-1}}]`, `tier "hot": value -1 must be positive`},
		{`[{"type":"loadForever","tieredReplicants":{"hot":null}}]`, "must not be null"},
		{`[{"type":"loadForever","tieredReplicants":{"hot":"x"}}]`, "not an integer"},
		{`[{"type":"loadForever","tieredReplicants":[1]}]`, "malformed rule"},
		{`[{"type":7}]`, "malformed rule"},
	}
	for _, tc := range tests {
		_, err := Decode([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Decode(%s) = %v, want error containing %q", tc.in, err, tc.want)
			continue
		}
		if base.ClassOf(err) != base.ClassInvalidInput {
			t.Errorf("Decode(%s): class %v", tc.in, base.ClassOf(err))
		}
	}
	if _, err := json.Marshal(Rule{Type: "nope"}); err == nil {
		t.Error("marshalling an unknown type succeeded")
	}
}

// FuzzDecode checks that Decode never panics and that whatever it accepts
// encodes to JSON that decodes to the same encoding.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`[]`, `[{"type":"loadForever"}]`,
		`[{"type":"loadByInterval","interval":"2012-01-01/2013-01-01","tieredReplicants":{"hot":1}}]`,
		`[{"type":"loadByPeriod","period":"P1M","includeFuture":false,"useDefaultTierForNull":false}]`,
		`[{"type":"dropBeforeByPeriod","period":"P1Y2M3DT4H"},{"type":"dropForever"}]`,
		`[{"type":"broadcastByPeriod","period":"PT1H"},{"type":"dropByInterval","interval":"2012/2013"}]`,
		`[{"type":"loadForever","tieredReplicants":{"a":1e3}}]`, `[null]`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := Decode(b)
		if err != nil {
			if base.ClassOf(err) != base.ClassInvalidInput {
				t.Fatalf("error class %v: %v", base.ClassOf(err), err)
			}
			return
		}
		enc, err := Encode(rs)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		enc2, _ := Encode(again)
		if string(enc) != string(enc2) {
			t.Fatalf("round trip %s -> %s", enc, enc2)
		}
		for _, r := range rs {
			r.Applies(base.Interval{Start: 0, End: 1}, 1e12)
		}
	})
}
