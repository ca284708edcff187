package harness

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/bench/answer"
	"github.com/dryaddb/dryad/bench/report"
	"github.com/dryaddb/dryad/bench/suite"
	"github.com/dryaddb/dryad/internal/base"
)

// fake answers from a table of results per query name.
type fake struct {
	name    string
	answers map[string]answer.Table
	errs    map[string]error
	timeErr map[string]error
	elapsed time.Duration
	calls   []string
}

func (f *fake) Name() string { return f.name }

func (f *fake) Answer(_ context.Context, q suite.Query) (answer.Table, error) {
	f.calls = append(f.calls, "answer "+q.Name)
	if err := f.errs[q.Name]; err != nil {
		return answer.Table{}, err
	}
	return f.answers[q.Name], nil
}

func (f *fake) Time(_ context.Context, q suite.Query) (time.Duration, error) {
	f.calls = append(f.calls, "time "+q.Name)
	if err := f.timeErr[q.Name]; err != nil {
		return 0, err
	}
	return f.elapsed, nil
}

func (f *fake) Reference(_ context.Context, q suite.Query) (answer.Table, error) {
	if err := f.errs["ref "+q.Name]; err != nil {
		return answer.Table{}, err
	}
	return f.answers["ref "+q.Name], nil
}

func one(v int64) answer.Table { return answer.Table{Columns: []string{"n"}, Rows: [][]any{{v}}} }

func TestRun(t *testing.T) {
	m := answer.Match{Columns: []string{"n"}}
	qs := []suite.Query{
		{Name: "ok", Match: m},
		{Name: "unsupported", Match: m, Needs: "sketches (issue #7)"},
		{Name: "dryad-wrong", Match: m},
		{Name: "peer-wrong", Match: m},
		{Name: "dryad-error", Match: m},
		{Name: "ref-error", Match: m},
		{Name: "time-error", Match: m},
		{Name: "peer-tolerance", Match: answer.Match{Columns: []string{"n"}, Tolerance: map[string]float64{"n": 0.01}},
			PeerTolerance: map[string]float64{"n": 0.5}},
	}
	answers := map[string]answer.Table{}
	for _, q := range qs {
		answers[q.Name], answers["ref "+q.Name] = one(1), one(1)
	}
	dr := &fake{name: "dryad", answers: answers, elapsed: 2 * time.Millisecond,
		errs: map[string]error{
			"unsupported": base.Errorf(base.ClassUnsupported, "HTTP 501: cardinality"),
			"dryad-error": base.Errorf(base.ClassInternal, "HTTP 500: boom"),
		},
		timeErr: map[string]error{"time-error": errors.New("connection reset")},
	}
	peerAnswers := map[string]answer.Table{}
	for k, v := range answers {
		peerAnswers[k] = v
	}
	peerAnswers["peer-wrong"] = one(2)
	answers["ref peer-tolerance"] = one(100)
	peerAnswers["ref peer-tolerance"] = one(100)
	peerAnswers["peer-tolerance"] = one(140) // within the peer's 50%, not dryad's 1%
	pe := &fake{name: "duckdb", answers: peerAnswers, elapsed: 4 * time.Millisecond,
		errs: map[string]error{"ref ref-error": errors.New("no such table")}}
	dr.answers = map[string]answer.Table{}
	for k, v := range answers {
		dr.answers[k] = v
	}
	dr.answers["dryad-wrong"] = one(3)
	dr.answers["peer-tolerance"] = one(100)

	var prog bytes.Buffer
	res := Run(context.Background(), dr, pe, pe, qs, Options{Warmup: 1, Runs: 5, Progress: &prog})
	want := map[string]report.Status{
		"ok": report.StatusOK, "unsupported": report.StatusSkipped, "dryad-wrong": report.StatusWrong,
		"peer-wrong": report.StatusWrong, "dryad-error": report.StatusError, "ref-error": report.StatusError,
		"time-error": report.StatusError, "peer-tolerance": report.StatusOK,
	}
	if len(res) != len(qs) {
		t.Fatalf("%d results", len(res))
	}
	for _, r := range res {
		if r.Status != want[r.Name] {
			t.Errorf("%s: status %s (%s), want %s", r.Name, r.Status, r.Reason, want[r.Name])
		}
	}
	if r := res[0]; r.Dryad.Runs != 5 || r.DuckDB.Runs != 5 || r.Dryad.MedianMs != 2 || r.DuckDB.MedianMs != 4 {
		t.Errorf("timed result %+v", r)
	}
	if !strings.Contains(res[1].Reason, "needs sketches (issue #7)") {
		t.Errorf("skip reason %q", res[1].Reason)
	}
	if !strings.Contains(res[2].Reason, "dryad:") || !strings.Contains(res[3].Reason, "duckdb:") {
		t.Errorf("wrong reasons %q, %q", res[2].Reason, res[3].Reason)
	}
	// Wrong answers are not timed; runs alternate between the engines.
	for _, c := range dr.calls {
		if c == "time dryad-wrong" || c == "time peer-wrong" {
			t.Errorf("a wrong query was timed: %s", c)
		}
	}
	var okCalls []string
	for _, c := range dr.calls {
		if strings.HasSuffix(c, " ok") {
			okCalls = append(okCalls, c)
		}
	}
	if len(okCalls) != 1+1+5 {
		t.Errorf("dryad calls for ok: %v", okCalls)
	}
	if n := strings.Count(prog.String(), "\n"); n != len(qs) {
		t.Errorf("%d progress lines, want %d:\n%s", n, len(qs), prog.String())
	}
}

func TestRunBudget(t *testing.T) {
	q := suite.Query{Name: "slow", Match: answer.Match{Columns: []string{"n"}}}
	ans := map[string]answer.Table{"slow": one(1), "ref slow": one(1)}
	dr := &fake{name: "dryad", answers: ans, elapsed: time.Millisecond}
	pe := &fake{name: "duckdb", answers: ans, elapsed: time.Millisecond}
	// A zero-length budget still gives MinRuns runs.
	res := Run(context.Background(), dr, pe, pe, []suite.Query{q}, Options{Runs: 50, Budget: time.Nanosecond})
	if res[0].Status != report.StatusOK || res[0].Dryad.Runs != MinRuns || !strings.Contains(res[0].Reason, "time budget") {
		t.Fatalf("budgeted result %+v", res[0])
	}
}

func TestProgressTerminal(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, terminal: true, total: 2}
	p.query(1, "q")
	p.step("a long step description")
	p.step("short")
	p.done(report.Query{Name: "q", Status: report.StatusOK})
	out := b.String()
	if !strings.HasPrefix(out, "\r[ 1/2] q") || !strings.HasSuffix(out, "\n") || strings.Count(out, "\r") != 3 {
		t.Fatalf("progress output %q", out)
	}
}
