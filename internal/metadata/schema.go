package metadata

import (
	"context"
	"database/sql"
	"hash/fnv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// migrationsTable records the applied schema versions, one row per
// (table prefix, version), so several prefixes can share a database.
const migrationsTable = "dryad_schema_migrations"

// migration is one versioned schema change. Versions start at 1 and are
// never reused or edited once released; a change is a new migration.
type migration struct {
	version int
	name    string
	stmts   func(d dialect) []string // templates with {table} names
}

// migrations is the schema history, oldest first.
var migrations = []migration{
	{1, "druid tables", schemaV1},
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// schemaV1 creates Druid's tables with Druid's column names. Columns that
// Druid does not have: start_ms/end_ms (the interval in epoch ms, for
// overlap queries that stay correct for years outside 0000–9999) on the
// segments and pendingSegments tables.
func schemaV1(d dialect) []string {
	b, serial := d.blob, d.serial
	return []string{
		`CREATE TABLE {segments} (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  dataSource VARCHAR(255) NOT NULL,
  created_date VARCHAR(255) NOT NULL,
  "start" VARCHAR(255) NOT NULL,
  "end" VARCHAR(255) NOT NULL,
  partitioned BOOLEAN NOT NULL,
  version VARCHAR(255) NOT NULL,
  used BOOLEAN NOT NULL,
  payload ` + b + ` NOT NULL,
  used_status_last_updated VARCHAR(255) NOT NULL,
  num_rows BIGINT,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL
)`,
		`CREATE INDEX idx_{segments}_used ON {segments}(used)`,
		`CREATE INDEX idx_{segments}_datasource_used_end_start ON {segments}(dataSource, used, end_ms, start_ms)`,
		`CREATE TABLE {pendingSegments} (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  dataSource VARCHAR(255) NOT NULL,
  created_date VARCHAR(255) NOT NULL,
  "start" VARCHAR(255) NOT NULL,
  "end" VARCHAR(255) NOT NULL,
  sequence_name VARCHAR(255) NOT NULL,
  sequence_prev_id VARCHAR(255) NOT NULL,
  sequence_name_prev_id_sha1 VARCHAR(255) NOT NULL UNIQUE,
  payload ` + b + ` NOT NULL,
  upgraded_from_segment_id VARCHAR(255),
  task_allocator_id VARCHAR(255),
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL
)`,
		`CREATE INDEX idx_{pendingSegments}_datasource_end ON {pendingSegments}(dataSource, end_ms)`,
		`CREATE INDEX idx_{pendingSegments}_datasource_sequence ON {pendingSegments}(dataSource, sequence_name)`,
		`CREATE TABLE {tasks} (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  created_date VARCHAR(255) NOT NULL,
  datasource VARCHAR(255) NOT NULL,
  payload ` + b + ` NOT NULL,
  status_payload ` + b + ` NOT NULL,
  active BOOLEAN NOT NULL DEFAULT FALSE,
  type VARCHAR(255),
  group_id VARCHAR(255)
)`,
		`CREATE INDEX idx_{tasks}_active_created_date ON {tasks}(active, created_date)`,
		`CREATE TABLE {tasklogs} (
  id ` + serial + `,
  task_id VARCHAR(255) DEFAULT NULL,
  log_payload ` + b + `
)`,
		`CREATE INDEX idx_{tasklogs}_task_id ON {tasklogs}(task_id)`,
		`CREATE TABLE {tasklocks} (
  id ` + serial + `,
  task_id VARCHAR(255) DEFAULT NULL,
  lock_payload ` + b + `
)`,
		`CREATE INDEX idx_{tasklocks}_task_id ON {tasklocks}(task_id)`,
		`CREATE TABLE {rules} (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  dataSource VARCHAR(255) NOT NULL,
  version VARCHAR(255) NOT NULL,
  payload ` + b + ` NOT NULL
)`,
		`CREATE INDEX idx_{rules}_datasource ON {rules}(dataSource)`,
		`CREATE TABLE {config} (
  name VARCHAR(255) NOT NULL PRIMARY KEY,
  payload ` + b + ` NOT NULL
)`,
		`CREATE TABLE {audit} (
  id ` + serial + `,
  audit_key VARCHAR(255) NOT NULL,
  type VARCHAR(255) NOT NULL,
  author VARCHAR(255) NOT NULL,
  comment VARCHAR(2048) NOT NULL,
  created_date VARCHAR(255) NOT NULL,
  payload ` + b + ` NOT NULL
)`,
		`CREATE INDEX idx_{audit}_key_time ON {audit}(audit_key, created_date)`,
		`CREATE INDEX idx_{audit}_type_time ON {audit}(type, created_date)`,
		`CREATE INDEX idx_{audit}_audit_time ON {audit}(created_date)`,
		`CREATE TABLE {supervisors} (
  id ` + serial + `,
  spec_id VARCHAR(255) NOT NULL,
  created_date VARCHAR(255) NOT NULL,
  payload ` + b + ` NOT NULL
)`,
		`CREATE INDEX idx_{supervisors}_spec_id ON {supervisors}(spec_id)`,
		`CREATE TABLE {dataSource} (
  dataSource VARCHAR(255) NOT NULL PRIMARY KEY,
  created_date VARCHAR(255) NOT NULL,
  commit_metadata_payload ` + b + ` NOT NULL,
  commit_metadata_sha1 VARCHAR(255) NOT NULL
)`,
	}
}

// migrate brings the schema up to SchemaVersion. Each migration runs in its
// own transaction together with its dryad_schema_migrations row; on
// PostgreSQL a transaction-scoped advisory lock serialises concurrent
// starters, on SQLite the immediate write transaction does.
func (s *Store) migrate(ctx context.Context) error {
	create := `CREATE TABLE IF NOT EXISTS ` + migrationsTable + ` (
  table_prefix VARCHAR(255) NOT NULL,
  version INTEGER NOT NULL,
  name VARCHAR(255) NOT NULL,
  applied_at VARCHAR(255) NOT NULL,
  PRIMARY KEY (table_prefix, version)
)`
	for _, m := range append([]migration{{version: 0}}, migrations...) {
		applied := false
		err := s.inTx(ctx, "migrate schema", func(tx *sql.Tx) error {
			if err := s.lockSchema(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, create); err != nil {
				return s.wrap(ctx, err, "metadata: create %s", migrationsTable)
			}
			var cur sql.NullInt64
			if err := tx.QueryRowContext(ctx, s.q(`SELECT MAX(version) FROM `+migrationsTable+` WHERE table_prefix = ?`), s.t.prefix).Scan(&cur); err != nil {
				return s.wrap(ctx, err, "metadata: read schema version for prefix %q", s.t.prefix)
			}
			if int(cur.Int64) > SchemaVersion() {
				return base.Errorf(base.ClassConflict, "metadata: database schema version %d for table prefix %q is newer than the %d this binary knows; upgrade dryad: %w",
					cur.Int64, s.t.prefix, SchemaVersion(), ErrSchemaTooNew)
			}
			if m.version == 0 || int(cur.Int64) >= m.version {
				return nil
			}
			for _, stmt := range m.stmts(s.d) {
				if _, err := tx.ExecContext(ctx, s.t.expand(stmt)); err != nil {
					return s.wrap(ctx, err, "metadata: migration %d (%s) for prefix %q: %s", m.version, m.name, s.t.prefix, firstLine(stmt))
				}
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO `+migrationsTable+` (table_prefix, version, name, applied_at) VALUES (?, ?, ?, ?)`),
				s.t.prefix, m.version, m.name, s.nowISO()); err != nil {
				return s.wrap(ctx, err, "metadata: record migration %d for prefix %q", m.version, s.t.prefix)
			}
			applied = true
			return nil
		})
		if err != nil {
			return err
		}
		if applied {
			s.log.Info("metadata schema migrated", "version", m.version, "name", m.name, "tablePrefix", s.t.prefix)
		}
	}
	return nil
}

// lockSchema serialises migrations across processes on PostgreSQL.
func (s *Store) lockSchema(ctx context.Context, tx *sql.Tx) error {
	if s.d.name != TypePostgreSQL {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(migrationsTable))
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64()>>1)); err != nil {
		return s.wrap(ctx, err, "metadata: lock schema for migration")
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// schemaVersion reads the applied version for this prefix (for tests and
// diagnostics).
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT MAX(version) FROM `+migrationsTable+` WHERE table_prefix = ?`), s.t.prefix).Scan(&v)
	if err != nil {
		return 0, s.wrap(ctx, err, "metadata: read schema version")
	}
	return int(v.Int64), nil
}
