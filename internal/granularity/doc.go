// Package granularity implements Druid's granularities: how instants are
// bucketed in time for query results (the "granularity" of a query), for
// rollup (queryGranularity) and for time chunks (segmentGranularity).
//
// A Granularity is "all", "none" (milliseconds), one of the simple names
// ("hour", "day", "quarter"...; UTC periods), a duration in milliseconds
// from an origin, or a PeriodGranularity: an ISO-8601 period in a time zone
// counted from an origin. The semantics are Druid's PeriodGranularity and
// Joda-Time's ISOChronology, reproduced on int64 milliseconds: calendar
// fields (years, months, weeks, days) are counted on the local calendar of
// the zone, so days follow DST changes; hours and smaller are elapsed time.
// docs/granularities.md has the rules and worked examples.
//
// LoadZone resolves Joda zone ids ("America/Los_Angeles", "UTC",
// "+05:30"); IANA zones come from time.LoadLocation, so the binary should
// embed the tz database (import _ "time/tzdata" in package main).
//
// All values are immutable once built and safe for concurrent use.
// Fixed-length buckets in a zone without offset changes (all the simple
// names up to "week" in UTC) are pure integer arithmetic; FloorBatch is the
// fastest way to bucket a column of timestamps.
package granularity
