package metadata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func TestPublishAndRead(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		s := b.open(t, Config{Clock: clock.now})
		wiki := daySegs("wiki", 5, "2026-01-01T00:00:00.000Z")
		wiki[2].ShardSpec = base.ShardSpec{Type: "none"}
		wiki[3].LastCompactionState = json.RawMessage(`{"partitionsSpec":{"type":"dynamic"}}`)
		other := daySegs("other", 2, "v1")
		must(t, s.PublishSegments(ctx, append(slices.Clone(wiki), other...), PublishOptions{}))

		all, err := s.AllUsedSegments(ctx)
		must(t, err)
		if len(all) != 7 {
			t.Fatalf("AllUsedSegments: %d, want 7", len(all))
		}
		got, err := s.UsedSegments(ctx, "wiki")
		must(t, err)
		if diff := cmp.Diff(wiki, got); diff != "" {
			t.Fatalf("UsedSegments round trip (-want +got):\n%s", diff)
		}
		rec, err := s.Segment(ctx, wiki[1].ID())
		must(t, err)
		if !rec.Used || rec.CreatedTime != clock.now().UnixMilli() || rec.UsedStatusLastUpdated != rec.CreatedTime {
			t.Fatalf("Segment record = %+v", rec)
		}
		if diff := cmp.Diff(wiki[1], rec.Segment); diff != "" {
			t.Fatalf("Segment (-want +got):\n%s", diff)
		}
		_, err = s.Segment(ctx, base.SegmentID{DataSource: "wiki", Interval: wiki[0].Interval, Version: "nope"})
		wantClass(t, err, base.ClassNotFound)

		ds, err := s.DataSources(ctx, false)
		must(t, err)
		if diff := cmp.Diff([]string{"other", "wiki"}, ds); diff != "" {
			t.Fatalf("DataSources (-want +got):\n%s", diff)
		}

		// Publishing an existing id again leaves the row alone.
		changed := wiki[0]
		changed.Size = 1
		must(t, s.PublishSegments(ctx, []base.DataSegment{changed}, PublishOptions{}))
		rec, err = s.Segment(ctx, wiki[0].ID())
		must(t, err)
		if rec.Segment.Size != 4096 {
			t.Fatalf("republish overwrote the segment: size %d", rec.Segment.Size)
		}
		if n := countRows(t, s, "{segments}"); n != 7 {
			t.Fatalf("%d rows after republish, want 7", n)
		}
	})
}

func TestOverlapQueries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, Config{})
		segs := []base.DataSegment{
			seg("ds", "2020-01-01", "2020-01-02", "v1", 0),
			seg("ds", "2020-01-02", "2020-01-03", "v1", 0),
			seg("ds", "2020-01-02", "2020-01-03", "v1", 1),
			seg("ds", "2020-01-01", "2020-02-01", "v2", 0),
			seg("ds", "-0001-01-01", "2020-01-01", "v1", 0),
			seg("ds", "2020-01-05", "10000-01-01", "v1", 0),
		}
		must(t, s.PublishSegments(ctx, segs, PublishOptions{}))
		tests := []struct {
			name      string
			intervals []string
			want      []int
		}{
			{"no intervals: all", nil, []int{4, 0, 3, 1, 2, 5}},
			{"one day", []string{"2020-01-01/2020-01-02"}, []int{0, 3}},
			{"abutting start is excluded", []string{"2020-01-03/2020-01-04"}, []int{3}},
			{"end is exclusive", []string{"2019-12-31/2020-01-01"}, []int{4}},
			{"two intervals", []string{"2020-01-01T12:00/2020-01-01T13:00", "2020-01-02T12:00/2020-01-02T13:00"}, []int{0, 3, 1, 2}},
			{"far past, beyond 4-digit years", []string{"-0005-01-01/-0001-06-01"}, []int{4}},
			{"far future", []string{"9999-01-01/20000-01-01"}, []int{5}},
			{"only the long one", []string{"2030-01-01/2030-01-02"}, []int{5}},
			{"nothing", []string{"-0010-01-01/-0009-01-01"}, nil},
			{"eternity", []string{"-146136543-09-08T08:23:32.096Z/146140482-04-24T15:36:27.903Z"}, []int{4, 0, 3, 1, 2, 5}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var ivs []base.Interval
				for _, x := range tt.intervals {
					ivs = append(ivs, iv(t, x))
				}
				got, err := s.UsedSegments(ctx, "ds", ivs...)
				must(t, err)
				want := []string{}
				for _, i := range tt.want {
					want = append(want, segs[i].ID().String())
				}
				if diff := cmp.Diff(want, ids(got)); diff != "" {
					t.Fatalf("UsedSegments %v (-want +got):\n%s", tt.intervals, diff)
				}
			})
		}
	})
}

// TestOverlapProperty checks the SQL overlap query against Interval.Overlaps
// on random segments and query intervals.
func TestOverlapProperty(t *testing.T) {
	s := openSQLiteT(t, Config{})
	ctx := context.Background()
	run := 0
	rapid.Check(t, func(rt *rapid.T) {
		run++
		ds := fmt.Sprintf("p%d", run)
		n := rapid.IntRange(1, 12).Draw(rt, "n")
		var segs []base.DataSegment
		for i := range n {
			start := rapid.Int64Range(-1e13, 1e13).Draw(rt, "start")
			length := rapid.Int64Range(1, 1e12).Draw(rt, "len")
			sg := seg(ds, "2020-01-01", "2020-01-02", fmt.Sprintf("v%d", i), 0)
			sg.Interval = base.Interval{Start: start, End: start + length}
			segs = append(segs, sg)
		}
		if err := s.PublishSegments(ctx, segs, PublishOptions{}); err != nil {
			rt.Fatal(err)
		}
		qs := rapid.Int64Range(-1e13, 1e13).Draw(rt, "qstart")
		q := base.Interval{Start: qs, End: qs + rapid.Int64Range(1, 5e12).Draw(rt, "qlen")}
		got, err := s.UsedSegments(ctx, ds, q)
		if err != nil {
			rt.Fatal(err)
		}
		want := map[string]bool{}
		for _, sg := range segs {
			if sg.Interval.Overlaps(q) {
				want[sg.ID().String()] = true
			}
		}
		if len(got) != len(want) {
			rt.Fatalf("query %s: got %d segments, want %d", q, len(got), len(want))
		}
		for _, g := range got {
			if !want[g.ID().String()] {
				rt.Fatalf("query %s returned non-overlapping %s", q, g.ID())
			}
		}
	})
}

func TestMarkUsedUnused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		s := b.open(t, Config{Clock: clock.now})
		segs := daySegs("wiki", 10, "v1")
		must(t, s.PublishSegments(ctx, segs, PublishOptions{}))
		clock.set(clock.now().Add(time.Hour))

		n, err := s.MarkUnused(ctx, "wiki", []base.SegmentID{segs[0].ID(), segs[1].ID(), segs[1].ID()})
		must(t, err)
		if n != 2 {
			t.Fatalf("MarkUnused = %d, want 2", n)
		}
		rec, err := s.Segment(ctx, segs[0].ID())
		must(t, err)
		if rec.Used || rec.UsedStatusLastUpdated != clock.now().UnixMilli() {
			t.Fatalf("after MarkUnused: used=%t updated=%d", rec.Used, rec.UsedStatusLastUpdated)
		}
		// Marking again changes nothing.
		n, err = s.MarkUnused(ctx, "wiki", []base.SegmentID{segs[0].ID()})
		must(t, err)
		if n != 0 {
			t.Fatalf("second MarkUnused = %d, want 0", n)
		}
		_, err = s.MarkUnused(ctx, "other", []base.SegmentID{segs[0].ID()})
		wantClass(t, err, base.ClassInvalidInput)

		// Interval: only segments fully inside it.
		n, err = s.MarkUnusedInInterval(ctx, "wiki", iv(t, "2020-01-03/2020-01-05T12:00"), nil)
		must(t, err)
		if n != 2 {
			t.Fatalf("MarkUnusedInInterval = %d, want 2 (Jan 3 and Jan 4)", n)
		}
		n, err = s.MarkUnusedInInterval(ctx, "wiki", iv(t, "2020-01-01/2021-01-01"), []string{"other-version"})
		must(t, err)
		if n != 0 {
			t.Fatalf("MarkUnusedInInterval with other version = %d, want 0", n)
		}
		unused, err := s.UnusedSegments(ctx, "wiki", iv(t, "2020-01-01/2020-02-01"), 0)
		must(t, err)
		if diff := cmp.Diff(ids(segs[:4]), ids(unused)); diff != "" {
			t.Fatalf("UnusedSegments (-want +got):\n%s", diff)
		}
		unused, err = s.UnusedSegments(ctx, "wiki", iv(t, "2020-01-01/2020-02-01"), 3)
		must(t, err)
		if len(unused) != 3 {
			t.Fatalf("UnusedSegments limit 3 gave %d", len(unused))
		}
		used, err := s.UsedSegments(ctx, "wiki")
		must(t, err)
		if diff := cmp.Diff(ids(segs[4:]), ids(used)); diff != "" {
			t.Fatalf("UsedSegments (-want +got):\n%s", diff)
		}

		n, err = s.MarkUsed(ctx, "wiki", []base.SegmentID{segs[0].ID()})
		must(t, err)
		if n != 1 {
			t.Fatalf("MarkUsed = %d, want 1", n)
		}
		n, err = s.MarkUsedInInterval(ctx, "wiki", iv(t, "2020-01-01/2020-01-10"), []string{"v1"})
		must(t, err)
		if n != 3 {
			t.Fatalf("MarkUsedInInterval = %d, want 3", n)
		}
		n, err = s.MarkAllUnused(ctx, "wiki")
		must(t, err)
		if n != 10 {
			t.Fatalf("MarkAllUnused = %d, want 10", n)
		}
		ds, err := s.DataSources(ctx, false)
		must(t, err)
		if len(ds) != 0 {
			t.Fatalf("DataSources(used) = %v, want none", ds)
		}
		ds, err = s.DataSources(ctx, true)
		must(t, err)
		if diff := cmp.Diff([]string{"wiki"}, ds); diff != "" {
			t.Fatalf("DataSources(includeUnused) (-want +got):\n%s", diff)
		}
		used2 := false
		recs, err := s.Segments(ctx, SegmentFilter{DataSource: "wiki", Used: &used2, Limit: 4})
		must(t, err)
		if len(recs) != 4 || recs[0].Used {
			t.Fatalf("Segments filter gave %d records", len(recs))
		}

		n, err = s.DeleteSegments(ctx, []base.SegmentID{segs[0].ID(), segs[1].ID(), {DataSource: "wiki", Version: "missing"}})
		must(t, err)
		if n != 2 {
			t.Fatalf("DeleteSegments = %d, want 2", n)
		}
		if n := countRows(t, s, "{segments}"); n != 8 {
			t.Fatalf("%d rows left, want 8", n)
		}

		// A used segment is never deleted, even when listed.
		_, err = s.MarkUsed(ctx, "wiki", []base.SegmentID{segs[2].ID()})
		must(t, err)
		n, err = s.DeleteSegments(ctx, []base.SegmentID{segs[2].ID(), segs[3].ID()})
		must(t, err)
		if n != 1 {
			t.Fatalf("DeleteSegments of one used and one unused segment = %d, want 1", n)
		}
		if _, err := s.Segment(ctx, segs[2].ID()); err != nil {
			t.Fatalf("the used segment is gone: %v", err)
		}
	})
}

func TestPublishValidation(t *testing.T) {
	s := openSQLiteT(t, Config{})
	ctx := context.Background()
	good := seg("ds", "2020-01-01", "2020-01-02", "v1", 0)
	tests := []struct {
		name string
		mod  func(*base.DataSegment)
	}{
		{"empty datasource", func(d *base.DataSegment) { d.DataSource = "" }},
		{"empty version", func(d *base.DataSegment) { d.Version = "" }},
		{"empty interval", func(d *base.DataSegment) { d.Interval.End = d.Interval.Start }},
		{"bad loadSpec", func(d *base.DataSegment) { d.LoadSpec = json.RawMessage(`{`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := good
			tt.mod(&bad)
			err := s.PublishSegments(ctx, []base.DataSegment{good, bad}, PublishOptions{})
			wantClass(t, err, base.ClassInvalidInput)
			if n := countRows(t, s, "{segments}"); n != 0 {
				t.Fatalf("%d rows written by a rejected publish", n)
			}
		})
	}
}

func TestPublishCheckAndCommitMetadata(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, Config{})
		must(t, s.InsertTask(ctx, TaskEntry{ID: "task1", DataSource: "ds", Payload: []byte(`{}`), Status: []byte(`{"status":"RUNNING"}`), Active: true}))
		_, err := s.AddLock(ctx, "task1", json.RawMessage(`{"type":"EXCLUSIVE","interval":"2020-01-01/2020-02-01","version":"v1"}`))
		must(t, err)

		errNoLock := errors.New("task has no lock")
		checkLock := func(task string) func(context.Context, *Tx) error {
			return func(ctx context.Context, tx *Tx) error {
				if _, err := tx.Task(ctx, task); err != nil {
					return err
				}
				locks, err := tx.Locks(ctx, task)
				if err != nil {
					return err
				}
				if len(locks) == 0 {
					return errNoLock
				}
				return nil
			}
		}
		segs := daySegs("ds", 3, "v1")
		// A failing check writes nothing and its error comes back as is.
		err = s.PublishSegments(ctx, segs, PublishOptions{Check: checkLock("task2")})
		wantClass(t, err, base.ClassNotFound)
		if n := countRows(t, s, "{segments}"); n != 0 {
			t.Fatalf("failed check left %d rows", n)
		}
		// First streaming publish: nothing stored, Expected nil.
		must(t, s.PublishSegments(ctx, segs[:1], PublishOptions{
			Check:          checkLock("task1"),
			CommitMetadata: &CommitMetadataUpdate{DataSource: "ds", New: json.RawMessage(`{"offsets":{"0":10}}`)},
		}))
		// Wrong expected metadata: conflict, no segment, metadata unchanged.
		err = s.PublishSegments(ctx, segs[1:2], PublishOptions{
			CommitMetadata: &CommitMetadataUpdate{DataSource: "ds", Expected: json.RawMessage(`{"offsets":{"0":5}}`), New: json.RawMessage(`{"offsets":{"0":20}}`)},
		})
		wantClass(t, err, base.ClassConflict)
		if n := countRows(t, s, "{segments}"); n != 1 {
			t.Fatalf("conflicting publish left %d rows, want 1", n)
		}
		// Matching expected (different formatting, same JSON value).
		must(t, s.PublishSegments(ctx, segs[1:2], PublishOptions{
			CommitMetadata: &CommitMetadataUpdate{DataSource: "ds", Expected: json.RawMessage(`{ "offsets": { "0": 10 } }`), New: json.RawMessage(`{"offsets":{"0":20}}`)},
		}))
		md, err := s.CommitMetadata(ctx, "ds")
		must(t, err)
		if !jsonEqual(md, json.RawMessage(`{"offsets":{"0":20}}`)) {
			t.Fatalf("commit metadata = %s", md)
		}
		// Custom matcher.
		must(t, s.CompareAndSwapCommitMetadata(ctx, CommitMetadataUpdate{DataSource: "ds", Match: func(stored json.RawMessage) bool { return len(stored) > 0 }, New: json.RawMessage(`{"offsets":{"0":30}}`)}))
		err = s.CompareAndSwapCommitMetadata(ctx, CommitMetadataUpdate{DataSource: "ds", New: json.RawMessage(`{}`)})
		wantClass(t, err, base.ClassConflict)
		err = s.CompareAndSwapCommitMetadata(ctx, CommitMetadataUpdate{DataSource: "ds", Expected: json.RawMessage(`{}`), New: json.RawMessage(`{`)})
		wantClass(t, err, base.ClassInvalidInput)
		var sha string
		must(t, s.rdb.QueryRow(s.q(`SELECT commit_metadata_sha1 FROM {dataSource} WHERE dataSource = ?`), "ds").Scan(&sha))
		if len(sha) != 40 {
			t.Fatalf("commit_metadata_sha1 = %q", sha)
		}
		ok, err := s.DeleteCommitMetadata(ctx, "ds")
		must(t, err)
		if !ok {
			t.Fatal("DeleteCommitMetadata found nothing")
		}
		_, err = s.CommitMetadata(ctx, "ds")
		wantClass(t, err, base.ClassNotFound)
		ok, err = s.DeleteCommitMetadata(ctx, "ds")
		must(t, err)
		if ok {
			t.Fatal("second DeleteCommitMetadata found something")
		}
	})
}

// TestPublishCancelledMidway cancels the context after the first insert
// batch of a large publish: no row may survive.
func TestPublishCancelledMidway(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		batches := 0
		s.testHook = func(inserted int) {
			batches++
			if batches == 3 {
				cancel()
			}
		}
		err := s.PublishSegments(ctx, daySegs("ds", 2000, "v1"), PublishOptions{
			CommitMetadata: &CommitMetadataUpdate{DataSource: "ds", New: json.RawMessage(`{"x":1}`)},
		})
		s.testHook = nil
		if err == nil {
			t.Fatal("publish with a cancelled context succeeded")
		}
		if !errors.Is(err, context.Canceled) || base.ClassOf(err) != base.ClassCanceled {
			t.Fatalf("error %q (class %v) is not a cancellation", err, base.ClassOf(err))
		}
		if batches < 3 {
			t.Fatalf("only %d batches ran before cancellation", batches)
		}
		for _, table := range []string{"{segments}", "{dataSource}"} {
			if n := countRows(t, s, table); n != 0 {
				t.Fatalf("cancelled publish left %d rows in %s", n, table)
			}
		}
		// The store still works.
		must(t, s.PublishSegments(context.Background(), daySegs("ds", 3, "v1"), PublishOptions{}))
		if n := countRows(t, s, "{segments}"); n != 3 {
			t.Fatalf("%d rows after a later publish, want 3", n)
		}
	})
}

// TestConcurrentWriters runs publishers, markers and readers at once; with
// SQLite this exercises the single-writer pool (no SQLITE_BUSY).
func TestConcurrentWriters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t, Config{})
		ctx := context.Background()
		const writers, rounds, per = 6, 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers*rounds*4)
		for w := range writers {
			wg.Go(func() {
				for r := range rounds {
					ds := fmt.Sprintf("ds%d", w)
					segs := daySegs(ds, per, fmt.Sprintf("v%03d", r))
					if err := s.PublishSegments(ctx, segs, PublishOptions{}); err != nil {
						errs <- err
						return
					}
					if _, err := s.MarkUnused(ctx, ds, []base.SegmentID{segs[0].ID()}); err != nil {
						errs <- err
						return
					}
					if err := s.InsertTask(ctx, TaskEntry{ID: fmt.Sprintf("t-%d-%d", w, r), Payload: []byte(`{}`), Status: []byte(`{}`), Active: true}); err != nil {
						errs <- err
						return
					}
					if err := s.SetRules(ctx, ds, json.RawMessage(`[]`), AuditInfo{Author: "w"}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		for range 3 {
			wg.Go(func() {
				for range rounds * 2 {
					if _, err := s.AllUsedSegments(ctx); err != nil {
						errs <- err
						return
					}
					if _, err := s.ListTasks(ctx, TaskFilter{}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent operation: %v", err)
		}
		all, err := s.AllUsedSegments(ctx)
		must(t, err)
		if want := writers * rounds * (per - 1); len(all) != want {
			t.Fatalf("%d used segments, want %d", len(all), want)
		}
		if n := countRows(t, s, "{tasks}"); n != writers*rounds {
			t.Fatalf("%d tasks, want %d", n, writers*rounds)
		}
		if n := countRows(t, s, "{rules}"); n != writers*rounds {
			t.Fatalf("%d rules versions, want %d", n, writers*rounds)
		}
	})
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	s := openSQLiteT(t, Config{})
	s.Close()
	_, err := s.AllUsedSegments(context.Background())
	wantClass(t, err, base.ClassUnavailable)
}

func TestJSONEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{``, ``, true},
		{``, `null`, true},
		{`null`, `{}`, false},
		{`{"a":1,"b":[1,2]}`, `{ "b": [1, 2], "a": 1 }`, true},
		{`{"a":1}`, `{"a":2}`, false},
		{`{`, `{`, true},
		{`{`, `[`, false},
	}
	for _, tt := range tests {
		if got := jsonEqual(json.RawMessage(tt.a), json.RawMessage(tt.b)); got != tt.want {
			t.Errorf("jsonEqual(%q, %q) = %t, want %t", tt.a, tt.b, got, tt.want)
		}
	}
}
