package middlemanager

import (
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/task"
)

// withTasks returns routes with every entry the task service serves
// (enable/disable, running tasks, task logs and shutdown, peon chat) handled by it
// instead of answering 501. Without a service the table is unchanged.
func withTasks(routes []httpapi.Route, svc *task.Service, hostPort string) []httpapi.Route {
	if svc == nil {
		return routes
	}
	return replaceRoutes(routes, svc.WorkerRoutes(hostPort))
}

// replaceRoutes swaps in the handlers of by for the entries of routes with
// the same method and pattern, keeping the table's order.
func replaceRoutes(routes, by []httpapi.Route) []httpapi.Route {
	out := make([]httpapi.Route, len(routes))
	for i, r := range routes {
		out[i] = r
		for _, b := range by {
			if b.Method == r.Method && b.Pattern == r.Pattern {
				out[i] = b
				break
			}
		}
	}
	return out
}
