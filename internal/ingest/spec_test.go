package ingest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/ingest/inputsource"
)

var update = flag.Bool("update", false, "rewrite golden files")

const baseSpec = `{
  "type": "index_parallel",
  "spec": {
    "dataSchema": {
      "dataSource": "wiki",
      "timestampSpec": {"column": "timestamp", "format": "iso"},
      "dimensionsSpec": {"dimensions": ["page", {"type": "long", "name": "added_dim"}]},
      "metricsSpec": [{"type": "count", "name": "count"}, {"type": "doubleSum", "name": "added", "fieldName": "added"}],
      "granularitySpec": {"segmentGranularity": "day", "queryGranularity": "hour", "intervals": ["2013-08-31/2013-09-02"]},
      "transformSpec": {"transforms": [{"type": "expression", "name": "p2", "expression": "concat(page, 'x')"}], "filter": {"type": "selector", "dimension": "page", "value": "a"}}
    },
    "ioConfig": {
      "type": "index_parallel",
      "inputSource": {"type": "inline", "data": "{}"},
      "inputFormat": {"type": "json"}
    },
    "tuningConfig": {"type": "index_parallel", "maxRowsInMemory": 1000, "partitionsSpec": {"type": "dynamic", "maxRowsPerSegment": 100}}
  }
}`

// mutate sets (or with value nil, deletes) the member at a dotted path of
// baseSpec, e.g. "spec.dataSchema.dataSource"; "[n]" indexes arrays.
func mutate(t testing.TB, path string, value any) []byte {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(baseSpec), &doc); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(path, ".")
	cur := doc
	for i, p := range parts {
		last := i == len(parts)-1
		name, idx := p, -1
		if j := strings.IndexByte(p, '['); j >= 0 {
			name = p[:j]
			idx, _ = strconv.Atoi(strings.TrimSuffix(p[j+1:], "]"))
		}
		m := cur.(map[string]any)
		if idx < 0 {
			if last {
				if value == nil {
					delete(m, name)
				} else {
					m[name] = value
				}
				break
			}
			cur = m[name]
			continue
		}
		arr := m[name].([]any)
		if last {
			arr[idx] = value
			break
		}
		cur = arr[idx]
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestDecodeTaskDefaults(t *testing.T) {
	task, err := DecodeTask([]byte(`{"type":"index","spec":{
		"dataSchema":{"dataSource":"d","timestampSpec":{}},
		"ioConfig":{"inputSource":{"type":"inline","data":"x"},"inputFormat":{"type":"json"}}}}`), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ds := task.Spec.DataSchema
	if ds.TimestampSpec.Column != "timestamp" || ds.TimestampSpec.Format != "auto" || ds.TimestampSpec.MissingValue != nil {
		t.Errorf("timestampSpec %+v", ds.TimestampSpec)
	}
	g := ds.GranularitySpec
	if !g.SegmentGranularity.Equal(granularity.MustParse("day")) || !g.QueryGranularity.IsNone() || !g.Rollup || g.Intervals != nil {
		t.Errorf("granularitySpec %+v", g)
	}
	if !ds.DimensionsSpec.ForceSegmentSortByTime || len(ds.DimensionsSpec.Dimensions) != 0 {
		t.Errorf("dimensionsSpec %+v", ds.DimensionsSpec)
	}
	tc := task.Spec.TuningConfig
	want := TuningConfig{
		Type: "index", MaxRowsInMemory: 1_000_000, MaxNumConcurrentSubTasks: 1, MaxRetry: 3,
		MaxNumSegmentsToMerge: 100, TotalNumMergeTasks: 10, MaxParseExceptions: Unlimited, MaxColumnsToMerge: -1,
		SplitHint:           SplitHint{Type: "maxSize", MaxSplitSize: 1 << 30, MaxNumFiles: 1000},
		PartitionsSpec:      PartitionsSpec{Type: "dynamic", MaxRowsPerSegment: 5_000_000},
		AppendableIndexSpec: AppendableIndexSpec{Type: "onheap"},
	}
	if fmt.Sprint(tc) != fmt.Sprint(want) {
		t.Errorf("tuningConfig\n got %+v\nwant %+v", tc, want)
	}
	if task.Spec.IOConfig.AppendToExisting || task.Spec.IOConfig.DropExisting || task.Spec.IOConfig.Type != "index" {
		t.Errorf("ioConfig %+v", task.Spec.IOConfig)
	}
}

func TestDecodeTaskFull(t *testing.T) {
	task, err := DecodeTask([]byte(baseSpec), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ds := task.Spec.DataSchema
	if len(ds.Metrics) != 2 || ds.Metrics[1].Type != "doubleSum" || ds.Metrics[1].Name != "added" || fmt.Sprint(ds.Metrics[1].Inputs) != "[added]" {
		t.Errorf("metrics %+v", ds.Metrics)
	}
	if len(ds.DimensionsSpec.Dimensions) != 2 || ds.DimensionsSpec.Dimensions[1].Type != DimLong || ds.DimensionsSpec.Dimensions[0].MultiValueHandling != SortedArray {
		t.Errorf("dimensions %+v", ds.DimensionsSpec.Dimensions)
	}
	if !ds.GranularitySpec.QueryGranularity.Equal(granularity.MustParse("hour")) || fmt.Sprint(ds.GranularitySpec.Intervals) != fmt.Sprint([]base.Interval{{Start: 1377907200000, End: 1378080000000}}) {
		t.Errorf("granularitySpec %+v", ds.GranularitySpec)
	}
	if len(ds.TransformSpec.Transforms) != 1 || ds.TransformSpec.Transforms[0].Expression != "concat(page, 'x')" || ds.TransformSpec.Filter == nil {
		t.Errorf("transformSpec %+v", ds.TransformSpec)
	}
	if _, ok := task.Spec.IOConfig.InputSource.(*inputsource.Inline); !ok {
		t.Errorf("inputSource %T", task.Spec.IOConfig.InputSource)
	}
	if _, ok := task.Spec.IOConfig.InputFormat.(*inputformat.JSONFormat); !ok {
		t.Errorf("inputFormat %T", task.Spec.IOConfig.InputFormat)
	}
	if tc := task.Spec.TuningConfig; tc.MaxRowsInMemory != 1000 || tc.PartitionsSpec.MaxRowsPerSegment != 100 || tc.PartitionsSpec.MaxTotalRows != DefaultMaxTotalRows {
		t.Errorf("tuningConfig %+v", tc)
	}
}

func TestDecodePartitions(t *testing.T) {
	tests := []struct {
		tuning string
		want   PartitionsSpec
	}{
		{`{"type":"index_parallel","forceGuaranteedRollup":true,"partitionsSpec":{"type":"hashed","numShards":2,"partitionDimensions":["page"]}}`,
			PartitionsSpec{Type: "hashed", NumShards: 2, PartitionDimensions: []string{"page"}, PartitionFunction: "murmur3_32_abs"}},
		{`{"type":"index_parallel","forceGuaranteedRollup":true,"partitionsSpec":{"type":"hashed"}}`,
			PartitionsSpec{Type: "hashed", TargetRowsPerSegment: 5_000_000, PartitionFunction: "murmur3_32_abs"}},
		{`{"type":"index_parallel","forceGuaranteedRollup":"true","partitionsSpec":{"type":"single_dim","partitionDimension":"page","targetRowsPerSegment":10}}`,
			PartitionsSpec{Type: "single_dim", PartitionDimension: "page", TargetRowsPerSegment: 10}},
		{`{"type":"index_parallel","forceGuaranteedRollup":true,"partitionsSpec":{"type":"range","partitionDimensions":["a","b"],"maxRowsPerSegment":10,"assumeGrouped":true}}`,
			PartitionsSpec{Type: "range", PartitionDimensions: []string{"a", "b"}, MaxRowsPerSegment: 10, AssumeGrouped: true}},
		{`{"type":"index_parallel","maxRowsPerSegment":3,"maxTotalRows":7}`,
			PartitionsSpec{Type: "dynamic", MaxRowsPerSegment: 3, MaxTotalRows: 7}},
		{`{"type":"index_parallel","forceGuaranteedRollup":true,"numShards":4,"partitionDimensions":["x"]}`,
			PartitionsSpec{Type: "hashed", NumShards: 4, PartitionDimensions: []string{"x"}, PartitionFunction: "murmur3_32_abs"}},
		{`{"type":"index_parallel","partitionsSpec":{"type":"dynamic","maxTotalRows":-1}}`,
			PartitionsSpec{Type: "dynamic", MaxRowsPerSegment: 5_000_000}},
	}
	for _, tt := range tests {
		var tc any
		_ = json.Unmarshal([]byte(tt.tuning), &tc)
		task, err := DecodeTask(mutate(t, "spec.tuningConfig", tc), DecodeOptions{})
		if err != nil {
			t.Errorf("%s: %v", tt.tuning, err)
			continue
		}
		if got := task.Spec.TuningConfig.PartitionsSpec; fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.tuning, got, tt.want)
		}
	}
}

// badSpecs are specs that must fail, each with the message pinned in
// testdata/bad_specs.golden.
var badSpecs = []struct {
	name  string
	path  string
	value any
	whole string // used instead of path/value when set
}{
	{name: "not json", whole: `{"type":"index",`},
	{name: "not an object", whole: `[1]`},
	{name: "wrong task type", whole: `{"type":"compact"}`},
	{name: "missing spec", whole: `{"type":"index"}`},
	{name: "missing dataSchema", path: "spec.dataSchema", value: nil},
	{name: "missing dataSource", path: "spec.dataSchema.dataSource", value: nil},
	{name: "dataSource with slash", path: "spec.dataSchema.dataSource", value: "a/b"},
	{name: "dataSource wrong type", path: "spec.dataSchema.dataSource", value: 12},
	{name: "timestampSpec column wrong type", path: "spec.dataSchema.timestampSpec.column", value: []any{"x"}},
	{name: "timestampSpec missing", path: "spec.dataSchema.timestampSpec", value: nil},
	{name: "bad joda format", path: "spec.dataSchema.timestampSpec.format", value: "yyyy-MM-dd'T"},
	{name: "bad missingValue", path: "spec.dataSchema.timestampSpec.missingValue", value: "yesterday"},
	{name: "dimension bad type", path: "spec.dataSchema.dimensionsSpec.dimensions[1]", value: map[string]any{"type": "complex", "name": "x"}},
	{name: "dimension without name", path: "spec.dataSchema.dimensionsSpec.dimensions[1]", value: map[string]any{"type": "long"}},
	{name: "dimension duplicate", path: "spec.dataSchema.dimensionsSpec.dimensions[1]", value: "page"},
	{name: "dimension number", path: "spec.dataSchema.dimensionsSpec.dimensions[0]", value: 3},
	{name: "bad multiValueHandling", path: "spec.dataSchema.dimensionsSpec.dimensions[1]", value: map[string]any{"name": "x", "multiValueHandling": "random"}},
	{name: "exclusion overlaps dimension", path: "spec.dataSchema.dimensionsSpec.dimensionExclusions", value: []any{"page"}},
	{name: "spatial dimensions", path: "spec.dataSchema.dimensionsSpec.spatialDimensions", value: []any{map[string]any{"dimName": "coord"}}},
	{name: "metric without type", path: "spec.dataSchema.metricsSpec[1]", value: map[string]any{"name": "x"}},
	{name: "metric name clashes with dimension", path: "spec.dataSchema.metricsSpec[1]", value: map[string]any{"type": "longSum", "name": "page", "fieldName": "x"}},
	{name: "duplicate metric names", path: "spec.dataSchema.metricsSpec[1]", value: map[string]any{"type": "longSum", "name": "count", "fieldName": "x"}},
	{name: "metric named __time", path: "spec.dataSchema.metricsSpec[1]", value: map[string]any{"type": "longMax", "name": "__time", "fieldName": "x"}},
	{name: "bad segmentGranularity", path: "spec.dataSchema.granularitySpec.segmentGranularity", value: "fortnight"},
	{name: "segmentGranularity none", path: "spec.dataSchema.granularitySpec.segmentGranularity", value: "none"},
	{name: "bad interval", path: "spec.dataSchema.granularitySpec.intervals", value: []any{"2013-08-31/2013-09-02", "yesterday/today"}},
	{name: "empty interval", path: "spec.dataSchema.granularitySpec.intervals", value: []any{"2013-09-02/2013-09-02"}},
	{name: "rollup not boolean", path: "spec.dataSchema.granularitySpec.rollup", value: 1},
	{name: "arbitrary granularitySpec", path: "spec.dataSchema.granularitySpec.type", value: "arbitrary"},
	{name: "transform without expression", path: "spec.dataSchema.transformSpec.transforms[0]", value: map[string]any{"type": "expression", "name": "x"}},
	{name: "transform bad type", path: "spec.dataSchema.transformSpec.transforms[0]", value: map[string]any{"type": "javascript", "name": "x", "function": "f"}},
	{name: "legacy parser", path: "spec.dataSchema.parser", value: map[string]any{"type": "string"}},
	{name: "missing ioConfig", path: "spec.ioConfig", value: nil},
	{name: "ioConfig type mismatch", path: "spec.ioConfig.type", value: "index"},
	{name: "missing inputSource", path: "spec.ioConfig.inputSource", value: nil},
	{name: "firehose", path: "spec.ioConfig.firehose", value: map[string]any{"type": "local"}},
	{name: "missing inputFormat", path: "spec.ioConfig.inputFormat", value: nil},
	{name: "unknown inputSource", path: "spec.ioConfig.inputSource", value: map[string]any{"type": "ftp"}},
	{name: "unsupported inputSource", path: "spec.ioConfig.inputSource", value: map[string]any{"type": "s3", "uris": []any{"s3://a/b"}}},
	{name: "unsupported inputFormat", path: "spec.ioConfig.inputFormat", value: map[string]any{"type": "avro_ocf"}},
	{name: "csv without columns", path: "spec.ioConfig.inputFormat", value: map[string]any{"type": "csv"}},
	{name: "bad JSONPath", path: "spec.ioConfig.inputFormat", value: map[string]any{"type": "json", "flattenSpec": map[string]any{"fields": []any{map[string]any{"type": "path", "name": "x", "expr": "$.a[x]"}}}}},
	{name: "append and drop", path: "spec.ioConfig.dropExisting", value: true, whole: ""},
	{name: "tuning type mismatch", path: "spec.tuningConfig.type", value: "index"},
	{name: "maxRowsInMemory zero", path: "spec.tuningConfig.maxRowsInMemory", value: 0},
	{name: "maxRowsInMemory fraction", path: "spec.tuningConfig.maxRowsInMemory", value: 1.5},
	{name: "maxNumConcurrentSubTasks zero", path: "spec.tuningConfig.maxNumConcurrentSubTasks", value: 0},
	{name: "unknown partitionsSpec", path: "spec.tuningConfig.partitionsSpec", value: map[string]any{"type": "random"}},
	{name: "hashed without perfect rollup", path: "spec.tuningConfig.partitionsSpec", value: map[string]any{"type": "hashed", "numShards": 2}},
	{name: "hashed numShards and target", path: "spec.tuningConfig.partitionsSpec", value: map[string]any{"type": "hashed", "numShards": 2, "targetRowsPerSegment": 5}},
	{name: "range without dimensions", path: "spec.tuningConfig.partitionsSpec", value: map[string]any{"type": "range", "targetRowsPerSegment": 5}},
	{name: "dynamic negative rows", path: "spec.tuningConfig.partitionsSpec", value: map[string]any{"type": "dynamic", "maxRowsPerSegment": -5}},
	{name: "forceGuaranteedRollup with dynamic", path: "spec.tuningConfig.forceGuaranteedRollup", value: true},
	{name: "bad splitHintSpec", path: "spec.tuningConfig.splitHintSpec", value: map[string]any{"type": "maxSize", "maxNumFiles": 0}},
	{name: "unknown appendableIndexSpec", path: "spec.tuningConfig.appendableIndexSpec", value: map[string]any{"type": "offheap"}},
	{name: "preserveExistingMetrics not boolean", path: "spec.tuningConfig.appendableIndexSpec", value: map[string]any{"type": "onheap", "preserveExistingMetrics": 7}},
}

func TestDecodeTaskErrors(t *testing.T) {
	var golden strings.Builder
	for _, tt := range badSpecs {
		data := []byte(tt.whole)
		if tt.whole == "" {
			data = mutate(t, tt.path, tt.value)
		}
		if tt.name == "append and drop" {
			var doc map[string]any
			_ = json.Unmarshal(data, &doc)
			io := doc["spec"].(map[string]any)["ioConfig"].(map[string]any)
			io["appendToExisting"] = true
			data, _ = json.Marshal(doc)
		}
		_, err := DecodeTask(data, DecodeOptions{})
		if err == nil {
			t.Errorf("%s: decoded without error", tt.name)
			continue
		}
		c := base.ClassOf(err)
		if c != base.ClassInvalidInput && c != base.ClassUnsupported {
			t.Errorf("%s: class %v", tt.name, c)
		}
		fmt.Fprintf(&golden, "%s\n\t%s: %s\n", tt.name, c, err)
	}
	checkGolden(t, "bad_specs.golden", golden.String())
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
}

func FuzzDecodeTask(f *testing.F) {
	f.Add([]byte(baseSpec))
	// Druid's IT specs make a rich seed corpus when the corpus is present.
	if entries, err := os.ReadDir(filepath.Join(itDir, "specs")); err == nil {
		dataDir, _ := filepath.Abs(filepath.Join(itDir, "data"))
		for _, e := range entries {
			if _, ok := itSpecExpect[e.Name()]; !ok {
				continue
			}
			if data, err := os.ReadFile(filepath.Join(itDir, "specs", e.Name())); err == nil {
				f.Add([]byte(substituteIT(string(data), dataDir, nil)))
			}
		}
	}
	f.Add([]byte(`{"type":"index","spec":{"dataSchema":{"dataSource":"d","timestampSpec":{"format":"yyyy"}},"ioConfig":{"inputSource":{"type":"local","files":["x"]},"inputFormat":{"type":"csv","columns":["a"]}}}}`))
	f.Add([]byte(`{"type":"index_parallel","dataSchema":{"dataSource":"d","timestampSpec":{}},"ioConfig":{"type":"index_parallel","inputSource":{"type":"druid","dataSource":"x","interval":"2020/2021"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		task, err := DecodeTask(data, DecodeOptions{})
		if err != nil {
			if c := base.ClassOf(err); c != base.ClassInvalidInput && c != base.ClassUnsupported {
				t.Fatalf("class %v for %v", c, err)
			}
			return
		}
		if task.Spec.DataSchema.DataSource == "" || task.Spec.IOConfig.InputSource == nil {
			t.Fatalf("decoded an incomplete task: %+v", task)
		}
	})
}
