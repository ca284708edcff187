package filter

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func countries(name string) (map[string]string, bool) {
	if name == "country" {
		return map[string]string{"fr": "France", "de": "Germany"}, true
	}
	return nil, false
}

func TestDecodeWithLookups(t *testing.T) {
	tests := []struct {
		filter string
		row    MapRow
		want   Tri
	}{
		{`{"type":"selector","dimension":"c","value":"France","extractionFn":{"type":"registeredLookup","lookup":"country"}}`, MapRow{"c": "fr"}, TriTrue},
		{`{"type":"selector","dimension":"c","value":"France","extractionFn":{"type":"registeredLookup","lookup":"country"}}`, MapRow{"c": "de"}, TriFalse},
		{`{"type":"not","field":{"type":"in","dimension":"c","values":["Germany"],"extractionFn":{"type":"registeredLookup","lookup":"country"}}}`, MapRow{"c": "fr"}, TriTrue},
		{`{"type":"expression","expression":"lookup(c, 'country') == 'Germany'"}`, MapRow{"c": "de"}, TriTrue},
		{`{"type":"and","fields":[{"type":"expression","expression":"lookup(c, 'country', 'none') == 'none'"}]}`, MapRow{"c": "it"}, TriTrue},
	}
	for _, tt := range tests {
		f, err := DecodeWith(json.RawMessage(tt.filter), "filter", countries)
		if err != nil {
			t.Fatalf("%s: %v", tt.filter, err)
		}
		m, err := Compile(f)
		if err != nil {
			t.Fatalf("%s: compile: %v", tt.filter, err)
		}
		if got := m.Eval(tt.row); got != tt.want {
			t.Errorf("%s on %v = %v, want %v", tt.filter, tt.row, got, tt.want)
		}
		if cols := RequiredColumns(f); len(cols) != 1 || cols[0] != "c" {
			t.Errorf("%s: required columns %v", tt.filter, cols)
		}
	}
	for _, in := range []string{
		`{"type":"expression","expression":"lookup(c, 'nope') == 'x'"}`,
		`{"type":"selector","dimension":"c","value":"x","extractionFn":{"type":"registeredLookup","lookup":"nope"}}`,
	} {
		_, err := DecodeWith(json.RawMessage(in), "filter", countries)
		if base.ClassOf(err) != base.ClassInvalidInput || !strings.Contains(err.Error(), "nope") {
			t.Errorf("%s: got %v, want an invalid-input error naming the lookup", in, err)
		}
	}
}
