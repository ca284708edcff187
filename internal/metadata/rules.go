package metadata

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// DefaultRulesKey is the datasource name under which the cluster-wide
// default rules are stored.
const DefaultRulesKey = "_default"

// AuditInfo says who made a change and why (Druid's X-Druid-Author and
// X-Druid-Comment headers and the caller's address).
type AuditInfo struct {
	Author  string `json:"author"`
	Comment string `json:"comment"`
	IP      string `json:"ip"`
}

// AuditEntry is one row of the audit table, as Druid's audit history
// endpoints report it. Payload is the value that was set.
type AuditEntry struct {
	Key       string          `json:"key"`
	Type      string          `json:"type"`
	AuditInfo AuditInfo       `json:"auditInfo"`
	Payload   json.RawMessage `json:"payload"`
	// AuditTime is when the change was made, in ms; on the wire an ISO
	// instant.
	AuditTime int64 `json:"-"`
}

type auditEntryJSON struct {
	Key       string          `json:"key"`
	Type      string          `json:"type"`
	AuditInfo AuditInfo       `json:"auditInfo"`
	Payload   json.RawMessage `json:"payload"`
	AuditTime string          `json:"auditTime"`
}

// MarshalJSON writes the entry with an ISO auditTime.
func (e AuditEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal(auditEntryJSON{e.Key, e.Type, e.AuditInfo, e.Payload, base.FormatTime(e.AuditTime)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *AuditEntry) UnmarshalJSON(b []byte) error {
	var v auditEntryJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return base.Errorf(base.ClassInvalidInput, "invalid audit entry: %w", err)
	}
	t, err := base.ParseTime(v.AuditTime, time.UTC)
	if err != nil {
		return base.Errorf(base.ClassInvalidInput, "invalid audit entry auditTime %q: %w", v.AuditTime, err)
	}
	*e = AuditEntry{v.Key, v.Type, v.AuditInfo, v.Payload, t}
	return nil
}

// auditTypeRules is the audit type of rule changes; config changes use
// the config name as both key and type, as Druid does.
const auditTypeRules = "rules"

// defaultHistory is how far back a history request without interval or
// count looks (Druid's druid.audit.manager.auditHistoryMillis default).
const defaultHistory = 7 * 24 * time.Hour

// insertAudit writes an audit row inside tx.
func (s *Store) insertAudit(ctx context.Context, tx *sql.Tx, key, typ string, payload json.RawMessage, audit AuditInfo, at int64) error {
	entry, err := json.Marshal(AuditEntry{Key: key, Type: typ, AuditInfo: audit, Payload: payload, AuditTime: at})
	if err != nil {
		return base.Errorf(base.ClassInvalidInput, "metadata: encode audit entry for %s %q: %w", typ, key, err)
	}
	comment := audit.Comment
	if len(comment) > 2048 {
		comment = comment[:2048]
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO {audit} (audit_key, type, author, comment, created_date, payload) VALUES (?, ?, ?, ?, ?, ?)`),
		key, typ, audit.Author, comment, base.FormatTime(at), entry)
	return s.wrap(ctx, err, "metadata: write audit entry for %s %q", typ, key)
}

// auditHistory returns audit entries for key (all keys when empty) of typ.
// With count, the newest count entries come back newest first; otherwise
// the entries within interval (from a week ago on when nil), oldest first.
func (s *Store) auditHistory(ctx context.Context, key, typ string, interval *base.Interval, count *int) ([]AuditEntry, error) {
	q := `SELECT payload, created_date FROM {audit} WHERE type = ?`
	args := []any{typ}
	if key != "" {
		q += ` AND audit_key = ?`
		args = append(args, key)
	}
	switch {
	case count != nil:
		if *count <= 0 {
			return nil, base.Errorf(base.ClassInvalidInput, "metadata: history count must be positive, got %d", *count)
		}
		if interval != nil {
			q += ` AND created_date >= ? AND created_date < ?`
			args = append(args, isoBound(interval.Start), isoBound(interval.End))
		}
		q += ` ORDER BY created_date DESC, id DESC LIMIT ?`
		args = append(args, *count)
	default:
		iv := base.Interval{Start: s.nowMillis() - defaultHistory.Milliseconds(), End: base.MaxTime}
		if interval != nil {
			iv = *interval
		}
		q += ` AND created_date >= ? AND created_date < ? ORDER BY created_date ASC, id ASC`
		args = append(args, isoBound(iv.Start), isoBound(iv.End))
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: read %s history of %q", typ, key)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var p []byte
		var created string
		if err := rows.Scan(&p, &created); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read %s history of %q", typ, key)
		}
		var e AuditEntry
		if err := json.Unmarshal(p, &e); err != nil {
			return nil, base.Errorf(base.ClassInternal, "metadata: corrupt audit entry for %s %q at %s: %w", typ, key, created, err)
		}
		out = append(out, e)
	}
	return out, s.wrap(ctx, rows.Err(), "metadata: read %s history of %q", typ, key)
}

// SetRules stores a new version of dataSource's rules (a JSON array) and an
// audit entry in one transaction. Use DefaultRulesKey for the defaults.
func (s *Store) SetRules(ctx context.Context, dataSource string, rules json.RawMessage, audit AuditInfo) error {
	if dataSource == "" {
		return base.Errorf(base.ClassInvalidInput, "metadata: rules need a datasource name")
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(rules, &arr); err != nil {
		return base.Errorf(base.ClassInvalidInput, "metadata: rules of %q must be a JSON array: %w", dataSource, err)
	}
	return s.retryOnDuplicate(func() error {
		return s.inTx(ctx, "set rules of "+dataSource, func(tx *sql.Tx) error {
			return s.setRulesTx(ctx, tx, dataSource, rules, audit)
		})
	})
}

// retryOnDuplicate runs fn again (up to 20 times in all) while it fails on a
// duplicate key: two PostgreSQL transactions that read the same latest
// rule version in the same millisecond pick the same next version, and
// the loser retries with a fresh read.
func (s *Store) retryOnDuplicate(fn func() error) error {
	var err error
	for range 20 {
		if err = fn(); err == nil || !isUniqueViolation(err) {
			return err
		}
	}
	return err
}

func (s *Store) setRulesTx(ctx context.Context, tx *sql.Tx, dataSource string, rules json.RawMessage, audit AuditInfo) error {
	// Versions are ISO instants; a second change within the same
	// millisecond gets the next millisecond so versions stay unique and
	// ordered.
	at := s.nowMillis()
	var latest sql.NullString
	if err := tx.QueryRowContext(ctx, s.q(`SELECT MAX(version) FROM {rules} WHERE dataSource = ?`), dataSource).Scan(&latest); err != nil {
		return s.wrap(ctx, err, "metadata: read rules version of %q", dataSource)
	}
	if latest.Valid {
		if prev := parseISO(latest.String); prev >= at {
			at = prev + 1
		}
	}
	version := base.FormatTime(at)
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO {rules} (id, dataSource, version, payload) VALUES (?, ?, ?, ?)`),
		dataSource+"_"+version, dataSource, version, []byte(rules)); err != nil {
		return s.wrap(ctx, err, "metadata: insert rules of %q version %s", dataSource, version)
	}
	return s.insertAudit(ctx, tx, dataSource, auditTypeRules, rules, audit, at)
}

// EnsureDefaultRules stores rules under DefaultRulesKey unless default
// rules exist already (the coordinator calls it at start with Druid's
// loadForever default).
func (s *Store) EnsureDefaultRules(ctx context.Context, rules json.RawMessage, audit AuditInfo) error {
	return s.retryOnDuplicate(func() error {
		return s.ensureDefaultRules(ctx, rules, audit)
	})
}

func (s *Store) ensureDefaultRules(ctx context.Context, rules json.RawMessage, audit AuditInfo) error {
	return s.inTx(ctx, "ensure default rules", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM {rules} WHERE dataSource = ?`), DefaultRulesKey).Scan(&n); err != nil {
			return s.wrap(ctx, err, "metadata: read default rules")
		}
		if n > 0 {
			return nil
		}
		return s.setRulesTx(ctx, tx, DefaultRulesKey, rules, audit)
	})
}

// Rules returns the current rules of dataSource, or a base.ClassNotFound
// error when none were ever set.
func (s *Store) Rules(ctx context.Context, dataSource string) (json.RawMessage, error) {
	var p []byte
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT payload FROM {rules} WHERE dataSource = ? ORDER BY version DESC LIMIT 1`), dataSource).Scan(&p)
	if err == sql.ErrNoRows {
		return nil, base.Errorf(base.ClassNotFound, "metadata: no rules for datasource %q", dataSource)
	}
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: read rules of %q", dataSource)
	}
	return p, nil
}

// AllRules returns the current rules of every datasource that has some,
// keyed by datasource (DefaultRulesKey included).
func (s *Store) AllRules(ctx context.Context) (map[string]json.RawMessage, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT r.dataSource, r.payload FROM {rules} r
JOIN (SELECT dataSource, MAX(version) AS version FROM {rules} GROUP BY dataSource) m
ON r.dataSource = m.dataSource AND r.version = m.version`))
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: read all rules")
	}
	defer rows.Close()
	out := map[string]json.RawMessage{}
	for rows.Next() {
		var ds string
		var p []byte
		if err := rows.Scan(&ds, &p); err != nil {
			return nil, s.wrap(ctx, err, "metadata: read rules row")
		}
		out[ds] = p
	}
	return out, s.wrap(ctx, rows.Err(), "metadata: read all rules")
}

// RulesHistory returns the audit history of rule changes for dataSource
// (every datasource when empty). With count, the newest count entries,
// newest first (within interval when also given); otherwise the entries
// within interval, or within the last week when interval is nil, oldest
// first.
func (s *Store) RulesHistory(ctx context.Context, dataSource string, interval *base.Interval, count *int) ([]AuditEntry, error) {
	return s.auditHistory(ctx, dataSource, auditTypeRules, interval, count)
}

// SetConfig stores a dynamic config value (e.g. "coordinator.config",
// "worker.config") and an audit entry in one transaction.
func (s *Store) SetConfig(ctx context.Context, name string, payload json.RawMessage, audit AuditInfo) error {
	if name == "" {
		return base.Errorf(base.ClassInvalidInput, "metadata: config needs a name")
	}
	if !json.Valid(payload) {
		return base.Errorf(base.ClassInvalidInput, "metadata: config %q is not valid JSON", name)
	}
	return s.inTx(ctx, "set config "+name, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO {config} (name, payload) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET payload = excluded.payload`), name, []byte(payload)); err != nil {
			return s.wrap(ctx, err, "metadata: write config %q", name)
		}
		return s.insertAudit(ctx, tx, name, name, payload, audit, s.nowMillis())
	})
}

// Config returns a dynamic config value or a base.ClassNotFound error.
func (s *Store) Config(ctx context.Context, name string) (json.RawMessage, error) {
	var p []byte
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT payload FROM {config} WHERE name = ?`), name).Scan(&p)
	if err == sql.ErrNoRows {
		return nil, base.Errorf(base.ClassNotFound, "metadata: config %q not found", name)
	}
	if err != nil {
		return nil, s.wrap(ctx, err, "metadata: read config %q", name)
	}
	return p, nil
}

// ConfigHistory returns the audit history of config name, with the
// interval and count semantics of RulesHistory.
func (s *Store) ConfigHistory(ctx context.Context, name string, interval *base.Interval, count *int) ([]AuditEntry, error) {
	if name == "" {
		return nil, base.Errorf(base.ClassInvalidInput, "metadata: config history needs a name")
	}
	return s.auditHistory(ctx, name, name, interval, count)
}
