package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int64{"500": 500, "10K": 10000, "10M": 10000000, "1.5m": 1500000} {
		if got, err := parseCount(in); err != nil || got != want {
			t.Errorf("parseCount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "-1", "10G"} {
		if _, err := parseCount(bad); err == nil {
			t.Errorf("parseCount(%q) succeeded", bad)
		}
	}
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"--set", "wiki", "--rows", "100"}, &out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 100 {
		t.Fatalf("wrote %d lines, want 100", n)
	}
	if err := run([]string{"--set", "nope"}, &out); err == nil {
		t.Fatal("unknown set accepted")
	}
}
