package postagg

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/value"
)

var row = value.MapRow{"rows": int64(4), "added": int64(905), "delta": 2.5, "zero": int64(0), "nul": nil, "neg": -1.0, "sketch": "opaque"}

var env = Env{
	Known: func(n string) bool { _, ok := row[n]; return ok },
	Finalize: func(n string) func(any) any {
		if n == "sketch" {
			return func(any) any { return 5.0 }
		}
		return nil
	},
}

func TestEval(t *testing.T) {
	tests := []struct {
		spec string
		want any
	}{
		{`{"type":"arithmetic","name":"x","fn":"*","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"constant","value":10}]}`, 9050.0},
		{`{"type":"arithmetic","name":"x","fn":"/","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"fieldAccess","fieldName":"zero"}]}`, 0.0},
		{`{"type":"arithmetic","name":"x","fn":"quotient","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"fieldAccess","fieldName":"zero"}]}`, math.Inf(1)},
		{`{"type":"arithmetic","name":"x","fn":"/","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"fieldAccess","fieldName":"rows"}]}`, 226.25},
		{`{"type":"arithmetic","name":"x","fn":"-","fields":[{"type":"constant","value":10},{"type":"constant","value":1},{"type":"constant","value":2}]}`, 7.0},
		{`{"type":"arithmetic","name":"x","fn":"pow","fields":[{"type":"fieldAccess","fieldName":"rows"},{"type":"constant","value":0.5}]}`, 2.0},
		{`{"type":"arithmetic","name":"x","fn":"%","fields":[{"type":"constant","value":7},{"type":"constant","value":3}]}`, 1.0},
		{`{"type":"arithmetic","name":"x","fn":"+","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"fieldAccess","fieldName":"nul"}]}`, nil},
		{`{"type":"arithmetic","name":"x","fn":"+","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"fieldAccess","fieldName":"sketch"}]}`, nil},
		{`{"type":"fieldAccess","name":"x","fieldName":"added"}`, int64(905)},
		{`{"type":"fieldAccess","name":"x","fieldName":"sketch"}`, "opaque"},
		{`{"type":"finalizingFieldAccess","name":"x","fieldName":"sketch"}`, 5.0},
		{`{"type":"constant","name":"x","value":10}`, int64(10)},
		{`{"type":"constant","name":"x","value":1.5}`, 1.5},
		{`{"type":"doubleGreatest","name":"x","fields":[{"type":"fieldAccess","fieldName":"delta"},{"type":"fieldAccess","fieldName":"rows"},{"type":"fieldAccess","fieldName":"nul"}]}`, 4.0},
		{`{"type":"doubleLeast","name":"x","fields":[{"type":"fieldAccess","fieldName":"delta"},{"type":"fieldAccess","fieldName":"neg"}]}`, -1.0},
		{`{"type":"longGreatest","name":"x","fields":[{"type":"fieldAccess","fieldName":"delta"},{"type":"fieldAccess","fieldName":"rows"}]}`, int64(4)},
		{`{"type":"longLeast","name":"x","fields":[{"type":"fieldAccess","fieldName":"nul"}]}`, nil},
		{`{"type":"expression","name":"x","expression":"added * 2 + rows"}`, int64(1814)},
		{`{"type":"expression","name":"x","expression":"added / rows","outputType":"DOUBLE"}`, 226.0},
		{`{"type":"expression","name":"x","expression":"delta * 2","outputType":"LONG"}`, int64(5)},
		{`{"type":"expression","name":"x","expression":"nul + 1"}`, nil},
	}
	for _, tt := range tests {
		p, err := Decode(json.RawMessage(tt.spec), "postAggregations[0]")
		if err != nil {
			t.Fatalf("%s: %v", tt.spec, err)
		}
		ev, err := Compile(p, env)
		if err != nil {
			t.Fatalf("%s: %v", tt.spec, err)
		}
		if got := ev(row); got != tt.want {
			t.Errorf("%s = %#v, want %#v", tt.spec, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		spec  string
		class base.Class
		msg   string
	}{
		{`{"type":"arithmetic","name":"x","fn":"^","fields":[]}`, base.ClassInvalidInput, `postAggregations[0].fn: unknown arithmetic function "^"`},
		{`{"type":"arithmetic","name":"x","fn":"+","fields":[{"type":"constant","value":1}]}`, base.ClassInvalidInput, "at least two fields"},
		{`{"type":"arithmetic","fn":"+","fields":[{"type":"constant","value":1},{"type":"constant","value":1}]}`, base.ClassInvalidInput, "postAggregations[0].name: required"},
		{`{"type":"arithmetic","name":"x","fn":"+","fields":[{"type":"constant","value":"a"},{"type":"constant","value":1}]}`, base.ClassInvalidInput, "postAggregations[0].fields[0].value: expected a number"},
		{`{"type":"arithmetic","name":"x","fn":"+","ordering":"weird","fields":[{"type":"constant","value":1},{"type":"constant","value":1}]}`, base.ClassInvalidInput, "unknown ordering"},
		{`{"type":"fieldAccess","name":"x"}`, base.ClassInvalidInput, "fieldName: required"},
		{`{"type":"tDigestSketchToQuantile","name":"x","field":{}}`, base.ClassUnsupported, `"tDigestSketchToQuantile" is not supported yet`},
		{`{"type":"magic","name":"x"}`, base.ClassInvalidInput, `unknown post-aggregator type "magic"`},
		{`{"type":"doubleGreatest","name":"x","fields":[]}`, base.ClassInvalidInput, "needs at least one field"},
		{`{"type":"expression","name":"x","expression":"a +"}`, base.ClassInvalidInput, "postAggregations[0].expression: expression"},
	}
	for _, tt := range tests {
		_, err := Decode(json.RawMessage(tt.spec), "postAggregations[0]")
		if err == nil || base.ClassOf(err) != tt.class || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: got %v (%v), want %v containing %q", tt.spec, err, base.ClassOf(err), tt.class, tt.msg)
		}
	}
	p, _ := Decode(json.RawMessage(`{"type":"arithmetic","name":"avg","fn":"/","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"fieldAccess","fieldName":"missing"}]}`), "p")
	if _, err := Compile(p, env); err == nil || !strings.Contains(err.Error(), `unknown field "missing"`) {
		t.Errorf("unknown field: %v", err)
	}
}

func TestCompare(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	if CompareValues(nil, 1.0, false) >= 0 || CompareValues(int64(2), int64(10), false) >= 0 || CompareValues(2.0, "a", false) >= 0 {
		t.Error("basic order")
	}
	if CompareValues(inf, 1.0, true) <= 0 || CompareValues(nan, inf, true) >= 0 || CompareValues(nan, 1.0, false) <= 0 {
		t.Error("numericFirst order")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"type":"arithmetic","name":"x","fn":"*","fields":[{"type":"fieldAccess","fieldName":"added"},{"type":"constant","value":10}]}`))
	f.Add([]byte(`{"type":"doubleGreatest","name":"x","fields":[{"type":"finalizingFieldAccess","fieldName":"a"}]}`))
	f.Add([]byte(`{"type":"expression","name":"e","expression":"a+b","outputType":"LONG"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Decode(in, "p")
		if err != nil {
			return
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		// Start from the re-encoded form (invalid UTF-8 becomes U+FFFD).
		if p, err = Decode(b, "p"); err != nil {
			t.Fatalf("re-decode %s: %v", b, err)
		}
		b, _ = json.Marshal(p)
		q, err := Decode(b, "p")
		if err != nil {
			t.Fatalf("re-decode %s: %v", b, err)
		}
		b2, _ := json.Marshal(q)
		if string(b) != string(b2) {
			t.Fatalf("round trip: %s vs %s", b, b2)
		}
		if ev, err := Compile(p, Env{}); err == nil {
			ev(row)
		}
	})
}
