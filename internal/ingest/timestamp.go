package ingest

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// TimestampSpec is dataSchema.timestampSpec: which field holds the row time
// and how to read it.
type TimestampSpec struct {
	// Column defaults to "timestamp".
	Column string
	// Format is "auto" (default), "iso", "posix", "millis", "micro", "nano",
	// "ruby" or a Joda-Time pattern.
	Format string
	// MissingValue is used when the column is absent or null; nil means such
	// rows are unparseable.
	MissingValue *int64

	parse func(v any) (int64, error)
}

// PatternParser parses a timestamp with a compiled Joda-Time pattern.
type PatternParser func(s string) (int64, error)

func decodeTimestampSpec(ts *TimestampSpec, obj specjson.Object) error {
	var err error
	if ts.Column, err = obj.String("column", "timestamp"); err != nil {
		return err
	}
	if ts.Column == "" {
		ts.Column = "timestamp"
	}
	if ts.Format, err = obj.String("format", "auto"); err != nil {
		return err
	}
	if ts.Format == "" {
		ts.Format = "auto"
	}
	if mv, err := obj.String("missingValue", ""); err != nil {
		return err
	} else if obj.Has("missingValue") {
		ms, err := base.ParseTime(mv, nil)
		if err != nil {
			return specjson.Errorf(obj.At("missingValue"), "%w", err)
		}
		ts.MissingValue = &ms
	}
	if ts.parse, err = timestampParser(ts.Format); err != nil {
		return specjson.Errorf(obj.At("format"), "%w", err)
	}
	return nil
}

// NewTimestampSpec builds a TimestampSpec outside of spec decoding.
func NewTimestampSpec(column, format string, missingValue *int64) (TimestampSpec, error) {
	ts := TimestampSpec{Column: column, Format: format, MissingValue: missingValue}
	var err error
	ts.parse, err = timestampParser(format)
	return ts, err
}

// Parse converts a raw timestamp value to milliseconds since the epoch, or
// returns an error describing why it cannot (nil values included).
func (ts *TimestampSpec) Parse(v any) (int64, error) {
	if v == nil {
		if ts.MissingValue != nil {
			return *ts.MissingValue, nil
		}
		return 0, fmt.Errorf("null timestamp")
	}
	return ts.parse(v)
}

func timestampParser(format string) (func(any) (int64, error), error) {
	lower := strings.ToLower(format)
	switch lower {
	case "auto":
		return func(v any) (int64, error) {
			switch x := v.(type) {
			case int64:
				return x, nil
			case float64:
				return javaLong(x), nil
			}
			return parseAutoString(javaText(v))
		}, nil
	case "iso":
		return func(v any) (int64, error) {
			s, err := stripQuotes(javaText(v))
			if err != nil {
				return 0, err
			}
			if strings.ContainsRune(s, ' ') {
				// Joda's ISO parser needs 'T' between date and time.
				return 0, fmt.Errorf("invalid format: %q is malformed at %q", s, s[strings.IndexByte(s, ' '):])
			}
			return base.ParseTime(s, nil)
		}, nil
	case "posix", "millis", "micro", "nano":
		scale := func(n int64) int64 { return n }
		switch lower {
		case "posix":
			scale = func(n int64) int64 { return n * 1000 }
		case "micro":
			scale = func(n int64) int64 { return n / 1000 }
		case "nano":
			scale = func(n int64) int64 { return n / 1_000_000 }
		}
		return func(v any) (int64, error) {
			switch x := v.(type) {
			case int64:
				return scale(x), nil
			case float64:
				return scale(javaLong(x)), nil
			}
			s, err := stripQuotes(javaText(v))
			if err != nil {
				return 0, err
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("for input string: %q", s)
			}
			return scale(n), nil
		}, nil
	case "ruby":
		return func(v any) (int64, error) {
			var f float64
			switch x := v.(type) {
			case int64:
				f = float64(x)
			case float64:
				f = x
			default:
				s, err := stripQuotes(javaText(v))
				if err != nil {
					return 0, err
				}
				if f, err = strconv.ParseFloat(s, 64); err != nil {
					return 0, fmt.Errorf("for input string: %q", s)
				}
			}
			return javaLong(f * 1000), nil
		}, nil
	}
	pp, err := compilePattern(format)
	if err != nil {
		return nil, err
	}
	return func(v any) (int64, error) {
		s, err := stripQuotes(javaText(v))
		if err != nil {
			return 0, err
		}
		return pp(s)
	}, nil
}

// javaText renders a raw value as Druid's toString() would before parsing.
func javaText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return javaString(v)
}

// javaLong converts like Java's (long) cast of a double: truncation, NaN is
// 0, out of range saturates.
func javaLong(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// stripQuotes trims s and removes one pair of surrounding double quotes, as
// Druid's ParserUtils.stripQuotes does.
func stripQuotes(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("null timestamp")
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s, nil
}

// parseAutoString implements format "auto" for text: all digits is epoch
// millis; anything else is an ISO date with an optional time after 'T' or a
// space, an optional offset, and an optional trailing " <zone id>" that is
// stripped (Druid applies the zone to the display only, so the instant is
// read as UTC unless the text carries an offset).
func parseAutoString(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("null timestamp")
	}
	allDigits := true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("for input string: %q", s)
		}
		return n, nil
	}
	s, err := stripQuotes(s)
	if err != nil {
		return 0, err
	}
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if zone := s[i+1:]; zone != "" && zone != "Local" && !strings.ContainsAny(zone[:1], "0123456789+-:") {
			if _, err := granularity.LoadZone(zone); err == nil {
				s = s[:i]
			}
		}
	}
	// The auto parser accepts a space where ISO has 'T'.
	if i := strings.IndexByte(s, ' '); i > 0 {
		s = s[:i] + "T" + s[i+1:]
	}
	return base.ParseTime(s, nil)
}
