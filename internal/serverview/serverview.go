package serverview

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/engine"
	"github.com/dryaddb/dryad/internal/query/metaquery"
)

// Descriptor names the part of one served segment a query reads: Druid's
// SegmentDescriptor, with the whole segment id so that a data server can
// find the segment without knowing the query's datasource.
type Descriptor struct {
	Segment base.SegmentID
	// Interval is the part of the segment's interval to read (a timeline
	// holder's visible interval, already clipped to the query).
	Interval base.Interval
}

// Loader is what the coordinator asks of a data server. Implementations are
// safe for concurrent use.
type Loader interface {
	// Load makes the server serve seg, pulling it when it is not cached.
	// Loading a segment already served succeeds.
	Load(ctx context.Context, seg base.DataSegment) error
	// Drop stops serving the segment and removes it from the local cache.
	// Dropping a segment that is not served succeeds.
	Drop(ctx context.Context, id base.SegmentID) error
	// Served lists the segments the server serves.
	Served(ctx context.Context) ([]base.DataSegment, error)
}

// QueryRunner is what the broker asks of a data server. Unknown segments
// are an error of class base.ClassNotFound naming them. Implementations are
// safe for concurrent use.
type QueryRunner interface {
	// RunQuery runs a timeseries, topN, groupBy or scan query on the
	// segments named by descs and returns the merged partial result
	// (per-segment results combined the way a data server combines them).
	RunQuery(ctx context.Context, q query.Query, descs []Descriptor) (*engine.Partial, error)
	// RunMetaQuery runs a search, timeBoundary, segmentMetadata or
	// dataSourceMetadata query on the segments named by descs and returns
	// one partial result per segment, in descriptor order.
	RunMetaQuery(ctx context.Context, q query.Query, descs []Descriptor) ([]*metaquery.Partial, error)
}

// Server is a data server known to the view.
type Server struct {
	Name     string // host:port, unique
	Type     string // "historical"
	Tier     string
	Priority int
	MaxSize  int64
	Loader   Loader
	Runner   QueryRunner
}

// EventKind tells what an Event reports.
type EventKind int

// The event kinds.
const (
	SegmentAdded EventKind = iota
	SegmentRemoved
)

// Event is one change of the served segments.
type Event struct {
	Kind    EventKind
	Server  string
	Segment base.DataSegment
}

// Local is the in-process server view. It is safe for concurrent use.
type Local struct {
	mu      sync.Mutex
	servers map[string]*serverState
	subs    map[int]func(Event)
	nextSub int
}

type serverState struct {
	info     Server
	segments map[base.SegmentID]base.DataSegment
}

// NewLocal returns an empty view.
func NewLocal() *Local {
	return &Local{servers: map[string]*serverState{}, subs: map[int]func(Event){}}
}

// AddServer registers a data server (replacing one of the same name, whose
// segments are then unannounced).
func (l *Local) AddServer(s Server) {
	l.RemoveServer(s.Name)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.servers[s.Name] = &serverState{info: s, segments: map[base.SegmentID]base.DataSegment{}}
}

// RemoveServer unregisters a data server and unannounces its segments.
func (l *Local) RemoveServer(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.servers[name]
	if !ok {
		return
	}
	delete(l.servers, name)
	for _, seg := range st.segments {
		l.emit(Event{Kind: SegmentRemoved, Server: name, Segment: seg})
	}
}

// Announce records that server serves seg. Announcing for an unknown server
// is ignored (it has been removed).
func (l *Local) Announce(server string, seg base.DataSegment) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.servers[server]
	if !ok {
		return
	}
	id := seg.ID()
	if _, dup := st.segments[id]; dup {
		return
	}
	st.segments[id] = seg
	l.emit(Event{Kind: SegmentAdded, Server: server, Segment: seg})
}

// Unannounce records that server no longer serves the segment.
func (l *Local) Unannounce(server string, id base.SegmentID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.servers[server]
	if !ok {
		return
	}
	seg, ok := st.segments[id]
	if !ok {
		return
	}
	delete(st.segments, id)
	l.emit(Event{Kind: SegmentRemoved, Server: server, Segment: seg})
}

func (l *Local) emit(e Event) {
	for _, k := range slices.Sorted(maps.Keys(l.subs)) {
		l.subs[k](e)
	}
}

// Subscribe calls fn with a SegmentAdded event for every segment served now
// and then with every later change, in order, until cancel is called. fn is
// called with the view's lock held: it must be quick and must not call back
// into the view.
func (l *Local) Subscribe(fn func(Event)) (cancel func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range slices.Sorted(maps.Keys(l.servers)) {
		for _, seg := range l.servers[name].segments {
			fn(Event{Kind: SegmentAdded, Server: name, Segment: seg})
		}
	}
	id := l.nextSub
	l.nextSub++
	l.subs[id] = fn
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.subs, id)
	}
}

// Servers lists the registered data servers, by name.
func (l *Local) Servers() []Server {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Server, 0, len(l.servers))
	for _, name := range slices.Sorted(maps.Keys(l.servers)) {
		out = append(out, l.servers[name].info)
	}
	return out
}

// Server returns a registered data server by name.
func (l *Local) Server(name string) (Server, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.servers[name]
	if !ok {
		return Server{}, false
	}
	return st.info, true
}

// ServedBy lists, per server name, the ids of the segments it announced.
func (l *Local) ServedBy() map[string][]base.SegmentID {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string][]base.SegmentID, len(l.servers))
	for name, st := range l.servers {
		ids := make([]base.SegmentID, 0, len(st.segments))
		for id := range st.segments {
			ids = append(ids, id)
		}
		out[name] = ids
	}
	return out
}
