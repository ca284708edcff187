package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/incremental"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/segment"
)

const itDir = "../../../../shared/conformance/druid-it"

// itSegments ingests Druid's integration-test wiki data the way
// wikipedia_index_task.json does (DAY segments, second query
// granularity, rollup, its count, doubleSum and sketch metrics), split into partitions of at most 3 input rows as its
// maxRowsPerSegment asks.
func itSegments(t *testing.T) []*segment.Segment {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(itDir, "data/batch_index/json/wikipedia_index_data*.json"))
	if len(files) == 0 {
		t.Skip("druid-it conformance data not found")
	}
	metrics, err := aggregation.DecodeList([]byte(`[{"type":"count","name":"count"},{"type":"doubleSum","name":"added","fieldName":"added"},
		{"type":"doubleSum","name":"deleted","fieldName":"deleted"},{"type":"doubleSum","name":"delta","fieldName":"delta"},
		{"name":"thetaSketch","type":"thetaSketch","fieldName":"user"},{"name":"quantilesDoublesSketch","type":"quantilesDoublesSketch","fieldName":"delta"},
		{"name":"HLLSketchBuild","type":"HLLSketchBuild","fieldName":"user"}]`))
	if err != nil {
		t.Fatal(err)
	}
	var dims []incremental.DimensionSpec
	for _, d := range []string{"page", "language", "tags", "user", "unpatrolled", "newPage", "robot", "anonymous", "namespace", "continent", "country", "region", "city"} {
		dims = append(dims, incremental.DimensionSpec{Name: d})
	}
	second := granularity.MustParse("second")
	type input struct {
		t int64
		m map[string]any
	}
	byDay := map[int64][]input{}
	var days []int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			ts, err := base.ParseTime(m["timestamp"].(string), nil)
			if err != nil {
				t.Fatal(err)
			}
			delete(m, "timestamp")
			day := granularity.MustParse("day").Floor(ts)
			if _, ok := byDay[day]; !ok {
				days = append(days, day)
			}
			byDay[day] = append(byDay[day], input{ts, m})
		}
	}
	var segs []*segment.Segment
	for _, day := range days {
		rows := byDay[day]
		for part := 0; part*3 < len(rows); part++ {
			idx, err := incremental.New(incremental.Config{Dimensions: dims, Metrics: metrics, Rollup: true, Truncate: second.Floor})
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range rows[part*3 : min(len(rows), part*3+3)] {
				r, err := incremental.RowFromMap(in.t, in.m)
				if err != nil {
					t.Fatal(err)
				}
				if err := idx.Add(&r); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			meta := segment.Metadata{DataSource: "wiki", Interval: base.NewInterval(day, day+86400_000), Version: "v1", PartitionNum: part}
			if _, err := idx.Persist(&buf, meta); err != nil {
				t.Fatal(err)
			}
			seg, err := segment.FromBytes(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			segs = append(segs, seg)
		}
	}
	return segs
}

// runMerged runs q on every segment and merges and finishes the partial
// results as the broker does, returning the result JSON.
func runMerged(t *testing.T, q query.Query, segs []*segment.Segment) []byte {
	t.Helper()
	var parts []*Partial
	for i, s := range segs {
		p, err := Run(context.Background(), q, s, "seg"+string(rune('0'+i)))
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		parts = append(parts, p)
	}
	switch q := q.(type) {
	case *query.Timeseries:
		aggs, _ := result.FromFactories(q.Aggregations)
		var ps [][]result.TimeseriesRow
		for _, p := range parts {
			ps = append(ps, p.Timeseries)
		}
		rows, err := result.MergeTimeseries(q, aggs, ps...)
		if err != nil {
			t.Fatal(err)
		}
		tab, err := result.FinishTimeseries(q, aggs, rows)
		if err != nil {
			t.Fatal(err)
		}
		return result.AppendTimeseries(nil, tab)
	case *query.GroupBy:
		aggs, _ := result.FromFactories(q.Aggregations)
		m := result.NewGroupByMerger(q, aggs)
		for _, p := range parts {
			if err := m.Add(p.GroupBy); err != nil {
				t.Fatal(err)
			}
		}
		tab, err := result.FinishGroupBy(q, aggs, m.Rows())
		if err != nil {
			t.Fatal(err)
		}
		return result.AppendGroupByResult(nil, q, tab)
	case *query.TopN:
		aggs, _ := result.FromFactories(q.Aggregations)
		var ps [][]result.TopNBucket
		for _, p := range parts {
			ps = append(ps, p.TopN)
		}
		merged, err := result.MergeTopN(q, aggs, 0, ps...)
		if err != nil {
			t.Fatal(err)
		}
		tab, err := result.FinishTopN(q, aggs, merged)
		if err != nil {
			t.Fatal(err)
		}
		return result.AppendTopN(nil, tab)
	case *query.Scan:
		var bs []result.ScanBatch
		for _, p := range parts {
			bs = append(bs, p.Scan...)
		}
		merged, err := result.MergeScan(q, bs)
		if err != nil {
			t.Fatal(err)
		}
		return result.AppendScan(nil, merged, q.ResultFormat)
	}
	t.Fatalf("query type %s", q.Type())
	return nil
}

func jsonEqual(t *testing.T, got []byte, want any) {
	t.Helper()
	var g any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("result is not JSON: %v\n%s", err, got)
	}
	wb, _ := json.Marshal(want)
	var w any
	_ = json.Unmarshal(wb, &w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("result\n got %s\nwant %s", got, wb)
	}
}

// TestWikipediaIndexQueries replays the queries of Druid's
// wikipedia_index_queries.json that need no sketch aggregators.
func TestWikipediaIndexQueries(t *testing.T) {
	segs := itSegments(t)
	b, err := os.ReadFile(filepath.Join(itDir, "queries/wikipedia_index_queries.json"))
	if err != nil {
		t.Skip("druid-it queries not found")
	}
	var cases []struct {
		Description     string          `json:"description"`
		Query           json.RawMessage `json:"query"`
		ExpectedResults any             `json:"expectedResults"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, c := range cases {
		js := strings.ReplaceAll(string(c.Query), "%%DATASOURCE%%", "wiki")
		q, err := query.Decode([]byte(js))
		if err != nil {
			t.Logf("%s: skipped: %v", c.Description, err)
			continue
		}
		if _, err := Run(context.Background(), q, segs[0], "s"); base.ClassOf(err) == base.ClassUnsupported {
			t.Logf("%s: skipped: %v", c.Description, err)
			continue
		}
		t.Run(c.Description, func(t *testing.T) {
			jsonEqual(t, runMerged(t, q, segs), c.ExpectedResults)
		})
		ran++
	}
	if ran < 2 {
		t.Errorf("only %d queries ran", ran)
	}
}

// TestWikipediaMore checks further queries over the IT data whose results
// follow from its ten rows.
func TestWikipediaMore(t *testing.T) {
	segs := itSegments(t)
	tests := []struct {
		name, query, want string
	}{
		{"timeseries_all_sums",
			`{"queryType":"timeseries","dataSource":"wiki","granularity":"all","intervals":["2013-08-31/2013-09-02"],
			  "aggregations":[{"type":"longSum","name":"count","fieldName":"count"},{"type":"doubleSum","name":"added","fieldName":"added"},{"type":"longMax","name":"maxDelta","fieldName":"delta"}]}`,
			`[{"timestamp":"2013-08-31T01:02:33.000Z","result":{"count":10,"added":3090.0,"maxDelta":900}}]`},
		{"topN_language",
			`{"queryType":"topN","dataSource":"wiki","granularity":"all","intervals":["2013-08-31/2013-09-02"],"dimension":"language","metric":"edits","threshold":2,
			  "aggregations":[{"type":"longSum","name":"edits","fieldName":"count"}]}`,
			`[{"timestamp":"2013-08-31T01:02:33.000Z","result":[{"language":"en","edits":4},{"language":"ja","edits":2}]}]`},
		{"sketches_raw_and_stored",
			`{"queryType":"timeseries","dataSource":"wiki","granularity":"all","intervals":["2013-08-31/2013-09-02"],
			  "aggregations":[{"type":"HLLSketchBuild","name":"raw","fieldName":"user","round":true},{"type":"HLLSketchMerge","name":"stored","fieldName":"HLLSketchBuild","round":true},
			  {"type":"cardinality","name":"card","fields":["user"],"round":true},{"type":"thetaSketch","name":"theta","fieldName":"user"}]}`,
			`[{"timestamp":"2013-08-31T01:02:33.000Z","result":{"raw":5,"stored":5,"card":5,"theta":5.0}}]`},
		{"groupBy_sketch_per_language",
			`{"queryType":"groupBy","dataSource":"wiki","granularity":"all","intervals":["2013-08-31/2013-09-02"],"dimensions":["language"],
			  "aggregations":[{"type":"HLLSketchMerge","name":"users","fieldName":"HLLSketchBuild","round":true}]}`,
			`[{"version":"v1","timestamp":"2013-08-31T00:00:00.000Z","event":{"language":"en","users":2}},{"version":"v1","timestamp":"2013-08-31T00:00:00.000Z","event":{"language":"ja","users":1}},
			  {"version":"v1","timestamp":"2013-08-31T00:00:00.000Z","event":{"language":"ru","users":1}},{"version":"v1","timestamp":"2013-08-31T00:00:00.000Z","event":{"language":"zh","users":1}}]`},
		{"topN_by_sketch",
			`{"queryType":"topN","dataSource":"wiki","granularity":"all","intervals":["2013-08-31/2013-09-02"],"dimension":"language","metric":"users","threshold":1,
			  "aggregations":[{"type":"HLLSketchBuild","name":"users","fieldName":"user","round":true}]}`,
			`[{"timestamp":"2013-08-31T01:02:33.000Z","result":[{"language":"en","users":2}]}]`},
		{"groupBy_tags_multivalue",
			`{"queryType":"groupBy","dataSource":"wiki","granularity":"all","intervals":["2013-08-31/2013-09-02"],"dimensions":["tags"],
			  "filter":{"type":"selector","dimension":"language","value":"en"},
			  "aggregations":[{"type":"longSum","name":"edits","fieldName":"count"}]}`,
			`[{"version":"v1","timestamp":"2013-08-31T00:00:00.000Z","event":{"tags":"t1","edits":4}},{"version":"v1","timestamp":"2013-08-31T00:00:00.000Z","event":{"tags":"t2","edits":4}}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want any
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			got := runMerged(t, mustDecode(t, tc.query), segs)
			jsonEqual(t, got, want)
		})
	}
}
