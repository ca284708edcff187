package inputsource

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

func decode(t testing.TB, spec string, cfg Config) Source {
	t.Helper()
	s, err := Decode(json.RawMessage(spec), "inputSource", cfg)
	if err != nil {
		t.Fatalf("decode %s: %v", spec, err)
	}
	return s
}

func readEntity(t testing.TB, e Entity) string {
	t.Helper()
	r, err := Open(context.Background(), e)
	if err != nil {
		t.Fatalf("open %s: %v", e.URI(), err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", e.URI(), err)
	}
	return string(b)
}

func TestLocal(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"b.json", "a.json", "sub/c.json", "skip.txt"} {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec, _ := json.Marshal(map[string]any{"type": "local", "baseDir": dir, "filter": "*.json", "files": []string{filepath.Join(dir, "skip.txt"), filepath.Join(dir, "a.json")}})
	src := decode(t, string(spec), Config{})
	es, err := src.Entities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, readEntity(t, e))
	}
	if want := []string{"a.json", "b.json", "sub/c.json", "skip.txt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if !strings.HasPrefix(es[0].URI(), "file:/") {
		t.Errorf("uri %q", es[0].URI())
	}

	missing, _ := json.Marshal(map[string]any{"type": "local", "files": []string{filepath.Join(dir, "nope.json")}})
	if _, err := decode(t, string(missing), Config{}).Entities(context.Background()); !base.IsClass(err, base.ClassInvalidInput) {
		t.Errorf("missing file: %v", err)
	}
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"wikipedia_index_data*", "wikipedia_index_data1.json", true},
		{"*.json", "a.json.gz", false}, {"*.json*", "a.json.gz", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"[ab].json", "[ab].json", true}, {"[ab].json", "a.json", false}, {"*a*b*", "xxaybz", true}, {"*a*b", "xxaybz", false},
		{"A*", "abc", false}, {"é?", "éx", true},
	}
	for _, tt := range tests {
		if got := WildcardMatch(tt.pattern, tt.name); got != tt.want {
			t.Errorf("WildcardMatch(%q, %q) = %v", tt.pattern, tt.name, got)
		}
	}
}

func TestInline(t *testing.T) {
	src := decode(t, `{"type":"inline","data":"a\nb"}`, Config{})
	es, _ := src.Entities(context.Background())
	if len(es) != 1 || readEntity(t, es[0]) != "a\nb" {
		t.Fatalf("inline entities %v", es)
	}
}

func TestHTTP(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("compressed\n"))
	_ = zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/headers" {
			_, _ = w.Write([]byte(r.Header.Get("X-Tenant")))
			return
		}
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "secret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/plain.json":
			_, _ = w.Write([]byte("plain\n"))
		case "/data.json.gz":
			_, _ = w.Write(gz.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	spec, _ := json.Marshal(map[string]any{
		"type": "http", "uris": []string{srv.URL + "/plain.json", srv.URL + "/data.json.gz"},
		"httpAuthenticationUsername": "user",
		"httpAuthenticationPassword": map[string]any{"type": "default", "password": "secret"},
	})
	src := decode(t, string(spec), Config{HTTPClient: srv.Client()})
	es, err := src.Entities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := readEntity(t, es[0]) + readEntity(t, es[1]); got != "plain\ncompressed\n" {
		t.Errorf("got %q", got)
	}

	bad, _ := json.Marshal(map[string]any{"type": "http", "uris": []string{srv.URL + "/missing.json"}, "httpAuthenticationUsername": "user", "httpAuthenticationPassword": "secret"})
	es, _ = decode(t, string(bad), Config{HTTPClient: srv.Client()}).Entities(context.Background())
	if _, err := Open(context.Background(), es[0]); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing uri: %v", err)
	}
	withHeaders, _ := json.Marshal(map[string]any{"type": "http", "uris": []string{srv.URL + "/headers"}, "requestHeaders": map[string]any{"x-tenant": "t1"}})
	if _, err := Decode(withHeaders, "inputSource", Config{HTTPClient: srv.Client()}); err == nil || err.Error() != `inputSource.requestHeaders.x-tenant: header "x-tenant" is not allowed (druid.ingestion.http.allowedHeaders: [])` {
		t.Errorf("forbidden header: %v", err)
	}
	es, _ = decode(t, string(withHeaders), Config{HTTPClient: srv.Client(), AllowedHeaders: []string{"X-Tenant"}}).Entities(context.Background())
	if got := readEntity(t, es[0]); got != "t1" {
		t.Errorf("header echo %q", got)
	}
	noAuth, _ := json.Marshal(map[string]any{"type": "http", "uris": []string{srv.URL + "/plain.json"}})
	es, _ = decode(t, string(noAuth), Config{HTTPClient: srv.Client()}).Entities(context.Background())
	if _, err := Open(context.Background(), es[0]); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("no auth: %v", err)
	}
}

func TestDecompressRoundTrip(t *testing.T) {
	plain, err := os.ReadFile("testdata/rows.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var gz, zs, xzb, zb bytes.Buffer
	gw := gzip.NewWriter(&gz)
	_, _ = gw.Write(plain)
	_ = gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	_, _ = zw.Write(plain)
	_ = zw.Close()
	xw, _ := xz.NewWriter(&xzb)
	_, _ = xw.Write(plain)
	_ = xw.Close()
	zipw := zip.NewWriter(&zb)
	_, _ = zipw.Create("dir/")
	fw, _ := zipw.Create("dir/rows.json")
	_, _ = fw.Write(plain)
	_ = zipw.Close()
	files := []string{
		write("rows.json.gz", gz.Bytes()),
		write("rows.JSON.ZST", zs.Bytes()),
		write("rows.json.xz", xzb.Bytes()),
		write("rows.json.zip", zb.Bytes()),
		"testdata/rows.json.bz2", // made by bzip2(1): Go has no bzip2 writer
		"testdata/rows.json.xz",  // made by xz(1)
		"testdata/rows.json",
	}
	for _, f := range files {
		e, err := newFileEntity(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := readEntity(t, e); got != string(plain) {
			t.Errorf("%s: got %q", f, got)
		}
	}
}

func TestDecompressCorrupt(t *testing.T) {
	for _, c := range []Compression{Gzip, Bzip2, Zstd, XZ, Zip} {
		r, err := Decompress(io.NopCloser(strings.NewReader("definitely not compressed data")), c)
		if err == nil {
			_, err = io.ReadAll(r)
		}
		if err == nil {
			t.Errorf("%s: corrupt input accepted", c)
		} else if !base.IsClass(err, base.ClassInvalidInput) {
			t.Errorf("%s: class %v for %v", c, base.ClassOf(err), err)
		}
	}
	if _, err := Decompress(io.NopCloser(strings.NewReader("x")), Snappy); !base.IsClass(err, base.ClassUnsupported) {
		t.Errorf("snappy: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		spec  string
		want  string
		class base.Class
	}{
		{`{"type":"local"}`, "inputSource.baseDir: at least one of baseDir or files must be specified", base.ClassInvalidInput},
		{`{"type":"local","baseDir":"/tmp"}`, "inputSource.filter: required when baseDir is set", base.ClassInvalidInput},
		{`{"type":"inline"}`, "inputSource.data: required field is missing", base.ClassInvalidInput},
		{`{"type":"http","uris":[]}`, "inputSource.uris: required field is missing or empty", base.ClassInvalidInput},
		{`{"type":"http","uris":["file:///etc/passwd"]}`, `inputSource.uris[0]: invalid URI "file:///etc/passwd"`, base.ClassInvalidInput},
		{`{"type":"http","uris":["ftp://host/x"]}`, `inputSource.uris[0]: only [http https] protocols are allowed, got "ftp"`, base.ClassInvalidInput},
		{`{"type":"http","uris":["http://h/x"],"httpAuthenticationPassword":{"type":"environment","variable":"X"}}`, `inputSource.httpAuthenticationPassword.type: password provider "environment" is not supported (supported: default)`, base.ClassUnsupported},
		{`{"type":"s3","uris":["s3://b/k"]}`, `inputSource.type: input source "s3" is not supported by dryad (supported: [combining druid http inline local])`, base.ClassUnsupported},
		{`{"type":"ftp"}`, `inputSource.type: unknown input source "ftp" (supported: [combining druid http inline local])`, base.ClassInvalidInput},
		{`{"type":"druid","dataSource":"w"}`, "inputSource.interval: required field is missing", base.ClassInvalidInput},
		{`{"type":"druid","dataSource":"w","interval":"bogus"}`, "", base.ClassInvalidInput},
		{`{"type":"combining","delegates":[{"type":"inline","data":"x"},{"type":"hdfs"}]}`, `inputSource.delegates[1].type: input source "hdfs" is not supported by dryad (supported: [combining druid http inline local])`, base.ClassUnsupported},
		{`[]`, "inputSource: expected an object, got array", base.ClassInvalidInput},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.spec), "inputSource", Config{})
		if err == nil {
			t.Errorf("%s: decoded", tt.spec)
			continue
		}
		if (tt.want != "" && err.Error() != tt.want) || base.ClassOf(err) != tt.class {
			t.Errorf("%s:\n got %q (%v)\nwant %q (%v)", tt.spec, err, base.ClassOf(err), tt.want, tt.class)
		}
	}
}

func TestDruidNeedsEngine(t *testing.T) {
	src := decode(t, `{"type":"druid","dataSource":"wiki","interval":"2013-08-31/2013-09-01","filter":{"type":"selector","dimension":"a","value":"b"}}`, Config{})
	d := src.(*Druid)
	if d.Interval != (base.Interval{Start: 1377907200000, End: 1377993600000}) || d.Filter == nil {
		t.Errorf("decoded %+v", d)
	}
	if _, err := src.Entities(context.Background()); !base.IsClass(err, base.ClassUnsupported) {
		t.Errorf("entities: %v", err)
	}
}

type sized int64

func (s sized) URI() string                                    { return "x" }
func (s sized) Path() string                                   { return "" }
func (s sized) Size() int64                                    { return int64(s) }
func (s sized) OpenRaw(context.Context) (io.ReadCloser, error) { return nil, nil }

func TestSplit(t *testing.T) {
	es := []Entity{sized(5), sized(5), sized(20), sized(1), sized(1), sized(1), sized(-1)}
	got := Split(es, 10, 3)
	var shape []int
	for _, s := range got {
		shape = append(shape, len(s))
	}
	if want := []int{2, 1, 3, 1}; !reflect.DeepEqual(shape, want) {
		t.Errorf("split shape %v, want %v", shape, want)
	}
	if n := len(Split(es, 0, 0)); n != 1 {
		t.Errorf("default split: %d splits", n)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"type":"local","files":["a"]}`, `{"type":"http","uris":["http://x/y"]}`, `{"type":"inline","data":"x"}`, `{"type":"combining","delegates":[{"type":"druid","dataSource":"d","interval":"2020/2021"}]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		_, err := Decode([]byte(spec), "inputSource", Config{})
		if err != nil && base.ClassOf(err) != base.ClassInvalidInput && base.ClassOf(err) != base.ClassUnsupported {
			t.Fatalf("class %v for %v", base.ClassOf(err), err)
		}
	})
}

func TestCombining(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	if err := os.WriteFile(p, []byte("file"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(map[string]any{"type": "combining", "delegates": []any{
		map[string]any{"type": "inline", "data": "first"},
		map[string]any{"type": "local", "files": []string{p}},
		map[string]any{"type": "inline", "data": "last"},
	}})
	es, err := decode(t, string(spec), Config{}).Entities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, readEntity(t, e))
	}
	if want := []string{"first", "file", "last"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	withDruid, _ := json.Marshal(map[string]any{"type": "combining", "delegates": []any{
		map[string]any{"type": "inline", "data": "x"},
		map[string]any{"type": "druid", "dataSource": "w", "interval": "2020/2021"},
	}})
	if _, err := decode(t, string(withDruid), Config{}).Entities(context.Background()); !base.IsClass(err, base.ClassUnsupported) {
		t.Errorf("combining with druid: %v", err)
	}
}
