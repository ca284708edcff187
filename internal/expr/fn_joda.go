package expr

import (
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// jodaFormat is a compiled Joda DateTimeFormat pattern.
type jodaFormat interface {
	Format(ms int64, zone *time.Location) string
	Parse(s string, zone *time.Location) (int64, error)
}

// compileJoda compiles a Joda pattern. Until internal/joda lands this
// reports the pattern forms as unsupported.
func compileJoda(pattern string) (jodaFormat, error) {
	return nil, base.Errorf(base.ClassUnsupported, "Joda pattern %q: custom patterns are not available yet", pattern)
}
