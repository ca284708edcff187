package broker

import (
	"slices"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/serverview"
	"github.com/dryaddb/dryad/internal/timeline"
)

// served is a timeline payload: a segment and the servers announcing it.
// servers is replaced, never modified, under Broker.mu.
type served struct {
	seg     base.DataSegment
	servers []string
}

// onEvent applies one server-view change to the timelines. It runs with the
// view's lock held.
func (b *Broker) onEvent(e serverview.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	seg := e.Segment
	tl := b.timelines[seg.DataSource]
	switch e.Kind {
	case serverview.SegmentAdded:
		b.served[e.Server+"\x00"+seg.ID().String()] = seg
		if tl == nil {
			tl = timeline.New[*served]()
			b.timelines[seg.DataSource] = tl
		}
		if chunks, ok := tl.Get(seg.Interval, seg.Version); ok {
			for _, c := range chunks {
				if c.PartitionNum() == seg.ShardSpec.PartitionNum {
					if !slices.Contains(c.Payload.servers, e.Server) {
						c.Payload.servers = append(slices.Clip(c.Payload.servers), e.Server)
					}
					return
				}
			}
		}
		if err := timeline.AddSegment(tl, &seg, &served{seg: seg, servers: []string{e.Server}}); err != nil {
			b.log.Warn("segment not added to the timeline", "segment", seg.ID().String(), "error", err)
		}
	case serverview.SegmentRemoved:
		delete(b.served, e.Server+"\x00"+seg.ID().String())
		if tl == nil {
			return
		}
		chunks, ok := tl.Get(seg.Interval, seg.Version)
		if !ok {
			return
		}
		for _, c := range chunks {
			if c.PartitionNum() != seg.ShardSpec.PartitionNum {
				continue
			}
			c.Payload.servers = slices.DeleteFunc(slices.Clone(c.Payload.servers), func(s string) bool { return s == e.Server })
			if len(c.Payload.servers) == 0 {
				tl.Remove(seg.Interval, seg.Version, seg.ShardSpec.PartitionNum)
				if tl.IsEmpty() {
					delete(b.timelines, seg.DataSource)
				}
			}
			return
		}
	}
}

// location is one segment to query: where, and over which interval.
type location struct {
	desc    serverview.Descriptor
	seg     base.DataSegment
	servers []string
}

// locate returns the visible segments of table over the intervals, in
// timeline order, skipping tombstones and, when prune is given, segments it
// rejects.
func (b *Broker) locate(table string, ivs []base.Interval, prune func(base.ShardSpec) bool) []location {
	b.mu.Lock()
	defer b.mu.Unlock()
	tl := b.timelines[table]
	if tl == nil {
		return nil
	}
	var out []location
	for _, iv := range ivs {
		for _, h := range tl.Lookup(iv) {
			for _, c := range h.Chunks {
				if c.IsTombstone() || (prune != nil && prune(c.ShardSpec)) {
					continue
				}
				out = append(out, location{
					desc:    serverview.Descriptor{Segment: c.Payload.seg.ID(), Interval: h.Interval},
					seg:     c.Payload.seg,
					servers: c.Payload.servers,
				})
			}
		}
	}
	return out
}

// dataSources lists the datasources with served segments, sorted.
func (b *Broker) dataSources() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, seg := range b.served {
		if !slices.Contains(out, seg.DataSource) {
			out = append(out, seg.DataSource)
		}
	}
	slices.Sort(out)
	return append([]string{}, out...)
}

// servedSegments lists the segments of ds that some server announces
// (overshadowed ones included).
func (b *Broker) servedSegments(ds string) []base.DataSegment {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []base.DataSegment
	for _, seg := range b.served {
		if seg.DataSource == ds {
			out = append(out, seg)
		}
	}
	return out
}
