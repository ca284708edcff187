package aggregation

import (
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

func colorLookups(name string) (map[string]string, bool) {
	if name == "color" {
		return map[string]string{"r": "red", "g": "green"}, true
	}
	return nil, false
}

// TestDecodeWithLookups decodes aggregators that use the lookup "color",
// runs their rollups over the keys r, g, r, x, and checks that Decode
// (ingestion: no lookups) rejects them.
func TestDecodeWithLookups(t *testing.T) {
	tests := []struct {
		name, spec string
		want       string // the stored value after the four rows
	}{
		{"filtered, registeredLookup", `{"type":"filtered","name":"n","filter":{"type":"selector","dimension":"k","value":"red","extractionFn":{"type":"registeredLookup","lookup":"color"}},"aggregator":{"type":"count"}}`, "2"},
		{"filtered, expression filter", `{"type":"filtered","name":"n","filter":{"type":"expression","expression":"lookup(k, 'color', 'none') == 'none'"},"aggregator":{"type":"count"}}`, "1"},
		{"filtered, inner expression input", `{"type":"filtered","name":"n","filter":{"type":"true"},"aggregator":{"type":"longSum","expression":"strlen(lookup(k, 'color'))"}}`, "11"},
		{"longMax of an expression", `{"type":"longMax","name":"n","expression":"strlen(lookup(k, 'color', ''))"}`, "5"},
		{"expression aggregator", `{"type":"expression","name":"n","fields":["k"],"initialValue":"0","fold":"__acc + strlen(lookup(k, 'color', ''))","combine":"__acc + n"}`, "11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeWith([]byte(tt.spec), colorLookups)
			if err != nil {
				t.Fatal(err)
			}
			r := f.NewRollup()
			for i, k := range []string{"r", "g", "r", "x"} {
				in := make([]segment.Value, len(f.InputFields()))
				for j, n := range f.InputFields() {
					if n == "k" {
						in[j] = segment.StringValue(k)
					}
				}
				if i == 0 {
					r.Add(0, in)
				} else {
					r.Aggregate(0, 0, in)
				}
			}
			got := r.Stored(0)
			s := got.String()
			if got.Kind == segment.KindComplex {
				s = string(got.Bytes) // an expression state's JSON text
			}
			if s != tt.want {
				t.Errorf("stored %s, want %s", s, tt.want)
			}
			if _, err := Decode([]byte(tt.spec)); base.ClassOf(err) != base.ClassInvalidInput || !strings.Contains(err.Error(), "color") {
				t.Errorf("Decode without lookups: %v, want an invalid-input error naming the lookup", err)
			}
		})
	}
	if _, err := DecodeListWith([]byte(`[{"type":"longSum","name":"a","expression":"strlen(lookup(k, 'color'))"},{"type":"count","name":"b"}]`), colorLookups); err != nil {
		t.Errorf("DecodeListWith: %v", err)
	}
	if _, err := DecodeListWith([]byte(`[{"type":"longSum","name":"a","expression":"strlen(lookup(k, 'nope'))"}]`), colorLookups); base.ClassOf(err) != base.ClassInvalidInput || !strings.Contains(err.Error(), "nope") {
		t.Errorf("DecodeListWith, unknown lookup: %v", err)
	}
}
