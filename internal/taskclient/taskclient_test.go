package taskclient

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/task"
)

func server(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	store, err := metadata.Open(context.Background(), metadata.Config{DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	deep, err := deepstorage.NewLocal(filepath.Join(dir, "deep"))
	if err != nil {
		t.Fatal(err)
	}
	svc := task.New(task.Config{TaskDir: filepath.Join(dir, "tasks"), Capacity: 1, Host: "localhost", Port: 1}, store, deep, nil)
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop(context.Background()) })
	srv := httptest.NewServer(httpapi.NewMux(append(svc.OverlordRoutes(), svc.WorkerRoutes("localhost:1")...)))
	t.Cleanup(srv.Close)
	return srv.URL
}

const goodSpec = `{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"cli",
"timestampSpec":{"column":"ts"},"dimensionsSpec":{"dimensions":["d"]},
"granularitySpec":{"segmentGranularity":"day","queryGranularity":"none","rollup":false}},
"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":"{\"ts\":\"2020-01-01T00:00:00Z\",\"d\":\"a\"}\n{\"ts\":\"2020-01-02T00:00:00Z\",\"d\":\"b\"}"},"inputFormat":{"type":"json"}}}}`

func writeSpec(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "spec.json")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	url := server(t)
	failing := strings.Replace(goodSpec, `"inputFormat":{"type":"json"}}`, `"inputFormat":{"type":"json"}},"tuningConfig":{"type":"index_parallel","maxParseExceptions":0}`, 1)
	failing = strings.Replace(failing, `\"ts\":\"2020-01-02T00:00:00Z\"`, `\"ts\":\"never\"`, 1)
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no args", nil, 2, "", "no spec file"},
		{"bad flag", []string{"--bogus", "x.json"}, 2, "", "unknown flag"},
		{"bad url", []string{"x.json", "--url", "ftp://x"}, 2, "", "--url"},
		{"missing file", []string{filepath.Join(t.TempDir(), "none.json"), "--url", url}, 2, "", "no such file"},
		{"help", []string{"--help"}, 0, "usage: dryad ingest", ""},
		{"success", []string{writeSpec(t, goodSpec), "--url", url}, 0, "SUCCESS", ""},
		{"no wait", []string{"--no-wait", "--url=" + url, writeSpec(t, goodSpec)}, 0, "index_parallel_cli_", ""},
		{"invalid spec", []string{writeSpec(t, `{"type":"index_parallel","spec":{}}`), "--url", url}, 1, "", "HTTP 400"},
		{"task fails", []string{writeSpec(t, failing), "--url", url}, 1, "FAILED", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(c.args, &out, &errb)
			if code != c.code || !strings.Contains(out.String(), c.stdout) || !strings.Contains(errb.String(), c.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out.String(), errb.String(), c.code, c.stdout, c.stderr)
			}
			if c.name == "success" && !strings.Contains(out.String(), "2 rows processed") || c.name == "success" && !strings.Contains(out.String(), "2 segments published") {
				t.Errorf("summary: %q", out.String())
			}
		})
	}
}

func FuzzParseArgs(f *testing.F) {
	f.Add("spec.json --url http://localhost:8888 --no-wait")
	f.Add("--url=https://h:1 x.json")
	f.Add("--url")
	f.Add("-h")
	f.Fuzz(func(t *testing.T, s string) {
		o, err := parseArgs(strings.Fields(s))
		if err == nil && (o.specPath == "" || !strings.HasPrefix(o.url, "http")) {
			t.Fatalf("accepted %q as %+v", s, o)
		}
	})
}
