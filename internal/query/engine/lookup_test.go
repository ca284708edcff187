package engine

import (
	"fmt"
	"testing"

	"github.com/dryaddb/dryad/internal/query"
)

func letterLookups(name string) (map[string]string, bool) {
	if name == "letters" {
		return map[string]string{"a": "alpha", "b": "beta"}, true
	}
	return nil, false
}

// TestLookupsInAggregators runs aggregators that use the registered lookup
// "letters" (on handRows' s: a, b, null, "", c, a) through the segment
// engine and the row engine.
func TestLookupsInAggregators(t *testing.T) {
	seg := buildSegment(t, testSchema, handRows())
	ref := segmentRows(t, seg)
	tests := []struct {
		name, agg, want string
	}{
		{"filtered, registeredLookup selector",
			`{"type":"filtered","name":"v","filter":{"type":"selector","dimension":"s","value":"alpha","extractionFn":{"type":"registeredLookup","lookup":"letters"}},"aggregator":{"type":"count","name":"in"}}`, `{"L":2}`},
		{"filtered, expression filter",
			`{"type":"filtered","name":"v","filter":{"type":"expression","expression":"lookup(s, 'letters') == 'beta'"},"aggregator":{"type":"longSum","name":"in","fieldName":"x"}}`, `{"L":20}`},
		// "" and c keep their values; null stays null, and not(in) of null
		// is not true (SQL-compatible null handling).
		{"filtered, registeredLookup in a nested filter",
			`{"type":"filtered","name":"v","filter":{"type":"not","field":{"type":"in","dimension":"s","values":["alpha","beta"],"extractionFn":{"type":"registeredLookup","lookup":"letters","retainMissingValue":true}}},"aggregator":{"type":"count","name":"in"}}`, `{"L":2}`},
		{"longSum of an expression",
			`{"type":"longSum","name":"v","expression":"strlen(lookup(s, 'letters', '?'))"}`, `{"L":17}`},
		{"expression aggregator",
			`{"type":"expression","name":"v","fields":["s"],"initialValue":"0","fold":"__acc + strlen(lookup(s, 'letters', ''))","combine":"__acc + v","shouldAggregateNullInputs":false}`, `{"L":14}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js := fmt.Sprintf(`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"all","aggregations":[%s]}`, tc.agg)
			q, err := query.DecodeWith([]byte(js), query.DecodeOptions{Lookups: letterLookups})
			if err != nil {
				t.Fatal(err)
			}
			if !q.Base().UsesLookups() {
				t.Error("UsesLookups = false")
			}
			p := run(t, q, seg)
			if len(p.Timeseries) != 1 {
				t.Fatalf("got %d rows", len(p.Timeseries))
			}
			if got := canon(p.Timeseries[0].Values[0]); got != tc.want {
				t.Errorf("engine: got %s, want %s", got, tc.want)
			}
			w := reference(t, q, ref, nil)
			if got := canon(w.Timeseries[0].Values[0]); got != tc.want {
				t.Errorf("row engine: got %s, want %s", got, tc.want)
			}
		})
	}
}
