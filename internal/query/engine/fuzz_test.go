package engine

import (
	"context"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
)

// FuzzRun runs arbitrary decodable queries over a small segment: the
// engine must answer or fail with a classified error, never panic.
func FuzzRun(f *testing.F) {
	for _, s := range []string{
		`{"queryType":"timeseries","dataSource":"t","intervals":["1970/1971"],"granularity":"minute","aggregations":[{"type":"count","name":"c"},{"type":"doubleSum","name":"y","fieldName":"y"}]}`,
		`{"queryType":"topN","dataSource":"t","intervals":["1970/1971"],"granularity":"all","dimension":"m","metric":"c","threshold":2,"aggregations":[{"type":"count","name":"c"}]}`,
		`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"hour","dimensions":["s","l"],"aggregations":[{"type":"longLast","name":"c","fieldName":"x"}],
		  "filter":{"type":"or","fields":[{"type":"not","field":{"type":"selector","dimension":"s","value":"a"}},{"type":"bound","dimension":"d","lower":"0","ordering":"numeric"}]}}`,
		`{"queryType":"scan","dataSource":"t","intervals":["1970/1971"],"order":"descending","limit":3,
		  "virtualColumns":[{"type":"expression","name":"v","expression":"v + 1","outputType":"LONG"}],"columns":["v","m"]}`,
		`{"queryType":"groupBy","dataSource":"t","intervals":["1970/1971"],"granularity":"all","dimensions":["v"],"aggregations":[{"type":"count","name":"c"}],
		  "virtualColumns":[{"type":"expression","name":"v","expression":"concat(m, s)","outputType":"STRING"}],"filter":{"type":"expression","expression":"strlen(v) > 1"}}`,
	} {
		f.Add(s)
	}
	seg := buildSegment(f, testSchema, handRows())
	f.Fuzz(func(t *testing.T, js string) {
		q, err := query.Decode([]byte(js))
		if err != nil {
			return
		}
		if _, err := Run(context.Background(), q, seg, "s"); err != nil && base.ClassOf(err) == base.ClassInternal {
			t.Fatalf("internal error for %s: %v", js, err)
		}
	})
}
