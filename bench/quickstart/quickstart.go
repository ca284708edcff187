package quickstart

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// BuildCommit exports commit (e.g. "HEAD") of the git repository at
// moduleDir into srcDir with git archive and compiles its ./cmd/dryad into
// out, so that uncommitted work in the checkout does not affect the build.
// It returns the full commit hash.
func BuildCommit(ctx context.Context, moduleDir, commit, srcDir, out string) (string, error) {
	rev, err := exec.CommandContext(ctx, "git", "-C", moduleDir, "rev-parse", commit).Output()
	if err != nil {
		return "", fmt.Errorf("git rev-parse %s in %s: %w", commit, moduleDir, err)
	}
	hash := strings.TrimSpace(string(rev))
	if err := os.MkdirAll(srcDir, 0o755); err != nil {
		return "", err
	}
	archive := exec.CommandContext(ctx, "git", "-C", moduleDir, "archive", "--format=tar", hash)
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", srcDir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", err
	}
	untar.Stdin = pipe
	var stderr bytes.Buffer
	archive.Stderr, untar.Stderr = &stderr, &stderr
	if err := untar.Start(); err != nil {
		return "", err
	}
	if err := archive.Run(); err != nil {
		_ = untar.Wait()
		return "", fmt.Errorf("git archive %s: %w: %s", hash, err, stderr.String())
	}
	if err := untar.Wait(); err != nil {
		return "", fmt.Errorf("untar %s into %s: %w: %s", hash, srcDir, err, stderr.String())
	}
	return hash, Build(ctx, srcDir, out)
}

// Build compiles ./cmd/dryad of the module rooted at moduleDir into out.
func Build(ctx context.Context, moduleDir, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, "./cmd/dryad")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/dryad in %s: %w\n%s", moduleDir, err, b)
	}
	return nil
}

// Server is a running dryad quickstart.
type Server struct {
	URL     string // e.g. http://127.0.0.1:41234
	Dir     string // the data directory
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	client  *http.Client
}

// Start runs binary as "quickstart --port P --dir dir" on a free port,
// writing its output to logw, and waits up to timeout for /status/health.
func Start(ctx context.Context, binary, dir string, logw io.Writer, timeout time.Duration) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, "quickstart", "--port", strconv.Itoa(port), "--dir", dir)
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	s := &Server{
		URL:    "http://127.0.0.1:" + strconv.Itoa(port),
		Dir:    dir,
		cmd:    cmd,
		done:   make(chan struct{}),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}},
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("dryad quickstart exited during start-up: %v", s.waitErr)
		default:
		}
		if b, err := s.get(ctx, "/status/health"); err == nil && strings.TrimSpace(string(b)) == "true" {
			return s, nil
		}
		if time.Now().After(deadline) {
			_ = s.Stop()
			return nil, fmt.Errorf("dryad quickstart at %s not healthy after %v", s.URL, timeout)
		}
		select {
		case <-ctx.Done():
			_ = s.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// PID is the process id of the server.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop ends the process: SIGTERM, then SIGKILL after 30 seconds.
func (s *Server) Stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	return nil
}

// Memory returns the process's resident set size (VmRSS) and its peak
// (VmHWM) in bytes, read from /proc/<pid>/status.
func (s *Server) Memory() (rss, peak int64, err error) {
	return ProcMemory(s.PID())
}

// ProcMemory reads VmRSS and VmHWM of process pid from /proc.
func ProcMemory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	return parseStatus(b)
}

func parseStatus(b []byte) (rss, peak int64, err error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	found := 0
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, base.Errorf(base.ClassInvalidInput, "/proc status %s: %q", k, v)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, base.Errorf(base.ClassInvalidInput, "/proc status %s: %w", k, err)
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			peak = n << 10
		}
		found++
	}
	if found != 2 {
		return 0, 0, base.Errorf(base.ClassInvalidInput, "/proc status lacks VmRSS or VmHWM")
	}
	return rss, peak, nil
}

// DeepStorageBytes sums the sizes of the files of datasource in the
// quickstart's local deep storage (<dir>/deepstorage/<datasource>).
func (s *Server) DeepStorageBytes(datasource string) (int64, error) {
	var total int64
	root := filepath.Join(s.Dir, "deepstorage", datasource)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("deep storage of %s: %w", datasource, err)
	}
	return total, nil
}

// SubmitTask posts an ingestion task spec and returns the task id.
func (s *Server) SubmitTask(ctx context.Context, spec []byte) (string, error) {
	b, err := s.post(ctx, "/druid/indexer/v1/task", spec)
	if err != nil {
		return "", fmt.Errorf("submit task: %w", err)
	}
	var resp struct {
		Task string `json:"task"`
	}
	if err := json.Unmarshal(b, &resp); err != nil || resp.Task == "" {
		return "", base.Errorf(base.ClassInvalidInput, "submit task: unexpected answer %.200q", b)
	}
	return resp.Task, nil
}

// TaskStatus is the part of a task's status the harness reads.
type TaskStatus struct {
	ID         string `json:"id"`
	StatusCode string `json:"statusCode"` // RUNNING, SUCCESS, FAILED
	ErrorMsg   string `json:"errorMsg"`
	Duration   int64  `json:"duration"`
}

// WaitTask polls the task's status every poll until it is no longer
// RUNNING (or WAITING/PENDING). A FAILED task is an error carrying its
// errorMsg.
func (s *Server) WaitTask(ctx context.Context, id string, poll time.Duration) (TaskStatus, error) {
	for {
		b, err := s.get(ctx, "/druid/indexer/v1/task/"+id+"/status")
		if err != nil {
			return TaskStatus{}, fmt.Errorf("task %s status: %w", id, err)
		}
		var resp struct {
			Status TaskStatus `json:"status"`
		}
		if err := json.Unmarshal(b, &resp); err != nil {
			return TaskStatus{}, base.Errorf(base.ClassInvalidInput, "task %s status: %w", id, err)
		}
		switch resp.Status.StatusCode {
		case "SUCCESS":
			return resp.Status, nil
		case "FAILED":
			return resp.Status, fmt.Errorf("task %s failed: %s", id, resp.Status.ErrorMsg)
		}
		select {
		case <-ctx.Done():
			return resp.Status, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// CountRows returns the number of rows of datasource visible to queries.
func (s *Server) CountRows(ctx context.Context, datasource string) (int64, error) {
	q := fmt.Sprintf(`{"queryType":"timeseries","dataSource":%q,"intervals":["1000-01-01/3000-01-01"],"granularity":"all","aggregations":[{"type":"count","name":"rows"}]}`, datasource)
	b, err := s.Query(ctx, []byte(q))
	if err != nil {
		return 0, err
	}
	var res []struct {
		Result struct {
			Rows int64 `json:"rows"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return 0, base.Errorf(base.ClassInvalidInput, "count of %s: %w", datasource, err)
	}
	if len(res) == 0 {
		return 0, nil
	}
	return res[0].Result.Rows, nil
}

// WaitRows polls until want rows of datasource are visible or timeout.
func (s *Server) WaitRows(ctx context.Context, datasource string, want int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last int64
	var lastErr error
	for time.Now().Before(deadline) {
		n, err := s.CountRows(ctx, datasource)
		last, lastErr = n, err
		if err == nil && n == want {
			return nil
		}
		if err == nil && n > want {
			return fmt.Errorf("datasource %s has %d rows, want %d", datasource, n, want)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	if lastErr != nil {
		return fmt.Errorf("datasource %s: rows not visible after %v: %w", datasource, timeout, lastErr)
	}
	return fmt.Errorf("datasource %s: %d of %d rows visible after %v", datasource, last, want, timeout)
}

// Query posts a native query to /druid/v2/ and returns the response body.
func (s *Server) Query(ctx context.Context, body []byte) ([]byte, error) {
	return s.post(ctx, "/druid/v2/", body)
}

func (s *Server) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", s.URL+path, nil)
	if err != nil {
		return nil, err
	}
	return s.do(req)
}

func (s *Server) post(ctx context.Context, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", s.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return s.do(req)
}

func (s *Server) do(req *http.Request) ([]byte, error) {
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "%s %s: reading the answer: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, HTTPError(req.Method+" "+req.URL.Path, resp.StatusCode, b)
	}
	return b, nil
}

// HTTPError turns an error answer into a base error whose class follows
// the status, carrying Druid's error message (errorMessage, or error).
func HTTPError(what string, status int, body []byte) error {
	class := base.ClassInternal
	switch {
	case status == http.StatusNotImplemented:
		class = base.ClassUnsupported
	case status == http.StatusNotFound:
		class = base.ClassNotFound
	case status == http.StatusServiceUnavailable:
		class = base.ClassUnavailable
	case status == http.StatusGatewayTimeout:
		class = base.ClassTimeout
	case status/100 == 4:
		class = base.ClassInvalidInput
	}
	var e struct {
		Error        string `json:"error"`
		ErrorMessage string `json:"errorMessage"`
	}
	msg := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &e) == nil {
		switch {
		case e.ErrorMessage != "":
			msg = e.ErrorMessage
		case e.Error != "":
			msg = e.Error
		}
	}
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	return base.Errorf(class, "%s: HTTP %d: %s", what, status, msg)
}

// IsUnsupported reports whether err is a 501 answer.
func IsUnsupported(err error) bool {
	return err != nil && base.ClassOf(err) == base.ClassUnsupported && !errors.Is(err, context.Canceled)
}
