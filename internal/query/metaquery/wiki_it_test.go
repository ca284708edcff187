package metaquery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/incremental"
	"github.com/dryaddb/dryad/internal/ingest"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

const itDir = "../../../../shared/conformance/druid-it"

// itSegment is a built segment and its Druid id.
type itSegment struct {
	seg *segment.Segment
	id  string
}

// buildIT ingests a Druid IT ingestion spec in process: the spec is
// decoded by internal/ingest (after placeholder substitution and the given
// textual edits), its rows are read with ingest.OpenRows, bucketed by
// segment granularity, split into dynamic partitions of maxRowsPerSegment
// input rows, rolled up by internal/incremental at the query granularity and
// persisted. Metrics whose aggregators dryad lacks would be left out (all
// the IT specs' metrics, sketches included, are supported).
func buildIT(t testing.TB, specFile, dataSource string, edits ...string) []itSegment {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(itDir, "specs", specFile))
	if err != nil {
		t.Skipf("druid-it conformance spec not found: %v", err)
	}
	return buildSpec(t, specFile, raw, dataSource, edits...)
}

// buildSpec is buildIT for a spec given as text.
func buildSpec(t testing.TB, specFile string, raw []byte, dataSource string, edits ...string) []itSegment {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join(itDir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(s, edits[i]) {
			t.Fatalf("spec %s has no %q to edit", specFile, edits[i])
		}
		s = strings.ReplaceAll(s, edits[i], edits[i+1])
	}
	s = strings.ReplaceAll(s, "%%DATASOURCE%%", dataSource)
	s = strings.ReplaceAll(s, "%%SEGMENT_AVAIL_TIMEOUT_MILLIS%%", "0")
	s = strings.ReplaceAll(s, "/resources/data/", abs+"/")
	task, err := ingest.DecodeTask([]byte(s), ingest.DecodeOptions{})
	if err != nil {
		t.Fatalf("decode %s: %v", specFile, err)
	}
	spec := &task.Spec
	ds := spec.DataSchema
	var metrics []aggregation.Factory
	inputs := map[string]bool{}
	for _, m := range ds.Metrics {
		f, err := aggregation.Decode(m.Raw)
		if base.ClassOf(err) == base.ClassUnsupported {
			continue
		}
		if err != nil {
			t.Fatalf("metric %s: %v", m.Name, err)
		}
		metrics = append(metrics, f)
		for _, in := range m.Inputs {
			inputs[in] = true
		}
	}
	var dims []incremental.DimensionSpec
	for _, d := range ds.DimensionsSpec.Dimensions {
		dims = append(dims, incremental.DimensionSpec{Name: d.Name, Type: d.ColumnType(), MultiValueHandling: d.MultiValueHandling})
	}
	gs := ds.GranularitySpec
	qg, err := json.Marshal(gs.QueryGranularity)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ingest.OpenRows(context.Background(), spec, nil)
	if err != nil {
		t.Fatalf("open rows: %v", err)
	}
	defer rows.Close()
	type chunk struct {
		start int64
		rows  []incremental.Row
	}
	var chunks []*chunk
	byStart := map[int64]*chunk{}
	for {
		r, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *ingest.ParseError
		if errors.As(err, &pe) {
			continue
		}
		if err != nil {
			t.Fatalf("read rows: %v", err)
		}
		m := map[string]any{}
		for i, d := range r.Dimensions {
			m[d] = r.Values[i]
		}
		for in := range inputs {
			if v, ok := r.Get(in); ok {
				m[in] = v
			}
		}
		row, err := incremental.RowFromMap(r.Time, m)
		if err != nil {
			t.Fatal(err)
		}
		if !inIntervals(gs.BucketIntervals(), gs.SegmentGranularity.Floor(r.Time)) {
			continue // Druid drops rows outside the granularitySpec intervals
		}
		start := gs.SegmentGranularity.Floor(r.Time)
		c := byStart[start]
		if c == nil {
			c = &chunk{start: start}
			byStart[start] = c
			chunks = append(chunks, c)
		}
		c.rows = append(c.rows, row)
	}
	per := int(spec.TuningConfig.PartitionsSpec.MaxRowsPerSegment)
	if per <= 0 {
		per = 5_000_000
	}
	var out []itSegment
	for _, c := range chunks {
		iv := gs.SegmentGranularity.Bucket(c.start)
		for part := 0; part*per < len(c.rows); part++ {
			idx, err := incremental.New(incremental.Config{Dimensions: dims, Exclusions: []string{ds.TimestampSpec.Column}, Metrics: metrics,
				Rollup: gs.Rollup, Truncate: gs.QueryGranularity.Floor, QueryGranularity: qg})
			if err != nil {
				t.Fatal(err)
			}
			for i := part * per; i < min(len(c.rows), (part+1)*per); i++ {
				if err := idx.Add(&c.rows[i]); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			meta := segment.Metadata{DataSource: dataSource, Interval: iv, Version: "v1", PartitionNum: part}
			if _, err := idx.Persist(&buf, meta); err != nil {
				t.Fatal(err)
			}
			seg, err := segment.FromBytes(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			id := base.SegmentID{DataSource: dataSource, Interval: iv, Version: "v1", Partition: part}.String()
			out = append(out, itSegment{seg: seg, id: id})
		}
	}
	return out
}

// inIntervals reports whether ms lies in one of ivs (nil: no restriction).
func inIntervals(ivs []base.Interval, ms int64) bool {
	if ivs == nil {
		return true
	}
	for _, iv := range ivs {
		if iv.Start <= ms && ms < iv.End {
			return true
		}
	}
	return false
}

// hadoopAsIndex is Druid's batch_hadoop_indexer.json (a Hadoop task, which
// dryad does not run) restated as a native index task with the same
// schema, TSV columns, granularities and intervals.
const hadoopAsIndex = `{"type":"index","spec":{
  "dataSchema":{"dataSource":"%%DATASOURCE%%","timestampSpec":{"column":"timestamp","format":"yyyyMMddHH"},
    "dimensionsSpec":{"dimensions":["location","product"]},
    "metricsSpec":[{"type":"thetaSketch","name":"other_metric","fieldName":"other_metric","size":16384},
                   {"type":"thetaSketch","name":"user_id_sketch","fieldName":"user_id_sketch","size":16384}],
    "granularitySpec":{"type":"uniform","segmentGranularity":"DAY","queryGranularity":"DAY","intervals":["2014-10-20T00:00:00Z/P2W"]}},
  "ioConfig":{"type":"index","inputSource":{"type":"local","files":["/resources/data/batch_index/hadoop_tsv/batch_hadoop.data"]},
    "inputFormat":{"type":"tsv","columns":["timestamp","location","product","other_metric","user_id_sketch"]}},
  "tuningConfig":{"type":"index","maxRowsPerSegment":5000000}}}`

// runAll runs q on every segment and merges the partials as the broker
// does, returning the result JSON.
func runAll(t testing.TB, q query.Query, segs []itSegment) []byte {
	t.Helper()
	var parts []*Partial
	for _, s := range segs {
		p, err := Run(context.Background(), q, s.seg, s.id)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		parts = append(parts, p)
	}
	r, err := Merge(q, parts)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	return AppendJSON(nil, q, r)
}

// itCase is one case of a Druid IT query file.
type itCase struct {
	Description     string          `json:"description"`
	Query           json.RawMessage `json:"query"`
	ExpectedResults json.RawMessage `json:"expectedResults"`
	FieldsToTest    []string        `json:"fieldsToTest"`
}

var metaTypes = regexp.MustCompile(`"queryType"\s*:\s*"(search|timeBoundary|segmentMetadata|dataSourceMetadata)"`)

// loadCases reads a query file, substitutes placeholders and returns the
// cases of the four metadata query types.
func loadCases(t testing.TB, file string, subst ...string) []itCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(itDir, "queries", file))
	if err != nil {
		t.Skipf("druid-it query file not found: %v", err)
	}
	s := string(b)
	for i := 0; i+1 < len(subst); i += 2 {
		s = strings.ReplaceAll(s, subst[i], subst[i+1])
	}
	var all []itCase
	if err := json.Unmarshal([]byte(s), &all); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []itCase
	for _, c := range all {
		if metaTypes.Match(c.Query) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no metadata query cases", file)
	}
	return out
}

// checkCase runs one IT case and compares the result with its expectation
// as Druid's IT harness does: whole rows, or only fieldsToTest of each.
func checkCase(t *testing.T, c itCase, segs []itSegment) {
	t.Helper()
	q, err := query.Decode(c.Query)
	if err != nil {
		t.Fatalf("%s: decode: %v", c.Description, err)
	}
	got := runAll(t, q, segs)
	var g, w []map[string]any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: result is not a JSON array: %v\n%s", c.Description, err, got)
	}
	if err := json.Unmarshal(c.ExpectedResults, &w); err != nil {
		t.Fatal(err)
	}
	if len(c.FieldsToTest) > 0 {
		for i := range g {
			keep := map[string]any{}
			for _, f := range c.FieldsToTest {
				keep[f] = g[i][f]
			}
			g[i] = keep
		}
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", c.Description, got, c.ExpectedResults)
	}
}

// TestDruidIT replays the search, timeBoundary and segmentMetadata cases
// of Druid's IT query files over segments ingested in process from the
// same specs and data.
func TestDruidIT(t *testing.T) {
	wiki := buildIT(t, "wikipedia_index_task.json", "wiki")
	if len(wiki) != 4 {
		t.Fatalf("wiki index built %d segments, want 4", len(wiki))
	}
	for _, file := range []string{
		"wikipedia_index_queries.json",
		"msq/wikipedia_index_queries.json",
		"wikipedia_parallel_index_queries.json",
		"wikipedia_double_ingestion_perfect_rollup_index_queries.json",
		"wikipedia_double_ingestion_non_perfect_rollup_index_queries.json",
	} {
		t.Run(file, func(t *testing.T) {
			for _, c := range loadCases(t, file, "%%DATASOURCE%%", "wiki") {
				checkCase(t, c, wiki)
			}
		})
	}
	t.Run("wikipedia_index_queries_hour_query_granularity.json", func(t *testing.T) {
		segs := buildIT(t, "wikipedia_index_task.json", "wiki", `"queryGranularity": "second"`, `"queryGranularity": "hour"`)
		for _, c := range loadCases(t, "wikipedia_index_queries_hour_query_granularity.json", "%%DATASOURCE%%", "wiki") {
			checkCase(t, c, segs)
		}
	})
	t.Run("wikipedia_index_queries_year_query_granularity.json", func(t *testing.T) {
		segs := buildIT(t, "wikipedia_index_task.json", "wiki", `"queryGranularity": "second"`, `"queryGranularity": "year"`)
		for _, c := range loadCases(t, "wikipedia_index_queries_year_query_granularity.json", "%%DATASOURCE%%", "wiki") {
			checkCase(t, c, segs)
		}
	})
	t.Run("wikipedia_index_queries_only_data3.json", func(t *testing.T) {
		segs := buildIT(t, "wikipedia_index_task.json", "wiki",
			`"/resources/data/batch_index/json/wikipedia_index_data1.json",`, ``,
			`"/resources/data/batch_index/json/wikipedia_index_data2.json",`, ``)
		for _, c := range loadCases(t, "wikipedia_index_queries_only_data3.json", "%%DATASOURCE%%", "wiki") {
			checkCase(t, c, segs)
		}
	})
	for _, file := range []string{"sparse_column_index_queries.json", "msq/sparse_column_msq.json"} {
		t.Run(file, func(t *testing.T) {
			segs := buildIT(t, "sparse_column_index_task.json", "sparse")
			// The other cases' expectations are filled in by the Java test.
			for _, c := range loadCases(t, file, "%%DATASOURCE%%", "sparse", "%%EXPECTED_NUM_ROW%%", "0", "%%EXPECTED_ROLLUP_RATIO%%", "0",
				"%%EXPECTED_SCAN_RESULT%%", "[]", "%%EXPECTED_SUM_COUNT%%", "0") {
				checkCase(t, c, segs)
			}
		})
	}
	t.Run("union_queries.json", func(t *testing.T) {
		// The IT streams union_data.json into datasources -1, -2 and -3;
		// the query also names -0, which does not exist and is ignored.
		var segs []itSegment
		for _, ds := range []string{"union-1", "union-2", "union-3"} {
			segs = append(segs, buildIT(t, "wikipedia_index_task.json", ds,
				`"/resources/data/batch_index/json/wikipedia_index_data1.json",
                    "/resources/data/batch_index/json/wikipedia_index_data2.json",
                    "/resources/data/batch_index/json/wikipedia_index_data3.json"`, `"/resources/data/union_data.json"`,
				`"maxRowsPerSegment": 3`, `"maxRowsPerSegment": 5000000`)...)
		}
		for _, c := range loadCases(t, "union_queries.json", "%%DATASOURCE%%", "union") {
			checkCase(t, c, segs)
		}
	})
	t.Run("batch_hadoop_queries.json", func(t *testing.T) {
		segs := buildSpec(t, "batch_hadoop_indexer.json (as index)", []byte(hadoopAsIndex), "hadoop")
		for _, c := range loadCases(t, "batch_hadoop_queries.json", "%%DATASOURCE%%", "hadoop") {
			checkCase(t, c, segs)
		}
	})
	t.Run("segment_metadata_query.json", func(t *testing.T) {
		// Druid's compaction IT fills the template: analysis type
		// queryGranularity, the wiki intervals, and one
		// {"queryGranularity": <name>} per segment.
		for _, c := range loadCases(t, "segment_metadata_query.json",
			"%%DATASOURCE%%", "wiki", "%%ANALYSIS_TYPE%%", "queryGranularity", "%%INTERVALS%%", "2013-08-31/2013-09-02",
			"%%EXPECTED_QUERY_GRANULARITY%%", `[{"queryGranularity":"SECOND"},{"queryGranularity":"SECOND"},{"queryGranularity":"SECOND"},{"queryGranularity":"SECOND"}]`) {
			checkCase(t, c, wiki)
		}
	})
}
