package node

import (
	"context"
	"fmt"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/task"
)

// startTasks creates and starts the task queue and in-process worker that
// the overlord and middlemanager roles of this process share. It recovers
// the tasks a previous process left active.
func (n *Node) startTasks(ctx context.Context) error {
	role := config.RoleMiddleManager
	if !n.has(role) {
		role = config.RoleOverlord
	}
	mm := n.cfg.MiddleManager
	n.tasks = task.New(task.Config{
		TaskDir: mm.BaseTaskDir, LogDir: mm.LogsDir, Capacity: mm.Capacity, Category: mm.Category,
		Host: n.cfg.Host, Port: n.port(role), Version: n.version, QueueMaxSize: n.cfg.Overlord.QueueMaxSize,
		OnPublish: func(string) { n.nudgeCoordinator() }, Lookups: n.taskLookups(),
	}, n.store, n.deep, n.log)
	if err := n.tasks.Start(ctx); err != nil {
		n.tasks = nil
		return fmt.Errorf("starting the task queue: %w", err)
	}
	return nil
}

// nudgeCoordinator asks this process's coordinator, if it runs one, to run
// its load duty now: new segments become queryable without waiting for the
// duty period.
func (n *Node) nudgeCoordinator() {
	if c := n.coord.Load(); c != nil {
		c.Nudge()
	}
}
