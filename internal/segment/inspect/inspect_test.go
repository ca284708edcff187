package inspect

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/incremental"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testSegment writes a small rolled-up segment with every column kind.
func testSegment(t *testing.T) string {
	t.Helper()
	metrics, err := aggregation.DecodeList([]byte(`[{"type":"count","name":"count"},
		{"type":"longSum","name":"added","fieldName":"added"},
		{"type":"doubleMax","name":"maxDelta","fieldName":"delta"},
		{"type":"floatMin","name":"minDelta","fieldName":"delta"},
		{"type":"stringFirst","name":"firstPage","fieldName":"page"}]`))
	if err != nil {
		t.Fatal(err)
	}
	x, err := incremental.New(incremental.Config{
		Dimensions: []incremental.DimensionSpec{{Name: "channel"}, {Name: "tags"}, {Name: "robot", Type: base.TypeLong}, {Name: "sizes", Type: base.ArrayType(base.KindLong)}},
		Metrics:    metrics, Rollup: true,
		Truncate:         func(t int64) int64 { return t - t%60000 },
		QueryGranularity: []byte(`"minute"`),
	})
	if err != nil {
		t.Fatal(err)
	}
	t0 := int64(1442016000000)
	for i, m := range []map[string]any{
		{"channel": "#en", "tags": []any{"b", "a"}, "robot": int64(0), "added": int64(10), "delta": 1.5, "page": "Main", "sizes": []any{int64(3), nil}},
		{"channel": "#en", "tags": []any{"a", "b"}, "robot": int64(0), "added": int64(5), "delta": -2.0, "page": "Talk", "sizes": []any{int64(3), nil}},
		{"channel": "#fr", "robot": nil, "added": nil, "delta": 7.0, "page": "Paris"},
		{"channel": "", "tags": "c", "robot": int64(1), "added": int64(1), "page": nil, "sizes": []any{}},
	} {
		r, err := incremental.RowFromMap(t0+int64(i)*30000, m)
		if err != nil {
			t.Fatal(err)
		}
		if err := x.Add(&r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "seg.dryad")
	meta := segment.Metadata{DataSource: "wikipedia", Interval: base.Interval{Start: t0, End: t0 + 86400000}, Version: "2015-09-12T00:00:00.000Z"}
	if _, err := x.PersistFile(path, meta); err != nil {
		t.Fatal(err)
	}
	return path
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s:\n%s", path, got)
	}
}

func TestGolden(t *testing.T) {
	path := testSegment(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"text.golden", []string{path}},
		{"json.golden", []string{"--json", path, "--rows", "2"}},
		{"norows.golden", []string{"--rows=0", path}},
	} {
		var out, errOut bytes.Buffer
		if code := Run(tc.args, &out, &errOut); code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, code, errOut.String())
		}
		golden(t, tc.name, bytes.ReplaceAll(out.Bytes(), []byte(path), []byte("FILE")))
	}
}

func TestErrors(t *testing.T) {
	path := testSegment(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated")
	os.WriteFile(truncated, data[:len(data)/2], 0o644)
	flipped := filepath.Join(dir, "flipped")
	d := bytes.Clone(data)
	d[200] ^= 0x10
	os.WriteFile(flipped, d, 0o644)
	notSeg := filepath.Join(dir, "text")
	os.WriteFile(notSeg, bytes.Repeat([]byte("hello\n"), 20), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{truncated}, 1, "corrupt segment"},
		{[]string{flipped}, 1, "checksum"},
		{[]string{notSeg}, 1, "bad magic"},
		{[]string{filepath.Join(dir, "missing")}, 1, "no such file"},
		{[]string{}, 2, "missing FILE"},
		{[]string{path, "--rows", "x"}, 2, "--rows"},
		{[]string{path, "--bogus"}, 2, "unknown flag"},
		{[]string{path, path}, 2, "more than one FILE"},
	} {
		var out, errOut bytes.Buffer
		code := Run(tc.args, &out, &errOut)
		if code != tc.code || !strings.Contains(errOut.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut.String(), tc.code, tc.msg)
		}
		if code == 1 && strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("%v: error is not one line: %q", tc.args, errOut.String())
		}
	}
}

func FuzzParseArgs(f *testing.F) {
	f.Add("FILE\x00--rows\x003\x00--json")
	f.Add("--rows=-1\x00x")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		o, err := parseArgs(args)
		if err != nil {
			return
		}
		if o.file == "" || o.rows < 0 {
			t.Fatalf("parseArgs(%q) = %+v without error", args, o)
		}
	})
}
