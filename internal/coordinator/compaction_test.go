package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/discovery"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/metadata"
)

// compactState is a lastCompactionState as the compaction task writes it
// for a config with maxRowsPerSegment rows and the given granularitySpec.
func compactState(rows int, segGran string, rollup bool) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":%d,"maxTotalRows":null},
		"dimensionsSpec":{"dimensions":[{"type":"string","name":"language","multiValueHandling":"SORTED_ARRAY","createBitmapIndex":true}],"dimensionExclusions":[]},
		"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"sum_added","fieldName":"added"}],
		"transformSpec":null,"indexSpec":{"bitmap":{"type":"roaring"}},
		"granularitySpec":{"type":"uniform","segmentGranularity":%q,"queryGranularity":{"type":"none"},"rollup":%t,"intervals":["2024-01-01/2024-01-02"]}}`,
		rows, segGran, rollup))
}

// hourSeg is partition p of an hour segment of "wiki" hours after
// 2024-01-01.
func hourSeg(hour int64, version string, p int, size int64, state json.RawMessage) base.DataSegment {
	jan1 := base.Millis(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	return base.DataSegment{DataSource: "wiki", Interval: base.NewInterval(jan1+hour*3600000, jan1+(hour+1)*3600000), Version: version,
		LoadSpec: json.RawMessage(`{"type":"local","path":"/x/index.zip"}`), ShardSpec: base.ShardSpec{Type: "numbered", PartitionNum: p},
		BinaryVersion: 9, Size: size, LastCompactionState: state}
}

func daySeg(day int64, version string, p int, size int64, state json.RawMessage) base.DataSegment {
	s := hourSeg(day*24, version, p, size, state)
	s.Interval.End = s.Interval.Start + apiDay
	return s
}

func mustConfig(t *testing.T, js string) DataSourceCompactionConfig {
	t.Helper()
	d, err := decodeDataSourceCompactionConfig([]byte(js))
	if err != nil {
		t.Fatalf("config %s: %v", js, err)
	}
	return d
}

const fullConfig = `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S","tuningConfig":{"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":10000}},
	"granularitySpec":{"rollup":true},"dimensionsSpec":{"dimensions":["language"]},
	"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"sum_added","fieldName":"added"}]}`

func TestPlanCompaction(t *testing.T) {
	compacted := compactState(10000, "DAY", true)
	tests := []struct {
		name   string
		config string
		segs   []base.DataSegment
		busy   []busyInterval
		want   []string // candidate intervals, newest first
		// awaiting, compacted, skipped segment counts
		awaiting, done, skipped int64
	}{
		{name: "default skip offset skips the last day",
			config:   `{"dataSource":"wiki"}`,
			segs:     []base.DataSegment{daySeg(0, "v1", 0, 10, nil), daySeg(1, "v1", 0, 10, nil), daySeg(2, "v1", 0, 10, nil)},
			want:     []string{"2024-01-02T00:00:00.000Z/2024-01-03T00:00:00.000Z", "2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"},
			awaiting: 2, skipped: 1},
		{name: "no skip offset, two partitions in one chunk",
			config: `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S"}`,
			segs:   []base.DataSegment{daySeg(0, "v1", 0, 10, nil), daySeg(0, "v1", 1, 10, nil)},
			want:   []string{"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"}, awaiting: 2},
		{name: "already compacted with the config, several segments",
			config: fullConfig,
			segs:   []base.DataSegment{daySeg(0, "v2", 0, 10, compacted), daySeg(0, "v2", 1, 10, compacted), daySeg(1, "v1", 0, 10, nil)},
			want:   []string{"2024-01-02T00:00:00.000Z/2024-01-03T00:00:00.000Z"}, awaiting: 1, done: 2},
		{name: "compacted with another maxRowsPerSegment",
			config: fullConfig,
			segs:   []base.DataSegment{daySeg(0, "v2", 0, 10, compactState(5000, "DAY", true))},
			want:   []string{"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"}, awaiting: 1},
		{name: "compacted without rollup",
			config: fullConfig,
			segs:   []base.DataSegment{daySeg(0, "v2", 0, 10, compactState(10000, "DAY", false))},
			want:   []string{"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"}, awaiting: 1},
		{name: "segments with different states",
			config: fullConfig,
			segs:   []base.DataSegment{daySeg(0, "v2", 0, 10, compacted), daySeg(0, "v2", 1, 10, compactState(10000, "DAY", false))},
			want:   []string{"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"}, awaiting: 2},
		{name: "overshadowed segments are not counted",
			config: `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S"}`,
			segs:   []base.DataSegment{daySeg(0, "v1", 0, 10, nil), daySeg(0, "v2", 0, 10, nil)},
			want:   []string{"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"}, awaiting: 1},
		{name: "inputSegmentSizeBytes",
			config: `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S","inputSegmentSizeBytes":15}`,
			segs:   []base.DataSegment{daySeg(0, "v1", 0, 10, nil), daySeg(0, "v1", 1, 10, nil), daySeg(1, "v1", 0, 10, nil)},
			want:   []string{"2024-01-02T00:00:00.000Z/2024-01-03T00:00:00.000Z"}, awaiting: 1, skipped: 2},
		{name: "busy intervals",
			config: `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S"}`,
			segs:   []base.DataSegment{daySeg(0, "v1", 0, 10, nil), daySeg(1, "v1", 0, 10, nil), daySeg(2, "v1", 0, 10, nil)},
			busy: []busyInterval{{interval: daySeg(0, "", 0, 0, nil).Interval, priority: -1},
				{interval: daySeg(1, "", 0, 0, nil).Interval, priority: 50}, {interval: daySeg(2, "", 0, 0, nil).Interval, priority: 10}},
			want: []string{"2024-01-03T00:00:00.000Z/2024-01-04T00:00:00.000Z"}, awaiting: 1, skipped: 2},
		{name: "segment granularity groups hours into days",
			config: `{"dataSource":"wiki","skipOffsetFromLatest":"PT1H","granularitySpec":{"segmentGranularity":"DAY"}}`,
			segs:   []base.DataSegment{hourSeg(1, "v1", 0, 10, nil), hourSeg(2, "v1", 0, 10, nil), hourSeg(25, "v1", 0, 10, nil)},
			want:   []string{"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"}, awaiting: 2, skipped: 1},
		{name: "segment granularity: compacted day",
			config: `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S","granularitySpec":{"segmentGranularity":"DAY"},"tuningConfig":{"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":10000}}}`,
			segs:   []base.DataSegment{daySeg(0, "v2", 0, 10, compacted)},
			done:   1},
		{name: "segment granularity: compacted but not aligned",
			config: `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S","granularitySpec":{"segmentGranularity":"MONTH"},"tuningConfig":{"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":10000}}}`,
			segs:   []base.DataSegment{daySeg(0, "v2", 0, 10, compacted), daySeg(40, "v2", 0, 10, nil)},
			want:   []string{"2024-02-01T00:00:00.000Z/2024-03-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z/2024-02-01T00:00:00.000Z"}, awaiting: 2},
		{name: "segment granularity: the skip offset counts from the newest bucket's end",
			config: `{"dataSource":"wiki","skipOffsetFromLatest":"P1M","granularitySpec":{"segmentGranularity":"MONTH"}}`,
			segs:   []base.DataSegment{daySeg(0, "v1", 0, 10, nil), daySeg(40, "v1", 0, 10, nil)},
			want:   []string{"2024-01-01T00:00:00.000Z/2024-02-01T00:00:00.000Z"}, awaiting: 1, skipped: 1},
		{name: "partially overshadowed segments make separate chunks",
			config: `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S"}`,
			segs: []base.DataSegment{func() base.DataSegment {
				s := daySeg(0, "v1", 0, 10, nil)
				s.Interval.End += 2 * apiDay // days 1-3, older
				return s
			}(), daySeg(1, "v2", 0, 10, nil)},
			want: []string{"2024-01-01T00:00:00.000Z/2024-01-04T00:00:00.000Z", "2024-01-02T00:00:00.000Z/2024-01-03T00:00:00.000Z"}, awaiting: 2},
		{name: "tombstones are ignored",
			config: `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S"}`,
			segs: []base.DataSegment{func() base.DataSegment {
				s := daySeg(0, "v1", 0, 0, nil)
				s.ShardSpec.Type = "tombstone"
				return s
			}()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfgs := []DataSourceCompactionConfig{mustConfig(t, tc.config)}
			plan := planCompaction(cfgs, map[string][]base.DataSegment{"wiki": tc.segs}, map[string][]busyInterval{"wiki": tc.busy})
			var got []string
			for _, c := range plan.candidates {
				got = append(got, c.interval.String())
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("candidates %v, want %v", got, tc.want)
			}
			snap := plan.snapshots["wiki"]
			if snap == nil {
				if tc.awaiting+tc.done+tc.skipped != 0 {
					t.Fatalf("no snapshot")
				}
				return
			}
			if snap.SegmentCountAwaitingCompaction != tc.awaiting || snap.SegmentCountCompacted != tc.done || snap.SegmentCountSkipped != tc.skipped {
				t.Errorf("snapshot %+v, want awaiting %d compacted %d skipped %d", snap, tc.awaiting, tc.done, tc.skipped)
			}
			if snap.BytesAwaitingCompaction != 10*tc.awaiting && tc.name != "tombstones are ignored" {
				t.Errorf("bytes awaiting %d", snap.BytesAwaitingCompaction)
			}
		})
	}
}

func TestAvailableCompactionSlots(t *testing.T) {
	tests := []struct {
		ratio               float64
		max, total, busy    int
		capacity, available int
	}{
		{0.1, DefaultMaxCompactionTaskSlots, 1, 0, 0, 1}, // at least one slot when none is busy
		{0.1, DefaultMaxCompactionTaskSlots, 1, 1, 0, 0}, // but not a second
		{0.5, 10, 20, 0, 10, 10},                         // max caps the ratio
		{0.5, 10, 20, 4, 10, 6},                          // busy slots are taken off
		{0.5, 3, 4, 0, 2, 2},                             // the ratio caps max
		{1, DefaultMaxCompactionTaskSlots, 0, 0, 0, 1},   // unknown total
		{3, 5, 4, 0, 5, 5},                               // a ratio above 1 (Druid accepts it)
		{1e300, DefaultMaxCompactionTaskSlots, 4, 0, DefaultMaxCompactionTaskSlots, DefaultMaxCompactionTaskSlots},
		{0.5, DefaultMaxCompactionTaskSlots, 8, 9, 4, 0}, // overcommitted
	}
	for _, tc := range tests {
		cc := CompactionConfig{CompactionTaskSlotRatio: tc.ratio, MaxCompactionTaskSlots: tc.max}
		c, a := availableCompactionSlots(&cc, tc.total, tc.busy)
		if c != tc.capacity || a != tc.available {
			t.Errorf("%+v: capacity %d available %d", tc, c, a)
		}
	}
}

func TestSlotsOf(t *testing.T) {
	tests := []struct {
		tuning string
		want   int
	}{
		{``, 1}, {`null`, 1}, {`{}`, 1}, {`{"maxNumConcurrentSubTasks":1}`, 1}, {`{"maxNumConcurrentSubTasks":3}`, 4},
		{`{"maxNumConcurrentSubTasks":1,"partitionsSpec":{"type":"range","partitionDimensions":["a"]}}`, 2},
	}
	for _, tc := range tests {
		if got := slotsOf(json.RawMessage(tc.tuning)); got != tc.want {
			t.Errorf("slotsOf(%s) = %d, want %d", tc.tuning, got, tc.want)
		}
	}
}

func TestCompactTaskBody(t *testing.T) {
	tests := []struct {
		name   string
		config string
		segs   []base.DataSegment
		want   string
	}{
		{"defaults", `{"dataSource":"wiki"}`, []base.DataSegment{daySeg(0, "v1", 0, 1, nil)},
			`{"type":"compact","id":"x","dataSource":"wiki","ioConfig":{"type":"compact","inputSpec":{"type":"interval","interval":"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"}},"tuningConfig":{"partitionsSpec":{"maxRowsPerSegment":5000000,"maxTotalRows":null,"type":"dynamic"},"type":"index_parallel"},"granularitySpec":{"segmentGranularity":"DAY"},"context":{"priority":25,"storeCompactionState":true}}`},
		{"hashed", `{"dataSource":"wiki","tuningConfig":{"partitionsSpec":{"type":"hashed","numShards":3}}}`, []base.DataSegment{daySeg(0, "v1", 0, 1, nil)},
			`{"type":"compact","id":"x","dataSource":"wiki","ioConfig":{"type":"compact","inputSpec":{"type":"interval","interval":"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"}},"tuningConfig":{"forceGuaranteedRollup":true,"partitionsSpec":{"type":"hashed","numShards":3},"type":"index_parallel"},"granularitySpec":{"segmentGranularity":"DAY"},"context":{"priority":25,"storeCompactionState":true}}`},
		{"full", `{"dataSource":"wiki","taskPriority":30,"tuningConfig":{"appendableIndexSpec":{"preserveExistingMetrics":true,"type":"onheap"},"forceGuaranteedRollup":false,"maxRowsInMemory":1000,"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":10000}},
			"granularitySpec":{"queryGranularity":"hour","rollup":true},"dimensionsSpec":{"dimensions":["language"]},
			"metricsSpec":[{"type":"count","name":"count"}],"transformSpec":{"filter":{"type":"selector","dimension":"language","value":"en"}},
			"ioConfig":{"dropExisting":true},"taskContext":{"maxNumTasks":2}}`,
			[]base.DataSegment{hourSeg(0, "v1", 0, 1, nil), hourSeg(1, "v1", 0, 1, nil)},
			`{"type":"compact","id":"x","dataSource":"wiki","ioConfig":{"type":"compact","inputSpec":{"type":"interval","interval":"2024-01-01T00:00:00.000Z/2024-01-01T02:00:00.000Z"},"dropExisting":true},"tuningConfig":{"appendableIndexSpec":{"preserveExistingMetrics":true,"type":"onheap"},"forceGuaranteedRollup":false,"maxRowsInMemory":1000,"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":10000},"type":"index_parallel"},"granularitySpec":{"queryGranularity":"HOUR","rollup":true},"dimensionsSpec":{"dimensions":["language"]},"metricsSpec":[{"type":"count","name":"count"}],"transformSpec":{"filter":{"type":"selector","dimension":"language","value":"en"}},"context":{"maxNumTasks":2,"priority":30,"storeCompactionState":true}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustConfig(t, tc.config)
			var segs []*base.DataSegment
			for i := range tc.segs {
				segs = append(segs, &tc.segs[i])
			}
			umbrella := base.NewInterval(segs[0].Interval.Start, segs[len(segs)-1].Interval.End)
			cand := compactionCandidate{cfg: &cfg, interval: umbrella, segs: segs}
			b, err := cand.taskBody("x")
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("task\n %s\nwant\n %s", b, tc.want)
			}
		})
	}
}

func TestDecodeCompactionConfigErrors(t *testing.T) {
	tests := []struct {
		body  string
		class base.Class
		field string // what the message must name
	}{
		{`[]`, base.ClassInvalidInput, "JSON object"},
		{`{}`, base.ClassInvalidInput, "dataSource"},
		{`{"dataSource":"wiki","skipOffsetFromLatest":"1 day"}`, base.ClassInvalidInput, "skipOffsetFromLatest"},
		{`{"dataSource":"wiki","skipOffsetFromLatest":"-P1D"}`, base.ClassInvalidInput, "skipOffsetFromLatest"},
		{`{"dataSource":"wiki","inputSegmentSizeBytes":-1}`, base.ClassInvalidInput, "inputSegmentSizeBytes"},
		{`{"dataSource":"wiki","maxRowsPerSegment":0}`, base.ClassInvalidInput, "maxRowsPerSegment"},
		{`{"dataSource":"wiki","taskPriority":"high"}`, base.ClassInvalidInput, "taskPriority"},
		{`{"dataSource":"wiki","granularitySpec":{"segmentGranularity":"fortnight"}}`, base.ClassInvalidInput, "granularitySpec"},
		{`{"dataSource":"wiki","granularitySpec":{"segmentGranularity":"HOUR","queryGranularity":"DAY"}}`, base.ClassInvalidInput, "queryGranularity"},
		{`{"dataSource":"wiki","granularitySpec":{"segmentGranularity":"ALL"}}`, base.ClassInvalidInput, "segmentGranularity"},
		{`{"dataSource":"wiki","tuningConfig":{"forceGuaranteedRollup":true,"partitionsSpec":{"type":"dynamic"}}}`, base.ClassInvalidInput, "forceGuaranteedRollup"},
		{`{"dataSource":"wiki","tuningConfig":{"partitionsSpec":{"type":"magic"}}}`, base.ClassInvalidInput, "partitionsSpec"},
		{`{"dataSource":"wiki","tuningConfig":{"maxRowsInMemory":-5}}`, base.ClassInvalidInput, "maxRowsInMemory"},
		{`{"dataSource":"wiki","tuningConfig":{"type":"index"}}`, base.ClassInvalidInput, "tuningConfig.type"},
		{`{"dataSource":"wiki","metricsSpec":[{"type":"nope","name":"x"}]}`, base.ClassInvalidInput, "metricsSpec"},
		{`{"dataSource":"wiki","dimensionsSpec":{"dimensions":[3]}}`, base.ClassInvalidInput, "dimensionsSpec"},
		{`{"dataSource":"wiki","transformSpec":{"filter":{"type":"nope"}}}`, base.ClassInvalidInput, "transformSpec"},
		{`{"dataSource":"wiki","engine":"msq"}`, base.ClassUnsupported, "engine"},
		{`{"dataSource":"wiki","engine":"spark"}`, base.ClassInvalidInput, "engine"},
		{`{"dataSource":"wiki","maxRowsPerSegment":5,"tuningConfig":{"forceGuaranteedRollup":true,"partitionsSpec":{"type":"hashed","numShards":2}}}`, base.ClassInvalidInput, "maxRowsPerSegment"},
	}
	for _, tc := range tests {
		_, err := decodeDataSourceCompactionConfig([]byte(tc.body))
		if err == nil || base.ClassOf(err) != tc.class || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v (class %v), want class %v naming %q", tc.body, err, base.ClassOf(err), tc.class, tc.field)
		}
	}
}

func TestStateMatchesTaskWrittenState(t *testing.T) {
	cfg := mustConfig(t, fullConfig)
	hourGran := granularity.MustParse("HOUR")
	tests := []struct {
		name  string
		state json.RawMessage
		gran  *granularity.Granularity
		want  bool
	}{
		{"matching", compactState(10000, "DAY", true), nil, true},
		{"null state", nil, nil, false},
		{"garbage state", json.RawMessage(`{"partitionsSpec":7}`), nil, false},
		{"other rows", compactState(20000, "DAY", true), nil, false},
		{"the task's default maxTotalRows", json.RawMessage(strings.Replace(string(compactState(10000, "DAY", true)), `"maxTotalRows":null`, `"maxTotalRows":20000000`, 1)), nil, true},
		{"not aligned to the configured granularity", compactState(10000, "DAY", true), &hourGran, false},
	}
	for _, tc := range tests {
		seg := daySeg(0, "v", 0, 1, tc.state)
		if got := cfg.isCompacted([]*base.DataSegment{&seg}, tc.gran, nil); got != tc.want {
			t.Errorf("%s: isCompacted = %v", tc.name, got)
		}
	}
}

// compactionFixture is a coordinator over a SQLite store holding "wiki"
// day segments for 2024-01-01..03 (two partitions on the first day), with
// a fake task queue.
func compactionFixture(t *testing.T, taskSlots int) (*apiFixture, *fakeTasks) {
	t.Helper()
	ctx := context.Background()
	clock := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC) // audit times in golden files
	store, err := metadata.Open(ctx, metadata.Config{DataDir: t.TempDir(), Clock: func() time.Time { return clock }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	segs := []base.DataSegment{daySeg(0, "v1", 0, 100, nil), daySeg(0, "v1", 1, 100, nil), daySeg(1, "v1", 0, 100, nil), daySeg(2, "v1", 0, 100, nil)}
	if err := store.PublishSegments(ctx, segs, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	tasks := &fakeTasks{}
	c := New(config.CoordinatorConfig{StartDelay: time.Hour, Period: time.Hour, IndexingPeriod: time.Hour},
		Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c:8081"), Metadata: store, Tasks: tasks, TaskSlots: taskSlots})
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	return &apiFixture{store: store, c: c}, tasks
}

func TestAPICompactionConfig(t *testing.T) {
	f, _ := compactionFixture(t, 0)
	author := map[string]string{"X-Druid-Author": "ann", "X-Druid-Comment": "compact wiki"}
	runAPICases(t, f, []apiCase{
		{"compaction_configs_empty", "GET", v1 + "/config/compaction", "", nil, 200, ""},
		{"compaction_config_absent", "GET", v1 + "/config/compaction/wiki", "", nil, 404, ""},
		{"compaction_delete_absent", "DELETE", v1 + "/config/compaction/wiki", "", nil, 404, ""},
		{"compaction_set", "POST", v1 + "/config/compaction", `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S","granularitySpec":{"segmentGranularity":"day"},"tuningConfig":{"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":1000}}}`, author, 200, ""},
		{"compaction_set_other", "POST", v1 + "/config/compaction", `{"dataSource":"other"}`, nil, 200, ""},
		{"compaction_set_replace", "POST", v1 + "/config/compaction", `{"dataSource":"other","taskPriority":40}`, nil, 200, ""},
		{"compaction_config_wiki", "GET", v1 + "/config/compaction/wiki", "", nil, 200, ""},
		{"compaction_bad_skip", "POST", v1 + "/config/compaction", `{"dataSource":"wiki","skipOffsetFromLatest":"soon"}`, nil, 400, ""},
		{"compaction_bad_size", "POST", v1 + "/config/compaction", `{"dataSource":"wiki","inputSegmentSizeBytes":-3}`, nil, 400, ""},
		{"compaction_bad_granularity", "POST", v1 + "/config/compaction", `{"dataSource":"wiki","granularitySpec":{"segmentGranularity":"weekly"}}`, nil, 400, ""},
		{"compaction_bad_json", "POST", v1 + "/config/compaction", `{"dataSource":`, nil, 400, ""},
		{"compaction_taskslots_autoscale", "POST", v1 + "/config/compaction/taskslots?ratio=3&max=5&useAutoScaleSlots=true", "", nil, 200, ""},
		{"compaction_configs_autoscale", "GET", v1 + "/config/compaction", "", nil, 200, ""},
		{"compaction_taskslots", "POST", v1 + "/config/compaction/taskslots?ratio=0.5&max=10", "", nil, 200, ""},
		{"compaction_taskslots_bad_ratio", "POST", v1 + "/config/compaction/taskslots?ratio=-2", "", nil, 400, ""},
		{"compaction_taskslots_bad_autoscale", "POST", v1 + "/config/compaction/taskslots?useAutoScaleSlots=maybe", "", nil, 400, ""},
		{"compaction_taskslots_bad_max", "POST", v1 + "/config/compaction/taskslots?max=-1", "", nil, 400, ""},
		{"compaction_configs", "GET", v1 + "/config/compaction", "", nil, 200, ""},
		{"compaction_delete", "DELETE", v1 + "/config/compaction/other", "", nil, 200, ""},
		{"compaction_config_deleted", "GET", v1 + "/config/compaction/other", "", nil, 404, ""},
		{"compaction_history_other", "GET", v1 + "/config/compaction/other/history", "", nil, 200, ""},
		{"compaction_history_wiki_count", "GET", v1 + "/config/compaction/wiki/history?count=2", "", nil, 200, ""},
		{"compaction_history_none", "GET", v1 + "/config/compaction/nope/history", "", nil, 200, "[]\n"},
		{"compaction_history_bad_count", "GET", v1 + "/config/compaction/wiki/history?count=0", "", nil, 400, ""},
	})
	es, err := f.store.ConfigHistory(context.Background(), CompactionConfigKey, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 6 || es[len(es)-1].AuditInfo.Author != "ann" && es[0].AuditInfo.Author != "ann" {
		t.Errorf("audit entries: %d %+v", len(es), es)
	}
}

func TestRunCompactionAndStatus(t *testing.T) {
	f, tasks := compactionFixture(t, 4)
	ctx := context.Background()
	runAPICases(t, f, []apiCase{
		{"compaction_status_before", "GET", v1 + "/compaction/status", "", nil, 200, "{\"latestStatus\":[]}\n"},
		{"compaction_progress_unknown", "GET", v1 + "/compaction/progress?dataSource=wiki", "", nil, 404, ""},
		{"compaction_progress_no_ds", "GET", v1 + "/compaction/progress", "", nil, 400, ""},
		{"compaction_set_run", "POST", v1 + "/config/compaction", `{"dataSource":"wiki","skipOffsetFromLatest":"P1D"}`, nil, 200, ""},
		// ratio 0.5 of 4 slots: two tasks per run.
		{"compaction_taskslots_run", "POST", v1 + "/config/compaction/taskslots?ratio=0.5", "", nil, 200, ""},
	})
	st, err := f.c.RunCompaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Day 3 is within the skip offset; days 2 and 1 (newest first) are
	// submitted.
	if st.Capacity != 2 || st.Available != 2 || st.Submitted != 2 || len(tasks.got) != 2 {
		t.Fatalf("run %+v, %d tasks", st, len(tasks.got))
	}
	for i, want := range []string{"2024-01-02T00:00:00.000Z/2024-01-03T00:00:00.000Z", "2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z"} {
		got := tasks.got[i]["ioConfig"].(map[string]any)["inputSpec"].(map[string]any)["interval"]
		if got != want || tasks.got[i]["type"] != "compact" || !strings.HasPrefix(tasks.got[i]["id"].(string), "coordinator-issued_compact_wiki_") {
			t.Errorf("task %d: %v", i, tasks.got[i])
		}
	}
	runAPICases(t, f, []apiCase{
		{"compaction_status_after", "GET", v1 + "/compaction/status", "", nil, 200,
			`{"latestStatus":[{"dataSource":"wiki","scheduleStatus":"RUNNING","bytesAwaitingCompaction":0,"bytesCompacted":300,"bytesSkipped":100,"segmentCountAwaitingCompaction":0,"segmentCountCompacted":3,"segmentCountSkipped":1,"intervalCountAwaitingCompaction":0,"intervalCountCompacted":2,"intervalCountSkipped":1}]}` + "\n"},
		{"compaction_status_ds", "GET", v1 + "/compaction/status?dataSource=wiki", "", nil, 200,
			`{"latestStatus":[{"dataSource":"wiki","scheduleStatus":"RUNNING","bytesAwaitingCompaction":0,"bytesCompacted":300,"bytesSkipped":100,"segmentCountAwaitingCompaction":0,"segmentCountCompacted":3,"segmentCountSkipped":1,"intervalCountAwaitingCompaction":0,"intervalCountCompacted":2,"intervalCountSkipped":1}]}` + "\n"},
		{"compaction_status_unknown", "GET", v1 + "/compaction/status?dataSource=nope", "", nil, 404, ""},
		{"compaction_progress", "GET", v1 + "/compaction/progress?dataSource=wiki", "", nil, 200, "{\"remainingSegmentSize\":0}\n"},
	})

	// The submitted tasks are running (active in the task table): the next
	// run submits nothing for their intervals and has no free slot.
	for i, m := range tasks.got {
		payload, _ := json.Marshal(m)
		if err := f.store.InsertTask(ctx, metadata.TaskEntry{ID: fmt.Sprint("c", i), Type: "compact", DataSource: "wiki",
			Payload: payload, Status: json.RawMessage(`{}`), Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	tasks.got = nil
	st, err = f.c.RunCompaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Submitted != 0 || st.Available != 0 {
		t.Errorf("second run with both tasks running: %+v", st)
	}
	if s := f.c.compactionSnapshots()["wiki"]; s.SegmentCountSkipped != 4 {
		t.Errorf("running tasks' segments should count as skipped: %+v", s)
	}
	// Both tasks end (the fake queue compacted nothing, so the days carry
	// no lastCompactionState and are candidates again).
	for i := range 2 {
		if err := f.store.UpdateTaskStatus(ctx, fmt.Sprint("c", i), json.RawMessage(`{}`), false); err != nil {
			t.Fatal(err)
		}
	}
	// With at most one slot only the newest day is submitted.
	f.do(t, "POST", v1+"/config/compaction/taskslots?max=1", "", nil)
	code, body := f.do(t, "POST", v1+"/compaction/compact", "", nil)
	if code != 200 || len(tasks.got) != 1 {
		t.Fatalf("compact now: %d %s, %d tasks", code, body, len(tasks.got))
	}
	if s := f.c.compactionSnapshots()["wiki"]; s.SegmentCountAwaitingCompaction != 2 || s.BytesAwaitingCompaction != 200 {
		t.Errorf("after a one-slot run: %+v", s)
	}
	// Deleting the config empties the status at the next run.
	f.do(t, "DELETE", v1+"/config/compaction/wiki", "", nil)
	if _, err := f.c.RunCompaction(ctx); err != nil {
		t.Fatal(err)
	}
	if code, _ := f.do(t, "GET", v1+"/compaction/progress?dataSource=wiki", "", nil); code != 404 {
		t.Errorf("progress after delete: %d", code)
	}
}

func TestCompactNowNeedsLeadership(t *testing.T) {
	c := New(config.CoordinatorConfig{}, Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c:8081"), Tasks: &fakeTasks{}})
	f := &apiFixture{c: c}
	if code, body := f.do(t, "POST", v1+"/compaction/compact", "", nil); code != 503 {
		t.Errorf("compact while not leading: %d %s", code, body)
	}
	if code, body := f.do(t, "GET", v1+"/config/compaction", "", nil); code != 503 {
		t.Errorf("config without a store: %d %s", code, body)
	}
}

func TestPartitionsSpecEqual(t *testing.T) {
	tests := []struct {
		want, got string
		eq        bool
	}{
		{`{"type":"dynamic"}`, `{"type":"dynamic","maxRowsPerSegment":5000000,"maxTotalRows":null}`, true},
		{`{"type":"dynamic","maxRowsPerSegment":10}`, `{"type":"dynamic","maxRowsPerSegment":10,"maxTotalRows":20000000}`, true},
		{`{"type":"dynamic","maxRowsPerSegment":10,"maxTotalRows":100}`, `{"type":"dynamic","maxRowsPerSegment":10,"maxTotalRows":20000000}`, false},
		{`{"type":"dynamic","maxTotalRows":-1}`, `{"type":"dynamic","maxTotalRows":null}`, true},
		{`{"type":"dynamic"}`, `{"type":"hashed","numShards":2}`, false},
		{`{"type":"hashed","numShards":2}`, `{"type":"hashed","numShards":2,"partitionDimensions":[],"partitionFunction":"murmur3_32_abs"}`, true},
		{`{"type":"hashed","numShards":2}`, `{"type":"hashed","numShards":3}`, false},
		{`{"type":"dynamic"}`, `null`, false},
		{`{"type":"dynamic"}`, `"dynamic"`, false},
	}
	for _, tc := range tests {
		if got := partitionsSpecEqual(json.RawMessage(tc.want), json.RawMessage(tc.got)); got != tc.eq {
			t.Errorf("partitionsSpecEqual(%s, %s) = %v", tc.want, tc.got, got)
		}
	}
}

// TestRunCompactionSkipsCompactedData goes through the stored config (as
// every run does): a chunk whose segment carries the state the config
// produces is not compacted again, the others are.
func TestRunCompactionSkipsCompactedData(t *testing.T) {
	tests := []struct {
		name   string
		config string
		state  json.RawMessage
		submit int
	}{
		{"config without metricsSpec", `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S","granularitySpec":{"segmentGranularity":"DAY"},"tuningConfig":{"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":10000}}}`,
			compactState(10000, "DAY", true), 0},
		{"full config", fullConfig, compactState(10000, "DAY", true), 0},
		{"state of another config", fullConfig, compactState(10000, "DAY", false), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			store, err := metadata.Open(ctx, metadata.Config{DataDir: t.TempDir()}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if err := store.PublishSegments(ctx, []base.DataSegment{daySeg(0, "v2", 0, 100, tc.state)}, metadata.PublishOptions{}); err != nil {
				t.Fatal(err)
			}
			tasks := &fakeTasks{}
			f := &apiFixture{store: store, c: New(config.CoordinatorConfig{}, Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c:8081"), Metadata: store, Tasks: tasks})}
			if code, body := f.do(t, "POST", v1+"/config/compaction", tc.config, nil); code != 200 {
				t.Fatalf("config: %d %s", code, body)
			}
			st, err := f.c.RunCompaction(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Submitted != tc.submit || len(tasks.got) != tc.submit {
				t.Errorf("submitted %d tasks, want %d", st.Submitted, tc.submit)
			}
		})
	}
}

// TestCompactionDutyRunsPeriodically: once leading, the duty loop runs the
// compaction duty every indexing period without being asked.
func TestCompactionDutyRunsPeriodically(t *testing.T) {
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.PublishSegments(ctx, []base.DataSegment{daySeg(0, "v1", 0, 100, nil), daySeg(1, "v1", 0, 100, nil)}, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	tasks := &fakeTasks{}
	c := New(config.CoordinatorConfig{Period: time.Hour, IndexingPeriod: 20 * time.Millisecond},
		Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c:8081"), Metadata: store, Tasks: tasks})
	f := &apiFixture{store: store, c: c}
	if code, body := f.do(t, "POST", v1+"/config/compaction", `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S"}`, nil); code != 200 {
		t.Fatalf("config: %d %s", code, body)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Stop(ctx)
	// The fake queue runs nothing, so every run submits the newest day
	// again (one slot); two submissions prove two periodic runs.
	deadline := time.Now().Add(10 * time.Second)
	for {
		tasks.mu.Lock()
		n := len(tasks.got)
		tasks.mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d compaction tasks submitted by the duty loop in 10s", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRunCompactionOverlappingChunks: chunks whose intervals overlap (a
// partially overshadowed segment) are not compacted by two tasks of one
// run, whatever the free slots.
func TestRunCompactionOverlappingChunks(t *testing.T) {
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	week := daySeg(0, "v1", 0, 100, nil)
	week.Interval.End += 6 * apiDay
	if err := store.PublishSegments(ctx, []base.DataSegment{week, daySeg(3, "v2", 0, 100, nil), daySeg(9, "v1", 0, 100, nil)}, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	tasks := &fakeTasks{}
	f := &apiFixture{store: store, c: New(config.CoordinatorConfig{}, Deps{Elector: discovery.NewLocalElections().Elector("coordinator", "http://c:8081"),
		Metadata: store, Tasks: tasks, TaskSlots: 10})}
	f.do(t, "POST", v1+"/config/compaction/taskslots?ratio=1", "", nil)
	f.do(t, "POST", v1+"/config/compaction", `{"dataSource":"wiki","skipOffsetFromLatest":"PT0S"}`, nil)
	st, err := f.c.RunCompaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range tasks.got {
		got = append(got, m["ioConfig"].(map[string]any)["inputSpec"].(map[string]any)["interval"].(string))
	}
	// Day 10 and the week (newest end first); day 4 overlaps the week.
	want := "2024-01-10T00:00:00.000Z/2024-01-11T00:00:00.000Z 2024-01-01T00:00:00.000Z/2024-01-08T00:00:00.000Z"
	if st.Submitted != 2 || strings.Join(got, " ") != want {
		t.Errorf("submitted %d: %v, want %s", st.Submitted, got, want)
	}
}
