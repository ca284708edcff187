package discovery

import (
	"context"
	"slices"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
)

// Elector is one candidate's handle on a named leader election (one per
// leader-elected role: "coordinator", "overlord"). Implementations are safe
// for concurrent use.
type Elector interface {
	// Campaign enters the election and returns without waiting to win:
	// leadership is reported by IsLeader and Subscribe. Campaigning again
	// while a candidate is a no-op.
	Campaign(ctx context.Context) error
	// Resign leaves the election, handing leadership to the next candidate
	// if this one led. Resigning when not a candidate is a no-op.
	Resign(ctx context.Context) error
	// IsLeader reports whether this candidate currently leads.
	IsLeader() bool
	// Leader returns the current leader's URL ("http://host:port"), or a
	// ClassUnavailable error when the election has no leader.
	Leader(ctx context.Context) (string, error)
	// Subscribe calls fn with the new value of IsLeader whenever it
	// changes, until the returned cancel function is called. fn runs on the
	// goroutine that caused the change and must not block or call back into
	// the Elector.
	Subscribe(fn func(isLeader bool)) (cancel func())
}

// LocalElections holds the in-process elections of one process (or of one
// test standing in for a cluster). The first candidate to campaign in an
// election leads; when it resigns, the candidate that campaigned next takes
// over. The zero value is not usable; call NewLocalElections.
type LocalElections struct {
	mu        sync.Mutex
	elections map[string]*localElection
}

// NewLocalElections returns an empty set of in-process elections.
func NewLocalElections() *LocalElections {
	return &LocalElections{elections: map[string]*localElection{}}
}

// Elector returns a new candidate for the election called name that
// advertises selfURL as its leader URL.
func (e *LocalElections) Elector(name, selfURL string) Elector {
	e.mu.Lock()
	defer e.mu.Unlock()
	el := e.elections[name]
	if el == nil {
		el = &localElection{name: name}
		e.elections[name] = el
	}
	return &localElector{election: el, url: selfURL}
}

// localElection is one named election: candidates in campaign order, the
// first of which leads.
type localElection struct {
	name       string
	mu         sync.Mutex
	candidates []*localElector
}

type subscription struct {
	fn func(bool)
}

// localElector is one candidate in a localElection.
type localElector struct {
	election *localElection
	url      string
	subs     []*subscription // guarded by election.mu
}

// notification is a leadership change to deliver after the lock is released.
type notification struct {
	subs   []*subscription
	leader bool
}

func (n notification) deliver() {
	for _, s := range n.subs {
		s.fn(n.leader)
	}
}

func (c *localElector) Campaign(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	el := c.election
	el.mu.Lock()
	if slices.Contains(el.candidates, c) {
		el.mu.Unlock()
		return nil
	}
	el.candidates = append(el.candidates, c)
	var n notification
	if el.candidates[0] == c {
		n = notification{subs: slices.Clone(c.subs), leader: true}
	}
	el.mu.Unlock()
	n.deliver()
	return nil
}

func (c *localElector) Resign(ctx context.Context) error {
	el := c.election
	el.mu.Lock()
	i := slices.Index(el.candidates, c)
	if i < 0 {
		el.mu.Unlock()
		return nil
	}
	el.candidates = slices.Delete(el.candidates, i, i+1)
	var lost, won notification
	if i == 0 {
		lost = notification{subs: slices.Clone(c.subs), leader: false}
		if len(el.candidates) > 0 {
			next := el.candidates[0]
			won = notification{subs: slices.Clone(next.subs), leader: true}
		}
	}
	el.mu.Unlock()
	lost.deliver()
	won.deliver()
	return nil
}

func (c *localElector) IsLeader() bool {
	el := c.election
	el.mu.Lock()
	defer el.mu.Unlock()
	return len(el.candidates) > 0 && el.candidates[0] == c
}

func (c *localElector) Leader(ctx context.Context) (string, error) {
	el := c.election
	el.mu.Lock()
	defer el.mu.Unlock()
	if len(el.candidates) == 0 {
		return "", base.Errorf(base.ClassUnavailable, "no %s leader has been elected", el.name)
	}
	return el.candidates[0].url, nil
}

func (c *localElector) Subscribe(fn func(bool)) (cancel func()) {
	s := &subscription{fn: fn}
	el := c.election
	el.mu.Lock()
	c.subs = append(c.subs, s)
	el.mu.Unlock()
	return func() {
		el.mu.Lock()
		c.subs = slices.DeleteFunc(c.subs, func(t *subscription) bool { return t == s })
		el.mu.Unlock()
	}
}
