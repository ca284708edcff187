package metadata

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// crashChildEnv, when set to "type|connectURI", turns
// TestCrashMidPublish into the child process: it opens that store, starts
// a large publish, reports "MID" on stdout once part of it is written
// inside the transaction, and blocks until it is killed.
const crashChildEnv = "DRYAD_METADATA_CRASH_CHILD"

// TestCrashMidPublish kills a process with SIGKILL while its publish
// transaction holds half-written rows, then checks that the database
// opens (for SQLite: passes an integrity check) and holds none of them.
func TestCrashMidPublish(t *testing.T) {
	if spec := os.Getenv(crashChildEnv); spec != "" {
		typ, uri, _ := strings.Cut(spec, "|")
		crashChild(Config{Type: typ, ConnectURI: uri})
		return
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		cfg := Config{Type: TypeSQLite, ConnectURI: filepath.Join(t.TempDir(), "metadata.db")}
		if b.name == TypePostgreSQL {
			cfg = Config{Type: TypePostgreSQL, ConnectURI: pgSchemaURI(t)}
		}
		crashParent(t, b, cfg)
	})
}

func crashParent(t *testing.T, b backend, cfg Config) {
	ctx := context.Background()
	s := b.open(t, cfg)
	before := daySegs("kept", 5, "v1")
	must(t, s.PublishSegments(ctx, before, PublishOptions{}))
	must(t, s.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidPublish$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+cfg.Type+"|"+cfg.ConnectURI)
	out, err := cmd.StdoutPipe()
	must(t, err)
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	done := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "MID" {
				done <- true
				return
			}
		}
		done <- false
	}()
	select {
	case ok := <-done:
		if !ok {
			cmd.Wait()
			t.Fatal("child exited without reaching the middle of its publish")
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child did not reach the middle of its publish in 60s")
	}
	must(t, cmd.Process.Kill()) // SIGKILL
	cmd.Wait()

	s = b.open(t, cfg)
	if b.name == TypeSQLite {
		var check string
		must(t, s.rdb.QueryRow(`PRAGMA integrity_check`).Scan(&check))
		if check != "ok" {
			t.Fatalf("integrity_check after crash: %s", check)
		}
	}
	got, err := s.AllUsedSegments(ctx)
	must(t, err)
	if len(got) != len(before) {
		t.Fatalf("after the crash %d used segments, want the %d published before it", len(got), len(before))
	}
	for _, g := range got {
		if g.DataSource != "kept" {
			t.Fatalf("partial row of the killed publish survived: %s", g.ID())
		}
	}
	if n := countRows(t, s, "{dataSource}"); n != 0 {
		t.Fatalf("commit metadata of the killed publish survived (%d rows)", n)
	}
	// The database takes writes again.
	must(t, s.PublishSegments(ctx, daySegs("after", 2, "v1"), PublishOptions{}))
}

func crashChild(cfg Config) {
	s, err := Open(context.Background(), cfg, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	batches := 0
	s.testHook = func(int) {
		batches++
		if batches == 5 {
			fmt.Println("MID")
			os.Stdout.Sync()
			time.Sleep(time.Hour) // hold the transaction open until killed
		}
	}
	err = s.PublishSegments(context.Background(), daySegs("lost", 2000, "v1"), PublishOptions{
		CommitMetadata: &CommitMetadataUpdate{DataSource: "lost", New: json.RawMessage(`{"offset":1}`)},
	})
	fmt.Fprintln(os.Stderr, "child publish returned:", err)
	os.Exit(3)
}
