package task

import (
	"encoding/json"
	"math/rand/v2"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// State is a task's statusCode: RUNNING until it completes, then SUCCESS or
// FAILED.
type State string

// The task states.
const (
	StateRunning State = "RUNNING"
	StateSuccess State = "SUCCESS"
	StateFailed  State = "FAILED"
)

// RunnerState is a task's runnerStatusCode: where an active task is in the
// queue (WAITING for its locks, PENDING for a run slot, RUNNING), NONE once
// it is complete.
type RunnerState string

// The runner states.
const (
	RunnerWaiting RunnerState = "WAITING"
	RunnerPending RunnerState = "PENDING"
	RunnerRunning RunnerState = "RUNNING"
	RunnerNone    RunnerState = "NONE"
)

// Location is where a task runs: {"host":null,"port":-1,"tlsPort":-1} until
// it is assigned to a worker.
type Location struct {
	Host    *string `json:"host"`
	Port    int     `json:"port"`
	TLSPort int     `json:"tlsPort"`
}

// NoLocation is the location of a task that does not run anywhere.
var noLocation = Location{Port: -1, TLSPort: -1}

// Status is a task's status as Druid's TaskStatusPlus JSON: the objects of
// the task list endpoints and the "status" of GET task/{id}/status. Times
// are epoch milliseconds, written as ISO instants; Duration is -1 while the
// task is active.
type Status struct {
	ID                 string
	GroupID            string
	Type               string
	CreatedTime        int64
	QueueInsertionTime int64
	StatusCode         State
	RunnerStatusCode   RunnerState
	Duration           int64
	Location           Location
	DataSource         string
	ErrorMsg           string // "" is written as null
}

type statusJSON struct {
	ID                 string      `json:"id"`
	GroupID            string      `json:"groupId"`
	Type               string      `json:"type"`
	CreatedTime        string      `json:"createdTime"`
	QueueInsertionTime string      `json:"queueInsertionTime"`
	StatusCode         State       `json:"statusCode"`
	Status             State       `json:"status"`
	RunnerStatusCode   RunnerState `json:"runnerStatusCode"`
	Duration           int64       `json:"duration"`
	Location           Location    `json:"location"`
	DataSource         string      `json:"dataSource"`
	ErrorMsg           *string     `json:"errorMsg"`
}

// MarshalJSON writes Druid's TaskStatusPlus form (statusCode and the
// deprecated status carry the same value).
func (s Status) MarshalJSON() ([]byte, error) {
	j := statusJSON{
		ID: s.ID, GroupID: s.GroupID, Type: s.Type,
		CreatedTime:        base.FormatTime(s.CreatedTime),
		QueueInsertionTime: base.FormatTime(s.QueueInsertionTime),
		StatusCode:         s.StatusCode, Status: s.StatusCode, RunnerStatusCode: s.RunnerStatusCode,
		Duration: s.Duration, Location: s.Location, DataSource: s.DataSource,
	}
	if s.ErrorMsg != "" {
		j.ErrorMsg = &s.ErrorMsg
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Status) UnmarshalJSON(b []byte) error {
	var j statusJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return base.Errorf(base.ClassInvalidInput, "task status: %w", err)
	}
	ct, err := base.ParseTime(j.CreatedTime, nil)
	if err != nil {
		return base.Errorf(base.ClassInvalidInput, "task status createdTime: %w", err)
	}
	qt, err := base.ParseTime(j.QueueInsertionTime, nil)
	if err != nil {
		return base.Errorf(base.ClassInvalidInput, "task status queueInsertionTime: %w", err)
	}
	*s = Status{ID: j.ID, GroupID: j.GroupID, Type: j.Type, CreatedTime: ct, QueueInsertionTime: qt,
		StatusCode: j.StatusCode, RunnerStatusCode: j.RunnerStatusCode, Duration: j.Duration,
		Location: j.Location, DataSource: j.DataSource}
	if j.ErrorMsg != nil {
		s.ErrorMsg = *j.ErrorMsg
	}
	return nil
}

// Active reports whether the task has not completed.
func (s Status) Active() bool { return s.StatusCode == StateRunning }

// shortStatus is Druid's TaskStatus: what POST taskStatus maps ids to.
type shortStatus struct {
	ID       string   `json:"id"`
	Status   State    `json:"status"`
	Duration int64    `json:"duration"`
	ErrorMsg *string  `json:"errorMsg"`
	Location Location `json:"location"`
}

func (s Status) short() shortStatus {
	o := shortStatus{ID: s.ID, Status: s.StatusCode, Duration: s.Duration, Location: s.Location}
	if s.ErrorMsg != "" {
		o.ErrorMsg = &s.ErrorMsg
	}
	return o
}

// NewID returns a task id as Druid makes them:
// type_dataSource_random_createdTime, where random is eight lower-case
// letters, e.g. index_parallel_wikipedia_odofhkle_2023-06-23T21:07:28.226Z.
func NewID(typ, dataSource string, created int64, rnd *rand.Rand) string {
	var b strings.Builder
	b.WriteString(typ)
	b.WriteByte('_')
	b.WriteString(dataSource)
	b.WriteByte('_')
	for range 8 {
		b.WriteByte(byte('a' + rnd.IntN(26)))
	}
	b.WriteByte('_')
	b.WriteString(base.FormatTime(created))
	return b.String()
}
