package coordinator

import (
	"net/http"

	"github.com/dryaddb/dryad/internal/httpapi"
)

// serveLoadStatus is GET /druid/coordinator/v1/loadstatus: per datasource
// the percentage of its used segments that are loaded; with ?simple the
// number left to load; with ?full the number left to load per tier (here,
// the default tier: replication is not counted).
func (c *Coordinator) serveLoadStatus(w http.ResponseWriter, r *http.Request) {
	st, err := c.loadStatus(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	p := r.URL.Query()
	switch {
	case p.Has("simple"):
		out := map[string]int{}
		for ds, s := range st {
			out[ds] = s[0] - s[1]
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
	case p.Has("full"):
		out := map[string]map[string]int{}
		for ds, s := range st {
			if out[defaultTier] == nil {
				out[defaultTier] = map[string]int{}
			}
			out[defaultTier][ds] = s[0] - s[1]
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
	default:
		out := map[string]float64{}
		for ds, s := range st {
			pct := 100.0
			if s[0] > 0 {
				pct = 100 * float64(s[1]) / float64(s[0])
			}
			out[ds] = pct
		}
		httpapi.WriteJSON(w, r, http.StatusOK, out)
	}
}
