package metadata

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// pgEnv names the variable holding a PostgreSQL URL for the PostgreSQL
// half of the suite, e.g.
// postgres://dryad:dryad@127.0.0.1:5432/dryad?sslmode=disable.
const pgEnv = "DRYAD_TEST_POSTGRES_URL"

// backend opens fresh, empty stores of one kind.
type backend struct {
	name string
	// open returns a new store over a fresh database (SQLite) or schema
	// (PostgreSQL); cfg's Type, ConnectURI and DataDir are filled in.
	open func(t testing.TB, cfg Config) *Store
}

// backends returns SQLite always and PostgreSQL when pgEnv is set.
func backends(t testing.TB) []backend {
	bs := []backend{{name: "sqlite", open: openSQLiteT}}
	if os.Getenv(pgEnv) != "" {
		bs = append(bs, backend{name: "postgresql", open: openPostgresT})
	} else if t != nil {
		t.Logf("%s not set: PostgreSQL half of the suite skipped", pgEnv)
	}
	return bs
}

// forEachBackend runs fn as a subtest per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

// clockAt returns a settable test clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func openSQLiteT(t testing.TB, cfg Config) *Store {
	cfg.Type = TypeSQLite
	if cfg.DataDir == "" && cfg.ConnectURI == "" {
		cfg.DataDir = t.TempDir()
	}
	s, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pgSchemaURI creates a PostgreSQL schema of its own, returns a connect
// URI whose search_path points at it, and drops it when the test ends.
func pgSchemaURI(t testing.TB) string {
	raw := os.Getenv(pgEnv)
	var rnd [6]byte
	rand.Read(rnd[:])
	schema := "dryad_test_" + hex.EncodeToString(rnd[:])
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", pgEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openPostgresT opens a store in a fresh schema (see pgSchemaURI).
func openPostgresT(t testing.TB, cfg Config) *Store {
	cfg.Type = TypePostgreSQL
	if cfg.ConnectURI == "" {
		cfg.ConnectURI = pgSchemaURI(t)
	}
	s, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seg builds a segment of ds over [start, end) given as ISO strings.
func seg(ds, start, end, version string, partition int) base.DataSegment {
	s, err := base.ParseTime(start, time.UTC)
	if err != nil {
		panic(err)
	}
	e, err := base.ParseTime(end, time.UTC)
	if err != nil {
		panic(err)
	}
	parts := 1
	return base.DataSegment{
		DataSource:    ds,
		Interval:      base.Interval{Start: s, End: e},
		Version:       version,
		LoadSpec:      json.RawMessage(fmt.Sprintf(`{"type":"local","path":"/deep/%s/%d/index.seg"}`, ds, partition)),
		Dimensions:    []string{"page", "user"},
		Metrics:       []string{"count"},
		ShardSpec:     base.ShardSpec{Type: "numbered", PartitionNum: partition, Partitions: &parts},
		BinaryVersion: 9,
		Size:          4096,
		TotalRows:     10,
	}
}

// daySegs returns n daily segments of ds starting 2020-01-01.
func daySegs(ds string, n int, version string) []base.DataSegment {
	out := make([]base.DataSegment, n)
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		d := t0.AddDate(0, 0, i)
		out[i] = seg(ds, d.Format(time.RFC3339), d.AddDate(0, 0, 1).Format(time.RFC3339), version, 0)
	}
	return out
}

func ids(segs []base.DataSegment) []string {
	out := make([]string, len(segs))
	for i := range segs {
		out[i] = segs[i].ID().String()
	}
	return out
}

func iv(t testing.TB, s string) base.Interval {
	t.Helper()
	v, err := base.ParseInterval(s, time.UTC)
	if err != nil {
		t.Fatalf("interval %q: %v", s, err)
	}
	return v
}

func wantClass(t testing.TB, err error, c base.Class) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want class %v", c)
	}
	if got := base.ClassOf(err); got != c {
		t.Fatalf("error %q has class %v, want %v", err, got, c)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func countRows(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRow(s.q(`SELECT COUNT(*) FROM ` + table)).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"(?,?,?)", "($1,$2,$3)"},
	}
	for _, tt := range tests {
		if got := postgresDialect.rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := sqliteDialect.rebind(tt.in); got != tt.in {
			t.Errorf("sqlite rebind(%q) = %q, want it unchanged", tt.in, got)
		}
	}
}

func TestTableNames(t *testing.T) {
	tb := newTables("dd")
	got := tb.expand("SELECT * FROM {segments} JOIN {pendingSegments} JOIN {dataSource} JOIN {audit}")
	want := "SELECT * FROM dd_segments JOIN dd_pendingSegments JOIN dd_dataSource JOIN dd_audit"
	if got != want {
		t.Fatalf("expand = %q, want %q", got, want)
	}
}

func TestOpenConfigErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  Config
		want base.Class
	}{
		{"unknown type", Config{Type: "mysql", DataDir: t.TempDir()}, base.ClassInvalidInput},
		{"bad prefix", Config{TablePrefix: "drop table;", DataDir: t.TempDir()}, base.ClassInvalidInput},
		{"digit prefix", Config{TablePrefix: "1x", DataDir: t.TempDir()}, base.ClassInvalidInput},
		{"sqlite without location", Config{}, base.ClassInvalidInput},
		{"postgres without uri", Config{Type: "postgresql"}, base.ClassInvalidInput},
		{"postgres unreachable", Config{Type: "postgresql", ConnectURI: "postgres://u:p@127.0.0.1:1/db?sslmode=disable&connect_timeout=2"}, base.ClassUnavailable},
		{"sqlite in a file, not a directory", Config{ConnectURI: filepath.Join(os.DevNull, "x", "metadata.db")}, base.ClassUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(ctx, tt.cfg, nil)
			if err == nil {
				s.Close()
			}
			wantClass(t, err, tt.want)
		})
	}
}

func TestOpenSQLiteForms(t *testing.T) {
	dir := t.TempDir()
	for _, uri := range []string{filepath.Join(dir, "a.db"), "jdbc:sqlite:" + filepath.Join(dir, "b.db"), "file:" + filepath.Join(dir, "c.db") + "?mode=rwc"} {
		s, err := Open(context.Background(), Config{Type: "derby", ConnectURI: uri}, nil)
		if err != nil {
			t.Fatalf("open %q: %v", uri, err)
		}
		s.Close()
	}
	for _, f := range []string{"a.db", "b.db", "c.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not created: %v", f, err)
		}
	}
}

func TestMigrations(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, Config{})
		v, err := s.schemaVersion(ctx)
		must(t, err)
		if v != SchemaVersion() {
			t.Fatalf("schema version %d, want %d", v, SchemaVersion())
		}
		// Opening again over the same database is a no-op.
		must(t, s.migrate(ctx))
		must(t, s.migrate(ctx))
		var n int
		must(t, s.rdb.QueryRow(s.q(`SELECT COUNT(*) FROM `+migrationsTable+` WHERE table_prefix = ?`), s.t.prefix).Scan(&n))
		if n != len(migrations) {
			t.Fatalf("%d migration rows, want %d", n, len(migrations))
		}
		// A second prefix in the same database gets its own tables.
		s2 := &Store{d: s.d, t: newTables("other"), log: s.log, now: s.now, rdb: s.rdb, wdb: s.wdb}
		must(t, s2.migrate(ctx))
		must(t, s2.InsertTask(ctx, TaskEntry{ID: "t", Payload: []byte(`{}`), Status: []byte(`{}`)}))
		if _, err := s.Task(ctx, "t"); !base.IsClass(err, base.ClassNotFound) {
			t.Fatalf("task of prefix other visible under prefix druid: %v", err)
		}
		// A schema newer than the binary is refused.
		_, err = s.wdb.Exec(s.q(`INSERT INTO `+migrationsTable+` (table_prefix, version, name, applied_at) VALUES (?, ?, ?, ?)`), s.t.prefix, SchemaVersion()+1, "future", "2030-01-01T00:00:00.000Z")
		must(t, err)
		err = s.migrate(ctx)
		wantClass(t, err, base.ClassConflict)
		if !strings.Contains(err.Error(), "newer") {
			t.Fatalf("error %q does not say the schema is newer", err)
		}
		// The other prefix is unaffected.
		must(t, s2.migrate(ctx))
	})
}

func TestMigrationsReopenSQLite(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openSQLiteT(t, Config{DataDir: dir})
	must(t, s.PublishSegments(ctx, daySegs("wiki", 3, "v1"), PublishOptions{}))
	s.Close()
	s = openSQLiteT(t, Config{DataDir: dir})
	got, err := s.AllUsedSegments(ctx)
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("after reopen %d segments, want 3", len(got))
	}
	_, err = s.wdb.Exec(s.q(`INSERT INTO `+migrationsTable+` (table_prefix, version, name, applied_at) VALUES (?, ?, ?, ?)`), "druid", 1000, "future", "x")
	must(t, err)
	s.Close()
	_, err = Open(ctx, Config{DataDir: dir}, nil)
	wantClass(t, err, base.ClassConflict)
	if err == nil || !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
}

func TestISOBound(t *testing.T) {
	tests := []struct {
		ms   int64
		want string
	}{
		{0, "1970-01-01T00:00:00.000Z"},
		{base.MinTime, "0000-01-01T00:00:00.000Z"},
		{base.MaxTime, "9999-12-31T23:59:59.999Z"},
		{-62167219200000, "0000-01-01T00:00:00.000Z"},
		{253402300799998, "9999-12-31T23:59:59.998Z"},
	}
	for _, tt := range tests {
		if got := isoBound(tt.ms); got != tt.want {
			t.Errorf("isoBound(%d) = %q, want %q", tt.ms, got, tt.want)
		}
	}
}

// TestConcurrentOpen starts several stores on one fresh database at once,
// as several dryad processes would: migrations run exactly once.
func TestConcurrentOpen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		cfg := Config{Type: TypeSQLite, ConnectURI: filepath.Join(t.TempDir(), "metadata.db")}
		if b.name == TypePostgreSQL {
			cfg = Config{Type: TypePostgreSQL, ConnectURI: pgSchemaURI(t)}
		}
		const n = 4
		stores := make([]*Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = Open(context.Background(), cfg, nil) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("open #%d: %v", i, err)
			}
			defer stores[i].Close()
		}
		var rows int
		must(t, stores[0].rdb.QueryRow(stores[0].q(`SELECT COUNT(*) FROM `+migrationsTable+` WHERE table_prefix = ?`), "druid").Scan(&rows))
		if rows != len(migrations) {
			t.Fatalf("%d migration rows after concurrent opens, want %d", rows, len(migrations))
		}
		must(t, stores[1].PublishSegments(context.Background(), daySegs("ds", 2, "v1"), PublishOptions{}))
		got, err := stores[3].AllUsedSegments(context.Background())
		must(t, err)
		if len(got) != 2 {
			t.Fatalf("store 3 sees %d segments published through store 1", len(got))
		}
	})
}
