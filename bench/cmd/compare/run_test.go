package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/bench/report"
)

func TestParseFlags(t *testing.T) {
	c, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.rows != 1_000_000 || c.sf != 0.1 || c.runs != 10 || c.threads != 2 || c.queries != nil {
		t.Fatalf("defaults %+v", c)
	}
	c, err = parseFlags([]string{"--rows", "10M", "--queries", "tpch-q1, tpch-q6", "--budget", "5s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.rows != 10_000_000 || c.sf != 1 || !c.queries["tpch-q6"] || c.budget != 5*time.Second {
		t.Fatalf("parsed %+v", c)
	}
	if c, _ := parseFlags([]string{"--rows", "50M"}); c.sf != 1 {
		t.Fatalf("auto scale factor above 1: %v", c.sf)
	}
	if c, _ := parseFlags([]string{"--sf", "0"}); c.sf != 0 {
		t.Fatalf("--sf 0 gave %v", c.sf)
	}
	for _, bad := range [][]string{{"--rows", "0"}, {"--rows", "x"}, {"--sf", "-1"}, {"--runs", "0"}, {"extra"}, {"--nope"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) succeeded", bad)
		}
	}
}

func TestWriteReport(t *testing.T) {
	dir := t.TempDir()
	rep := &report.Report{Date: time.Date(2026, 11, 22, 10, 5, 0, 0, time.UTC), Machine: report.Machine{Host: "my host/1"}}
	md, js, err := writeReport(dir, rep)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(md) != "2026-11-22T1005Z-my_host_1.md" || !strings.HasSuffix(js, ".json") {
		t.Fatalf("report files %s %s", md, js)
	}
	for _, p := range []string{md, js} {
		if info, err := os.Stat(p); err != nil || info.Size() == 0 {
			t.Fatalf("%s: %v", p, err)
		}
	}
}

func TestMachine(t *testing.T) {
	m := machine()
	if m.Cores < 1 || m.Go == "" || m.OS == "" {
		t.Fatalf("machine %+v", m)
	}
}

func TestManifest(t *testing.T) {
	dir := t.TempDir()
	c := &config{seed: 1, rows: 500, sf: 0.001}
	sets, err := generate(dir, c, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	got, err := loadManifest(dir, c)
	if err != nil || len(got) != 2 || got[0].Rows != 500 || got[1].Rows != sets[1].Rows {
		t.Fatalf("loadManifest = %+v, %v", got, err)
	}
	if _, err := loadManifest(dir, &config{seed: 2, rows: 500, sf: 0.001}); err == nil {
		t.Fatal("manifest of another seed accepted")
	}
	os.Remove(sets[0].Paths[3])
	if _, err := loadManifest(dir, c); err == nil {
		t.Fatal("manifest with a missing file accepted")
	}
}
