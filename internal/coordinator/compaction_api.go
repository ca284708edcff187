package coordinator

import (
	"encoding/json"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
)

// maxCompactionConfigBytes bounds a posted compaction config.
const maxCompactionConfigBytes = 1 << 20

// serveCompactionConfigs is GET /config/compaction: every datasource's
// config and the cluster-level slot settings.
func (c *Coordinator) serveCompactionConfigs(w http.ResponseWriter, r *http.Request) {
	cc, err := c.CompactionConfig(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, cc)
}

// serveCompactionConfig is GET /config/compaction/{dataSource}; 404 when
// the datasource has no config.
func (c *Coordinator) serveCompactionConfig(w http.ResponseWriter, r *http.Request) {
	ds := r.PathValue("dataSource")
	cc, err := c.CompactionConfig(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	i := cc.find(ds)
	if i < 0 {
		httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "Datasource[%s] has no compaction config", ds))
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, cc.CompactionConfigs[i])
}

// serveSetCompactionConfig is POST /config/compaction: the posted config
// (Druid's defaults filled in) replaces the datasource's; 200 with an
// empty body, audited with X-Druid-Author and X-Druid-Comment.
func (c *Coordinator) serveSetCompactionConfig(w http.ResponseWriter, r *http.Request) {
	if err := httpapi.CheckJSONMediaType(r); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxCompactionConfigBytes+1))
	if err != nil {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "reading the compaction config: %w", err))
		return
	}
	if len(b) > maxCompactionConfigBytes {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "compaction config is larger than %d bytes", maxCompactionConfigBytes))
		return
	}
	d, err := decodeDataSourceCompactionConfig(b)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	err = c.updateCompactionConfig(r.Context(), auditInfoOf(r), func(cc *CompactionConfig) error {
		if i := cc.find(d.DataSource); i >= 0 {
			cc.CompactionConfigs[i] = d
		} else {
			cc.CompactionConfigs = append(cc.CompactionConfigs, d)
		}
		return nil
	})
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	c.log.Info("compaction config set", "dataSource", d.DataSource)
	ok(w)
}

// serveDeleteCompactionConfig is DELETE /config/compaction/{dataSource};
// 404 when the datasource has no config.
func (c *Coordinator) serveDeleteCompactionConfig(w http.ResponseWriter, r *http.Request) {
	ds := r.PathValue("dataSource")
	err := c.updateCompactionConfig(r.Context(), auditInfoOf(r), func(cc *CompactionConfig) error {
		i := cc.find(ds)
		if i < 0 {
			return base.Errorf(base.ClassNotFound, "Datasource[%s] has no compaction config", ds)
		}
		cc.CompactionConfigs = slices.Delete(cc.CompactionConfigs, i, i+1)
		return nil
	})
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	c.log.Info("compaction config deleted", "dataSource", ds)
	ok(w)
}

// serveCompactionTaskSlots is POST
// /config/compaction/taskslots?ratio=&max=&useAutoScaleSlots=: omitted
// parameters take the defaults (0.1, unbounded, false), as the API
// reference says. useAutoScaleSlots is stored; without an autoscaler the
// slots it counts are the current ones.
func (c *Coordinator) serveCompactionTaskSlots(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ratio, maxSlots, autoScale := DefaultCompactionTaskSlotRatio, DefaultMaxCompactionTaskSlots, false
	if s := q.Get("ratio"); q.Has("ratio") {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "ratio must be a non-negative number, got %q", s))
			return
		}
		ratio = v
	}
	if s := q.Get("useAutoScaleSlots"); q.Has("useAutoScaleSlots") {
		v, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "useAutoScaleSlots must be true or false, got %q", s))
			return
		}
		autoScale = v
	}
	if s := q.Get("max"); q.Has("max") {
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
		if err != nil || v < 0 {
			httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "max must be a non-negative integer, got %q", s))
			return
		}
		maxSlots = int(v)
	}
	err := c.updateCompactionConfig(r.Context(), auditInfoOf(r), func(cc *CompactionConfig) error {
		cc.CompactionTaskSlotRatio, cc.MaxCompactionTaskSlots, cc.UseAutoScaleSlots = ratio, maxSlots, autoScale
		return nil
	})
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ok(w)
}

// serveCompactionStatus is GET /compaction/status[?dataSource=]: the
// latest run's statistics, {"latestStatus":[...]}. A named datasource
// without statistics is a 404.
func (c *Coordinator) serveCompactionStatus(w http.ResponseWriter, r *http.Request) {
	snaps := c.compactionSnapshots()
	q := r.URL.Query()
	var out []*AutoCompactionSnapshot
	if q.Has("dataSource") && q.Get("dataSource") != "" {
		s, found := snaps[q.Get("dataSource")]
		if !found {
			httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "Unknown DataSource %q: no compaction status", q.Get("dataSource")))
			return
		}
		out = append(out, s)
	} else {
		for _, k := range slices.Sorted(maps.Keys(snaps)) {
			out = append(out, snaps[k])
		}
	}
	if out == nil {
		out = []*AutoCompactionSnapshot{}
	}
	httpapi.WriteJSON(w, r, http.StatusOK, map[string]any{"latestStatus": out})
}

// serveCompactionProgress is GET /compaction/progress?dataSource=:
// {"remainingSegmentSize": bytes awaiting compaction}; 400 without a
// datasource, 404 for one without statistics.
func (c *Coordinator) serveCompactionProgress(w http.ResponseWriter, r *http.Request) {
	ds := r.URL.Query().Get("dataSource")
	if ds == "" {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "No DataSource specified"))
		return
	}
	s, found := c.compactionSnapshots()[ds]
	if !found {
		httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "Unknown DataSource %q: no compaction status", ds))
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, map[string]int64{"remainingSegmentSize": s.BytesAwaitingCompaction})
}

// serveCompactNow is POST /compaction/compact (Druid's
// forceTriggerCompaction): it runs the compaction duty now and answers 200
// once the run has submitted its tasks; 503 when not leading.
func (c *Coordinator) serveCompactNow(w http.ResponseWriter, r *http.Request) {
	if !c.leading.Load() {
		httpapi.WriteError(w, r, base.Errorf(base.ClassUnavailable, "this coordinator is not the leader"))
		return
	}
	if _, err := c.RunCompaction(r.Context()); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ok(w)
}

// compactionHistoryEntry is one entry of a datasource's compaction config
// history (Druid's DataSourceCompactionConfigAuditEntry): the cluster
// settings and the datasource's config (null once deleted) after a change.
type compactionHistoryEntry struct {
	GlobalConfig     compactionGlobalConfig      `json:"globalConfig"`
	CompactionConfig *DataSourceCompactionConfig `json:"compactionConfig"`
	AuditInfo        metadata.AuditInfo          `json:"auditInfo"`
	AuditTime        string                      `json:"auditTime"`
}

type compactionGlobalConfig struct {
	CompactionTaskSlotRatio float64 `json:"compactionTaskSlotRatio"`
	MaxCompactionTaskSlots  int     `json:"maxCompactionTaskSlots"`
	UseAutoScaleSlots       bool    `json:"useAutoScaleSlots"`
}

// serveCompactionConfigHistory is GET
// /config/compaction/{dataSource}/history[?interval=|count=]: the changes
// of the stored configuration (the last week's, or the given interval's,
// or the last count) that changed the datasource's config or the cluster
// settings while it had one, oldest first, as Druid's
// DataSourceCompactionConfigHistory builds it.
func (c *Coordinator) serveCompactionConfigHistory(w http.ResponseWriter, r *http.Request) {
	ds := r.PathValue("dataSource")
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
	es, err := store.ConfigHistory(r.Context(), CompactionConfigKey, iv, count)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if iv == nil && count != nil {
		slices.Reverse(es) // the last count come newest first
	}
	out := []compactionHistoryEntry{}
	for _, e := range es {
		var cc CompactionConfig
		if err := json.Unmarshal(e.Payload, &cc); err != nil {
			httpapi.WriteError(w, r, base.Errorf(base.ClassInternal, "audited %s is malformed: %w", CompactionConfigKey, err))
			return
		}
		global := compactionGlobalConfig{cc.CompactionTaskSlotRatio, cc.MaxCompactionTaskSlots, cc.UseAutoScaleSlots}
		var cur *compactionHistoryEntry
		if n := len(out); n > 0 {
			cur = &out[n-1]
		}
		entry := compactionHistoryEntry{GlobalConfig: global, AuditInfo: e.AuditInfo, AuditTime: base.FormatTime(e.AuditTime)}
		if i := cc.find(ds); i >= 0 {
			d := cc.CompactionConfigs[i]
			if cur == nil || cur.GlobalConfig != global || cur.CompactionConfig == nil || !sameConfig(cur.CompactionConfig, &d) {
				entry.CompactionConfig = &d
				out = append(out, entry)
			}
		} else if cur != nil {
			out = append(out, entry) // deleted (Druid adds one for every later change)
		}
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

// sameConfig compares two datasource configs by their JSON.
func sameConfig(a, b *DataSourceCompactionConfig) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && jsonEqual(x, y)
}
