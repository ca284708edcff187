package coordinator

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/timeline"
)

// The GET /druid/coordinator/v1/datasources endpoints answer, as Druid's,
// from the server inventory: the segments the data servers serve now. A
// datasource nothing serves is unknown to them (204 No Content). The POST
// and DELETE endpoints change the used flag in the metadata store; the
// load duty then loads or drops.

// serveDataSources is GET /datasources: the served datasources' names;
// with simple each with its tier and segment statistics; with full each
// with its segments.
func (c *Coordinator) serveDataSources(w http.ResponseWriter, r *http.Request) {
	inv := c.inventory(r.Context())
	names := inv.dataSources()
	switch {
	case has(r, "full"):
		out := make([]druidDataSource, 0, len(names))
		for _, ds := range names {
			out = append(out, inv.fullDataSource(ds))
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
	case has(r, "simple"):
		type simple struct {
			Name       string         `json:"name"`
			Properties map[string]any `json:"properties"`
		}
		out := make([]simple, 0, len(names))
		for _, ds := range names {
			out = append(out, simple{ds, inv.simpleDataSource(ds)})
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
	default:
		httpapi.WriteJSON(w, r, http.StatusOK, names)
	}
}

func (inv *inventory) fullDataSource(ds string) druidDataSource {
	segs := make([]base.DataSegment, 0, len(inv.byDS[ds]))
	for _, e := range inv.byDS[ds] {
		segs = append(segs, e.seg)
	}
	return druidDataSource{Name: ds, Properties: map[string]any{}, Segments: segs}
}

// simpleDataSource is Druid's simple datasource properties: per tier the
// distinct segments' count and size and the replicated size, and overall
// the distinct count, size, replicated size and time range.
func (inv *inventory) simpleDataSource(ds string) map[string]any {
	type tierStats struct {
		SegmentCount   int   `json:"segmentCount"`
		Size           int64 `json:"size"`
		ReplicatedSize int64 `json:"replicatedSize"`
	}
	tiers := map[string]*tierStats{}
	var count int
	var size, replicated int64
	minT, maxT := base.MaxTime, base.MinTime
	for _, e := range inv.byDS[ds] {
		count++
		size += e.seg.Size
		minT, maxT = min(minT, e.seg.Interval.Start), max(maxT, e.seg.Interval.End)
		seen := map[string]bool{}
		for _, s := range e.servers {
			t := tiers[s.Tier]
			if t == nil {
				t = &tierStats{}
				tiers[s.Tier] = t
			}
			if !seen[s.Tier] {
				seen[s.Tier] = true
				t.SegmentCount++
				t.Size += e.seg.Size
			}
			t.ReplicatedSize += e.seg.Size
			replicated += e.seg.Size
		}
	}
	return map[string]any{
		"tiers": tiers,
		"segments": map[string]any{
			"count": count, "size": size, "replicatedSize": replicated,
			"minTime": base.FormatTime(minT), "maxTime": base.FormatTime(maxT),
		},
	}
}

// serveDataSource is GET /datasources/{ds}: the simple properties, or with
// full the datasource and its served segments; 204 when nothing serves it.
func (c *Coordinator) serveDataSource(w http.ResponseWriter, r *http.Request) {
	inv := c.inventory(r.Context())
	ds := r.PathValue("dataSourceName")
	if len(inv.byDS[ds]) == 0 {
		noContent(w)
		return
	}
	if has(r, "full") {
		httpapi.WriteJSON(w, r, http.StatusOK, inv.fullDataSource(ds))
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, inv.simpleDataSource(ds))
}

// serveDataSourceIntervals is GET /datasources/{ds}/intervals and
// /datasources/{ds}/intervals/{interval}: without simple or full, the
// served intervals newest first (or the ids of the segments within the
// interval); with simple, per interval the size and count; with full, per
// interval each segment with the servers serving it.
func (c *Coordinator) serveDataSourceIntervals(w http.ResponseWriter, r *http.Request) {
	within := base.Eternity
	byInterval := r.PathValue("interval") != ""
	if byInterval {
		iv, err := intervalParam(r)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		within = iv
	}
	inv := c.inventory(r.Context())
	ds := r.PathValue("dataSourceName")
	entries := inv.byDS[ds]
	if len(entries) == 0 {
		noContent(w)
		return
	}
	full, simple := has(r, "full"), has(r, "simple")
	if !full && !simple {
		if byInterval {
			ids := []string{}
			for _, e := range entries {
				if within.ContainsInterval(e.seg.Interval) {
					ids = append(ids, e.seg.ID().String())
				}
			}
			httpapi.WriteJSON(w, r, http.StatusOK, ids)
			return
		}
		var ivs []base.Interval
		seen := map[base.Interval]bool{}
		for _, e := range entries {
			if !seen[e.seg.Interval] {
				seen[e.seg.Interval] = true
				ivs = append(ivs, e.seg.Interval)
			}
		}
		newestFirst(ivs)
		out := make([]string, 0, len(ivs))
		for _, iv := range ivs {
			out = append(out, iv.String())
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
		return
	}
	groups := map[base.Interval][]*servedSegment{}
	var ivs []base.Interval
	for _, e := range entries {
		if !within.ContainsInterval(e.seg.Interval) {
			continue
		}
		if _, ok := groups[e.seg.Interval]; !ok {
			ivs = append(ivs, e.seg.Interval)
		}
		groups[e.seg.Interval] = append(groups[e.seg.Interval], e)
	}
	newestFirst(ivs)
	out := &ordered{}
	for _, iv := range ivs {
		if full {
			segs := &ordered{}
			for _, e := range groups[iv] {
				segs.add(e.seg.ID().String(), segmentAndServers{e.seg, e.hosts()})
			}
			out.add(iv.String(), segs)
			continue
		}
		var size int64
		for _, e := range groups[iv] {
			size += e.seg.Size
		}
		out.add(iv.String(), sizeCount{size, len(groups[iv])})
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

// sizeCount is the per-interval statistics of the simple views.
type sizeCount struct {
	Size  int64 `json:"size"`
	Count int   `json:"count"`
}

// segmentAndServers is a served segment with the servers serving it.
type segmentAndServers struct {
	Metadata base.DataSegment `json:"metadata"`
	Servers  []string         `json:"servers"`
}

// serveDataSourceServerView is GET /datasources/{ds}/intervals/{interval}/serverview:
// the segments visible over the interval in the served timeline (complete
// or not), each with the servers serving it (Druid's
// ImmutableSegmentLoadInfo).
func (c *Coordinator) serveDataSourceServerView(w http.ResponseWriter, r *http.Request) {
	iv, err := intervalParam(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	inv := c.inventory(r.Context())
	tl := timeline.New[*servedSegment]()
	for _, e := range inv.byDS[r.PathValue("dataSourceName")] {
		_ = timeline.AddSegment(tl, &e.seg, e) // served segments have non-empty intervals
	}
	type serverMeta struct {
		Name           string  `json:"name"`
		Host           string  `json:"host"`
		HostAndTLSPort *string `json:"hostAndTlsPort"`
		MaxSize        int64   `json:"maxSize"`
		Type           string  `json:"type"`
		Tier           string  `json:"tier"`
		Priority       int     `json:"priority"`
	}
	type loadInfo struct {
		Segment base.DataSegment `json:"segment"`
		Servers []serverMeta     `json:"servers"`
	}
	out := []loadInfo{}
	for _, h := range tl.LookupWithIncomplete(iv) {
		for _, ch := range h.Chunks {
			e := ch.Payload
			li := loadInfo{Segment: e.seg, Servers: []serverMeta{}}
			for _, s := range e.servers {
				li.Servers = append(li.Servers, serverMeta{Name: s.Name, Host: s.Name, MaxSize: s.MaxSize, Type: serverType(s.Type), Tier: s.Tier, Priority: s.Priority})
			}
			out = append(out, li)
		}
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

// serverType is Druid's server type name ("historical" when unset).
func serverType(t string) string {
	if t == "" {
		return "historical"
	}
	return t
}

// serveDataSourceSegments is GET /datasources/{ds}/segments (+full): the
// served segments' ids or the segments; 204 when nothing serves the
// datasource.
func (c *Coordinator) serveDataSourceSegments(w http.ResponseWriter, r *http.Request) {
	inv := c.inventory(r.Context())
	ds := r.PathValue("dataSourceName")
	if len(inv.byDS[ds]) == 0 {
		noContent(w)
		return
	}
	writeSegments(w, r, inv.fullDataSource(ds).Segments)
}

// serveDataSourceSegment is GET /datasources/{ds}/segments/{id}: the served
// segment with the servers serving it; 204 when unknown.
func (c *Coordinator) serveDataSourceSegment(w http.ResponseWriter, r *http.Request) {
	inv := c.inventory(r.Context())
	ds := r.PathValue("dataSourceName")
	if len(inv.byDS[ds]) == 0 {
		noContent(w)
		return
	}
	for _, id := range possibleIDs(ds, r.PathValue("segmentId")) {
		if e := inv.byID[id]; e != nil {
			httpapi.WriteJSON(w, r, http.StatusOK, segmentAndServers{e.seg, e.hosts()})
			return
		}
	}
	noContent(w)
}

// serveDataSourceTiers is GET /datasources/{ds}/tiers: the tiers of the
// servers serving the datasource, sorted.
func (c *Coordinator) serveDataSourceTiers(w http.ResponseWriter, r *http.Request) {
	inv := c.inventory(r.Context())
	tiers := []string{}
	for _, e := range inv.byDS[r.PathValue("dataSourceName")] {
		for _, s := range e.servers {
			if !slices.Contains(tiers, s.Tier) {
				tiers = append(tiers, s.Tier)
			}
		}
	}
	slices.Sort(tiers)
	httpapi.WriteJSON(w, r, http.StatusOK, tiers)
}

// markUsedNonOvershadowed marks used the unused segments of dataSource that
// pick selects and that the datasource's used segments together with the
// selected ones do not overshadow (Druid's markAsUsedNonOvershadowed*). It
// returns how many changed.
func markUsedNonOvershadowed(ctx context.Context, store *metadata.Store, dataSource string, pick func(metadata.SegmentRecord) bool) (int, error) {
	recs, err := store.Segments(ctx, metadata.SegmentFilter{DataSource: dataSource})
	if err != nil {
		return 0, err
	}
	tl := timeline.New[struct{}]()
	var candidates []base.DataSegment
	for _, rec := range recs {
		selected := !rec.Used && pick(rec)
		if rec.Used || selected {
			_ = timeline.AddSegment(tl, &rec.Segment, struct{}{}) // stored segments have non-empty intervals
		}
		if selected {
			candidates = append(candidates, rec.Segment)
		}
	}
	var ids []base.SegmentID
	for i := range candidates {
		s := &candidates[i]
		if !tl.IsOvershadowed(s.Interval, s.Version, s.ShardSpec.PartitionNum) {
			ids = append(ids, s.ID())
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return store.MarkUsed(ctx, dataSource, ids)
}

// changed is the {"numChangedSegments":N} answer.
type changed struct {
	NumChangedSegments int `json:"numChangedSegments"`
}

// stateChanged is the {"segmentStateChanged":bool} answer.
type stateChanged struct {
	SegmentStateChanged bool `json:"segmentStateChanged"`
}

// serveMarkAllUsed is POST /datasources/{ds}: mark used every unused,
// non-overshadowed segment of the datasource.
func (c *Coordinator) serveMarkAllUsed(w http.ResponseWriter, r *http.Request) {
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	n, err := markUsedNonOvershadowed(r.Context(), store, r.PathValue("dataSourceName"), func(metadata.SegmentRecord) bool { return true })
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	c.Nudge()
	httpapi.WriteJSON(w, r, http.StatusOK, changed{n})
}

// serveMarkAllUnused is DELETE /datasources/{ds}: mark every segment of the
// datasource unused. The deprecated ?kill=true&interval= form submits a kill
// task instead (serveKillInterval).
func (c *Coordinator) serveMarkAllUnused(w http.ResponseWriter, r *http.Request) {
	if strings.EqualFold(r.URL.Query().Get("kill"), "true") {
		iv := r.URL.Query().Get("interval")
		if iv == "" {
			httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "DELETE %s?kill=true: the interval parameter is required", r.URL.Path))
			return
		}
		c.submitKill(w, r, iv)
		return
	}
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	n, err := store.MarkAllUnused(r.Context(), r.PathValue("dataSourceName"))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	c.Nudge()
	httpapi.WriteJSON(w, r, http.StatusOK, changed{n})
}

// serveMarkSegmentUsed is POST /datasources/{ds}/segments/{id}.
func (c *Coordinator) serveMarkSegmentUsed(w http.ResponseWriter, r *http.Request) {
	c.markOne(w, r, true)
}

// serveMarkSegmentUnused is DELETE /datasources/{ds}/segments/{id}.
func (c *Coordinator) serveMarkSegmentUnused(w http.ResponseWriter, r *http.Request) {
	c.markOne(w, r, false)
}

// markOne marks one segment used or unused and answers whether its state
// changed (false for an unknown or unparsable id, as Druid).
func (c *Coordinator) markOne(w http.ResponseWriter, r *http.Request, used bool) {
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ds := r.PathValue("dataSourceName")
	n := 0
	for _, id := range possibleIDs(ds, r.PathValue("segmentId")) {
		mark := store.MarkUnused
		if used {
			mark = store.MarkUsed
		}
		k, err := mark(r.Context(), ds, []base.SegmentID{id})
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		n += k
	}
	if n > 0 {
		c.Nudge()
	}
	httpapi.WriteJSON(w, r, http.StatusOK, stateChanged{n > 0})
}

// markPayload is the body of markUsed and markUnused: an interval or a set
// of segment ids (exactly one), and optionally versions to restrict an
// interval to.
type markPayload struct {
	Interval   *string  `json:"interval"`
	SegmentIDs []string `json:"segmentIds"`
	Versions   []string `json:"versions"`
}

// decodeMarkPayload reads and checks a markUsed/markUnused body.
func decodeMarkPayload(r *http.Request) (markPayload, *base.Interval, error) {
	var p markPayload
	var raw json.RawMessage
	if err := httpapi.DecodeJSON(r, &raw); err != nil {
		return p, nil, err
	}
	if string(raw) == "null" {
		return p, nil, base.Errorf(base.ClassInvalidInput, "invalid request payload, either interval or segmentIds array must be specified")
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, nil, base.Errorf(base.ClassInvalidInput, "invalid request payload: %w", err)
	}
	hasIDs := p.SegmentIDs != nil
	if (p.Interval != nil) == hasIDs {
		return p, nil, base.Errorf(base.ClassInvalidInput, "invalid request payload, either interval or segmentIds array must be specified, not both or neither")
	}
	if hasIDs && len(p.SegmentIDs) == 0 {
		return p, nil, base.Errorf(base.ClassInvalidInput, "invalid request payload: segmentIds must not be empty")
	}
	if hasIDs && p.Versions != nil {
		return p, nil, base.Errorf(base.ClassInvalidInput, "invalid request payload: versions can be given only with an interval")
	}
	if p.Interval == nil {
		return p, nil, nil
	}
	iv, err := base.ParseInterval(*p.Interval, time.UTC)
	if err != nil {
		return p, nil, base.Errorf(base.ClassInvalidInput, "invalid request payload: interval %q: %w", *p.Interval, err)
	}
	return p, &iv, nil
}

// knownDataSource reports whether the metadata store holds any segment of
// dataSource, used or not.
func knownDataSource(ctx context.Context, store *metadata.Store, dataSource string) (bool, error) {
	names, err := store.DataSources(ctx, true)
	if err != nil {
		return false, err
	}
	return slices.Contains(names, dataSource), nil
}

// serveMarkUsed is POST /datasources/{ds}/markUsed: mark used the unused,
// non-overshadowed segments within the interval (of the versions, when
// given) or with the listed ids. Unknown ids are 404; a datasource without
// any segment is 204.
func (c *Coordinator) serveMarkUsed(w http.ResponseWriter, r *http.Request) {
	c.markMany(w, r, true)
}

// serveMarkUnused is POST /datasources/{ds}/markUnused: mark unused the used
// segments within the interval (of the versions, when given) or with the
// listed ids; ids of other datasources or unparsable ones are ignored.
func (c *Coordinator) serveMarkUnused(w http.ResponseWriter, r *http.Request) {
	c.markMany(w, r, false)
}

func (c *Coordinator) markMany(w http.ResponseWriter, r *http.Request, used bool) {
	p, iv, err := decodeMarkPayload(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ctx, ds := r.Context(), r.PathValue("dataSourceName")
	known, err := knownDataSource(ctx, store, ds)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if !known {
		noContent(w)
		return
	}
	var n int
	switch {
	case iv != nil && used:
		n, err = markUsedNonOvershadowed(ctx, store, ds, func(rec metadata.SegmentRecord) bool {
			return iv.ContainsInterval(rec.Segment.Interval) && (len(p.Versions) == 0 || slices.Contains(p.Versions, rec.Segment.Version))
		})
	case iv != nil:
		n, err = store.MarkUnusedInInterval(ctx, ds, *iv, p.Versions)
	case used:
		n, err = c.markUsedByIDs(ctx, store, ds, p.SegmentIDs)
	default:
		var ids []base.SegmentID
		for _, s := range p.SegmentIDs {
			ids = append(ids, possibleIDs(ds, s)...)
		}
		if len(ids) > 0 {
			n, err = store.MarkUnused(ctx, ds, ids)
		}
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if n > 0 {
		c.Nudge()
	}
	httpapi.WriteJSON(w, r, http.StatusOK, changed{n})
}

// markUsedByIDs marks the listed segments used unless overshadowed; ids
// that name no segment of the datasource are a base.ClassNotFound error
// naming them, and nothing changes.
func (c *Coordinator) markUsedByIDs(ctx context.Context, store *metadata.Store, ds string, texts []string) (int, error) {
	recs, err := store.Segments(ctx, metadata.SegmentFilter{DataSource: ds})
	if err != nil {
		return 0, err
	}
	known := map[base.SegmentID]bool{}
	for _, rec := range recs {
		known[rec.Segment.ID()] = true
	}
	want := map[base.SegmentID]bool{}
	var unknown []string
	for _, s := range texts {
		found := false
		for _, id := range possibleIDs(ds, s) {
			if known[id] {
				want[id], found = true, true
			}
		}
		if !found {
			unknown = append(unknown, s)
		}
	}
	if len(unknown) > 0 {
		return 0, base.Errorf(base.ClassNotFound, "segment ids %v of datasource %q are not found", unknown, ds)
	}
	return markUsedNonOvershadowed(ctx, store, ds, func(rec metadata.SegmentRecord) bool { return want[rec.Segment.ID()] })
}
