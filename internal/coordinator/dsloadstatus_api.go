package coordinator

import (
	"net/http"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/rules"
	"github.com/dryaddb/dryad/internal/timeline"
)

// loadStatusWindow is how far back GET /datasources/{ds}/loadstatus looks
// without an interval (Druid's two weeks).
const loadStatusWindow = 14 * 24 * time.Hour

// serveDataSourceLoadStatus is GET /datasources/{ds}/loadstatus: over the
// datasource's used, non-overshadowed segments overlapping the interval
// (default: the last two weeks), the percentage served; with simple the
// number not served; with full, per tier, the replicas the retention rules
// want that are not served yet (with computeUsingClusterView capped at the
// tier's number of servers). forceMetadataRefresh must be given (dryad
// always reads the metadata store). A datasource without used segments, or
// without any in the interval, answers 204. Tombstones are not counted:
// there is nothing to load.
func (c *Coordinator) serveDataSourceLoadStatus(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("forceMetadataRefresh") {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "invalid request: forceMetadataRefresh must be specified"))
		return
	}
	now := base.Millis(time.Now())
	iv := base.Interval{Start: now - loadStatusWindow.Milliseconds(), End: now}
	if s := q.Get("interval"); q.Has("interval") {
		v, err := base.ParseIntervalURL(s)
		if err != nil {
			httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "invalid interval %q: %w", s, err))
			return
		}
		iv = v
	}
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ds := r.PathValue("dataSourceName")
	used, err := usedOf(r.Context(), store, ds)
	if base.IsClass(err, base.ClassNotFound) {
		noContent(w)
		return
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	tl := timeline.New[*base.DataSegment]()
	for i := range used {
		_ = timeline.AddSegment(tl, &used[i], &used[i]) // stored segments have non-empty intervals
	}
	var segs []*base.DataSegment
	for _, s := range tl.NonOvershadowed(iv) {
		if s.ShardSpec.Type != "tombstone" {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		noContent(w)
		return
	}
	inv := c.inventory(r.Context())
	switch {
	case q.Has("full"):
		all, err := c.currentRules(r.Context(), store)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		serversPerTier := map[string]int{}
		for _, s := range inv.servers {
			serversPerTier[s.Tier]++
		}
		clusterView := q.Has("computeUsingClusterView")
		m := rules.At(now, all[ds], all[metadata.DefaultRulesKey])
		out := map[string]map[string]int{}
		for _, s := range segs {
			rule, ok := m.Match(s.Interval)
			if !ok || rule.Kind() != rules.Load {
				continue
			}
			loaded := map[string]int{}
			if e := inv.byID[s.ID()]; e != nil {
				for _, srv := range e.servers {
					loaded[srv.Tier]++
				}
			}
			for tier, want := range rule.Replicants() {
				if clusterView {
					want = min(want, serversPerTier[tier])
				}
				if out[tier] == nil {
					out[tier] = map[string]int{}
				}
				out[tier][ds] += max(0, want-loaded[tier])
			}
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
	case q.Has("simple"):
		missing := 0
		for _, s := range segs {
			if inv.byID[s.ID()] == nil {
				missing++
			}
		}
		httpapi.WriteJSON(w, r, http.StatusOK, map[string]int{ds: missing})
	default:
		loaded := 0
		for _, s := range segs {
			if inv.byID[s.ID()] != nil {
				loaded++
			}
		}
		httpapi.WriteJSON(w, r, http.StatusOK, map[string]float64{ds: 100 * float64(loaded) / float64(len(segs))})
	}
}
