package specjson

import (
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func TestObjectAccessors(t *testing.T) {
	obj, err := ParseDocument([]byte(`{"s":"x","n":5,"ns":"7","f":2.0,"bad":1.5,"b":true,"bs":"false","l":["a","b"],"nul":null,"o":{"k":1},"arr":[1,{}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := obj.String("s", ""); err != nil || v != "x" {
		t.Errorf("String: %q %v", v, err)
	}
	if v, err := obj.String("nul", "def"); err != nil || v != "def" {
		t.Errorf("null String: %q %v", v, err)
	}
	for key, want := range map[string]int64{"n": 5, "ns": 7, "f": 2, "missing": -1} {
		if v, err := obj.Int(key, -1); err != nil || v != want {
			t.Errorf("Int(%s) = %d, %v", key, v, err)
		}
	}
	if _, err := obj.Int("bad", 0); err == nil || err.Error() != `bad: expected an integer, got "1.5"` {
		t.Errorf("Int(bad): %v", err)
	}
	if v, err := obj.Bool("bs", true); err != nil || v {
		t.Errorf("Bool(bs): %v %v", v, err)
	}
	if v, err := obj.Strings("l"); err != nil || len(v) != 2 {
		t.Errorf("Strings: %v %v", v, err)
	}
	if _, err := obj.Strings("arr"); err == nil || err.Error() != "arr[0]: expected a string, got number" {
		t.Errorf("Strings(arr): %v", err)
	}
	sub, ok, err := obj.Object("o")
	if err != nil || !ok || sub.Path != "o" {
		t.Errorf("Object: %+v %v %v", sub, ok, err)
	}
	if _, err := sub.RequiredString("name"); err == nil || err.Error() != "o.name: required field is missing" || !base.IsClass(err, base.ClassInvalidInput) {
		t.Errorf("RequiredString: %v", err)
	}
	if _, err := ParseDocument([]byte(`{"a":`)); err == nil || !base.IsClass(err, base.ClassInvalidInput) {
		t.Errorf("bad document: %v", err)
	}
	if got := obj.Keys(); len(got) != 11 || got[0] != "arr" {
		t.Errorf("Keys: %v", got)
	}
}

func TestKind(t *testing.T) {
	for raw, want := range map[string]string{`{}`: "object", ` [1]`: "array", `"x"`: "string", `-1`: "number", `true`: "boolean", `null`: "null", ``: "nothing", `x`: "invalid JSON"} {
		if got := Kind([]byte(raw)); got != want {
			t.Errorf("Kind(%q) = %q, want %q", raw, got, want)
		}
	}
}
