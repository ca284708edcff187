package coordinator

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/rules"
	"github.com/dryaddb/dryad/internal/timeline"
)

// The /druid/coordinator/v1/metadata endpoints answer from the metadata
// store's segments table (Druid answers from its periodically polled
// snapshot of it; dryad reads the table on each request, so the answer is
// never stale).

// usedByDataSource reads the used segments, grouped by datasource, keeping
// only the datasources in keep when it is non-empty.
func usedByDataSource(ctx context.Context, store *metadata.Store, keep []string) (map[string][]base.DataSegment, []string, error) {
	all, err := store.AllUsedSegments(ctx)
	if err != nil {
		return nil, nil, err
	}
	by := map[string][]base.DataSegment{}
	for _, s := range all {
		if len(keep) > 0 && !slices.Contains(keep, s.DataSource) {
			continue
		}
		by[s.DataSource] = append(by[s.DataSource], s)
	}
	names := make([]string, 0, len(by))
	for ds, segs := range by {
		names = append(names, ds)
		slices.SortFunc(segs, func(a, b base.DataSegment) int { return compareIDs(a.ID(), b.ID()) })
	}
	slices.Sort(names)
	return by, names, nil
}

// overshadowedAmong returns the ids of the segments hidden by newer
// complete versions among segs (one datasource's used segments).
func overshadowedAmong(segs []base.DataSegment) map[base.SegmentID]bool {
	tl := timeline.New[*base.DataSegment]()
	for i := range segs {
		_ = timeline.AddSegment(tl, &segs[i], &segs[i]) // an empty interval cannot overshadow
	}
	out := map[base.SegmentID]bool{}
	for i := range segs {
		s := &segs[i]
		if tl.IsOvershadowed(s.Interval, s.Version, s.ShardSpec.PartitionNum) {
			out[s.ID()] = true
		}
	}
	return out
}

// segmentStatus is Druid's SegmentStatusInCluster: the segment's own
// fields ("unwrapped") plus overshadowed, replicationFactor, numRows and
// realtime.
type segmentStatus struct {
	seg               base.DataSegment
	overshadowed      bool
	replicationFactor *int
}

// MarshalJSON writes the segment's fields followed by the status fields.
func (s segmentStatus) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(s.seg)
	if err != nil {
		return nil, err
	}
	extra, err := json.Marshal(struct {
		Overshadowed      bool   `json:"overshadowed"`
		ReplicationFactor *int   `json:"replicationFactor"`
		NumRows           *int64 `json:"numRows"`
		Realtime          bool   `json:"realtime"`
	}{s.overshadowed, s.replicationFactor, nil, false})
	if err != nil {
		return nil, err
	}
	// Both are JSON objects: splice the second's members into the first.
	return append(append(b[:len(b)-1], ','), extra[1:]...), nil
}

// currentRules reads every datasource's rules and the defaults (Druid's
// shipped default when none are stored). Malformed stored rules are
// skipped.
func (c *Coordinator) currentRules(ctx context.Context, store *metadata.Store) (map[string][]rules.Rule, error) {
	raw, err := store.AllRules(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]rules.Rule, len(raw)+1)
	for ds, b := range raw {
		rs, err := rules.Decode(b)
		if err != nil {
			c.log.Warn("ignoring malformed stored retention rules", slog.String("dataSource", ds), slog.Any("error", err))
			continue
		}
		out[ds] = rs
	}
	if _, ok := out[metadata.DefaultRulesKey]; !ok {
		out[metadata.DefaultRulesKey] = rules.Default()
	}
	return out, nil
}

// replicationFactor is the total number of replicas the first matching
// rule of m asks for: the sum over tiers for a load rule, 0 for a drop rule,
// unknown (nil) for a broadcast rule or when no rule matches.
func replicationFactor(m *rules.Matcher, seg *base.DataSegment) *int {
	r, ok := m.Match(seg.Interval)
	if !ok || r.Kind() == rules.Broadcast {
		return nil
	}
	n := 0
	for _, c := range r.Replicants() {
		n += c
	}
	return &n
}

// serveMetadataSegments is GET /metadata/segments: every used segment, or
// those of the repeated datasources parameter; with
// includeOvershadowedStatus each carries its overshadowed status and
// replication factor. includeRealtimeSegments needs includeOvershadowedStatus
// (400 otherwise); dryad has no realtime segments to add.
func (c *Coordinator) serveMetadataSegments(w http.ResponseWriter, r *http.Request) {
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	withStatus := has(r, "includeOvershadowedStatus")
	if has(r, "includeRealtimeSegments") && !withStatus {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "includeRealtimeSegments needs includeOvershadowedStatus"))
		return
	}
	by, names, err := usedByDataSource(r.Context(), store, r.URL.Query()["datasources"])
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if !withStatus {
		out := []base.DataSegment{}
		for _, ds := range names {
			out = append(out, by[ds]...)
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
		return
	}
	all, err := c.currentRules(r.Context(), store)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	now := base.Millis(time.Now())
	out := []segmentStatus{}
	for _, ds := range names {
		m := rules.At(now, all[ds], all[metadata.DefaultRulesKey])
		over := overshadowedAmong(by[ds])
		for _, s := range by[ds] {
			st := segmentStatus{seg: s, overshadowed: over[s.ID()]}
			if st.overshadowed {
				zero := 0
				st.replicationFactor = &zero
			} else {
				st.replicationFactor = replicationFactor(m, &s)
			}
			out = append(out, st)
		}
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

// serveMetadataDataSources is GET /metadata/datasources: the names of the
// datasources with used segments; with includeUnused (or its old name
// includeDisabled) of every datasource with any segment; with full (and not
// includeUnused) the datasources with their used segments.
func (c *Coordinator) serveMetadataDataSources(w http.ResponseWriter, r *http.Request) {
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if has(r, "includeUnused") || has(r, "includeDisabled") {
		names, err := store.DataSources(r.Context(), true)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.WriteJSON(w, r, http.StatusOK, nonNil(names))
		return
	}
	by, names, err := usedByDataSource(r.Context(), store, nil)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if !has(r, "full") {
		httpapi.WriteJSON(w, r, http.StatusOK, names)
		return
	}
	created := nowISO()
	out := make([]druidDataSource, 0, len(names))
	for _, ds := range names {
		out = append(out, druidDataSource{Name: ds, Properties: map[string]any{"created": created}, Segments: by[ds]})
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// usedOf returns dataSource's used segments sorted by id, or a
// base.ClassNotFound error when it has none (Druid's 404).
func usedOf(ctx context.Context, store *metadata.Store, dataSource string) ([]base.DataSegment, error) {
	by, _, err := usedByDataSource(ctx, store, []string{dataSource})
	if err != nil {
		return nil, err
	}
	segs := by[dataSource]
	if len(segs) == 0 {
		return nil, base.Errorf(base.ClassNotFound, "datasource %q has no used segments in the metadata store", dataSource)
	}
	return segs, nil
}

// serveMetadataDataSource is GET /metadata/datasources/{ds}: the datasource
// with its used segments; 404 when it has none.
func (c *Coordinator) serveMetadataDataSource(w http.ResponseWriter, r *http.Request) {
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ds := r.PathValue("dataSourceName")
	segs, err := usedOf(r.Context(), store, ds)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, druidDataSource{Name: ds, Properties: map[string]any{"created": nowISO()}, Segments: segs})
}

// writeSegments answers a segment list: the ids, or with full the
// segments.
func writeSegments(w http.ResponseWriter, r *http.Request, segs []base.DataSegment) {
	if has(r, "full") {
		httpapi.WriteJSON(w, r, http.StatusOK, nonNil(segs))
		return
	}
	ids := make([]string, 0, len(segs))
	for i := range segs {
		ids = append(ids, segs[i].ID().String())
	}
	httpapi.WriteJSON(w, r, http.StatusOK, ids)
}

// serveMetadataDataSourceSegments is GET /metadata/datasources/{ds}/segments
// (+full): the used segments' ids or the segments; 404 when there are none.
func (c *Coordinator) serveMetadataDataSourceSegments(w http.ResponseWriter, r *http.Request) {
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	segs, err := usedOf(r.Context(), store, r.PathValue("dataSourceName"))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	writeSegments(w, r, segs)
}

// serveMetadataSegmentsInIntervals is POST /metadata/datasources/{ds}/segments
// (+full) with a JSON array of intervals: the used segments overlapping any
// of them, overshadowed or not (200 with [] when there are none).
func (c *Coordinator) serveMetadataSegmentsInIntervals(w http.ResponseWriter, r *http.Request) {
	var texts []string
	if err := httpapi.DecodeJSON(r, &texts); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if len(texts) == 0 {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "the request body must list at least one interval"))
		return
	}
	ivs := make([]base.Interval, 0, len(texts))
	for i, s := range texts {
		iv, err := base.ParseInterval(s, time.UTC)
		if err != nil {
			httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "interval %d (%q): %w", i, s, err))
			return
		}
		ivs = append(ivs, iv)
	}
	used := true
	recs, err := store.Segments(r.Context(), metadata.SegmentFilter{DataSource: r.PathValue("dataSourceName"), Intervals: ivs, Used: &used})
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	segs := make([]base.DataSegment, 0, len(recs))
	for _, rec := range recs {
		segs = append(segs, rec.Segment)
	}
	writeSegments(w, r, segs)
}

// serveMetadataSegment is GET /metadata/datasources/{ds}/segments/{id}: the
// segment if it is used (or, with includeUnused=true, whatever its state);
// 404 when the datasource has no used segments or the segment is unknown.
func (c *Coordinator) serveMetadataSegment(w http.ResponseWriter, r *http.Request) {
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ds, idText := r.PathValue("dataSourceName"), r.PathValue("segmentId")
	if _, err := usedOf(r.Context(), store, ds); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	includeUnused := r.URL.Query().Get("includeUnused") == "true"
	for _, id := range possibleIDs(ds, idText) {
		rec, err := store.Segment(r.Context(), id)
		if base.IsClass(err, base.ClassNotFound) {
			continue
		}
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		if rec.Used || includeUnused {
			httpapi.WriteJSON(w, r, http.StatusOK, rec.Segment)
			return
		}
	}
	httpapi.WriteError(w, r, base.Errorf(base.ClassNotFound, "segment %q of datasource %q not found", idText, ds))
}
