package rowengine

import (
	"testing"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/result"
)

// TestExtAggregators runs the filtered, any and expression aggregators
// and an expression input through the row engine and the result pipeline
// (merge, empty buckets, finalize).
func TestExtAggregators(t *testing.T) {
	q := decode[*query.Timeseries](t, `{"queryType":"timeseries","dataSource":`+inline+`,"intervals":["2013-08-01/2013-10-01"],"granularity":"day",
		"aggregations":[
		{"type":"filtered","name":"apples","filter":{"type":"selector","dimension":"page","value":"Apple"},"aggregator":{"type":"count","name":"c"}},
		{"type":"filtered","filter":{"type":"selector","dimension":"page","value":"Apple"},"aggregator":{"type":"longSum","name":"appleAdded","fieldName":"added"}},
		{"type":"stringAny","name":"anyPage","fieldName":"page"},
		{"type":"stringAny","name":"anyTags","fieldName":"tags"},
		{"type":"doubleAny","name":"anyDelta","fieldName":"delta"},
		{"type":"longSum","name":"added3","expression":"added * 3"},
		{"type":"expression","name":"ecount","fields":[],"initialValue":"0","fold":"__acc + 1","combine":"__acc + ecount","finalize":"o * 10","isNullUnlessAggregated":false}]}`)
	aggs := aggsOf(t, &q.Aggregated)
	part, err := Timeseries(q, aggs, InlineRows(q.DataSource.(*query.InlineDataSource)))
	if err != nil {
		t.Fatal(err)
	}
	merged, _ := result.MergeTimeseries(q, aggs, part)
	tab, err := result.FinishTimeseries(q, aggs, merged)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"timestamp":"2013-08-31T00:00:00.000Z","result":{"apples":1,"appleAdded":10,"anyPage":"Apple","anyTags":"[a, b]","anyDelta":1.5,"added3":39,"ecount":20}},` +
		`{"timestamp":"2013-09-01T00:00:00.000Z","result":{"apples":0,"appleAdded":null,"anyPage":null,"anyTags":null,"anyDelta":null,"added3":null,"ecount":0}},` +
		`{"timestamp":"2013-09-02T00:00:00.000Z","result":{"apples":1,"appleAdded":7,"anyPage":"Apple","anyTags":"b","anyDelta":2.0,"added3":21,"ecount":20}}]`
	if got := string(result.AppendTimeseries(nil, tab)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
