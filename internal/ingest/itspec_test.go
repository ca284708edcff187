package ingest

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/ingest/inputsource"
)

// itDir is Druid's conformance corpus, beside the repository.
const itDir = "../../../shared/conformance/druid-it"

func itPath(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(itDir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("conformance corpus not available (%s): %v", p, err)
	}
	return p
}

// substituteIT fills the %%PLACEHOLDERS%% of Druid's IT spec templates the
// way the IT harness would for a plain local JSON run, and maps the
// container paths to the corpus directory.
func substituteIT(spec, dataDir string, vars map[string]string) string {
	defaults := map[string]string{
		"%%DATASOURCE%%":                   "wikipedia_it",
		"%%REINDEX_DATASOURCE%%":           "wikipedia_reindex_it",
		"%%COMBINING_DATASOURCE%%":         "wikipedia_combining_it",
		"%%JOIN_DATASOURCE%%":              "join_it",
		"%%SEGMENT_AVAIL_TIMEOUT_MILLIS%%": "0",
		"%%FORCE_GUARANTEED_ROLLUP%%":      "false",
		"%%PARTITIONS_SPEC%%":              `{"type":"dynamic"}`,
		"%%INPUT_FORMAT%%":                 `{"type":"json"}`,
		"%%INPUT_FORMAT_TYPE%%":            "json",
		"%%INPUT_SOURCE_BASE_DIR%%":        filepath.Join(dataDir, "batch_index/json"),
		"%%INPUT_SOURCE_FILTER%%":          "wikipedia_index_data*",
		"%%APPEND_TO_EXISTING%%":           "false",
		"%%DROP_EXISTING%%":                "false",
		"%%USE_NESTED_COLUMN_INDEXER%%":    "false",
		"%%GRANULARITYSPEC%%":              `{"segmentGranularity":"DAY","queryGranularity":"second","intervals":["2013-08-31/2013-09-02"]}`,
		"%%INPUT_SOURCE_TYPE%%":            "s3",
		"%%INPUT_SOURCE_PROPERTY_KEY%%":    "uris",
		"%%INPUT_SOURCE_PROPERTY_VALUE%%":  `["s3://bucket/path/wikipedia_index_data1.json"]`,
		"%%SQL_QUERY%%":                    `["SELECT 1"]`,
	}
	for k, v := range vars {
		defaults[k] = v
	}
	keys := make([]string, 0, len(defaults))
	for k := range defaults {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		spec = strings.ReplaceAll(spec, k, defaults[k])
	}
	r := strings.NewReplacer(
		"/resources/data/", dataDir+"/",
		"/resources/indexer/", dataDir+"/indexer/",
		"quickstart/tutorial", dataDir+"/quickstart",
		"/shared/wikiticker-it", dataDir+"/quickstart",
	)
	return r.Replace(spec)
}

// itSpecExpect is what decoding each IT spec must give: "" for success,
// otherwise the error class. Files not listed are not index/index_parallel
// tasks (compaction, kill, supervisors, Hadoop, stream input formats).
var itSpecExpect = map[string]base.Class{
	"broadcast_join_index_task.json":                                 0,
	"calcite-foo.json":                                               0,
	"calcite-foo2.json":                                              0,
	"calcite-foo4.json":                                              0,
	"calcite-numFoo.json":                                            0,
	"json_path_index_task.json":                                      0,
	"sparse_column_index_task.json":                                  0,
	"tutorial-compaction-init-index.json":                            0,
	"tutorial-deletion-index.json":                                   0,
	"tutorial-retention-index.json":                                  0,
	"tutorial-rollup-index.json":                                     0,
	"tutorial-transform-index.json":                                  0,
	"tutorial-updates-append-index.json":                             0,
	"tutorial-updates-append-index2.json":                            0,
	"tutorial-updates-init-index.json":                               0,
	"tutorial-updates-overwrite-index.json":                          0,
	"tutorial-wikipedia-index.json":                                  0,
	"wikipedia_combining_input_source_index_parallel_task.json":      0,
	"wikipedia_http_inputsource_task.json":                           0,
	"wikipedia_index_no_rollup_preserve_metric.json":                 0,
	"wikipedia_index_rollup_preserve_metric.json":                    0,
	"wikipedia_index_task.json":                                      0,
	"wikipedia_index_task_with_dimension_spec.json":                  0,
	"wikipedia_index_task_with_granularity_spec.json":                0,
	"wikipedia_index_task_with_inputsource_transform.json":           0,
	"wikipedia_index_with_merge_column_limit_task.json":              0,
	"wikipedia_local_input_source_index_task.json":                   0,
	"wikipedia_local_input_source_index_task_schemaless.json":        0,
	"wikipedia_merge_index_task.json":                                0,
	"wikipedia_merge_reindex_druid_input_source_task.json":           0,
	"wikipedia_merge_reindex_task.json":                              0,
	"wikipedia_parallel_druid_input_source_index_task.json":          0,
	"wikipedia_parallel_index_task.json":                             0,
	"wikipedia_parallel_ingest_segment_index_task.json":              0,
	"wikipedia_parallel_reindex_task.json":                           0,
	"wikipedia_reindex_druid_input_source_task.json":                 0,
	"wikipedia_reindex_druid_input_source_task_with_transforms.json": 0,
	"wikipedia_reindex_task.json":                                    0,
	"wikipedia_with_timestamp_index_task.json":                       0,
	"wikiticker_index_task.json":                                     0,
	// s3 (the cloud IT) and sql input sources are not supported.
	"wikipedia_cloud_index_task.json":                         base.ClassUnsupported,
	"wikipedia_parallel_index_using_sqlinputsource_task.json": base.ClassUnsupported,
}

func TestDecodeITSpecs(t *testing.T) {
	dir := itPath(t, "specs")
	dataDir, _ := filepath.Abs(filepath.Join(itDir, "data"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		want, listed := itSpecExpect[name]
		if !listed {
			continue
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			task, err := DecodeTask([]byte(substituteIT(string(data), dataDir, nil)), DecodeOptions{})
			if want == 0 {
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if task.Spec.DataSchema.DataSource == "" {
					t.Fatal("empty dataSource")
				}
				return
			}
			if err == nil || base.ClassOf(err) != want {
				t.Fatalf("decode: got %v (class %v), want class %v", err, base.ClassOf(err), want)
			}
		})
	}
}

func decodeIT(t *testing.T, name string) *Task {
	t.Helper()
	dir := itPath(t, "specs")
	dataDir, _ := filepath.Abs(filepath.Join(itDir, "data"))
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	task, err := DecodeTask([]byte(substituteIT(string(data), dataDir, nil)), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func TestITSpecValues(t *testing.T) {
	task := decodeIT(t, "wikipedia_index_task.json")
	ds := task.Spec.DataSchema
	if task.Type != "index" || len(ds.DimensionsSpec.Dimensions) != 13 || ds.DimensionsSpec.Dimensions[1].Name != "language" || ds.DimensionsSpec.Dimensions[1].CreateBitmapIndex {
		t.Errorf("dimensions %+v", ds.DimensionsSpec.Dimensions)
	}
	if len(ds.Metrics) != 7 || ds.Metrics[4].Type != "thetaSketch" || ds.Metrics[4].Inputs[0] != "user" {
		t.Errorf("metrics %+v", ds.Metrics)
	}
	if p := task.Spec.TuningConfig.PartitionsSpec; p.Type != "dynamic" || p.MaxRowsPerSegment != 3 {
		t.Errorf("partitions %+v", p)
	}
	if !ds.GranularitySpec.QueryGranularity.Equal(granularityMust("second")) || len(ds.GranularitySpec.Intervals) != 1 {
		t.Errorf("granularity %+v", ds.GranularitySpec)
	}

	task = decodeIT(t, "json_path_index_task.json")
	f := task.Spec.IOConfig.InputFormat.(*inputformat.JSONFormat)
	if f.Flatten == nil || len(f.Flatten.Fields) != 4 || !f.Flatten.UseFieldDiscovery || f.Flatten.Fields[0].Expr != "$.values.length()" {
		t.Errorf("flattenSpec %+v", f.Flatten)
	}
	if g := task.Spec.DataSchema.GranularitySpec; !g.QueryGranularity.IsNone() || !g.SegmentGranularity.Equal(granularityMust("hour")) {
		t.Errorf("granularity %+v", g)
	}

	task = decodeIT(t, "tutorial-updates-append-index.json")
	tc := task.Spec.TuningConfig
	if !tc.ForceGuaranteedRollup || tc.PartitionsSpec.Type != "hashed" || tc.PartitionsSpec.NumShards != 1 || tc.MaxRowsInMemory != 25000 || tc.MaxNumConcurrentSubTasks != 2 {
		t.Errorf("tuning %+v", tc)
	}
	if c, ok := task.Spec.IOConfig.InputSource.(*inputsource.Combining); !ok || len(c.Delegates) != 2 {
		t.Errorf("input source %T", task.Spec.IOConfig.InputSource)
	}

	task = decodeIT(t, "tutorial-transform-index.json")
	if tr := task.Spec.DataSchema.TransformSpec; len(tr.Transforms) == 0 || tr.Filter == nil {
		t.Errorf("transformSpec %+v", tr)
	}
}
