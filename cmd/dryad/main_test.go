package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for concurrent writes and reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func runArgs(env []string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), func() {}, args, &stdout, &stderr, env)
	return code, stdout.String(), stderr.String()
}

func TestCommands(t *testing.T) {
	tests := []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{[]string{"version"}, 0, "dryad ", ""},
		{[]string{"--version"}, 0, "dryad ", ""},
		{[]string{"version", "x"}, 2, "", `unexpected argument "x"`},
		{[]string{"help"}, 0, "usage: dryad <command>", ""},
		{[]string{"help", "server"}, 0, "usage: dryad server --roles=LIST", ""},
		{[]string{"help", "bogus"}, 2, "", `unknown command "bogus"`},
		{nil, 2, "", "usage: dryad <command>"},
		{[]string{"bogus"}, 2, "", `unknown command "bogus"`},
		{[]string{"server"}, 2, "", "--roles is required"},
		{[]string{"server", "--roles", "nope"}, 2, "", `unknown role "nope"`},
		{[]string{"quickstart", "--set", "novalue"}, 2, "", "want KEY=VALUE"},
		{[]string{"quickstart", "-h"}, 0, "", "usage: dryad quickstart"},
		{[]string{"segment"}, 2, "", "usage: dryad segment inspect"},
		{[]string{"segment", "--help"}, 0, "usage: dryad segment inspect", ""},
	}
	for _, tc := range tests {
		code, stdout, stderr := runArgs(nil, tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.errs) {
			t.Errorf("dryad %v: exit %d stdout %q stderr %q; want %d, %q, %q", tc.args, code, stdout, stderr, tc.code, tc.stdout, tc.errs)
		}
	}
}

func TestVersionString(t *testing.T) {
	if s := versionString(); !strings.HasPrefix(s, "dryad ") || !strings.Contains(s, "(go") {
		t.Errorf("versionString() = %q", s)
	}
}

func TestBadConfigIsOneLine(t *testing.T) {
	code, _, stderr := runArgs([]string{"DRYAD_DRUID_PLAINTEXTPORT=x"}, "quickstart", "--dir", t.TempDir())
	if code != 1 || stderr != "dryad: config: druid.plaintextPort: \"x\" is not an integer (from env DRYAD_DRUID_PLAINTEXTPORT)\n" {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
}

// TestQuickstartInProcess runs quickstart until its context is cancelled,
// as SIGTERM would, and checks it served and then exited 0.
func TestQuickstartInProcess(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	done := make(chan int, 1)
	stopped := false
	go func() {
		done <- run(ctx, func() { stopped = true }, []string{"quickstart", "--port", fmt.Sprint(port), "--dir", t.TempDir(), "--log-format", "json"},
			&bytes.Buffer{}, &stderr, nil)
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/status/health", port)
	healthy := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !healthy; time.Sleep(10 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			healthy = resp.StatusCode == 200
			resp.Body.Close()
		}
	}
	if !healthy {
		cancel()
		t.Fatalf("quickstart never became healthy:\n%s", stderr.String())
	}
	cancel()
	if code := <-done; code != 0 || !stopped {
		t.Errorf("exit %d, signals restored %v:\n%s", code, stopped, stderr.String())
	}
	if out := stderr.String(); !strings.Contains(out, `"msg":"dryad started"`) || !strings.Contains(out, `"msg":"dryad stopped"`) {
		t.Errorf("JSON logs lack start/stop lines:\n%s", out)
	}
}

// TestFlagsDocumented checks that docs/cli.md and the usage text list every
// flag of quickstart and server.
func TestFlagsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Skipf("docs/cli.md not readable: %v", err)
	}
	for _, withRoles := range []bool{false, true} {
		sf := newServeFlags("server", serverUsage, io.Discard, withRoles)
		sf.fs.VisitAll(func(f *flag.Flag) {
			if !bytes.Contains(doc, []byte("`--"+f.Name)) {
				t.Errorf("docs/cli.md does not document --%s", f.Name)
			}
			usage := quickstartUsage
			if withRoles {
				usage = serverUsage
			}
			if !strings.Contains(usage, "--"+f.Name+" ") {
				t.Errorf("usage text does not mention --%s", f.Name)
			}
		})
	}
}
