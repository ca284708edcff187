package metadata

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dryaddb/dryad/internal/base"

	// The two database/sql drivers this package opens by name.
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// Backend names accepted in Config.Type.
const (
	TypeSQLite     = "sqlite"
	TypePostgreSQL = "postgresql"
)

// DefaultTablePrefix is Druid's default druid.metadata.storage.tables.base.
const DefaultTablePrefix = "druid"

// Config selects and configures the metadata database. Druid's runtime
// properties map onto it as follows (the config package does the mapping):
//
//	druid.metadata.storage.type                  → Type ("derby" is read as "sqlite")
//	druid.metadata.storage.connector.connectURI  → ConnectURI
//	druid.metadata.storage.connector.user        → User
//	druid.metadata.storage.connector.password    → Password
//	druid.metadata.storage.tables.base           → TablePrefix
type Config struct {
	// Type is "sqlite" (the default when empty) or "postgresql".
	Type string
	// ConnectURI is the database address. For SQLite it is a file path (or
	// a "jdbc:sqlite:" / "file:" form of one); when empty the file is
	// DataDir/metadata.db. For PostgreSQL it is a libpq URL or key=value
	// string ("jdbc:postgresql://host:port/db" is accepted too).
	ConnectURI string
	// User and Password, when set, override those in a PostgreSQL URI.
	User, Password string
	// DataDir holds the SQLite file when ConnectURI is empty.
	DataDir string
	// TablePrefix prefixes every Druid table name ("druid" gives
	// druid_segments, …). It must be a plain SQL identifier.
	TablePrefix string
	// Clock returns the current time; nil means time.Now. Tests set it.
	Clock func() time.Time
}

// Store is the metadata store. It is safe for concurrent use; Close it once
// when done.
type Store struct {
	d   dialect
	t   tables
	log *slog.Logger
	now func() time.Time

	// rdb serves reads. wdb serves transactions that write: for SQLite it
	// is a separate pool with one connection and BEGIN IMMEDIATE, so
	// writers queue in Go instead of failing with SQLITE_BUSY; for
	// PostgreSQL it is the same pool as rdb.
	rdb, wdb *sql.DB

	// queries caches the dialect-specific text of each query template.
	queries sync.Map // template string → final SQL string

	// testHook, when set by a test of this package, runs after each
	// segment batch a publish inserts (inside the transaction).
	testHook func(inserted int)
}

// Open connects to the configured database, applies pending schema
// migrations and returns the store. It fails with ErrSchemaTooNew when the
// database was migrated by a newer dryad. log may be nil.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	prefix := cfg.TablePrefix
	if prefix == "" {
		prefix = DefaultTablePrefix
	}
	if !isIdentifier(prefix) {
		return nil, base.Errorf(base.ClassInvalidInput, "metadata: invalid table prefix %q: want letters, digits and _ (not starting with a digit)", prefix)
	}
	s := &Store{t: newTables(prefix), log: log, now: cfg.Clock}
	if s.now == nil {
		s.now = time.Now
	}
	typ := strings.ToLower(cfg.Type)
	switch typ {
	case "", TypeSQLite, "derby":
		if err := s.openSQLite(cfg); err != nil {
			return nil, err
		}
	case TypePostgreSQL, "postgres":
		if err := s.openPostgres(cfg); err != nil {
			return nil, err
		}
	default:
		return nil, base.Errorf(base.ClassInvalidInput, "metadata: unsupported storage type %q: want %q or %q", cfg.Type, TypeSQLite, TypePostgreSQL)
	}
	if err := s.ping(ctx); err != nil {
		s.Close()
		return nil, s.wrap(ctx, err, "metadata: connect to %s database", s.d.name)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openSQLite(cfg Config) error {
	s.d = sqliteDialect
	path := cfg.ConnectURI
	path = strings.TrimPrefix(path, "jdbc:sqlite:")
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		if cfg.DataDir == "" {
			return base.Errorf(base.ClassInvalidInput, "metadata: sqlite needs a connectURI or a data directory")
		}
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return base.Errorf(base.ClassUnavailable, "metadata: create data directory %q: %w", cfg.DataDir, err)
		}
		path = filepath.Join(cfg.DataDir, "metadata.db")
	}
	// WAL lets readers run beside the writer; synchronous=FULL makes every
	// commit durable before it returns; busy_timeout covers other
	// processes holding the write lock.
	common := "?_pragma=busy_timeout(30000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	w, err := sql.Open("sqlite", path+common+"&_txlock=immediate")
	if err != nil {
		return base.Errorf(base.ClassInvalidInput, "metadata: open sqlite %q: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", path+common)
	if err != nil {
		w.Close()
		return base.Errorf(base.ClassInvalidInput, "metadata: open sqlite %q: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s.wdb, s.rdb = w, r
	s.log.Info("metadata store opened", "type", TypeSQLite, "path", path, "tablePrefix", s.t.prefix)
	return nil
}

// ping checks the database connection. A new SQLite database switches to
// WAL on its first connections; that switch needs an exclusive lock and
// SQLite reports SQLITE_BUSY at once, without its busy handler, when
// another process or store opens the same file at that moment. Such a
// connection is discarded and the ping retried for a few seconds.
func (s *Store) ping(ctx context.Context) error {
	delay := 10 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.rdb.PingContext(ctx)
		if err == nil || s.d.name != TypeSQLite || !isSQLiteBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

func isSQLiteBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

func (s *Store) openPostgres(cfg Config) error {
	s.d = postgresDialect
	uri := cfg.ConnectURI
	if uri == "" {
		return base.Errorf(base.ClassInvalidInput, "metadata: postgresql needs druid.metadata.storage.connector.connectURI")
	}
	if rest, ok := strings.CutPrefix(uri, "jdbc:"); ok {
		uri = rest
	}
	if cfg.User != "" || cfg.Password != "" {
		u, err := url.Parse(uri)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return base.Errorf(base.ClassInvalidInput, "metadata: connectURI must be a postgres:// URL when user or password is set")
		}
		user, pass := cfg.User, cfg.Password
		if u.User != nil {
			if user == "" {
				user = u.User.Username()
			}
			if p, ok := u.User.Password(); ok && pass == "" {
				pass = p
			}
		}
		u.User = url.UserPassword(user, pass)
		uri = u.String()
	}
	db, err := sql.Open("pgx", uri)
	if err != nil {
		return base.Errorf(base.ClassInvalidInput, "metadata: open postgresql: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s.rdb, s.wdb = db, db
	s.log.Info("metadata store opened", "type", TypePostgreSQL, "tablePrefix", s.t.prefix)
	return nil
}

// Close closes the database connections. Operations in flight fail.
func (s *Store) Close() error {
	var err error
	if s.wdb != nil && s.wdb != s.rdb {
		err = s.wdb.Close()
	}
	if s.rdb != nil {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// Ping checks that the database answers (for health checks). A down
// database gives a base.ClassUnavailable error.
func (s *Store) Ping(ctx context.Context) error {
	return s.wrap(ctx, s.rdb.PingContext(ctx), "metadata: ping %s database", s.d.name)
}

// Backend returns "sqlite" or "postgresql".
func (s *Store) Backend() string { return s.d.name }

// TablePrefix returns the prefix of the Druid table names.
func (s *Store) TablePrefix() string { return s.t.prefix }

// q returns the dialect's SQL for a query template written with {table}
// names and ? placeholders.
func (s *Store) q(tmpl string) string {
	if v, ok := s.queries.Load(tmpl); ok {
		return v.(string)
	}
	out := s.d.rebind(s.t.expand(tmpl))
	s.queries.Store(tmpl, out)
	return out
}

// qd is q for query text built at run time (IN lists, OR lists), which is
// not cached.
func (s *Store) qd(tmpl string) string { return s.d.rebind(s.t.expand(tmpl)) }

// parseISO reads an instant the store wrote; unreadable text gives 0.
func parseISO(v string) int64 {
	ms, err := base.ParseTime(v, time.UTC)
	if err != nil {
		return 0
	}
	return ms
}

// Bounds of the instants whose ISO text sorts like the instant: the
// created_date-style columns are compared as strings, which is right for
// years 0000–9999 only.
var (
	isoMin = base.FormatTime(-62167219200000) // 0000-01-01T00:00:00.000Z
	isoMax = base.FormatTime(253402300799999) // 9999-12-31T23:59:59.999Z
)

// isoBound formats ms for a string comparison against an ISO column,
// clamped to years 0000–9999.
func isoBound(ms int64) string {
	switch {
	case ms <= -62167219200000:
		return isoMin
	case ms >= 253402300799999:
		return isoMax
	}
	return base.FormatTime(ms)
}

// querier is what both *sql.DB and *sql.Tx provide.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a write transaction and commits it when fn returns nil.
// Any error rolls everything back.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(ctx, err, "metadata: %s: begin transaction", what)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.wrap(ctx, err, "metadata: %s: commit", what)
	}
	return nil
}

// nowMillis returns the store clock in ms.
func (s *Store) nowMillis() int64 { return s.now().UnixMilli() }

func (s *Store) nowISO() string { return base.FormatTime(s.nowMillis()) }

func isIdentifier(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// tables holds the Druid table names for one prefix.
type tables struct {
	prefix string
	r      *strings.Replacer
}

// tableNames lists the template names and Druid's table suffixes.
var tableNames = [...][2]string{
	{"{segments}", "segments"},
	{"{pendingSegments}", "pendingSegments"},
	{"{tasks}", "tasks"},
	{"{tasklogs}", "tasklogs"},
	{"{tasklocks}", "tasklocks"},
	{"{rules}", "rules"},
	{"{config}", "config"},
	{"{audit}", "audit"},
	{"{supervisors}", "supervisors"},
	{"{dataSource}", "dataSource"},
}

func newTables(prefix string) tables {
	var pairs []string
	for _, n := range tableNames {
		pairs = append(pairs, n[0], prefix+"_"+n[1])
	}
	pairs = append(pairs, "{prefix}", prefix)
	return tables{prefix: prefix, r: strings.NewReplacer(pairs...)}
}

func (t tables) expand(tmpl string) string { return t.r.Replace(tmpl) }

// dialect is what differs between the SQL backends.
type dialect struct {
	name   string
	blob   string // payload column type
	serial string // auto-increment primary key column type
	dollar bool   // $1 placeholders instead of ?
}

var (
	sqliteDialect   = dialect{name: TypeSQLite, blob: "BLOB", serial: "INTEGER PRIMARY KEY AUTOINCREMENT"}
	postgresDialect = dialect{name: TypePostgreSQL, blob: "BYTEA", serial: "BIGSERIAL PRIMARY KEY", dollar: true}
)

// rebind turns ? placeholders into $n for PostgreSQL. Query templates in
// this package never contain a literal '?'.
func (d dialect) rebind(q string) string {
	if !d.dollar || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
