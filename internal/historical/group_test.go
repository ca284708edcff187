package historical

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/serverview"
)

func TestGroup(t *testing.T) {
	ctx := context.Background()
	view := serverview.NewLocal()
	var members []*Historical
	for i, tier := range []string{"hot", "cold"} {
		members = append(members, New(config.HistoricalConfig{Tier: tier, Priority: i, MaxSize: 100,
			CacheLocations: []config.CacheLocation{{Path: t.TempDir()}}},
			Deps{View: view, Name: "h-" + tier}))
	}
	g := NewGroup(httpapi.StatusSource{}, members...)
	loadstatus := func() string {
		rec := httptest.NewRecorder()
		g.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/druid/historical/v1/loadstatus", nil))
		return strings.TrimSpace(rec.Body.String())
	}
	if got := loadstatus(); got != `{"cacheInitialized":false}` {
		t.Errorf("before start: %s", got)
	}
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, h := range g.Members() {
		<-h.restored
	}
	if got := loadstatus(); got != `{"cacheInitialized":true}` {
		t.Errorf("after start: %s", got)
	}
	servers := view.Servers()
	if len(servers) != 2 || servers[0].Name != "h-cold" || servers[0].Tier != "cold" || servers[0].Priority != 1 ||
		servers[1].Name != "h-hot" || servers[1].MaxSize != 100 {
		t.Errorf("view: %+v", servers)
	}
	if err := g.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(view.Servers()); n != 0 {
		t.Errorf("%d servers registered after stop", n)
	}
}
