package jsonspec

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func TestCoercions(t *testing.T) {
	o, err := Decode(json.RawMessage(`{"s":"x","n":10,"f":1.5,"b":true,"bs":"TRUE","ns":"42","fs":"2.5e3","nan":"NaN","arr":["a",1,true],"one":"solo","nul":null,"obj":{}}`), "q")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := o.OptString("n"); s != "10" {
		t.Errorf("number as string: %q", s)
	}
	if !o.Bool("b", false) || !o.Bool("bs", false) || o.Bool("missing", false) {
		t.Error("bools")
	}
	if o.Int("ns", 0) != 42 || o.Int("f", 0) != 1 || o.Int("missing", 7) != 7 {
		t.Error("ints")
	}
	if f, _ := o.OptFloat("fs"); f != 2500 {
		t.Errorf("float %v", f)
	}
	if f, _ := o.OptFloat("nan"); !math.IsNaN(f) {
		t.Error("NaN")
	}
	if ss, _ := o.Strings("arr"); strings.Join(ss, ",") != "a,1,true" {
		t.Errorf("strings %v", ss)
	}
	if ss, _ := o.Strings("one"); len(ss) != 1 || ss[0] != "solo" {
		t.Errorf("single value as list %v", ss)
	}
	if o.Has("nul") || !o.Has("obj") {
		t.Error("Has")
	}
	if o.Err() != nil {
		t.Fatal(o.Err())
	}
	o.OptString("obj")
	if err := o.Err(); err == nil || base.ClassOf(err) != base.ClassInvalidInput || err.Error() != "q.obj: expected a string, got an object" {
		t.Errorf("error: %v", err)
	}
	// The first error sticks.
	o.Int("s", 0)
	if !strings.Contains(o.Err().Error(), "q.obj") {
		t.Error("error not sticky")
	}
}

func TestScalar(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{{`null`, nil}, {`"x"`, "x"}, {`12`, int64(12)}, {`1.5`, 1.5}, {`1e400`, math.Inf(1)}, {`true`, true}, {`99999999999999999999`, 1e20}}
	for _, tt := range tests {
		got, err := Scalar(json.RawMessage(tt.in))
		if tt.in == `1e400` {
			if err == nil {
				t.Errorf("%s accepted", tt.in)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Scalar(%s) = %#v, %v", tt.in, got, err)
		}
	}
	if _, err := Scalar(json.RawMessage(`[1,[2]]`)); err == nil {
		t.Error("nested array accepted")
	}
}

func FuzzObject(f *testing.F) {
	f.Add([]byte(`{"a":"x","b":[1,"2",null],"c":{"d":1},"e":"true","f":1e5}`))
	f.Add([]byte(`{"a":1}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		o, err := Decode(in, "p")
		if err != nil {
			return
		}
		for _, k := range o.Keys() {
			o.OptString(k)
			o.Bool(k, false)
			o.OptInt(k)
			o.OptFloat(k)
			o.Strings(k)
			o.NullableStrings(k)
			Scalar(o.Raw(k))
			if e := o.Err(); e != nil && base.ClassOf(e) != base.ClassInvalidInput {
				t.Fatalf("class %v", base.ClassOf(e))
			}
		}
	})
}
