package lookup

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func mapSpec(version string, m map[string]string) Spec {
	b, _ := json.Marshal(map[string]any{"type": "map", "map": m})
	return Spec{Version: version, Factory: b}
}

func fileSpec(version, uri, format string, poll string) Spec {
	ps := map[string]any{"format": format}
	if format == FormatCSV {
		ps["columns"] = []string{"k", "v"}
	}
	ns := map[string]any{"type": "uri", "uri": uri, "namespaceParseSpec": ps}
	if poll != "" {
		ns["pollPeriod"] = poll
	}
	b, _ := json.Marshal(map[string]any{"type": "cachedNamespace", "extractionNamespace": ns, "firstCacheTimeout": 5000})
	return Spec{Version: version, Factory: b}
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRegistryUpdates(t *testing.T) {
	ctx := context.Background()
	r := NewRegistry(nil)
	defer r.Stop()
	if _, ok := r.Map("a"); ok {
		t.Fatal("empty registry has a")
	}
	r.Apply(ctx, map[string]Spec{"a": mapSpec("v1", map[string]string{"k": "1"}), "b": mapSpec("v1", map[string]string{"k": "b"})})
	if m, ok := r.Map("a"); !ok || m["k"] != "1" {
		t.Fatalf("a = %v %v", m, ok)
	}
	l, ok := r.Lookup("b")
	if v, found := l.Get("k"); !ok || !found || v != "b" {
		t.Fatalf("Lookup(b).Get(k) = %q %v", v, found)
	}
	old, _ := r.Map("a")
	// Same version: kept as is; new version: swapped; b dropped.
	r.Apply(ctx, map[string]Spec{"a": mapSpec("v1", map[string]string{"k": "ignored"})})
	if m, _ := r.Map("a"); m["k"] != "1" {
		t.Errorf("same version replaced a: %v", m)
	}
	if _, ok := r.Map("b"); ok {
		t.Error("b not dropped")
	}
	r.Apply(ctx, map[string]Spec{"a": mapSpec("v2", map[string]string{"k": "2"})})
	if m, _ := r.Map("a"); m["k"] != "2" {
		t.Errorf("v2 not served: %v", m)
	}
	if old["k"] != "1" {
		t.Errorf("the snapshot a reader held changed: %v", old)
	}
	st := r.Status()["a"]
	if st.Version != "v2" || !st.Loaded || st.Size != 1 {
		t.Errorf("status %+v", st)
	}
	// A spec that does not decode is skipped, the rest applied.
	r.Apply(ctx, map[string]Spec{"a": mapSpec("v2", nil), "bad": {Version: "v1", Factory: json.RawMessage(`{"type":"jdbc"}`)}})
	if _, ok := r.Map("bad"); ok {
		t.Error("bad spec served")
	}
	if err := r.Put(ctx, "bad", Spec{Version: "v1", Factory: json.RawMessage(`{"type":"jdbc"}`)}); err == nil {
		t.Error("Put of an unknown type succeeded")
	}
	r.Remove("a")
	if _, ok := r.Map("a"); ok {
		t.Error("a not removed")
	}
}

func TestRegistryFileAndPoll(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "l.csv")
	if err := os.WriteFile(file, []byte("a,1\nb,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := NewRegistry(nil)
	defer r.Stop()
	// firstCacheTimeout lets Put return with the file read.
	if err := r.Put(context.Background(), "f", fileSpec("v1", "file:"+file, FormatCSV, "PT0.01S")); err != nil {
		t.Fatal(err)
	}
	if m, ok := r.Map("f"); !ok || m["a"] != "1" || m["b"] != "2" {
		t.Fatalf("f = %v %v", m, ok)
	}
	// A rewrite is picked up by the poll.
	if err := os.WriteFile(file, []byte("a,10\nc,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Now().Add(time.Second)
	os.Chtimes(file, mtime, mtime)
	eventually(t, "reload", func() bool { m, _ := r.Map("f"); return m["a"] == "10" && m["c"] == "3" && len(m) == 2 })
	// A broken file keeps the last good snapshot and reports the error.
	if err := os.WriteFile(file, []byte(",x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime = mtime.Add(time.Second)
	os.Chtimes(file, mtime, mtime)
	eventually(t, "error reported", func() bool { return r.Status()["f"].Error != "" })
	if m, _ := r.Map("f"); m["a"] != "10" {
		t.Errorf("broken file lost the last snapshot: %v", m)
	}
	// A missing file: not loaded, with the error.
	if err := r.Put(context.Background(), "missing", fileSpec("v1", filepath.Join(dir, "nope.json"), FormatSimpleJSON, "")); err != nil {
		t.Fatal(err)
	}
	if st := r.Status()["missing"]; st.Loaded || st.Error == "" {
		t.Errorf("missing file status %+v", st)
	}
	if s := r.State(); len(s.ToLoad) != 1 || s.Current["f"].Version != "v1" {
		t.Errorf("state %+v", s)
	}
}

func TestRegistryURIPrefix(t *testing.T) {
	dir := t.TempDir()
	old, new := filepath.Join(dir, "lookup-1.json"), filepath.Join(dir, "lookup-2.json")
	os.WriteFile(old, []byte(`{"a":"old"}`), 0o644)
	os.WriteFile(new, []byte(`{"a":"new"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "other.json"), []byte(`{"a":"other"}`), 0o644)
	t0 := time.Now()
	os.Chtimes(old, t0.Add(-time.Hour), t0.Add(-time.Hour))
	os.Chtimes(filepath.Join(dir, "other.json"), t0.Add(time.Hour), t0.Add(time.Hour))
	b, _ := json.Marshal(map[string]any{"type": "cachedNamespace", "extractionNamespace": map[string]any{
		"type": "uri", "uriPrefix": "file://" + dir, "fileRegex": `lookup-\d+\.json`, "namespaceParseSpec": map[string]any{"format": "simpleJson"}}})
	r := NewRegistry(nil)
	defer r.Stop()
	if err := r.Put(context.Background(), "p", Spec{Version: "v1", Factory: b}); err != nil {
		t.Fatal(err)
	}
	if m, _ := r.Map("p"); m["a"] != "new" {
		t.Errorf("p = %v, want the newest matching file", m)
	}
}

// TestRegistryConcurrent reads while lookups are replaced and files
// reloaded; run with -race.
func TestRegistryConcurrent(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "l.json")
	os.WriteFile(file, []byte(`{"k":"0"}`), 0o644)
	r := NewRegistry(nil)
	ctx := context.Background()
	r.Put(ctx, "f", fileSpec("v1", file, FormatSimpleJSON, "PT0.001S"))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if m, ok := r.Map("m"); ok && m["k"] == "" {
					t.Error("m without k")
					return
				}
				if l, ok := r.Lookup("f"); ok {
					l.Get("k")
				}
				r.Status()
			}
		}()
	}
	for i := range 200 {
		r.Put(ctx, "m", mapSpec(fmt.Sprintf("v%04d", i), map[string]string{"k": fmt.Sprint(i)}))
		if i%20 == 0 {
			os.WriteFile(file, []byte(fmt.Sprintf(`{"k":"%d"}`, i)), 0o644)
			r.Put(ctx, "f", fileSpec(fmt.Sprintf("v%04d", i+1), file, FormatSimpleJSON, "PT0.001S"))
		}
	}
	close(stop)
	wg.Wait()
	r.Stop()
	if _, ok := r.Map("m"); ok {
		t.Error("Stop left lookups served")
	}
	if err := r.Put(ctx, "f", fileSpec("v9", file, FormatSimpleJSON, "")); err == nil {
		t.Error("Put after Stop succeeded")
	}
}

func BenchmarkRegistryMap(b *testing.B) {
	r := NewRegistry(nil)
	defer r.Stop()
	m := map[string]string{}
	for i := range 1000 {
		m[fmt.Sprint(i)] = fmt.Sprint(i * 2)
	}
	r.Put(context.Background(), "m", mapSpec("v1", m))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mm, _ := r.Map("m")
			_ = mm["500"]
		}
	})
}

func BenchmarkParseCSV(b *testing.B) {
	p := ParseSpec{Format: FormatCSV, Columns: []string{"k", "v"}}
	var data []byte
	for i := range 10000 {
		data = fmt.Appendf(data, "key%d,value%d\n", i, i)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := p.Parse(bytesReader(data), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
