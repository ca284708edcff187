package rowengine

import (
	"testing"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/result"
)

func fruitLookups(name string) (map[string]string, bool) {
	if name == "fruit" {
		return map[string]string{"Apple": "pome", "banana": "berry"}, true
	}
	return nil, false
}

// TestLookups runs a groupBy whose dimension, virtual column and filter use
// the registered lookup "fruit".
func TestLookups(t *testing.T) {
	q, err := query.DecodeWith([]byte(`{"queryType":"groupBy","dataSource":`+inline+`,"intervals":["2013/2014"],"granularity":"all",
		"virtualColumns":[{"type":"expression","name":"kind","expression":"lookup(page, 'fruit', 'other')","outputType":"STRING"}],
		"dimensions":[{"type":"extraction","dimension":"page","outputName":"p","extractionFn":{"type":"registeredLookup","lookup":"fruit","retainMissingValue":true}},"kind"],
		"filter":{"type":"expression","expression":"lookup(page, 'fruit') != 'berry'"},
		"aggregations":[{"type":"count","name":"rows"}]}`), query.DecodeOptions{Lookups: fruitLookups})
	if err != nil {
		t.Fatal(err)
	}
	gq := q.(*query.GroupBy)
	aggs := aggsOf(t, &gq.Aggregated)
	rows, err := GroupBy(gq, aggs, InlineRows(gq.DataSource.(*query.InlineDataSource)))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := result.FinishGroupBy(gq, aggs, rows)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"version":"v1","timestamp":"2013-01-01T00:00:00.000Z","event":{"p":"pome","kind":"pome","rows":2}}]`
	if got := string(result.AppendGroupBy(nil, tab, false, true)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestLookupsInAggregatorsAndPostAggregators runs a groupBy whose filtered
// aggregator and expression post-aggregator use the lookup "fruit".
func TestLookupsInAggregatorsAndPostAggregators(t *testing.T) {
	q, err := query.DecodeWith([]byte(`{"queryType":"groupBy","dataSource":`+inline+`,"intervals":["2013/2014"],"granularity":"all",
		"dimensions":["page"],
		"aggregations":[{"type":"count","name":"rows"},
			{"type":"filtered","name":"pomes","filter":{"type":"selector","dimension":"page","value":"pome","extractionFn":{"type":"registeredLookup","lookup":"fruit"}},"aggregator":{"type":"longSum","name":"x","fieldName":"added"}}],
		"postAggregations":[{"type":"expression","name":"label","expression":"concat(lookup(page, 'fruit', 'none'), ':', rows)"}]}`), query.DecodeOptions{Lookups: fruitLookups})
	if err != nil {
		t.Fatal(err)
	}
	gq := q.(*query.GroupBy)
	aggs := aggsOf(t, &gq.Aggregated)
	rows, err := GroupBy(gq, aggs, InlineRows(gq.DataSource.(*query.InlineDataSource)))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := result.FinishGroupBy(gq, aggs, rows)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"version":"v1","timestamp":"2013-01-01T00:00:00.000Z","event":{"page":null,"rows":1,"pomes":null,"label":"none:1"}},` +
		`{"version":"v1","timestamp":"2013-01-01T00:00:00.000Z","event":{"page":"Apple","rows":2,"pomes":17,"label":"pome:2"}},` +
		`{"version":"v1","timestamp":"2013-01-01T00:00:00.000Z","event":{"page":"banana","rows":1,"pomes":null,"label":"berry:1"}}]`
	if got := string(result.AppendGroupBy(nil, tab, false, true)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
