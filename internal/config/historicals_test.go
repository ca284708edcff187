package config

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHistoricalInstances(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		want     []HistoricalConfig // only Tier, Priority, MaxSize, CacheLocations compared
		err      bool
	}{
		{name: "one", settings: map[string]string{"druid.server.tier": "hot"},
			want: []HistoricalConfig{{Tier: "hot", CacheLocations: []CacheLocation{{Path: "D/segment-cache"}}}}},
		{name: "three with overrides", settings: map[string]string{
			"dryad.historical.count": "3", "druid.server.priority": "5",
			"dryad.historical.tiers": "hot,,cold", "dryad.historical.priorities": "1,2", "dryad.historical.maxSizes": "1KiB",
			"druid.segmentCache.locations": `[{"path":"/x","maxSize":100},{"path":"/y","maxSize":200}]`},
			want: []HistoricalConfig{
				{Tier: "hot", Priority: 1, MaxSize: 1024, CacheLocations: []CacheLocation{{Path: "D/historical-1/segment-cache", MaxSize: 300}}},
				{Tier: "_default_tier", Priority: 2, MaxSize: 300, CacheLocations: []CacheLocation{{Path: "D/historical-2/segment-cache", MaxSize: 300}}},
				{Tier: "cold", Priority: 5, MaxSize: 300, CacheLocations: []CacheLocation{{Path: "D/historical-3/segment-cache", MaxSize: 300}}},
			}},
		{name: "bad count", settings: map[string]string{"dryad.historical.count": "0"}, err: true},
		{name: "bad priority", settings: map[string]string{"dryad.historical.priorities": "1,x"}, err: true},
		{name: "bad size", settings: map[string]string{"dryad.historical.maxSizes": "lots"}, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var flags []Setting
			flags = append(flags, Setting{Key: "dryad.dataDir", Value: dir, Origin: "test"})
			for k, v := range tt.settings {
				flags = append(flags, Setting{Key: k, Value: v, Origin: "test"})
			}
			c, err := Load(Source{Mode: ModeServer, Roles: []string{RoleHistorical}, Flags: flags}, slog.New(slog.DiscardHandler))
			if tt.err {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []HistoricalConfig
			for _, h := range c.HistoricalInstances() {
				for i := range h.CacheLocations {
					if rel, err := filepath.Rel(dir, h.CacheLocations[i].Path); err == nil {
						h.CacheLocations[i].Path = filepath.Join("D", rel)
					}
				}
				got = append(got, HistoricalConfig{Tier: h.Tier, Priority: h.Priority, MaxSize: h.MaxSize, CacheLocations: h.CacheLocations})
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Error(d)
			}
		})
	}
}
