package taskclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// DefaultURL is where `dryad ingest` finds the router by default (the
// quickstart's port).
const DefaultURL = "http://127.0.0.1:8888"

const usage = `usage: dryad ingest SPEC.json [--url URL] [--no-wait]

Submits the ingestion task in SPEC.json to the overlord behind URL
(default ` + DefaultURL + `) and follows it until it ends.

  --url URL    router or overlord base URL
  --no-wait    print the task id and exit without following the task
`

// Run is `dryad ingest`: it parses args (without the command name), runs
// and returns the process exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args)
	if err != nil {
		if err == errHelp {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "dryad ingest: %v\n%s", err, usage)
		return 2
	}
	spec, err := os.ReadFile(opts.specPath)
	if err != nil {
		fmt.Fprintf(stderr, "dryad ingest: %v\n", err)
		return 2
	}
	c := &Client{BaseURL: opts.url, HTTP: &http.Client{Timeout: 30 * time.Second}, Poll: 250 * time.Millisecond}
	return c.Ingest(context.Background(), spec, !opts.noWait, stdout, stderr)
}

type options struct {
	specPath string
	url      string
	noWait   bool
}

var errHelp = fmt.Errorf("help requested")

func parseArgs(args []string) (options, error) {
	o := options{url: DefaultURL}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-h" || a == "--help" || a == "-help":
			return o, errHelp
		case a == "--no-wait" || a == "-no-wait":
			o.noWait = true
		case a == "--url" || a == "-url":
			if i+1 >= len(args) {
				return o, fmt.Errorf("%s needs a value", a)
			}
			i++
			o.url = args[i]
		case strings.HasPrefix(a, "--url=") || strings.HasPrefix(a, "-url="):
			o.url = a[strings.IndexByte(a, '=')+1:]
		case strings.HasPrefix(a, "-") && a != "-":
			return o, fmt.Errorf("unknown flag %s", a)
		default:
			if o.specPath != "" {
				return o, fmt.Errorf("one spec file expected, got %s and %s", o.specPath, a)
			}
			o.specPath = a
		}
	}
	if o.specPath == "" {
		return o, fmt.Errorf("no spec file given")
	}
	u, err := url.Parse(o.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, fmt.Errorf("--url %q: want http://host:port", o.url)
	}
	o.url = strings.TrimRight(o.url, "/")
	return o, nil
}

// Client talks to the Tasks API.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	// Poll is the interval between status polls.
	Poll time.Duration
}

type taskStatus struct {
	ID               string  `json:"id"`
	StatusCode       string  `json:"statusCode"`
	RunnerStatusCode string  `json:"runnerStatusCode"`
	Duration         int64   `json:"duration"`
	ErrorMsg         *string `json:"errorMsg"`
}

type rowStats struct {
	Processed          int64 `json:"processed"`
	ProcessedWithError int64 `json:"processedWithError"`
	ThrownAway         int64 `json:"thrownAway"`
	Unparseable        int64 `json:"unparseable"`
}

// Ingest submits spec and, when wait is set, follows the task to its end,
// writing progress and the outcome to stdout and problems to stderr. It
// returns the exit code.
func (c *Client) Ingest(ctx context.Context, spec []byte, wait bool, stdout, stderr io.Writer) int {
	var sub struct {
		Task string `json:"task"`
	}
	if err := c.do(ctx, "POST", "/druid/indexer/v1/task", spec, &sub); err != nil {
		fmt.Fprintf(stderr, "dryad ingest: submitting: %v\n", err)
		return 1
	}
	if !wait {
		fmt.Fprintln(stdout, sub.Task)
		return 0
	}
	fmt.Fprintf(stdout, "task %s submitted\n", sub.Task)
	id := url.PathEscape(sub.Task)
	start := time.Now()
	var st taskStatus
	lineLen := 0
	for {
		var resp struct {
			Status taskStatus `json:"status"`
		}
		if err := c.do(ctx, "GET", "/druid/indexer/v1/task/"+id+"/status", nil, &resp); err != nil {
			fmt.Fprintf(stderr, "\ndryad ingest: polling task %s: %v\n", sub.Task, err)
			return 1
		}
		st = resp.Status
		if st.StatusCode != "RUNNING" {
			break
		}
		line := fmt.Sprintf("%s %s", st.RunnerStatusCode, time.Since(start).Round(100*time.Millisecond))
		if st.RunnerStatusCode == "RUNNING" {
			var rs struct {
				Totals struct {
					BuildSegments rowStats `json:"buildSegments"`
				} `json:"totals"`
			}
			if c.do(ctx, "GET", "/druid/worker/v1/chat/"+id+"/rowStats", nil, &rs) == nil {
				n := rs.Totals.BuildSegments.Processed + rs.Totals.BuildSegments.ProcessedWithError
				rate := float64(n) / max(time.Since(start).Seconds(), 0.001)
				line = fmt.Sprintf("RUNNING %s  %d rows  %.0f rows/s", time.Since(start).Round(100*time.Millisecond), n, rate)
			}
		}
		pad := max(0, lineLen-len(line))
		fmt.Fprintf(stdout, "\r%s%s", line, strings.Repeat(" ", pad))
		lineLen = len(line)
		select {
		case <-ctx.Done():
			fmt.Fprintf(stderr, "\ndryad ingest: %v\n", ctx.Err())
			return 1
		case <-time.After(c.Poll):
		}
	}
	if lineLen > 0 {
		fmt.Fprintf(stdout, "\r%s\r", strings.Repeat(" ", lineLen))
	}
	var rep struct {
		IngestionStatsAndErrors struct {
			Payload struct {
				RowStats struct {
					BuildSegments rowStats `json:"buildSegments"`
				} `json:"rowStats"`
			} `json:"payload"`
		} `json:"ingestionStatsAndErrors"`
	}
	_ = c.do(ctx, "GET", "/druid/indexer/v1/task/"+id+"/reports", nil, &rep)
	rs := rep.IngestionStatsAndErrors.Payload.RowStats.BuildSegments
	var segs []json.RawMessage
	_ = c.do(ctx, "GET", "/druid/indexer/v1/task/"+id+"/segments", nil, &segs)
	if st.StatusCode != "SUCCESS" {
		msg := "(no error message)"
		if st.ErrorMsg != nil {
			msg = *st.ErrorMsg
		}
		fmt.Fprintf(stdout, "task %s FAILED after %s: %s\n", sub.Task, time.Duration(st.Duration)*time.Millisecond, oneLine(msg))
		return 1
	}
	fmt.Fprintf(stdout, "task %s SUCCESS in %s: %d rows processed (%d with errors, %d unparseable, %d thrown away), %d segments published\n",
		sub.Task, time.Duration(st.Duration)*time.Millisecond, rs.Processed, rs.ProcessedWithError, rs.Unparseable, rs.ThrownAway, len(segs))
	return 0
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// do sends a request and decodes a JSON answer into out; a non-2xx answer
// becomes an error carrying Druid's error message.
func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error        string `json:"error"`
			ErrorMessage string `json:"errorMessage"`
		}
		msg := strings.TrimSpace(string(b))
		if json.Unmarshal(b, &e) == nil {
			if e.ErrorMessage != "" {
				msg = e.ErrorMessage
			} else if e.Error != "" {
				msg = e.Error
			}
		}
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, oneLine(msg))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decoding %s %s: %w", method, path, err)
	}
	return nil
}
