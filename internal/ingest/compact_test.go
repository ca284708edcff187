package ingest

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func TestDecodeCompactionTask(t *testing.T) {
	day := func(s string) base.Interval {
		iv, err := base.ParseInterval(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return iv
	}
	tests := []struct {
		name  string
		spec  string
		check func(t *testing.T, c *CompactionTask)
	}{
		{"defaults", `{"type":"compact","dataSource":"w","ioConfig":{"type":"compact","inputSpec":{"type":"interval","interval":"2013-08-31/2013-09-02"}}}`,
			func(t *testing.T, c *CompactionTask) {
				if c.Interval != day("2013-08-31/2013-09-02") || c.Segments != nil || c.DropExisting || c.AllowNonAlignedInterval {
					t.Errorf("input %+v", c)
				}
				if c.DimensionsSpec != nil || c.Metrics != nil || c.SegmentGranularity != nil || c.QueryGranularity != nil || c.Rollup != nil {
					t.Errorf("schema should be derived: %+v", c)
				}
				if c.TuningConfig.Type != "index_parallel" || c.TuningConfig.PartitionsSpec.Type != "dynamic" || c.TuningConfig.MaxRowsInMemory != DefaultMaxRowsInMemory {
					t.Errorf("tuningConfig %+v", c.TuningConfig)
				}
				// Druid's compaction has no maxTotalRows limit unless given.
				if p := c.TuningConfig.PartitionsSpec; p.MaxTotalRows != math.MaxInt64 || p.MaxRowsPerSegment != DefaultMaxRowsPerSegment {
					t.Errorf("partitionsSpec %+v, want maxTotalRows Long.MAX_VALUE", p)
				}
				if a := c.TuningConfig.AppendableIndexSpec; a.Type != "onheap" || a.PreserveExistingMetrics {
					t.Errorf("appendableIndexSpec %+v", a)
				}
			}},
		{"maxTotalRows and appendableIndexSpec given", `{"type":"compact","dataSource":"w","interval":"2013/2014","tuningConfig":{"type":"index_parallel",
"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":10,"maxTotalRows":30},"appendableIndexSpec":{"type":"onheap","preserveExistingMetrics":true}}}`,
			func(t *testing.T, c *CompactionTask) {
				if p := c.TuningConfig.PartitionsSpec; p.MaxTotalRows != 30 || p.MaxRowsPerSegment != 10 {
					t.Errorf("partitionsSpec %+v", p)
				}
				if !c.TuningConfig.AppendableIndexSpec.PreserveExistingMetrics {
					t.Errorf("appendableIndexSpec %+v", c.TuningConfig.AppendableIndexSpec)
				}
			}},
		{"legacy maxTotalRows", `{"type":"compact","dataSource":"w","interval":"2013/2014","tuningConfig":{"type":"index_parallel","maxTotalRows":40}}`,
			func(t *testing.T, c *CompactionTask) {
				if p := c.TuningConfig.PartitionsSpec; p.MaxTotalRows != 40 {
					t.Errorf("partitionsSpec %+v", p)
				}
			}},
		{"null maxTotalRows", `{"type":"compact","dataSource":"w","interval":"2013/2014","tuningConfig":{"type":"index_parallel","partitionsSpec":{"type":"dynamic","maxTotalRows":null}}}`,
			func(t *testing.T, c *CompactionTask) {
				if p := c.TuningConfig.PartitionsSpec; p.MaxTotalRows != math.MaxInt64 {
					t.Errorf("partitionsSpec %+v", p)
				}
			}},
		{"legacy interval and segment granularity", `{"type":"compact","dataSource":"w","interval":"2013/2014","segmentGranularity":"MONTH"}`,
			func(t *testing.T, c *CompactionTask) {
				if c.Interval != day("2013/2014") || c.SegmentGranularity == nil || !strings.EqualFold(c.SegmentGranularity.String(), "MONTH") {
					t.Errorf("%+v", c)
				}
			}},
		{"segments input", `{"type":"compact","dataSource":"w","ioConfig":{"type":"compact","dropExisting":true,"inputSpec":{"type":"segments","segments":[
"w_2013-08-31T00:00:00.000Z_2013-09-01T00:00:00.000Z_v1","w_2013-09-01T00:00:00.000Z_2013-09-02T00:00:00.000Z_v1_1"]}}}`,
			func(t *testing.T, c *CompactionTask) {
				if len(c.Segments) != 2 || c.Segments[1].Partition != 1 || c.Interval != day("2013-08-31/2013-09-02") || !c.DropExisting {
					t.Errorf("%+v", c)
				}
			}},
		{"legacy segment objects", `{"type":"compact","dataSource":"w","segments":[{"dataSource":"w","interval":"2013-08-31/2013-09-01","version":"v1","shardSpec":{"type":"numbered","partitionNum":0}}]}`,
			func(t *testing.T, c *CompactionTask) {
				if len(c.Segments) != 1 || c.Segments[0].Version != "v1" || c.Interval != day("2013-08-31/2013-09-01") {
					t.Errorf("%+v", c)
				}
			}},
		{"full schema", `{"type":"compact","dataSource":"w","interval":"2013/2014","dimensions":{"dimensions":["a",{"type":"long","name":"b"}]},
"metricsSpec":[{"type":"longSum","name":"count","fieldName":"count"}],"transformSpec":{"filter":{"type":"selector","dimension":"a","value":"x"}},
"granularitySpec":{"segmentGranularity":"DAY","queryGranularity":"HOUR","rollup":false},
"tuningConfig":{"type":"index_parallel","forceGuaranteedRollup":true,"partitionsSpec":{"type":"hashed","numShards":1},"maxRowsInMemory":3},
"context":{"priority":70}}`,
			func(t *testing.T, c *CompactionTask) {
				if c.DimensionsSpec == nil || len(c.DimensionsSpec.Dimensions) != 2 || c.DimensionsSpec.Dimensions[1].Type != DimLong {
					t.Errorf("dimensions %+v", c.DimensionsSpec)
				}
				if len(c.Metrics) != 1 || c.Metrics[0].Inputs[0] != "count" || c.Filter == nil {
					t.Errorf("metrics %+v filter %s", c.Metrics, c.Filter)
				}
				if !strings.EqualFold(c.SegmentGranularity.String(), "DAY") || !strings.EqualFold(c.QueryGranularity.String(), "HOUR") || c.Rollup == nil || *c.Rollup {
					t.Errorf("granularity %v %v %v", c.SegmentGranularity, c.QueryGranularity, c.Rollup)
				}
				if c.TuningConfig.PartitionsSpec.Type != "hashed" || c.TuningConfig.MaxRowsInMemory != 3 || string(c.Context) != `{"priority":70}` {
					t.Errorf("tuning %+v context %s", c.TuningConfig, c.Context)
				}
			}},
		{"legacy tuning fields", `{"type":"compact","dataSource":"w","interval":"2013/2014","tuningConfig":{"type":"index","maxRowsPerSegment":3,"forceGuaranteedRollup":true}}`,
			func(t *testing.T, c *CompactionTask) {
				if p := c.TuningConfig.PartitionsSpec; p.Type != "hashed" || p.TargetRowsPerSegment != 3 {
					t.Errorf("partitions %+v", p)
				}
			}},
		{"empty metricsSpec means none", `{"type":"compact","dataSource":"w","interval":"2013/2014","metricsSpec":[]}`,
			func(t *testing.T, c *CompactionTask) {
				if c.Metrics == nil || len(c.Metrics) != 0 {
					t.Errorf("metrics %#v", c.Metrics)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := DecodeCompactionTask([]byte(tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestDecodeCompactionTaskErrors(t *testing.T) {
	tests := []struct {
		spec  string
		class base.Class
		want  string
	}{
		{`[]`, base.ClassInvalidInput, ""},
		{`{"type":"index","dataSource":"w","interval":"2013/2014"}`, base.ClassInvalidInput, "type"},
		{`{"type":"compact","dataSource":"","interval":"2013/2014"}`, base.ClassInvalidInput, "dataSource"},
		{`{"type":"compact","dataSource":"a/b","interval":"2013/2014"}`, base.ClassInvalidInput, "dataSource"},
		{`{"type":"compact","dataSource":"w","interval":"2014/2013"}`, base.ClassInvalidInput, "interval"},
		{`{"type":"compact","dataSource":"w","segments":[7]}`, base.ClassInvalidInput, "segments[0]"},
		{`{"type":"compact","dataSource":"w","ioConfig":{"type":"index","inputSpec":{"type":"interval","interval":"2013/2014"}}}`, base.ClassInvalidInput, "ioConfig.type"},
		{`{"type":"compact","dataSource":"w","ioConfig":{"type":"compact"}}`, base.ClassInvalidInput, "ioConfig.inputSpec"},
		{`{"type":"compact","dataSource":"w","ioConfig":{"type":"compact","inputSpec":{"type":"interval"}}}`, base.ClassInvalidInput, "ioConfig.inputSpec.interval"},
		{`{"type":"compact","dataSource":"w","ioConfig":{"type":"compact","inputSpec":{"type":"segments","segments":["w_2013-01-01T00:00:00.000Z_2013-01-02T00:00:00.000Z_v","w_2013-01-01T00:00:00.000Z_2013-01-02T00:00:00.000Z_v"]}}}`, base.ClassInvalidInput, "more than once"},
		{`{"type":"compact","dataSource":"w","ioConfig":{"type":"compact","dropExisting":"yes","inputSpec":{"type":"interval","interval":"2013/2014"}}}`, base.ClassInvalidInput, "ioConfig.dropExisting"},
		{`{"type":"compact","dataSource":"w","ioConfig":{"type":"compact","inputSpec":{"type":"interval","interval":"2013/2014","sha256OfSortedSegmentIds":"ab"}}}`, base.ClassUnsupported, "sha256OfSortedSegmentIds"},
		{`{"type":"compact","dataSource":"w","interval":"2013/2014","dimensionsSpec":{"dimensions":["__time"]}}`, base.ClassInvalidInput, "dimensionsSpec.dimensions[0]"},
		{`{"type":"compact","dataSource":"w","interval":"2013/2014","dimensionsSpec":{"dimensions":["a"]},"metricsSpec":[{"type":"count","name":"a"}]}`, base.ClassInvalidInput, "both a dimension and a metric"},
		{`{"type":"compact","dataSource":"w","interval":"2013/2014","metricsSpec":[{"type":"count","name":"a"},{"type":"count","name":"a"}]}`, base.ClassInvalidInput, "metricsSpec[1]"},
		{`{"type":"compact","dataSource":"w","interval":"2013/2014","granularitySpec":{"segmentGranularity":"NONE"}}`, base.ClassInvalidInput, "granularitySpec.segmentGranularity"},
		{`{"type":"compact","dataSource":"w","interval":"2013/2014","granularitySpec":{"rollup":"no"}}`, base.ClassInvalidInput, "granularitySpec.rollup"},
		{`{"type":"compact","dataSource":"w","interval":"2013/2014","projections":[{"name":"p"}]}`, base.ClassUnsupported, "projections"},
		{`{"type":"compact","dataSource":"w","interval":"2013/2014","compactionRunner":{"type":"msq"}}`, base.ClassUnsupported, "compactionRunner.type"},
		{`{"type":"compact","dataSource":"w","interval":"2013/2014","tuningConfig":{"type":"index_parallel","partitionsSpec":{"type":"dynamic"},"forceGuaranteedRollup":true}}`, base.ClassInvalidInput, "tuningConfig.partitionsSpec"},
	}
	for _, tc := range tests {
		_, err := DecodeCompactionTask([]byte(tc.spec))
		if err == nil || base.ClassOf(err) != tc.class || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v (%v), want %v naming %q", tc.spec, err, base.ClassOf(err), tc.class, tc.want)
		}
	}
}

func FuzzDecodeCompactionTask(f *testing.F) {
	f.Add([]byte(`{"type":"compact","dataSource":"w","interval":"2013/2014"}`))
	f.Add([]byte(`{"type":"compact","dataSource":"w","ioConfig":{"type":"compact","inputSpec":{"type":"segments","segments":["w_2013-08-31T00:00:00.000Z_2013-09-01T00:00:00.000Z_v1"]}},"granularitySpec":{"segmentGranularity":"YEAR","queryGranularity":{"type":"period","period":"PT1H"}}}`))
	// The corpus's compaction specs, placeholders filled.
	if entries, err := os.ReadDir(filepath.Join(itDir, "specs")); err == nil {
		for _, e := range entries {
			if !strings.Contains(e.Name(), "compaction") {
				continue
			}
			if data, err := os.ReadFile(filepath.Join(itDir, "specs", e.Name())); err == nil {
				s := strings.NewReplacer("%%DATASOURCE%%", "w", "%%GRANULARITY_SPEC%%", `{"segmentGranularity":"MONTH"}`,
					"%%SEGMENT_GRANULARITY%%", "MONTH", "%%DIMENSION_NAMES%%", `["dimA"]`).Replace(string(data))
				f.Add([]byte(s))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCompactionTask(data)
		if err != nil {
			if cl := base.ClassOf(err); cl != base.ClassInvalidInput && cl != base.ClassUnsupported {
				t.Fatalf("class %v for %v", cl, err)
			}
			return
		}
		if c.DataSource == "" || c.Interval.Start >= c.Interval.End {
			t.Fatalf("decoded an incomplete task: %+v", c)
		}
		if c.Segments != nil && len(c.Segments) == 0 {
			t.Fatalf("empty segment list decoded: %+v", c)
		}
	})
}
