package ingest

import (
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/joda"
)

// compilePattern compiles a Joda-Time timestampSpec format; the instant is
// read in UTC unless the pattern parses an offset or zone.
func compilePattern(pattern string) (PatternParser, error) {
	f, err := joda.Compile(pattern)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "unable to parse timestamps with format [%s]: %w", pattern, err)
	}
	return func(s string) (int64, error) { return f.Parse(s, nil) }, nil
}
