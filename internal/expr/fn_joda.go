package expr

import (
	"time"

	"github.com/dryaddb/dryad/internal/joda"
)

// jodaFormat is a compiled Joda DateTimeFormat pattern.
type jodaFormat interface {
	Format(ms int64, zone *time.Location) string
	Parse(s string, zone *time.Location) (int64, error)
}

// compileJoda compiles a Joda pattern (internal/joda).
func compileJoda(pattern string) (jodaFormat, error) {
	f, err := joda.Compile(pattern)
	if err != nil {
		return nil, err
	}
	return f, nil
}
