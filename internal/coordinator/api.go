package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/serverview"
)

// This file holds what the metadata, datasource, rules, intervals, servers
// and dynamic-config endpoints share. docs/coordinator.md describes every
// endpoint and where its answer comes from.

// metadataStore returns the metadata store, or a base.ClassUnavailable error
// when the coordinator runs without one (tests of the bare HTTP surface).
func (c *Coordinator) metadataStore() (*metadata.Store, error) {
	if c.deps.Metadata == nil {
		return nil, base.Errorf(base.ClassUnavailable, "coordinator: no metadata store is configured")
	}
	return c.deps.Metadata, nil
}

// auditInfoOf is who made a change: Druid's X-Druid-Author and
// X-Druid-Comment headers and the caller's address.
func auditInfoOf(r *http.Request) metadata.AuditInfo {
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	return metadata.AuditInfo{Author: r.Header.Get("X-Druid-Author"), Comment: r.Header.Get("X-Druid-Comment"), IP: ip}
}

// has reports whether a query parameter is present, with or without a
// value: Druid's flags (?full, ?simple) are tested for presence.
func has(r *http.Request, name string) bool { return r.URL.Query().Has(name) }

// noContent answers 204 with no body: what Druid's datasource endpoints
// answer for a datasource they do not know.
func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// ok answers 200 with an empty body, as Druid's POSTs of rules and config.
func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// intervalParam parses an interval path segment in the coordinator's "_"
// form (a "/" form is accepted too).
func intervalParam(r *http.Request) (base.Interval, error) {
	s := r.PathValue("interval")
	iv, err := base.ParseIntervalURL(s)
	if err != nil {
		return base.Interval{}, base.Errorf(base.ClassInvalidInput, "invalid interval %q in the path: %w", s, err)
	}
	return iv, nil
}

// historyParams reads the interval and count query parameters of the audit
// history endpoints with Druid's precedence: an interval wins over a count,
// and a count must be positive.
func historyParams(r *http.Request) (*base.Interval, *int, error) {
	q := r.URL.Query()
	if s := q.Get("interval"); q.Has("interval") {
		iv, err := base.ParseIntervalURL(s)
		if err != nil {
			return nil, nil, base.Errorf(base.ClassInvalidInput, "invalid interval %q: %w", s, err)
		}
		return &iv, nil, nil
	}
	if s := q.Get("count"); q.Has("count") {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, nil, base.Errorf(base.ClassInvalidInput, "invalid count %q: not an integer", s)
		}
		if n <= 0 {
			return nil, nil, base.Errorf(base.ClassInvalidInput, "invalid count %d: must be greater than zero", n)
		}
		return nil, &n, nil
	}
	return nil, nil, nil
}

// auditJSON is an audit entry as Druid's history endpoints return it: the
// payload is the stored JSON as a string.
type auditJSON struct {
	Key       string             `json:"key"`
	Type      string             `json:"type"`
	AuditInfo metadata.AuditInfo `json:"auditInfo"`
	Payload   string             `json:"payload"`
	AuditTime string             `json:"auditTime"`
}

func auditEntries(es []metadata.AuditEntry) []auditJSON {
	out := make([]auditJSON, 0, len(es))
	for _, e := range es {
		var buf bytes.Buffer
		p := []byte(e.Payload)
		if json.Compact(&buf, p) == nil {
			p = buf.Bytes()
		}
		out = append(out, auditJSON{e.Key, e.Type, e.AuditInfo, string(p), base.FormatTime(e.AuditTime)})
	}
	return out
}

// ordered is a JSON object whose keys keep the order they were added in
// (Druid returns TreeMaps keyed by interval, newest first).
type ordered struct {
	keys []string
	vals []any
}

func (o *ordered) add(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// MarshalJSON writes the keys in order.
func (o *ordered) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	for i, k := range o.keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		buf = append(append(append(buf, kb...), ':'), vb...)
	}
	return append(buf, '}'), nil
}

// newestFirst sorts intervals by start then end, descending (Druid's
// Comparators.intervalsByStartThenEnd().reversed()).
func newestFirst(ivs []base.Interval) {
	sort.Slice(ivs, func(i, j int) bool { return base.CompareIntervals(ivs[j], ivs[i]) < 0 })
}

// compareIDs orders segment ids as Druid's SegmentId.compareTo: by
// datasource, start, end, version, partition.
func compareIDs(a, b base.SegmentID) int {
	if a.DataSource != b.DataSource {
		if a.DataSource < b.DataSource {
			return -1
		}
		return 1
	}
	if c := base.CompareIntervals(a.Interval, b.Interval); c != 0 {
		return c
	}
	if a.Version != b.Version {
		if a.Version < b.Version {
			return -1
		}
		return 1
	}
	return a.Partition - b.Partition
}

// possibleIDs lists the ways s may name a segment of dataSource: a trailing
// "_N" is a partition number, or part of the version (Druid's
// iteratePossibleParsingsWithDataSource).
func possibleIDs(dataSource, s string) []base.SegmentID {
	id, err := base.ParseSegmentID(dataSource, s)
	if err != nil {
		return nil
	}
	out := []base.SegmentID{id}
	if id.Partition != 0 {
		alt := id
		alt.Version, alt.Partition = id.Version+"_"+strconv.Itoa(id.Partition), 0
		out = append(out, alt)
	}
	return out
}

// servedSegment is one segment in the server inventory with the servers
// that serve it.
type servedSegment struct {
	seg     base.DataSegment
	servers []serverview.Server
}

// inventory is what the data servers serve: Druid's server inventory view,
// from which the /datasources, /intervals, /servers and /tiers endpoints
// answer.
type inventory struct {
	servers []serverview.Server
	served  [][]base.DataSegment // per server, same order
	byID    map[base.SegmentID]*servedSegment
	byDS    map[string][]*servedSegment // sorted by id
}

// inventory asks every data server what it serves. A server that does not
// answer is left out, as Druid's view leaves out a server it lost.
func (c *Coordinator) inventory(ctx context.Context) *inventory {
	inv := &inventory{byID: map[base.SegmentID]*servedSegment{}, byDS: map[string][]*servedSegment{}}
	if c.deps.Servers == nil {
		return inv
	}
	for _, s := range c.deps.Servers.Servers() {
		segs, err := s.Loader.Served(ctx)
		if err != nil {
			c.log.Warn("listing served segments", slog.String("server", s.Name), slog.Any("error", err))
			continue
		}
		inv.servers = append(inv.servers, s)
		inv.served = append(inv.served, segs)
		for _, seg := range segs {
			id := seg.ID()
			e := inv.byID[id]
			if e == nil {
				e = &servedSegment{seg: seg}
				inv.byID[id] = e
				inv.byDS[seg.DataSource] = append(inv.byDS[seg.DataSource], e)
			}
			e.servers = append(e.servers, s)
		}
	}
	for _, l := range inv.byDS {
		slices.SortFunc(l, func(a, b *servedSegment) int { return compareIDs(a.seg.ID(), b.seg.ID()) })
	}
	return inv
}

// dataSources returns the names of the served datasources, sorted.
func (inv *inventory) dataSources() []string {
	out := make([]string, 0, len(inv.byDS))
	for ds := range inv.byDS {
		out = append(out, ds)
	}
	slices.Sort(out)
	return out
}

// hosts returns the names of the servers serving e, sorted.
func (e *servedSegment) hosts() []string {
	out := make([]string, 0, len(e.servers))
	for _, s := range e.servers {
		out = append(out, s.Name)
	}
	slices.Sort(out)
	return out
}

// druidDataSource is Druid's ImmutableDruidDataSource JSON.
type druidDataSource struct {
	Name       string             `json:"name"`
	Properties map[string]any     `json:"properties"`
	Segments   []base.DataSegment `json:"segments"`
}

// nowISO is the current time in Druid's format.
func nowISO() string { return base.FormatTime(base.Millis(time.Now())) }

// route is a route table entry served by a handler method.
func route(method, pattern string, h http.HandlerFunc) httpapi.Route {
	return httpapi.Route{Method: method, Pattern: pattern, Handler: h}
}
