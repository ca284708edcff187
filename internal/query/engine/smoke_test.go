package engine

import (
	"testing"

	"github.com/dryaddb/dryad/internal/segment"
)

func TestSmoke(t *testing.T) {
	S, L, D, F := segment.StringValue, segment.LongValue, segment.DoubleValue, segment.FloatValue
	N := segment.Value{}
	rows := [][]segment.Value{
		{L(1000), S("a"), segment.StringsValue([]string{"p", "q"}), L(1), D(1.5), L(10), D(0.5), F(1)},
		{L(2000), S("b"), S("p"), N, N, L(20), N, F(2)},
		{L(3600_000), N, N, L(3), D(2), L(30), D(1.5), N},
	}
	seg := buildSegment(t, testSchema, rows)
	for _, q := range []string{
		`{"queryType":"timeseries","dataSource":"t","intervals":["1970/2000"],"granularity":"hour","aggregations":[{"type":"count","name":"c"},{"type":"longSum","name":"x","fieldName":"x"},{"type":"doubleSum","name":"y","fieldName":"y"}]}`,
		`{"queryType":"topN","dataSource":"t","intervals":["1970/2000"],"granularity":"all","dimension":"m","metric":"c","threshold":5,"aggregations":[{"type":"count","name":"c"}]}`,
		`{"queryType":"groupBy","dataSource":"t","intervals":["1970/2000"],"granularity":"all","dimensions":["s","m"],"aggregations":[{"type":"count","name":"c"}],"filter":{"type":"not","field":{"type":"selector","dimension":"s","value":"a"}}}`,
		`{"queryType":"scan","dataSource":"t","intervals":["1970/2000"]}`,
	} {
		p := run(t, mustDecode(t, q), seg)
		t.Log(canon(p.Timeseries), canon(p.TopN), canon(p.GroupBy), canon(p.Scan))
	}
}
