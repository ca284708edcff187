package task

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/ingest"
	"github.com/dryaddb/dryad/internal/segment"
)

// compactionStateJSON is the part of Druid's CompactionState the tests read.
type compactionStateJSON struct {
	PartitionsSpec  map[string]any   `json:"partitionsSpec"`
	DimensionsSpec  map[string]any   `json:"dimensionsSpec"`
	MetricsSpec     []map[string]any `json:"metricsSpec"`
	TransformSpec   map[string]any   `json:"transformSpec"`
	IndexSpec       map[string]any   `json:"indexSpec"`
	GranularitySpec map[string]any   `json:"granularitySpec"`
}

func segmentMeta(t testing.TB, s base.DataSegment) segment.Metadata {
	t.Helper()
	ls, err := deepstorage.ParseLocalLoadSpec(s.LoadSpec)
	if err != nil {
		t.Fatal(err)
	}
	seg, err := segment.Open(ls.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	return seg.Metadata()
}

func TestCompaction(t *testing.T) {
	f := newFixture(t, 1)
	const ds = "cmp"
	if st := f.run(t, itSpec(t, "wikipedia_index_task.json", ds)); st.StatusCode != StateSuccess {
		t.Fatalf("index: %s: %s", st.StatusCode, st.ErrorMsg)
	}
	before := f.segments(t, ds)
	rows := segmentRows(t, before)

	cases := []struct {
		name     string
		spec     []byte
		segs     int
		interval []string // the compacted segments' intervals
		segGran  string
		queryGra string
		rollup   bool
	}{
		{name: "keep granularity", spec: itSpec(t, "wikipedia_compaction_task.json", ds), segs: 2,
			interval: []string{"2013-08-31T00:00:00.000Z/2013-09-01T00:00:00.000Z", "2013-09-01T00:00:00.000Z/2013-09-02T00:00:00.000Z"},
			segGran:  `"DAY"`, queryGra: `"SECOND"`, rollup: true},
		{name: "year and hour", spec: itSpec(t, "wikipedia_compaction_task_with_granularity_spec.json", ds,
			"%%GRANULARITY_SPEC%%", `{"segmentGranularity":"YEAR","queryGranularity":"HOUR"}`), segs: 1,
			interval: []string{"2013-01-01T00:00:00.000Z/2014-01-01T00:00:00.000Z"},
			segGran:  `"YEAR"`, queryGra: `"HOUR"`, rollup: true},
	}
	prevVersion := before[0].Version
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := f.run(t, c.spec)
			if st.StatusCode != StateSuccess || st.Type != "compact" {
				t.Fatalf("compact: %s %s: %s", st.Type, st.StatusCode, st.ErrorMsg)
			}
			after := visibleSegments(f.segments(t, ds))
			if len(after) != c.segs {
				t.Fatalf("visible segments %d, want %d: %+v", len(after), c.segs, after)
			}
			if got := segmentRows(t, after); got > rows || got == 0 {
				t.Errorf("rows %d after compaction, %d before", got, rows)
			}
			for i, s := range after {
				if s.Interval.String() != c.interval[i] {
					t.Errorf("segment %d interval %s, want %s", i, s.Interval, c.interval[i])
				}
				if s.Version <= prevVersion {
					t.Errorf("segment %s version %s not newer than %s", s.ID(), s.Version, prevVersion)
				}
				var cs compactionStateJSON
				if err := json.Unmarshal(s.LastCompactionState, &cs); err != nil {
					t.Fatalf("lastCompactionState %s: %v", s.LastCompactionState, err)
				}
				if cs.PartitionsSpec["type"] != "dynamic" || cs.IndexSpec == nil || cs.DimensionsSpec == nil {
					t.Errorf("lastCompactionState %s", s.LastCompactionState)
				}
				sg, _ := json.Marshal(cs.GranularitySpec["segmentGranularity"])
				qg, _ := json.Marshal(cs.GranularitySpec["queryGranularity"])
				if string(sg) != c.segGran || !strings.EqualFold(string(qg), c.queryGra) || cs.GranularitySpec["rollup"] != c.rollup {
					t.Errorf("granularitySpec %v", cs.GranularitySpec)
				}
				var metrics []string
				for _, m := range cs.MetricsSpec {
					metrics = append(metrics, m["type"].(string)+":"+m["name"].(string))
				}
				want := []string{"longSum:count", "doubleSum:added", "doubleSum:deleted", "doubleSum:delta", "thetaSketch:thetaSketch",
					"quantilesDoublesSketch:quantilesDoublesSketch", "HLLSketchMerge:HLLSketchBuild"}
				if !slices.Equal(metrics, want) {
					t.Errorf("metricsSpec %v, want %v", metrics, want)
				}
				dims, _ := cs.DimensionsSpec["dimensions"].([]any)
				if len(dims) == 0 || dims[0].(map[string]any)["name"] != "page" {
					t.Errorf("dimensions %v", dims)
				}
				m := segmentMeta(t, s)
				if string(m.QueryGranularity) != string(qg) && !strings.EqualFold(string(m.QueryGranularity), c.queryGra) {
					t.Errorf("segment queryGranularity %s, want %s", m.QueryGranularity, c.queryGra)
				}
			}
			// count sums back to the input rows: the combining form ran.
			var count int64
			for _, s := range after {
				count += sumLongMetric(t, s, "count")
			}
			if count != 10 {
				t.Errorf("sum of count %d, want the 10 input rows", count)
			}
			prevVersion = after[0].Version
		})
	}
}

// sumLongMetric sums a long metric column of a published segment.
func sumLongMetric(t testing.TB, s base.DataSegment, name string) int64 {
	t.Helper()
	ls, err := deepstorage.ParseLocalLoadSpec(s.LoadSpec)
	if err != nil {
		t.Fatal(err)
	}
	seg, err := segment.Open(ls.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	rr, err := seg.NewRowReader()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(seg.ColumnNames(), name)
	if col < 0 {
		t.Fatalf("segment %s has no column %q", s.ID(), name)
	}
	var n int64
	for rr.Next() {
		n += rr.Row()[col].Long
	}
	return n
}

func TestCompactionFailures(t *testing.T) {
	f := newFixture(t, 1)
	const ds = "cmpfail"
	if st := f.run(t, itSpec(t, "wikipedia_index_task.json", ds)); st.StatusCode != StateSuccess {
		t.Fatalf("index: %s: %s", st.StatusCode, st.ErrorMsg)
	}
	segs := f.segments(t, ds)
	for _, c := range []struct{ name, spec, msg string }{
		{"no segments", `{"type":"compact","dataSource":"cmpfail","interval":"2020-01-01/2020-01-02"}`, noSegmentsMsg},
		{"other datasource", `{"type":"compact","dataSource":"nothing","interval":"2013-08-31/2013-09-02"}`, noSegmentsMsg},
		{"segments changed", `{"type":"compact","dataSource":"cmpfail","ioConfig":{"type":"compact","inputSpec":{"type":"segments","segments":["` + segs[0].ID().String() + `"]}}}`, segmentsChangedMsg},
		{"not aligned", `{"type":"compact","dataSource":"cmpfail","interval":"2013-08-31/2013-09-02","granularitySpec":{"segmentGranularity":"YEAR"}}`, "is not aligned with segmentGranularity"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := f.run(t, []byte(c.spec))
			if st.StatusCode != StateFailed || !strings.Contains(st.ErrorMsg, c.msg) {
				t.Errorf("%s %q, want FAILED with %q", st.StatusCode, st.ErrorMsg, c.msg)
			}
		})
	}
	// Naming exactly the visible segments compacts them.
	var ids []string
	for _, s := range segs {
		ids = append(ids, `"`+s.ID().String()+`"`)
	}
	st := f.run(t, []byte(`{"type":"compact","dataSource":"cmpfail","ioConfig":{"type":"compact","inputSpec":{"type":"segments","segments":[`+strings.Join(ids, ",")+`]}}}`))
	if st.StatusCode != StateSuccess {
		t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
	}
	// The corpus's parallel spec: hashed partitioning with perfect rollup.
	st = f.run(t, itSpec(t, "wikipedia_compaction_task_parallel.json", ds))
	if st.StatusCode != StateSuccess {
		t.Fatalf("parallel: %s: %s", st.StatusCode, st.ErrorMsg)
	}
	for _, s := range visibleSegments(f.segments(t, ds)) {
		var cs compactionStateJSON
		if err := json.Unmarshal(s.LastCompactionState, &cs); err != nil || cs.PartitionsSpec["type"] != "hashed" || s.ShardSpec.Type != "hashed" {
			t.Errorf("segment %s shardSpec %s lastCompactionState %s", s.ID(), s.ShardSpec.Type, s.LastCompactionState)
		}
	}
}

func TestCompactionSubmitErrors(t *testing.T) {
	f := newFixture(t, 1)
	for _, c := range []struct {
		spec  string
		class base.Class
		field string
	}{
		{`{"type":"compact","interval":"2013-01-01/2014-01-01"}`, base.ClassInvalidInput, "dataSource"},
		{`{"type":"compact","dataSource":"x"}`, base.ClassInvalidInput, "ioConfig"},
		{`{"type":"compact","dataSource":"x","interval":"2013-01-01/2014-01-01","ioConfig":{"type":"compact","inputSpec":{"type":"interval","interval":"2013/2014"}}}`, base.ClassInvalidInput, "ioConfig"},
		{`{"type":"compact","dataSource":"x","interval":"nope"}`, base.ClassInvalidInput, "interval"},
		{`{"type":"compact","dataSource":"x","ioConfig":{"type":"compact","inputSpec":{"type":"bogus"}}}`, base.ClassInvalidInput, "ioConfig.inputSpec.type"},
		{`{"type":"compact","dataSource":"x","ioConfig":{"type":"compact","inputSpec":{"type":"segments","segments":[]}}}`, base.ClassInvalidInput, "ioConfig.inputSpec.segments"},
		{`{"type":"compact","dataSource":"x","ioConfig":{"type":"compact","inputSpec":{"type":"segments","segments":["garbage"]}}}`, base.ClassInvalidInput, "ioConfig.inputSpec.segments[0]"},
		{`{"type":"compact","dataSource":"x","ioConfig":{"type":"compact","inputSpec":{"type":"uncompacted"}}}`, base.ClassUnsupported, "ioConfig.inputSpec.type"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","granularitySpec":{"segmentGranularity":"bogus"}}`, base.ClassInvalidInput, "granularitySpec.segmentGranularity"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","segmentGranularity":"DAY","granularitySpec":{"segmentGranularity":"YEAR"}}`, base.ClassInvalidInput, "Conflicting segment granularities"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","granularitySpec":{"segmentGranularity":"HOUR","queryGranularity":"DAY"}}`, base.ClassInvalidInput, "granularitySpec.queryGranularity"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","metricsSpec":[{"type":"longSum"}]}`, base.ClassInvalidInput, "metricsSpec[0].name"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","metricsSpec":[{"type":"nope","name":"a"}]}`, base.ClassInvalidInput, "metricsSpec[0]"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","dimensionsSpec":{"dimensions":[{"name":"a","type":"weird"}]}}`, base.ClassInvalidInput, "dimensionsSpec.dimensions[0].type"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","transformSpec":{"transforms":[{"type":"expression","name":"a","expression":"1"}]}}`, base.ClassInvalidInput, "transformSpec.transforms"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","transformSpec":{"filter":{"type":"nope"}}}`, base.ClassInvalidInput, "transformSpec.filter"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","tuningConfig":{"type":"kafka"}}`, base.ClassInvalidInput, "tuningConfig.type"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","tuningConfig":{"type":"index_parallel","partitionsSpec":{"type":"hashed"}}}`, base.ClassInvalidInput, "tuningConfig.partitionsSpec"},
		{`{"type":"compact","dataSource":"x","interval":"2013/2014","tuningConfig":{"type":"index_parallel","maxRowsInMemory":0}}`, base.ClassInvalidInput, "tuningConfig.maxRowsInMemory"},
	} {
		_, err := f.svc.Submit(context.Background(), []byte(c.spec))
		if err == nil || base.ClassOf(err) != c.class || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s:\n got %v (class %v), want class %v naming %q", c.spec, err, base.ClassOf(err), c.class, c.field)
		}
	}
}

// TestCompactionOverrides: what the spec gives replaces what is derived.
func TestCompactionOverrides(t *testing.T) {
	f := newFixture(t, 1)
	data := "{\"ts\":\"2020-01-01T01:00:00Z\",\"d\":\"a\",\"v\":1}\n{\"ts\":\"2020-01-01T02:00:00Z\",\"d\":\"b\",\"v\":2}\n" +
		"{\"ts\":\"2020-01-02T01:00:00Z\",\"d\":\"b\",\"v\":4}\n{\"ts\":\"2020-01-02T02:00:00Z\",\"d\":\"b\",\"v\":8}\n"
	t.Run("filter and dropExisting", func(t *testing.T) {
		const ds = "cmp_filter"
		if st := f.run(t, inlineSpec(ds, data, "")); st.StatusCode != StateSuccess {
			t.Fatalf("index: %s", st.ErrorMsg)
		}
		st := f.run(t, []byte(`{"type":"compact","dataSource":"`+ds+`","ioConfig":{"type":"compact","dropExisting":true,
"inputSpec":{"type":"interval","interval":"2020-01-01/2020-01-04"}},"granularitySpec":{"segmentGranularity":"DAY","rollup":false},
"transformSpec":{"filter":{"type":"selector","dimension":"d","value":"a"}}}`))
		if st.StatusCode != StateSuccess {
			t.Fatalf("compact: %s", st.ErrorMsg)
		}
		var live, tombs []string
		for _, s := range visibleSegmentsWithTombstones(f.segments(t, ds)) {
			if s.ShardSpec.Type == "tombstone" {
				tombs = append(tombs, s.Interval.String()[:10])
			} else {
				live = append(live, s.Interval.String()[:10])
			}
			var cs compactionStateJSON
			if err := json.Unmarshal(s.LastCompactionState, &cs); err != nil || cs.TransformSpec["filter"] == nil || cs.GranularitySpec["rollup"] != false {
				t.Errorf("segment %s lastCompactionState %s", s.ID(), s.LastCompactionState)
			}
		}
		if !slices.Equal(live, []string{"2020-01-01"}) || !slices.Equal(tombs, []string{"2020-01-02", "2020-01-03"}) {
			t.Errorf("live %v tombstones %v, want day 1 live and days 2 and 3 tombstoned", live, tombs)
		}
	})
	t.Run("metricsSpec", func(t *testing.T) {
		const ds = "cmp_metrics"
		if st := f.run(t, inlineSpec(ds, data, "")); st.StatusCode != StateSuccess {
			t.Fatalf("index: %s", st.ErrorMsg)
		}
		st := f.run(t, []byte(`{"type":"compact","dataSource":"`+ds+`","interval":"2020-01-01/2020-01-03",
"metricsSpec":[{"type":"longMax","name":"v","fieldName":"v"}],"granularitySpec":{"queryGranularity":"DAY"}}`))
		if st.StatusCode != StateSuccess {
			t.Fatalf("compact: %s", st.ErrorMsg)
		}
		segs := visibleSegments(f.segments(t, ds))
		if len(segs) != 2 {
			t.Fatalf("segments %+v", segs)
		}
		if !slices.Equal(segs[1].Metrics, []string{"v"}) || !slices.Equal(segs[1].Dimensions, []string{"d"}) {
			t.Errorf("dimensions %v metrics %v", segs[1].Dimensions, segs[1].Metrics)
		}
		// Day 2's two "b" rows roll up at DAY into one, keeping the max.
		if n := sumLongMetric(t, segs[1], "v"); n != 8 || segs[1].TotalRows != 1 {
			t.Errorf("day 2: %d rows, v %d, want 1 row with max 8", segs[1].TotalRows, n)
		}
	})
	t.Run("metric as dimension", func(t *testing.T) {
		const ds = "cmp_conflict"
		if st := f.run(t, inlineSpec(ds, data, "")); st.StatusCode != StateSuccess {
			t.Fatalf("index: %s", st.ErrorMsg)
		}
		st := f.run(t, []byte(`{"type":"compact","dataSource":"`+ds+`","interval":"2020-01-01/2020-01-03","dimensionsSpec":{"dimensions":["d","count"]}}`))
		if st.StatusCode != StateFailed || !strings.Contains(st.ErrorMsg, `"count" is a metric`) {
			t.Errorf("%s %q, want FAILED naming count", st.StatusCode, st.ErrorMsg)
		}
	})
}

// visibleSegmentsWithTombstones is visibleSegments keeping tombstones.
func visibleSegmentsWithTombstones(segs []base.DataSegment) []base.DataSegment {
	var out []base.DataSegment
	for _, s := range segs {
		hidden := slices.ContainsFunc(segs, func(o base.DataSegment) bool {
			return o.Version > s.Version && o.Interval.Start <= s.Interval.Start && s.Interval.End <= o.Interval.End
		})
		if !hidden {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b base.DataSegment) int { return cmpInt(a.Interval.Start, b.Interval.Start) })
	return out
}

// BenchmarkCompaction compacts the wikiticker day (39244 rows) with a
// DAY segment granularity, again and again (each run reads the previous
// run's output): pull, derive the schema, re-index, push and publish.
func BenchmarkCompaction(b *testing.B) {
	f := newFixture(b, 1)
	if st := f.run(b, itSpec(b, "wikiticker_index_task.json", "wt")); st.StatusCode != StateSuccess {
		b.Fatal(st.ErrorMsg)
	}
	rows := segmentRows(b, visibleSegments(f.segments(b, "wt")))
	spec := []byte(`{"type":"compact","dataSource":"wt","interval":"2015-09-12/2015-09-13","granularitySpec":{"segmentGranularity":"DAY"}}`)
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		if st := f.run(b, spec); st.StatusCode != StateSuccess {
			b.Fatal(st.ErrorMsg)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows)*float64(b.N)/(cpuSeconds()-cpu0), "rows/cpu-s")
}

// TestCompactionRestart: a compaction task the previous process left
// WAITING is queued again from its stored payload and runs.
func TestCompactionRestart(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 1)
	if st := f.run(t, inlineSpec("cr", `{"ts":"2020-01-01T00:00:00Z","d":"a","v":1}`, "")); st.StatusCode != StateSuccess {
		t.Fatal(st.ErrorMsg)
	}
	const id = "compact_cr_waiting"
	c, err := ingest.DecodeCompactionTask([]byte(`{"type":"compact","id":"` + id + `","dataSource":"cr","interval":"2020-01-01/2020-01-02"}`))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := compactionPayload([]byte(`{"type":"compact","id":"`+id+`","dataSource":"cr","interval":"2020-01-01/2020-01-02"}`), c)
	if err != nil {
		t.Fatal(err)
	}
	st := Status{ID: id, GroupID: id, Type: "compact", CreatedTime: 1, QueueInsertionTime: 1,
		StatusCode: StateRunning, RunnerStatusCode: RunnerWaiting, Duration: -1, Location: noLocation, DataSource: "cr"}
	sb, _ := json.Marshal(st)
	e := metadataEntry(id, payload, sb)
	e.Type, e.DataSource = "compact", "cr"
	if err := f.store.InsertTask(ctx, e); err != nil {
		t.Fatal(err)
	}
	svc2 := New(Config{TaskDir: filepath.Join(t.TempDir(), "tasks"), Capacity: 1, Host: "localhost", Port: 1}, f.store, mustLocal(t, f.deep), nil)
	if err := svc2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc2.Stop(ctx)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	got, err := svc2.Wait(wctx, id)
	if err != nil || got.StatusCode != StateSuccess || got.Type != "compact" {
		t.Fatalf("compaction after restart: %+v %v", got, err)
	}
	segs := visibleSegments(f.segments(t, "cr"))
	if len(segs) != 1 || len(segs[0].LastCompactionState) == 0 {
		t.Errorf("segments after the re-queued compaction: %+v", segs)
	}
}

// TestCompactionTutorial runs Druid's compaction tutorial: hourly segments
// of at most 1000 rows, compacted keeping the granularity (one segment per
// hour), then into one DAY segment; no row is lost.
func TestCompactionTutorial(t *testing.T) {
	f := newFixture(t, 1)
	const ds = "compaction-tutorial"
	if st := f.run(t, itSpec(t, "tutorial-compaction-init-index.json", ds, `"quickstart/tutorial/"`, `"`+itDir(t)+`/data/quickstart"`)); st.StatusCode != StateSuccess {
		t.Fatalf("index: %s", st.ErrorMsg)
	}
	initial := visibleSegments(f.segments(t, ds))
	rows := segmentRows(t, initial)
	for _, c := range []struct {
		spec string
		segs int
	}{{"tutorial-compaction-keep-granularity.json", 24}, {"tutorial-compaction-day-granularity.json", 1}} {
		if st := f.run(t, itSpec(t, c.spec, ds)); st.StatusCode != StateSuccess {
			t.Fatalf("%s: %s", c.spec, st.ErrorMsg)
		}
		segs := visibleSegments(f.segments(t, ds))
		if len(segs) != c.segs || len(initial) <= 24 {
			t.Errorf("%s: %d segments (from %d), want %d", c.spec, len(segs), len(initial), c.segs)
		}
		if n := segmentRows(t, segs); n != rows {
			t.Errorf("%s: %d rows, want %d", c.spec, n, rows)
		}
	}
}

// TestCompactionNonAlignedKeepsRows: with allowNonAlignedInterval a DAY
// interval compacted into a YEAR segment reads the whole year, so a row of
// the year outside the interval is not overshadowed away (Druid would lose
// it).
func TestCompactionNonAlignedKeepsRows(t *testing.T) {
	f := newFixture(t, 1)
	const ds = "cmp_nonaligned"
	data := "{\"ts\":\"2013-03-01T01:00:00Z\",\"d\":\"march\",\"v\":1}\n{\"ts\":\"2013-08-31T01:00:00Z\",\"d\":\"august\",\"v\":2}\n"
	if st := f.run(t, inlineSpec(ds, data, "")); st.StatusCode != StateSuccess {
		t.Fatalf("index: %s", st.ErrorMsg)
	}
	st := f.run(t, []byte(`{"type":"compact","dataSource":"`+ds+`","ioConfig":{"type":"compact","allowNonAlignedInterval":true,
"inputSpec":{"type":"interval","interval":"2013-08-31/2013-09-01"}},"granularitySpec":{"segmentGranularity":"YEAR"}}`))
	if st.StatusCode != StateSuccess {
		t.Fatalf("compact: %s", st.ErrorMsg)
	}
	segs := visibleSegments(f.segments(t, ds))
	if len(segs) != 1 || segs[0].Interval.String() != "2013-01-01T00:00:00.000Z/2014-01-01T00:00:00.000Z" {
		t.Fatalf("segments %+v, want one YEAR segment", segs)
	}
	if n := sumLongMetric(t, segs[0], "v"); n != 3 {
		t.Errorf("sum of v %d in the YEAR segment, want 3 (both rows)", n)
	}
}

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestCompactionStateGolden pins the lastCompactionState JSON (Druid's
// CompactionState shape, which the coordinator's auto-compaction reads) and
// the derivation from segment metadata: dimensions newest segment first,
// combining aggregators, the finest query granularity, rollup only when all
// segments rolled up.
func TestCompactionStateGolden(t *testing.T) {
	mkSeg := func(iv string, rollup bool, qg string, dims []segment.Dimension, aggs ...string) *inputSegment {
		i, err := base.ParseInterval(iv, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := segment.Metadata{Interval: i, Rollup: rollup, QueryGranularity: json.RawMessage(qg), Dimensions: dims}
		for _, a := range aggs {
			var h struct{ Name string }
			_ = json.Unmarshal([]byte(a), &h)
			m.Metrics = append(m.Metrics, segment.Metric{Name: h.Name, Aggregator: json.RawMessage(a)})
		}
		return &inputSegment{ds: base.DataSegment{DataSource: "w", Interval: i, Version: "v1"}, meta: m}
	}
	str := func(n string) segment.Dimension { return segment.Dimension{Name: n, Type: base.TypeString} }
	older := mkSeg("2013-08-31/2013-09-01", true, `"SECOND"`, []segment.Dimension{str("page"), str("user")},
		`{"type":"count","name":"count"}`, `{"type":"doubleSum","name":"added","fieldName":"added"}`)
	newer := mkSeg("2013-09-01/2013-09-02", false, `"MINUTE"`, []segment.Dimension{str("user"), str("country"), {Name: "delta", Type: base.TypeLong}},
		`{"type":"count","name":"count"}`, `{"type":"doubleSum","name":"added","fieldName":"added"}`, `{"type":"HLLSketchBuild","name":"hll","fieldName":"user"}`)
	for _, c := range []struct{ name, spec string }{
		{"derived", `{"type":"compact","dataSource":"w","interval":"2013-08-31/2013-09-02","granularitySpec":{"segmentGranularity":"MONTH"}}`},
		{"given", `{"type":"compact","dataSource":"w","ioConfig":{"type":"compact","allowNonAlignedInterval":true,"inputSpec":{"type":"interval","interval":"2013-08-31/2013-09-02"}},
"dimensionsSpec":{"dimensions":["page",{"type":"long","name":"delta"}]},"metricsSpec":[{"type":"longSum","name":"count","fieldName":"count"}],
"transformSpec":{"filter":{"type":"selector","dimension":"page","value":"x"}},"granularitySpec":{"segmentGranularity":"YEAR","queryGranularity":"HOUR","rollup":true},
"tuningConfig":{"type":"index_parallel","forceGuaranteedRollup":true,"partitionsSpec":{"type":"hashed","numShards":2,"partitionDimensions":["page"]},
"indexSpec":{"bitmap":{"type":"roaring"}}}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ct, err := ingest.DecodeCompactionTask([]byte(c.spec))
			if err != nil {
				t.Fatal(err)
			}
			groups := compactionGroups(ct, compactionReadInterval(ct), []*inputSegment{older, newer})
			if len(groups) != 1 {
				t.Fatalf("%d passes", len(groups))
			}
			_, state, err := compactionIndexTask(ct, groups[0])
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, state, "", "  "); err != nil {
				t.Fatal(err)
			}
			buf.WriteByte('\n')
			path := filepath.Join("testdata", "compaction_state_"+c.name+".json")
			if *updateGolden {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(want, buf.Bytes()) {
				t.Errorf("%s differs; got:\n%s", path, buf.Bytes())
			}
		})
	}
}

// TestCompactionStraddlingSegment: an hour of a DAY segment compacted
// without a segment granularity rewrites the whole day segment, after
// locking the whole day.
func TestCompactionStraddlingSegment(t *testing.T) {
	f := newFixture(t, 1)
	const ds = "cmp_straddle"
	data := "{\"ts\":\"2020-01-01T01:00:00Z\",\"d\":\"a\",\"v\":1}\n{\"ts\":\"2020-01-01T05:00:00Z\",\"d\":\"b\",\"v\":2}\n"
	if st := f.run(t, inlineSpec(ds, data, "")); st.StatusCode != StateSuccess {
		t.Fatalf("index: %s", st.ErrorMsg)
	}
	old := f.segments(t, ds)
	st := f.run(t, []byte(`{"type":"compact","dataSource":"`+ds+`","interval":"2020-01-01T05:00:00Z/2020-01-01T06:00:00Z"}`))
	if st.StatusCode != StateSuccess {
		t.Fatalf("compact: %s", st.ErrorMsg)
	}
	segs := visibleSegments(f.segments(t, ds))
	if len(segs) != 1 || segs[0].Interval != old[0].Interval || segs[0].Version <= old[0].Version || segs[0].TotalRows != 2 {
		t.Fatalf("segments after compaction %+v, want the whole day rewritten with its 2 rows", segs)
	}
}
