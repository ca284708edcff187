package discovery

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestLocalElectionProperties checks, for random campaign/resign sequences,
// that exactly the earliest remaining candidate leads, every candidate
// agrees on the leader URL, and subscribers saw every change in order.
func TestLocalElectionProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		e := NewLocalElections()
		n := rapid.IntRange(1, 5).Draw(t, "candidates")
		cands := make([]Elector, n)
		last := make([]bool, n)
		for i := range cands {
			cands[i] = e.Elector("coordinator", fmt.Sprintf("http://n%d:1", i))
			cands[i].Subscribe(func(v bool) {
				if v == last[i] {
					t.Fatalf("candidate %d notified %v twice", i, v)
				}
				last[i] = v
			})
		}
		var model []int // candidate indexes in campaign order
		for range rapid.IntRange(0, 30).Draw(t, "steps") {
			i := rapid.IntRange(0, n-1).Draw(t, "who")
			if rapid.Bool().Draw(t, "campaign") {
				_ = cands[i].Campaign(ctx)
				if !slices.Contains(model, i) {
					model = append(model, i)
				}
			} else {
				_ = cands[i].Resign(ctx)
				model = slices.DeleteFunc(model, func(j int) bool { return j == i })
			}
			for j, c := range cands {
				want := len(model) > 0 && model[0] == j
				if c.IsLeader() != want || last[j] != want {
					t.Fatalf("candidate %d: IsLeader=%v notified=%v, want %v (order %v)", j, c.IsLeader(), last[j], want, model)
				}
				u, err := c.Leader(ctx)
				if len(model) == 0 {
					if err == nil {
						t.Fatalf("leader %q with no candidates", u)
					}
				} else if want := fmt.Sprintf("http://n%d:1", model[0]); u != want {
					t.Fatalf("candidate %d sees leader %q, want %q", j, u, want)
				}
			}
		}
	})
}
