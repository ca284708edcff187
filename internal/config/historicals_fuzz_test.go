package config

import (
	"strings"
	"testing"
)

// FuzzHistoricalLists feeds arbitrary text to the per-instance list keys:
// they either fail with an error or yield one entry per comma-separated
// item.
func FuzzHistoricalLists(f *testing.F) {
	for _, s := range []string{"", "1,2,3", " 4 , -5", "x", "1GiB,2MiB", "10,", ",", "9223372036854775807", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		items := len(strings.Split(v, ","))
		if strings.TrimSpace(v) == "" {
			items = 0
		}
		var c Config
		if err := applyPriorities(&c, v); err == nil && len(c.Historical.Priorities) != items {
			t.Errorf("priorities %q: %d entries, want %d", v, len(c.Historical.Priorities), items)
		}
		if err := applyMaxSizes(&c, v); err == nil && len(c.Historical.MaxSizes) != items {
			t.Errorf("maxSizes %q: %d entries, want %d", v, len(c.Historical.MaxSizes), items)
		}
		if got := splitList(v); len(got) != items {
			t.Errorf("splitList %q: %d entries, want %d", v, len(got), items)
		}
	})
}
