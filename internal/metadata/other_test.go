package metadata

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/google/go-cmp/cmp"
)

func TestTasks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, Config{})
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
		entries := []TaskEntry{
			{ID: "a", Type: "index_parallel", DataSource: "wiki", GroupID: "a", CreatedTime: t0, Active: true},
			{ID: "b", Type: "kill", DataSource: "wiki", CreatedTime: t0 + 1000, Active: false},
			{ID: "c", Type: "index_parallel", DataSource: "other", GroupID: "g", CreatedTime: t0 + 2000, Active: true},
			{ID: "d", Type: "compact", DataSource: "wiki", CreatedTime: t0 + 3000, Active: false},
		}
		for i := range entries {
			entries[i].Payload = json.RawMessage(`{"id":"` + entries[i].ID + `"}`)
			entries[i].Status = json.RawMessage(`{"status":"RUNNING"}`)
			must(t, s.InsertTask(ctx, entries[i]))
		}
		err := s.InsertTask(ctx, entries[0])
		wantClass(t, err, base.ClassConflict)
		wantClass(t, s.InsertTask(ctx, TaskEntry{ID: "x"}), base.ClassInvalidInput)

		got, err := s.Task(ctx, "c")
		must(t, err)
		if diff := cmp.Diff(entries[2], got); diff != "" {
			t.Fatalf("Task (-want +got):\n%s", diff)
		}
		_, err = s.Task(ctx, "zzz")
		wantClass(t, err, base.ClassNotFound)

		must(t, s.UpdateTaskStatus(ctx, "a", json.RawMessage(`{"status":"SUCCESS"}`), false))
		wantClass(t, s.UpdateTaskStatus(ctx, "zzz", json.RawMessage(`{}`), false), base.ClassNotFound)
		got, err = s.Task(ctx, "a")
		must(t, err)
		if got.Active || string(got.Status) != `{"status":"SUCCESS"}` {
			t.Fatalf("after update: %+v", got)
		}

		yes, no := true, false
		created := base.Interval{Start: t0 + 500, End: t0 + 2500}
		tests := []struct {
			name string
			f    TaskFilter
			want []string
		}{
			{"all newest first", TaskFilter{}, []string{"d", "c", "b", "a"}},
			{"active oldest first", TaskFilter{Active: &yes}, []string{"c"}},
			{"complete newest first", TaskFilter{Active: &no}, []string{"d", "b", "a"}},
			{"complete max 2", TaskFilter{Active: &no, Max: 2}, []string{"d", "b"}},
			{"datasource", TaskFilter{DataSource: "wiki"}, []string{"d", "b", "a"}},
			{"type", TaskFilter{Type: "index_parallel"}, []string{"c", "a"}},
			{"created interval", TaskFilter{Created: &created}, []string{"c", "b"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				list, err := s.ListTasks(ctx, tt.f)
				must(t, err)
				var ids []string
				for _, e := range list {
					ids = append(ids, e.ID)
				}
				if diff := cmp.Diff(tt.want, ids); diff != "" {
					t.Fatalf("ListTasks (-want +got):\n%s", diff)
				}
			})
		}
		list, err := s.ListTasks(ctx, TaskFilter{WithoutPayload: true, Max: 1})
		must(t, err)
		if len(list) != 1 || list[0].Payload != nil || len(list[0].Status) == 0 {
			t.Fatalf("WithoutPayload listing: %+v", list)
		}

		// Logs and locks.
		must(t, s.AppendTaskLog(ctx, "c", json.RawMessage(`{"action":1}`)))
		must(t, s.AppendTaskLog(ctx, "c", json.RawMessage(`{"action":2}`)))
		logs, err := s.TaskLogs(ctx, "c")
		must(t, err)
		if diff := cmp.Diff([]json.RawMessage{json.RawMessage(`{"action":1}`), json.RawMessage(`{"action":2}`)}, logs); diff != "" {
			t.Fatalf("TaskLogs (-want +got):\n%s", diff)
		}
		l1, err := s.AddLock(ctx, "c", json.RawMessage(`{"lock":1}`))
		must(t, err)
		l2, err := s.AddLock(ctx, "c", json.RawMessage(`{"lock":2}`))
		must(t, err)
		_, err = s.AddLock(ctx, "b", json.RawMessage(`{"lock":3}`))
		must(t, err)
		if l2 <= l1 {
			t.Fatalf("lock ids %d, %d not increasing", l1, l2)
		}
		must(t, s.ReplaceLock(ctx, l2, json.RawMessage(`{"lock":2,"revoked":true}`)))
		locks, err := s.Locks(ctx, "c")
		must(t, err)
		want := []LockEntry{{l1, "c", json.RawMessage(`{"lock":1}`)}, {l2, "c", json.RawMessage(`{"lock":2,"revoked":true}`)}}
		if diff := cmp.Diff(want, locks); diff != "" {
			t.Fatalf("Locks (-want +got):\n%s", diff)
		}
		active, err := s.ActiveTaskLocks(ctx)
		must(t, err)
		if diff := cmp.Diff(want, active); diff != "" {
			t.Fatalf("ActiveTaskLocks (-want +got):\n%s", diff)
		}
		must(t, s.RemoveLock(ctx, l1))
		wantClass(t, s.RemoveLock(ctx, l1), base.ClassNotFound)
		wantClass(t, s.ReplaceLock(ctx, l1, json.RawMessage(`{}`)), base.ClassNotFound)
		_, err = s.AddLock(ctx, "c", nil)
		wantClass(t, err, base.ClassInvalidInput)

		// Deleting a task takes its logs and locks.
		must(t, s.DeleteTask(ctx, "c"))
		wantClass(t, s.DeleteTask(ctx, "c"), base.ClassNotFound)
		if n := countRows(t, s, "{tasklogs}"); n != 0 {
			t.Fatalf("%d task logs left", n)
		}
		if n := countRows(t, s, "{tasklocks}"); n != 1 {
			t.Fatalf("%d task locks left, want 1 (task b)", n)
		}
		n, err := s.DeleteCompleteTasksCreatedBefore(ctx, t0+2000)
		must(t, err)
		if n != 2 {
			t.Fatalf("DeleteCompleteTasksCreatedBefore = %d, want 2 (a, b)", n)
		}
		if n := countRows(t, s, "{tasklocks}"); n != 0 {
			t.Fatalf("%d task locks left, want 0", n)
		}
		list, err = s.ListTasks(ctx, TaskFilter{})
		must(t, err)
		if len(list) != 1 || list[0].ID != "d" {
			t.Fatalf("tasks left: %+v", list)
		}
	})
}

func TestRulesAndConfig(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
		s := b.open(t, Config{Clock: clock.now})
		def := json.RawMessage(`[{"type":"loadForever","tieredReplicants":{"_default_tier":2}}]`)
		must(t, s.EnsureDefaultRules(ctx, def, AuditInfo{Author: "dryad"}))
		must(t, s.EnsureDefaultRules(ctx, json.RawMessage(`[]`), AuditInfo{Author: "dryad"}))
		got, err := s.Rules(ctx, DefaultRulesKey)
		must(t, err)
		if string(got) != string(def) {
			t.Fatalf("default rules = %s", got)
		}
		_, err = s.Rules(ctx, "wiki")
		wantClass(t, err, base.ClassNotFound)
		wantClass(t, s.SetRules(ctx, "wiki", json.RawMessage(`{"type":"dropForever"}`), AuditInfo{}), base.ClassInvalidInput)
		wantClass(t, s.SetRules(ctx, "", json.RawMessage(`[]`), AuditInfo{}), base.ClassInvalidInput)

		audit := AuditInfo{Author: "alice", Comment: "keep a month", IP: "10.0.0.1"}
		r1 := json.RawMessage(`[{"type":"loadByPeriod","period":"P1M"},{"type":"dropForever"}]`)
		r2 := json.RawMessage(`[{"type":"dropForever"}]`)
		must(t, s.SetRules(ctx, "wiki", r1, audit))
		// Same millisecond: the version still moves forward.
		must(t, s.SetRules(ctx, "wiki", r2, AuditInfo{Author: "bob"}))
		got, err = s.Rules(ctx, "wiki")
		must(t, err)
		if string(got) != string(r2) {
			t.Fatalf("current rules = %s, want %s", got, r2)
		}
		all, err := s.AllRules(ctx)
		must(t, err)
		if diff := cmp.Diff(map[string]json.RawMessage{DefaultRulesKey: def, "wiki": r2}, all); diff != "" {
			t.Fatalf("AllRules (-want +got):\n%s", diff)
		}
		one := 1
		hist, err := s.RulesHistory(ctx, "wiki", nil, &one)
		must(t, err)
		if len(hist) != 1 || hist[0].AuditInfo.Author != "bob" || string(hist[0].Payload) != string(r2) || hist[0].Key != "wiki" || hist[0].Type != "rules" {
			t.Fatalf("RulesHistory count 1 = %+v", hist)
		}
		hist, err = s.RulesHistory(ctx, "wiki", nil, nil)
		must(t, err)
		if len(hist) != 2 || hist[0].AuditInfo != audit || hist[0].AuditTime != clock.now().UnixMilli() {
			t.Fatalf("RulesHistory last week = %+v", hist)
		}
		old := base.Interval{Start: 0, End: clock.now().UnixMilli() - 1}
		hist, err = s.RulesHistory(ctx, "wiki", &old, nil)
		must(t, err)
		if len(hist) != 0 {
			t.Fatalf("RulesHistory before the change = %+v", hist)
		}
		hist, err = s.RulesHistory(ctx, "", nil, nil)
		must(t, err)
		if len(hist) != 3 {
			t.Fatalf("RulesHistory of all datasources = %d entries, want 3", len(hist))
		}
		zero := 0
		_, err = s.RulesHistory(ctx, "wiki", nil, &zero)
		wantClass(t, err, base.ClassInvalidInput)
		// A week later the default history window is empty.
		clock.set(clock.now().Add(8 * 24 * time.Hour))
		hist, err = s.RulesHistory(ctx, "wiki", nil, nil)
		must(t, err)
		if len(hist) != 0 {
			t.Fatalf("RulesHistory a week later = %d entries", len(hist))
		}
		b2, err := json.Marshal(AuditEntry{Key: "k", Type: "t", AuditInfo: audit, Payload: json.RawMessage(`[1]`), AuditTime: 0})
		must(t, err)
		if want := `{"key":"k","type":"t","auditInfo":{"author":"alice","comment":"keep a month","ip":"10.0.0.1"},"payload":[1],"auditTime":"1970-01-01T00:00:00.000Z"}`; string(b2) != want {
			t.Fatalf("AuditEntry JSON = %s\nwant %s", b2, want)
		}

		// Config.
		_, err = s.Config(ctx, "coordinator.config")
		wantClass(t, err, base.ClassNotFound)
		c1 := json.RawMessage(`{"maxSegmentsToMove":5}`)
		c2 := json.RawMessage(`{"maxSegmentsToMove":100}`)
		must(t, s.SetConfig(ctx, "coordinator.config", c1, audit))
		clock.set(clock.now().Add(time.Second))
		must(t, s.SetConfig(ctx, "coordinator.config", c2, AuditInfo{Author: "bob"}))
		gotc, err := s.Config(ctx, "coordinator.config")
		must(t, err)
		if string(gotc) != string(c2) {
			t.Fatalf("Config = %s", gotc)
		}
		wantClass(t, s.SetConfig(ctx, "x", json.RawMessage(`{`), audit), base.ClassInvalidInput)
		hist, err = s.ConfigHistory(ctx, "coordinator.config", nil, nil)
		must(t, err)
		if len(hist) != 2 || string(hist[0].Payload) != string(c1) || hist[1].AuditInfo.Author != "bob" || hist[0].Type != "coordinator.config" {
			t.Fatalf("ConfigHistory = %+v", hist)
		}
		if n := countRows(t, s, "{config}"); n != 1 {
			t.Fatalf("%d config rows, want 1", n)
		}
	})
}

func TestSupervisors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
		s := b.open(t, Config{Clock: clock.now})
		must(t, s.InsertSupervisor(ctx, "wiki", json.RawMessage(`{"v":1}`)))
		clock.set(clock.now().Add(time.Minute))
		must(t, s.InsertSupervisor(ctx, "wiki", json.RawMessage(`{"v":2}`)))
		must(t, s.InsertSupervisor(ctx, "other", json.RawMessage(`{"v":3}`)))
		wantClass(t, s.InsertSupervisor(ctx, "", json.RawMessage(`{}`)), base.ClassInvalidInput)
		wantClass(t, s.InsertSupervisor(ctx, "x", json.RawMessage(`nope`)), base.ClassInvalidInput)
		latest, err := s.LatestSupervisors(ctx)
		must(t, err)
		if diff := cmp.Diff(map[string]json.RawMessage{"wiki": json.RawMessage(`{"v":2}`), "other": json.RawMessage(`{"v":3}`)}, latest); diff != "" {
			t.Fatalf("LatestSupervisors (-want +got):\n%s", diff)
		}
		hist, err := s.SupervisorHistory(ctx, "wiki")
		must(t, err)
		want := map[string][]SupervisorVersion{"wiki": {
			{json.RawMessage(`{"v":2}`), "2026-05-01T12:01:00.000Z"},
			{json.RawMessage(`{"v":1}`), "2026-05-01T12:00:00.000Z"},
		}}
		if diff := cmp.Diff(want, hist); diff != "" {
			t.Fatalf("SupervisorHistory (-want +got):\n%s", diff)
		}
		hist, err = s.SupervisorHistory(ctx, "")
		must(t, err)
		if len(hist) != 2 || len(hist["other"]) != 1 {
			t.Fatalf("SupervisorHistory all = %v", hist)
		}
	})
}

func TestPendingSegments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
		s := b.open(t, Config{Clock: clock.now})
		mk := func(ivs string, part int, seq, prev string) PendingSegment {
			i := iv(t, ivs)
			return PendingSegment{
				ID:           base.SegmentID{DataSource: "wiki", Interval: i, Version: "2026-05-01T00:00:00.000Z", Partition: part},
				SequenceName: seq, SequencePrevID: prev,
				Payload: json.RawMessage(`{"partition":` + string(rune('0'+part)) + `}`),
			}
		}
		p0 := mk("2020-01-01/2020-01-02", 0, "seq", "")
		p1 := mk("2020-01-01/2020-01-02", 1, "seq", p0.ID.String())
		p2 := mk("2020-01-05/2020-01-06", 0, "seq2", "")
		p2.TaskAllocatorID = "task-1"
		for _, p := range []PendingSegment{p0, p1, p2} {
			must(t, s.InsertPendingSegment(ctx, p))
		}
		wantClass(t, s.InsertPendingSegment(ctx, p0), base.ClassConflict)
		dup := mk("2020-01-01/2020-01-02", 7, "seq", "")
		wantClass(t, s.InsertPendingSegment(ctx, dup), base.ClassConflict)
		bad := p0
		bad.Payload = nil
		wantClass(t, s.InsertPendingSegment(ctx, bad), base.ClassInvalidInput)

		got, err := s.PendingSegments(ctx, "wiki", iv(t, "2020-01-01/2020-01-03"))
		must(t, err)
		p0.CreatedTime = clock.now().UnixMilli()
		p1.CreatedTime = p0.CreatedTime
		p2.CreatedTime = p0.CreatedTime
		if diff := cmp.Diff([]PendingSegment{p0, p1}, got); diff != "" {
			t.Fatalf("PendingSegments (-want +got):\n%s", diff)
		}
		found, err := s.PendingSegmentForSequence(ctx, "wiki", "seq", p0.ID.String(), p1.ID.Interval)
		must(t, err)
		if found.ID != p1.ID {
			t.Fatalf("PendingSegmentForSequence = %v, want %v", found.ID, p1.ID)
		}
		_, err = s.PendingSegmentForSequence(ctx, "wiki", "seq", "other", p1.ID.Interval)
		wantClass(t, err, base.ClassNotFound)

		n, err := s.DeletePendingSegmentsCreatedIn(ctx, "wiki", base.Interval{Start: 0, End: p0.CreatedTime})
		must(t, err)
		if n != 0 {
			t.Fatalf("DeletePendingSegmentsCreatedIn before creation = %d", n)
		}
		n, err = s.DeletePendingSegments(ctx, "wiki", iv(t, "2020-01-01T12:00/2020-01-01T13:00"))
		must(t, err)
		if n != 2 {
			t.Fatalf("DeletePendingSegments = %d, want 2", n)
		}
		n, err = s.DeletePendingSegmentsCreatedIn(ctx, "wiki", base.Interval{Start: 0, End: p0.CreatedTime + 1})
		must(t, err)
		if n != 1 {
			t.Fatalf("DeletePendingSegmentsCreatedIn = %d, want 1", n)
		}
	})
}

func FuzzAuditEntryJSON(f *testing.F) {
	for _, s := range []string{
		`{"key":"k","type":"rules","auditInfo":{"author":"a","comment":"c","ip":"1.2.3.4"},"payload":[{"type":"dropForever"}],"auditTime":"2026-01-01T00:00:00.000Z"}`,
		`{"auditTime":"2026"}`,
		`{"auditTime":5}`,
		`[]`,
		``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var e AuditEntry
		if err := json.Unmarshal([]byte(s), &e); err != nil {
			return
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("marshal decoded entry: %v", err)
		}
		var e2 AuditEntry
		if err := json.Unmarshal(b, &e2); err != nil {
			t.Fatalf("re-decode %s: %v", b, err)
		}
		if e2.AuditTime != e.AuditTime || e2.Key != e.Key || e2.AuditInfo != e.AuditInfo {
			t.Fatalf("round trip changed the entry: %+v → %+v", e, e2)
		}
	})
}

// TestInTx allocates segment ids the way the overlord does (look up the
// sequence, read used and pending segments, insert a pending segment) and
// checks that a failing transaction leaves nothing behind.
func TestInTx(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, Config{})
		day := iv(t, "2020-01-01/2020-01-02")
		must(t, s.PublishSegments(ctx, []base.DataSegment{seg("wiki", "2020-01-01", "2020-01-02", "v1", 0)}, PublishOptions{}))
		allocate := func(seq, prev string) (base.SegmentID, error) {
			var got base.SegmentID
			err := s.InTx(ctx, func(ctx context.Context, tx *Tx) error {
				if p, err := tx.PendingSegmentForSequence(ctx, "wiki", seq, prev, day); err == nil {
					got = p.ID
					return nil
				} else if !base.IsClass(err, base.ClassNotFound) {
					return err
				}
				used, err := tx.UsedSegments(ctx, "wiki", day)
				if err != nil {
					return err
				}
				pending, err := tx.PendingSegments(ctx, "wiki", day)
				if err != nil {
					return err
				}
				next := 0
				for _, u := range used {
					next = max(next, u.ShardSpec.PartitionNum+1)
				}
				for _, p := range pending {
					next = max(next, p.ID.Partition+1)
				}
				got = base.SegmentID{DataSource: "wiki", Interval: day, Version: "v1", Partition: next}
				return tx.InsertPendingSegment(ctx, PendingSegment{ID: got, SequenceName: seq, SequencePrevID: prev, Payload: json.RawMessage(`{}`)})
			})
			return got, err
		}
		id1, err := allocate("s", "")
		must(t, err)
		id2, err := allocate("s", id1.String())
		must(t, err)
		again, err := allocate("s", "")
		must(t, err)
		if id1.Partition != 1 || id2.Partition != 2 || again != id1 {
			t.Fatalf("allocations %v, %v, retry %v", id1, id2, again)
		}

		// Task and lock together; a failure after both inserts keeps
		// neither.
		boom := base.Errorf(base.ClassConflict, "lock lost")
		err = s.InTx(ctx, func(ctx context.Context, tx *Tx) error {
			if err := tx.InsertTask(ctx, TaskEntry{ID: "t1", Payload: []byte(`{}`), Status: []byte(`{}`), Active: true}); err != nil {
				return err
			}
			if _, err := tx.AddLock(ctx, "t1", json.RawMessage(`{}`)); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("InTx returned %v, want the callback's error", err)
		}
		for _, table := range []string{"{tasks}", "{tasklocks}"} {
			if n := countRows(t, s, table); n != 0 {
				t.Fatalf("rolled-back transaction left %d rows in %s", n, table)
			}
		}
		must(t, s.InTx(ctx, func(ctx context.Context, tx *Tx) error {
			if err := tx.InsertTask(ctx, TaskEntry{ID: "t1", Payload: []byte(`{}`), Status: []byte(`{}`), Active: true}); err != nil {
				return err
			}
			_, err := tx.AddLock(ctx, "t1", json.RawMessage(`{}`))
			return err
		}))
		locks, err := s.ActiveTaskLocks(ctx)
		must(t, err)
		if len(locks) != 1 {
			t.Fatalf("%d active locks, want 1", len(locks))
		}
	})
}

func TestSequenceKeyPerDataSource(t *testing.T) {
	s := openSQLiteT(t, Config{})
	ctx := context.Background()
	day := iv(t, "2020-01-01/2020-01-02")
	for _, ds := range []string{"a", "b"} {
		must(t, s.InsertPendingSegment(ctx, PendingSegment{
			ID:           base.SegmentID{DataSource: ds, Interval: day, Version: "v1"},
			SequenceName: "same", Payload: json.RawMessage(`{}`),
		}))
	}
	if k1, k2 := sequenceKey("a", "s", "", day), sequenceKey("a", "s", "p", day); k1 == k2 || len(k1) != 40 {
		t.Fatalf("sequence keys %q and %q", k1, k2)
	}
}

func TestInvalidJSONRejected(t *testing.T) {
	s := openSQLiteT(t, Config{})
	ctx := context.Background()
	bad := json.RawMessage(`{"x":`)
	wantClass(t, s.InsertTask(ctx, TaskEntry{ID: "t", Payload: bad, Status: []byte(`{}`)}), base.ClassInvalidInput)
	wantClass(t, s.InsertTask(ctx, TaskEntry{ID: "t", Payload: []byte(`{}`), Status: bad}), base.ClassInvalidInput)
	must(t, s.InsertTask(ctx, TaskEntry{ID: "t", Payload: []byte(`{}`), Status: []byte(`{}`)}))
	wantClass(t, s.UpdateTaskStatus(ctx, "t", bad, false), base.ClassInvalidInput)
	wantClass(t, s.AppendTaskLog(ctx, "t", bad), base.ClassInvalidInput)
	_, err := s.AddLock(ctx, "t", bad)
	wantClass(t, err, base.ClassInvalidInput)
	id, err := s.AddLock(ctx, "t", json.RawMessage(`{}`))
	must(t, err)
	wantClass(t, s.ReplaceLock(ctx, id, bad), base.ClassInvalidInput)
	must(t, s.Ping(ctx))
}

// TestCorruptPayloads damages stored payloads behind the store's back:
// reads fail with a clear internal error, never a panic.
func TestCorruptPayloads(t *testing.T) {
	s := openSQLiteT(t, Config{})
	ctx := context.Background()
	segs := daySegs("wiki", 3000, "v1") // enough for the parallel decoder
	must(t, s.PublishSegments(ctx, segs, PublishOptions{}))
	_, err := s.wdb.Exec(s.q(`UPDATE {segments} SET payload = ? WHERE id = ?`), []byte(`{"dataSource":`), segs[2500].ID().String())
	must(t, err)
	_, err = s.AllUsedSegments(ctx)
	wantClass(t, err, base.ClassInternal)
	_, err = s.UsedSegments(ctx, "wiki")
	wantClass(t, err, base.ClassInternal)
	_, err = s.Segment(ctx, segs[2500].ID())
	wantClass(t, err, base.ClassInternal)
	rec, err := s.Segment(ctx, segs[0].ID())
	must(t, err)
	if rec.Segment.DataSource != "wiki" {
		t.Fatalf("intact segment read back as %+v", rec.Segment)
	}
	// A corrupt audit row.
	must(t, s.SetRules(ctx, "wiki", json.RawMessage(`[]`), AuditInfo{}))
	_, err = s.wdb.Exec(s.q(`UPDATE {audit} SET payload = ?`), []byte(`not json`))
	must(t, err)
	_, err = s.RulesHistory(ctx, "wiki", nil, nil)
	wantClass(t, err, base.ClassInternal)
}

// TestKeyLength checks that both backends reject keys longer than Druid's
// VARCHAR(255) the same way.
func TestKeyLength(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t, Config{})
		ctx := context.Background()
		long := strings.Repeat("x", 256)
		wantClass(t, s.PublishSegments(ctx, []base.DataSegment{seg(long, "2020-01-01", "2020-01-02", "v1", 0)}, PublishOptions{}), base.ClassInvalidInput)
		wantClass(t, s.InsertTask(ctx, TaskEntry{ID: long, Payload: []byte(`{}`), Status: []byte(`{}`)}), base.ClassInvalidInput)
		wantClass(t, s.InsertPendingSegment(ctx, PendingSegment{ID: base.SegmentID{DataSource: "ds", Interval: iv(t, "2020/2021"), Version: "v"}, SequenceName: long, Payload: []byte(`{}`)}), base.ClassInvalidInput)
		// At the limit is fine.
		must(t, s.InsertTask(ctx, TaskEntry{ID: long[:255], Payload: []byte(`{}`), Status: []byte(`{}`)}))
	})
}

// TestConcurrentSetRules sets rules of one datasource from many
// goroutines at once, all within the same millisecond of the store clock.
func TestConcurrentSetRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		s := b.open(t, Config{Clock: clock.now})
		ctx := context.Background()
		const n = 8
		errs := make(chan error, n*2)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs <- s.SetRules(ctx, "wiki", json.RawMessage(`[]`), AuditInfo{Author: string(rune('a' + i))})
				errs <- s.EnsureDefaultRules(ctx, json.RawMessage(`[]`), AuditInfo{})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		var versions int
		must(t, s.rdb.QueryRow(s.q(`SELECT COUNT(DISTINCT version) FROM {rules} WHERE dataSource = ?`), "wiki").Scan(&versions))
		if versions != n {
			t.Fatalf("%d distinct rule versions, want %d", versions, n)
		}
		if c := countRows(t, s, "{audit}"); c < n+1 {
			t.Fatalf("%d audit rows, want at least %d", c, n+1)
		}
	})
}
