package ingest

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// RowStats counts rows as Druid's rowStats in the ingestionStatsAndErrors
// report: processed (ingested cleanly), processedWithError (ingested with
// some values nulled), unparseable (dropped: bad JSON, bad timestamp),
// thrownAway (dropped: outside the intervals or filtered out) and the input
// bytes read. A RowStats is a plain value; the owner synchronises.
type RowStats struct {
	Processed          int64 `json:"processed"`
	ProcessedBytes     int64 `json:"processedBytes"`
	ProcessedWithError int64 `json:"processedWithError"`
	ThrownAway         int64 `json:"thrownAway"`
	Unparseable        int64 `json:"unparseable"`
}

// Add adds o to s (combining the stats of parallel readers).
func (s *RowStats) Add(o RowStats) {
	s.Processed += o.Processed
	s.ProcessedBytes += o.ProcessedBytes
	s.ProcessedWithError += o.ProcessedWithError
	s.ThrownAway += o.ThrownAway
	s.Unparseable += o.Unparseable
}

// ParseExceptionReport is one saved parse exception, shaped like the
// entries of Druid's unparseableEvents report.
type ParseExceptionReport struct {
	Timestamp string   `json:"timestamp"`
	Input     string   `json:"input"`
	ErrorType string   `json:"errorType"` // "unparseable" or "processedWithError"
	Details   []string `json:"details"`
}

// ParseExceptions applies tuningConfig's maxParseExceptions,
// maxSavedParseExceptions and logParseExceptions. Not safe for concurrent
// use.
type ParseExceptions struct {
	max    int
	saved  int
	log    *slog.Logger
	now    func() time.Time
	count  int
	events []ParseExceptionReport
}

// NewParseExceptions returns a tracker for tuning t; logger receives the
// exceptions when logParseExceptions is set (nil discards them).
func NewParseExceptions(t *TuningConfig, logger *slog.Logger) *ParseExceptions {
	pe := &ParseExceptions{max: t.MaxParseExceptions, saved: t.MaxSavedParseExceptions, now: time.Now}
	if t.LogParseExceptions {
		pe.log = logger
	}
	return pe
}

// Add records an exception of errorType ("unparseable" or
// "processedWithError"). It returns a ClassInvalidInput error once more than
// maxParseExceptions have been seen: the task must then fail.
func (pe *ParseExceptions) Add(errorType, input string, details ...string) error {
	pe.count++
	if pe.log != nil {
		pe.log.Warn("parse exception", "errorType", errorType, "input", input, "details", details)
	}
	if len(pe.events) < pe.saved {
		pe.events = append(pe.events, ParseExceptionReport{
			Timestamp: base.FormatTime(base.Millis(pe.now())),
			Input:     input,
			ErrorType: errorType,
			Details:   details,
		})
	}
	if pe.count > pe.max {
		return base.Errorf(base.ClassInvalidInput, "Max parse exceptions[%d] exceeded", pe.max)
	}
	return nil
}

// Count is the number of exceptions seen.
func (pe *ParseExceptions) Count() int { return pe.count }

// Saved returns the saved reports, oldest first.
func (pe *ParseExceptions) Saved() []ParseExceptionReport { return pe.events }

// String summarises the tracker for logs.
func (pe *ParseExceptions) String() string {
	return fmt.Sprintf("parseExceptions{count=%d, max=%d, saved=%d}", pe.count, pe.max, len(pe.events))
}
