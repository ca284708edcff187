package broker

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestPrettyJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[]`, `[ ]`},
		{`{}`, `{ }`},
		{`[1,2,"a,b:c"]`, `[ 1, 2, "a,b:c" ]`},
		{`[{"timestamp":"2013-08-31T00:00:00.000Z","result":{"rows":2,"x":[1.5,null],"e":{},"q":"say \"hi\""}},{"a":[]}]`,
			"[ {\n  \"timestamp\" : \"2013-08-31T00:00:00.000Z\",\n  \"result\" : {\n    \"rows\" : 2,\n    \"x\" : [ 1.5, null ],\n" +
				"    \"e\" : { },\n    \"q\" : \"say \\\"hi\\\"\"\n  }\n}, {\n  \"a\" : [ ]\n} ]"},
		{`[[{"a":1}],[]]`, "[ [ {\n  \"a\" : 1\n} ], [ ] ]"},
		{`not json`, `not json`},
	}
	for _, tc := range tests {
		if got := string(prettyJSON([]byte(tc.in))); got != tc.want {
			t.Errorf("prettyJSON(%s)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func FuzzPrettyJSON(f *testing.F) {
	for _, s := range []string{`[]`, `{"a":[1,{"b":"c"}]}`, `"x"`, `[{"k":"\u00e9\\"}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := prettyJSON([]byte(s))
		if !sameCompact(t, []byte(s), out) {
			t.Errorf("prettyJSON(%q) = %q changes the value", s, out)
		}
	})
}

// sameCompact reports whether two texts are the same JSON value (or the
// same invalid text).
func sameCompact(t *testing.T, a, b []byte) bool {
	t.Helper()
	var ca, cb bytes.Buffer
	ea, eb := json.Compact(&ca, a), json.Compact(&cb, b)
	if ea != nil || eb != nil {
		return string(a) == string(b)
	}
	return ca.String() == cb.String()
}
