package conformance

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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// binary is the dryad binary TestMain builds.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dryad-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "dryad")
	build := exec.Command("go", "build", "-o", binary, "github.com/dryaddb/dryad/cmd/dryad")
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

// corpusDir is Druid's IT corpus beside the checkout.
func corpusDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("../../../shared/conformance/druid-it")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d); err != nil {
		t.Skipf("Druid IT corpus not found at %s", d)
	}
	return d
}

// lockedBuffer collects the process output.
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

// server is a running `dryad quickstart`.
type server struct {
	base string
	out  *lockedBuffer
}

// startQuickstart starts dryad on a free port with a fresh data directory
// and fast coordinator duties, and waits until it is healthy.
func startQuickstart(t *testing.T) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	out := &lockedBuffer{}
	cmd := exec.Command(binary, "quickstart", "--port", strconv.Itoa(port), "--dir", t.TempDir(),
		"--set", "druid.coordinator.startDelay=PT0S", "--set", "druid.coordinator.period=PT0.5S")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() && testing.Verbose() {
			t.Logf("dryad output:\n%s", out.String())
		}
	})
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port), out: out}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			t.Fatalf("dryad exited before becoming healthy:\n%s", out.String())
		default:
		}
		if code, body, err := s.do("GET", "/status/health", ""); err == nil && code == 200 && strings.TrimSpace(body) == "true" {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("dryad not healthy after 20s:\n%s", out.String())
	return nil
}

var client = &http.Client{Timeout: 2 * time.Minute}

func (s *server) do(method, path, body string) (int, string, error) {
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// ingest submits a task spec and waits for it to end; it returns an error
// naming the failure.
func (s *server) ingest(spec string, timeout time.Duration) error {
	code, body, err := s.do("POST", "/druid/indexer/v1/task", spec)
	if err != nil {
		return err
	}
	if code != 200 {
		return fmt.Errorf("submit answered %d: %s", code, body)
	}
	var sub struct {
		Task string `json:"task"`
	}
	if err := json.Unmarshal([]byte(body), &sub); err != nil || sub.Task == "" {
		return fmt.Errorf("submit answered %s", body)
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		code, body, err := s.do("GET", "/druid/indexer/v1/task/"+sub.Task+"/status", "")
		if err != nil {
			return err
		}
		var st struct {
			Status struct {
				Status   string `json:"status"`
				ErrorMsg string `json:"errorMsg"`
			} `json:"status"`
		}
		if code == 200 && json.Unmarshal([]byte(body), &st) == nil {
			switch st.Status.Status {
			case "SUCCESS":
				return nil
			case "FAILED":
				return fmt.Errorf("task %s failed: %s", sub.Task, st.Status.ErrorMsg)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("task %s did not finish within %v", sub.Task, timeout)
}

// waitLoaded waits until the coordinator reports every datasource fully
// loaded.
func (s *server) waitLoaded(dataSources []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		code, body, err := s.do("GET", "/druid/coordinator/v1/loadstatus", "")
		last = body
		if err == nil && code == 200 {
			var st map[string]float64
			if json.Unmarshal([]byte(body), &st) == nil {
				all := true
				for _, ds := range dataSources {
					if p, ok := st[ds]; !ok || p < 100 {
						all = false
					}
				}
				if all {
					return nil
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("datasources %v not loaded within %v (loadstatus %s)", dataSources, timeout, last)
}
