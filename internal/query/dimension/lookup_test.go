package dimension

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func testLookups(name string) (map[string]string, bool) {
	if name == "country" {
		return map[string]string{"fr": "France", "de": "Germany", "empty": ""}, true
	}
	return nil, false
}

func TestRegisteredLookup(t *testing.T) {
	tests := []struct {
		fn   string
		in   any
		want any // nil: null
	}{
		{`{"type":"registeredLookup","lookup":"country"}`, "fr", "France"},
		{`{"type":"registeredLookup","lookup":"country"}`, "xx", nil},
		{`{"type":"registeredLookup","lookup":"country"}`, nil, nil},
		{`{"type":"registeredLookup","lookup":"country"}`, "empty", ""},
		{`{"type":"registeredLookup","lookup":"country","retainMissingValue":true}`, "xx", "xx"},
		{`{"type":"registeredLookup","lookup":"country","retainMissingValue":true}`, nil, nil},
		{`{"type":"registeredLookup","lookup":"country","replaceMissingValueWith":"?"}`, "xx", "?"},
		{`{"type":"registeredLookup","lookup":"country","replaceMissingValueWith":"?"}`, nil, "?"},
		{`{"type":"registeredLookup","lookup":"country","injective":true,"optimize":false}`, "de", "Germany"},
		{`{"type":"registeredLookup","lookup":"country"}`, []string{"fr", "de"}, []string{"France", "Germany"}},
		{`{"type":"cascade","extractionFns":[{"type":"registeredLookup","lookup":"country"},{"type":"upper"}]}`, "fr", "FRANCE"},
	}
	for _, tt := range tests {
		fn, err := DecodeExtractionFnWith(json.RawMessage(tt.fn), "extractionFn", testLookups)
		if err != nil {
			t.Fatalf("%s: %v", tt.fn, err)
		}
		got := fn.ApplyValue(tt.in)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(tt.want)
		if string(gb) != string(wb) {
			t.Errorf("%s(%v) = %s, want %s", tt.fn, tt.in, gb, wb)
		}
		if b, _ := json.Marshal(fn); string(b) != tt.fn {
			t.Errorf("re-encoded %s, want %s", b, tt.fn)
		}
	}
}

func TestRegisteredLookupErrors(t *testing.T) {
	tests := []struct {
		fn      string
		lookups LookupFunc
		class   base.Class
		msg     string
	}{
		{`{"type":"registeredLookup","lookup":"nope"}`, testLookups, base.ClassInvalidInput, "extractionFn.lookup: Lookup [nope] not found"},
		{`{"type":"registeredLookup","lookup":"country"}`, nil, base.ClassInvalidInput, "Lookup [country] not found"},
		{`{"type":"registeredLookup"}`, testLookups, base.ClassInvalidInput, "extractionFn.lookup"},
		{`{"type":"registeredLookup","lookup":"country","retainMissingValue":true,"replaceMissingValueWith":"x"}`, testLookups, base.ClassInvalidInput, "cannot both be set"},
		{`{"type":"registeredLookup","lookup":["country"]}`, testLookups, base.ClassInvalidInput, "extractionFn.lookup"},
	}
	for _, tt := range tests {
		_, err := DecodeExtractionFnWith(json.RawMessage(tt.fn), "extractionFn", tt.lookups)
		if err == nil || base.ClassOf(err) != tt.class || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: got %v, want class %v containing %q", tt.fn, err, tt.class, tt.msg)
		}
	}
}

func TestLookupDimensionSpec(t *testing.T) {
	s, err := DecodeSpecWith(json.RawMessage(`{"type":"lookup","dimension":"c","outputName":"name","name":"country","replaceMissingValueWith":"n/a"}`), "dimension", testLookups)
	if err != nil {
		t.Fatal(err)
	}
	if s.OutputName != "name" || s.Dimension != "c" {
		t.Errorf("spec %+v", s)
	}
	for in, want := range map[string]string{"fr": "France", "zz": "n/a"} {
		if got, ok := s.ExtractionFn.Apply(in); !ok || got != want {
			t.Errorf("%s: got %q %v, want %q", in, got, ok, want)
		}
	}
	_, err = DecodeSpecWith(json.RawMessage(`{"type":"lookup","dimension":"c","name":"nope"}`), "dimension", testLookups)
	if err == nil || !strings.Contains(err.Error(), "dimension.name: Lookup [nope] not found") {
		t.Errorf("unknown name: %v", err)
	}
}

func TestLookupFuncExpr(t *testing.T) {
	if LookupFunc(nil).Expr() != nil {
		t.Error("nil LookupFunc gave a resolver")
	}
	r := LookupFunc(testLookups).Expr()
	l, ok := r("country")
	if !ok {
		t.Fatal("country not resolved")
	}
	if v, ok := l.Get("de"); !ok || v != "Germany" {
		t.Errorf("Get(de) = %q %v", v, ok)
	}
	if _, ok := l.Get("zz"); ok {
		t.Error("Get(zz) found")
	}
	if _, ok := r("nope"); ok {
		t.Error("nope resolved")
	}
}
