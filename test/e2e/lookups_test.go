package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lookupGroupBy groups the wiki rows by dim (a dimension spec) and returns
// value → row count.
func lookupGroupBy(t *testing.T, port int, ds, dim string) (map[string]float64, response) {
	t.Helper()
	q := `{"queryType":"groupBy","dataSource":"` + ds + `","intervals":["2013-08-31/2013-09-02"],"granularity":"all",
		"dimensions":[` + dim + `],"aggregations":[{"type":"count","name":"rows"}]}`
	r := queryPost(t, port, "/druid/v2/", q)
	if r.status != 200 {
		return nil, r
	}
	var rows []struct {
		Event map[string]any `json:"event"`
	}
	if err := json.Unmarshal(r.body, &rows); err != nil {
		t.Fatalf("groupBy: %v in %s", err, r.body)
	}
	out := map[string]float64{}
	for _, row := range rows {
		k := "<null>"
		if s, ok := row.Event["d"].(string); ok {
			k = s
		}
		out[k] += row.Event["rows"].(float64)
	}
	return out, r
}

// TestLookups configures a map lookup and a cachedNamespace file lookup
// through the coordinator's Lookups API and queries with them: a groupBy
// over a registeredLookup dimension, a timeseries filtering on a lookup()
// virtual column, a file change picked up by polling, a version conflict
// and a delete.
func TestLookups(t *testing.T) {
	_, port, _ := quickstart(t, queryEnv...)
	queryIngest(t, port, "wiki_lk")
	v1 := fmt.Sprintf("http://127.0.0.1:%d/druid/coordinator/v1/lookups", port)

	checkError(t, "no lookups yet", coordDo(t, "GET", v1+"/config", "", nil), 404, "NOT_FOUND", "USER", "No lookups found")

	// A map lookup through the bulk endpoint, a file lookup through the
	// single-lookup endpoint.
	coordJSON(t, "POST", v1+"/config", `{"__default":{"lang":{"version":"v1","lookupExtractorFactory":{"type":"map","map":{"en":"English","ja":"Japanese","ru":"Russian"}}}}}`,
		map[string]string{"X-Druid-Author": "e2e"}, 202, nil)
	file := filepath.Join(t.TempDir(), "lang.csv")
	if err := os.WriteFile(file, []byte("k,v\nzh,Chinese\nen,Anglais\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fileSpec := `{"version":"v1","lookupExtractorFactory":{"type":"cachedNamespace","firstCacheTimeout":0,"extractionNamespace":{"type":"uri","uri":"file:` + file +
		`","pollPeriod":"PT0.2S","namespaceParseSpec":{"format":"csv","columns":["k","v"],"skipHeaderRows":1}}}}`
	coordJSON(t, "POST", v1+"/config/__default/langfile", fileSpec, nil, 202, nil)
	eventuallyJSON(t, v1+"/status/__default/langfile", "langfile loaded", func(st map[string]any) bool { return st["loaded"] == true })

	var tiers, names []string
	coordJSON(t, "GET", v1+"/config", "", nil, 200, &tiers)
	coordJSON(t, "GET", v1+"/config/__default", "", nil, 200, &names)
	if strings.Join(tiers, ",") != "__default" || strings.Join(names, ",") != "lang,langfile" {
		t.Errorf("tiers %v, lookups %v", tiers, names)
	}
	var spec struct {
		Version string         `json:"version"`
		Factory map[string]any `json:"lookupExtractorFactory"`
	}
	coordJSON(t, "GET", v1+"/config/__default/lang", "", nil, 200, &spec)
	if spec.Version != "v1" || spec.Factory["type"] != "map" {
		t.Errorf("lang spec %+v", spec)
	}
	var listen struct {
		Current map[string]any `json:"current"`
	}
	coordJSON(t, "GET", fmt.Sprintf("http://127.0.0.1:%d/druid/listen/v1/lookups", port), "", nil, 200, &listen)
	if _, ok := listen.Current["lang"]; !ok {
		t.Errorf("listener state lacks lang: %v", listen)
	}

	plain, r := lookupGroupBy(t, port, "wiki_lk", `{"type":"default","dimension":"language","outputName":"d"}`)
	if plain == nil || plain["en"] == 0 || plain["zh"] == 0 {
		t.Fatalf("plain groupBy: %d %s", r.status, r.body)
	}
	mapped, r := lookupGroupBy(t, port, "wiki_lk", `{"type":"extraction","dimension":"language","outputName":"d","extractionFn":{"type":"registeredLookup","lookup":"lang","retainMissingValue":true}}`)
	want := map[string]float64{"English": plain["en"], "Japanese": plain["ja"], "Russian": plain["ru"], "zh": plain["zh"]}
	if fmt.Sprint(mapped) != fmt.Sprint(want) {
		t.Errorf("registeredLookup groupBy = %v, want %v (%s)", mapped, want, r.body)
	}

	ts := `{"queryType":"timeseries","dataSource":"wiki_lk","intervals":["2013-08-31/2013-09-02"],"granularity":"all",
		"virtualColumns":[{"type":"expression","name":"v","expression":"lookup(language, 'langfile', 'other')","outputType":"STRING"}],
		"filter":{"type":"selector","dimension":"v","value":"Chinese"},"aggregations":[{"type":"count","name":"rows"}]}`
	r = queryPost(t, port, "/druid/v2/", ts)
	var tsRows []struct {
		Result map[string]float64 `json:"result"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &tsRows) != nil || len(tsRows) != 1 || tsRows[0].Result["rows"] != plain["zh"] {
		t.Errorf("lookup() timeseries: %d %s, want rows=%v", r.status, r.body, plain["zh"])
	}
	byV, r := lookupGroupBy(t, port, "wiki_lk", `{"type":"lookup","dimension":"language","outputName":"d","name":"langfile","replaceMissingValueWith":"other"}`)
	if byV["Chinese"] != plain["zh"] || byV["Anglais"] != plain["en"] || byV["other"] != plain["ja"]+plain["ru"] {
		t.Errorf("lookup dimension spec groupBy = %v (%s)", byV, r.body)
	}

	// A lookup datasource reads the same registry.
	r = queryPost(t, port, "/druid/v2/", `{"queryType":"scan","dataSource":{"type":"lookup","lookup":"lang"},"intervals":["-146136543-09-08T08:23:32.096Z/146140482-04-24T15:36:27.903Z"],"columns":["k","v"],"resultFormat":"compactedList"}`)
	if r.status != 200 || !strings.Contains(string(r.body), `["ja","Japanese"]`) {
		t.Errorf("lookup datasource scan: %d %s", r.status, r.body)
	}

	// Lookups in aggregators, post-aggregators and subqueries.
	agg := `{"queryType":"timeseries","dataSource":"wiki_lk","intervals":["2013-08-31/2013-09-02"],"granularity":"all",
		"aggregations":[{"type":"filtered","name":"en","filter":{"type":"selector","dimension":"language","value":"English","extractionFn":{"type":"registeredLookup","lookup":"lang"}},"aggregator":{"type":"count"}},
			{"type":"longSum","name":"enLen","expression":"strlen(lookup(language, 'lang'))"}],
		"postAggregations":[{"type":"expression","name":"label","expression":"concat(lookup('ja', 'lang'), ':', en)"}]}`
	r = queryPost(t, port, "/druid/v2/", agg)
	var aggRows []struct {
		Result map[string]any `json:"result"`
	}
	wantLen := 7*plain["en"] + 8*plain["ja"] + 7*plain["ru"]
	if r.status != 200 || json.Unmarshal(r.body, &aggRows) != nil || len(aggRows) != 1 || aggRows[0].Result["en"] != plain["en"] ||
		aggRows[0].Result["enLen"] != wantLen || aggRows[0].Result["label"] != fmt.Sprintf("Japanese:%d", int(plain["en"])) {
		t.Errorf("filtered aggregator, expression input and post-aggregator with lookups: %d %s; want en=%v enLen=%v label=Japanese:%v",
			r.status, r.body, plain["en"], wantLen, plain["en"])
	}
	sub := `{"queryType":"timeseries","intervals":["2013-08-31/2013-09-02"],"granularity":"all",
		"dataSource":{"type":"query","query":{"queryType":"groupBy","dataSource":"wiki_lk","intervals":["2013-08-31/2013-09-02"],"granularity":"all",
			"dimensions":[{"type":"lookup","dimension":"language","outputName":"d","name":"lang","replaceMissingValueWith":"other"}],"aggregations":[{"type":"count","name":"rows"}]}},
		"aggregations":[{"type":"filtered","name":"ja","filter":{"type":"expression","expression":"d == lookup('ja', 'lang')"},"aggregator":{"type":"longSum","fieldName":"rows"}}]}`
	r = queryPost(t, port, "/druid/v2/", sub)
	if r.status != 200 || json.Unmarshal(r.body, &tsRows) != nil || len(tsRows) != 1 || tsRows[0].Result["ja"] != plain["ja"] {
		t.Errorf("subquery with lookups: %d %s, want ja=%v", r.status, r.body, plain["ja"])
	}

	// An index task's transform and filter use the lookup.
	data, _ := json.Marshal("{\"ts\":\"2020-01-01T01:00:00Z\",\"l\":\"en\"}\n{\"ts\":\"2020-01-01T02:00:00Z\",\"l\":\"ja\"}\n{\"ts\":\"2020-01-01T03:00:00Z\",\"l\":\"xx\"}\n{\"ts\":\"2020-01-01T04:00:00Z\",\"l\":\"ru\"}\n")
	newTasksAPI(t, port).run(`{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"lk_ingest","timestampSpec":{"column":"ts","format":"auto"},
		"dimensionsSpec":{"dimensions":["name"]},"metricsSpec":[{"type":"count","name":"count"}],
		"granularitySpec":{"segmentGranularity":"day","queryGranularity":"none","rollup":false},
		"transformSpec":{"transforms":[{"type":"expression","name":"name","expression":"lookup(l, 'lang', 'unknown')"}],
			"filter":{"type":"not","field":{"type":"selector","dimension":"l","value":"Russian","extractionFn":{"type":"registeredLookup","lookup":"lang","retainMissingValue":true}}}}},
		"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":` + string(data) + `},"inputFormat":{"type":"json"}},
		"tuningConfig":{"type":"index_parallel"}}}`)
	queryWaitLoaded(t, fmt.Sprintf("http://127.0.0.1:%d", port), "lk_ingest")
	r = queryPost(t, port, "/druid/v2/", `{"queryType":"scan","dataSource":"lk_ingest","intervals":["2020/2021"],"columns":["name"],"resultFormat":"compactedList"}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"events":[["English"],["Japanese"],["unknown"]]`) {
		t.Errorf("ingested with a lookup transform: %d %s, want English, Japanese, unknown", r.status, r.body)
	}

	// The file changes: polling picks it up.
	if err := os.WriteFile(file, []byte("k,v\nzh,Zhongwen\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, _ := lookupGroupBy(t, port, "wiki_lk", `{"type":"extraction","dimension":"language","outputName":"d","extractionFn":{"type":"registeredLookup","lookup":"langfile"}}`)
		if got["Zhongwen"] == plain["zh"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("file change not picked up: %v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Same version again: Druid's 400; a greater version replaces it.
	checkError(t, "stale version", coordDo(t, "POST", v1+"/config/__default/lang", `{"version":"v1","lookupExtractorFactory":{"type":"map","map":{}}}`, nil),
		400, "INVALID_INPUT", "USER", "version [v1]")
	coordJSON(t, "POST", v1+"/config/__default/lang", `{"version":"v2","lookupExtractorFactory":{"type":"map","map":{"en":"Inglés"}}}`, nil, 202, nil)
	eventuallyJSON(t, v1+"/status/__default/lang", "lang v2 loaded", func(st map[string]any) bool { return st["loaded"] == true })
	mapped, r = lookupGroupBy(t, port, "wiki_lk", `{"type":"extraction","dimension":"language","outputName":"d","extractionFn":{"type":"registeredLookup","lookup":"lang","replaceMissingValueWith":"?"}}`)
	if mapped["Inglés"] != plain["en"] || mapped["?"] != plain["ja"]+plain["ru"]+plain["zh"] {
		t.Errorf("after v2: %v (%s)", mapped, r.body)
	}
	checkError(t, "jdbc", coordDo(t, "POST", v1+"/config/__default/db", `{"version":"v1","lookupExtractorFactory":{"type":"cachedNamespace","extractionNamespace":{"type":"jdbc","connectorConfig":{},"table":"t","keyColumn":"k","valueColumn":"v"}}}`, nil),
		501, "UNSUPPORTED", "USER", "jdbc")

	// Delete: queries naming the lookup answer 400.
	coordJSON(t, "DELETE", v1+"/config/__default/lang", "", nil, 202, nil)
	_, r = lookupGroupBy(t, port, "wiki_lk", `{"type":"extraction","dimension":"language","outputName":"d","extractionFn":{"type":"registeredLookup","lookup":"lang"}}`)
	checkError(t, "deleted lookup", r, 400, "INVALID_INPUT", "USER", "Lookup [lang] not found")
	checkError(t, "deleted lookup status", coordDo(t, "GET", v1+"/status/__default/lang", "", nil), 404, "NOT_FOUND", "USER", "Lookup [lang] not found")
	r = queryPost(t, port, "/druid/v2/", strings.ReplaceAll(ts, "langfile", "lang"))
	checkError(t, "deleted lookup in lookup()", r, 400, "INVALID_INPUT", "USER", "unknown lookup \"lang\"")
}
