package node

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/config"
)

// TestSeveralHistoricals runs two historicals in one quickstart process and
// checks their names, tiers and priorities in /servers?simple, their
// cache directories and their empty load queues.
func TestSeveralHistoricals(t *testing.T) {
	cfg := loadConfig(t, config.ModeQuickstart, nil, "dryad.historical.count=2", "dryad.historical.tiers=hot,cold",
		"dryad.historical.priorities=1", "dryad.historical.maxSizes=1MiB,2MiB")
	n := startNode(t, cfg, config.AllRoles())
	base := "http://" + n.Addr().String()
	port := n.Addr().String()[strings.LastIndex(n.Addr().String(), ":")+1:]
	code, body := get(t, base+"/druid/coordinator/v1/servers?simple")
	var servers []struct {
		Host     string
		Tier     string
		Priority int
		MaxSize  int64
	}
	if code != 200 || json.Unmarshal([]byte(body), &servers) != nil || len(servers) != 2 {
		t.Fatalf("servers?simple: %d %s", code, body)
	}
	if s := servers[0]; s.Host != "localhost:"+port+"-historical-1" || s.Tier != "hot" || s.Priority != 1 || s.MaxSize != 1<<20 {
		t.Errorf("first historical: %+v", s)
	}
	if s := servers[1]; s.Host != "localhost:"+port+"-historical-2" || s.Tier != "cold" || s.Priority != 0 || s.MaxSize != 2<<20 {
		t.Errorf("second historical: %+v", s)
	}
	hs := n.Historicals()
	if len(hs) != 2 || hs[0].Name() != servers[0].Host {
		t.Fatalf("Historicals: %d", len(hs))
	}
	if code, body := get(t, base+"/druid/historical/v1/loadstatus"); code != 200 {
		t.Errorf("historical loadstatus: %d %s", code, body)
	}
	if code, body := get(t, base+"/druid/coordinator/v1/loadqueue"); code != 200 || !strings.HasPrefix(body, "{") {
		t.Errorf("loadqueue: %d %s", code, body)
	}
}
