package harness

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dryaddb/dryad/bench/answer"
	"github.com/dryaddb/dryad/bench/report"
	"github.com/dryaddb/dryad/bench/suite"
	"github.com/dryaddb/dryad/internal/base"
)

// Engine answers and times suite queries.
type Engine interface {
	// Name is shown in progress and reasons ("dryad", "duckdb").
	Name() string
	// Answer runs q once and returns its answer.
	Answer(ctx context.Context, q suite.Query) (answer.Table, error)
	// Time runs q once, consuming the whole result, and returns the
	// elapsed wall time.
	Time(ctx context.Context, q suite.Query) (time.Duration, error)
}

// Referee computes exact reference answers.
type Referee interface {
	Reference(ctx context.Context, q suite.Query) (answer.Table, error)
}

// MinRuns is the fewest timed runs a query gets, whatever its budget.
const MinRuns = 3

// Options configures Run.
type Options struct {
	Warmup   int           // untimed runs per engine after the answer check
	Runs     int           // timed runs per engine
	Budget   time.Duration // per query: stop timing after this much wall time (0: no limit)
	Progress io.Writer     // where progress goes (nil: nowhere)
	Terminal bool          // Progress is a terminal: rewrite one status line
}

// Run runs queries on dryad and peer, checking answers against ref.
func Run(ctx context.Context, dryad, peer Engine, ref Referee, queries []suite.Query, opt Options) []report.Query {
	p := &progress{w: opt.Progress, terminal: opt.Terminal, total: len(queries)}
	out := make([]report.Query, 0, len(queries))
	for i, q := range queries {
		p.query(i+1, q.Name)
		res := runOne(ctx, dryad, peer, ref, q, opt, p)
		p.done(res)
		out = append(out, res)
		if ctx.Err() != nil {
			break
		}
	}
	return out
}

func runOne(ctx context.Context, dryad, peer Engine, ref Referee, q suite.Query, opt Options, p *progress) report.Query {
	res := report.Query{Name: q.Name, Description: q.Description}
	fail := func(st report.Status, format string, args ...any) report.Query {
		res.Status, res.Reason = st, fmt.Sprintf(format, args...)
		return res
	}
	p.step("reference")
	want, err := ref.Reference(ctx, q)
	if err != nil {
		return fail(report.StatusError, "reference: %v", err)
	}
	p.step("checking " + dryad.Name())
	got, err := dryad.Answer(ctx, q)
	switch {
	case err != nil && base.ClassOf(err) == base.ClassUnsupported:
		reason := err.Error()
		if q.Needs != "" {
			reason = "needs " + q.Needs + ": " + reason
		}
		return fail(report.StatusSkipped, "%s", reason)
	case err != nil:
		return fail(report.StatusError, "%s: %v", dryad.Name(), err)
	}
	if err := answer.Compare(want, got, q.Match); err != nil {
		return fail(report.StatusWrong, "%s: %v", dryad.Name(), err)
	}
	p.step("checking " + peer.Name())
	got, err = peer.Answer(ctx, q)
	if err != nil {
		return fail(report.StatusError, "%s: %v", peer.Name(), err)
	}
	peerMatch := q.Match
	if q.PeerTolerance != nil {
		peerMatch.Tolerance = q.PeerTolerance
	}
	if err := answer.Compare(want, got, peerMatch); err != nil {
		return fail(report.StatusWrong, "%s: %v", peer.Name(), err)
	}
	for i := 0; i < opt.Warmup; i++ {
		p.step(fmt.Sprintf("warm-up %d/%d", i+1, opt.Warmup))
		for _, e := range []Engine{dryad, peer} {
			if _, err := e.Time(ctx, q); err != nil {
				return fail(report.StatusError, "%s warm-up: %v", e.Name(), err)
			}
		}
	}
	var dt, pt []time.Duration
	start := time.Now()
	for i := 0; i < opt.Runs; i++ {
		if i >= MinRuns && opt.Budget > 0 && time.Since(start) > opt.Budget {
			break
		}
		for _, e := range []Engine{dryad, peer} {
			d, err := e.Time(ctx, q)
			if err != nil {
				return fail(report.StatusError, "%s run %d: %v", e.Name(), i+1, err)
			}
			if e == dryad {
				dt = append(dt, d)
			} else {
				pt = append(pt, d)
			}
		}
		p.step(fmt.Sprintf("run %d/%d  %s %s  %s %s", i+1, opt.Runs, dryad.Name(), short(dt[len(dt)-1]), peer.Name(), short(pt[len(pt)-1])))
	}
	res.Status = report.StatusOK
	res.Dryad, res.DuckDB = report.Summarize(dt), report.Summarize(pt)
	if len(dt) < opt.Runs {
		res.Reason = fmt.Sprintf("%d of %d runs (time budget %v)", len(dt), opt.Runs, opt.Budget)
	}
	return res
}

func short(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// progress writes what the run is doing.
type progress struct {
	w        io.Writer
	terminal bool
	total    int
	n        int
	name     string
	width    int
}

func (p *progress) query(n int, name string) { p.n, p.name = n, name }

func (p *progress) line() string { return fmt.Sprintf("[%2d/%d] %-28s", p.n, p.total, p.name) }

func (p *progress) step(what string) {
	if p.w == nil || !p.terminal {
		return
	}
	s := p.line() + " " + what
	pad := ""
	if len(s) < p.width {
		pad = strings.Repeat(" ", p.width-len(s))
	}
	p.width = len(s)
	fmt.Fprint(p.w, "\r"+s+pad)
}

func (p *progress) done(r report.Query) {
	if p.w == nil {
		return
	}
	s := p.line() + " " + string(r.Status)
	if r.Status == report.StatusOK {
		s += fmt.Sprintf("  dryad p50 %.2f ms  duckdb p50 %.2f ms", r.Dryad.MedianMs, r.DuckDB.MedianMs)
	}
	if r.Reason != "" {
		reason := r.Reason
		if len(reason) > 300 {
			reason = reason[:300] + "…"
		}
		s += "  (" + reason + ")"
	}
	if p.terminal {
		pad := ""
		if len(s) < p.width {
			pad = strings.Repeat(" ", p.width-len(s))
		}
		fmt.Fprint(p.w, "\r"+s+pad+"\n")
		p.width = 0
		return
	}
	fmt.Fprintln(p.w, s)
}
