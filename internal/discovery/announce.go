package discovery

import (
	"context"
	"net"
	"slices"
	"strconv"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
)

// Node is one role of one process as announced to the cluster: Druid's
// DiscoveryDruidNode reduced to what dryad needs.
type Node struct {
	Role string `json:"role"` // coordinator, overlord, broker, router, historical, middlemanager
	Host string `json:"host"` // advertised host (druid.host)
	Port int    `json:"port"` // plaintext port the role answers on
}

// HostPort returns "host:port" as Druid prints servers.
func (n Node) HostPort() string { return net.JoinHostPort(n.Host, strconv.Itoa(n.Port)) }

// URL returns the role's base URL, "http://host:port".
func (n Node) URL() string { return "http://" + n.HostPort() }

// Announcer publishes and withdraws this process's nodes.
// Implementations are safe for concurrent use.
type Announcer interface {
	// Announce makes n visible to Discoverers. Announcing a node twice is
	// not an error.
	Announce(ctx context.Context, n Node) error
	// Unannounce withdraws n. Withdrawing an unknown node is not an error.
	Unannounce(ctx context.Context, n Node) error
}

// Discoverer lists the announced nodes of a role.
// Implementations are safe for concurrent use.
type Discoverer interface {
	// Nodes returns the announced nodes of role, in announcement order.
	Nodes(ctx context.Context, role string) ([]Node, error)
}

// Local is the in-process Announcer and Discoverer: a registry shared by
// the roles of one process. The zero value is not usable; call NewLocal.
type Local struct {
	mu    sync.Mutex
	nodes []Node
}

// NewLocal returns an empty in-process registry.
func NewLocal() *Local { return &Local{} }

// Announce adds n to the registry.
func (l *Local) Announce(ctx context.Context, n Node) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n.Role == "" || n.Host == "" || n.Port <= 0 || n.Port > 65535 {
		return base.Errorf(base.ClassInvalidInput, "announcing node %+v: role, host and port are required", n)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Contains(l.nodes, n) {
		l.nodes = append(l.nodes, n)
	}
	return nil
}

// Unannounce removes n from the registry.
func (l *Local) Unannounce(ctx context.Context, n Node) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nodes = slices.DeleteFunc(l.nodes, func(m Node) bool { return m == n })
	return nil
}

// Nodes returns the announced nodes of role.
func (l *Local) Nodes(ctx context.Context, role string) ([]Node, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Node
	for _, n := range l.nodes {
		if n.Role == role {
			out = append(out, n)
		}
	}
	return out, nil
}

// SelfDiscovered reports whether every node in self is visible through d:
// the meaning of Druid's /status/selfDiscovered. It is false for an empty
// self (a process that has not announced anything yet).
func SelfDiscovered(ctx context.Context, d Discoverer, self []Node) bool {
	if len(self) == 0 {
		return false
	}
	for _, n := range self {
		seen, err := d.Nodes(ctx, n.Role)
		if err != nil || !slices.Contains(seen, n) {
			return false
		}
	}
	return true
}
