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

// SupervisorVersion is one stored version of a supervisor spec, as
// Druid's supervisor history endpoint reports it.
type SupervisorVersion struct {
	Spec json.RawMessage `json:"spec"`
	// Version is the ISO instant the version was stored.
	Version string `json:"version"`
}

// InsertSupervisor stores a new version of supervisor specID's spec (a
// terminated supervisor gets a tombstone spec, as in Druid).
func (s *Store) InsertSupervisor(ctx context.Context, specID string, spec json.RawMessage) error {
	if specID == "" {
		return base.Errorf(base.ClassInvalidInput, "metadata: supervisor spec needs an id")
	}
	if !json.Valid(spec) {
		return base.Errorf(base.ClassInvalidInput, "metadata: spec of supervisor %q is not valid JSON", specID)
	}
	_, err := s.wdb.ExecContext(ctx, s.q(`INSERT INTO {supervisors} (spec_id, created_date, payload) VALUES (?, ?, ?)`), specID, s.nowISO(), []byte(spec))
	return s.wrap(ctx, err, "metadata: insert spec of supervisor %q", specID)
}

// LatestSupervisors returns the newest spec of every supervisor, keyed by
// id.
func (s *Store) LatestSupervisors(ctx context.Context) (map[string]json.RawMessage, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT r.spec_id, r.payload FROM {supervisors} r
JOIN (SELECT spec_id, MAX(id) AS id FROM {supervisors} GROUP BY spec_id) m ON r.id = m.id`))
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: read supervisors")
	}
	defer rows.Close()
	out := map[string]json.RawMessage{}
	for rows.Next() {
		var id string
		var p []byte
		if err := rows.Scan(&id, &p); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read supervisor row")
		}
		out[id] = p
	}
	return out, s.wrap(ctx, rows.Err(), "metadata: read supervisors")
}

// SupervisorHistory returns the stored versions of specID, newest first,
// or all supervisors' histories keyed by id when specID is empty.
func (s *Store) SupervisorHistory(ctx context.Context, specID string) (map[string][]SupervisorVersion, error) {
	q := `SELECT spec_id, payload, created_date FROM {supervisors}`
	var args []any
	if specID != "" {
		q += ` WHERE spec_id = ?`
		args = append(args, specID)
	}
	q += ` ORDER BY id DESC`
	rows, err := s.rdb.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: read history of supervisor %q", specID)
	}
	defer rows.Close()
	out := map[string][]SupervisorVersion{}
	for rows.Next() {
		var id, created string
		var p []byte
		if err := rows.Scan(&id, &p, &created); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read history of supervisor %q", specID)
		}
		out[id] = append(out[id], SupervisorVersion{Spec: p, Version: created})
	}
	return out, s.wrap(ctx, rows.Err(), "metadata: read history of supervisor %q", specID)
}

// CommitMetadata returns the commit metadata stored for dataSource (the
// stream offsets a streaming ingestion committed with its segments), or a
// base.ClassNotFound error.
func (s *Store) CommitMetadata(ctx context.Context, dataSource string) (json.RawMessage, error) {
	return s.commitMetadata(ctx, s.rdb, dataSource)
}

func (s *Store) commitMetadata(ctx context.Context, db querier, dataSource string) (json.RawMessage, error) {
	var p []byte
	err := db.QueryRowContext(ctx, s.q(`SELECT commit_metadata_payload FROM {dataSource} WHERE dataSource = ?`), dataSource).Scan(&p)
	if err == sql.ErrNoRows {
		return nil, base.Errorf(base.ClassNotFound, "metadata: no commit metadata for datasource %q", dataSource)
	}
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: read commit metadata of %q", dataSource)
	}
	return p, nil
}

// CompareAndSwapCommitMetadata replaces dataSource's commit metadata with
// u.New when the stored value matches (see CommitMetadataUpdate); a
// mismatch is a base.ClassConflict error.
func (s *Store) CompareAndSwapCommitMetadata(ctx context.Context, u CommitMetadataUpdate) error {
	return s.inTx(ctx, "swap commit metadata of "+u.DataSource, func(tx *sql.Tx) error {
		return s.swapCommitMetadata(ctx, tx, u)
	})
}

// swapCommitMetadata does the compare-and-swap inside tx. On PostgreSQL
// the row is read FOR UPDATE so concurrent swaps serialise; a first insert
// racing another fails on the primary key and reports a conflict.
func (s *Store) swapCommitMetadata(ctx context.Context, tx *sql.Tx, u CommitMetadataUpdate) error {
	if u.DataSource == "" {
		return base.Errorf(base.ClassInvalidInput, "metadata: commit metadata needs a datasource")
	}
	if !json.Valid(u.New) {
		return base.Errorf(base.ClassInvalidInput, "metadata: new commit metadata of %q is not valid JSON", u.DataSource)
	}
	q := `SELECT commit_metadata_payload FROM {dataSource} WHERE dataSource = ?`
	if s.d.name == TypePostgreSQL {
		q += ` FOR UPDATE`
	}
	var stored []byte
	err := tx.QueryRowContext(ctx, s.q(q), u.DataSource).Scan(&stored)
	exists := err == nil
	if err != nil && err != sql.ErrNoRows {
		return s.wrap(ctx, err, "metadata: read commit metadata of %q", u.DataSource)
	}
	ok := false
	if u.Match != nil {
		ok = u.Match(stored)
	} else {
		ok = jsonEqual(stored, u.Expected)
	}
	if !ok {
		return base.Errorf(base.ClassConflict, "metadata: commit metadata of datasource %q does not match: stored %s, expected %s",
			u.DataSource, shorten(stored), shorten(u.Expected))
	}
	sum := sha1.Sum(u.New)
	sha := strings.ToUpper(hex.EncodeToString(sum[:]))
	if exists {
		_, err = tx.ExecContext(ctx, s.q(`UPDATE {dataSource} SET commit_metadata_payload = ?, commit_metadata_sha1 = ? WHERE dataSource = ?`), []byte(u.New), sha, u.DataSource)
	} else {
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO {dataSource} (dataSource, created_date, commit_metadata_payload, commit_metadata_sha1) VALUES (?, ?, ?, ?)`), u.DataSource, s.nowISO(), []byte(u.New), sha)
		if isUniqueViolation(err) {
			return base.Errorf(base.ClassConflict, "metadata: commit metadata of datasource %q was created concurrently", u.DataSource)
		}
	}
	return s.wrap(ctx, err, "metadata: write commit metadata of %q", u.DataSource)
}

// DeleteCommitMetadata removes dataSource's commit metadata (a supervisor
// reset) and reports whether there was any.
func (s *Store) DeleteCommitMetadata(ctx context.Context, dataSource string) (bool, error) {
	res, err := s.wdb.ExecContext(ctx, s.q(`DELETE FROM {dataSource} WHERE dataSource = ?`), dataSource)
	if err != nil {
		return false, s.wrap(ctx, err, "metadata: delete commit metadata of %q", dataSource)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

func shorten(b []byte) string {
	if len(b) == 0 {
		return "none"
	}
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
