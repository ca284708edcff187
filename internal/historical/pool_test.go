package historical

import (
	"context"
	"testing"
	"time"
)

func TestPoolPriority(t *testing.T) {
	ctx := context.Background()
	p := newPool(1)
	if err := p.acquire(ctx, 0); err != nil {
		t.Fatal(err)
	}
	order := make(chan int64, 3)
	start := func(prio int64) {
		go func() {
			if err := p.acquire(ctx, prio); err != nil {
				t.Error(err)
				return
			}
			order <- prio
			p.release()
		}()
	}
	waitQueued := func(n int) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			p.mu.Lock()
			got := len(p.waiters)
			p.mu.Unlock()
			if got == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d waiters, want %d", got, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	start(0)
	waitQueued(1)
	start(-5)
	waitQueued(2)
	start(10)
	waitQueued(3)

	// A waiter whose context ends leaves the queue without a slot.
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error)
	go func() { errc <- p.acquire(cctx, 100) }()
	waitQueued(4)
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("cancelled acquire succeeded")
	}

	p.release()
	var got []int64
	for range 3 {
		got = append(got, <-order)
	}
	if got[0] != 10 || got[1] != 0 || got[2] != -5 {
		t.Errorf("grant order %v, want [10 0 -5]", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		p.mu.Lock()
		free := p.free
		p.mu.Unlock()
		if free == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("free slots %d after all released, want 1", free)
		}
		time.Sleep(time.Millisecond)
	}
}
