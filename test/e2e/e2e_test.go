package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the dryad binary TestMain builds.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dryad-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "dryad")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=e2e-test", "-o", binary, "github.com/dryaddb/dryad/cmd/dryad")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building dryad:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for the process's writer and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running dryad process.
type proc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

// start runs dryad with args and env (added to a clean environment).
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	p := &proc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout = p.stderr
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("dryad %s output:\n%s", strings.Join(args, " "), p.stderr.String())
		}
	})
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("dryad did not exit within %v; output:\n%s", timeout, p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// runDryad runs a short command and returns its exit code and output.
func runDryad(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	p := start(t, env, args...)
	code := p.wait(t, 20*time.Second)
	return code, p.stderr.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitHealthy polls /status/health until it answers true and returns how
// long that took since the process started.
func waitHealthy(t *testing.T, p *proc, port int, began time.Time) time.Duration {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/status/health", port)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("dryad exited before becoming healthy:\n%s", p.stderr.String())
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.TrimSpace(string(b)) == "true" {
				return time.Since(began)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("dryad not healthy on port %d after 15s:\n%s", port, p.stderr.String())
	return 0
}

// quickstart starts `dryad quickstart` on a free port and a fresh data dir.
func quickstart(t *testing.T, env ...string) (p *proc, port int, dir string) {
	t.Helper()
	port, dir = freePort(t), t.TempDir()
	began := time.Now()
	p = start(t, env, "quickstart", "--port", strconv.Itoa(port), "--dir", dir)
	took := waitHealthy(t, p, port, began)
	t.Logf("quickstart: exec to /status/health=true in %v", took)
	return p, port, dir
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, url, contentType, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// druidError is Druid's error body.
type druidError struct {
	Error        string            `json:"error"`
	ErrorCode    string            `json:"errorCode"`
	Persona      string            `json:"persona"`
	Category     string            `json:"category"`
	ErrorMessage string            `json:"errorMessage"`
	Context      map[string]string `json:"context"`
}

func checkError(t *testing.T, what string, r response, status int, category, persona, msg string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d (%s)", what, r.status, status, r.body)
		return
	}
	var e druidError
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Errorf("%s: body %q is not JSON: %v", what, r.body, err)
		return
	}
	if e.Error != "druidException" || e.Category != category || e.Persona != persona || e.ErrorCode == "" ||
		e.Context == nil || !strings.Contains(e.ErrorMessage, msg) {
		t.Errorf("%s: body %s, want category %s persona %s message containing %q", what, r.body, category, persona, msg)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
}

func TestQuickstartEndpoints(t *testing.T) {
	_, port, dir := quickstart(t, "DRYAD_DRUID_METADATA_STORAGE_CONNECTOR_PASSWORD=hunter2")
	root := fmt.Sprintf("http://127.0.0.1:%d", port)
	self := fmt.Sprintf("http://localhost:%d", port)

	// GET /status
	r := do(t, "GET", root+"/status", "", "")
	var st struct {
		Version string           `json:"version"`
		Modules []map[string]any `json:"modules"`
		Memory  map[string]int64 `json:"memory"`
	}
	if err := json.Unmarshal(r.body, &st); err != nil || r.status != 200 || st.Version != "e2e-test" || st.Modules == nil {
		t.Errorf("/status: %d %s (%v)", r.status, r.body, err)
	}
	for _, k := range []string{"maxMemory", "totalMemory", "freeMemory", "usedMemory", "directMemory"} {
		if _, ok := st.Memory[k]; !ok {
			t.Errorf("/status memory lacks %s: %s", k, r.body)
		}
	}
	if st.Memory["usedMemory"] <= 0 || st.Memory["usedMemory"]+st.Memory["freeMemory"] != st.Memory["totalMemory"] {
		t.Errorf("/status memory figures inconsistent: %v", st.Memory)
	}
	// ?pretty indents.
	if r := do(t, "GET", root+"/status/selfDiscovered/status?pretty", "", ""); string(r.body) != "{\n  \"selfDiscovered\": true\n}\n" {
		t.Errorf("?pretty: %q", r.body)
	}

	// Plain answers.
	for _, tc := range []struct{ path, body, ctype string }{
		{"/status/health", "true\n", "application/json"},
		{"/status/selfDiscovered/status", "{\"selfDiscovered\":true}\n", "application/json"},
		{"/status/selfDiscovered", "", ""},
		{"/druid/coordinator/v1/leader", self, "text/plain; charset=utf-8"},
		{"/druid/coordinator/v1/isLeader", "{\"leader\":true}\n", "application/json"},
		{"/druid/indexer/v1/leader", self, "text/plain; charset=utf-8"},
		{"/druid/indexer/v1/isLeader", "{\"leader\":true}\n", "application/json"},
	} {
		r := do(t, "GET", root+tc.path, "", "")
		if r.status != 200 || string(r.body) != tc.body || r.header.Get("Content-Type") != tc.ctype {
			t.Errorf("GET %s: %d %q (%s), want 200 %q (%s)", tc.path, r.status, r.body, r.header.Get("Content-Type"), tc.body, tc.ctype)
		}
	}

	// GET /status/properties: the effective configuration, secrets masked.
	r = do(t, "GET", root+"/status/properties", "", "")
	var props map[string]string
	if err := json.Unmarshal(r.body, &props); err != nil {
		t.Fatalf("/status/properties: %s: %v", r.body, err)
	}
	for k, want := range map[string]string{
		"druid.plaintextPort":                       strconv.Itoa(port),
		"dryad.dataDir":                             dir,
		"druid.host":                                "localhost",
		"druid.metadata.storage.type":               "sqlite",
		"druid.metadata.storage.connector.password": "<masked>",
		"druid.storage.storageDirectory":            dir + "/deepstorage",
	} {
		if props[k] != want {
			t.Errorf("/status/properties[%s] = %q, want %q", k, props[k], want)
		}
	}
	if strings.Contains(string(r.body), "hunter2") {
		t.Error("/status/properties leaks the password")
	}

	// Errors: unknown path, wrong method, malformed JSON, wrong media type,
	// an endpoint dryad does not implement yet.
	checkError(t, "unknown path", do(t, "GET", root+"/druid/nope", "", ""), 404, "NOT_FOUND", "USER", "GET /druid/nope: no such endpoint")
	checkError(t, "unknown path under a role", do(t, "GET", root+"/druid/coordinator/v1/nope", "", ""), 404, "NOT_FOUND", "USER", "no such endpoint")
	r = do(t, "DELETE", root+"/status/health", "", "")
	checkError(t, "wrong method", r, 405, "INVALID_INPUT", "USER", "DELETE /status/health: method not allowed")
	if r.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("405 Allow header %q", r.header.Get("Allow"))
	}
	r = do(t, "POST", root+"/druid/coordinator/v1/isLeader", "", "")
	checkError(t, "wrong method on a role path", r, 405, "INVALID_INPUT", "USER", "method not allowed")
	checkError(t, "malformed JSON", do(t, "POST", root+"/druid/indexer/v1/task", "application/json", `{"type":"index_parallel",`), 400, "INVALID_INPUT", "USER", "malformed JSON request body")
	checkError(t, "malformed query JSON", do(t, "POST", root+"/druid/v2/", "application/json", `{"queryType" "timeseries"}`), 400, "INVALID_INPUT", "USER", "offset")
	checkError(t, "empty JSON body", do(t, "POST", root+"/druid/v2/sql", "application/json", ""), 400, "INVALID_INPUT", "USER", "request body is empty")
	checkError(t, "wrong media type", do(t, "POST", root+"/druid/indexer/v1/task", "application/xml", "<task/>"), 415, "INVALID_INPUT", "USER", "application/xml")
	checkError(t, "not implemented yet", do(t, "DELETE", root+"/druid/v2/sql/abc", "", ""), 501, "UNSUPPORTED", "USER",
		"DELETE /druid/v2/sql/{sqlQueryId} is not supported by dryad yet")
	checkError(t, "well-formed but not implemented yet", do(t, "POST", root+"/druid/v2/", "application/json",
		`{"queryType":"timeseries","dataSource":{"type":"join","left":"wiki","right":"other","rightPrefix":"r.","condition":"page == \"r.page\"","joinType":"INNER"},"intervals":["2000/2001"],"granularity":"all"}`),
		501, "UNSUPPORTED", "USER", `Cannot handle subquery structure for dataSource: the right side of a join reads table "other" directly`)

	// The middlemanager's enable/disable state.
	hostPort := fmt.Sprintf("localhost:%d", port)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/druid/worker/v1/enabled", fmt.Sprintf("{%q:true}\n", hostPort)},
		{"POST", "/druid/worker/v1/disable", fmt.Sprintf("{%q:\"disabled\"}\n", hostPort)},
		{"GET", "/druid/worker/v1/enabled", fmt.Sprintf("{%q:false}\n", hostPort)},
		{"POST", "/druid/worker/v1/enable", fmt.Sprintf("{%q:\"enabled\"}\n", hostPort)},
		{"GET", "/druid/worker/v1/enabled", fmt.Sprintf("{%q:true}\n", hostPort)},
	} {
		if r := do(t, tc.method, root+tc.path, "", ""); r.status != 200 || string(r.body) != tc.body {
			t.Errorf("%s %s: %d %q, want %q", tc.method, tc.path, r.status, r.body, tc.body)
		}
	}
}

func TestDataDirLockAndSIGTERM(t *testing.T) {
	first, port, dir := quickstart(t)

	// A second process on the same data dir fails with one clear line.
	code, out := runDryad(t, nil, "quickstart", "--port", strconv.Itoa(freePort(t)), "--dir", dir)
	want := fmt.Sprintf("dryad: data dir %s is in use by another dryad process (pid %d)\n", dir, first.cmd.Process.Pid)
	if code != 1 || out != want {
		t.Errorf("second quickstart: exit %d, output %q; want exit 1, %q", code, out, want)
	}
	// The first one is unaffected.
	if r := do(t, "GET", fmt.Sprintf("http://127.0.0.1:%d/status/health", port), "", ""); r.status != 200 {
		t.Errorf("first process after the refused second: %d", r.status)
	}

	// SIGTERM: graceful exit 0, then the data dir is free again.
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := first.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM: %d\n%s", code, first.stderr.String())
	}
	if out := first.stderr.String(); !strings.Contains(out, "shutting down") || !strings.Contains(out, "dryad stopped") {
		t.Errorf("shutdown not logged:\n%s", out)
	}
	port2 := freePort(t)
	began := time.Now()
	again := start(t, nil, "quickstart", "--port", strconv.Itoa(port2), "--dir", dir)
	waitHealthy(t, again, port2, began)
	if err := again.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := again.wait(t, 15*time.Second); code != 0 {
		t.Errorf("exit code after SIGINT: %d", code)
	}
}

func TestServerRolesOnOwnPorts(t *testing.T) {
	dir := t.TempDir()
	mainPort, coordPort, ovPort := freePort(t), freePort(t), freePort(t)
	props := filepath.Join(dir, "runtime.properties")
	body := fmt.Sprintf(`# a two-role server
druid.host=localhost
dryad.bindAddress=127.0.0.1
druid.plaintextPort=%d
dryad.coordinator.plaintextPort=%d
dryad.overlord.plaintextPort : %d
dryad.dataDir=%s/data
druid.emitter=noop
`, mainPort, coordPort, ovPort, dir)
	if err := os.WriteFile(props, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	p := start(t, nil, "server", "--roles=coordinator,overlord", "--config", props)
	took := waitHealthy(t, p, mainPort, began)
	t.Logf("server: exec to /status/health=true in %v", took)
	url := func(port int, path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", port, path) }
	for _, tc := range []struct {
		port   int
		path   string
		status int
		body   string
	}{
		{coordPort, "/druid/coordinator/v1/leader", 200, fmt.Sprintf("http://localhost:%d", coordPort)},
		{coordPort, "/druid/coordinator/v1/isLeader", 200, "{\"leader\":true}\n"},
		{coordPort, "/status/health", 200, "true\n"},
		{coordPort, "/status/selfDiscovered/status", 200, "{\"selfDiscovered\":true}\n"},
		{ovPort, "/druid/indexer/v1/leader", 200, fmt.Sprintf("http://localhost:%d", ovPort)},
		{ovPort, "/druid/indexer/v1/isLeader", 200, "{\"leader\":true}\n"},
		{mainPort, "/druid/coordinator/v1/leader", 200, fmt.Sprintf("http://localhost:%d", coordPort)},
		{mainPort, "/druid/indexer/v1/leader", 200, fmt.Sprintf("http://localhost:%d", ovPort)},
	} {
		r := do(t, "GET", url(tc.port, tc.path), "", "")
		if r.status != tc.status || string(r.body) != tc.body {
			t.Errorf("GET :%d%s = %d %q, want %d %q", tc.port, tc.path, r.status, r.body, tc.status, tc.body)
		}
	}
	// Each role's own port serves only that role.
	checkError(t, "overlord path on the coordinator port", do(t, "GET", url(coordPort, "/druid/indexer/v1/leader"), "", ""), 404, "NOT_FOUND", "USER", "no such endpoint")
	checkError(t, "coordinator path on the overlord port", do(t, "GET", url(ovPort, "/druid/coordinator/v1/leader"), "", ""), 404, "NOT_FOUND", "USER", "no such endpoint")
	// Roles not in the process are not served.
	checkError(t, "broker path without a broker", do(t, "POST", url(mainPort, "/druid/v2/"), "application/json", "{}"), 404, "NOT_FOUND", "USER", "no such endpoint")
	// The unknown key from the file is kept and warned about.
	var props2 map[string]string
	if err := json.Unmarshal(do(t, "GET", url(mainPort, "/status/properties"), "", "").body, &props2); err != nil || props2["druid.emitter"] != "noop" {
		t.Errorf("unknown key not in /status/properties: %v %v", props2["druid.emitter"], err)
	}
	if !strings.Contains(p.stderr.String(), "key=druid.emitter") {
		t.Errorf("no warning about the unknown key:\n%s", p.stderr.String())
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 15*time.Second); code != 0 {
		t.Errorf("exit code after SIGTERM: %d", code)
	}
}

func TestConfigPrecedenceAndErrors(t *testing.T) {
	dir := t.TempDir()
	filePort, flagPort, envPort := freePort(t), freePort(t), freePort(t)
	props := filepath.Join(dir, "runtime.properties")
	if err := os.WriteFile(props, []byte(fmt.Sprintf("druid.plaintextPort=%d\ndryad.log.level=warn\n", filePort)), 0o644); err != nil {
		t.Fatal(err)
	}
	// env > flag > file: the process listens on the env port.
	began := time.Now()
	p := start(t, []string{fmt.Sprintf("DRYAD_DRUID_PLAINTEXTPORT=%d", envPort)},
		"quickstart", "--config", props, "--port", strconv.Itoa(flagPort), "--dir", filepath.Join(dir, "data"))
	waitHealthy(t, p, envPort, began)
	var props2 map[string]string
	if err := json.Unmarshal(do(t, "GET", fmt.Sprintf("http://127.0.0.1:%d/status/properties", envPort), "", "").body, &props2); err != nil ||
		props2["druid.plaintextPort"] != strconv.Itoa(envPort) || props2["dryad.log.level"] != "warn" {
		t.Errorf("properties: port %q level %q (%v)", props2["druid.plaintextPort"], props2["dryad.log.level"], err)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t, 15*time.Second); code != 0 {
		t.Errorf("exit code after SIGTERM: %d", code)
	}

	// Bad values: exit 1 with one line naming the key.
	bad := filepath.Join(dir, "bad.properties")
	if err := os.WriteFile(bad, []byte("druid.host=h\ndruid.plaintextPort=eighty\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  []string
		args []string
		want *regexp.Regexp
	}{
		{nil, []string{"quickstart", "--config", bad, "--dir", dir}, regexp.MustCompile(`^dryad: config: druid\.plaintextPort: "eighty" is not an integer \(from file .*bad\.properties:2\)\n$`)},
		{[]string{"DRYAD_DRYAD_LOG_LEVEL=loud"}, []string{"quickstart", "--dir", dir}, regexp.MustCompile(`^dryad: config: dryad\.log\.level: "loud" is not one of debug, info, warn, error \(from env DRYAD_DRYAD_LOG_LEVEL\)\n$`)},
		{nil, []string{"server", "--roles=broker", "--set", "druid.coordinator.period=soon", "--dir", dir}, regexp.MustCompile(`^dryad: config: druid\.coordinator\.period: .*\(from flag --set druid\.coordinator\.period\)\n$`)},
		{nil, []string{"quickstart", "--config", filepath.Join(dir, "missing.properties")}, regexp.MustCompile(`^dryad: config: reading .*missing\.properties: no such file or directory\n$`)},
	} {
		code, out := runDryad(t, tc.env, tc.args...)
		if code != 1 || !tc.want.MatchString(out) {
			t.Errorf("dryad %v: exit %d, output %q; want exit 1 matching %s", tc.args, code, out, tc.want)
		}
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, out := runDryad(t, nil, "version")
	if code != 0 || !regexp.MustCompile(`^dryad e2e-test \(go1\.[0-9.]+[^,]*, [a-z0-9]+/[a-z0-9]+\)\n$`).MatchString(out) {
		t.Errorf("version: exit %d %q", code, out)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"help"}, 0, "usage: dryad <command>"},
		{[]string{}, 2, "usage: dryad <command>"},
		{[]string{"help", "quickstart"}, 0, "usage: dryad quickstart [flags]"},
		{[]string{"help", "server"}, 0, "--roles LIST"},
		{[]string{"help", "version"}, 0, "usage: dryad version"},
		{[]string{"help", "segment"}, 0, "usage: dryad segment inspect FILE"},
		{[]string{"quickstart", "-h"}, 0, "--dir DIR"},
		{[]string{"server", "--help"}, 0, "--roles LIST"},
		{[]string{"help", "nope"}, 2, `unknown command "nope"`},
		{[]string{"nope"}, 2, `dryad: unknown command "nope"`},
		{[]string{"server"}, 2, "--roles is required"},
		{[]string{"server", "--roles=coordinator,bogus"}, 2, `unknown role "bogus"`},
		{[]string{"quickstart", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"quickstart", "extra"}, 2, `unexpected argument "extra"`},
	} {
		code, out := runDryad(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("dryad %v: exit %d, want %d; output %q lacks %q", tc.args, code, tc.code, out, tc.want)
		}
	}
}

// TestStartupTime reports the time from exec to /status/health=true over a
// few runs. It asserts nothing about speed (the machine is shared); the
// numbers are in the test log.
func TestStartupTime(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	var best time.Duration
	for i := range 3 {
		port, dir := freePort(t), t.TempDir()
		began := time.Now()
		p := start(t, nil, "quickstart", "--port", strconv.Itoa(port), "--dir", dir)
		took := waitHealthy(t, p, port, began)
		if i == 0 || took < best {
			best = took
		}
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.wait(t, 15*time.Second)
	}
	t.Logf("quickstart exec → /status/health=true: best of 3 = %v", best)
}

func TestSegmentInspect(t *testing.T) {
	const file = "../../internal/segment/testdata/small.seg"
	if _, err := os.Stat(file); err != nil {
		t.Skipf("segment fixture %s not present: %v", file, err)
	}
	code, out := runDryad(t, nil, "segment", "inspect", file, "--json")
	var report struct {
		FormatVersion string           `json:"formatVersion"`
		Columns       []map[string]any `json:"columns"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &report) != nil || report.FormatVersion == "" || len(report.Columns) == 0 {
		t.Errorf("segment inspect --json: exit %d, output %q", code, out)
	}
	code, out = runDryad(t, nil, "segment", "inspect", file, "--rows", "1")
	if code != 0 || !strings.Contains(out, "columns:") {
		t.Errorf("segment inspect: exit %d, output %q", code, out)
	}
	garbage := filepath.Join(t.TempDir(), "garbage.seg")
	if err := os.WriteFile(garbage, []byte("this is not a segment"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out = runDryad(t, nil, "segment", "inspect", garbage)
	if code != 1 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "dryad segment inspect: ") {
		t.Errorf("segment inspect of garbage: exit %d, output %q", code, out)
	}
	for _, args := range [][]string{{"segment"}, {"segment", "frobnicate"}, {"segment", "inspect"}} {
		if code, out := runDryad(t, nil, args...); code != 2 {
			t.Errorf("dryad %v: exit %d, want 2 (%q)", args, code, out)
		}
	}
}
