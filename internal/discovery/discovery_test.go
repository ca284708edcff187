package discovery

import (
	"context"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func TestLocalAnnounce(t *testing.T) {
	ctx := context.Background()
	l := NewLocal()
	coord := Node{Role: "coordinator", Host: "localhost", Port: 8081}
	broker := Node{Role: "broker", Host: "localhost", Port: 8082}
	self := []Node{coord, broker}
	if SelfDiscovered(ctx, l, self) {
		t.Fatal("self-discovered before announcing")
	}
	if SelfDiscovered(ctx, l, nil) {
		t.Fatal("empty self is discovered")
	}
	for _, n := range self {
		if err := l.Announce(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Announce(ctx, coord); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Nodes(ctx, "coordinator"); len(got) != 1 || got[0] != coord || got[0].URL() != "http://localhost:8081" {
		t.Fatalf("coordinators %v", got)
	}
	if !SelfDiscovered(ctx, l, self) {
		t.Fatal("not self-discovered after announcing")
	}
	if err := l.Unannounce(ctx, broker); err != nil {
		t.Fatal(err)
	}
	if SelfDiscovered(ctx, l, self) {
		t.Fatal("self-discovered after unannouncing")
	}
	for _, bad := range []Node{{Role: "", Host: "h", Port: 1}, {Role: "x", Host: "", Port: 1}, {Role: "x", Host: "h", Port: 0}, {Role: "x", Host: "h", Port: 70000}} {
		if err := l.Announce(ctx, bad); !base.IsClass(err, base.ClassInvalidInput) {
			t.Errorf("Announce(%+v) = %v", bad, err)
		}
	}
	if n := (Node{Role: "x", Host: "::1", Port: 1}); n.HostPort() != "[::1]:1" {
		t.Errorf("HostPort %q", n.HostPort())
	}
}

func TestLocalElection(t *testing.T) {
	ctx := context.Background()
	e := NewLocalElections()
	a := e.Elector("coordinator", "http://a:1")
	b := e.Elector("coordinator", "http://b:2")
	other := e.Elector("overlord", "http://c:3")

	if _, err := a.Leader(ctx); !base.IsClass(err, base.ClassUnavailable) {
		t.Fatalf("leader before campaign: %v", err)
	}
	var aEvents, bEvents []bool
	cancelA := a.Subscribe(func(v bool) { aEvents = append(aEvents, v) })
	b.Subscribe(func(v bool) { bEvents = append(bEvents, v) })

	for _, c := range []Elector{a, b, other, a} {
		if err := c.Campaign(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !a.IsLeader() || b.IsLeader() || !other.IsLeader() {
		t.Fatalf("leaders: a=%v b=%v other=%v", a.IsLeader(), b.IsLeader(), other.IsLeader())
	}
	if u, _ := b.Leader(ctx); u != "http://a:1" {
		t.Fatalf("leader seen by b: %q", u)
	}
	if err := a.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if a.IsLeader() || !b.IsLeader() {
		t.Fatal("leadership did not pass to b")
	}
	if u, _ := a.Leader(ctx); u != "http://b:2" {
		t.Fatalf("leader after resign: %q", u)
	}
	cancelA()
	if err := a.Campaign(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if !a.IsLeader() {
		t.Fatal("a did not take over")
	}
	if err := b.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false}; !equal(aEvents, want) {
		t.Errorf("a events %v, want %v (cancelled before retaking)", aEvents, want)
	}
	if want := []bool{true, false}; !equal(bEvents, want) {
		t.Errorf("b events %v, want %v", bEvents, want)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Campaign(canceled); err == nil {
		t.Error("campaign with a cancelled context succeeded")
	}
}

func equal(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
