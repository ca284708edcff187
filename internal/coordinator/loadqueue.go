package coordinator

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/serverview"
)

// queueWorkers is how many requests of one server's load queue run at
// once (Druid's druid.segmentCache.numLoadingThreads on the historical).
const queueWorkers = 2

// request is one pending load or drop of a segment on one server.
type request struct {
	seg  base.DataSegment
	drop bool
	// moveFrom names the server a balancing move takes the segment from:
	// the segment is dropped there once this load succeeds.
	moveFrom string
	started  bool
	canceled bool
	// then runs after the request finished (err is nil on success), on the
	// worker goroutine, without the queue's lock.
	then func(err error)
}

// loadQueue is the coordinator's queue of load and drop requests for one
// data server: Druid's load queue peon. Drops run before loads; loads run in
// the order they were queued (the duty queues the newest segments first).
// A request counts as pending from the moment it is queued until the
// server answered it. It is safe for concurrent use; close it once.
type loadQueue struct {
	server serverview.Server
	log    *slog.Logger

	mu      sync.Mutex
	pending map[base.SegmentID]*request // queued or running
	loads   []*request                  // queued loads, FIFO; canceled ones skipped
	drops   []*request                  // queued drops, FIFO
	closed  bool

	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// newLoadQueue starts a queue for server with its workers.
func newLoadQueue(server serverview.Server, log *slog.Logger) *loadQueue {
	ctx, cancel := context.WithCancel(context.Background())
	q := &loadQueue{server: server, log: log, pending: map[base.SegmentID]*request{},
		wake: make(chan struct{}, queueWorkers), ctx: ctx, cancel: cancel}
	for range queueWorkers {
		q.wg.Add(1)
		go q.work()
	}
	return q
}

// enqueue queues r unless the segment has a pending request already. A
// pending request of the opposite kind that has not started is canceled
// instead (a queued drop of a segment to load again means it stays; a
// queued load of a segment to drop never happens); the result is then true
// as the wanted state is reached. It returns false when nothing changed.
func (q *loadQueue) enqueue(r *request) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	id := r.seg.ID()
	if p := q.pending[id]; p != nil {
		if p.drop == r.drop || p.started {
			return false
		}
		p.canceled = true
		delete(q.pending, id)
		return true
	}
	q.pending[id] = r
	if r.drop {
		q.drops = append(q.drops, r)
	} else {
		q.loads = append(q.loads, r)
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// next takes the next request to run, drops first; nil when none is queued.
func (q *loadQueue) next() *request {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, l := range []*[]*request{&q.drops, &q.loads} {
		for len(*l) > 0 {
			r := (*l)[0]
			(*l)[0] = nil
			*l = (*l)[1:]
			if !r.canceled {
				r.started = true
				return r
			}
		}
	}
	return nil
}

func (q *loadQueue) work() {
	defer q.wg.Done()
	for {
		select {
		case <-q.ctx.Done():
			return
		case <-q.wake:
		}
		for r := q.next(); r != nil; r = q.next() {
			var err error
			id := r.seg.ID()
			if r.drop {
				err = q.server.Loader.Drop(q.ctx, id)
			} else {
				err = q.server.Loader.Load(q.ctx, r.seg)
			}
			if err != nil && q.ctx.Err() == nil {
				action := "load"
				if r.drop {
					action = "drop"
				}
				q.log.Warn("segment request failed", slog.String("action", action), slog.String("server", q.server.Name),
					slog.String("segment", id.String()), slog.Any("error", err))
			}
			// then runs before the request leaves the pending set, so that a
			// duty run never sees a finished move without its drop queued.
			if r.then != nil {
				r.then(err)
			}
			q.mu.Lock()
			if q.pending[id] == r {
				delete(q.pending, id)
			}
			q.mu.Unlock()
			if q.ctx.Err() != nil {
				return
			}
		}
	}
}

// close cancels the queued requests, interrupts the running ones and waits
// for the workers to end.
func (q *loadQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.pending = map[base.SegmentID]*request{}
	q.loads, q.drops = nil, nil
	q.mu.Unlock()
	q.cancel()
	q.wg.Wait()
}

// queueSnapshot is a copy of a queue's pending requests.
type queueSnapshot struct {
	loads, drops []base.DataSegment // sorted by id
	// movingFrom maps the segments of pending balancing loads to the server
	// they move from.
	movingFrom map[base.SegmentID]string
}

// snapshot copies the pending requests.
func (q *loadQueue) snapshot() queueSnapshot {
	q.mu.Lock()
	var s queueSnapshot
	for _, r := range q.pending {
		if r.drop {
			s.drops = append(s.drops, r.seg)
			continue
		}
		s.loads = append(s.loads, r.seg)
		if r.moveFrom != "" {
			if s.movingFrom == nil {
				s.movingFrom = map[base.SegmentID]string{}
			}
			s.movingFrom[r.seg.ID()] = r.moveFrom
		}
	}
	q.mu.Unlock()
	byID := func(a, b base.DataSegment) int { return compareIDs(a.ID(), b.ID()) }
	slices.SortFunc(s.loads, byID)
	slices.SortFunc(s.drops, byID)
	return s
}

// size is the number of pending requests.
func (q *loadQueue) size() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// loadQueues holds one queue per data server known at the last duty run.
// It is safe for concurrent use.
type loadQueues struct {
	log *slog.Logger
	mu  sync.Mutex
	m   map[string]*loadQueue
}

func newLoadQueues(log *slog.Logger) *loadQueues {
	return &loadQueues{log: log, m: map[string]*loadQueue{}}
}

// sync makes the queues match servers: new servers get a queue, the queues
// of servers gone (or re-registered with another loader) are closed. It
// returns the queue of each server, in the servers' order.
func (qs *loadQueues) sync(servers []serverview.Server) []*loadQueue {
	qs.mu.Lock()
	keep := make(map[string]bool, len(servers))
	var gone []*loadQueue
	out := make([]*loadQueue, len(servers))
	for i, s := range servers {
		keep[s.Name] = true
		q := qs.m[s.Name]
		if q != nil && q.server.Loader != s.Loader {
			gone = append(gone, q)
			q = nil
		}
		if q == nil {
			q = newLoadQueue(s, qs.log)
			qs.m[s.Name] = q
		}
		out[i] = q
	}
	for name, q := range qs.m {
		if !keep[name] {
			gone = append(gone, q)
			delete(qs.m, name)
		}
	}
	qs.mu.Unlock()
	for _, q := range gone {
		q.close()
	}
	return out
}

// get returns the queue of a server, nil when there is none.
func (qs *loadQueues) get(name string) *loadQueue {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	return qs.m[name]
}

// all returns the queues by server name.
func (qs *loadQueues) all() map[string]*loadQueue {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	return maps.Clone(qs.m)
}

// idle reports whether no queue has a pending request.
func (qs *loadQueues) idle() bool {
	for _, q := range qs.all() {
		if q.size() > 0 {
			return false
		}
	}
	return true
}

// closeAll closes every queue.
func (qs *loadQueues) closeAll() {
	qs.mu.Lock()
	m := qs.m
	qs.m = map[string]*loadQueue{}
	qs.mu.Unlock()
	for _, q := range m {
		q.close()
	}
}
