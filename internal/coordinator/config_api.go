package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
)

// DynamicConfigKey is the name under which the coordinator's dynamic
// configuration is stored in the config table (and its audit key and type).
const DynamicConfigKey = "coordinator.config"

// DynamicConfig is Druid's coordinator dynamic configuration
// (CoordinatorDynamicConfig), as GET /druid/coordinator/v1/config returns
// it. Values are copied freely; the zero value is not the default (use
// DefaultDynamicConfig).
type DynamicConfig struct {
	MillisToWaitBeforeDeleting                   int64             `json:"millisToWaitBeforeDeleting"`
	MergeBytesLimit                              int64             `json:"mergeBytesLimit"`
	MergeSegmentsLimit                           int               `json:"mergeSegmentsLimit"`
	MaxSegmentsToMove                            int               `json:"maxSegmentsToMove"`
	ReplicantLifetime                            int               `json:"replicantLifetime"`
	ReplicationThrottleLimit                     int               `json:"replicationThrottleLimit"`
	BalancerComputeThreads                       int               `json:"balancerComputeThreads"`
	KillDataSourceWhitelist                      NameList          `json:"killDataSourceWhitelist"`
	KillPendingSegmentsSkipList                  NameList          `json:"killPendingSegmentsSkipList"`
	MaxSegmentsInNodeLoadingQueue                int               `json:"maxSegmentsInNodeLoadingQueue"`
	DecommissioningNodes                         NameList          `json:"decommissioningNodes"`
	DecommissioningMaxPercentOfMaxSegmentsToMove int               `json:"decommissioningMaxPercentOfMaxSegmentsToMove"`
	PauseCoordination                            bool              `json:"pauseCoordination"`
	ReplicateAfterLoadTimeout                    bool              `json:"replicateAfterLoadTimeout"`
	MaxNonPrimaryReplicantsToLoad                int               `json:"maxNonPrimaryReplicantsToLoad"`
	UseRoundRobinSegmentAssignment               bool              `json:"useRoundRobinSegmentAssignment"`
	SmartSegmentLoading                          bool              `json:"smartSegmentLoading"`
	DebugDimensions                              map[string]string `json:"debugDimensions"`
	TurboLoadingNodes                            NameList          `json:"turboLoadingNodes"`
	CloneServers                                 map[string]string `json:"cloneServers"`
}

// DefaultDynamicConfig returns Druid's defaults, what GET /config answers
// before anything was posted.
func DefaultDynamicConfig() DynamicConfig {
	return DynamicConfig{
		MillisToWaitBeforeDeleting:                   900000,
		MergeBytesLimit:                              524288000,
		MergeSegmentsLimit:                           100,
		MaxSegmentsToMove:                            100,
		ReplicantLifetime:                            15,
		ReplicationThrottleLimit:                     500,
		BalancerComputeThreads:                       1,
		KillDataSourceWhitelist:                      NameList{},
		KillPendingSegmentsSkipList:                  NameList{},
		MaxSegmentsInNodeLoadingQueue:                500,
		DecommissioningNodes:                         NameList{},
		DecommissioningMaxPercentOfMaxSegmentsToMove: 70,
		MaxNonPrimaryReplicantsToLoad:                math.MaxInt32,
		UseRoundRobinSegmentAssignment:               true,
		SmartSegmentLoading:                          true,
		TurboLoadingNodes:                            NameList{},
		CloneServers:                                 map[string]string{},
	}
}

// validate checks the ranges Druid checks, naming the field.
func (d *DynamicConfig) validate() error {
	nonNegative := []struct {
		name string
		v    int64
	}{
		{"millisToWaitBeforeDeleting", d.MillisToWaitBeforeDeleting},
		{"mergeBytesLimit", d.MergeBytesLimit},
		{"mergeSegmentsLimit", int64(d.MergeSegmentsLimit)},
		{"maxSegmentsToMove", int64(d.MaxSegmentsToMove)},
		{"replicantLifetime", int64(d.ReplicantLifetime)},
		{"replicationThrottleLimit", int64(d.ReplicationThrottleLimit)},
		{"maxSegmentsInNodeLoadingQueue", int64(d.MaxSegmentsInNodeLoadingQueue)},
		{"maxNonPrimaryReplicantsToLoad", int64(d.MaxNonPrimaryReplicantsToLoad)},
	}
	for _, f := range nonNegative {
		if f.v < 0 {
			return base.Errorf(base.ClassInvalidInput, "coordinator dynamic config: %s must be greater than or equal to 0, got %d", f.name, f.v)
		}
	}
	if d.BalancerComputeThreads < 1 {
		return base.Errorf(base.ClassInvalidInput, "coordinator dynamic config: balancerComputeThreads must be at least 1, got %d", d.BalancerComputeThreads)
	}
	if p := d.DecommissioningMaxPercentOfMaxSegmentsToMove; p < 0 || p > 100 {
		return base.Errorf(base.ClassInvalidInput, "coordinator dynamic config: decommissioningMaxPercentOfMaxSegmentsToMove must be between 0 and 100, got %d", p)
	}
	for _, s := range []*NameList{&d.KillDataSourceWhitelist, &d.KillPendingSegmentsSkipList, &d.DecommissioningNodes, &d.TurboLoadingNodes} {
		if *s == nil {
			*s = NameList{}
		}
	}
	if d.CloneServers == nil {
		d.CloneServers = map[string]string{}
	}
	return nil
}

// NameList is a list of names (datasources, servers) that Druid also
// accepts as one comma-separated string; null leaves the current value.
type NameList []string

// UnmarshalJSON reads an array of strings, a comma-separated string or
// null (no change).
func (s *NameList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		out := NameList{}
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		*s = out
		return nil
	}
	var v []string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = append(NameList{}, v...)
	return nil
}

// DynamicConfig returns the current dynamic configuration: the stored one
// over the defaults. The duties read it at the start of each run.
func (c *Coordinator) DynamicConfig(ctx context.Context) (DynamicConfig, error) {
	d := DefaultDynamicConfig()
	store, err := c.metadataStore()
	if err != nil {
		return d, err
	}
	b, err := store.Config(ctx, DynamicConfigKey)
	if base.IsClass(err, base.ClassNotFound) {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return DefaultDynamicConfig(), base.Errorf(base.ClassInternal, "stored %s is malformed: %w", DynamicConfigKey, err)
	}
	return d, d.validate()
}

// serveConfig is GET /config.
func (c *Coordinator) serveConfig(w http.ResponseWriter, r *http.Request) {
	d, err := c.DynamicConfig(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, d)
}

// serveSetConfig is POST /config: the posted fields replace the current
// ones (fields not posted keep their values, unknown fields are ignored),
// the result is validated, stored and audited with the X-Druid-Author and
// X-Druid-Comment headers. 200 with an empty body.
func (c *Coordinator) serveSetConfig(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if err := httpapi.DecodeJSON(r, &raw); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if b := bytes.TrimSpace(raw); len(b) == 0 || b[0] != '{' {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "coordinator dynamic config must be a JSON object"))
		return
	}
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	d, err := c.DynamicConfig(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	// Maps are replaced, not merged into.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "invalid coordinator dynamic config: %w", err))
		return
	}
	if _, ok := fields["debugDimensions"]; ok {
		d.DebugDimensions = nil
	}
	if _, ok := fields["cloneServers"]; ok {
		d.CloneServers = nil
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "invalid coordinator dynamic config: %w", err))
		return
	}
	if err := d.validate(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	b, err := json.Marshal(d)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if err := store.SetConfig(r.Context(), DynamicConfigKey, b, auditInfoOf(r)); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ok(w)
}

// serveConfigHistory is GET /config/history with interval (default: the
// last week) or count; an interval wins over a count.
func (c *Coordinator) serveConfigHistory(w http.ResponseWriter, r *http.Request) {
	iv, count, err := historyParams(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	es, err := store.ConfigHistory(r.Context(), DynamicConfigKey, iv, count)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, auditEntries(es))
}
