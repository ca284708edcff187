// Package metadata is dryad's metadata store: Druid's metadata tables
// (segments, pendingSegments, tasks, tasklogs, tasklocks, rules, config,
// audit, supervisors, dataSource) on database/sql, with two backends:
// embedded SQLite (modernc.org/sqlite, the default, one file under the data
// directory) and PostgreSQL (github.com/jackc/pgx/v5 through its stdlib
// driver).
//
// Open connects, applies the versioned schema migrations (each in its own
// transaction, recorded in dryad_schema_migrations) and refuses a schema newer
// than this binary knows. Every exported operation is context-aware and every
// change that touches more than one row runs in one transaction, so a crash or
// a cancelled context never leaves partial rows behind.
//
// Errors carry base classes: a missing row is base.ClassNotFound, a duplicate
// key or a failed compare-and-swap is base.ClassConflict, an unreachable or
// locked database is base.ClassUnavailable, a cancelled context keeps
// context.Canceled / context.DeadlineExceeded in its chain.
//
// The table layout, the mapping from Druid's runtime properties to Config and
// the per-backend choices are documented in docs/metadata-store.md.
//
// A *Store is safe for concurrent use by many goroutines.
package metadata
