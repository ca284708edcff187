package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// This file replays Druid's ITAutoCompactionTest scenarios that check their
// results with wikipedia_index_rollup_queries.json and
// wikipedia_index_sketch_queries.json: ingest with the corpus specs, post
// the auto-compaction config the IT submits, trigger the coordinator's
// compaction duty (POST /druid/coordinator/v1/compaction/compact, the IT's
// forceTriggerAutoCompaction) until the datasource has the segment count
// the IT waits for, then play the query files with the placeholder values
// the IT fills in, before and after. A scenario also checks that a further
// trigger submits no compaction task (compacted data is not compacted
// again).

// verification is one play of a query file with its placeholder values
// (JSON texts, as the IT writes them with Jackson).
type verification struct {
	file string
	vars map[string]string
}

// autoScenario is one ITAutoCompactionTest method.
type autoScenario struct {
	name   string // the IT method, without "test"
	loads  []step // ingestions, in order (%%DATASOURCE%% is filled in)
	before []verification
	config string // the DataSourceCompactionConfig, without dataSource
	// segments is the used segment count the IT waits for after compaction.
	segments int
	after    []verification
	// status, when set, is the compaction status the IT asserts after
	// compacting.
	status *compactionCounts
	// more are the IT's further steps, each after the previous one.
	more []autoPhase
}

// autoPhase is a further step of a scenario: change the task slots and/or
// the config (or delete it), compact, check.
type autoPhase struct {
	slots    string // taskslots query, e.g. "ratio=1&max=1"; "" keeps them
	config   string // "" keeps the config
	del      bool   // delete the config
	segments int    // 0: post the config only, without compacting
	status   *compactionCounts
	noStatus bool // the datasource has no compaction status (404)
	// once triggers the duty once, as the IT does, where the phase's task
	// slots decide how much one run compacts.
	once  bool
	after []verification
}

// compactionCounts are the segment and interval counts of a compaction
// status: awaiting, compacted, skipped.
type compactionCounts struct {
	segAwaiting, segCompacted, segSkipped int64
	ivAwaiting, ivCompacted, ivSkipped    int64
}

// rollupVerify fills wikipedia_index_rollup_queries.json.
func rollupVerify(field string, count int, scan string) verification {
	return verification{"wikipedia_index_rollup_queries.json", map[string]string{
		"%%FIELD_TO_QUERY%%": `"` + field + `"`, "%%EXPECTED_COUNT_RESULT%%": fmt.Sprint(count), "%%EXPECTED_SCAN_RESULT%%": scan}}
}

// sketchVerify fills wikipedia_index_sketch_queries.json.
func sketchVerify(n int) verification {
	return verification{"wikipedia_index_sketch_queries.json", map[string]string{
		"%%QUANTILESRESULT%%": fmt.Sprint(n), "%%THETARESULT%%": fmt.Sprintf("%d.0", n), "%%HLLRESULT%%": fmt.Sprint(n)}}
}

// events is an EXPECTED_SCAN_RESULT: one scan result batch (one segment)
// per argument, each holding the given comma-separated rows.
func events(batches ...string) string {
	out := make([]string, len(batches))
	for i, b := range batches {
		out[i] = `{"events":[` + b + `]}`
	}
	return "[" + strings.Join(out, ",") + "]"
}

// itTuning is the tuningConfig ITAutoCompactionTest submits: dynamic
// partitions of maxRows rows, one file per split, one subtask.
func itTuning(maxRows int) string {
	return fmt.Sprintf(`"tuningConfig":{"splitHintSpec":{"type":"maxSize","maxNumFiles":1},"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":%d},"maxNumConcurrentSubTasks":1,"totalNumMergeTasks":1}`, maxRows)
}

// laGranularity is the IT's UniformGranularitySpec over 2013-08-31/2013-09-02
// in America/Los_Angeles, as Jackson writes it.
func laGranularity(seg, query string, rollup bool) string {
	return fmt.Sprintf(`{"type":"uniform","segmentGranularity":%q,"queryGranularity":%q,"rollup":%t,"intervals":["2013-08-31T00:00:00.000-07:00/2013-09-02T00:00:00.000-07:00"]}`, seg, query, rollup)
}

const (
	rollupSpec    = "wikipedia_index_rollup_preserve_metric.json"
	noRollupSpec  = "wikipedia_index_no_rollup_preserve_metric.json"
	languageDims  = `"dimensionsSpec":{"dimensions":[{"type":"string","name":"language","multiValueHandling":"SORTED_ARRAY","createBitmapIndex":true}]}`
	sketchMetrics = `{"type":"thetaSketch","name":"thetaSketch","fieldName":"user","size":16384,"shouldFinalize":true,"isInputThetaSketch":false},
{"type":"HLLSketchBuild","name":"HLLSketchBuild","fieldName":"user","lgK":12,"tgtHllType":"HLL_4","round":false},
{"type":"quantilesDoublesSketch","name":"quantilesDoublesSketch","fieldName":"delta","k":128,"maxStreamLength":1000000000}`
)

// itTuningPS is the IT's tuningConfig with another partitionsSpec.
func itTuningPS(ps string) string {
	return `"tuningConfig":{"splitHintSpec":{"type":"maxSize","maxNumFiles":1},"partitionsSpec":` + ps + `,"maxNumConcurrentSubTasks":1,"totalNumMergeTasks":1}`
}

// indexQueries plays wikipedia_index_queries.json (no placeholders but the
// datasource).
var indexQueries = []verification{{"wikipedia_index_queries.json", nil}}

var autoScenarios = []autoScenario{
	{name: "AutoCompactionDutySubmitAndVerifyCompaction",
		loads: []step{{"wikipedia_index_task.json", nil}}, before: indexQueries,
		// One day compacted, the newest skipped; then both.
		config: itTuning(10000) + `,"skipOffsetFromLatest":"P1D"`, segments: 3, status: &compactionCounts{0, 2, 2, 0, 1, 1}, after: indexQueries,
		more: []autoPhase{{config: itTuning(10000), segments: 2, status: &compactionCounts{0, 3, 0, 0, 2, 0}, after: indexQueries}}},
	{name: "AutoCompactionDutyCanUpdateCompactionConfig",
		loads: []step{{"wikipedia_index_task.json", nil}}, before: indexQueries,
		more: []autoPhase{
			// The second config replaces the first and splits every row
			// into its own segment.
			{config: itTuning(10000) + `,"taskPriority":26`},
			{config: itTuning(1), segments: 10, after: indexQueries},
			// Upstream's ITAutoCompactionTest expected 4 segments (2 per day)
			// while wikipedia_index_task.json had no tags dimension; the
			// version that goes with the corpus spec (tags declared) expects
			// "3 segments for both 2013-08-31 and 2013-09-01": 6.
			{config: itTuningPS(`{"type":"hashed","numShards":3}`), segments: 6, after: indexQueries},
			{config: itTuningPS(`{"type":"single_dim","targetRowsPerSegment":5,"maxRowsPerSegment":null,"partitionDimension":"city","assumeGrouped":false}`), segments: 2, after: indexQueries},
		}},
	{name: "AutoCompactionDutyCanDeleteCompactionConfig",
		loads: []step{{"wikipedia_index_task.json", nil}}, before: indexQueries,
		more: []autoPhase{{config: itTuning(10000), del: true, segments: 4, noStatus: true, after: indexQueries}}},
	{name: "AutoCompactionDutyWithSegmentGranularityAndWithDropExistingTrue",
		loads: []step{{"wikipedia_index_task.json", nil}}, before: indexQueries,
		// YEAR, then MONTH with dropExisting: 2 data months and 10
		// tombstones. (The IT's last step, compacting tombstones into
		// semesters, needs tombstone compaction.)
		config: itTuning(1000) + `,"granularitySpec":{"segmentGranularity":"YEAR"},"ioConfig":{"dropExisting":true}`, segments: 1, after: indexQueries,
		more: []autoPhase{{config: itTuning(1000) + `,"granularitySpec":{"segmentGranularity":"MONTH"},"ioConfig":{"dropExisting":true}`, segments: 12, after: indexQueries}}},
	{name: "AutoCompactionDutyWithSegmentGranularityCoarserAndNotAlignWithSegment",
		loads:  []step{{"wikipedia_index_task_with_granularity_spec.json", []string{"%%GRANULARITYSPEC%%", laGranularity("WEEK", "DAY", false)}}},
		before: []verification{rollupVerify("added", 2, events("[57.0],[459.0]"))},
		// The WEEK segment 2013-08-26/09-02 is compacted over the MONTH
		// buckets it touches, 2013-08-01/10-01: two MONTH segments.
		more: []autoPhase{{slots: "ratio=1&max=1", config: itTuning(10000) + `,"granularitySpec":{"segmentGranularity":"MONTH"}`, segments: 2,
			after: []verification{rollupVerify("added", 2, events("[57.0],[459.0]"))}}}},
	{name: "AutoCompactionDutyWithOverlappingInterval",
		loads: []step{
			{"wikipedia_index_task_with_granularity_spec.json", []string{"%%GRANULARITYSPEC%%", laGranularity("WEEK", "NONE", false)}},
			{"wikipedia_index_task_with_granularity_spec.json", []string{"%%GRANULARITYSPEC%%",
				`{"type":"uniform","segmentGranularity":"MONTH","queryGranularity":"NONE","rollup":false,"intervals":["2013-09-01T00:00:00.000-07:00/2013-09-02T00:00:00.000-07:00"]}`}},
		},
		before:   []verification{rollupVerify("added", 2, events("[57.0],[459.0]"))},
		config:   itTuning(10000),
		segments: 2,
		after:    []verification{rollupVerify("added", 2, events("[57.0],[459.0]"))}},
	{name: "AutoCompactionDutyCanUpdateTaskSlots",
		loads: []step{{"wikipedia_index_task.json", nil}}, before: indexQueries,
		more: []autoPhase{
			{slots: "ratio=0&max=0", config: itTuning(10000), segments: 4, noStatus: true, once: true, after: indexQueries},
			{slots: "ratio=1&max=1", segments: 3, status: &compactionCounts{2, 2, 0, 1, 1, 0}, once: true, after: indexQueries},
			{segments: 2, status: &compactionCounts{0, 3, 0, 0, 2, 0}, once: true, after: indexQueries},
		}},
	{name: "AutoCompactionRowWithMetricAndRowWithoutMetricShouldPreserveExistingMetricsUsingAggregatorWithDifferentReturnType",
		loads: []step{{rollupSpec, nil}, {noRollupSpec, nil}},
		before: []verification{rollupVerify("added", 2, events("[null]", "[31]")), rollupVerify("count", 2, events("[2]", "[null]")),
			rollupVerify("sum_added", 2, events("[62]", "[null]")), sketchVerify(2)},
		config: itTuning(10000) + `,"granularitySpec":{"rollup":true},` + languageDims + `,"metricsSpec":[{"type":"count","name":"count"},
{"type":"floatSum","name":"sum_added","fieldName":"added"},` + sketchMetrics + `]`,
		segments: 1,
		after: []verification{rollupVerify("added", 1, events("[null]")), rollupVerify("count", 1, events("[3]")),
			rollupVerify("sum_added", 1, events("[93.0]")), sketchVerify(3)}},
	{name: "AutoCompactionRowWithMetricAndRowWithoutMetricShouldPreserveExistingMetrics",
		loads: []step{{rollupSpec, nil}, {noRollupSpec, nil}},
		before: []verification{rollupVerify("added", 2, events("[null]", "[31]")), rollupVerify("count", 2, events("[2]", "[null]")),
			rollupVerify("sum_added", 2, events("[62]", "[null]")), sketchVerify(2)},
		config: itTuning(10000) + `,"granularitySpec":{"rollup":true},` + languageDims + `,"metricsSpec":[{"type":"count","name":"count"},
{"type":"longSum","name":"sum_added","fieldName":"added"},` + sketchMetrics + `]`,
		segments: 1,
		after: []verification{rollupVerify("added", 1, events("[null]")), rollupVerify("count", 1, events("[3]")),
			rollupVerify("sum_added", 1, events("[93]")), sketchVerify(3)}},
	{name: "AutoCompactionOnlyRowsWithoutMetricShouldAddNewMetrics",
		loads:  []step{{noRollupSpec, nil}, {noRollupSpec, nil}},
		before: []verification{rollupVerify("added", 2, events("[31]", "[31]"))},
		config: itTuning(10000) + `,"granularitySpec":{"rollup":true},` + languageDims +
			`,"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"sum_added","fieldName":"added"}]`,
		segments: 1,
		after: []verification{rollupVerify("added", 1, events("[null]")), rollupVerify("count", 1, events("[2]")),
			rollupVerify("sum_added", 1, events("[62]"))}},
	{name: "AutoCompactionOnlyRowsWithMetricShouldPreserveExistingMetrics",
		loads:  []step{{rollupSpec, nil}, {rollupSpec, nil}},
		before: []verification{rollupVerify("count", 2, events("[2]", "[2]")), rollupVerify("sum_added", 2, events("[62]", "[62]"))},
		config: itTuning(10000) + `,"granularitySpec":{"rollup":true},` + languageDims +
			`,"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"sum_added","fieldName":"added"}]`,
		segments: 1,
		after:    []verification{rollupVerify("count", 1, events("[4]")), rollupVerify("sum_added", 1, events("[124]"))}},
	{name: "AutoCompactionDutyWithRollup",
		loads:    []step{{"wikipedia_index_task_with_granularity_spec.json", []string{"%%GRANULARITYSPEC%%", laGranularity("DAY", "DAY", false)}}},
		before:   []verification{rollupVerify("added", 2, events("[57.0],[459.0]"))},
		config:   itTuning(10000) + `,"granularitySpec":{"rollup":true}`,
		segments: 2,
		after:    []verification{rollupVerify("added", 1, events("[516.0]"))}},
	{name: "AutoCompactionDutyWithQueryGranularity",
		loads:    []step{{"wikipedia_index_task_with_granularity_spec.json", []string{"%%GRANULARITYSPEC%%", laGranularity("DAY", "NONE", true)}}},
		before:   []verification{rollupVerify("added", 2, events("[57.0],[459.0]"))},
		config:   itTuning(10000) + `,"granularitySpec":{"queryGranularity":"DAY"}`,
		segments: 2,
		after:    []verification{rollupVerify("added", 1, events("[516.0]"))}},
	{name: "AutoCompactionDutyWithDimensionsSpec",
		loads:    []step{{"wikipedia_index_task_with_dimension_spec.json", nil}},
		before:   []verification{rollupVerify("added", 2, events("[57.0],[459.0]"))},
		config:   itTuning(10000) + "," + languageDims,
		segments: 2,
		after:    []verification{rollupVerify("added", 1, events("[516.0]"))}},
	{name: "AutoCompactionDutyWithFilter",
		loads:    []step{{"wikipedia_index_task_with_dimension_spec.json", nil}},
		before:   []verification{rollupVerify("added", 2, events("[57.0],[459.0]"))},
		config:   itTuning(10000) + `,"transformSpec":{"filter":{"type":"selector","dimension":"page","value":"Striker Eureka"}}`,
		segments: 2,
		after:    []verification{rollupVerify("added", 1, events("[459.0]"))}},
	{name: "AutoCompactionDutyWithMetricsSpec",
		loads:    []step{{"wikipedia_index_task_with_dimension_spec.json", nil}},
		before:   []verification{rollupVerify("added", 2, events("[57.0],[459.0]"))},
		config:   itTuning(10000) + `,"metricsSpec":[{"type":"doubleSum","name":"double_sum_added","fieldName":"added"},{"type":"longSum","name":"long_sum_added","fieldName":"added"}]`,
		segments: 2,
		after: []verification{rollupVerify("double_sum_added", 2, events("[57.0],[459.0]")),
			rollupVerify("long_sum_added", 2, events("[57],[459]"))}},
}

// TestAutoCompactionConformance runs every scenario against one quickstart
// (each on its own datasource) and reports passed/failed/skipped cases like
// the main runner; cases listed in testdata/autocompaction_baseline.txt
// must keep passing.
func TestAutoCompactionConformance(t *testing.T) {
	corpus := corpusDir(t)
	srv := startQuickstart(t)
	began := time.Now()
	if code, body, err := srv.do("GET", "/druid/coordinator/v1/config/compaction", ""); err != nil || code != 200 {
		t.Skipf("this build does not serve auto-compaction (GET /config/compaction answered %d %s %v)", code, body, err)
	}
	// The IT's setup: ratio 0.5, at most 10 compaction slots.
	if code, body, err := srv.do("POST", "/druid/coordinator/v1/config/compaction/taskslots?ratio=0.5&max=10", ""); err != nil || code != 200 {
		t.Fatalf("taskslots: %d %s %v", code, body, err)
	}
	var all []outcome
	var report strings.Builder
	for _, sc := range autoScenarios {
		outs := runAutoScenario(t, srv, corpus, sc)
		var p, f, s int
		for _, o := range outs {
			switch o.status {
			case "pass":
				p++
			case "fail":
				f++
				fmt.Fprintf(&report, "    FAIL %s: %s\n", o.key, o.reason)
			default:
				s++
				fmt.Fprintf(&report, "    skip %s: %s\n", o.key, o.reason)
			}
		}
		fmt.Fprintf(&report, "%s: %d passed, %d failed, %d skipped\n", sc.name, p, f, s)
		all = append(all, outs...)
	}
	summarize(t, &report, "auto-compaction conformance", began, all, "autocompaction_baseline.txt",
		"go test ./test/conformance -run TestAutoCompactionConformance")
}

// runAutoScenario plays one scenario on datasource
// wikipedia_index_test_<name>. Its outcomes are the query cases before and
// after compaction (keyed by scenario, phase and file), the compaction
// itself, and the no-recompaction check.
func runAutoScenario(t *testing.T, srv *server, corpus string, sc autoScenario) []outcome {
	ds := "wikipedia_index_test_" + sc.name
	failAll := func(reason string) []outcome {
		var out []outcome
		for i := range sc.before {
			out = append(out, outcome{fmt.Sprintf("%s/before/%d", sc.name, i), "fail", reason})
		}
		out = append(out, outcome{sc.name + "/compaction", "fail", reason})
		for i := range sc.after {
			out = append(out, outcome{fmt.Sprintf("%s/after/%d", sc.name, i), "fail", reason})
		}
		return append(out, outcome{sc.name + "/not-compacted-again", "fail", reason})
	}
	for _, st := range sc.loads {
		raw, err := os.ReadFile(filepath.Join(corpus, "specs", st.spec))
		if err != nil {
			return failAll(err.Error())
		}
		spec, err := rewriteSpec(corpus, string(raw), append([]string{"%%DATASOURCE%%", ds}, st.vars...))
		if err != nil {
			return failAll(err.Error())
		}
		if err := srv.ingest(spec, 90*time.Second); err != nil {
			return failAll(fmt.Sprintf("ingesting %s: %v", st.spec, err))
		}
	}
	if err := srv.waitLoaded([]string{ds}, 60*time.Second); err != nil {
		return failAll(err.Error())
	}
	var out []outcome
	// play runs verifications; their keys are prefix/i/file#case.
	play := func(prefix string, vs []verification) {
		for i, v := range vs {
			vars := []string{"%%DATASOURCE%%", ds}
			for k, val := range v.vars {
				vars = append(vars, k, val)
			}
			for _, o := range runFile(t, srv, corpus, queryFile{file: v.file, vars: vars}, nil) {
				_, idx, _ := strings.Cut(o.key, "#")
				o.key = fmt.Sprintf("%s/%d/%s#%s", prefix, i, strings.TrimSuffix(v.file, ".json"), idx)
				out = append(out, o)
			}
		}
	}
	play(sc.name+"/before", sc.before)

	phases := sc.more
	if sc.config != "" {
		phases = append([]autoPhase{{config: sc.config, segments: sc.segments, status: sc.status, after: sc.after}}, sc.more...)
	}
	active := false
	for k, ph := range phases {
		prefix := sc.name
		if k > 0 {
			prefix = fmt.Sprintf("%s/p%d", sc.name, k)
		}
		if err := applyPhase(srv, ds, ph); err != nil {
			out = append(out, outcome{prefix + "/compaction", "fail", err.Error()})
			return append(out, outcome{sc.name + "/not-compacted-again", "fail", err.Error()})
		}
		active = ph.config != "" || active && !ph.del
		if ph.segments == 0 {
			continue // a config replaced before any run
		}
		if err := autoCompact(srv, ds, ph.segments, ph.once, 90*time.Second); err != nil {
			out = append(out, outcome{prefix + "/compaction", "fail", err.Error()})
		} else {
			out = append(out, outcome{prefix + "/compaction", "pass", ""})
		}
		if ph.status != nil || ph.noStatus {
			st := outcome{prefix + "/status", "pass", ""}
			if err := checkCompactionStatus(srv, ds, ph.status); err != nil {
				st = outcome{prefix + "/status", "fail", err.Error()}
			}
			out = append(out, st)
		}
		play(prefix+"/after", ph.after)
	}
	if !active {
		srv.do("POST", "/druid/coordinator/v1/config/compaction/taskslots?ratio=0.5&max=10", "")
		return out
	}

	// A further trigger submits nothing: the data is compacted with this
	// config.
	before, err := compactTaskCount(srv, ds)
	if err == nil {
		if code, body, e := srv.do("POST", "/druid/coordinator/v1/compaction/compact", ""); e != nil || code != 200 {
			err = fmt.Errorf("trigger answered %d %s %v", code, body, e)
		}
	}
	var after int
	if err == nil {
		after, err = compactTaskCount(srv, ds)
	}
	switch {
	case err != nil:
		out = append(out, outcome{sc.name + "/not-compacted-again", "fail", err.Error()})
	case after != before:
		out = append(out, outcome{sc.name + "/not-compacted-again", "fail", fmt.Sprintf("%d compact tasks before the trigger, %d after", before, after)})
	default:
		out = append(out, outcome{sc.name + "/not-compacted-again", "pass", ""})
	}
	// Leave the other scenarios' runs alone.
	srv.do("DELETE", "/druid/coordinator/v1/config/compaction/"+ds, "")
	srv.do("POST", "/druid/coordinator/v1/config/compaction/taskslots?ratio=0.5&max=10", "")
	return out
}

// applyPhase sets the phase's task slots and config (or deletes it).
func applyPhase(srv *server, ds string, ph autoPhase) error {
	if ph.slots != "" {
		if code, body, err := srv.do("POST", "/druid/coordinator/v1/config/compaction/taskslots?"+ph.slots, ""); err != nil || code != 200 {
			return fmt.Errorf("taskslots answered %d %s %v", code, body, err)
		}
	}
	if ph.config != "" {
		cfg := `{"dataSource":"` + ds + `",` + ph.config + `}`
		if !strings.Contains(ph.config, `"skipOffsetFromLatest"`) {
			cfg = `{"dataSource":"` + ds + `","skipOffsetFromLatest":"PT0S",` + ph.config + `}`
		}
		if code, body, err := srv.do("POST", "/druid/coordinator/v1/config/compaction", cfg); err != nil || code != 200 {
			return fmt.Errorf("posting the compaction config answered %d %s %v", code, body, err)
		}
	}
	if ph.del {
		if code, body, err := srv.do("DELETE", "/druid/coordinator/v1/config/compaction/"+ds, ""); err != nil || code != 200 {
			return fmt.Errorf("deleting the compaction config answered %d %s %v", code, body, err)
		}
	}
	return nil
}

// checkCompactionStatus compares ds's compaction status with want (nil:
// ds must have no status).
func checkCompactionStatus(srv *server, ds string, want *compactionCounts) error {
	code, body, err := srv.do("GET", "/druid/coordinator/v1/compaction/status?dataSource="+ds, "")
	if err != nil {
		return err
	}
	if want == nil {
		if code != 404 {
			return fmt.Errorf("status answered %d %s, want 404", code, body)
		}
		return nil
	}
	var st struct {
		LatestStatus []struct {
			ScheduleStatus                                                                string
			BytesAwaitingCompaction                                                       int64
			SegmentCountAwaitingCompaction, SegmentCountCompacted, SegmentCountSkipped    int64
			IntervalCountAwaitingCompaction, IntervalCountCompacted, IntervalCountSkipped int64
		} `json:"latestStatus"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &st) != nil || len(st.LatestStatus) != 1 {
		return fmt.Errorf("status answered %d %s", code, body)
	}
	g := st.LatestStatus[0]
	got := compactionCounts{g.SegmentCountAwaitingCompaction, g.SegmentCountCompacted, g.SegmentCountSkipped,
		g.IntervalCountAwaitingCompaction, g.IntervalCountCompacted, g.IntervalCountSkipped}
	if got != *want || g.ScheduleStatus != "RUNNING" {
		return fmt.Errorf("status %s %+v, want RUNNING %+v", g.ScheduleStatus, got, *want)
	}
	code, body, err = srv.do("GET", "/druid/coordinator/v1/compaction/progress?dataSource="+ds, "")
	var progress map[string]int64
	if err != nil || code != 200 || json.Unmarshal([]byte(body), &progress) != nil || progress["remainingSegmentSize"] != g.BytesAwaitingCompaction {
		return fmt.Errorf("progress answered %d %s %v, want remainingSegmentSize %d", code, body, err, g.BytesAwaitingCompaction)
	}
	return nil
}

// autoCompact triggers the compaction duty until ds has want used segments,
// the latest run left none awaiting compaction, no task of ds runs, and all
// are loaded: the IT's forceTriggerAutoCompaction, repeated because one
// run submits only as many tasks as there are compaction slots (a
// quickstart on a small machine has one).
func autoCompact(srv *server, ds string, want int, once bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for i := 0; time.Now().Before(deadline); i++ {
		before, err := compactTaskCount(srv, ds)
		if err != nil {
			return err
		}
		if i == 0 || !once {
			if code, body, err := srv.do("POST", "/druid/coordinator/v1/compaction/compact", ""); err != nil || code != 200 {
				return fmt.Errorf("trigger answered %d %s %v", code, body, err)
			}
		}
		after, err := compactTaskCount(srv, ds)
		if err != nil {
			return err
		}
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
			code, body, err := srv.do("GET", "/druid/coordinator/v1/metadata/datasources/"+ds+"/segments", "")
			var ids []string
			if err == nil && code == 200 && json.Unmarshal([]byte(body), &ids) == nil && len(ids) == want {
				if awaiting, err := awaitingCompaction(srv, ds); !once && (err != nil || awaiting > 0) {
					break // the last run left chunks for the next one
				}
				return srv.waitLoaded([]string{ds}, time.Until(deadline))
			}
			last = body
			time.Sleep(100 * time.Millisecond)
		}
		if i > 0 && after == before {
			// Nothing more is submitted: compaction has settled elsewhere.
			return fmt.Errorf("%s settled at other segments than the %d expected: %s", ds, want, last)
		}
	}
	return fmt.Errorf("%s did not reach %d used segments within %v (last: %s)", ds, want, timeout, last)
}

// awaitingCompaction is the segmentCountAwaitingCompaction of ds's latest
// compaction status.
func awaitingCompaction(srv *server, ds string) (int, error) {
	code, body, err := srv.do("GET", "/druid/coordinator/v1/compaction/status?dataSource="+ds, "")
	if err != nil {
		return 0, err
	}
	var st struct {
		LatestStatus []struct {
			SegmentCountAwaitingCompaction int `json:"segmentCountAwaitingCompaction"`
		} `json:"latestStatus"`
	}
	if code == 404 {
		return 0, nil // no config, or compaction disabled: nothing awaits
	}
	if code != 200 || json.Unmarshal([]byte(body), &st) != nil || len(st.LatestStatus) != 1 {
		return 0, fmt.Errorf("compaction status answered %d %s", code, body)
	}
	return st.LatestStatus[0].SegmentCountAwaitingCompaction, nil
}

// waitTasksDone waits until no task of ds is running, pending or waiting;
// a failed compact task is an error.
func waitTasksDone(srv *server, ds string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		code, body, err := srv.do("GET", "/druid/indexer/v1/tasks?datasource="+ds, "")
		if err != nil {
			return err
		}
		var ts []struct {
			ID         string `json:"id"`
			Type       string `json:"type"`
			StatusCode string `json:"statusCode"`
			ErrorMsg   string `json:"errorMsg"`
		}
		if code != 200 || json.Unmarshal([]byte(body), &ts) != nil {
			return fmt.Errorf("task list answered %d %s", code, body)
		}
		busy := false
		for _, task := range ts {
			if task.StatusCode == "RUNNING" {
				busy = true
			}
			if task.Type == "compact" && task.StatusCode == "FAILED" {
				return fmt.Errorf("compaction task %s failed: %s", task.ID, task.ErrorMsg)
			}
		}
		if !busy {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("tasks of %s still running after %v", ds, timeout)
}

// compactTaskCount counts ds's compact tasks once none is running.
func compactTaskCount(srv *server, ds string) (int, error) {
	if err := waitTasksDone(srv, ds, time.Minute); err != nil {
		return 0, err
	}
	code, body, err := srv.do("GET", "/druid/indexer/v1/tasks?datasource="+ds+"&type=compact", "")
	if err != nil {
		return 0, err
	}
	var ts []json.RawMessage
	if code != 200 || json.Unmarshal([]byte(body), &ts) != nil {
		return 0, fmt.Errorf("task list answered %d %s", code, body)
	}
	return len(ts), nil
}
