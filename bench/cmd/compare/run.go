package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/dryaddb/dryad/bench/answer"
	"github.com/dryaddb/dryad/bench/dataset"
	"github.com/dryaddb/dryad/bench/harness"
	"github.com/dryaddb/dryad/bench/quickstart"
	"github.com/dryaddb/dryad/bench/report"
	"github.com/dryaddb/dryad/bench/suite"
)

// peerDB is the peer engine: DuckDB when built with -tags duckdb.
type peerDB interface {
	harness.Engine
	harness.Referee
	Load(ctx context.Context, stmt string) error
	Count(ctx context.Context, table string) (int64, error)
	FileBytes(ctx context.Context) (int64, error)
	Version(ctx context.Context) string
	Close() error
}

type config struct {
	rows        int64
	sf          float64
	seed        int64
	runs        int
	warmup      int
	threads     int
	concurrency int
	budget      time.Duration
	ingestLimit time.Duration
	queries     map[string]bool
	dir         string
	keep        bool
	out         string
	dryadBin    string
	worktree    bool
	command     string
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	rows := fs.String("rows", "1M", "wiki rows (suffixes K, M allowed)")
	sf := fs.String("sf", "auto", `TPC-H lineitem scale factor; "auto" is rows/10M, at most 1; 0 skips lineitem`)
	c := &config{}
	fs.Int64Var(&c.seed, "seed", 1, "data generator seed")
	fs.IntVar(&c.runs, "runs", 10, "timed runs per query and engine")
	fs.IntVar(&c.warmup, "warmup", 2, "untimed warm-up runs per query and engine")
	fs.IntVar(&c.threads, "threads", 2, "DuckDB threads")
	fs.IntVar(&c.concurrency, "concurrency", 2, "dryad ingestion maxNumConcurrentSubTasks")
	fs.DurationVar(&c.budget, "budget", 15*time.Second, "per query timing budget; at least 3 runs are taken")
	fs.DurationVar(&c.ingestLimit, "ingest-timeout", 30*time.Minute, "longest wait for one dryad ingestion")
	queries := fs.String("queries", "", "comma-separated query names to run (default: all)")
	fs.StringVar(&c.dir, "dir", "", "work directory for data files, dryad's data and the DuckDB file (default: a new temporary directory)")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory")
	fs.StringVar(&c.out, "out", "bench/results", "directory for the report files")
	fs.StringVar(&c.dryadBin, "dryad", "", "a prebuilt dryad binary (default: build ./cmd/dryad of the git HEAD commit)")
	fs.BoolVar(&c.worktree, "worktree", false, "build dryad from the working tree, uncommitted changes included, instead of HEAD")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	n, err := parseCount(*rows)
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("--rows %q: want a positive count such as 1M or 10M", *rows)
	}
	c.rows = n
	if *sf == "auto" {
		c.sf = min(1, float64(n)/10e6)
	} else if c.sf, err = strconv.ParseFloat(*sf, 64); err != nil || c.sf < 0 {
		return nil, fmt.Errorf("--sf %q: want a non-negative number or auto", *sf)
	}
	if c.runs < 1 || c.warmup < 0 || c.threads < 1 || c.concurrency < 1 {
		return nil, fmt.Errorf("--runs, --threads and --concurrency must be positive, --warmup non-negative")
	}
	if *queries != "" {
		c.queries = map[string]bool{}
		for _, q := range strings.Split(*queries, ",") {
			c.queries[strings.TrimSpace(q)] = true
		}
	}
	c.command = "go run ./bench/cmd/compare " + strings.Join(args, " ")
	return c, nil
}

// parseCount reads counts like "500", "10K", "10M", "1.5M".
func parseCount(s string) (int64, error) {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "K"), strings.HasSuffix(s, "k"):
		mult, s = 1e3, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1e6, s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("want a non-negative count such as 1000, 10K or 10M")
	}
	return int64(f * mult), nil
}

func run(ctx context.Context, args []string) error {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	if !haveDuckDB {
		return reexecWithDuckDB(args)
	}
	moduleDir, err := moduleRoot()
	if err != nil {
		return err
	}
	if !filepath.IsAbs(c.out) {
		c.out = filepath.Join(moduleDir, c.out)
	}
	if c.dir == "" {
		if c.dir, err = os.MkdirTemp("", "dryad-bench-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	if !c.keep {
		defer os.RemoveAll(c.dir)
	}
	return compare(ctx, c, moduleDir, os.Stderr)
}

// compare performs the whole run and writes the report; a failed step is
// recorded in the report's notes and makes the run fail.
func compare(ctx context.Context, c *config, moduleDir string, log io.Writer) error {
	start := time.Now()
	terminal := isTerminal(os.Stderr)
	rep := &report.Report{
		Date: start.UTC(), Command: c.command, WikiRows: c.rows, LineitemSF: c.sf,
		Warmup: c.warmup, Runs: c.runs, Threads: c.threads, Machine: machine(),
	}
	var stepErr error
	note := func(format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		rep.Notes = append(rep.Notes, s)
		fmt.Fprintln(log, "note:", s)
	}
	fail := func(step string, err error) error {
		stepErr = fmt.Errorf("%s: %w", step, err)
		note("FAILED at %s: %v", step, err)
		return stepErr
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(log, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}

	qs, err := suite.Suite(c.rows)
	if err != nil {
		return err
	}
	if c.queries != nil {
		var sel []suite.Query
		for _, q := range qs {
			if c.queries[q.Name] {
				sel = append(sel, q)
				delete(c.queries, q.Name)
			}
		}
		for name := range c.queries {
			return fmt.Errorf("--queries: no query named %q", name)
		}
		qs = sel
	}
	if c.sf == 0 {
		var sel []suite.Query
		for _, q := range qs {
			if q.Dataset != suite.Lineitem {
				sel = append(sel, q)
			}
		}
		qs = sel
	}

	// 1. Data.
	dataDir := filepath.Join(c.dir, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	sets, err := loadManifest(dataDir, c)
	if err == nil {
		logf("reusing the data in %s (same seed, rows and scale factor)", dataDir)
	} else {
		if sets, err = generate(dataDir, c, logf); err != nil {
			return err
		}
	}
	for _, s := range sets {
		if s.Name == suite.Lineitem {
			rep.LineitemRows = s.Rows
		}
	}

	// 2. DuckDB. A reused work directory starts with fresh engines.
	for _, stale := range []string{"bench.duckdb", "bench.duckdb.wal", "var", "src", "dryad.log"} {
		if err := os.RemoveAll(filepath.Join(c.dir, stale)); err != nil {
			return err
		}
	}
	peer, err := openPeer(ctx, filepath.Join(c.dir, "bench.duckdb"), c.threads)
	if err != nil {
		return err
	}
	defer peer.Close()
	rep.Machine.DuckDB = peer.Version(ctx)
	var prevBytes int64
	for _, s := range sets {
		stmt, err := dataset.DuckDBLoad(s)
		if err != nil {
			return err
		}
		logf("duckdb: loading %s (%d rows)", s.Name, s.Rows)
		t := time.Now()
		if err := peer.Load(ctx, stmt); err != nil {
			return fail("duckdb load of "+s.Name, err)
		}
		secs := time.Since(t).Seconds()
		n, err := peer.Count(ctx, s.Name)
		if err != nil {
			return fail("duckdb load of "+s.Name, err)
		}
		if n != s.Rows {
			return fail("duckdb load of "+s.Name, fmt.Errorf("%d rows loaded, want %d", n, s.Rows))
		}
		size, err := peer.FileBytes(ctx)
		if err != nil {
			return fail("duckdb load of "+s.Name, err)
		}
		rep.Ingest = append(rep.Ingest, report.Ingest{Dataset: s.Name, Engine: "duckdb", Rows: n, Seconds: secs,
			RowsPerSecPerCore: float64(n) / secs / float64(min(c.threads, runtime.NumCPU())), Bytes: size - prevBytes})
		prevBytes = size
		logf("duckdb: %s loaded in %.1f s", s.Name, secs)
	}
	rep.DuckDBBytes = prevBytes

	// 3. dryad.
	srv, err := startDryad(ctx, c, moduleDir, rep, logf)
	dryadOK := err == nil
	if err != nil {
		fail("dryad start", err)
	} else {
		defer srv.Stop()
		for _, s := range sets {
			if err := ingestDryad(ctx, c, srv, s, rep, logf); err != nil {
				fail("dryad ingestion of "+s.Name, err)
				dryadOK = false
				break
			}
		}
	}

	// 4. Queries.
	if dryadOK {
		logf("running %d queries: %d warm-up and %d timed runs each, alternating", len(qs), c.warmup, c.runs)
		rep.Queries = harness.Run(ctx, &dryadEngine{srv: srv}, peer, peer, qs, harness.Options{
			Warmup: c.warmup, Runs: c.runs, Budget: c.budget, Progress: log, Terminal: terminal,
		})
	} else {
		for _, q := range qs {
			rep.Queries = append(rep.Queries, report.Query{Name: q.Name, Description: q.Description,
				Status: report.StatusError, Reason: "not run: an earlier step failed (see the notes)"})
		}
	}
	if srv != nil {
		if rss, peak, err := srv.Memory(); err == nil {
			rep.DryadRSS, rep.DryadPeakRSS = rss, peak
		}
		for i := range rep.Ingest {
			if rep.Ingest[i].Engine == "dryad" {
				if b, err := srv.DeepStorageBytes(rep.Ingest[i].Dataset); err == nil {
					rep.Ingest[i].Bytes = b
				}
			}
		}
	}
	rep.WallSeconds = time.Since(start).Seconds()
	rep.Finish()

	// 5. Report.
	md, js, err := writeReport(c.out, rep)
	if err != nil {
		return err
	}
	fmt.Fprintln(log)
	if err := rep.Terminal(os.Stdout); err != nil {
		return err
	}
	fmt.Fprintf(log, "report: %s\n        %s\n", md, js)
	if stepErr != nil {
		return stepErr
	}
	if rep.Failed() {
		return errors.New("answers disagree or a query failed; see the report")
	}
	return ctx.Err()
}

// manifest records what a data directory holds, so that --dir can be reused.
type manifest struct {
	Seed int64           `json:"seed"`
	Rows int64           `json:"rows"`
	SF   float64         `json:"sf"`
	Sets []dataset.Files `json:"sets"`
}

func loadManifest(dataDir string, c *config) ([]dataset.Files, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m.Seed != c.seed || m.Rows != c.rows || m.SF != c.sf {
		return nil, errors.New("data directory holds other data")
	}
	for _, s := range m.Sets {
		for _, p := range s.Paths {
			if _, err := os.Stat(p); err != nil {
				return nil, err
			}
		}
	}
	return m.Sets, nil
}

// generate writes the data sets and their manifest.
func generate(dataDir string, c *config, logf func(string, ...any)) ([]dataset.Files, error) {
	_ = os.Remove(filepath.Join(dataDir, "manifest.json"))
	logf("generating %d wiki rows and TPC-H lineitem at scale factor %g into %s", c.rows, c.sf, dataDir)
	t0 := time.Now()
	// The two generators are sequential each; run them side by side.
	var li dataset.Files
	liErr := make(chan error, 1)
	go func() {
		var err error
		if c.sf > 0 {
			li, err = dataset.WriteLineitem(dataDir, c.seed, c.sf)
		}
		liErr <- err
	}()
	wiki, err := dataset.WriteWiki(dataDir, c.seed, c.rows)
	if lerr := <-liErr; err == nil {
		err = lerr
	}
	if err != nil {
		return nil, err
	}
	sets := []dataset.Files{wiki}
	if c.sf > 0 {
		sets = append(sets, li)
	}
	var bytes int64
	for _, s := range sets {
		bytes += s.Bytes
	}
	logf("wrote %.1f GiB of JSON lines in %.1f s", float64(bytes)/(1<<30), time.Since(t0).Seconds())
	b, err := json.Marshal(manifest{Seed: c.seed, Rows: c.rows, SF: c.sf, Sets: sets})
	if err != nil {
		return nil, err
	}
	return sets, os.WriteFile(filepath.Join(dataDir, "manifest.json"), b, 0o644)
}

// startDryad builds (unless --dryad names a binary) and starts a quickstart
// whose data directory and log are in the work directory.
func startDryad(ctx context.Context, c *config, moduleDir string, rep *report.Report, logf func(string, ...any)) (*quickstart.Server, error) {
	bin := c.dryadBin
	commit := ""
	switch {
	case bin != "":
	case c.worktree:
		bin = filepath.Join(c.dir, "dryad")
		logf("building dryad from the working tree")
		if err := quickstart.Build(ctx, moduleDir, bin); err != nil {
			return nil, err
		}
		commit = "working tree"
	default:
		bin = filepath.Join(c.dir, "dryad")
		logf("building dryad from the HEAD commit")
		hash, err := quickstart.BuildCommit(ctx, moduleDir, "HEAD", filepath.Join(c.dir, "src"), bin)
		if err != nil {
			return nil, err
		}
		commit = "commit " + hash[:min(12, len(hash))]
	}
	rep.Machine.Dryad = dryadVersion(ctx, bin)
	if commit != "" {
		rep.Machine.Dryad += " (" + commit + ")"
	}
	logPath := filepath.Join(c.dir, "dryad.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	// The log file stays open for the process's lifetime; the OS closes it.
	srv, err := quickstart.Start(ctx, bin, filepath.Join(c.dir, "var"), logFile, time.Minute)
	if err != nil {
		logFile.Close()
		return nil, err
	}
	logf("dryad: quickstart at %s (pid %d, log %s)", srv.URL, srv.PID(), logPath)
	return srv, nil
}

func ingestDryad(ctx context.Context, c *config, srv *quickstart.Server, s dataset.Files, rep *report.Report, logf func(string, ...any)) error {
	spec, err := dataset.DruidSpec(s, c.concurrency)
	if err != nil {
		return err
	}
	logf("dryad: ingesting %s (%d rows, index_parallel, %d sub-tasks)", s.Name, s.Rows, c.concurrency)
	t := time.Now()
	id, err := srv.SubmitTask(ctx, spec)
	if err != nil {
		return err
	}
	ictx, cancel := context.WithTimeout(ctx, c.ingestLimit)
	defer cancel()
	if _, err := srv.WaitTask(ictx, id, 500*time.Millisecond); err != nil {
		return err
	}
	taskSecs := time.Since(t).Seconds()
	if err := srv.WaitRows(ictx, s.Name, s.Rows, 5*time.Minute); err != nil {
		return err
	}
	secs := time.Since(t).Seconds()
	logf("dryad: %s ingested in %.1f s (task %.1f s, then queryable)", s.Name, secs, taskSecs)
	rep.Ingest = append(rep.Ingest, report.Ingest{Dataset: s.Name, Engine: "dryad", Rows: s.Rows, Seconds: secs,
		RowsPerSecPerCore: float64(s.Rows) / secs / float64(min(c.concurrency, runtime.NumCPU()))})
	return nil
}

// dryadEngine runs native queries on a dryad quickstart.
type dryadEngine struct{ srv *quickstart.Server }

func (d *dryadEngine) Name() string { return "dryad" }

func (d *dryadEngine) Answer(ctx context.Context, q suite.Query) (answer.Table, error) {
	body, err := q.Body()
	if err != nil {
		return answer.Table{}, err
	}
	b, err := d.srv.Query(ctx, body)
	if err != nil {
		return answer.Table{}, err
	}
	return answer.FromDruid(b)
}

func (d *dryadEngine) Time(ctx context.Context, q suite.Query) (time.Duration, error) {
	body, err := q.Body()
	if err != nil {
		return 0, err
	}
	t := time.Now()
	_, err = d.srv.Query(ctx, body)
	return time.Since(t), err
}

func writeReport(dir string, rep *report.Report) (md, js string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	base := rep.Date.Format("2006-01-02T1504Z") + "-" + sanitize(rep.Machine.Host)
	md, js = filepath.Join(dir, base+".md"), filepath.Join(dir, base+".json")
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{{md, rep.Markdown}, {js, rep.WriteJSON}} {
		out, err := os.Create(f.path)
		if err != nil {
			return "", "", err
		}
		if err := f.write(out); err != nil {
			out.Close()
			return "", "", err
		}
		if err := out.Close(); err != nil {
			return "", "", err
		}
	}
	return md, js, nil
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run compare from inside the dryad module")
	}
	return filepath.Dir(mod), nil
}

// reexecWithDuckDB re-runs the command through "go run -tags duckdb".
func reexecWithDuckDB(args []string) error {
	if os.Getenv("DRYAD_BENCH_REEXEC") != "" {
		return errors.New("built without -tags duckdb even after re-running with it")
	}
	moduleDir, err := moduleRoot()
	if err != nil {
		return err
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "compare: DuckDB is linked only with -tags duckdb; re-running as go run -tags duckdb ./bench/cmd/compare")
	cmd := exec.Command(goBin, append([]string{"run", "-tags", "duckdb", "./bench/cmd/compare"}, args...)...)
	cmd.Dir = moduleDir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "DRYAD_BENCH_REEXEC=1")
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			os.Exit(ee.ExitCode())
		}
		return err
	}
	return nil
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func dryadVersion(ctx context.Context, bin string) string {
	out, err := exec.CommandContext(ctx, bin, "version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "dryad ")
}

// machine describes this computer from /proc.
func machine() report.Machine {
	m := report.Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	m.Host, _ = os.Hostname()
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.MemoryGiB = int((kb + 1<<19) >> 20)
			}
		}
	}
	return m
}
