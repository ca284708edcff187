package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/engine"
	"github.com/dryaddb/dryad/internal/query/metaquery"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/rowengine"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/serverview"
)

// scanRunner serves scan queries over in-memory rows of table "w" (one
// segment), through the row engine, and records the filters pushed to it.
type scanRunner struct {
	mu      sync.Mutex
	filters []string
	columns []string // the columns of each scan, comma-separated
}

var wCols = []string{"__time", "page", "country", "tags", "added"}

func wRows() []value.Row {
	return []value.Row{
		value.MapRow{"__time": int64(0), "page": "a", "country": "US", "tags": []string{"x", "y"}, "added": int64(1)},
		value.MapRow{"__time": int64(1), "page": "b", "country": "FR", "tags": "x", "added": int64(2)},
		value.MapRow{"__time": int64(2), "page": "c", "country": nil, "tags": nil, "added": int64(3)},
		value.MapRow{"__time": int64(3), "page": "d", "country": "XX", "tags": "z", "added": int64(4)},
	}
}

func (s *scanRunner) RunQuery(ctx context.Context, q query.Query, descs []serverview.Descriptor) (*engine.Partial, error) {
	sq, ok := q.(*query.Scan)
	if !ok {
		return &engine.Partial{}, nil
	}
	s.mu.Lock()
	s.columns = append(s.columns, strings.Join(sq.Columns, ","))
	if sq.Filter != nil {
		raw, _ := json.Marshal(sq.Filter)
		s.filters = append(s.filters, string(raw))
	}
	s.mu.Unlock()
	bt, err := rowengine.Scan(sq, wCols, wRows())
	if err != nil {
		return nil, err
	}
	bt.SegmentID = descs[0].Segment.String()
	return &engine.Partial{Scan: []result.ScanBatch{bt}}, nil
}

func (s *scanRunner) RunMetaQuery(ctx context.Context, q query.Query, descs []serverview.Descriptor) ([]*metaquery.Partial, error) {
	return nil, nil
}

// mapLookups is a LookupSource over fixed maps.
type mapLookups map[string]map[string]string

func (m mapLookups) Map(name string) (map[string]string, bool) {
	l, ok := m[name]
	return l, ok
}

const countries = `{"type":"inline","columnNames":["iso","name"],"rows":[["US","United States"],["FR","France"],["DE","Germany"]]}`

func joinOf(left, right, cond, typ, extra string) string {
	return `{"type":"join","left":` + left + `,"right":` + right + `,"rightPrefix":"j.","condition":"` + cond + `","joinType":"` + typ + `"` + extra + `}`
}

// newJoinBroker is a broker whose table "w" is served by a scanRunner,
// with the lookup "codes".
func newJoinBroker(t *testing.T) (*Broker, *scanRunner) {
	t.Helper()
	view := serverview.NewLocal()
	run := &scanRunner{}
	view.AddServer(serverview.Server{Name: "h1:8083", Type: "historical", Tier: "_default_tier", Runner: run})
	b := New(config.BrokerConfig{DefaultQueryTimeout: time.Minute}, Deps{View: view,
		Lookups: mapLookups{"codes": {"US": "usa", "FR": "fra"}}})
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Stop(context.Background()) })
	view.Announce("h1:8083", dseg("w", 0, "v1", 0, 1))
	return b, run
}

func TestJoinUnnestLookupDataSources(t *testing.T) {
	b, run := newJoinBroker(t)

	const iv = `"intervals":["1970-01-01/1970-01-02"]`
	countryJoin := joinOf(`"w"`, countries, `country == \"j.iso\"`, "LEFT", "")
	tests := []struct {
		name, query string
		status      int
		want        string // the body, or a part of an error body
	}{
		{"groupBy over left join with inline", `{"queryType":"groupBy","dataSource":` + countryJoin + `,` + iv + `,"granularity":"all","dimensions":["j.name"],"aggregations":[{"type":"longSum","name":"added","fieldName":"added"}]}`,
			200, `[{"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"j.name":null,"added":7}},{"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"j.name":"France","added":2}},{"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"j.name":"United States","added":1}}]`},
		{"inner join with a pushed left filter", `{"queryType":"scan","dataSource":` + joinOf(`"w"`, countries, `country == \"j.iso\"`, "INNER", `,"leftFilter":{"type":"selector","dimension":"page","value":"b"}`) + `,` + iv + `,"columns":["page","j.name"],"resultFormat":"compactedList"}`,
			200, `[{"segmentId":null,"columns":["page","j.name"],"events":[["b","France"]]}]`},
		{"right join keeps unmatched countries", `{"queryType":"scan","dataSource":` + joinOf(`"w"`, countries, `country == \"j.iso\"`, "RIGHT", "") + `,"intervals":["0000/3000"],"columns":["page","j.name"],"resultFormat":"compactedList"}`,
			200, `[{"segmentId":null,"columns":["page","j.name"],"events":[["a","United States"],["b","France"],[null,"Germany"]]}]`},
		{"topN over unnest of a multi-value column", `{"queryType":"topN","dataSource":{"type":"unnest","base":"w","virtualColumn":{"type":"expression","name":"tag","expression":"\"tags\""}},` + iv + `,"granularity":"all","dimension":"tag","metric":"added","threshold":2,"aggregations":[{"type":"longSum","name":"added","fieldName":"added"}]}`,
			200, `[{"timestamp":"1970-01-01T00:00:00.000Z","result":[{"tag":"z","added":4},{"tag":"x","added":3}]}]`},
		{"unnest with unnestFilter", `{"queryType":"timeseries","dataSource":{"type":"unnest","base":"w","virtualColumn":{"type":"expression","name":"tag","expression":"\"tags\""},"unnestFilter":{"type":"selector","dimension":"tag","value":"x"}},` + iv + `,"granularity":"all","aggregations":[{"type":"count","name":"rows"}]}`,
			200, `[{"timestamp":"1970-01-01T00:00:00.000Z","result":{"rows":2}}]`},
		{"lookup scan", `{"queryType":"scan","dataSource":{"type":"lookup","lookup":"codes"},"intervals":["0000/3000"],"resultFormat":"compactedList"}`,
			200, `[{"segmentId":null,"columns":["__time","k","v"],"events":[[0,"FR","fra"],[0,"US","usa"]]}]`},
		{"join to lookup", `{"queryType":"groupBy","dataSource":` + joinOf(`"w"`, `{"type":"lookup","lookup":"codes"}`, `country == \"j.k\"`, "INNER", "") + `,` + iv + `,"granularity":"all","dimensions":["j.v"],"aggregations":[{"type":"count","name":"rows"}]}`,
			200, `[{"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"j.v":"fra","rows":1}},{"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"j.v":"usa","rows":1}}]`},
		{"duplicate prefixes in a join of join, under a subquery", `{"queryType":"timeseries","dataSource":{"type":"query","query":{"queryType":"scan","dataSource":` + joinOf(countryJoin, `{"type":"lookup","lookup":"codes"}`, `\"j.iso\" == \"k.k\"`, "INNER", "") + `,` + iv + `}},` + iv + `,"granularity":"all","aggregations":[{"type":"count","name":"rows"}]}`,
			400, `Detected duplicate prefix in join clauses: [j.]`},
		{"timeseries over a subquery over a join of join", `{"queryType":"timeseries","dataSource":{"type":"query","query":{"queryType":"scan","dataSource":` + strings.Replace(joinOf(countryJoin, `{"type":"lookup","lookup":"codes"}`, `\"j.iso\" == \"l.k\"`, "INNER", ""), `"rightPrefix":"j.","condition":"\"j.iso`, `"rightPrefix":"l.","condition":"\"j.iso`, 1) + `,` + iv + `}},` + iv + `,"granularity":"all","aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"added","fieldName":"added"}]}`,
			200, `[{"timestamp":"1970-01-01T00:00:00.000Z","result":{"rows":2,"added":3}}]`},
		{"join of join", `{"queryType":"scan","dataSource":` + strings.Replace(joinOf(countryJoin, `{"type":"lookup","lookup":"codes"}`, `\"j.iso\" == \"l.k\"`, "INNER", ""), `"rightPrefix":"j.","condition":"\"j.iso`, `"rightPrefix":"l.","condition":"\"j.iso`, 1) + `,` + iv + `,"columns":["page","j.name","l.v"],"resultFormat":"compactedList"}`,
			200, `[{"segmentId":null,"columns":["page","j.name","l.v"],"events":[["a","United States","usa"],["b","France","fra"]]}]`},
		{"unknown lookup", `{"queryType":"scan","dataSource":{"type":"lookup","lookup":"nope"},"intervals":["0000/3000"]}`,
			400, `lookup [nope] is not loaded`},
		{"table on the right", `{"queryType":"scan","dataSource":` + joinOf(countries, `"w"`, `iso == \"j.country\"`, "INNER", "") + `,` + iv + `}`,
			501, `no broadcast tables`},
		{"right side over maxSubqueryRows", `{"queryType":"scan","dataSource":` + countryJoin + `,` + iv + `,"context":{"maxSubqueryRows":2}}`,
			400, `maximum[2] rows`},
		{"timeBoundary over a join", `{"queryType":"timeBoundary","dataSource":` + countryJoin + `}`,
			501, `timeBoundary queries over join datasources are not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := post(b, "/druid/v2/", tt.query)
			if code != tt.status || (code == 200 && body != tt.want) || (code != 200 && !strings.Contains(body, tt.want)) {
				t.Errorf("got %d %s\nwant %d %s", code, body, tt.status, tt.want)
			}
		})
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	if !strings.Contains(strings.Join(run.filters, ";"), "page") {
		t.Errorf("left filter not pushed to the data server: %v", run.filters)
	}
	// Only the columns the outer query and the condition read are scanned:
	// the groupBy over the join reads added and the key, the topN over the
	// unnest added and tags; a scan without columns reads them all.
	want := []string{"added,country,__time", "country,page,__time", "country,page,__time", "added,tags,__time"}
	if len(run.columns) < 4 || !slices.Equal(run.columns[:4], want) {
		t.Errorf("scanned columns %q, want %q first", run.columns, want)
	}
	if !slices.Contains(run.columns, "") {
		t.Errorf("no scan read every column: %q", run.columns)
	}
}

// TestFilterPushDown checks which conjuncts of the outer filter reach the
// table scan under a join or unnest, and that results do not change.
func TestFilterPushDown(t *testing.T) {
	b, run := newJoinBroker(t)
	pageIn := `{"type":"in","dimension":"page","values":["a","b","c"]}`
	tests := []struct {
		name, ds, filter, vcs string
		pushed, want          string
	}{
		{"inner: the left conjunct", joinOf(`"w"`, countries, `country == \"j.iso\"`, "INNER", ""),
			`{"type":"and","fields":[` + pageIn + `,{"type":"selector","dimension":"j.name","value":"France"}]}`, "",
			`{"type":"in","dimension":"page","values":["a","b","c"]}`, `[["b","France"]]`},
		{"left: with the leftFilter", joinOf(`"w"`, countries, `country == \"j.iso\"`, "LEFT", `,"leftFilter":{"type":"selector","dimension":"page","value":"c"}`),
			pageIn, "",
			`{"type":"and","fields":[{"type":"selector","dimension":"page","value":"c"},{"type":"in","dimension":"page","values":["a","b","c"]}]}`, `[["c",null]]`},
		{"right: nothing", joinOf(`"w"`, countries, `country == \"j.iso\"`, "RIGHT", ""),
			`{"type":"or","fields":[{"type":"selector","dimension":"page","value":"a"},{"type":"null","column":"page"}]}`, "",
			``, `[["a","United States"],[null,"Germany"]]`},
		{"virtual column: nothing", joinOf(`"w"`, countries, `country == \"j.iso\"`, "INNER", ""),
			`{"type":"selector","dimension":"page","value":"A"}`, `,"virtualColumns":[{"type":"expression","name":"page","expression":"upper(\"j.iso\")","outputType":"STRING"}]`,
			``, `[]`},
		{"unnest: not the unnested column", `{"type":"unnest","base":"w","virtualColumn":{"type":"expression","name":"j.name","expression":"\"tags\""}}`,
			`{"type":"and","fields":[` + pageIn + `,{"type":"selector","dimension":"j.name","value":"x"}]}`, "",
			`{"type":"in","dimension":"page","values":["a","b","c"]}`, `[["a","x"],["b","x"]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run.mu.Lock()
			run.filters = nil
			run.mu.Unlock()
			code, body := post(b, "/druid/v2/", `{"queryType":"scan","dataSource":`+tt.ds+`,"intervals":["0000/3000"],"filter":`+tt.filter+tt.vcs+`,"columns":["page","j.name"],"resultFormat":"compactedList"}`)
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			var res []struct {
				Events json.RawMessage `json:"events"`
			}
			events := "[]"
			if json.Unmarshal([]byte(body), &res) == nil && len(res) == 1 {
				events = string(res[0].Events)
			}
			if events != tt.want {
				t.Errorf("events %s, want %s", events, tt.want)
			}
			run.mu.Lock()
			defer run.mu.Unlock()
			if got := strings.Join(run.filters, ";"); got != tt.pushed {
				t.Errorf("pushed %s\nwant   %s", got, tt.pushed)
			}
		})
	}
}

// eventsRunner answers every scan with the same prepared batch.
type eventsRunner struct{ batch result.ScanBatch }

func (e *eventsRunner) RunQuery(ctx context.Context, q query.Query, descs []serverview.Descriptor) (*engine.Partial, error) {
	bt := e.batch
	bt.SegmentID = descs[0].Segment.String()
	return &engine.Partial{Scan: []result.ScanBatch{bt}}, nil
}

func (e *eventsRunner) RunMetaQuery(ctx context.Context, q query.Query, descs []serverview.Descriptor) ([]*metaquery.Partial, error) {
	return nil, nil
}

// BenchmarkGroupByOverJoin runs the broker's whole path for a groupBy over
// a LEFT join of a 1M-row table side (as scanned by the data servers) with
// a 1K-row inline right side, and reports left rows per second.
func BenchmarkGroupByOverJoin(b *testing.B) {
	const nLeft, nRight = 1_000_000, 1000
	events := make([][]any, nLeft)
	for i := range events {
		events[i] = []any{fmt.Sprintf("c%d", i%nRight), int64(i % 7), int64(i)}
	}
	view := serverview.NewLocal()
	view.AddServer(serverview.Server{Name: "h1:8083", Type: "historical", Tier: "_default_tier",
		Runner: &eventsRunner{result.ScanBatch{Columns: []string{"country", "added", "__time"}, Events: events}}})
	br := New(config.BrokerConfig{}, Deps{View: view})
	br.Start(context.Background())
	defer br.Stop(context.Background())
	view.Announce("h1:8083", dseg("w", 0, "v1", 0, 1))
	rows := make([]string, nRight)
	for i := range rows {
		rows[i] = fmt.Sprintf(`["c%d","name %d"]`, i, i%10)
	}
	q, err := query.Decode([]byte(`{"queryType":"groupBy","dataSource":` + joinOf(`"w"`, `{"type":"inline","columnNames":["iso","name"],"rows":[`+strings.Join(rows, ",")+`]}`, `country == \"j.iso\"`, "LEFT", "") +
		`,"intervals":["1970-01-01/1970-01-02"],"granularity":"all","dimensions":["j.name"],"aggregations":[{"type":"longSum","name":"added","fieldName":"added"}],"context":{"maxSubqueryRows":0}}`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := br.Run(context.Background(), q)
		if err != nil || !strings.Contains(string(out), `"name 9"`) {
			b.Fatal(err, string(out))
		}
	}
	b.ReportMetric(float64(nLeft)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
