package postagg

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func sizeLookups(name string) (map[string]string, bool) {
	if name == "size" {
		return map[string]string{"4": "small", "905": "large"}, true
	}
	return nil, false
}

// TestDecodeWithLookups binds lookup() in expression post-aggregators, top
// level and nested, and checks that Decode (no lookups) rejects them.
func TestDecodeWithLookups(t *testing.T) {
	tests := []struct {
		spec string
		want any
	}{
		{`{"type":"expression","name":"x","expression":"lookup(rows, 'size')"}`, "small"},
		{`{"type":"expression","name":"x","expression":"lookup(nul, 'size', 'none')"}`, "none"},
		{`{"type":"expression","name":"x","expression":"concat(lookup(added, 'size'), '/', lookup(rows, 'size'))"}`, "large/small"},
		{`{"type":"arithmetic","name":"x","fn":"+","fields":[{"type":"fieldAccess","fieldName":"rows"},{"type":"expression","expression":"strlen(lookup(added, 'size'))"}]}`, 9.0},
		{`{"type":"longGreatest","name":"x","fields":[{"type":"expression","expression":"strlen(lookup(rows, 'size'))"},{"type":"constant","value":1}]}`, int64(5)},
	}
	for _, tt := range tests {
		p, err := DecodeWith(json.RawMessage(tt.spec), "postAggregations[0]", sizeLookups)
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
		if _, err := Decode(json.RawMessage(tt.spec), "postAggregations[0]"); base.ClassOf(err) != base.ClassInvalidInput || !strings.Contains(err.Error(), `unknown lookup "size"`) {
			t.Errorf("%s: Decode without lookups: %v, want an unknown-lookup error", tt.spec, err)
		}
	}
	_, err := DecodeWith(json.RawMessage(`{"type":"expression","name":"x","expression":"lookup(rows, 'nope')"}`), "postAggregations[0]", sizeLookups)
	if base.ClassOf(err) != base.ClassInvalidInput || !strings.Contains(err.Error(), `postAggregations[0].expression`) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown lookup: got %v", err)
	}
}
