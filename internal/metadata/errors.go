package metadata

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrSchemaTooNew is returned (wrapped) by Open when the database holds a
// schema version newer than this binary knows. Its class is
// base.ClassConflict.
var ErrSchemaTooNew = errors.New("metadata schema is newer than this dryad binary supports")

// wrap classifies a database error and wraps it with a message built from
// format and args. A cancelled or expired ctx keeps its context error in
// the chain so base.ClassOf reports Canceled or Timeout.
func (s *Store) wrap(ctx context.Context, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf(format, args...)
	if base.ClassOf(err) != base.ClassInternal {
		var be *base.Error
		if errors.As(err, &be) {
			return base.Errorf(be.Class, "%s: %w", msg, err)
		}
	}
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(err, cerr) {
			return fmt.Errorf("%s: %w", msg, err)
		}
		return fmt.Errorf("%s: %w (%v)", msg, cerr, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", msg, err)
	}
	return base.Errorf(classify(err), "%s: %w", msg, err)
}

// classify maps a driver error to an error class.
func classify(err error) base.Class {
	if errors.Is(err, sql.ErrNoRows) {
		return base.ClassNotFound
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return base.ClassUnavailable
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT:
			return base.ClassConflict
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
			sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PROTOCOL:
			return base.ClassUnavailable
		case sqlite3.SQLITE_TOOBIG:
			return base.ClassInvalidInput
		}
		return base.ClassInternal
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505", pe.Code == "40001", pe.Code == "40P01":
			// unique violation, serialization failure, deadlock
			return base.ClassConflict
		case strings.HasPrefix(pe.Code, "22"):
			// data exception, e.g. 22001 value too long for VARCHAR(255)
			return base.ClassInvalidInput
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "53"),
			strings.HasPrefix(pe.Code, "57"), pe.Code == "25006":
			// connection, resources, operator intervention, read-only
			return base.ClassUnavailable
		}
		return base.ClassInternal
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return base.ClassUnavailable
	}
	if strings.Contains(err.Error(), "sql: database is closed") {
		return base.ClassUnavailable
	}
	return base.ClassInternal
}

// isUniqueViolation reports whether err is a duplicate-key error.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
