package metaquery

import (
	"testing"

	"github.com/dryaddb/dryad/internal/query"
)

func cityLookups(name string) (map[string]string, bool) {
	if name == "country" {
		return map[string]string{"Paris": "France", "Rome": "Italy"}, true
	}
	return nil, false
}

// TestLookupsInVirtualColumns runs search and timeBoundary queries whose
// virtual columns call lookup(): they compile with the query's lookups.
func TestLookupsInVirtualColumns(t *testing.T) {
	segs := fixture(t)
	const vc = `"virtualColumns":[{"type":"expression","name":"v","expression":"lookup(city, 'country', 'elsewhere')","outputType":"STRING"}]`
	tests := []struct{ name, query, want string }{
		{"search a lookup virtual column",
			`{"queryType":"search","dataSource":"t","intervals":["2020/2021"],` + vc + `,"searchDimensions":["v"],"query":{"type":"contains","value":""}}`,
			`[{"timestamp":"2020-01-01T00:00:00.000Z","result":[{"dimension":"v","value":"France","count":3},{"dimension":"v","value":"Italy","count":1},{"dimension":"v","value":"elsewhere","count":2}]}]`},
		{"search filtered on a lookup virtual column",
			`{"queryType":"search","dataSource":"t","intervals":["2020/2021"],` + vc + `,"filter":{"type":"selector","dimension":"v","value":"Italy"},"searchDimensions":["page"],"query":{"type":"contains","value":""}}`,
			`[{"timestamp":"2020-01-01T00:00:00.000Z","result":[{"dimension":"page","value":"Apple","count":1}]}]`},
		{"timeBoundary filtered on a lookup virtual column",
			`{"queryType":"timeBoundary","dataSource":"t",` + vc + `,"filter":{"type":"selector","dimension":"v","value":"elsewhere"}}`,
			`[{"timestamp":"2020-01-01T02:00:00.000Z","result":{"minTime":"2020-01-01T02:00:00.000Z","maxTime":"2020-01-01T03:00:00.000Z"}}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := query.DecodeWith([]byte(tc.query), query.DecodeOptions{Lookups: cityLookups})
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, runAll(t, q, segs), tc.want)
		})
	}
}
