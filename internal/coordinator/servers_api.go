package coordinator

import (
	"net/http"

	"github.com/dryaddb/dryad/internal/httpapi"
)

// serveServers is GET /servers: the data servers' host:port names; with
// simple each server's host, tier, type, priority, current and maximum
// size; with full also its segments keyed by id.
func (c *Coordinator) serveServers(w http.ResponseWriter, r *http.Request) {
	inv := c.inventory(r.Context())
	type simple struct {
		Host     string `json:"host"`
		Tier     string `json:"tier"`
		Type     string `json:"type"`
		Priority int    `json:"priority"`
		CurrSize int64  `json:"currSize"`
		MaxSize  int64  `json:"maxSize"`
	}
	type full struct {
		Host     string   `json:"host"`
		MaxSize  int64    `json:"maxSize"`
		Type     string   `json:"type"`
		Tier     string   `json:"tier"`
		Priority int      `json:"priority"`
		Segments *ordered `json:"segments"`
		CurrSize int64    `json:"currSize"`
	}
	switch {
	case has(r, "simple"), has(r, "full"):
		var simples []simple
		var fulls []full
		for i, s := range inv.servers {
			var size int64
			segs := &ordered{}
			for _, seg := range inv.served[i] {
				size += seg.Size
				segs.add(seg.ID().String(), seg)
			}
			simples = append(simples, simple{s.Name, s.Tier, serverType(s.Type), s.Priority, size, s.MaxSize})
			fulls = append(fulls, full{s.Name, s.MaxSize, serverType(s.Type), s.Tier, s.Priority, segs, size})
		}
		if has(r, "full") {
			httpapi.WriteJSON(w, r, http.StatusOK, nonNil(fulls))
			return
		}
		httpapi.WriteJSON(w, r, http.StatusOK, nonNil(simples))
	default:
		names := []string{}
		for _, s := range inv.servers {
			names = append(names, s.Name)
		}
		httpapi.WriteJSON(w, r, http.StatusOK, names)
	}
}
