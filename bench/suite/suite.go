package suite

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dryaddb/dryad/bench/answer"
	"github.com/dryaddb/dryad/bench/datagen"
)

// Table names of the two data sets, as Druid datasources and DuckDB tables.
const (
	Wiki     = "wiki"
	Lineitem = "lineitem"
)

// Query is one query of the suite.
type Query struct {
	Name        string       // short identifier, e.g. "topn-high-cardinality"
	Description string       // what the query exercises
	Dataset     string       // Wiki or Lineitem
	Native      string       // the Druid native query JSON
	SQL         string       // the DuckDB query that is timed
	RefSQL      string       // the exact reference answer; "" means SQL
	Match       answer.Match // how answers are compared with the reference
	// PeerTolerance, when set, replaces Match.Tolerance for the peer's
	// (DuckDB's) answer: its sketch may have a wider error bound.
	PeerTolerance map[string]float64
	Needs         string // a dryad feature the query depends on and that may be missing, reported when dryad answers 501
}

// Reference returns the SQL giving the reference answer.
func (q Query) Reference() string {
	if q.RefSQL != "" {
		return q.RefSQL
	}
	return q.SQL
}

// noCache is the query context the harness adds to every native query:
// Druid's (and dryad's) per-segment and result-level caches would otherwise
// answer every run after the first from memory, which measures the cache
// rather than the engine (DuckDB has no result cache).
var noCache = map[string]any{
	"useCache": false, "populateCache": false,
	"useResultLevelCache": false, "populateResultLevelCache": false,
}

// Body returns the native query as sent to dryad: Native with the caches
// turned off in its context (keys the query sets itself are kept).
func (q Query) Body() ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(q.Native), &m); err != nil {
		return nil, fmt.Errorf("query %s: native JSON: %w", q.Name, err)
	}
	ctx, _ := m["context"].(map[string]any)
	if ctx == nil {
		ctx = map[string]any{}
	}
	for k, v := range noCache {
		if _, ok := ctx[k]; !ok {
			ctx[k] = v
		}
	}
	m["context"] = ctx
	return json.Marshal(m)
}

// wikiIntervals is the whole wiki span.
const wikiIntervals = `["2026-01-01T00:00:00.000Z/2026-01-31T00:00:00.000Z"]`

// Suite returns the query suite for a wiki data set of wikiRows rows (the
// having threshold scales with it).
func Suite(wikiRows int64) ([]Query, error) {
	var valErr error
	val := func(dim string, rank uint64) string {
		v, err := datagen.WikiValue(dim, rank)
		if err != nil && valErr == nil {
			valErr = err
		}
		return v
	}
	topChannel := val("channel", 0)
	country := val("countryName", 50)
	var users []string
	for r := uint64(100); r < 110; r++ {
		users = append(users, val("user", r))
	}
	if valErr != nil {
		return nil, valErr
	}
	having := max(wikiRows/1000, 1)
	quote := func(ss []string, q string) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = q + s + q
		}
		return strings.Join(out, ",")
	}
	byTime := func(cols ...string) answer.Match {
		return answer.Match{Columns: append([]string{answer.TimeColumn}, cols...), Mode: answer.Ordered, SortColumns: []string{answer.TimeColumn}}
	}
	unordered := func(cols ...string) answer.Match {
		return answer.Match{Columns: cols, Mode: answer.Unordered}
	}
	ordered := func(sortCol string, cols ...string) answer.Match {
		return answer.Match{Columns: cols, Mode: answer.Ordered, SortColumns: []string{sortCol}}
	}

	qs := []Query{
		{
			Name:        "timeseries-hour",
			Description: "timeseries by hour over all rows: count, long sum, double sum",
			Dataset:     Wiki,
			Native: `{"queryType":"timeseries","dataSource":"wiki","intervals":` + wikiIntervals + `,"granularity":"hour",
"aggregations":[{"type":"count","name":"edits"},{"type":"longSum","name":"added","fieldName":"added"},{"type":"doubleSum","name":"deltaScore","fieldName":"deltaScore"}],
"context":{"skipEmptyBuckets":true}}`,
			SQL: `SELECT date_trunc('hour', __time) AS __time, count(*) AS edits, sum(added)::BIGINT AS added, sum(deltaScore) AS deltaScore
FROM wiki GROUP BY 1 ORDER BY 1`,
			Match: byTime("edits", "added", "deltaScore"),
		},
		{
			Name:        "timeseries-day-selective",
			Description: "timeseries by day, selective equality filter on two low-cardinality dimensions",
			Dataset:     Wiki,
			Native: fmt.Sprintf(`{"queryType":"timeseries","dataSource":"wiki","intervals":%s,"granularity":"day",
"filter":{"type":"and","fields":[{"type":"selector","dimension":"channel","value":%q},{"type":"selector","dimension":"isRobot","value":"true"}]},
"aggregations":[{"type":"count","name":"edits"},{"type":"longSum","name":"delta","fieldName":"delta"}],
"context":{"skipEmptyBuckets":true}}`, wikiIntervals, topChannel),
			SQL: fmt.Sprintf(`SELECT date_trunc('day', __time) AS __time, count(*) AS edits, sum(delta)::BIGINT AS delta
FROM wiki WHERE channel = '%s' AND isRobot = 'true' GROUP BY 1 ORDER BY 1`, topChannel),
			Match: byTime("edits", "delta"),
		},
		{
			Name:        "timeseries-day-not",
			Description: "timeseries by day, non-selective NOT filter (80% of rows), four sums",
			Dataset:     Wiki,
			Native: `{"queryType":"timeseries","dataSource":"wiki","intervals":` + wikiIntervals + `,"granularity":"day",
"filter":{"type":"not","field":{"type":"selector","dimension":"isRobot","value":"true"}},
"aggregations":[{"type":"count","name":"edits"},{"type":"longSum","name":"added","fieldName":"added"},{"type":"longSum","name":"deleted","fieldName":"deleted"},{"type":"doubleSum","name":"deltaScore","fieldName":"deltaScore"}],
"context":{"skipEmptyBuckets":true}}`,
			SQL: `SELECT date_trunc('day', __time) AS __time, count(*) AS edits, sum(added)::BIGINT AS added, sum(deleted)::BIGINT AS deleted, sum(deltaScore) AS deltaScore
FROM wiki WHERE NOT (isRobot = 'true') GROUP BY 1 ORDER BY 1`,
			Match: byTime("edits", "added", "deleted", "deltaScore"),
		},
		{
			Name:        "topn-low-cardinality",
			Description: "topN 10 channels (50 values) by sum of added",
			Dataset:     Wiki,
			Native: `{"queryType":"topN","dataSource":"wiki","intervals":` + wikiIntervals + `,"granularity":"all",
"dimension":"channel","metric":"added","threshold":10,
"aggregations":[{"type":"longSum","name":"added","fieldName":"added"},{"type":"count","name":"edits"}]}`,
			SQL:   `SELECT channel, sum(added)::BIGINT AS added, count(*) AS edits FROM wiki GROUP BY channel ORDER BY added DESC, channel LIMIT 10`,
			Match: ordered("added", "channel", "added", "edits"),
		},
		{
			Name:        "topn-high-cardinality",
			Description: "topN 10 pages (rows/4 values, Zipf) by edit count over one week",
			Dataset:     Wiki,
			Native: `{"queryType":"topN","dataSource":"wiki","intervals":["2026-01-08T00:00:00.000Z/2026-01-15T00:00:00.000Z"],"granularity":"all",
"dimension":"page","metric":"edits","threshold":10,
"aggregations":[{"type":"count","name":"edits"},{"type":"longSum","name":"added","fieldName":"added"}]}`,
			SQL: `SELECT page, count(*) AS edits, sum(added)::BIGINT AS added FROM wiki
WHERE __time >= TIMESTAMP '2026-01-08' AND __time < TIMESTAMP '2026-01-15'
GROUP BY page ORDER BY edits DESC, page LIMIT 10`,
			Match: ordered("edits", "page", "edits", "added"),
		},
		{
			Name:        "topn-multi-value",
			Description: "topN 5 tags of a multi-value dimension (rows without tags group under null)",
			Dataset:     Wiki,
			Native: `{"queryType":"topN","dataSource":"wiki","intervals":` + wikiIntervals + `,"granularity":"all",
"dimension":"tags","metric":"edits","threshold":5,
"aggregations":[{"type":"count","name":"edits"}]}`,
			SQL: `SELECT tag AS tags, count(*) AS edits
FROM (SELECT unnest(CASE WHEN len(tags) = 0 THEN [NULL::VARCHAR] ELSE tags END) AS tag FROM wiki)
GROUP BY tag ORDER BY edits DESC, tag NULLS FIRST LIMIT 5`,
			Match: ordered("edits", "tags", "edits"),
		},
		{
			Name:        "groupby-1dim-having",
			Description: "groupBy countryName (200 values and null) with a having on the count",
			Dataset:     Wiki,
			Native: fmt.Sprintf(`{"queryType":"groupBy","dataSource":"wiki","intervals":%s,"granularity":"all",
"dimensions":["countryName"],
"aggregations":[{"type":"count","name":"edits"},{"type":"longSum","name":"added","fieldName":"added"}],
"having":{"type":"greaterThan","aggregation":"edits","value":%d}}`, wikiIntervals, having),
			SQL:   fmt.Sprintf(`SELECT countryName, count(*) AS edits, sum(added)::BIGINT AS added FROM wiki GROUP BY countryName HAVING count(*) > %d`, having),
			Match: unordered("countryName", "edits", "added"),
		},
		{
			Name:        "groupby-2dim-in-limit",
			Description: "groupBy channel, namespace with an IN and an equality filter, ordered by a sum, limit 50",
			Dataset:     Wiki,
			Native: `{"queryType":"groupBy","dataSource":"wiki","intervals":` + wikiIntervals + `,"granularity":"all",
"dimensions":["channel","namespace"],
"filter":{"type":"and","fields":[{"type":"selector","dimension":"isRobot","value":"false"},{"type":"in","dimension":"namespace","values":["Main","Talk","User","Wikipedia"]}]},
"aggregations":[{"type":"count","name":"edits"},{"type":"longSum","name":"delta","fieldName":"delta"}],
"limitSpec":{"type":"default","limit":50,"columns":[{"dimension":"delta","direction":"descending","dimensionOrder":"numeric"}]}}`,
			SQL: `SELECT channel, namespace, count(*) AS edits, sum(delta)::BIGINT AS delta FROM wiki
WHERE isRobot = 'false' AND namespace IN ('Main','Talk','User','Wikipedia')
GROUP BY channel, namespace ORDER BY delta DESC LIMIT 50`,
			Match: ordered("delta", "channel", "namespace", "edits", "delta"),
		},
		{
			Name:        "groupby-3dim-day-bound",
			Description: "groupBy day, language, isMinor, isNew with a numeric bound filter (8% of rows)",
			Dataset:     Wiki,
			Native: `{"queryType":"groupBy","dataSource":"wiki","intervals":` + wikiIntervals + `,"granularity":"day",
"dimensions":["language","isMinor","isNew"],
"filter":{"type":"bound","dimension":"added","lower":"500","ordering":"numeric"},
"aggregations":[{"type":"count","name":"edits"},{"type":"doubleSum","name":"deltaScore","fieldName":"deltaScore"}]}`,
			SQL: `SELECT date_trunc('day', __time) AS __time, language, isMinor, isNew, count(*) AS edits, sum(deltaScore) AS deltaScore
FROM wiki WHERE added >= 500 GROUP BY ALL`,
			Match: unordered(answer.TimeColumn, "language", "isMinor", "isNew", "edits", "deltaScore"),
		},
		{
			Name:        "filter-like",
			Description: "count and sum under a LIKE prefix filter on page (high cardinality)",
			Dataset:     Wiki,
			Native: `{"queryType":"timeseries","dataSource":"wiki","intervals":` + wikiIntervals + `,"granularity":"all",
"filter":{"type":"like","dimension":"page","pattern":"Page Ka%"},
"aggregations":[{"type":"count","name":"edits"},{"type":"longSum","name":"added","fieldName":"added"}]}`,
			SQL:   `SELECT count(*) AS edits, sum(added)::BIGINT AS added FROM wiki WHERE page LIKE 'Page Ka%'`,
			Match: unordered("edits", "added"),
		},
		{
			Name:        "filter-in-high-cardinality",
			Description: "count and sum under an IN filter of 10 users (rows/20 values)",
			Dataset:     Wiki,
			Native: fmt.Sprintf(`{"queryType":"timeseries","dataSource":"wiki","intervals":%s,"granularity":"all",
"filter":{"type":"in","dimension":"user","values":[%s]},
"aggregations":[{"type":"count","name":"edits"},{"type":"longSum","name":"delta","fieldName":"delta"}]}`, wikiIntervals, quote(users, `"`)),
			SQL:   fmt.Sprintf(`SELECT count(*) AS edits, sum(delta)::BIGINT AS delta FROM wiki WHERE "user" IN (%s)`, quote(users, `'`)),
			Match: unordered("edits", "delta"),
		},
		{
			Name:        "filter-bound-string",
			Description: "groupBy namespace under a lexicographic bound on cityName (20,000 values)",
			Dataset:     Wiki,
			Native: `{"queryType":"groupBy","dataSource":"wiki","intervals":` + wikiIntervals + `,"granularity":"all",
"dimensions":["namespace"],
"filter":{"type":"bound","dimension":"cityName","lower":"City Ka","upper":"City Lo","upperStrict":true,"ordering":"lexicographic"},
"aggregations":[{"type":"count","name":"edits"},{"type":"longSum","name":"added","fieldName":"added"}]}`,
			SQL: `SELECT namespace, count(*) AS edits, sum(added)::BIGINT AS added FROM wiki
WHERE cityName >= 'City Ka' AND cityName < 'City Lo' GROUP BY namespace`,
			Match: unordered("namespace", "edits", "added"),
		},
		{
			Name:        "count-distinct-approx",
			Description: "approximate count distinct of user (dryad: cardinality, within 7% of the exact count; DuckDB: approx_count_distinct, within 40%)",
			Dataset:     Wiki,
			Native: `{"queryType":"timeseries","dataSource":"wiki","intervals":` + wikiIntervals + `,"granularity":"all",
"aggregations":[{"type":"cardinality","name":"users","fields":["user"],"round":true}]}`,
			SQL:    `SELECT approx_count_distinct("user") AS users FROM wiki`,
			RefSQL: `SELECT count(DISTINCT "user") AS users FROM wiki`,
			// Druid's cardinality aggregator is a HyperLogLog with 2,048
			// registers: standard error 1.04/√2048 ≈ 2.3%, so 7% is three
			// standard errors. DuckDB 1.5.3's approx_count_distinct keeps 64
			// registers (duckdb/duckdb#20916): 13%, so 40%.
			Match:         answer.Match{Columns: []string{"users"}, Tolerance: map[string]float64{"users": 0.07}},
			PeerTolerance: map[string]float64{"users": 0.40},
			Needs:         "sketches (issue #7)",
		},
		{
			Name:        "hll-users-by-hour",
			Description: "distinct users per hour with HLLSketchBuild (dryad: within 5% of the exact count; DuckDB: approx_count_distinct, within 40%)",
			Dataset:     Wiki,
			Native: `{"queryType":"timeseries","dataSource":"wiki","intervals":` + wikiIntervals + `,"granularity":"hour",
"aggregations":[{"type":"HLLSketchBuild","name":"users","fieldName":"user","round":true}],"context":{"skipEmptyBuckets":true}}`,
			SQL:    `SELECT date_trunc('hour', __time) AS __time, approx_count_distinct("user") AS users FROM wiki GROUP BY 1 ORDER BY 1`,
			RefSQL: `SELECT date_trunc('hour', __time) AS __time, count(DISTINCT "user") AS users FROM wiki GROUP BY 1 ORDER BY 1`,
			// HLLSketchBuild's default is lgK 12 in HLL_4: relative standard
			// error about 1.6%, so 5% is three standard errors; DuckDB's
			// approx_count_distinct has 64 registers (see count-distinct-approx).
			Match: answer.Match{Columns: []string{answer.TimeColumn, "users"}, Mode: answer.Ordered, SortColumns: []string{answer.TimeColumn},
				Tolerance: map[string]float64{"users": 0.05}},
			PeerTolerance: map[string]float64{"users": 0.40},
		},
		{
			Name:        "scan-limit",
			Description: "scan 5 columns with an equality filter, limit 1000, no ordering (any matching rows)",
			Dataset:     Wiki,
			Native: fmt.Sprintf(`{"queryType":"scan","dataSource":"wiki","intervals":%s,
"columns":["__time","channel","page","user","added"],"filter":{"type":"selector","dimension":"countryName","value":%q},
"limit":1000,"resultFormat":"list"}`, wikiIntervals, country),
			SQL:    fmt.Sprintf(`SELECT __time, channel, page, "user", added FROM wiki WHERE countryName = '%s' LIMIT 1000`, country),
			RefSQL: fmt.Sprintf(`SELECT __time, channel, page, "user", added FROM wiki WHERE countryName = '%s'`, country),
			Match:  answer.Match{Columns: []string{answer.TimeColumn, "channel", "page", "user", "added"}, Mode: answer.Subset, Limit: 1000},
		},
		{
			Name:        "tpch-q1",
			Description: "TPC-H Q1: pricing summary, groupBy returnflag, linestatus over 98% of lineitem",
			Dataset:     Lineitem,
			Native: `{"queryType":"groupBy","dataSource":"lineitem","intervals":["1992-01-01T00:00:00.000Z/1998-09-03T00:00:00.000Z"],"granularity":"all",
"dimensions":["l_returnflag","l_linestatus"],
"virtualColumns":[
 {"type":"expression","name":"disc_price","expression":"l_extendedprice * (1 - l_discount)","outputType":"DOUBLE"},
 {"type":"expression","name":"charge","expression":"l_extendedprice * (1 - l_discount) * (1 + l_tax)","outputType":"DOUBLE"}],
"aggregations":[
 {"type":"doubleSum","name":"sum_qty","fieldName":"l_quantity"},
 {"type":"doubleSum","name":"sum_base_price","fieldName":"l_extendedprice"},
 {"type":"doubleSum","name":"sum_disc_price","fieldName":"disc_price"},
 {"type":"doubleSum","name":"sum_charge","fieldName":"charge"},
 {"type":"doubleSum","name":"sum_disc","fieldName":"l_discount"},
 {"type":"count","name":"count_order"}],
"postAggregations":[
 {"type":"arithmetic","name":"avg_qty","fn":"/","fields":[{"type":"fieldAccess","fieldName":"sum_qty"},{"type":"fieldAccess","fieldName":"count_order"}]},
 {"type":"arithmetic","name":"avg_price","fn":"/","fields":[{"type":"fieldAccess","fieldName":"sum_base_price"},{"type":"fieldAccess","fieldName":"count_order"}]},
 {"type":"arithmetic","name":"avg_disc","fn":"/","fields":[{"type":"fieldAccess","fieldName":"sum_disc"},{"type":"fieldAccess","fieldName":"count_order"}]}],
"limitSpec":{"type":"default","columns":[{"dimension":"l_returnflag"},{"dimension":"l_linestatus"}]}}`,
			SQL: `SELECT l_returnflag, l_linestatus,
 sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
 sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
 sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
 avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc,
 count(*) AS count_order
FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL 90 DAY
GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`,
			Match: answer.Match{Columns: []string{"l_returnflag", "l_linestatus", "sum_qty", "sum_base_price", "sum_disc_price",
				"sum_charge", "avg_qty", "avg_price", "avg_disc", "count_order"}, Mode: answer.Ordered, SortColumns: []string{"l_returnflag", "l_linestatus"}},
		},
		{
			Name:        "tpch-q6",
			Description: "TPC-H Q6: forecasting revenue change, three range filters and a product sum",
			Dataset:     Lineitem,
			Native: `{"queryType":"timeseries","dataSource":"lineitem","intervals":["1994-01-01T00:00:00.000Z/1995-01-01T00:00:00.000Z"],"granularity":"all",
"filter":{"type":"and","fields":[
 {"type":"bound","dimension":"l_discount","lower":"0.05","upper":"0.07","ordering":"numeric"},
 {"type":"bound","dimension":"l_quantity","upper":"24","upperStrict":true,"ordering":"numeric"}]},
"virtualColumns":[{"type":"expression","name":"rev","expression":"l_extendedprice * l_discount","outputType":"DOUBLE"}],
"aggregations":[{"type":"doubleSum","name":"revenue","fieldName":"rev"}]}`,
			SQL: `SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'
 AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24`,
			Match: unordered("revenue"),
		},
	}
	return qs, nil
}
