package coordinator

import (
	"net/http"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
)

// The /druid/coordinator/v1/intervals endpoints answer, as Druid's, from
// the server inventory (the segments data servers serve now), each
// distinct segment counted once however many servers serve it.

// serveIntervals is GET /intervals: per served interval, newest first, per
// datasource the size and count of its segments.
func (c *Coordinator) serveIntervals(w http.ResponseWriter, r *http.Request) {
	c.writeIntervals(w, r, base.Eternity, true)
}

// serveInterval is GET /intervals/{interval}: over the segments whose
// interval lies within it, the total size and count; with simple per
// segment interval; with full per segment interval and datasource.
func (c *Coordinator) serveInterval(w http.ResponseWriter, r *http.Request) {
	iv, err := intervalParam(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	switch {
	case has(r, "full"):
		c.writeIntervals(w, r, iv, true)
	case has(r, "simple"):
		c.writeIntervals(w, r, iv, false)
	default:
		var total sizeCount
		inv := c.inventory(r.Context())
		for _, e := range inv.byID {
			if iv.ContainsInterval(e.seg.Interval) {
				total.Size += e.seg.Size
				total.Count++
			}
		}
		httpapi.WriteJSON(w, r, http.StatusOK, total)
	}
}

// writeIntervals answers per segment interval within `within`, newest
// first, the size and count, split per datasource when byDataSource.
func (c *Coordinator) writeIntervals(w http.ResponseWriter, r *http.Request, within base.Interval, byDataSource bool) {
	inv := c.inventory(r.Context())
	type key struct {
		iv base.Interval
		ds string
	}
	stats := map[key]*sizeCount{}
	var ivs []base.Interval
	seen := map[base.Interval]bool{}
	for _, ds := range inv.dataSources() {
		for _, e := range inv.byDS[ds] {
			iv := e.seg.Interval
			if !within.ContainsInterval(iv) {
				continue
			}
			if !seen[iv] {
				seen[iv] = true
				ivs = append(ivs, iv)
			}
			k := key{iv: iv}
			if byDataSource {
				k.ds = ds
			}
			s := stats[k]
			if s == nil {
				s = &sizeCount{}
				stats[k] = s
			}
			s.Size += e.seg.Size
			s.Count++
		}
	}
	newestFirst(ivs)
	out := &ordered{}
	for _, iv := range ivs {
		if !byDataSource {
			out.add(iv.String(), stats[key{iv: iv}])
			continue
		}
		per := &ordered{}
		for _, ds := range inv.dataSources() {
			if s := stats[key{iv, ds}]; s != nil {
				per.add(ds, s)
			}
		}
		out.add(iv.String(), per)
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}
