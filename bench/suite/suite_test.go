package suite

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/bench/answer"
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
)

// TestSuiteWellFormed checks that every native query decodes in dryad's
// query model (or is rejected as unsupported only when the query says what
// it needs), that names are unique, and that each query's compared columns
// are named in both its native query and its SQL.
func TestSuiteWellFormed(t *testing.T) {
	qs, err := Suite(1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 15 {
		t.Errorf("suite has %d queries, want at least 15", len(qs))
	}
	names := map[string]bool{}
	for _, q := range qs {
		t.Run(q.Name, func(t *testing.T) {
			if names[q.Name] {
				t.Fatalf("duplicate name")
			}
			names[q.Name] = true
			if q.Dataset != Wiki && q.Dataset != Lineitem {
				t.Fatalf("dataset %q", q.Dataset)
			}
			if !json.Valid([]byte(q.Native)) {
				t.Fatalf("native query is not valid JSON")
			}
			var raw map[string]any
			_ = json.Unmarshal([]byte(q.Native), &raw)
			if raw["dataSource"] != q.Dataset {
				t.Errorf("native dataSource %v, want %s", raw["dataSource"], q.Dataset)
			}
			if _, err := query.Decode([]byte(q.Native)); err != nil {
				if base.ClassOf(err) != base.ClassUnsupported || q.Needs == "" {
					t.Fatalf("native query does not decode: %v", err)
				}
				t.Logf("unsupported (needs %s): %v", q.Needs, err)
			}
			if !strings.Contains(q.SQL, "FROM "+q.Dataset) || !strings.Contains(q.Reference(), "FROM "+q.Dataset) {
				t.Errorf("SQL does not read table %s", q.Dataset)
			}
			if len(q.Match.Columns) == 0 {
				t.Fatal("no compared columns")
			}
			for _, c := range q.Match.Columns {
				if c == answer.TimeColumn {
					continue
				}
				if !strings.Contains(q.Native, `"`+c+`"`) {
					t.Errorf("compared column %q is not named in the native query", c)
				}
				if !strings.Contains(q.SQL, c) {
					t.Errorf("compared column %q is not named in the SQL", c)
				}
			}
			for _, c := range q.Match.SortColumns {
				found := false
				for _, m := range q.Match.Columns {
					found = found || m == c
				}
				if !found {
					t.Errorf("sort column %q is not compared", c)
				}
			}
			if (q.Match.Mode == answer.Subset) != (q.Match.Limit > 0) {
				t.Errorf("subset match needs a limit and only it: mode %d limit %d", q.Match.Mode, q.Match.Limit)
			}
		})
	}
}

func TestSuiteHavingScales(t *testing.T) {
	small, _ := Suite(10_000)
	big, _ := Suite(10_000_000)
	for i := range small {
		if small[i].Name == "groupby-1dim-having" {
			if small[i].SQL == big[i].SQL || !strings.Contains(big[i].SQL, "> 10000") {
				t.Errorf("having threshold does not follow the row count: %s", big[i].SQL)
			}
			return
		}
	}
	t.Fatal("no groupby-1dim-having query")
}

func TestBodyTurnsCachesOff(t *testing.T) {
	qs, err := Suite(1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		b, err := q.Body()
		if err != nil {
			t.Fatalf("%s: %v", q.Name, err)
		}
		var m struct {
			Context map[string]any `json:"context"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"useCache", "populateCache", "useResultLevelCache", "populateResultLevelCache"} {
			if m.Context[k] != false {
				t.Errorf("%s: context %s = %v, want false", q.Name, k, m.Context[k])
			}
		}
		if strings.Contains(q.Native, "skipEmptyBuckets") && m.Context["skipEmptyBuckets"] != true {
			t.Errorf("%s: the query's own context was lost", q.Name)
		}
		if dq, err := query.Decode(b); err == nil && dq.Base().Context.UseCache() {
			t.Errorf("%s: decoded context uses the cache", q.Name)
		}
	}
	if _, err := (Query{Name: "bad", Native: "{"}).Body(); err == nil {
		t.Fatal("bad JSON accepted")
	}
}
