package task

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest"
)

// Reports is a task's completion report (GET task/{id}/reports), shaped as
// Druid's: {"ingestionStatsAndErrors":{"type":…,"taskId":…,"payload":{…}}}.
type Reports struct {
	IngestionStatsAndErrors IngestionReport `json:"ingestionStatsAndErrors"`
}

// IngestionReport is the ingestionStatsAndErrors report.
type IngestionReport struct {
	Type    string         `json:"type"` // "ingestionStatsAndErrors"
	TaskID  string         `json:"taskId"`
	Payload IngestionStats `json:"payload"`
}

// IngestionStats is the report's payload.
type IngestionStats struct {
	IngestionState                string                                   `json:"ingestionState"`
	UnparseableEvents             map[string][]ingest.ParseExceptionReport `json:"unparseableEvents"`
	RowStats                      map[string]ingest.RowStats               `json:"rowStats"`
	ErrorMsg                      *string                                  `json:"errorMsg"`
	SegmentAvailabilityConfirmed  bool                                     `json:"segmentAvailabilityConfirmed"`
	SegmentAvailabilityWaitTimeMs int64                                    `json:"segmentAvailabilityWaitTimeMs"`
	// RecordsProcessed is for streaming tasks: always null here.
	RecordsProcessed *int64 `json:"recordsProcessed"`
	// SegmentsRead counts the segments a re-indexing task read (null when
	// it read none); SegmentsPublished the segments it published.
	SegmentsRead      *int64 `json:"segmentsRead"`
	SegmentsPublished *int64 `json:"segmentsPublished"`
}

// reportOf builds the report of a task from its progress.
func reportOf(ts *taskState, st Status) Reports {
	p := ts.prog
	p.mu.Lock()
	determine := p.determine
	saved := p.exceptions.Saved()
	p.mu.Unlock()
	ue := map[string][]ingest.ParseExceptionReport{}
	if len(saved) > 0 {
		ue["buildSegments"] = saved
	}
	r := Reports{IngestionStatsAndErrors: IngestionReport{Type: "ingestionStatsAndErrors", TaskID: st.ID, Payload: IngestionStats{
		IngestionState:    p.ingestionState(),
		UnparseableEvents: ue,
		RowStats:          map[string]ingest.RowStats{"determinePartitions": determine, "buildSegments": p.totals()},
	}}}
	if st.ErrorMsg != "" {
		msg := st.ErrorMsg
		r.IngestionStatsAndErrors.Payload.ErrorMsg = &msg
	}
	if n := p.segmentsRead.Load(); n > 0 {
		r.IngestionStatsAndErrors.Payload.SegmentsRead = &n
	}
	if !st.Active() {
		n := p.segmentsPublished.Load()
		r.IngestionStatsAndErrors.Payload.SegmentsPublished = &n
	}
	return r
}

func (s *Service) writeReport(ts *taskState, st Status) {
	if err := os.MkdirAll(s.logDir(), 0o755); err != nil {
		s.log.Warn("task directory", "task", st.ID, "error", err)
		return
	}
	b, err := reportJSON(ts, st)
	if err == nil {
		err = os.WriteFile(s.logFile(st.ID, ".report.json"), b, 0o644)
	}
	if err != nil {
		s.log.Warn("writing task report", "task", st.ID, "error", err)
	}
}

// Report returns a task's report: live for an active task, stored for a
// complete one.
func (s *Service) Report(id string) (json.RawMessage, error) {
	s.mu.Lock()
	ts := s.active[id]
	s.mu.Unlock()
	if ts != nil {
		return reportJSON(ts, ts.status)
	}
	b, err := os.ReadFile(s.logFile(id, ".report.json"))
	if err != nil {
		return nil, base.Errorf(base.ClassNotFound, "No task reports were found for this task. The task may not exist, or it may not have completed yet: [%s]", id)
	}
	return b, nil
}

// logDir is where task logs, reports and published-segment lists are kept
// (druid.indexer.logs.directory).
func (s *Service) logDir() string {
	if s.cfg.LogDir != "" {
		return s.cfg.LogDir
	}
	return filepath.Join(s.cfg.TaskDir, "logs")
}

// logFile is a task's file in the log directory: <id>.log,
// <id>.report.json (Druid's file task-log names) or <id>.segments.json.
func (s *Service) logFile(id, suffix string) string {
	return filepath.Join(s.logDir(), safeName(id)+suffix)
}

func (s *Service) openTaskLog(id string) (*os.File, error) {
	if err := os.MkdirAll(s.logDir(), 0o755); err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "task log directory %s: %w", s.logDir(), err)
	}
	path := s.logFile(id, ".log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "task log %s: %w", path, err)
	}
	return f, nil
}

// Log returns a task's log from byte offset: a negative offset counts from
// the end (Druid's semantics), an offset past the end gives nothing.
func (s *Service) Log(id string, offset int64) ([]byte, error) {
	f, err := os.Open(s.logFile(id, ".log"))
	if err != nil {
		return nil, base.Errorf(base.ClassNotFound, "No log was found for this task. The task may not exist, or it may not have begun running yet: [%s]", id)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "task log %s: %w", id, err)
	}
	size := fi.Size()
	if offset < 0 {
		offset = max(0, size+offset)
	}
	if offset >= size {
		return []byte{}, nil
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "task log %s: %w", id, err)
	}
	return io.ReadAll(f)
}
