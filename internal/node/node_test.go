package node

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/httpapi"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func loadConfig(t *testing.T, mode config.Mode, roles []string, settings ...string) *config.Config {
	t.Helper()
	flags := []config.Setting{
		{Key: "dryad.dataDir", Value: t.TempDir(), Origin: "test"},
		{Key: "druid.plaintextPort", Value: "0", Origin: "test"},
		{Key: "dryad.bindAddress", Value: "127.0.0.1", Origin: "test"},
		{Key: "druid.host", Value: "localhost", Origin: "test"},
	}
	for _, s := range settings {
		k, v, _ := strings.Cut(s, "=")
		flags = append(flags, config.Setting{Key: k, Value: v, Origin: "test"})
	}
	cfg, err := config.Load(config.Source{Mode: mode, Roles: roles, Flags: flags}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func startNode(t *testing.T, cfg *config.Config, roles []string) *Node {
	t.Helper()
	n, err := New(Options{Config: cfg, Roles: roles, Version: "test", Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(context.Background()) })
	return n
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestQuickstartNode(t *testing.T) {
	cfg := loadConfig(t, config.ModeQuickstart, nil)
	n := startNode(t, cfg, config.AllRoles())
	root := "http://" + n.Addr().String()
	for path, want := range map[string]string{
		"/status/health":                 "true\n",
		"/status/selfDiscovered/status":  "{\"selfDiscovered\":true}\n",
		"/druid/coordinator/v1/isLeader": "{\"leader\":true}\n",
		"/druid/indexer/v1/isLeader":     "{\"leader\":true}\n",
		"/druid/coordinator/v1/leader":   "http://localhost:" + portOf(n),
		"/druid/indexer/v1/leader":       "http://localhost:" + portOf(n),
		"/druid/worker/v1/enabled":       fmt.Sprintf("{\"localhost:%s\":true}\n", portOf(n)),
	} {
		if code, body := get(t, root+path); code != 200 || body != want {
			t.Errorf("GET %s = %d %q, want 200 %q", path, code, body, want)
		}
	}
	if !n.SelfDiscovered(context.Background()) {
		t.Error("not self-discovered")
	}
	// A second process on the same data dir is refused.
	other, err := New(Options{Config: cfg, Roles: config.AllRoles(), Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	err = other.Start(context.Background())
	want := fmt.Sprintf("data dir %s is in use by another dryad process (pid %d)", cfg.DataDir, os.Getpid())
	if err == nil || err.Error() != want || !base.IsClass(err, base.ClassConflict) {
		t.Fatalf("second start: %v, want %q", err, want)
	}
	if err := n.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n.SelfDiscovered(context.Background()) {
		t.Error("self-discovered after Stop")
	}
	// After Stop the directory can be used again.
	again := startNode(t, cfg, []string{config.RoleBroker})
	if code, _ := get(t, "http://"+again.Addr().String()+"/status/health"); code != 200 {
		t.Errorf("restart health: %d", code)
	}
}

func portOf(n *Node) string {
	_, p, _ := strings.Cut(n.Addr().String(), ":")
	return p
}

func TestServerNodeUnion(t *testing.T) {
	roles := []string{config.RoleCoordinator, config.RoleOverlord}
	cfg := loadConfig(t, config.ModeServer, roles)
	n := startNode(t, cfg, roles)
	root := "http://" + n.Addr().String()
	for path, code := range map[string]int{
		"/status/health":                  200,
		"/druid/coordinator/v1/isLeader":  200,
		"/druid/indexer/v1/isLeader":      200,
		"/druid/coordinator/v1/rules":     200,
		"/druid/v2/datasources":           404, // no broker and no router in this process
		"/druid/historical/v1/loadstatus": 404,
	} {
		if got, body := get(t, root+path); got != code {
			t.Errorf("GET %s = %d (%s), want %d", path, got, body, code)
		}
	}
}

func TestRouterWithoutBackend(t *testing.T) {
	roles := []string{config.RoleRouter, config.RoleHistorical}
	cfg := loadConfig(t, config.ModeServer, roles)
	n := startNode(t, cfg, roles)
	code, body := get(t, "http://"+n.Addr().String()+"/druid/coordinator/v1/leader")
	if code != 501 || !strings.Contains(body, "belongs to the coordinator, which does not run in this process") {
		t.Errorf("router to absent coordinator: %d %s", code, body)
	}
	if code, _ := get(t, "http://"+n.Addr().String()+"/druid/historical/v1/loadstatus"); code != 200 {
		t.Errorf("router to historical: %d", code)
	}
}

func TestStartFailures(t *testing.T) {
	if _, err := ParseRoles("coordinator,bogus"); err == nil || !strings.Contains(err.Error(), `unknown role "bogus"`) {
		t.Errorf("ParseRoles: %v", err)
	}
	if _, err := ParseRoles(" , "); err == nil {
		t.Error("ParseRoles accepted no roles")
	}
	if rs, err := ParseRoles("router, Broker,indexer,broker"); err != nil || strings.Join(rs, ",") != "middlemanager,broker,router" {
		t.Errorf("ParseRoles = %v, %v", rs, err)
	}
	// A busy port fails start-up and releases the data dir.
	busy := httptest.NewServer(http.NotFoundHandler())
	defer busy.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(busy.URL, "http://"), ":")
	cfg := loadConfig(t, config.ModeQuickstart, nil, "druid.plaintextPort="+port)
	n, err := New(Options{Config: cfg, Roles: config.AllRoles(), Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "druid.plaintextPort") {
		t.Fatalf("start on a busy port: %v", err)
	}
	l, err := LockDir(cfg.DataDir)
	if err != nil {
		t.Fatalf("data dir still locked after failed start: %v", err)
	}
	l.Unlock()
}

// specEndpoint is one "METHOD /path" from the API documents.
type specEndpoint struct{ method, path, source string }

var (
	backtickEndpoint = regexp.MustCompile("`(GET|POST|PUT|DELETE) ?(/[^`]*)`")
	codeEndpoint     = regexp.MustCompile(`<code class="\w+API">(GET|POST|PUT|DELETE)</code> <code>(/[^<]+)</code>`)
	placeholder      = regexp.MustCompile(`\{[^}]*\}|<[^>]*>|:[A-Za-z]+`)
)

func specEndpoints(t *testing.T) []specEndpoint {
	var out []specEndpoint
	found := false
	for _, name := range []string{"api-reference.md", "tasks-api.md"} {
		path := "../../../shared/spec/" + name
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		found = true
		for _, re := range []*regexp.Regexp{backtickEndpoint, codeEndpoint} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				p, _, _ := strings.Cut(m[2], "?")
				p = placeholder.ReplaceAllString(p, "sample")
				out = append(out, specEndpoint{m[1], p, name + ": " + m[0]})
			}
		}
	}
	if !found {
		t.Skip("the API spec (../shared/spec) is not present beside the checkout")
	}
	return out
}

// TestSpecEndpointsRouted checks that every endpoint documented in the API
// spec is routed to its owning role, and that through the quickstart front
// door each answers with its role (never the 404/405 of an unrouted path).
func TestSpecEndpointsRouted(t *testing.T) {
	eps := specEndpoints(t)
	if len(eps) < 100 {
		t.Fatalf("found only %d endpoints in the spec", len(eps))
	}
	cfg := loadConfig(t, config.ModeQuickstart, nil)
	n := startNode(t, cfg, config.AllRoles())
	h := n.Handler()
	for _, ep := range eps {
		req := httptest.NewRequest(ep.method, ep.path, strings.NewReader("{}"))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		// A 404 from a real handler (an unknown datasource, say) is fine;
		// only the mux's own "no such endpoint" means the path is unrouted.
		if (rec.Code == 404 && strings.Contains(rec.Body.String(), "no such endpoint")) || rec.Code == 405 {
			t.Errorf("%s %s (%s): %d %s", ep.method, ep.path, ep.source, rec.Code, rec.Body)
			continue
		}
		if !json.Valid(rec.Body.Bytes()) && !strings.HasSuffix(ep.path, "/leader") && rec.Body.Len() > 0 {
			t.Errorf("%s %s: body is not JSON: %q", ep.method, ep.path, rec.Body)
		}
	}
}

// TestRouteTables checks each role's table: patterns register without
// conflict, unsupported entries answer 501 with Druid's body, and the
// router sends every role's paths to that role.
func TestRouteTables(t *testing.T) {
	cfg := loadConfig(t, config.ModeQuickstart, nil)
	n, err := New(Options{Config: cfg, Roles: config.AllRoles(), Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer n.Stop(context.Background())
	ownerOf := map[string]string{}
	for _, nr := range n.running {
		if nr.name == config.RoleRouter {
			continue
		}
		for _, rt := range nr.role.Routes() {
			key := rt.String()
			if prev, dup := ownerOf[key]; dup {
				t.Errorf("%s routed by both %s and %s", key, prev, nr.name)
			}
			ownerOf[key] = nr.name
			if !rt.Unsupported {
				continue
			}
			path := strings.NewReplacer("{$}", "", "{", "", "}", "").Replace(rt.Pattern)
			rec := httptest.NewRecorder()
			n.Handler().ServeHTTP(rec, httptest.NewRequest(rt.Method, path, strings.NewReader("{}")))
			var b httpapi.ErrorBody
			if rec.Code != 501 || json.Unmarshal(rec.Body.Bytes(), &b) != nil || b.Category != "UNSUPPORTED" ||
				!strings.Contains(b.ErrorMessage, "is not supported by dryad yet") {
				t.Errorf("%s via router: %d %s", key, rec.Code, rec.Body)
			}
		}
	}
	if len(ownerOf) < 100 {
		t.Errorf("only %d routes", len(ownerOf))
	}
}

func TestGracefulStop(t *testing.T) {
	cfg := loadConfig(t, config.ModeQuickstart, nil)
	n := startNode(t, cfg, config.AllRoles())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := http.Get("http://" + n.Addr().String() + "/status/health"); err == nil {
		t.Error("listener still answers after Stop")
	}
}

// TestStopFinishesInFlight checks that Stop lets a request that is already
// being served finish: the request's body is still arriving when Stop is
// called, and the client must still get the complete answer. The sleeps
// only order events; nothing is asserted about time.
func TestStopFinishesInFlight(t *testing.T) {
	cfg := loadConfig(t, config.ModeQuickstart, nil)
	n := startNode(t, cfg, config.AllRoles())
	conn, err := net.Dial("tcp", n.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const body = `{"queryType":"timeseries","dataSource":"x","intervals":["2000/2001"],"granularity":"all"}`
	head := fmt.Sprintf("POST /druid/v2/ HTTP/1.1\r\nHost: dryad\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	if _, err := io.WriteString(conn, head+body[:13]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the handler is now waiting for the rest of the body
	stopped := make(chan error, 1)
	go func() { stopped <- n.Stop(context.Background()) }()
	time.Sleep(50 * time.Millisecond) // Stop has closed the listener and is waiting
	if _, err := io.WriteString(conn, body[13:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || string(b) != "[]" {
		t.Fatalf("in-flight request: %d %q %v", resp.StatusCode, b, err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := http.Get("http://" + n.Addr().String() + "/status/health"); err == nil {
		t.Error("new requests still accepted after Stop")
	}
}
