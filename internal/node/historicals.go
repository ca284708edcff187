package node

import (
	"log/slog"
	"strconv"

	"github.com/dryaddb/dryad/internal/historical"
	"github.com/dryaddb/dryad/internal/httpapi"
)

// buildHistoricals builds the process's historicals
// (config.Config.HistoricalInstances) as one role. A single historical is
// named hostPort; with several, instance i (1-based) is named
// "<hostPort>-historical-<i>": they share the process's listeners and are
// told apart in the server view, /druid/coordinator/v1/servers and the
// load queues by that name.
func (n *Node) buildHistoricals(status httpapi.StatusSource, hostPort string) *historical.Group {
	cfgs := n.cfg.HistoricalInstances()
	members := make([]*historical.Historical, len(cfgs))
	for i, hc := range cfgs {
		name := hostPort
		if len(cfgs) > 1 {
			name = hostPort + "-historical-" + strconv.Itoa(i+1)
		}
		members[i] = historical.New(hc, historical.Deps{Log: n.log.With(slog.String("server", name)), Status: status, Deep: n.deep,
			View: n.view, Name: name, Threads: n.cfg.Broker.ProcessingThreads})
	}
	g := historical.NewGroup(status, members...)
	n.hist = g // build runs under n.mu, from Start
	return g
}

// Historicals returns the process's historicals, nil before Start or when
// the node runs none.
func (n *Node) Historicals() []*historical.Historical {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.hist == nil {
		return nil
	}
	return n.hist.Members()
}
