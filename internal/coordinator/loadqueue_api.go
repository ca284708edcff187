package coordinator

import (
	"maps"
	"net/http"
	"slices"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
)

// serveLoadQueue is GET /druid/coordinator/v1/loadqueue: per data server
// (by name) the segments its load queue still has to load and drop, queued
// or in flight. By default their ids; with ?full the segments' metadata;
// with ?simple the counts and total sizes in bytes (segmentsToLoad,
// segmentsToDrop, segmentsToLoadSize, segmentsToDropSize). Servers appear
// once the duty has run since they registered.
func (c *Coordinator) serveLoadQueue(w http.ResponseWriter, r *http.Request) {
	queues := c.queues.all()
	out := &ordered{}
	for _, name := range slices.Sorted(maps.Keys(queues)) {
		sn := queues[name].snapshot()
		switch {
		case has(r, "simple"):
			out.add(name, struct {
				SegmentsToLoad     int   `json:"segmentsToLoad"`
				SegmentsToDrop     int   `json:"segmentsToDrop"`
				SegmentsToLoadSize int64 `json:"segmentsToLoadSize"`
				SegmentsToDropSize int64 `json:"segmentsToDropSize"`
			}{len(sn.loads), len(sn.drops), totalSize(sn.loads), totalSize(sn.drops)})
		case has(r, "full"):
			out.add(name, struct {
				SegmentsToLoad []base.DataSegment `json:"segmentsToLoad"`
				SegmentsToDrop []base.DataSegment `json:"segmentsToDrop"`
			}{nonNil(sn.loads), nonNil(sn.drops)})
		default:
			out.add(name, struct {
				SegmentsToLoad []string `json:"segmentsToLoad"`
				SegmentsToDrop []string `json:"segmentsToDrop"`
			}{idStrings(sn.loads), idStrings(sn.drops)})
		}
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

func totalSize(segs []base.DataSegment) int64 {
	var n int64
	for _, s := range segs {
		n += s.Size
	}
	return n
}

func idStrings(segs []base.DataSegment) []string {
	out := make([]string, 0, len(segs))
	for _, s := range segs {
		out = append(out, s.ID().String())
	}
	return out
}
