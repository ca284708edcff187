package metadata

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// crashChildEnv, when set to a data directory, turns
// TestCrashMidPublish into the child process: it starts a large publish
// there, reports "MID" on stdout once part of it is written inside the
// transaction, and blocks until it is killed.
const crashChildEnv = "DRYAD_METADATA_CRASH_CHILD"

// TestCrashMidPublish kills a process with SIGKILL while its publish
// transaction holds half-written rows, then checks that the SQLite file
// opens, passes an integrity check and holds none of those rows.
func TestCrashMidPublish(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	dir := t.TempDir()
	ctx := context.Background()
	s := openSQLiteT(t, Config{DataDir: dir})
	before := daySegs("kept", 5, "v1")
	must(t, s.PublishSegments(ctx, before, PublishOptions{}))
	must(t, s.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidPublish$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
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

	s = openSQLiteT(t, Config{DataDir: dir})
	var check string
	must(t, s.rdb.QueryRow(`PRAGMA integrity_check`).Scan(&check))
	if check != "ok" {
		t.Fatalf("integrity_check after crash: %s", check)
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

func crashChild(dir string) {
	s, err := Open(context.Background(), Config{DataDir: dir}, nil)
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
