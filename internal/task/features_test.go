package task

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/segment"
)

// localSpec is the IT's local-input-source spec over one of the wiki
// formats.
func localSpec(t testing.TB, ds, format, inputFormat, partitions string, appendTo, drop bool) []byte {
	d := itDir(t)
	return itSpec(t, "wikipedia_local_input_source_index_task.json", ds,
		"%%INPUT_SOURCE_FILTER%%", "wikipedia_index_data*",
		"%%INPUT_SOURCE_BASE_DIR%%", d+"/data/batch_index/"+format,
		"%%APPEND_TO_EXISTING%%", fmt.Sprint(appendTo),
		"%%DROP_EXISTING%%", fmt.Sprint(drop),
		"%%INPUT_FORMAT%%", inputFormat,
		"%%PARTITIONS_SPEC%%", partitions,
		"%%FORCE_GUARANTEED_ROLLUP%%", fmt.Sprint(!strings.Contains(partitions, "dynamic")))
}

// segmentRows sums totalRows and reads every published segment file back.
func segmentRows(t testing.TB, segs []base.DataSegment) int64 {
	t.Helper()
	var n int64
	for _, s := range segs {
		if s.ShardSpec.Type == "tombstone" {
			continue
		}
		ls, err := deepstorage.ParseLocalLoadSpec(s.LoadSpec)
		if err != nil {
			t.Fatal(err)
		}
		seg, err := segment.Open(ls.Path)
		if err != nil {
			t.Fatalf("segment %s: %v", s.ID(), err)
		}
		m := seg.Metadata()
		if int64(m.NumRows) != s.TotalRows || m.Version != s.Version || m.Interval != s.Interval {
			t.Errorf("segment %s: file says %d rows %s %s", s.ID(), m.NumRows, m.Version, m.Interval)
		}
		n += int64(m.NumRows)
		seg.Close()
	}
	return n
}

func TestInputFormats(t *testing.T) {
	f := newFixture(t, 2)
	csvCols := `["timestamp","page","language","user","unpatrolled","newPage","robot","anonymous","namespace","continent","country","region","city","added","deleted","delta"]`
	for _, c := range []struct{ format, inputFormat string }{
		{"json", `{"type":"json"}`},
		{"csv", `{"type":"csv","findColumnsFromHeader":true}`},
		{"csv", `{"type":"csv","skipHeaderRows":1,"columns":` + csvCols + `}`},
		{"tsv", `{"type":"tsv","findColumnsFromHeader":true}`},
	} {
		t.Run(c.format, func(t *testing.T) {
			ds := "fmt_" + c.format + fmt.Sprint(len(c.inputFormat))
			st := f.run(t, localSpec(t, ds, c.format, c.inputFormat, `{"type":"dynamic"}`, false, false))
			if st.StatusCode != StateSuccess {
				t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
			}
			segs := f.segments(t, ds)
			days := map[base.Interval]bool{}
			for _, s := range segs {
				days[s.Interval] = true
			}
			if len(days) != 2 {
				t.Errorf("segments cover %d days, want 2", len(days))
			}
			if n := segmentRows(t, segs); n != 10 {
				t.Errorf("rows = %d, want 10", n)
			}
			if rs := f.report(t, st.ID).RowStats["buildSegments"]; rs.Processed != 10 || rs.Unparseable != 0 {
				t.Errorf("row stats %+v", rs)
			}
		})
	}
}

func TestPartitionings(t *testing.T) {
	f := newFixture(t, 2)
	for _, c := range []struct {
		name, spec string
		shard      string
		check      func(t *testing.T, segs []base.DataSegment)
	}{
		{"hashed", `{"type":"hashed","numShards":2}`, "hashed", func(t *testing.T, segs []base.DataSegment) {
			for _, s := range segs {
				if *s.ShardSpec.NumBuckets != 2 || s.ShardSpec.PartitionFunction != "murmur3_32_abs" {
					t.Errorf("%s: shard %+v", s.ID(), s.ShardSpec)
				}
			}
		}},
		{"hashed_dims", `{"type":"hashed","numShards":3,"partitionDimensions":["namespace"]}`, "hashed", nil},
		{"single_dim", `{"type":"single_dim","partitionDimension":"namespace","targetRowsPerSegment":2}`, "single", func(t *testing.T, segs []base.DataSegment) {
			byChunk := map[base.Interval][]base.DataSegment{}
			for _, s := range segs {
				byChunk[s.Interval] = append(byChunk[s.Interval], s)
			}
			for iv, ss := range byChunk {
				slices.SortFunc(ss, func(a, b base.DataSegment) int { return a.ShardSpec.PartitionNum - b.ShardSpec.PartitionNum })
				if ss[0].ShardSpec.StartStr != nil || ss[len(ss)-1].ShardSpec.EndStr != nil {
					t.Errorf("%s: first start / last end must be unbounded", iv)
				}
				for i := 1; i < len(ss); i++ {
					if *ss[i].ShardSpec.StartStr != *ss[i-1].ShardSpec.EndStr {
						t.Errorf("%s: partition %d starts at %s, previous ends at %s", iv, i, *ss[i].ShardSpec.StartStr, *ss[i-1].ShardSpec.EndStr)
					}
				}
			}
		}},
		{"range", `{"type":"range","partitionDimensions":["namespace","page"],"targetRowsPerSegment":2}`, "range", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ds := "part_" + c.name
			spec := itSpec(t, "wikipedia_parallel_index_task.json", ds,
				`"%%FORCE_GUARANTEED_ROLLUP%%"`, "true", "%%PARTITIONS_SPEC%%", c.spec)
			st := f.run(t, spec)
			if st.StatusCode != StateSuccess {
				t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
			}
			segs := f.segments(t, ds)
			if n := segmentRows(t, segs); n != 10 {
				t.Errorf("rows = %d, want 10", n)
			}
			core := map[base.Interval]int{}
			for _, s := range segs {
				if s.ShardSpec.Type != c.shard {
					t.Errorf("%s: shard type %s, want %s", s.ID(), s.ShardSpec.Type, c.shard)
				}
				n, _ := s.ShardSpec.CorePartitions()
				core[s.Interval] = n
			}
			count := map[base.Interval]int{}
			for _, s := range segs {
				count[s.Interval]++
			}
			for iv, n := range count {
				if core[iv] != n {
					t.Errorf("%s: %d segments but core partitions %d", iv, n, core[iv])
				}
			}
			if c.check != nil {
				c.check(t, segs)
			}
			rs := f.report(t, st.ID).RowStats
			if c.shard != "hashed" && rs["determinePartitions"].Processed != 10 {
				t.Errorf("determinePartitions %+v", rs["determinePartitions"])
			}
		})
	}
}

func TestAppendAndReplace(t *testing.T) {
	f := newFixture(t, 1)
	ds := "upd"
	dyn := `{"type":"dynamic"}`
	mustRun := func(spec []byte) Status {
		st := f.run(t, spec)
		if st.StatusCode != StateSuccess {
			t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
		}
		return st
	}
	mustRun(localSpec(t, ds, "json", `{"type":"json"}`, dyn, false, false))
	first := f.segments(t, ds)
	mustRun(localSpec(t, ds, "json", `{"type":"json"}`, dyn, true, false))
	all := f.segments(t, ds)
	if len(all) != 2*len(first) {
		t.Fatalf("after append: %d segments, want %d", len(all), 2*len(first))
	}
	maxPart := map[base.Interval]int{}
	for _, s := range first {
		maxPart[s.Interval] = max(maxPart[s.Interval], s.ShardSpec.PartitionNum)
	}
	for _, s := range all {
		var v string
		for _, o := range first {
			if o.Interval == s.Interval {
				v = o.Version
			}
		}
		if s.Version != v {
			t.Errorf("appended %s: version %s, want the existing %s", s.ID(), s.Version, v)
		}
		if s.ShardSpec.PartitionNum > maxPart[s.Interval] && (s.ShardSpec.Partitions == nil || *s.ShardSpec.Partitions != maxPart[s.Interval]+1) {
			t.Errorf("appended %s: core partitions %v, want %d", s.ID(), s.ShardSpec.Partitions, maxPart[s.Interval]+1)
		}
	}
	pending, err := f.store.PendingSegments(context.Background(), ds, base.Interval{Start: base.MinTime, End: base.MaxTime})
	if err != nil || len(pending) != len(first) {
		t.Errorf("pending segments after append: %d (%v), want %d", len(pending), err, len(first))
	}
	req, _ := http.NewRequest("DELETE", f.srv.URL+"/druid/indexer/v1/pendingSegments/"+ds, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var del map[string]int
	json.NewDecoder(resp.Body).Decode(&del)
	resp.Body.Close()
	if del["numDeleted"] != len(first) {
		t.Errorf("DELETE pendingSegments: %v, want numDeleted %d", del, len(first))
	}
	// Replace: a newer version per chunk.
	mustRun(localSpec(t, ds, "json", `{"type":"json"}`, dyn, false, false))
	all = f.segments(t, ds)
	newest := map[base.Interval]string{}
	for _, s := range all {
		newest[s.Interval] = max(newest[s.Interval], s.Version)
	}
	for iv, v := range newest {
		if v <= first[0].Version {
			t.Errorf("%s: replace kept version %s", iv, v)
		}
	}
}

func TestDropExistingTombstones(t *testing.T) {
	f := newFixture(t, 1)
	ds := "drop"
	spec := localSpec(t, ds, "json", `{"type":"json"}`, `{"type":"dynamic"}`, false, true)
	// Widen the intervals to three days: the empty third day gets a tombstone.
	spec = []byte(strings.Replace(string(spec), "2013-08-31/2013-09-02", "2013-08-31/2013-09-03", 1))
	st := f.run(t, spec)
	if st.StatusCode != StateSuccess {
		t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
	}
	var tomb int
	for _, s := range f.segments(t, ds) {
		if s.ShardSpec.Type == "tombstone" {
			tomb++
			if s.Interval.String() != "2013-09-02T00:00:00.000Z/2013-09-03T00:00:00.000Z" {
				t.Errorf("tombstone at %s", s.Interval)
			}
		}
	}
	if tomb != 1 {
		t.Errorf("tombstones = %d, want 1", tomb)
	}
}

// inlineSpec builds an index_parallel task over inline JSON data.
func inlineSpec(ds, data, extraTuning string) []byte {
	d, _ := json.Marshal(data)
	return []byte(`{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"` + ds + `",
	"timestampSpec":{"column":"ts","format":"auto"},"dimensionsSpec":{"dimensions":["d"]},
	"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"v","fieldName":"v"}],
	"granularitySpec":{"segmentGranularity":"day","queryGranularity":"hour","rollup":true}},
	"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":` + string(d) + `},"inputFormat":{"type":"json"}},
	"tuningConfig":{"type":"index_parallel"` + extraTuning + `}}}`)
}

func TestParseExceptions(t *testing.T) {
	f := newFixture(t, 1)
	data := `{"ts":"2020-01-01T01:00:00Z","d":"a","v":1}
not json
{"ts":"bogus","d":"b","v":2}
{"ts":"2020-01-01T01:30:00Z","d":"a","v":3}
`
	st := f.run(t, inlineSpec("pe_ok", data, `,"maxParseExceptions":2,"maxSavedParseExceptions":5`))
	if st.StatusCode != StateSuccess {
		t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
	}
	r := f.report(t, st.ID)
	if rs := r.RowStats["buildSegments"]; rs.Processed != 2 || rs.Unparseable != 2 {
		t.Errorf("row stats %+v", rs)
	}
	if len(r.UnparseableEvents["buildSegments"]) != 2 {
		t.Errorf("unparseable events %+v", r.UnparseableEvents)
	}
	segs := f.segments(t, "pe_ok")
	if len(segs) != 1 || segs[0].TotalRows != 1 {
		t.Errorf("want one segment with one rolled-up row: %+v", segs)
	}
	st = f.run(t, inlineSpec("pe_fail", data, `,"maxParseExceptions":1`))
	if st.StatusCode != StateFailed || !strings.Contains(st.ErrorMsg, "Max parse exceptions") {
		t.Errorf("want failure on the second parse exception: %s %q", st.StatusCode, st.ErrorMsg)
	}
	if segs := f.segments(t, "pe_fail"); len(segs) != 0 {
		t.Errorf("failed task published %d segments", len(segs))
	}
}

func TestTransformsAndFilter(t *testing.T) {
	f := newFixture(t, 1)
	data := `{"ts":"2020-01-01T01:00:00Z","d":"a","v":1}
{"ts":"2020-01-01T01:00:00Z","d":"b","v":2}
{"ts":"2020-01-01T02:00:00Z","d":"c","v":4}
`
	spec := string(inlineSpec("tf", data, ""))
	spec = strings.Replace(spec, `"rollup":true}`, `"rollup":true},"transformSpec":{"transforms":[{"type":"expression","name":"d","expression":"concat('x-', d)"},{"type":"expression","name":"v","expression":"v * 10"}],"filter":{"type":"not","field":{"type":"selector","dimension":"d","value":"x-c"}}}`, 1)
	st := f.run(t, []byte(spec))
	if st.StatusCode != StateSuccess {
		t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
	}
	if rs := f.report(t, st.ID).RowStats["buildSegments"]; rs.Processed != 2 || rs.ThrownAway != 1 {
		t.Errorf("row stats %+v", rs)
	}
	segs := f.segments(t, "tf")
	ls, _ := deepstorage.ParseLocalLoadSpec(segs[0].LoadSpec)
	seg, err := segment.Open(ls.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	rr, err := seg.NewRowReader()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rr.Next() {
		row := rr.Row()
		got = append(got, row[1].Str+"="+row[3].String())
	}
	want := []string{"x-a=10", "x-b=20"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}

// slowData is enough inline rows that a shutdown lands mid-read.
func slowData(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"ts":"2020-01-01T%02d:00:00Z","d":"k%d","v":%d}`+"\n", i%24, i, i)
	}
	return b.String()
}

func TestShutdownPublishesNothing(t *testing.T) {
	f := newFixture(t, 1)
	id, err := f.svc.Submit(context.Background(), inlineSpec("sd", slowData(400000), ""))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for f.svc.runningTask(id) == nil || f.svc.runningTask(id).prog.processed.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("task never started processing")
		}
		time.Sleep(time.Millisecond)
	}
	if err := f.svc.Shutdown(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	st, err := f.svc.Wait(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if st.StatusCode != StateFailed || st.ErrorMsg != ShutdownMsg {
		t.Errorf("status %s %q", st.StatusCode, st.ErrorMsg)
	}
	if segs := f.segments(t, "sd"); len(segs) != 0 {
		t.Errorf("shut-down task published %d segments", len(segs))
	}
	var files []string
	filepath.Walk(f.deep, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("deep storage holds %v", files)
	}
	if err := f.svc.Shutdown(context.Background(), id); base.ClassOf(err) != base.ClassNotFound {
		t.Errorf("second shutdown: %v", err)
	}
}

func TestLocksSerializeOverlappingTasks(t *testing.T) {
	f := newFixture(t, 2)
	spec := func(ds string) []byte {
		return []byte(strings.Replace(string(inlineSpec(ds, slowData(20000), "")), `"rollup":true}`, `"rollup":true,"intervals":["2020-01-01/2020-01-02"]}`, 1))
	}
	a, err := f.svc.Submit(context.Background(), spec("lk"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Submit(context.Background(), spec("lk"))
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := f.svc.Status(context.Background(), b)
	sa, _ := f.svc.Status(context.Background(), a)
	if sa.RunnerStatusCode == RunnerWaiting && sb.RunnerStatusCode == RunnerWaiting {
		t.Logf("both still waiting for the scheduler")
	}
	if sa.RunnerStatusCode != RunnerWaiting && sb.RunnerStatusCode != RunnerWaiting {
		t.Errorf("overlapping tasks both past WAITING: %s %s", sa.RunnerStatusCode, sb.RunnerStatusCode)
	}
	fa, _ := f.svc.Wait(context.Background(), a)
	fb, _ := f.svc.Wait(context.Background(), b)
	if fa.StatusCode != StateSuccess || fb.StatusCode != StateSuccess {
		t.Fatalf("%+v %+v", fa, fb)
	}
	// b ran after a: its version is newer and overshadows a's.
	segs := f.segments(t, "lk")
	if len(segs) != 2 || segs[0].Version == segs[1].Version {
		t.Errorf("want two versions of the chunk: %+v", segs)
	}
}

func TestRestartRecovery(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	f := newFixture(t, 1)
	_ = dir
	// Simulate a previous process: a RUNNING and a WAITING task in the store.
	for _, c := range []struct {
		id     string
		runner RunnerState
	}{{"index_parallel_r_running", RunnerRunning}, {"index_parallel_r_waiting", RunnerWaiting}} {
		spec := inlineSpec("r", `{"ts":"2020-01-01T00:00:00Z","d":"a","v":1}`, "")
		st := Status{ID: c.id, GroupID: c.id, Type: "index_parallel", CreatedTime: 1, QueueInsertionTime: 1,
			StatusCode: StateRunning, RunnerStatusCode: c.runner, Duration: -1, Location: noLocation, DataSource: "r"}
		sb, _ := json.Marshal(st)
		var m map[string]any
		json.Unmarshal(spec, &m)
		m["id"] = c.id
		pb, _ := json.Marshal(m)
		if err := f.store.InsertTask(ctx, metadataEntry(c.id, pb, sb)); err != nil {
			t.Fatal(err)
		}
	}
	svc2 := New(Config{TaskDir: filepath.Join(t.TempDir(), "tasks"), Capacity: 1, Host: "localhost", Port: 1}, f.store, mustLocal(t, f.deep), nil)
	if err := svc2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc2.Stop(ctx)
	st, err := svc2.Status(ctx, "index_parallel_r_running")
	if err != nil || st.StatusCode != StateFailed || st.ErrorMsg != RestartMsg {
		t.Errorf("running task after restart: %+v %v", st, err)
	}
	st, err = svc2.Wait(ctx, "index_parallel_r_waiting")
	if err != nil || st.StatusCode != StateSuccess {
		t.Errorf("waiting task after restart: %+v %v", st, err)
	}
}

func TestReindexDruidInputSource(t *testing.T) {
	f := newFixture(t, 1)
	st := f.run(t, itSpec(t, "wikipedia_index_task.json", "reidx_src"))
	if st.StatusCode != StateSuccess {
		t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
	}
	var day1 int64
	for _, s := range f.segments(t, "reidx_src") {
		if s.Interval.Start == mustTime("2013-08-31") {
			day1 += s.TotalRows
		}
	}
	spec := itSpec(t, "wikipedia_reindex_druid_input_source_task.json", "reidx_src", "%%REINDEX_DATASOURCE%%", "reidx_dst")
	st = f.run(t, spec)
	if st.StatusCode != StateSuccess {
		t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
	}
	if rs := f.report(t, st.ID).RowStats["buildSegments"]; rs.Processed != day1 || day1 == 0 {
		t.Errorf("processed %d, want the %d source rows of the first day", rs.Processed, day1)
	}
	segs := f.segments(t, "reidx_dst")
	if len(segs) != 1 || segs[0].Interval.String() != "2013-08-31T00:00:00.000Z/2013-09-01T00:00:00.000Z" {
		t.Fatalf("segments %+v", segs)
	}
	if slices.Contains(segs[0].Dimensions, "robot") || slices.Contains(segs[0].Dimensions, "continent") || !slices.Contains(segs[0].Dimensions, "page") {
		t.Errorf("dimensions %v", segs[0].Dimensions)
	}
	if n := segmentRows(t, segs); n != day1 {
		t.Errorf("rows %d, want %d", n, day1)
	}
}

func mustTime(s string) int64 {
	t, err := base.ParseTime(s, nil)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPersistAndMergeRollsUpAcrossSpills(t *testing.T) {
	f := newFixture(t, 1)
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, `{"ts":"2020-01-01T00:%02d:00Z","d":"k%d","v":1}`+"\n", i%60, i%10)
	}
	for _, c := range []struct{ name, partitions string }{
		{"dynamic", `,"partitionsSpec":{"type":"dynamic"}`},
		{"hashed", `,"forceGuaranteedRollup":true,"partitionsSpec":{"type":"hashed","numShards":2}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ds := "spill_" + c.name
			st := f.run(t, inlineSpec(ds, b.String(), `,"maxRowsInMemory":3`+c.partitions))
			if st.StatusCode != StateSuccess {
				t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
			}
			var rows, count int64
			for _, s := range f.segments(t, ds) {
				ls, _ := deepstorage.ParseLocalLoadSpec(s.LoadSpec)
				seg, err := segment.Open(ls.Path)
				if err != nil {
					t.Fatal(err)
				}
				rr, _ := seg.NewRowReader()
				for rr.Next() {
					rows++
					count += rr.Row()[2].Long
				}
				seg.Close()
			}
			// queryGranularity hour: 10 keys in one hour.
			if rows != 10 || count != 100 {
				t.Errorf("rows %d count %d, want 10 rolled-up rows counting 100", rows, count)
			}
		})
	}
}

func TestRestartDeletesUnpublishedPushes(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 1)
	// A pushed file recorded in a dead task's manifest.
	deep := mustLocal(t, f.deep)
	src := filepath.Join(t.TempDir(), "x.seg")
	os.WriteFile(src, []byte("not really a segment"), 0o644)
	seg := base.DataSegment{DataSource: "dead", Interval: base.Interval{Start: 0, End: 86400000}, Version: "v", ShardSpec: base.ShardSpec{Type: "numbered"}}
	ls, _, err := deep.Push(ctx, src, seg)
	if err != nil {
		t.Fatal(err)
	}
	id := "index_parallel_dead_task"
	st := Status{ID: id, GroupID: id, Type: "index_parallel", StatusCode: StateRunning, RunnerStatusCode: RunnerRunning, Duration: -1, Location: noLocation, DataSource: "dead"}
	sb, _ := json.Marshal(st)
	if err := f.store.InsertTask(ctx, metadataEntry(id, []byte(`{}`), sb)); err != nil {
		t.Fatal(err)
	}
	taskDir := filepath.Join(t.TempDir(), "tasks")
	os.MkdirAll(filepath.Join(taskDir, id), 0o755)
	manifest, _ := json.Marshal([]json.RawMessage{ls})
	os.WriteFile(filepath.Join(taskDir, id, "pushed.json"), manifest, 0o644)
	svc := New(Config{TaskDir: taskDir, Capacity: 1}, f.store, deep, nil)
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc.Stop(ctx)
	if ok, _ := deep.Exists(ctx, ls); ok {
		t.Errorf("pushed file of the dead task survived the restart")
	}
	if st, _ := svc.Status(ctx, id); st.StatusCode != StateFailed || st.ErrorMsg != RestartMsg {
		t.Errorf("dead task: %+v", st)
	}
}

func TestUpdatesTutorial(t *testing.T) {
	f := newFixture(t, 1)
	d := itDir(t)
	q := "quickstart/tutorial"
	spec := func(name string) []byte {
		return itSpec(t, name, "updates", `"`+q+`"`, `"`+d+`/data/quickstart"`, `"`+q+`/"`, `"`+d+`/data/quickstart"`)
	}
	run := func(name string) Status {
		st := f.run(t, spec(name))
		if st.StatusCode != StateSuccess {
			t.Fatalf("%s: %s: %s", name, st.StatusCode, st.ErrorMsg)
		}
		return st
	}
	run("tutorial-updates-init-index.json")
	run("tutorial-updates-overwrite-index.json")
	st := run("tutorial-updates-append-index.json") // combining: druid + updates-data3
	if rs := f.report(t, st.ID).RowStats["buildSegments"]; rs.Processed != 7 {
		t.Errorf("combining druid+local processed %d, want 3+4", rs.Processed)
	}
	before := f.segments(t, "updates-tutorial")
	run("tutorial-updates-append-index2.json") // appendToExisting
	after := f.segments(t, "updates-tutorial")
	if len(after) <= len(before) {
		t.Errorf("append added no segment: %d -> %d", len(before), len(after))
	}
}

// A running task that locks the chunks its data hit must not deadlock with
// a pending task that holds them but waits for the running task's slot.
func TestNoLockSlotDeadlock(t *testing.T) {
	f := newFixture(t, 1)
	a, err := f.svc.Submit(context.Background(), []byte(slowFileSpec(t, "dl", 100000)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for f.svc.runningTask(a) == nil {
		if time.Now().After(deadline) {
			t.Fatal("first task never ran")
		}
		time.Sleep(time.Millisecond)
	}
	fixed := strings.Replace(string(inlineSpec("dl", `{"ts":"2020-01-01T00:00:00Z","d":"a","v":1}`, "")), `"rollup":true}`, `"rollup":true,"intervals":["2020-01-01/2020-02-01"]}`, 1)
	b, err := f.svc.Submit(context.Background(), []byte(fixed))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, id := range []string{a, b} {
		st, err := f.svc.Wait(ctx, id)
		if err != nil || st.StatusCode != StateSuccess {
			t.Fatalf("%s: %+v %v", id, st, err)
		}
	}
}

func TestHigherPriorityRevokesLock(t *testing.T) {
	f := newFixture(t, 2)
	withPriority := func(spec string, prio int) []byte {
		spec = strings.Replace(spec, `"rollup":true}`, `"rollup":true,"intervals":["2020-01-01/2020-02-01"]}`, 1)
		return []byte(strings.TrimSuffix(spec, "}") + fmt.Sprintf(`,"context":{"priority":%d}}`, prio))
	}
	low, err := f.svc.Submit(context.Background(), withPriority(slowFileSpec(t, "prio", 200000), 10))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for f.svc.runningTask(low) == nil {
		if time.Now().After(deadline) {
			t.Fatal("low-priority task never ran")
		}
		time.Sleep(time.Millisecond)
	}
	high, err := f.svc.Submit(context.Background(), withPriority(string(inlineSpec("prio", `{"ts":"2020-01-01T00:00:00Z","d":"a","v":1}`, "")), 90))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	hs, err := f.svc.Wait(ctx, high)
	if err != nil || hs.StatusCode != StateSuccess {
		t.Fatalf("high-priority task: %+v %v", hs, err)
	}
	ls, err := f.svc.Wait(ctx, low)
	if err != nil || ls.StatusCode != StateFailed || !strings.Contains(ls.ErrorMsg, "revoked") {
		t.Errorf("low-priority task: %+v %v", ls, err)
	}
	segs := f.segments(t, "prio")
	if len(segs) != 1 || segs[0].TotalRows != 1 {
		t.Errorf("want only the high-priority task's segment: %+v", segs)
	}
}
