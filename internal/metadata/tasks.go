package metadata

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// TaskEntry is one row of the tasks table. Payload is the task spec JSON
// and Status the task status JSON, both opaque to this package.
type TaskEntry struct {
	ID         string
	Type       string
	DataSource string
	GroupID    string
	// CreatedTime is the task's creation time in ms.
	CreatedTime int64
	Payload     json.RawMessage
	Status      json.RawMessage
	// Active is true until the task completes.
	Active bool
}

// TaskFilter selects tasks for ListTasks. The zero value selects all.
type TaskFilter struct {
	// Active, when set, keeps active (true) or complete (false) tasks.
	Active *bool
	// DataSource and Type, when set, must match exactly.
	DataSource string
	Type       string
	// Created, when set, keeps tasks created within it.
	Created *base.Interval
	// Max, when positive, caps the number of tasks returned.
	Max int
	// WithoutPayload leaves TaskEntry.Payload nil (cheaper for listings
	// that need only the status).
	WithoutPayload bool
}

// InsertTask inserts a new task. A task with the same id fails with a
// base.ClassConflict error.
func (s *Store) InsertTask(ctx context.Context, e TaskEntry) error {
	return s.insertTask(ctx, s.wdb, e)
}

func (s *Store) insertTask(ctx context.Context, db querier, e TaskEntry) error {
	if e.ID == "" {
		return base.Errorf(base.ClassInvalidInput, "metadata: task with empty id")
	}
	for _, f := range [][2]string{{"task id", e.ID}, {"task type", e.Type}, {"task datasource", e.DataSource}, {"task group id", e.GroupID}} {
		if err := checkLen(f[0], f[1]); err != nil {
			return err
		}
	}
	if !json.Valid(e.Payload) || !json.Valid(e.Status) {
		return base.Errorf(base.ClassInvalidInput, "metadata: task %q needs a JSON payload and a JSON status", e.ID)
	}
	created := e.CreatedTime
	if created == 0 {
		created = s.nowMillis()
	}
	_, err := db.ExecContext(ctx, s.q(`INSERT INTO {tasks} (id, created_date, datasource, payload, status_payload, active, type, group_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		e.ID, base.FormatTime(created), e.DataSource, []byte(e.Payload), []byte(e.Status), e.Active, nullString(e.Type), nullString(e.GroupID))
	if isUniqueViolation(err) {
		return base.Errorf(base.ClassConflict, "metadata: task %q already exists", e.ID)
	}
	return s.wrap(ctx, err, "metadata: insert task %q", e.ID)
}

// UpdateTaskStatus replaces a task's status and active flag. An unknown
// id gives a base.ClassNotFound error.
func (s *Store) UpdateTaskStatus(ctx context.Context, id string, status json.RawMessage, active bool) error {
	if !json.Valid(status) {
		return base.Errorf(base.ClassInvalidInput, "metadata: status for task %q is not valid JSON", id)
	}
	res, err := s.wdb.ExecContext(ctx, s.q(`UPDATE {tasks} SET status_payload = ?, active = ? WHERE id = ?`), []byte(status), active, id)
	if err != nil {
		return s.wrap(ctx, err, "metadata: update status of task %q", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return base.Errorf(base.ClassNotFound, "metadata: task %q not found", id)
	}
	return nil
}

// Task returns a task entry or a base.ClassNotFound error.
func (s *Store) Task(ctx context.Context, id string) (TaskEntry, error) {
	return s.task(ctx, s.rdb, id)
}

func (s *Store) task(ctx context.Context, db querier, id string) (TaskEntry, error) {
	rows, err := db.QueryContext(ctx, s.q(`SELECT `+taskColumns+` FROM {tasks} WHERE id = ?`), id)
	if err != nil {
		return TaskEntry{}, s.wrap(ctx, err, "metadata: read task %q", id)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return TaskEntry{}, s.wrap(ctx, err, "metadata: read task %q", id)
		}
		return TaskEntry{}, base.Errorf(base.ClassNotFound, "metadata: task %q not found", id)
	}
	e, err := scanTask(rows, true)
	return e, s.wrap(ctx, err, "metadata: read task %q", id)
}

const taskColumns = `id, created_date, datasource, payload, status_payload, active, type, group_id`

func scanTask(rows *sql.Rows, withPayload bool) (TaskEntry, error) {
	var e TaskEntry
	var created string
	var typ, group sql.NullString
	var payload, status []byte
	if err := rows.Scan(&e.ID, &created, &e.DataSource, &payload, &status, &e.Active, &typ, &group); err != nil {
		return e, err
	}
	e.CreatedTime = parseISO(created)
	e.Type, e.GroupID = typ.String, group.String
	if withPayload {
		e.Payload = payload
	}
	e.Status = status
	return e, nil
}

// ListTasks returns the tasks matching f. Active tasks come oldest first
// (queue order); complete tasks, and mixed listings, newest first, as
// Druid lists them.
func (s *Store) ListTasks(ctx context.Context, f TaskFilter) ([]TaskEntry, error) {
	var where []string
	var args []any
	if f.Active != nil {
		where = append(where, `active = ?`)
		args = append(args, *f.Active)
	}
	if f.DataSource != "" {
		where = append(where, `datasource = ?`)
		args = append(args, f.DataSource)
	}
	if f.Type != "" {
		where = append(where, `type = ?`)
		args = append(args, f.Type)
	}
	if f.Created != nil {
		// created_date holds ISO-8601 UTC instants of equal width, which
		// sort as strings for years 0000–9999.
		where = append(where, `created_date >= ? AND created_date < ?`)
		args = append(args, isoBound(f.Created.Start), isoBound(f.Created.End))
	}
	cols := taskColumns
	if f.WithoutPayload {
		cols = strings.Replace(cols, "payload, status_payload", "NULL, status_payload", 1)
	}
	q := `SELECT ` + cols + ` FROM {tasks}`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	if f.Active != nil && *f.Active {
		q += ` ORDER BY created_date ASC, id ASC`
	} else {
		q += ` ORDER BY created_date DESC, id DESC`
	}
	if f.Max > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Max)
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: list tasks")
	}
	defer rows.Close()
	var out []TaskEntry
	for rows.Next() {
		e, err := scanTask(rows, !f.WithoutPayload)
		if err != nil {
			return nil, s.wrap(ctx, err, "metadata: read task row")
		}
		out = append(out, e)
	}
	return out, s.wrap(ctx, rows.Err(), "metadata: list tasks")
}

// DeleteTask removes a task with its logs and locks in one transaction.
// An unknown id gives a base.ClassNotFound error.
func (s *Store) DeleteTask(ctx context.Context, id string) error {
	return s.inTx(ctx, "delete task "+id, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM {tasklogs} WHERE task_id = ?`, `DELETE FROM {tasklocks} WHERE task_id = ?`} {
			if _, err := tx.ExecContext(ctx, s.q(q), id); err != nil {
				return s.wrap(ctx, err, "metadata: delete task %q", id)
			}
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM {tasks} WHERE id = ?`), id)
		if err != nil {
			return s.wrap(ctx, err, "metadata: delete task %q", id)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return base.Errorf(base.ClassNotFound, "metadata: task %q not found", id)
		}
		return nil
	})
}

// DeleteCompleteTasksCreatedBefore removes complete tasks created before
// ms, with their logs and locks, in one transaction, and returns how many
// tasks went (Druid's druid.indexer.logs.kill cleanup).
func (s *Store) DeleteCompleteTasksCreatedBefore(ctx context.Context, ms int64) (int, error) {
	cutoff := isoBound(ms)
	n := 0
	err := s.inTx(ctx, "delete old tasks", func(tx *sql.Tx) error {
		sub := `SELECT id FROM {tasks} WHERE active = ? AND created_date < ?`
		for _, q := range []string{`DELETE FROM {tasklogs} WHERE task_id IN (` + sub + `)`, `DELETE FROM {tasklocks} WHERE task_id IN (` + sub + `)`} {
			if _, err := tx.ExecContext(ctx, s.q(q), false, cutoff); err != nil {
				return s.wrap(ctx, err, "metadata: delete tasks created before %s", cutoff)
			}
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM {tasks} WHERE active = ? AND created_date < ?`), false, cutoff)
		if err != nil {
			return s.wrap(ctx, err, "metadata: delete tasks created before %s", cutoff)
		}
		c, _ := res.RowsAffected()
		n = int(c)
		return nil
	})
	return n, err
}

// AppendTaskLog appends an entry (Druid stores task action audit records
// here) to a task's log.
func (s *Store) AppendTaskLog(ctx context.Context, taskID string, entry json.RawMessage) error {
	if !json.Valid(entry) {
		return base.Errorf(base.ClassInvalidInput, "metadata: log entry of task %q is not valid JSON", taskID)
	}
	_, err := s.wdb.ExecContext(ctx, s.q(`INSERT INTO {tasklogs} (task_id, log_payload) VALUES (?, ?)`), taskID, []byte(entry))
	return s.wrap(ctx, err, "metadata: append log of task %q", taskID)
}

// TaskLogs returns a task's log entries in the order they were appended.
func (s *Store) TaskLogs(ctx context.Context, taskID string) ([]json.RawMessage, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT log_payload FROM {tasklogs} WHERE task_id = ? ORDER BY id`), taskID)
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: read logs of task %q", taskID)
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var p []byte
		if err := rows.Scan(&p); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read log of task %q", taskID)
		}
		out = append(out, p)
	}
	return out, s.wrap(ctx, rows.Err(), "metadata: read logs of task %q", taskID)
}

// LockEntry is one row of the tasklocks table. Payload is the TaskLock JSON.
type LockEntry struct {
	ID      int64
	TaskID  string
	Payload json.RawMessage
}

// AddLock stores a lock held by taskID and returns the lock's row id.
func (s *Store) AddLock(ctx context.Context, taskID string, lock json.RawMessage) (int64, error) {
	return s.addLock(ctx, s.wdb, taskID, lock)
}

func (s *Store) addLock(ctx context.Context, db querier, taskID string, lock json.RawMessage) (int64, error) {
	if !json.Valid(lock) {
		return 0, base.Errorf(base.ClassInvalidInput, "metadata: lock for task %q is not valid JSON", taskID)
	}
	var id int64
	err := db.QueryRowContext(ctx, s.q(`INSERT INTO {tasklocks} (task_id, lock_payload) VALUES (?, ?) RETURNING id`), taskID, []byte(lock)).Scan(&id)
	if err != nil {
		return 0, s.wrap(ctx, err, "metadata: add lock of task %q", taskID)
	}
	return id, nil
}

// ReplaceLock replaces the payload of lock id (e.g. to mark it revoked).
// An unknown id gives a base.ClassNotFound error.
func (s *Store) ReplaceLock(ctx context.Context, id int64, lock json.RawMessage) error {
	if !json.Valid(lock) {
		return base.Errorf(base.ClassInvalidInput, "metadata: lock %d is not valid JSON", id)
	}
	res, err := s.wdb.ExecContext(ctx, s.q(`UPDATE {tasklocks} SET lock_payload = ? WHERE id = ?`), []byte(lock), id)
	if err != nil {
		return s.wrap(ctx, err, "metadata: replace lock %d", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return base.Errorf(base.ClassNotFound, "metadata: lock %d not found", id)
	}
	return nil
}

// RemoveLock deletes lock id. An unknown id gives a base.ClassNotFound
// error.
func (s *Store) RemoveLock(ctx context.Context, id int64) error {
	res, err := s.wdb.ExecContext(ctx, s.q(`DELETE FROM {tasklocks} WHERE id = ?`), id)
	if err != nil {
		return s.wrap(ctx, err, "metadata: remove lock %d", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return base.Errorf(base.ClassNotFound, "metadata: lock %d not found", id)
	}
	return nil
}

// Locks returns the locks held by taskID, oldest first.
func (s *Store) Locks(ctx context.Context, taskID string) ([]LockEntry, error) {
	return s.locks(ctx, s.rdb, taskID)
}

func (s *Store) locks(ctx context.Context, db querier, taskID string) ([]LockEntry, error) {
	return s.lockRows(ctx, db, `SELECT id, task_id, lock_payload FROM {tasklocks} WHERE task_id = ? ORDER BY id`, taskID)
}

// ActiveTaskLocks returns the locks of every active task, oldest first
// (what the overlord reloads when it becomes leader).
func (s *Store) ActiveTaskLocks(ctx context.Context) ([]LockEntry, error) {
	return s.lockRows(ctx, s.rdb, `SELECT l.id, l.task_id, l.lock_payload FROM {tasklocks} l JOIN {tasks} t ON t.id = l.task_id WHERE t.active = ? ORDER BY l.id`, true)
}

func (s *Store) lockRows(ctx context.Context, db querier, q string, args ...any) ([]LockEntry, error) {
	rows, err := db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: read task locks")
	}
	defer rows.Close()
	var out []LockEntry
	for rows.Next() {
		var e LockEntry
		var task sql.NullString
		var p []byte
		if err := rows.Scan(&e.ID, &task, &p); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read task lock")
		}
		e.TaskID, e.Payload = task.String, p
		out = append(out, e)
	}
	return out, s.wrap(ctx, rows.Err(), "metadata: read task locks")
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
