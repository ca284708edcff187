package quickstart

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

func TestParseStatus(t *testing.T) {
	rss, peak, err := parseStatus([]byte("Name:\tdryad\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t9\n"))
	if err != nil || rss != 1<<20 || peak != 2<<20 {
		t.Fatalf("parseStatus = %d, %d, %v", rss, peak, err)
	}
	for _, bad := range []string{"", "VmRSS:\t1 kB\n", "VmRSS:\tx kB\nVmHWM:\t1 kB\n", "VmRSS:\t1 MB\nVmHWM:\t1 kB\n"} {
		if _, _, err := parseStatus([]byte(bad)); err == nil {
			t.Errorf("parseStatus(%q) succeeded", bad)
		}
	}
	// Our own process has both lines.
	if rss, _, err := ProcMemory(os.Getpid()); err != nil || rss <= 0 {
		t.Fatalf("ProcMemory(self) = %d, %v", rss, err)
	}
}

func TestHTTPError(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		class  base.Class
		msg    string
	}{
		{501, `{"error":"Unsupported operation","errorMessage":"aggregator type \"cardinality\" is not supported yet"}`, base.ClassUnsupported, "cardinality"},
		{400, `{"errorCode":"invalidInput","errorMessage":"bad field"}`, base.ClassInvalidInput, "bad field"},
		{404, `not json`, base.ClassNotFound, "not json"},
		{500, `{"error":"boom"}`, base.ClassInternal, "boom"},
		{503, ``, base.ClassUnavailable, "HTTP 503"},
	} {
		err := HTTPError("POST /druid/v2/", c.status, []byte(c.body))
		if base.ClassOf(err) != c.class || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("HTTPError(%d, %s) = %v (class %v), want class %v containing %q", c.status, c.body, err, base.ClassOf(err), c.class, c.msg)
		}
	}
	if !IsUnsupported(HTTPError("x", 501, nil)) || IsUnsupported(HTTPError("x", 500, nil)) || IsUnsupported(nil) {
		t.Error("IsUnsupported")
	}
}

// TestFakeServer drives a fake overlord and broker with recorded answers.
func TestFakeServer(t *testing.T) {
	var polls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /druid/indexer/v1/task", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(b), "index_parallel") {
			http.Error(w, `{"error":"bad spec"}`, 400)
			return
		}
		io.WriteString(w, `{"task":"index_parallel_wiki_abc"}`)
	})
	mux.HandleFunc("GET /druid/indexer/v1/task/{id}/status", func(w http.ResponseWriter, r *http.Request) {
		code := "RUNNING"
		if polls.Add(1) >= 3 {
			code = "SUCCESS"
		}
		if r.PathValue("id") == "bad" {
			code = "FAILED"
		}
		io.WriteString(w, `{"task":"`+r.PathValue("id")+`","status":{"id":"`+r.PathValue("id")+`","statusCode":"`+code+`","errorMsg":"disk full","duration":12}}`)
	})
	var queries atomic.Int32
	mux.HandleFunc("POST /druid/v2/", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), "cardinality") {
			w.WriteHeader(501)
			io.WriteString(w, `{"error":"Unsupported operation","errorMessage":"aggregator type \"cardinality\" is not supported yet"}`)
			return
		}
		if queries.Add(1) < 2 {
			io.WriteString(w, `[]`) // not loaded yet
			return
		}
		io.WriteString(w, `[{"timestamp":"2026-01-01T00:00:00.000Z","result":{"rows":1000}}]`)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	s := &Server{URL: ts.URL, client: ts.Client(), done: make(chan struct{})}
	ctx := context.Background()

	id, err := s.SubmitTask(ctx, []byte(`{"type":"index_parallel"}`))
	if err != nil || id != "index_parallel_wiki_abc" {
		t.Fatalf("SubmitTask = %q, %v", id, err)
	}
	if _, err := s.SubmitTask(ctx, []byte(`{}`)); base.ClassOf(err) != base.ClassInvalidInput {
		t.Fatalf("bad spec: %v", err)
	}
	st, err := s.WaitTask(ctx, id, time.Millisecond)
	if err != nil || st.StatusCode != "SUCCESS" || polls.Load() < 3 {
		t.Fatalf("WaitTask = %+v, %v after %d polls", st, err, polls.Load())
	}
	if _, err := s.WaitTask(ctx, "bad", time.Millisecond); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("failed task: %v", err)
	}
	if err := s.WaitRows(ctx, "wiki", 1000, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitRows(ctx, "wiki", 999, time.Second); err == nil {
		t.Fatal("too many rows accepted")
	}
	_, err = s.Query(ctx, []byte(`{"aggregations":[{"type":"cardinality"}]}`))
	if !IsUnsupported(err) || !strings.Contains(err.Error(), "cardinality") {
		t.Fatalf("unsupported query: %v", err)
	}
}
