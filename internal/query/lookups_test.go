package query

import (
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func countryLookups(name string) (map[string]string, bool) {
	if name == "country" {
		return map[string]string{"fr": "France"}, true
	}
	return nil, false
}

func TestDecodeWithLookups(t *testing.T) {
	const ts = `{"queryType":"timeseries","dataSource":"w","intervals":["2013/2014"],"granularity":"all","aggregations":[{"type":"count","name":"n"}]`
	const gb = `{"queryType":"groupBy","dataSource":"w","intervals":["2013/2014"],"granularity":"all","aggregations":[{"type":"count","name":"n"}]`
	tests := []struct {
		name  string
		q     string
		class base.Class // 0: decodes
		msg   string
	}{
		{"virtual column", ts + `,"virtualColumns":[{"type":"expression","name":"v","expression":"lookup(c, 'country')","outputType":"STRING"}]}`, 0, ""},
		{"filter", ts + `,"filter":{"type":"selector","dimension":"c","value":"France","extractionFn":{"type":"registeredLookup","lookup":"country"}}}`, 0, ""},
		{"dimension", gb + `,"dimensions":[{"type":"extraction","dimension":"c","extractionFn":{"type":"registeredLookup","lookup":"country"}}]}`, 0, ""},
		{"lookup dimension spec", gb + `,"dimensions":[{"type":"lookup","dimension":"c","outputName":"o","name":"country"}]}`, 0, ""},
		{"having", gb + `,"dimensions":["c"],"having":{"type":"dimSelector","dimension":"c","value":"France","extractionFn":{"type":"registeredLookup","lookup":"country"}}}`, 0, ""},
		{"join leftFilter", `{"queryType":"scan","intervals":["2013/2014"],"dataSource":{"type":"join","left":"w","right":{"type":"lookup","lookup":"country"},"rightPrefix":"r.","condition":"c == \"r.k\"","joinType":"INNER",` +
			`"leftFilter":{"type":"selector","dimension":"c","value":"France","extractionFn":{"type":"registeredLookup","lookup":"country"}}}}`, 0, ""},
		{"subquery", `{"queryType":"timeseries","intervals":["2013/2014"],"granularity":"all","dataSource":{"type":"query","query":` +
			`{"queryType":"groupBy","dataSource":"w","intervals":["2013/2014"],"granularity":"all","dimensions":[{"type":"lookup","dimension":"c","outputName":"o","name":"country"}]}}}`, 0, ""},
		{"filtered aggregator", ts[:len(ts)-1] + `,{"type":"filtered","name":"fr","filter":{"type":"selector","dimension":"c","value":"France","extractionFn":{"type":"registeredLookup","lookup":"country"}},"aggregator":{"type":"count"}}]}`, 0, ""},
		{"filtered aggregator expression filter", ts[:len(ts)-1] + `,{"type":"filtered","name":"fr","filter":{"type":"expression","expression":"lookup(c, 'country') == 'France'"},"aggregator":{"type":"count"}}]}`, 0, ""},
		{"expression aggregator", ts[:len(ts)-1] + `,{"type":"expression","name":"e","fields":["c"],"initialValue":"''","fold":"concat(__acc, lookup(c, 'country'))","combine":"concat(__acc, e)"}]}`, 0, ""},
		{"sum of an expression", ts[:len(ts)-1] + `,{"type":"longSum","name":"s","expression":"strlen(lookup(c, 'country'))"}]}`, 0, ""},
		{"expression post-aggregator", ts + `,"postAggregations":[{"type":"expression","name":"p","expression":"lookup('fr', 'country') + n"}]}`, 0, ""},
		{"nested expression post-aggregator", ts + `,"postAggregations":[{"type":"arithmetic","name":"p","fn":"+","fields":[{"type":"fieldAccess","fieldName":"n"},{"type":"expression","expression":"strlen(lookup('fr', 'country'))"}]}]}`, 0, ""},
		{"unknown in subquery", `{"queryType":"timeseries","intervals":["2013/2014"],"granularity":"all","dataSource":{"type":"query","query":` +
			`{"queryType":"scan","dataSource":"w","intervals":["2013/2014"],"filter":{"type":"selector","dimension":"c","value":"x","extractionFn":{"type":"registeredLookup","lookup":"nope"}}}}}`, base.ClassInvalidInput, "dataSource.query.filter.extractionFn.lookup: Lookup [nope] not found"},
		{"unknown in filtered aggregator", ts[:len(ts)-1] + `,{"type":"filtered","name":"fr","filter":{"type":"selector","dimension":"c","value":"x","extractionFn":{"type":"registeredLookup","lookup":"nope"}},"aggregator":{"type":"count"}}]}`, base.ClassInvalidInput, "Lookup [nope] not found"},
		{"unknown in post-aggregator", ts + `,"postAggregations":[{"type":"expression","name":"p","expression":"lookup('fr', 'nope')"}]}`, base.ClassInvalidInput, `unknown lookup "nope"`},
		{"unknown in virtual column", ts + `,"virtualColumns":[{"type":"expression","name":"v","expression":"lookup(c, 'nope')"}]}`, base.ClassInvalidInput, "nope"},
		{"unknown in filter", ts + `,"filter":{"type":"selector","dimension":"c","value":"x","extractionFn":{"type":"registeredLookup","lookup":"nope"}}}`, base.ClassInvalidInput, "filter.extractionFn.lookup: Lookup [nope] not found"},
		{"unknown in dimension", gb + `,"dimensions":[{"type":"extraction","dimension":"c","extractionFn":{"type":"registeredLookup","lookup":"nope"}}]}`, base.ClassInvalidInput, "dimensions[0].extractionFn.lookup: Lookup [nope] not found"},
	}
	for _, tt := range tests {
		q, err := DecodeWith([]byte(tt.q), DecodeOptions{Lookups: countryLookups})
		if tt.class != 0 {
			if base.ClassOf(err) != tt.class || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%s: got %v, want class %v containing %q", tt.name, err, tt.class, tt.msg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if q.Base().Lookups() == nil {
			t.Errorf("%s: decoded query lost its lookups", tt.name)
		}
		// Without lookups the same query names an unknown lookup.
		if _, err := Decode([]byte(tt.q)); base.ClassOf(err) != base.ClassInvalidInput {
			t.Errorf("%s: Decode without lookups: got %v, want invalid input", tt.name, err)
		}
	}
}

func TestCompileExprBindsLookups(t *testing.T) {
	q, err := DecodeWith([]byte(`{"queryType":"scan","dataSource":"w","intervals":["2013/2014"]}`), DecodeOptions{Lookups: countryLookups})
	if err != nil {
		t.Fatal(err)
	}
	c, err := q.Base().CompileExpr("lookup('fr', 'country')", nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.EvalRow(nil)
	if s, _ := v.AsString(); err != nil || s != "France" {
		t.Errorf("lookup('fr','country') = %v, %v", v, err)
	}
}

func TestUsesLookups(t *testing.T) {
	const q = `{"queryType":"timeseries","dataSource":"w","intervals":["2013/2014"],"granularity":"all"`
	for in, want := range map[string]bool{
		q + `}`: false,
		q + `,"virtualColumns":[{"type":"expression","name":"v","expression":"lookup(c, 'country')"}]}`:                                                                 true,
		q + `,"filter":{"type":"selector","dimension":"c","value":"x","extractionFn":{"type":"registeredLookup","lookup":"country"}}}`:                                  true,
		q + `,"aggregations":[{"type":"filtered","name":"f","filter":{"type":"expression","expression":"lookup(c, 'country') == 'x'"},"aggregator":{"type":"count"}}]}`: true,
		q + `,"aggregations":[{"type":"doubleSum","name":"s","expression":"strlen(lookup(c, 'country'))"}]}`:                                                            true,
		q + `,"aggregations":[{"type":"count","name":"n"}],"postAggregations":[{"type":"expression","name":"p","expression":"lookup('fr', 'country')"}]}`:               true,
		`{"queryType":"timeseries","intervals":["2013/2014"],"granularity":"all","dataSource":{"type":"query","query":{"queryType":"scan","dataSource":"w","intervals":["2013/2014"],` +
			`"virtualColumns":[{"type":"expression","name":"v","expression":"lookup(c, 'country')"}]}}}`: true,
		`{"queryType":"timeseries","intervals":["2013/2014"],"granularity":"all","dataSource":{"type":"query","query":{"queryType":"scan","dataSource":"w","intervals":["2013/2014"]}}}`: false,
		`{"queryType":"scan","intervals":["2013/2014"],"dataSource":{"type":"join","left":"w","rightPrefix":"r.","condition":"c == \"r.o\"","joinType":"INNER","right":{"type":"query","query":` +
			`{"queryType":"groupBy","dataSource":"w","intervals":["2013/2014"],"granularity":"all","dimensions":[{"type":"lookup","dimension":"c","outputName":"o","name":"country"}]}}}}`: true,
	} {
		dq, err := DecodeWith([]byte(in), DecodeOptions{Lookups: countryLookups})
		if err != nil {
			t.Fatal(err)
		}
		if got := dq.Base().UsesLookups(); got != want {
			t.Errorf("%s: UsesLookups = %v, want %v", in, got, want)
		}
	}
}
