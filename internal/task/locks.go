package task

import (
	"github.com/dryaddb/dryad/internal/base"
)

// Lock is a time-chunk task lock, shaped as Druid's TaskLock JSON. Its
// Version (the ISO instant the lock was acquired) becomes the version of the
// segments a replacing task publishes.
type Lock struct {
	Granularity string        `json:"granularity"` // "timeChunk"
	Type        string        `json:"type"`        // "EXCLUSIVE"
	GroupID     string        `json:"groupId"`
	DataSource  string        `json:"dataSource"`
	Interval    base.Interval `json:"interval"`
	Version     string        `json:"version"`
	Priority    int           `json:"priority"`
	Revoked     bool          `json:"revoked"`
}

// heldLock is a lock with its metadata-store row id.
type heldLock struct {
	Lock
	taskID string
	rowID  int64
}

// lockbox holds the granted time-chunk locks of every active task. All
// locks are EXCLUSIVE: two tasks of different groups never hold unrevoked
// overlapping intervals of one datasource; a task waits until the
// overlapping locks are released, or revokes them when its priority is
// higher and their holder is not publishing. Equal priorities are served
// first come, first served (the queue tries tasks in submission order). Not
// safe for concurrent use: the Service's mutex guards it.
type lockbox struct {
	held        []heldLock
	lastVersion int64
}

// revoked returns a revoked lock of taskID, or nil.
func (b *lockbox) revoked(taskID string) *heldLock {
	for i := range b.held {
		if b.held[i].taskID == taskID && b.held[i].Revoked {
			return &b.held[i]
		}
	}
	return nil
}

// covering returns a lock of groupID on dataSource that covers iv.
func (b *lockbox) covering(dataSource, groupID string, iv base.Interval) *heldLock {
	for i := range b.held {
		h := &b.held[i]
		if !h.Revoked && h.DataSource == dataSource && h.GroupID == groupID && h.Interval.Start <= iv.Start && iv.End <= h.Interval.End {
			return h
		}
	}
	return nil
}

// nextVersion returns a lock version: now, but always later than every
// version handed out before, so a newer lock's segments overshadow.
func (b *lockbox) nextVersion(now int64) string {
	if now <= b.lastVersion {
		now = b.lastVersion + 1
	}
	b.lastVersion = now
	return base.FormatTime(now)
}

// forTask returns the locks held by taskID.
func (b *lockbox) forTask(taskID string) []heldLock {
	var out []heldLock
	for _, h := range b.held {
		if h.taskID == taskID {
			out = append(out, h)
		}
	}
	return out
}

// release drops taskID's locks and returns them.
func (b *lockbox) release(taskID string) []heldLock {
	var gone []heldLock
	kept := b.held[:0]
	for _, h := range b.held {
		if h.taskID == taskID {
			gone = append(gone, h)
		} else {
			kept = append(kept, h)
		}
	}
	b.held = kept
	return gone
}
