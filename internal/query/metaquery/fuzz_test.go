package metaquery

import (
	"context"
	"encoding/json"
	"testing"
)

// FuzzMergePartials feeds arbitrary wire-format partials (as a data server
// would send them) to Merge and AppendJSON for every query type: nothing may
// panic, and whatever merges must print as valid JSON.
func FuzzMergePartials(f *testing.F) {
	segs := fixture(f)
	queries := []string{
		`{"queryType":"search","dataSource":"t","intervals":["2020/2021"],"limit":2,"query":{"type":"insensitive_contains","value":"a"}}`,
		`{"queryType":"search","dataSource":"t","intervals":["2020/2021"],"granularity":"day","query":{"type":"contains","value":"a"}}`,
		`{"queryType":"timeBoundary","dataSource":"t","bound":"maxTime"}`,
		`{"queryType":"dataSourceMetadata","dataSource":"t"}`,
		`{"queryType":"segmentMetadata","dataSource":"t","merge":true,"analysisTypes":["cardinality","size","interval","aggregators","minmax","queryGranularity","rollup"]}`,
		`{"queryType":"segmentMetadata","dataSource":"t","aggregatorMergeStrategy":"lenient","merge":true,"analysisTypes":["aggregators"]}`,
	}
	for _, s := range queries {
		q := decodeQuery(f, s)
		var parts []*Partial
		for _, sg := range segs {
			p, err := Run(context.Background(), q, sg.seg, sg.id)
			if err != nil {
				f.Fatal(err)
			}
			parts = append(parts, p)
		}
		b, err := json.Marshal(parts)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[null,{"type":"search"},{"type":"timeBoundary","bounds":{"min":5,"max":-5}}]`))
	f.Add([]byte(`[{"type":"segmentMetadata","analysis":{"columns":[{"name":"x","typeSignature":"LONG"},{"name":"x","typeSignature":"STRING","cardinality":-1}],"aggregators":[{"name":"a"},{"name":"a","spec":"{"}]}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var parts []*Partial
		if json.Unmarshal(data, &parts) != nil {
			return
		}
		for _, s := range queries {
			q := decodeQuery(t, s)
			for _, p := range parts {
				if p != nil {
					p.Type = q.Type()
				}
			}
			r, err := Merge(q, parts)
			if err != nil {
				continue
			}
			out := AppendJSON(nil, q, r)
			// Raw specs decoded from JSON are valid JSON, so the
			// whole output must be.
			if !json.Valid(out) {
				t.Fatalf("invalid JSON for %s: %s", s, out)
			}
		}
	})
}
