package joda

import (
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// FormatISO prints ms as Joda's ISODateTimeFormat.dateTime() does in zone
// (nil means UTC): "2013-08-31T01:02:03.456Z", or with the zone's offset,
// "2013-08-30T18:02:03.456-07:00". A zero offset prints as "Z". It is the
// default output of TIME_FORMAT and timeFormat without a pattern.
func FormatISO(ms int64, zone *time.Location) string { return base.FormatTimeIn(ms, zone) }

// ParseISO parses an ISO-8601 instant as Joda's
// ISODateTimeFormat.dateTimeParser() does; a string without an offset is
// local time in zone (nil means UTC).
func ParseISO(s string, zone *time.Location) (int64, error) { return base.ParseTime(s, zone) }
