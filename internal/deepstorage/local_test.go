package deepstorage

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

func testSeg(ds, version string, partition int) base.DataSegment {
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	return base.DataSegment{
		DataSource: ds,
		Interval:   base.Interval{Start: start, End: start + 86400000},
		Version:    version,
		ShardSpec:  base.ShardSpec{Type: "numbered", PartitionNum: partition},
	}
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantClass(t testing.TB, err error, c base.Class) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want class %v", c)
	}
	if got := base.ClassOf(err); got != c {
		t.Fatalf("error %q has class %v, want %v", err, got, c)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newLocal(t testing.TB) *Local {
	t.Helper()
	l, err := NewLocal(filepath.Join(t.TempDir(), "deep"))
	must(t, err)
	return l
}

func TestPushPullKill(t *testing.T) {
	ctx := context.Background()
	l := newLocal(t)
	work := t.TempDir()
	data := make([]byte, 3<<20+17) // spans several copy buffers
	rand.Read(data)
	src := writeFile(t, work, "seg.bin", data)
	sg := testSeg("wiki", "2026-01-01T00:00:00.000Z", 3)

	spec, size, err := l.Push(ctx, src, sg)
	must(t, err)
	if size != int64(len(data)) {
		t.Fatalf("Push size %d, want %d", size, len(data))
	}
	want := filepath.Join(l.BaseDir(), "wiki", "2020-01-01T00:00:00.000Z_2020-01-02T00:00:00.000Z", "2026-01-01T00:00:00.000Z", "3", "index.seg")
	ls, err := ParseLocalLoadSpec(spec)
	must(t, err)
	if ls.Path != want || ls.Type != "local" || ls.Size != size || len(ls.CRC32C) != 8 {
		t.Fatalf("loadSpec = %s, want path %s", spec, want)
	}
	ok, err := l.Exists(ctx, spec)
	must(t, err)
	if !ok {
		t.Fatal("Exists = false after Push")
	}
	// No temporary files are left behind.
	entries, err := os.ReadDir(filepath.Dir(want))
	must(t, err)
	if len(entries) != 1 {
		t.Fatalf("segment directory holds %d entries, want 1", len(entries))
	}

	dest := filepath.Join(work, "cache", "wiki", "seg")
	must(t, l.Pull(ctx, spec, dest))
	got, err := os.ReadFile(dest)
	must(t, err)
	if !bytes.Equal(got, data) {
		t.Fatal("pulled file differs from the pushed one")
	}
	// Pull replaces an existing file.
	must(t, os.WriteFile(dest, []byte("old"), 0o644))
	must(t, l.Pull(ctx, spec, dest))
	got, err = os.ReadFile(dest)
	must(t, err)
	if !bytes.Equal(got, data) {
		t.Fatal("second pull did not replace the file")
	}

	// A second partition in the same version keeps shared directories
	// alive when the first is killed.
	other := testSeg("wiki", "2026-01-01T00:00:00.000Z", 4)
	spec2, _, err := l.Push(ctx, src, other)
	must(t, err)
	must(t, l.Kill(ctx, spec))
	ok, err = l.Exists(ctx, spec)
	must(t, err)
	if ok {
		t.Fatal("Exists = true after Kill")
	}
	if _, err := os.Stat(filepath.Dir(want)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("empty partition directory survived Kill: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(filepath.Dir(want))); err != nil {
		t.Fatalf("version directory shared with partition 4 was removed: %v", err)
	}
	must(t, l.Kill(ctx, spec)) // idempotent
	must(t, l.Kill(ctx, spec2))
	entries, err = os.ReadDir(l.BaseDir())
	must(t, err)
	if len(entries) != 0 {
		t.Fatalf("base directory not empty after killing everything: %v", entries)
	}
	if _, err := os.Stat(l.BaseDir()); err != nil {
		t.Fatalf("base directory removed: %v", err)
	}
	err = l.Pull(ctx, spec, dest)
	wantClass(t, err, base.ClassNotFound)
}

func TestPullVerifies(t *testing.T) {
	ctx := context.Background()
	l := newLocal(t)
	work := t.TempDir()
	src := writeFile(t, work, "seg.bin", []byte("segment bytes 0123456789"))
	spec, _, err := l.Push(ctx, src, testSeg("ds", "v1", 0))
	must(t, err)
	ls, err := ParseLocalLoadSpec(spec)
	must(t, err)

	tests := []struct {
		name    string
		content []byte
		spec    func(LocalLoadSpec) LocalLoadSpec
		corrupt bool
	}{
		{"flipped byte", []byte("segment bytes 0123456788"), nil, true},
		{"truncated", []byte("segment bytes"), nil, true},
		{"druid loadSpec without size or crc", []byte("anything"), func(s LocalLoadSpec) LocalLoadSpec { s.Size, s.CRC32C = 0, ""; return s }, false},
		{"size only", []byte("segment bytes 0123456789"), func(s LocalLoadSpec) LocalLoadSpec { s.CRC32C = ""; return s }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			must(t, os.WriteFile(ls.Path, tt.content, 0o644))
			s := ls
			if tt.spec != nil {
				s = tt.spec(s)
			}
			raw, _ := json.Marshal(s)
			dest := filepath.Join(work, "out")
			must(t, os.WriteFile(dest, []byte("previous"), 0o644))
			err := l.Pull(ctx, raw, dest)
			if !tt.corrupt {
				must(t, err)
				return
			}
			wantClass(t, err, base.ClassInternal)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %q does not wrap ErrCorrupt", err)
			}
			got, _ := os.ReadFile(dest)
			if string(got) != "previous" {
				t.Fatalf("a failed pull replaced the destination with %q", got)
			}
			entries, _ := os.ReadDir(work)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp-") {
					t.Fatalf("temporary file %s left behind", e.Name())
				}
			}
		})
	}
}

func TestPathSafety(t *testing.T) {
	ctx := context.Background()
	l := newLocal(t)
	outside := t.TempDir()
	secret := writeFile(t, outside, "secret", []byte("x"))
	// A symlinked directory inside deep storage that points outside it.
	must(t, os.Symlink(outside, filepath.Join(l.BaseDir(), "escape")))
	must(t, os.MkdirAll(filepath.Join(l.BaseDir(), "ds"), 0o755))
	must(t, os.Symlink(secret, filepath.Join(l.BaseDir(), "ds", "link.seg")))

	bad := []struct {
		name string
		spec string
		want base.Class
	}{
		{"absolute outside", `{"type":"local","path":"` + secret + `"}`, base.ClassInvalidInput},
		{"dot-dot", `{"type":"local","path":"` + l.BaseDir() + `/../x/index.seg"}`, base.ClassInvalidInput},
		{"relative dot-dot", `{"type":"local","path":"../../etc/passwd"}`, base.ClassInvalidInput},
		{"the base dir itself", `{"type":"local","path":"` + l.BaseDir() + `"}`, base.ClassInvalidInput},
		{"through a symlinked dir", `{"type":"local","path":"` + l.BaseDir() + `/escape/secret"}`, base.ClassInvalidInput},
		{"a symlinked file", `{"type":"local","path":"` + l.BaseDir() + `/ds/link.seg"}`, base.ClassInvalidInput},
		{"wrong type", `{"type":"s3_zip","bucket":"b","key":"k"}`, base.ClassInvalidInput},
		{"no path", `{"type":"local"}`, base.ClassInvalidInput},
		{"not json", `{"type":`, base.ClassInvalidInput},
		{"bad crc", `{"type":"local","path":"a/index.seg","crc32c":"xyz"}`, base.ClassInvalidInput},
		{"missing relative", `{"type":"local","path":"ds/nothing/index.seg"}`, base.ClassNotFound},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := l.Pull(ctx, json.RawMessage(tt.spec), filepath.Join(t.TempDir(), "out"))
			wantClass(t, err, tt.want)
			if tt.want == base.ClassInvalidInput {
				wantClass(t, l.Kill(ctx, json.RawMessage(tt.spec)), tt.want)
				_, err = l.Exists(ctx, json.RawMessage(tt.spec))
				wantClass(t, err, tt.want)
			}
		})
	}
	if _, err := os.Stat(secret); err != nil {
		t.Fatalf("file outside deep storage was touched: %v", err)
	}

	segs := []struct {
		name string
		mod  func(*base.DataSegment)
	}{
		{"slash in datasource", func(s *base.DataSegment) { s.DataSource = "a/b" }},
		{"dot-dot datasource", func(s *base.DataSegment) { s.DataSource = ".." }},
		{"empty version", func(s *base.DataSegment) { s.Version = "" }},
		{"backslash version", func(s *base.DataSegment) { s.Version = `v\1` }},
		{"empty interval", func(s *base.DataSegment) { s.Interval.End = s.Interval.Start }},
		{"negative partition", func(s *base.DataSegment) { s.ShardSpec.PartitionNum = -1 }},
	}
	src := writeFile(t, t.TempDir(), "seg", []byte("x"))
	for _, tt := range segs {
		t.Run(tt.name, func(t *testing.T) {
			sg := testSeg("ds", "v1", 0)
			tt.mod(&sg)
			_, _, err := l.Push(ctx, src, sg)
			wantClass(t, err, base.ClassInvalidInput)
		})
	}
	_, _, err := l.Push(ctx, filepath.Join(outside, "missing"), testSeg("ds", "v1", 0))
	wantClass(t, err, base.ClassNotFound)
	_, _, err = l.Push(ctx, outside, testSeg("ds", "v1", 0))
	wantClass(t, err, base.ClassInvalidInput)
}

func TestPushCancelled(t *testing.T) {
	l := newLocal(t)
	src := writeFile(t, t.TempDir(), "seg", make([]byte, 1<<20))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := l.Push(ctx, src, testSeg("ds", "v1", 0))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Push with a cancelled context = %v", err)
	}
	p, _ := l.SegmentPath(testSeg("ds", "v1", 0))
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 0 {
		t.Fatalf("cancelled push left %d files", len(entries))
	}
}

func TestNewLocalErrors(t *testing.T) {
	_, err := NewLocal("")
	wantClass(t, err, base.ClassInvalidInput)
	f := writeFile(t, t.TempDir(), "file", nil)
	_, err = NewLocal(filepath.Join(f, "sub"))
	wantClass(t, err, base.ClassUnavailable)
}

func FuzzParseLocalLoadSpec(f *testing.F) {
	for _, s := range []string{
		`{"type":"local","path":"/var/druid/segments/wiki/2020-01-01T00:00:00.000Z_2020-01-02T00:00:00.000Z/v1/0/index.zip"}`,
		`{"type":"local","path":"a/index.seg","size":10,"crc32c":"0a1b2c3d"}`,
		`{"type":"local","path":"../../x"}`,
		`{"type":"local","path":"\u0000"}`,
		`{"type":"local","path":"a","size":-1}`,
		`{"type":"hdfs","path":"/x"}`,
		`{"type":"local","path":"a"} {}`,
		`null`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	l, err := NewLocal(filepath.Join(f.TempDir(), "deep"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ls, err := ParseLocalLoadSpec(raw)
		if err != nil {
			if base.ClassOf(err) != base.ClassInvalidInput {
				t.Fatalf("parse error %q has class %v", err, base.ClassOf(err))
			}
			return
		}
		// Round trip.
		b, err := json.Marshal(ls)
		if err != nil {
			t.Fatal(err)
		}
		ls2, err := ParseLocalLoadSpec(b)
		if err != nil || ls2 != ls {
			t.Fatalf("round trip of %s: %+v, %v", b, ls2, err)
		}
		// Whatever the path, resolution stays inside the base directory.
		_, p, err := l.resolve(raw)
		if err == nil && !l.inside(p) {
			t.Fatalf("path %q resolved to %q outside %q", ls.Path, p, l.BaseDir())
		}
	})
}

func BenchmarkPushPull(b *testing.B) {
	ctx := context.Background()
	l := newLocal(b)
	data := make([]byte, 64<<20)
	rand.Read(data)
	src := writeFile(b, b.TempDir(), "seg", data)
	dest := filepath.Join(b.TempDir(), "out")
	b.SetBytes(int64(len(data)) * 2)
	b.ReportAllocs()
	for b.Loop() {
		spec, _, err := l.Push(ctx, src, testSeg("ds", "v1", 0))
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Pull(ctx, spec, dest); err != nil {
			b.Fatal(err)
		}
	}
}
