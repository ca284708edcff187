package metadata

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
)

// SegmentRecord is one row of the segments table.
type SegmentRecord struct {
	Segment base.DataSegment
	Used    bool
	// CreatedTime is when the row was inserted, in ms.
	CreatedTime int64
	// UsedStatusLastUpdated is when Used last changed, in ms.
	UsedStatusLastUpdated int64
}

// PublishOptions controls PublishSegments. The zero value publishes
// unconditionally.
type PublishOptions struct {
	// Check, when set, runs inside the publishing transaction before any
	// row is written; a non-nil error aborts the publish and is returned
	// as is. The overlord verifies its task locks here.
	Check func(ctx context.Context, tx *Tx) error
	// CommitMetadata, when set, is compared and swapped in the dataSource
	// table in the same transaction (Druid's startMetadata/endMetadata for
	// streaming ingestion).
	CommitMetadata *CommitMetadataUpdate
}

// CommitMetadataUpdate is a compare-and-swap of a datasource's commit
// metadata.
type CommitMetadataUpdate struct {
	DataSource string
	// Expected is the metadata that must be stored now, compared as JSON
	// values; nil (or JSON null) means no metadata may be stored yet.
	Expected json.RawMessage
	// Match, when set, replaces the comparison with Expected: it gets the
	// stored metadata (nil when none) and reports whether the swap may go
	// ahead.
	Match func(stored json.RawMessage) bool
	// New is the metadata to store.
	New json.RawMessage
}

// Tx is a write transaction as seen by PublishOptions.Check or an InTx
// callback. It is valid only during that call and must not be used from
// other goroutines. After a Tx method fails, return its error: on
// PostgreSQL a failed statement aborts the whole transaction.
type Tx struct {
	s  *Store
	tx *sql.Tx
}

// InTx runs fn in one write transaction and commits it when fn returns
// nil; any error rolls back everything fn did. Use it to combine the Tx
// operations, e.g. the overlord's segment allocation (read pending and
// used segments, insert a pending segment) or inserting a task with its
// first lock. SQLite runs write transactions one at a time; PostgreSQL
// runs them concurrently at READ COMMITTED, where two allocations may read
// the same state and the second insert then fails on a unique key with a
// base.ClassConflict error: retry the whole InTx.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return s.inTx(ctx, "transaction", func(tx *sql.Tx) error {
		return fn(ctx, &Tx{s: s, tx: tx})
	})
}

// InsertTask is Store.InsertTask inside the transaction.
func (t *Tx) InsertTask(ctx context.Context, e TaskEntry) error {
	return t.s.insertTask(ctx, t.tx, e)
}

// AddLock is Store.AddLock inside the transaction.
func (t *Tx) AddLock(ctx context.Context, taskID string, lock json.RawMessage) (int64, error) {
	return t.s.addLock(ctx, t.tx, taskID, lock)
}

// InsertPendingSegment is Store.InsertPendingSegment inside the
// transaction.
func (t *Tx) InsertPendingSegment(ctx context.Context, p PendingSegment) error {
	return t.s.insertPendingSegment(ctx, t.tx, p)
}

// PendingSegments is Store.PendingSegments inside the transaction.
func (t *Tx) PendingSegments(ctx context.Context, dataSource string, iv base.Interval) ([]PendingSegment, error) {
	return t.s.pendingOverlapping(ctx, t.tx, dataSource, iv)
}

// PendingSegmentForSequence is Store.PendingSegmentForSequence inside the
// transaction.
func (t *Tx) PendingSegmentForSequence(ctx context.Context, dataSource, sequenceName, prevID string, iv base.Interval) (PendingSegment, error) {
	return t.s.pendingForSequence(ctx, t.tx, dataSource, sequenceName, prevID, iv)
}

// Locks returns the task locks stored for taskID.
func (t *Tx) Locks(ctx context.Context, taskID string) ([]LockEntry, error) {
	return t.s.locks(ctx, t.tx, taskID)
}

// Task returns the task entry, or a base.ClassNotFound error.
func (t *Tx) Task(ctx context.Context, id string) (TaskEntry, error) {
	return t.s.task(ctx, t.tx, id)
}

// CommitMetadata returns the datasource's commit metadata, or a
// base.ClassNotFound error.
func (t *Tx) CommitMetadata(ctx context.Context, dataSource string) (json.RawMessage, error) {
	return t.s.commitMetadata(ctx, t.tx, dataSource)
}

// UsedSegments returns the used segments of dataSource overlapping any of
// intervals (all of them when none is given).
func (t *Tx) UsedSegments(ctx context.Context, dataSource string, intervals ...base.Interval) ([]base.DataSegment, error) {
	used := true
	recs, err := t.s.segments(ctx, t.tx, SegmentFilter{DataSource: dataSource, Intervals: intervals, Used: &used})
	return payloads(recs), err
}

const segmentColumns = `id, dataSource, created_date, "start", "end", partitioned, version, used, payload, used_status_last_updated, num_rows, start_ms, end_ms`

// publishBatch is how many rows one INSERT statement carries.
const publishBatch = 100

// PublishSegments inserts segs as used segments in one transaction, after
// running opts.Check and the commit-metadata swap. A segment whose id is
// already stored is left as it is (Druid skips existing ids). Either all
// new rows are written or none.
func (s *Store) PublishSegments(ctx context.Context, segs []base.DataSegment, opts PublishOptions) error {
	if len(segs) == 0 && opts.CommitMetadata == nil {
		return nil
	}
	now := s.nowMillis()
	nowISO := base.FormatTime(now)
	rows := make([][]any, len(segs))
	for i := range segs {
		r, err := segmentRow(&segs[i], nowISO)
		if err != nil {
			return err
		}
		rows[i] = r
	}
	what := "publish segments"
	if len(segs) > 0 {
		what = "publish segments of datasource " + segs[0].DataSource
	}
	return s.inTx(ctx, what, func(tx *sql.Tx) error {
		if opts.Check != nil {
			if err := opts.Check(ctx, &Tx{s: s, tx: tx}); err != nil {
				return err
			}
		}
		if u := opts.CommitMetadata; u != nil {
			if err := s.swapCommitMetadata(ctx, tx, *u); err != nil {
				return err
			}
		}
		for start := 0; start < len(rows); start += publishBatch {
			end := min(start+publishBatch, len(rows))
			args := make([]any, 0, (end-start)*13)
			for _, r := range rows[start:end] {
				args = append(args, r...)
			}
			if _, err := tx.ExecContext(ctx, s.q(insertSegmentsSQL(end-start)), args...); err != nil {
				return s.wrap(ctx, err, "metadata: insert segments %s … (%d rows)", rows[start][0], end-start)
			}
			if s.testHook != nil {
				s.testHook(end)
			}
		}
		return nil
	})
}

func insertSegmentsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO {segments} (` + segmentColumns + `) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`(?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	}
	b.WriteString(` ON CONFLICT (id) DO NOTHING`)
	return b.String()
}

// segmentRow validates seg and returns its column values.
func segmentRow(seg *base.DataSegment, nowISO string) ([]any, error) {
	switch {
	case seg.DataSource == "":
		return nil, base.Errorf(base.ClassInvalidInput, "metadata: segment with empty dataSource")
	case seg.Version == "":
		return nil, base.Errorf(base.ClassInvalidInput, "metadata: segment of %q with empty version", seg.DataSource)
	case seg.Interval.IsEmpty():
		return nil, base.Errorf(base.ClassInvalidInput, "metadata: segment of %q has empty interval %s", seg.DataSource, seg.Interval)
	}
	id := seg.ID().String()
	if err := checkLen("segment id", id); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(seg)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "metadata: encode segment %s: %w", id, err)
	}
	var numRows any
	if seg.TotalRows > 0 {
		numRows = seg.TotalRows
	}
	iv := seg.Interval
	return []any{
		id, seg.DataSource, nowISO,
		base.FormatTime(iv.Start), base.FormatTime(iv.End),
		seg.ShardSpec.Type != "none", seg.Version, true, payload, nowISO, numRows,
		iv.Start, iv.End,
	}, nil
}

// MarkUsed marks the listed segments of dataSource used and returns how
// many changed. All changes happen in one transaction.
func (s *Store) MarkUsed(ctx context.Context, dataSource string, ids []base.SegmentID) (int, error) {
	return s.markIDs(ctx, dataSource, ids, true)
}

// MarkUnused marks the listed segments of dataSource unused and returns
// how many changed.
func (s *Store) MarkUnused(ctx context.Context, dataSource string, ids []base.SegmentID) (int, error) {
	return s.markIDs(ctx, dataSource, ids, false)
}

func (s *Store) markIDs(ctx context.Context, dataSource string, ids []base.SegmentID, used bool) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		if id.DataSource != dataSource {
			return 0, base.Errorf(base.ClassInvalidInput, "metadata: segment %s does not belong to datasource %q", id, dataSource)
		}
		strs[i] = id.String()
	}
	slices.Sort(strs)
	strs = slices.Compact(strs)
	total := 0
	now := s.nowISO()
	err := s.inTx(ctx, "mark segments of "+dataSource, func(tx *sql.Tx) error {
		for start := 0; start < len(strs); start += 500 {
			chunk := strs[start:min(start+500, len(strs))]
			args := []any{used, now, dataSource, !used}
			for _, id := range chunk {
				args = append(args, id)
			}
			res, err := tx.ExecContext(ctx, s.qd(`UPDATE {segments} SET used = ?, used_status_last_updated = ? WHERE dataSource = ? AND used = ? AND id IN (`+placeholders(len(chunk))+`)`), args...)
			if err != nil {
				return s.wrap(ctx, err, "metadata: mark %d segments of %q used=%t", len(chunk), dataSource, used)
			}
			n, _ := res.RowsAffected()
			total += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// MarkUsedInInterval marks used the unused segments of dataSource whose
// interval lies within iv, restricted to versions when that is non-empty,
// and returns how many changed. Overshadowing is not considered here: the
// caller filters with the timeline when it must.
func (s *Store) MarkUsedInInterval(ctx context.Context, dataSource string, iv base.Interval, versions []string) (int, error) {
	return s.markInterval(ctx, dataSource, iv, versions, true)
}

// MarkUnusedInInterval marks unused the used segments of dataSource whose
// interval lies within iv (restricted to versions when non-empty) and
// returns how many changed.
func (s *Store) MarkUnusedInInterval(ctx context.Context, dataSource string, iv base.Interval, versions []string) (int, error) {
	return s.markInterval(ctx, dataSource, iv, versions, false)
}

// MarkAllUnused marks every segment of dataSource unused and returns how
// many changed (Druid's DELETE /druid/coordinator/v1/datasources/{ds}).
func (s *Store) MarkAllUnused(ctx context.Context, dataSource string) (int, error) {
	return s.markInterval(ctx, dataSource, base.Interval{Start: base.MinTime, End: base.MaxTime}, nil, false)
}

func (s *Store) markInterval(ctx context.Context, dataSource string, iv base.Interval, versions []string, used bool) (int, error) {
	q := `UPDATE {segments} SET used = ?, used_status_last_updated = ? WHERE dataSource = ? AND used = ? AND start_ms >= ? AND end_ms <= ?`
	args := []any{used, s.nowISO(), dataSource, !used, iv.Start, iv.End}
	if len(versions) > 0 {
		q += ` AND version IN (` + placeholders(len(versions)) + `)`
		for _, v := range versions {
			args = append(args, v)
		}
	}
	res, err := s.wdb.ExecContext(ctx, s.qd(q), args...)
	if err != nil {
		return 0, s.wrap(ctx, err, "metadata: mark segments of %q in %s used=%t", dataSource, iv, used)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SegmentFilter selects segment rows.
type SegmentFilter struct {
	// DataSource, when set, restricts to one datasource.
	DataSource string
	// Intervals, when non-empty, keeps segments overlapping any of them
	// (start < interval end and end > interval start).
	Intervals []base.Interval
	// Used, when set, keeps only used (true) or unused (false) segments.
	Used *bool
	// Limit, when positive, caps the number of rows.
	Limit int
}

// Segments returns the segment rows matching f, ordered by datasource,
// start, end, version and id.
func (s *Store) Segments(ctx context.Context, f SegmentFilter) ([]SegmentRecord, error) {
	return s.segments(ctx, s.rdb, f)
}

func (s *Store) segments(ctx context.Context, db querier, f SegmentFilter) ([]SegmentRecord, error) {
	var where []string
	var args []any
	if f.DataSource != "" {
		where = append(where, `dataSource = ?`)
		args = append(args, f.DataSource)
	}
	if f.Used != nil {
		where = append(where, `used = ?`)
		args = append(args, *f.Used)
	}
	if len(f.Intervals) > 0 {
		var ors []string
		for _, iv := range base.CondenseIntervals(slices.Clone(f.Intervals)) {
			ors = append(ors, `(end_ms > ? AND start_ms < ?)`)
			args = append(args, iv.Start, iv.End)
		}
		where = append(where, `(`+strings.Join(ors, ` OR `)+`)`)
	}
	q := `SELECT payload, used, created_date, used_status_last_updated FROM {segments}`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY dataSource, start_ms, end_ms, version, id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.QueryContext(ctx, s.qd(q), args...)
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: list segments of %q", f.DataSource)
	}
	defer rows.Close()
	var recs []SegmentRecord
	var raw [][]byte
	for rows.Next() {
		var p []byte
		var r SegmentRecord
		var created, updated string
		if err := rows.Scan(&p, &r.Used, &created, &updated); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read segment row of %q", f.DataSource)
		}
		r.CreatedTime = parseISO(created)
		r.UsedStatusLastUpdated = parseISO(updated)
		recs = append(recs, r)
		raw = append(raw, p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, err, "metadata: list segments of %q", f.DataSource)
	}
	out := make([]base.DataSegment, len(raw))
	if err := decodeSegments(raw, out); err != nil {
		return nil, err
	}
	for i := range recs {
		recs[i].Segment = out[i]
	}
	return recs, nil
}

// decodeSegments decodes payloads into out, in parallel for large inputs.
func decodeSegments(raw [][]byte, out []base.DataSegment) error {
	workers := runtime.GOMAXPROCS(0)
	if len(raw) < 2048 || workers == 1 {
		for i, p := range raw {
			if err := out[i].UnmarshalJSON(p); err != nil {
				return base.Errorf(base.ClassInternal, "metadata: corrupt segment payload #%d: %w", i, err)
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	chunk := (len(raw) + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(raw))
		if lo >= hi {
			break
		}
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if err := out[i].UnmarshalJSON(raw[i]); err != nil {
					errs[w] = base.Errorf(base.ClassInternal, "metadata: corrupt segment payload #%d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func payloads(recs []SegmentRecord) []base.DataSegment {
	if recs == nil {
		return nil
	}
	out := make([]base.DataSegment, len(recs))
	for i := range recs {
		out[i] = recs[i].Segment
	}
	return out
}

// UsedSegments returns the used segments of dataSource overlapping any of
// intervals, or all its used segments when none is given.
func (s *Store) UsedSegments(ctx context.Context, dataSource string, intervals ...base.Interval) ([]base.DataSegment, error) {
	used := true
	recs, err := s.segments(ctx, s.rdb, SegmentFilter{DataSource: dataSource, Intervals: intervals, Used: &used})
	return payloads(recs), err
}

// AllUsedSegments returns every used segment of every datasource (the
// coordinator's periodic poll).
func (s *Store) AllUsedSegments(ctx context.Context) ([]base.DataSegment, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT payload FROM {segments} WHERE used = ?`), true)
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: list used segments")
	}
	defer rows.Close()
	var raw [][]byte
	for rows.Next() {
		var p []byte
		if err := rows.Scan(&p); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read used segment row")
		}
		raw = append(raw, p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, err, "metadata: list used segments")
	}
	out := make([]base.DataSegment, len(raw))
	if err := decodeSegments(raw, out); err != nil {
		return nil, err
	}
	return out, nil
}

// UnusedSegments returns the unused segments of dataSource whose interval
// lies within iv, oldest interval first, at most limit of them when limit
// is positive (what a kill task deletes).
func (s *Store) UnusedSegments(ctx context.Context, dataSource string, iv base.Interval, limit int) ([]base.DataSegment, error) {
	q := `SELECT payload FROM {segments} WHERE dataSource = ? AND used = ? AND start_ms >= ? AND end_ms <= ? ORDER BY start_ms, end_ms, version, id`
	args := []any{dataSource, false, iv.Start, iv.End}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: list unused segments of %q in %s", dataSource, iv)
	}
	defer rows.Close()
	var raw [][]byte
	for rows.Next() {
		var p []byte
		if err := rows.Scan(&p); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read unused segment of %q", dataSource)
		}
		raw = append(raw, p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, err, "metadata: list unused segments of %q in %s", dataSource, iv)
	}
	out := make([]base.DataSegment, len(raw))
	return out, decodeSegments(raw, out)
}

// Segment returns one segment row, used or not, or a base.ClassNotFound
// error.
func (s *Store) Segment(ctx context.Context, id base.SegmentID) (SegmentRecord, error) {
	var p []byte
	var r SegmentRecord
	var created, updated string
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT payload, used, created_date, used_status_last_updated FROM {segments} WHERE id = ?`), id.String()).
		Scan(&p, &r.Used, &created, &updated)
	if err == sql.ErrNoRows {
		return SegmentRecord{}, base.Errorf(base.ClassNotFound, "metadata: segment %s not found", id)
	}
	if err != nil {
		return SegmentRecord{}, s.wrap(ctx, err, "metadata: read segment %s", id)
	}
	if err := r.Segment.UnmarshalJSON(p); err != nil {
		return SegmentRecord{}, base.Errorf(base.ClassInternal, "metadata: corrupt payload of segment %s: %w", id, err)
	}
	r.CreatedTime = parseISO(created)
	r.UsedStatusLastUpdated = parseISO(updated)
	return r, nil
}

// DeleteSegments deletes the rows of the listed segments that are unused,
// in one transaction, and returns how many it deleted (kill tasks call it
// after the files are gone from deep storage). A used segment is never
// deleted: the used check happens inside the deleting transaction, so a
// segment marked used again while a kill runs keeps its row.
func (s *Store) DeleteSegments(ctx context.Context, ids []base.SegmentID) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = id.String()
	}
	slices.Sort(strs)
	strs = slices.Compact(strs)
	total := 0
	err := s.inTx(ctx, "delete segments", func(tx *sql.Tx) error {
		for start := 0; start < len(strs); start += 500 {
			chunk := strs[start:min(start+500, len(strs))]
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			args = append(args, false)
			res, err := tx.ExecContext(ctx, s.qd(`DELETE FROM {segments} WHERE id IN (`+placeholders(len(chunk))+`) AND used = ?`), args...)
			if err != nil {
				return s.wrap(ctx, err, "metadata: delete segments %s …", chunk[0])
			}
			n, _ := res.RowsAffected()
			total += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// DataSources returns the sorted names of datasources that have used
// segments, or any segments when includeUnused is true.
func (s *Store) DataSources(ctx context.Context, includeUnused bool) ([]string, error) {
	q := `SELECT DISTINCT dataSource FROM {segments} WHERE used = ? ORDER BY dataSource`
	args := []any{true}
	if includeUnused {
		q = `SELECT DISTINCT dataSource FROM {segments} ORDER BY dataSource`
		args = nil
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: list datasources")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ds string
		if err := rows.Scan(&ds); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read datasource name")
		}
		out = append(out, ds)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, err, "metadata: list datasources")
	}
	slices.Sort(out) // the databases' collations differ; Go's order is the contract
	return out, nil
}

// maxKeyLen is the width of Druid's VARCHAR(255) key columns. PostgreSQL
// enforces it and SQLite does not, so the store checks it for both.
const maxKeyLen = 255

func checkLen(what, v string) error {
	if len(v) > maxKeyLen {
		return base.Errorf(base.ClassInvalidInput, "metadata: %s %q is %d bytes long, longer than %d", what, v[:40]+"…", len(v), maxKeyLen)
	}
	return nil
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// jsonEqual reports whether a and b are the same JSON value (nil and
// null are equal).
func jsonEqual(a, b json.RawMessage) bool {
	a, b = bytes.TrimSpace(a), bytes.TrimSpace(b)
	if isNull(a) || isNull(b) {
		return isNull(a) && isNull(b)
	}
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	ca, _ := json.Marshal(va)
	cb, _ := json.Marshal(vb)
	return bytes.Equal(ca, cb)
}

func isNull(b []byte) bool { return len(b) == 0 || string(b) == "null" }
