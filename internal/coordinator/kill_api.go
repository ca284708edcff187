package coordinator

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
)

// TaskSubmitter submits a task to the overlord's queue (the task JSON of
// POST /druid/indexer/v1/task) and returns its id. *task.Service satisfies
// it; implementations must be safe for concurrent use.
type TaskSubmitter interface {
	Submit(ctx context.Context, body []byte) (string, error)
}

// serveKillInterval is DELETE /datasources/{ds}/intervals/{interval}: it
// submits a kill task that deletes the unused segments of ds within the
// interval from deep storage and the metadata store. Like Druid it answers
// 200 with an empty body once the task is queued; the task's progress is
// in the Tasks API.
func (c *Coordinator) serveKillInterval(w http.ResponseWriter, r *http.Request) {
	c.submitKill(w, r, r.PathValue("interval"))
}

// submitKill submits a kill task for the interval given in the URL form
// ("_" or "/" between start and end).
func (c *Coordinator) submitKill(w http.ResponseWriter, r *http.Request, interval string) {
	ds := r.PathValue("dataSourceName")
	iv, err := base.ParseIntervalURL(interval)
	if err != nil {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "interval %q: %w", interval, err))
		return
	}
	if c.deps.Tasks == nil {
		httpapi.WriteError(w, r, base.Errorf(base.ClassUnavailable, "kill of %s %s: no overlord runs in this process to take the kill task", ds, iv))
		return
	}
	body, err := json.Marshal(map[string]string{"type": "kill", "dataSource": ds, "interval": iv.String()})
	if err != nil {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInternal, "kill task of %s: %w", ds, err))
		return
	}
	id, err := c.deps.Tasks.Submit(r.Context(), body)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	c.log.Info("submitted a kill task", "task", id, "dataSource", ds, "interval", iv.String())
	w.WriteHeader(http.StatusOK)
}
