package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// HistoricalInstances returns the configuration of each of the
// dryad.historical.count historicals the process runs, in order. With one,
// it is Historical as configured. With more, instance i (0-based) caches
// under <dataDir>/historical-<i+1>/segment-cache, holding as many bytes as
// the configured locations together (0 = bounded only by the disk), and
// takes its tier, priority and maxSize from the per-instance lists when
// they have an entry for it.
func (c *Config) HistoricalInstances() []HistoricalConfig {
	h := c.Historical
	if h.Count <= 1 {
		return []HistoricalConfig{h}
	}
	var locSize int64
	for _, l := range h.CacheLocations {
		if l.MaxSize == 0 {
			locSize = 0
			break
		}
		locSize += l.MaxSize
	}
	out := make([]HistoricalConfig, h.Count)
	for i := range out {
		o := h
		o.Count, o.Tiers, o.Priorities, o.MaxSizes = 1, nil, nil, nil
		o.CacheLocations = []CacheLocation{{Path: filepath.Join(c.DataDir, "historical-"+strconv.Itoa(i+1), "segment-cache"), MaxSize: locSize}}
		if i < len(h.Tiers) && h.Tiers[i] != "" {
			o.Tier = h.Tiers[i]
		}
		if i < len(h.Priorities) {
			o.Priority = h.Priorities[i]
		}
		if i < len(h.MaxSizes) {
			o.MaxSize = h.MaxSizes[i]
		}
		out[i] = o
	}
	return out
}

// splitList splits a comma-separated list, trimming spaces; "" is none.
func splitList(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	out := strings.Split(v, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

func applyPriorities(c *Config, v string) error {
	var out []int
	for i, s := range splitList(v) {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("entry %d: %q is not an integer", i, s)
		}
		out = append(out, n)
	}
	c.Historical.Priorities = out
	return nil
}

func applyMaxSizes(c *Config, v string) error {
	var out []int64
	for i, s := range splitList(v) {
		n, err := ParseSize(s)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		out = append(out, n)
	}
	c.Historical.MaxSizes = out
	return nil
}
