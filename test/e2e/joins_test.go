package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const joinsDS = "wiki_joins"

// wikiRow is one input row of the wiki IT data.
type wikiRow struct {
	Timestamp string  `json:"timestamp"`
	Page      string  `json:"page"`
	Country   *string `json:"country"`
	Tags      any     `json:"tags"`
	Added     float64 `json:"added"`
}

// wikiRows reads the wiki IT data files that wikipedia_index_task.json
// ingests, keeping the rows inside its 2013-08-31/2013-09-02 interval.
func wikiRows(t *testing.T) []wikiRow {
	t.Helper()
	var out []wikiRow
	for i := 1; i <= 3; i++ {
		f, err := os.Open(filepath.Join(queryCorpus(t), "data", "batch_index", "json", fmt.Sprintf("wikipedia_index_data%d.json", i)))
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(f)
		for {
			var r wikiRow
			err := dec.Decode(&r)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			ts, err := time.Parse(time.RFC3339, r.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			if !ts.Before(time.Date(2013, 8, 31, 0, 0, 0, 0, time.UTC)) && ts.Before(time.Date(2013, 9, 2, 0, 0, 0, 0, time.UTC)) {
				out = append(out, r)
			}
		}
		f.Close()
	}
	if len(out) < 5 {
		t.Fatalf("only %d wiki rows in the interval", len(out))
	}
	return out
}

// isoCodes is the right side of the join: country name → code, with one
// country the data does not have.
var isoCodes = map[string]string{"United States": "US", "Australia": "AU", "Russia": "RU", "Atlantis": "AT"}

func isoInline() string {
	rows := []string{}
	for n, c := range isoCodes {
		rows = append(rows, fmt.Sprintf("[%q,%q]", n, c))
	}
	return `{"type":"inline","columnNames":["name","iso"],"columnTypes":["STRING","STRING"],"rows":[` + strings.Join(rows, ",") + `]}`
}

// sumsBy decodes a groupBy or topN result into dimension value → added
// ("<null>" for null).
func sumsBy(t *testing.T, body []byte, dim string) map[string]float64 {
	t.Helper()
	var gb []struct {
		Event  map[string]any   `json:"event"`
		Result []map[string]any `json:"result"`
	}
	if err := json.Unmarshal(body, &gb); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	out := map[string]float64{}
	add := func(m map[string]any) {
		k := "<null>"
		if s, ok := m[dim].(string); ok {
			k = s
		}
		f, _ := m["added"].(float64)
		out[k] += f
	}
	for _, r := range gb {
		if r.Event != nil {
			add(r.Event)
		}
		for _, m := range r.Result {
			add(m)
		}
	}
	return out
}

func sameSums(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestJoinUnnestLookup(t *testing.T) {
	_, port, _ := quickstart(t, queryEnv...)
	queryIngest(t, port, joinsDS)
	rows := wikiRows(t)
	const iv = `"intervals":["2013-08-31/2013-09-02"]`

	t.Run("groupBy over a join with an inline datasource", func(t *testing.T) {
		want := map[string]float64{}
		for _, r := range rows {
			k := "<null>"
			if r.Country != nil {
				if c, ok := isoCodes[*r.Country]; ok {
					k = c
				}
			}
			want[k] += r.Added
		}
		q := `{"queryType":"groupBy","dataSource":{"type":"join","left":"` + joinsDS + `","right":` + isoInline() +
			`,"rightPrefix":"c.","condition":"country == \"c.name\"","joinType":"LEFT"},` + iv +
			`,"granularity":"all","dimensions":["c.iso"],"aggregations":[{"type":"doubleSum","name":"added","fieldName":"added"}]}`
		r := queryPost(t, port, "/druid/v2/", q)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if got := sumsBy(t, r.body, "c.iso"); !sameSums(got, want) {
			t.Errorf("got %v\nwant %v", got, want)
		}

		// INNER with a leftFilter keeps only the matching, filtered rows.
		want = map[string]float64{}
		for _, r := range rows {
			if r.Country != nil && *r.Country != "Russia" {
				if c, ok := isoCodes[*r.Country]; ok {
					want[c] += r.Added
				}
			}
		}
		q = strings.Replace(q, `"joinType":"LEFT"`, `"joinType":"INNER","leftFilter":{"type":"not","field":{"type":"selector","dimension":"country","value":"Russia"}}`, 1)
		r = queryPost(t, port, "/druid/v2/", q)
		if got := sumsBy(t, r.body, "c.iso"); r.status != 200 || !sameSums(got, want) {
			t.Errorf("inner with leftFilter: %d %s\nwant %v", r.status, r.body, want)
		}
	})

	t.Run("topN over a virtual column of a join, as Druid's IT query", func(t *testing.T) {
		// wikipedia_editstream_queries.json "topN, 1 agg, join to inline"
		// on this table: one page is renamed through the join.
		want := map[string]float64{}
		for _, r := range rows {
			p := r.Page
			if p == "Gypsy Danger" {
				p = "inline join!"
			}
			want[p] += r.Added
		}
		q := `{"queryType":"topN","dataSource":{"type":"join","left":"` + joinsDS + `","right":{"type":"inline","columnNames":["page","lookupPage"],"columnTypes":["string","string"],` +
			`"rows":[["Gypsy Danger","inline join!"]]},"rightPrefix":"j.","condition":"page == \"j.page\"","joinType":"LEFT"},` + iv +
			`,"granularity":"all","virtualColumns":[{"type":"expression","name":"lookupPage","expression":"nvl(\"j.lookupPage\", \"page\")","outputType":"string"}],` +
			`"aggregations":[{"type":"doubleSum","name":"added","fieldName":"added"}],"dimension":"lookupPage","metric":"added","threshold":100}`
		r := queryPost(t, port, "/druid/v2/", q)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if got := sumsBy(t, r.body, "lookupPage"); !sameSums(got, want) || want["inline join!"] == 0 {
			t.Errorf("got %v\nwant %v", got, want)
		}
	})

	t.Run("topN over unnest of a multi-value column", func(t *testing.T) {
		want := map[string]float64{}
		for _, r := range rows {
			switch x := r.Tags.(type) {
			case string:
				want[x] += r.Added
			case []any:
				for _, e := range x {
					want[e.(string)] += r.Added
				}
			}
		}
		q := `{"queryType":"topN","dataSource":{"type":"unnest","base":"` + joinsDS + `","virtualColumn":{"type":"expression","name":"tag","expression":"\"tags\""}},` + iv +
			`,"granularity":"all","dimension":"tag","metric":"added","threshold":100,"aggregations":[{"type":"doubleSum","name":"added","fieldName":"added"}]}`
		r := queryPost(t, port, "/druid/v2/", q)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if got := sumsBy(t, r.body, "tag"); !sameSums(got, want) {
			t.Errorf("got %v\nwant %v", got, want)
		}
	})

	t.Run("errors", func(t *testing.T) {
		r := queryPost(t, port, "/druid/v2/", `{"queryType":"scan","dataSource":{"type":"join","left":`+isoInline()+`,"right":"`+joinsDS+`","rightPrefix":"w.","condition":"name == \"w.country\"","joinType":"INNER"},`+iv+`}`)
		checkError(t, "table on the right", r, 501, "UNSUPPORTED", "USER", "broadcast")
		r = queryPost(t, port, "/druid/v2/", `{"queryType":"scan","dataSource":{"type":"join","left":"`+joinsDS+`","right":`+isoInline()+`,"rightPrefix":"c.","condition":"country > \"c.name\"","joinType":"INNER"},`+iv+`}`)
		checkError(t, "non-equi condition", r, 400, "INVALID_INPUT", "USER", "non-equi-join")
		r = queryPost(t, port, "/druid/v2/", `{"queryType":"timeBoundary","dataSource":{"type":"unnest","base":"`+joinsDS+`","virtualColumn":{"type":"expression","name":"tag","expression":"\"tags\""}}}`)
		if r.status != 501 {
			t.Errorf("timeBoundary over unnest: %d %s", r.status, r.body)
		}
	})

	t.Run("lookup datasource", func(t *testing.T) {
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		r := do(t, "POST", base+"/druid/coordinator/v1/lookups/config", "application/json",
			`{"__default":{"codes":{"version":"v1","lookupExtractorFactory":{"type":"map","map":{"US":"United States","RU":"Russia"}}},`+
				`"names":{"version":"v1","lookupExtractorFactory":{"type":"map","map":{"United States":"usa","Russia":"rus"}}}}}`)
		if r.status == 501 || r.status == 404 {
			t.Skipf("this build does not serve the Lookups API: %d %s", r.status, r.body)
		}
		if r.status/100 != 2 {
			t.Fatalf("creating the lookup: %d %s", r.status, r.body)
		}
		q := `{"queryType":"scan","dataSource":{"type":"lookup","lookup":"codes"},"intervals":["0000/3000"],"columns":["k","v"],"resultFormat":"compactedList"}`
		want := `[{"segmentId":null,"columns":["k","v"],"events":[["RU","Russia"],["US","United States"]]}]`
		deadline := time.Now().Add(30 * time.Second)
		for {
			r = queryPost(t, port, "/druid/v2/", q)
			if r.status == 200 && sameJSON(t, r.body, []byte(want)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("lookup scan: %d %s\nwant %s", r.status, r.body, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
		r = queryPost(t, port, "/druid/v2/", strings.Replace(q, `"codes"`, `"nope"`, 1))
		checkError(t, "unknown lookup", r, 400, "INVALID_INPUT", "USER", "nope")

		// A table joined to a lookup, grouped by the looked-up value.
		names := map[string]string{"United States": "usa", "Russia": "rus"}
		sums := map[string]float64{}
		for _, r := range rows {
			k := "<null>"
			if r.Country != nil {
				if v, ok := names[*r.Country]; ok {
					k = v
				}
			}
			sums[k] += r.Added
		}
		q = `{"queryType":"groupBy","dataSource":{"type":"join","left":"` + joinsDS + `","right":{"type":"lookup","lookup":"names"},"rightPrefix":"l.","condition":"country == \"l.k\"","joinType":"LEFT"},` + iv +
			`,"granularity":"all","dimensions":["l.v"],"aggregations":[{"type":"doubleSum","name":"added","fieldName":"added"}]}`
		r = queryPost(t, port, "/druid/v2/", q)
		if got := sumsBy(t, r.body, "l.v"); r.status != 200 || !sameSums(got, sums) {
			t.Errorf("join to a lookup: %d %s\nwant %v", r.status, r.body, sums)
		}
	})
}
