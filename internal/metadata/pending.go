package metadata

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// PendingSegment is one row of the pendingSegments table: a segment id
// allocated to a task that has not published it yet.
type PendingSegment struct {
	ID base.SegmentID
	// SequenceName and SequencePrevID are the allocation request's
	// sequence bookkeeping; (datasource, SequenceName, SequencePrevID,
	// interval) is unique.
	SequenceName   string
	SequencePrevID string
	// UpgradedFromSegmentID and TaskAllocatorID are Druid's columns for
	// concurrent append/replace; empty when unused.
	UpgradedFromSegmentID string
	TaskAllocatorID       string
	// CreatedTime is when the row was inserted, in ms.
	CreatedTime int64
	// Payload is the allocated id with its shard spec
	// (SegmentIdWithShardSpec JSON), opaque to this package.
	Payload json.RawMessage
}

// sequenceKey is Druid's sequence_name_prev_id_sha1: the upper-case hex
// SHA-1 of the datasource, sequence name, previous id and interval, which
// makes a retried allocation find its earlier answer.
func sequenceKey(dataSource, sequenceName, prevID string, iv base.Interval) string {
	h := sha1.New()
	for _, s := range []string{dataSource, sequenceName, prevID, base.FormatTime(iv.Start), base.FormatTime(iv.End)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// InsertPendingSegment stores an allocated segment id. A duplicate id or a
// duplicate (sequence name, previous id, interval) is a base.ClassConflict
// error; look the earlier allocation up with PendingSegmentForSequence.
func (s *Store) InsertPendingSegment(ctx context.Context, p PendingSegment) error {
	return s.insertPendingSegment(ctx, s.wdb, p)
}

func (s *Store) insertPendingSegment(ctx context.Context, db querier, p PendingSegment) error {
	id := p.ID
	if id.DataSource == "" || id.Version == "" || id.Interval.IsEmpty() {
		return base.Errorf(base.ClassInvalidInput, "metadata: pending segment %s needs a datasource, a version and a non-empty interval", id)
	}
	if !json.Valid(p.Payload) {
		return base.Errorf(base.ClassInvalidInput, "metadata: payload of pending segment %s is not valid JSON", id)
	}
	for _, f := range [][2]string{{"pending segment id", id.String()}, {"sequence name", p.SequenceName}, {"previous segment id", p.SequencePrevID}} {
		if err := checkLen(f[0], f[1]); err != nil {
			return err
		}
	}
	created := p.CreatedTime
	if created == 0 {
		created = s.nowMillis()
	}
	_, err := db.ExecContext(ctx, s.q(`INSERT INTO {pendingSegments} (id, dataSource, created_date, "start", "end", sequence_name, sequence_prev_id, sequence_name_prev_id_sha1, payload, upgraded_from_segment_id, task_allocator_id, start_ms, end_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id.String(), id.DataSource, base.FormatTime(created), base.FormatTime(id.Interval.Start), base.FormatTime(id.Interval.End),
		p.SequenceName, p.SequencePrevID, sequenceKey(id.DataSource, p.SequenceName, p.SequencePrevID, id.Interval), []byte(p.Payload), nullString(p.UpgradedFromSegmentID), nullString(p.TaskAllocatorID),
		id.Interval.Start, id.Interval.End)
	if isUniqueViolation(err) {
		return base.Errorf(base.ClassConflict, "metadata: pending segment %s (sequence %q after %q) already allocated", id, p.SequenceName, p.SequencePrevID)
	}
	return s.wrap(ctx, err, "metadata: insert pending segment %s", id)
}

const pendingColumns = `id, dataSource, created_date, start_ms, end_ms, sequence_name, sequence_prev_id, payload, upgraded_from_segment_id, task_allocator_id`

// PendingSegments returns the pending segments of dataSource whose
// interval overlaps iv, ordered by interval and id.
func (s *Store) PendingSegments(ctx context.Context, dataSource string, iv base.Interval) ([]PendingSegment, error) {
	return s.pendingOverlapping(ctx, s.rdb, dataSource, iv)
}

func (s *Store) pendingOverlapping(ctx context.Context, db querier, dataSource string, iv base.Interval) ([]PendingSegment, error) {
	return s.pendingRows(ctx, db, `SELECT `+pendingColumns+` FROM {pendingSegments} WHERE dataSource = ? AND end_ms > ? AND start_ms < ? ORDER BY start_ms, end_ms, id`,
		dataSource, iv.Start, iv.End)
}

// PendingSegmentForSequence returns the pending segment allocated earlier
// for the same sequence name, previous id and interval, or a
// base.ClassNotFound error.
func (s *Store) PendingSegmentForSequence(ctx context.Context, dataSource, sequenceName, prevID string, iv base.Interval) (PendingSegment, error) {
	return s.pendingForSequence(ctx, s.rdb, dataSource, sequenceName, prevID, iv)
}

func (s *Store) pendingForSequence(ctx context.Context, db querier, dataSource, sequenceName, prevID string, iv base.Interval) (PendingSegment, error) {
	key := sequenceKey(dataSource, sequenceName, prevID, iv)
	ps, err := s.pendingRows(ctx, db, `SELECT `+pendingColumns+` FROM {pendingSegments} WHERE dataSource = ? AND sequence_name_prev_id_sha1 = ?`, dataSource, key)
	if err != nil {
		return PendingSegment{}, err
	}
	if len(ps) == 0 {
		return PendingSegment{}, base.Errorf(base.ClassNotFound, "metadata: no pending segment of %q for sequence %q after %q in %s", dataSource, sequenceName, prevID, iv)
	}
	return ps[0], nil
}

func (s *Store) pendingRows(ctx context.Context, db querier, q string, args ...any) ([]PendingSegment, error) {
	rows, err := db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: read pending segments of %v", args[0])
	}
	defer rows.Close()
	var out []PendingSegment
	for rows.Next() {
		var p PendingSegment
		var id, ds, created string
		var start, end int64
		var up, alloc sql.NullString
		var payload []byte
		if err := rows.Scan(&id, &ds, &created, &start, &end, &p.SequenceName, &p.SequencePrevID, &payload, &up, &alloc); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read pending segment of %v", args[0])
		}
		sid, err := base.ParseSegmentID(ds, id)
		if err != nil {
			return nil, base.Errorf(base.ClassInternal, "metadata: corrupt pending segment row %q: %w", id, err)
		}
		sid.Interval = base.Interval{Start: start, End: end}
		p.ID, p.CreatedTime, p.Payload = sid, parseISO(created), payload
		p.UpgradedFromSegmentID, p.TaskAllocatorID = up.String, alloc.String
		out = append(out, p)
	}
	return out, s.wrap(ctx, rows.Err(), "metadata: read pending segments of %v", args[0])
}

// DeletePendingSegments deletes the pending segments of dataSource whose
// interval overlaps iv and returns how many went (Druid's
// DELETE /druid/indexer/v1/pendingSegments/{dataSource} uses eternity).
func (s *Store) DeletePendingSegments(ctx context.Context, dataSource string, iv base.Interval) (int, error) {
	res, err := s.wdb.ExecContext(ctx, s.q(`DELETE FROM {pendingSegments} WHERE dataSource = ? AND end_ms > ? AND start_ms < ?`), dataSource, iv.Start, iv.End)
	if err != nil {
		return 0, s.wrap(ctx, err, "metadata: delete pending segments of %q in %s", dataSource, iv)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeletePendingSegmentsCreatedIn deletes the pending segments of
// dataSource created within created (Druid's kill of stale pending
// segments) and returns how many went.
func (s *Store) DeletePendingSegmentsCreatedIn(ctx context.Context, dataSource string, created base.Interval) (int, error) {
	res, err := s.wdb.ExecContext(ctx, s.q(`DELETE FROM {pendingSegments} WHERE dataSource = ? AND created_date >= ? AND created_date < ?`),
		dataSource, isoBound(created.Start), isoBound(created.End))
	if err != nil {
		return 0, s.wrap(ctx, err, "metadata: delete pending segments of %q created in %s", dataSource, created)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
