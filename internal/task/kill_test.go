package task

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/metadata"
)

// flakyDeep is local deep storage whose Kill fails while fail is set, and,
// when entered is set, announces each Kill there and waits for release.
type flakyDeep struct {
	deepstorage.Storage
	fail    atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (d *flakyDeep) Kill(ctx context.Context, loadSpec json.RawMessage) error {
	if d.entered != nil {
		d.entered <- struct{}{}
		<-d.release
	}
	if d.fail.Load() {
		return errors.New("injected deep storage failure")
	}
	return d.Storage.Kill(ctx, loadSpec)
}

type killFixture struct {
	svc   *Service
	store *metadata.Store
	deep  *flakyDeep
	dir   string
}

func newKillFixture(t testing.TB) *killFixture {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	deep := &flakyDeep{Storage: mustLocal(t, filepath.Join(dir, "deep"))}
	svc := New(Config{TaskDir: filepath.Join(dir, "tasks"), Capacity: 2, Host: "localhost", Port: 8091}, store, deep, nil)
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	return &killFixture{svc: svc, store: store, deep: deep, dir: dir}
}

// seg is a segment to create: interval, version, partition, used.
type seg struct {
	iv      string
	version string
	part    int
	used    bool
}

// publish pushes a small file per segment to deep storage, publishes the
// segments and marks the unused ones unused. It returns the segments in
// the order given.
func (f *killFixture) publish(t testing.TB, ds string, segs ...seg) []base.DataSegment {
	t.Helper()
	ctx := context.Background()
	var out []base.DataSegment
	var unused []base.SegmentID
	for i, s := range segs {
		iv, err := base.ParseInterval(s.iv, nil)
		if err != nil {
			t.Fatal(err)
		}
		d := base.DataSegment{DataSource: ds, Interval: iv, Version: s.version, BinaryVersion: 9,
			ShardSpec: base.ShardSpec{Type: "numbered", PartitionNum: s.part}}
		src := filepath.Join(f.dir, "src", fmt.Sprintf("seg%d", i))
		if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(src, []byte("segment "+d.ID().String()), 0o644); err != nil {
			t.Fatal(err)
		}
		ls, size, err := f.deep.Push(ctx, src, d)
		if err != nil {
			t.Fatal(err)
		}
		d.LoadSpec, d.Size = ls, size
		out = append(out, d)
		if !s.used {
			unused = append(unused, d.ID())
		}
	}
	if err := f.store.PublishSegments(ctx, out, metadata.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(unused) > 0 {
		if _, err := f.store.MarkUnused(ctx, ds, unused); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func (f *killFixture) kill(t testing.TB, body string) (Status, KillStats) {
	t.Helper()
	id, err := f.svc.Submit(context.Background(), []byte(body))
	if err != nil {
		t.Fatalf("submit %s: %v", body, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := f.svc.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Report(id)
	if err != nil {
		t.Fatal(err)
	}
	var r KillReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report %s: %v", b, err)
	}
	if r.KillUnusedSegments.Type != "killUnusedSegments" || r.KillUnusedSegments.TaskID != id {
		t.Errorf("report header = %s", b)
	}
	return st, r.KillUnusedSegments.Payload
}

// present reports which of segs still have a metadata row and a file.
func (f *killFixture) present(t *testing.T, ds string, segs []base.DataSegment) (rows, files []bool) {
	t.Helper()
	ctx := context.Background()
	all := base.Interval{Start: base.MinTime, End: base.MaxTime}
	used, err := f.store.UsedSegments(ctx, ds, all)
	if err != nil {
		t.Fatal(err)
	}
	unused, err := f.store.UnusedSegments(ctx, ds, all, 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, s := range append(used, unused...) {
		ids[s.ID().String()] = true
	}
	for _, s := range segs {
		rows = append(rows, ids[s.ID().String()])
		ok, err := f.deep.Exists(ctx, s.LoadSpec)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, ok)
	}
	return rows, files
}

func TestKillTask(t *testing.T) {
	tests := []struct {
		name    string
		segs    []seg
		body    string
		killed  []bool // per segment: expected to be gone
		nKilled int64
		batches int64
	}{
		{
			name: "only unused segments within the interval",
			segs: []seg{
				{"2020-01-01/2020-01-02", "v1", 0, false}, // killed
				{"2020-01-02/2020-01-03", "v1", 0, false}, // killed
				{"2020-01-02/2020-01-03", "v2", 0, true},  // used: kept
				{"2020-01-03/2020-01-04", "v1", 0, false}, // after the interval: kept
				{"2019-12-31/2020-01-01", "v1", 0, false}, // before the interval: kept
				{"2020-01-02/2020-01-05", "v1", 1, false}, // straddles the end: kept
			},
			body:    `{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-03"}`,
			killed:  []bool{true, true, false, false, false, false},
			nKilled: 2, batches: 1,
		},
		{
			name: "versions filter",
			segs: []seg{
				{"2020-01-01/2020-01-02", "v1", 0, false},
				{"2020-01-01/2020-01-02", "v3", 0, false},
				{"2020-01-02/2020-01-03", "v1", 0, false},
			},
			body:    `{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-02-01","versions":["v1"]}`,
			killed:  []bool{true, false, true},
			nKilled: 2, batches: 1,
		},
		{
			name: "batches and limit",
			segs: []seg{
				{"2020-01-01/2020-01-02", "v1", 0, false},
				{"2020-01-02/2020-01-03", "v1", 0, false},
				{"2020-01-03/2020-01-04", "v1", 0, false},
			},
			body:    `{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-02-01","batchSize":1,"limit":2}`,
			killed:  []bool{true, true, false},
			nKilled: 2, batches: 2,
		},
		{
			name:    "nothing to kill",
			segs:    []seg{{"2020-01-01/2020-01-02", "v1", 0, true}},
			body:    `{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-02-01"}`,
			killed:  []bool{false},
			nKilled: 0, batches: 0,
		},
		{
			name:    "other datasource untouched",
			segs:    []seg{{"2020-01-01/2020-01-02", "v1", 0, false}},
			body:    `{"type":"kill","dataSource":"other","interval":"2020-01-01/2020-02-01"}`,
			killed:  []bool{false},
			nKilled: 0, batches: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newKillFixture(t)
			segs := f.publish(t, "ds", tc.segs...)
			st, stats := f.kill(t, tc.body)
			if st.StatusCode != StateSuccess || st.Type != "kill" {
				t.Fatalf("status = %+v", st)
			}
			if stats.NumSegmentsKilled != tc.nKilled || stats.NumBatchesProcessed != tc.batches {
				t.Errorf("stats = %+v, want killed %d in %d batches", stats, tc.nKilled, tc.batches)
			}
			rows, files := f.present(t, "ds", segs)
			for i, gone := range tc.killed {
				if rows[i] == gone || files[i] == gone {
					t.Errorf("segment %s: row present %v, file present %v; want gone=%v", segs[i].ID().String(), rows[i], files[i], gone)
				}
			}
		})
	}
}

// A deep-storage failure fails the task and leaves the metadata rows, so
// that a second kill task finishes the job.
func TestKillDeepStorageFailureIsRetryable(t *testing.T) {
	f := newKillFixture(t)
	segs := f.publish(t, "ds", seg{"2020-01-01/2020-01-02", "v1", 0, false}, seg{"2020-01-02/2020-01-03", "v1", 0, false})
	body := `{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-03"}`
	f.deep.fail.Store(true)
	st, stats := f.kill(t, body)
	if st.StatusCode != StateFailed || !strings.Contains(st.ErrorMsg, "injected deep storage failure") {
		t.Fatalf("status = %+v", st)
	}
	if stats.NumSegmentsKilled != 0 {
		t.Errorf("killed %d with a failing deep storage", stats.NumSegmentsKilled)
	}
	rows, _ := f.present(t, "ds", segs)
	if !slices.Equal(rows, []bool{true, true}) {
		t.Fatalf("rows after a failed kill = %v, want all present", rows)
	}
	f.deep.fail.Store(false)
	st, stats = f.kill(t, body)
	if st.StatusCode != StateSuccess || stats.NumSegmentsKilled != 2 {
		t.Fatalf("retry: status %+v stats %+v", st, stats)
	}
	rows, files := f.present(t, "ds", segs)
	if slices.Contains(rows, true) || slices.Contains(files, true) {
		t.Fatalf("after retry rows %v files %v, want all gone", rows, files)
	}
}

// The kill task takes an EXCLUSIVE lock on its interval: while another
// task of the datasource holds an overlapping lock it waits.
func TestKillWaitsForLock(t *testing.T) {
	f := newKillFixture(t)
	f.publish(t, "ds", seg{"2020-01-01/2020-01-02", "v1", 0, false})
	// A held lock of another (running, higher-priority) group.
	other := &taskState{status: Status{ID: "holder", GroupID: "holder", DataSource: "ds"}, priority: 100,
		prog: &progress{}}
	iv, _ := base.ParseInterval("2020-01-01/2020-01-02", nil)
	f.svc.mu.Lock()
	if _, ok := f.svc.tryLockLocked(other, []base.Interval{iv}, false); !ok {
		f.svc.mu.Unlock()
		t.Fatal("could not take the test lock")
	}
	f.svc.mu.Unlock()
	id, err := f.svc.Submit(context.Background(), []byte(`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-03"}`))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	st, err := f.svc.Status(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if st.RunnerStatusCode != RunnerWaiting {
		t.Fatalf("kill task runner state = %s while the interval is locked, want WAITING", st.RunnerStatusCode)
	}
	f.svc.mu.Lock()
	for _, h := range f.svc.locks.release("holder") {
		_ = f.store.RemoveLock(context.Background(), h.rowID)
	}
	f.svc.signalLocked()
	f.svc.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err = f.svc.Wait(ctx, id)
	if err != nil || st.StatusCode != StateSuccess {
		t.Fatalf("kill after the lock was released: %+v, %v", st, err)
	}
}

// A higher-priority task revoking the kill task's lock mid-run fails the
// kill task before it deletes any metadata row.
func TestKillRevokedLockStopsBeforeMetadata(t *testing.T) {
	f := newKillFixture(t)
	segs := f.publish(t, "ds", seg{"2020-01-01/2020-01-02", "v1", 0, false})
	f.deep.entered, f.deep.release = make(chan struct{}), make(chan struct{})
	id, err := f.svc.Submit(context.Background(), []byte(`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02"}`))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-f.deep.entered:
	case <-time.After(60 * time.Second):
		t.Fatal("the kill task never reached deep storage")
	}
	index := &taskState{status: Status{ID: "index", GroupID: "index", DataSource: "ds"}, priority: DefaultBatchPriority, prog: &progress{}}
	iv, _ := base.ParseInterval("2020-01-01/2020-01-02", nil)
	f.svc.mu.Lock()
	_, ok := f.svc.tryLockLocked(index, []base.Interval{iv}, false)
	f.svc.mu.Unlock()
	if !ok {
		t.Fatal("a priority-50 task could not revoke the kill task's lock")
	}
	close(f.deep.release)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := f.svc.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.StatusCode != StateFailed || !strings.Contains(st.ErrorMsg, "revoked") {
		t.Fatalf("status %+v, want FAILED naming the revoked lock", st)
	}
	if rows, _ := f.present(t, "ds", segs); !rows[0] {
		t.Error("the kill task deleted a metadata row after its lock was revoked")
	}
}

// A kill task still WAITING when the previous process stopped is queued
// again from its stored payload and runs.
func TestKillRestartRequeues(t *testing.T) {
	f := newKillFixture(t)
	ctx := context.Background()
	segs := f.publish(t, "ds", seg{"2020-01-01/2020-01-02", "v1", 0, false})
	body := []byte(`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02"}`)
	k, err := DecodeKill(body)
	if err != nil {
		t.Fatal(err)
	}
	k.ID, k.GroupID = "kill_ds_waiting", "kill_ds_waiting"
	payload, err := killPayload(body, k)
	if err != nil {
		t.Fatal(err)
	}
	st := Status{ID: k.ID, GroupID: k.ID, Type: "kill", CreatedTime: 1, QueueInsertionTime: 1,
		StatusCode: StateRunning, RunnerStatusCode: RunnerWaiting, Duration: -1, Location: noLocation, DataSource: "ds"}
	sb, _ := json.Marshal(st)
	if err := f.store.InsertTask(ctx, metadata.TaskEntry{ID: k.ID, Type: "kill", DataSource: "ds", GroupID: k.ID,
		CreatedTime: 1, Payload: payload, Status: sb, Active: true}); err != nil {
		t.Fatal(err)
	}
	svc2 := New(Config{TaskDir: filepath.Join(t.TempDir(), "tasks"), Capacity: 1, Host: "localhost", Port: 1}, f.store, f.deep, nil)
	if err := svc2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc2.Stop(ctx)
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	st, err = svc2.Wait(wctx, k.ID)
	if err != nil || st.StatusCode != StateSuccess {
		t.Fatalf("waiting kill task after restart: %+v %v", st, err)
	}
	if rows, files := f.present(t, "ds", segs); rows[0] || files[0] {
		t.Errorf("segment still present after the re-queued kill: row %v file %v", rows[0], files[0])
	}
}

func TestDecodeKill(t *testing.T) {
	const valid base.Class = -1
	tests := []struct {
		body  string
		class base.Class // valid means no error
		want  string     // substring of the error
	}{
		{`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02"}`, valid, ""},
		{`{"type":"kill","id":"k1","dataSource":"ds","interval":"2020-01-01/P1D","versions":["v"],"batchSize":5,"limit":3,"context":{"priority":10}}`, valid, ""},
		{`{"type":"kill","interval":"2020-01-01/2020-01-02"}`, base.ClassInvalidInput, "dataSource"},
		{`{"type":"kill","dataSource":"ds"}`, base.ClassInvalidInput, "interval"},
		{`{"type":"kill","dataSource":"ds","interval":"nope"}`, base.ClassInvalidInput, "interval"},
		{`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02","batchSize":0}`, base.ClassInvalidInput, "batchSize"},
		{`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02","limit":-1}`, base.ClassInvalidInput, "limit"},
		{`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02","versions":[]}`, base.ClassInvalidInput, "versions"},
		{`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02","bogus":1}`, base.ClassInvalidInput, "bogus"},
		{`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02","markAsUnused":true}`, base.ClassUnsupported, "markAsUnused"},
		{`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02","maxUsedStatusLastUpdatedTime":"2020-01-01"}`, base.ClassUnsupported, "maxUsedStatusLastUpdatedTime"},
		{`[1]`, base.ClassInvalidInput, "kill task"},
	}
	for _, tc := range tests {
		k, err := DecodeKill([]byte(tc.body))
		if tc.class == valid {
			if err != nil {
				t.Errorf("%s: %v", tc.body, err)
			} else if k.DataSource != "ds" || k.BatchSize <= 0 {
				t.Errorf("%s: decoded %+v", tc.body, k)
			}
			continue
		}
		if err == nil || base.ClassOf(err) != tc.class || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v (class %v), want class %v naming %q", tc.body, err, base.ClassOf(err), tc.class, tc.want)
		}
	}
	k, err := DecodeKill([]byte(`{"type":"kill","dataSource":"ds","interval":"2020-01-01/P1D","context":{"priority":10}}`))
	if err != nil {
		t.Fatal(err)
	}
	if k.Interval.End-k.Interval.Start != 86_400_000 || killPriority(k.Context) != 10 || killPriority(nil) != DefaultKillPriority {
		t.Errorf("decoded %+v", k)
	}
}

// The stored payload echoes Druid's top-level fields and decodes again
// (a waiting kill task is re-queued from it after a restart).
func TestKillPayloadRoundTrip(t *testing.T) {
	body := []byte(`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02","versions":["v1"]}`)
	k, err := DecodeKill(body)
	if err != nil {
		t.Fatal(err)
	}
	k.ID, k.GroupID = "kill_ds_x", "kill_ds_x"
	p, err := killPayload(body, k)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := DecodeKill(p)
	if err != nil {
		t.Fatalf("payload %s: %v", p, err)
	}
	if k2.ID != k.ID || k2.Interval != k.Interval || !slices.Equal(k2.Versions, k.Versions) || k2.BatchSize != k.BatchSize {
		t.Errorf("round trip %+v != %+v", k2, k)
	}
}

func FuzzDecodeKill(f *testing.F) {
	for _, s := range []string{
		`{"type":"kill","dataSource":"ds","interval":"2020-01-01/2020-01-02"}`,
		`{"type":"kill","dataSource":"ds","interval":"P1D/2020-01-02","versions":["a"],"limit":1,"batchSize":2}`,
		`{"type":"kill","dataSource":"","interval":"x"}`,
		`{}`, `null`, `{"type":"kill","interval":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := DecodeKill(b)
		if err != nil {
			if base.ClassOf(err) != base.ClassInvalidInput && base.ClassOf(err) != base.ClassUnsupported {
				t.Fatalf("error class %v: %v", base.ClassOf(err), err)
			}
			return
		}
		if k.DataSource == "" || k.BatchSize <= 0 || k.Limit < 0 || k.Interval.End < k.Interval.Start {
			t.Fatalf("accepted invalid kill task %+v", k)
		}
	})
}

// BenchmarkKillTask kills 200 unused segments (one day each) per
// iteration, in batches of 100: the cost per segment of the re-checks, the
// file deletions and the metadata deletes.
func BenchmarkKillTask(b *testing.B) {
	const n = 200
	f := newKillFixture(b)
	day0, err := base.ParseTime("2020-01-01", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ds := fmt.Sprintf("bench%d", i)
		segs := make([]seg, n)
		for j := range segs {
			d := base.FormatTime(day0 + int64(j)*86_400_000)
			segs[j] = seg{d + "/P1D", "v1", 0, false}
		}
		f.publish(b, ds, segs...)
		b.StartTimer()
		st, stats := f.kill(b, `{"type":"kill","dataSource":"`+ds+`","interval":"2020-01-01/2030-01-01"}`)
		if st.StatusCode != StateSuccess || stats.NumSegmentsKilled != n {
			b.Fatalf("status %+v stats %+v", st, stats)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/segment")
}
