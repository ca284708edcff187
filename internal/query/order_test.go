package query

import (
	"encoding/json"
	"testing"

	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/value"
)

func TestHaving(t *testing.T) {
	rows := []value.MapRow{
		{"page": "a", "rows": int64(5), "avg": 2.5},
		{"page": "b", "rows": int64(1), "avg": nil},
		{"page": nil, "rows": int64(3), "avg": 7.0},
	}
	tests := []struct {
		spec string
		want string
	}{
		{`{"type":"greaterThan","aggregation":"rows","value":2}`, "YNY"},
		{`{"type":"lessThan","aggregation":"avg","value":5}`, "YNN"},
		{`{"type":"equalTo","aggregation":"rows","value":"3"}`, "NNY"},
		{`{"type":"equalTo","aggregation":"avg","value":2.5}`, "YNN"},
		{`{"type":"dimSelector","dimension":"page","value":"b"}`, "NYN"},
		{`{"type":"dimSelector","dimension":"page","value":null}`, "NNY"},
		{`{"type":"not","havingSpec":{"type":"dimSelector","dimension":"page","value":"b"}}`, "YNY"},
		{`{"type":"filter","filter":{"type":"not","field":{"type":"selector","dimension":"page","value":"b"}}}`, "YNN"},
		{`{"type":"and","havingSpecs":[{"type":"greaterThan","aggregation":"rows","value":2},{"type":"lessThan","aggregation":"avg","value":5}]}`, "YNN"},
		{`{"type":"or","havingSpecs":[{"type":"lessThan","aggregation":"rows","value":2},{"type":"greaterThan","aggregation":"avg","value":5}]}`, "NYY"},
		{`{"type":"always"}`, "YYY"},
		{`{"type":"never"}`, "NNN"},
	}
	for _, tt := range tests {
		h, err := decodeHaving(json.RawMessage(tt.spec), "having", 0)
		if err != nil {
			t.Fatalf("%s: %v", tt.spec, err)
		}
		m, err := CompileHaving(h)
		if err != nil {
			t.Fatalf("%s: %v", tt.spec, err)
		}
		got := ""
		for _, r := range rows {
			if m(r) {
				got += "Y"
			} else {
				got += "N"
			}
		}
		if got != tt.want {
			t.Errorf("%s: got %s want %s", tt.spec, got, tt.want)
		}
	}
}

func TestOrderByColumn(t *testing.T) {
	tests := []struct {
		spec string
		a, b any
		want int
	}{
		{`"page"`, "a", "b", -1},
		{`"page"`, nil, "a", -1},
		{`{"dimension":"x","direction":"descending"}`, nil, "a", 1},
		{`{"dimension":"x"}`, int64(10), int64(9), 1},
		{`{"dimension":"x","dimensionOrder":"lexicographic"}`, "10", "9", -1},
		{`{"dimension":"x","dimensionOrder":"numeric"}`, "10", "9", 1},
		{`{"dimension":"x","dimensionOrder":{"type":"strlen"}}`, "bb", "a", 1},
		{`{"dimension":"x","dimensionOrder":"alphanumeric","direction":"desc"}`, "a10", "a9", -1},
		{`{"dimension":"x","direction":"ascending"}`, 1.5, int64(2), -1},
	}
	for _, tt := range tests {
		c, err := decodeOrderBy(json.RawMessage(tt.spec), "c")
		if err != nil {
			t.Fatal(err)
		}
		if got := c.CompareColumn(tt.a, tt.b); sgn(got) != tt.want {
			t.Errorf("%s: compare(%v, %v) = %d, want %d", tt.spec, tt.a, tt.b, got, tt.want)
		}
	}
}

func sgn(i int) int {
	switch {
	case i < 0:
		return -1
	case i > 0:
		return 1
	}
	return 0
}

func TestTopNMetric(t *testing.T) {
	tests := []struct {
		spec string
		a, b TopNRow
		want int
	}{
		{`"count"`, TopNRow{"a", int64(5)}, TopNRow{"b", int64(3)}, -1},
		{`"count"`, TopNRow{"a", nil}, TopNRow{"b", int64(3)}, 1},
		{`"count"`, TopNRow{"b", int64(3)}, TopNRow{"a", int64(3)}, 1},
		{`{"type":"inverted","metric":"count"}`, TopNRow{"a", int64(5)}, TopNRow{"b", int64(3)}, 1},
		{`{"type":"dimension","ordering":"numeric"}`, TopNRow{"10", nil}, TopNRow{"9", nil}, 1},
		{`{"type":"lexicographic"}`, TopNRow{"10", nil}, TopNRow{"9", nil}, -1},
		{`{"type":"alphaNumeric"}`, TopNRow{"a10", nil}, TopNRow{"a9", nil}, 1},
		{`{"type":"inverted","metric":{"type":"dimension"}}`, TopNRow{"a", nil}, TopNRow{"b", nil}, 1},
		{`{"type":"inverted","metric":{"type":"inverted","metric":{"type":"dimension"}}}`, TopNRow{"a", nil}, TopNRow{"b", nil}, -1},
	}
	for _, tt := range tests {
		m, err := decodeTopNMetric(json.RawMessage(tt.spec), "metric", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Compare(tt.a, tt.b); sgn(got) != tt.want {
			t.Errorf("%s: compare(%v, %v) = %d, want %d", tt.spec, tt.a, tt.b, got, tt.want)
		}
	}
	m, _ := decodeTopNMetric(json.RawMessage(`{"type":"dimension","previousStop":"b"}`), "metric", 0)
	if m.Admits("a") || m.Admits("b") || !m.Admits("c") {
		t.Error("previousStop")
	}
	m, _ = decodeTopNMetric(json.RawMessage(`{"type":"inverted","metric":{"type":"dimension","previousStop":"b"}}`), "metric", 0)
	if !m.Admits("a") || m.Admits("b") || m.Admits("c") {
		t.Error("inverted previousStop")
	}
}

func TestContext(t *testing.T) {
	c := Context{}
	if !c.UseCache() || !c.PopulateCache() || !c.Finalize() || c.SkipEmptyBuckets() || c.GrandTotal() || c.MinTopNThreshold() != 1000 || c.QueryID() != "" {
		t.Error("defaults")
	}
	if _, ok := c.Timeout(); ok {
		t.Error("timeout set")
	}
	c = Context{"timeout": int64(5), "useCache": "false", "minTopNThreshold": 10.0, "queryId": int64(7), "grandTotal": true}
	if err := c.Validate("context"); err != nil {
		t.Fatal(err)
	}
	if to, _ := c.Timeout(); to != 5 || c.UseCache() || c.MinTopNThreshold() != 10 || c.QueryID() != "7" || !c.GrandTotal() {
		t.Errorf("accessors: %v", c)
	}
	if p := (Context{"priority": 1.5}); p.Validate("context") != nil || p.Priority() != 1 {
		t.Error("fractional priority is truncated")
	}
	for _, bad := range []Context{{"timeout": -1}, {"priority": "high"}, {"finalize": int64(1)}, {"queryId": []any{}}} {
		if bad["timeout"] == -1 {
			bad["timeout"] = int64(-1)
		}
		if err := bad.Validate("context"); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

var _ = filter.Matches
