package historical

import (
	"container/heap"
	"context"
	"sync"
)

// pool is the processing pool: at most size segment runs at once, handed
// out by query priority (higher first, as Druid's prioritized executor),
// then in arrival order. It is safe for concurrent use.
type pool struct {
	mu      sync.Mutex
	free    int
	waiters waitHeap
	seq     int64
}

type waiter struct {
	priority int64
	seq      int64
	ready    chan struct{}
	index    int
}

type waitHeap []*waiter

func (h waitHeap) Len() int { return len(h) }
func (h waitHeap) Less(i, j int) bool {
	if h[i].priority != h[j].priority {
		return h[i].priority > h[j].priority
	}
	return h[i].seq < h[j].seq
}
func (h waitHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *waitHeap) Push(x any)   { w := x.(*waiter); w.index = len(*h); *h = append(*h, w) }
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	w.index = -1
	return w
}

func newPool(size int) *pool { return &pool{free: size} }

// acquire waits for a slot; it fails only when ctx ends first.
func (p *pool) acquire(ctx context.Context, priority int64) error {
	p.mu.Lock()
	if p.free > 0 && len(p.waiters) == 0 {
		p.free--
		p.mu.Unlock()
		return nil
	}
	w := &waiter{priority: priority, seq: p.seq, ready: make(chan struct{})}
	p.seq++
	heap.Push(&p.waiters, w)
	p.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		defer p.mu.Unlock()
		if w.index < 0 { // granted meanwhile: hand the slot on
			p.releaseLocked()
		} else {
			heap.Remove(&p.waiters, w.index)
		}
		return ctx.Err()
	}
}

// release returns a slot.
func (p *pool) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.releaseLocked()
}

func (p *pool) releaseLocked() {
	if len(p.waiters) > 0 {
		w := heap.Pop(&p.waiters).(*waiter)
		close(w.ready)
		return
	}
	p.free++
}
