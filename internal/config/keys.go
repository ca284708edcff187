package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// Key is one configuration key dryad understands.
type Key struct {
	Name                 string // the property name, e.g. "druid.plaintextPort"
	Default              string // default in server mode; may reference ${dryad.dataDir}
	QuickstartDefault    string // default in quickstart mode when it differs (see HasQuickstartDefault)
	HasQuickstartDefault bool
	Roles                string // roles that read it: "all" or a comma-separated list
	Doc                  string // one-line meaning, as in docs/configuration.md
	DocDefault           string // the default as documented, when Default depends on the machine or mode

	apply func(c *Config, v string) error
}

// DefaultFor returns the key's default in mode.
func (k Key) DefaultFor(m Mode) string {
	if m == ModeQuickstart && k.HasQuickstartDefault {
		return k.QuickstartDefault
	}
	return k.Default
}

// Keys returns every key dryad understands, in documentation order. The
// slice is new on each call.
func Keys() []Key {
	ks := []Key{
		str("druid.host", "", "all", "Host name this process advertises to clients and other nodes. Server default: the machine's host name.",
			func(c *Config) *string { return &c.Host }).quick("localhost").docDefault("server: the machine's host name; quickstart: `localhost`"),
		str("dryad.bindAddress", "", "all", "IP address the listeners bind; empty binds every interface.",
			func(c *Config) *string { return &c.BindAddress }).quick("127.0.0.1"),
		port("druid.plaintextPort", "8888", "all", "Port of the process's main listener, which serves every role the process runs. Server default: the role's Druid port when exactly one role runs, else 8888. 0 picks a free port.",
			func(c *Config) *int { return &c.Port }, true).docDefault("`8888`; server with one role: that role's Druid port"),
		{Name: "dryad.dataDir", Default: "./var", Roles: "all", Doc: "Directory for local state (embedded metadata store, local deep storage, segment cache, task dirs). Locked (.lock inside it) while a process runs.",
			apply: func(c *Config, v string) error {
				if strings.TrimSpace(v) == "" {
					return fmt.Errorf("a directory is required")
				}
				c.DataDir = v
				return nil
			}},
		{Name: "dryad.log.level", Default: "info", Roles: "all", Doc: "Log level: debug, info, warn or error.",
			apply: func(c *Config, v string) error {
				switch strings.ToLower(v) {
				case "debug":
					c.LogLevel = slog.LevelDebug
				case "info":
					c.LogLevel = slog.LevelInfo
				case "warn", "warning":
					c.LogLevel = slog.LevelWarn
				case "error":
					c.LogLevel = slog.LevelError
				default:
					return fmt.Errorf("%q is not one of debug, info, warn, error", v)
				}
				return nil
			}},
		enum("dryad.log.format", "text", "all", "Log format: text (logfmt-style) or json.", []string{"text", "json"},
			func(c *Config) *string { return &c.LogFormat }),
		dur("druid.server.http.gracefulShutdownTimeout", "PT30S", "all", "How long shutdown waits for in-flight requests before closing connections (ISO-8601 period).",
			func(c *Config) *time.Duration { return &c.ShutdownTimeout }),
		dur("druid.server.http.maxIdleTime", "PT5M", "all", "How long an idle keep-alive connection stays open.",
			func(c *Config) *time.Duration { return &c.IdleTimeout }),

		{Name: "druid.metadata.storage.type", Default: "sqlite", Roles: "coordinator,overlord,middlemanager", Doc: "Metadata store: sqlite (embedded file metadata/metadata.db in the data dir; Druid's derby is read as sqlite) or postgresql.",
			apply: func(c *Config, v string) error {
				switch strings.ToLower(v) {
				case "sqlite", "derby":
					c.Metadata.Type = "sqlite"
					return nil
				case "postgresql", "postgres":
					c.Metadata.Type = "postgresql"
					return nil
				case "mysql":
					return base.Errorf(base.ClassUnsupported, "%q is not supported by dryad; use sqlite or postgresql", v)
				}
				return fmt.Errorf("%q is not one of sqlite, postgresql", v)
			}},
		str("druid.metadata.storage.connector.connectURI", "", "coordinator,overlord,middlemanager", "Connection URI; for postgresql e.g. jdbc:postgresql://host:5432/druid or postgres://host/druid. Empty for sqlite uses metadata/metadata.db in the data dir.",
			func(c *Config) *string { return &c.Metadata.ConnectURI }),
		str("druid.metadata.storage.connector.user", "", "coordinator,overlord,middlemanager", "Metadata store user.",
			func(c *Config) *string { return &c.Metadata.User }),
		str("druid.metadata.storage.connector.password", "", "coordinator,overlord,middlemanager", "Metadata store password (masked in /status/properties).",
			func(c *Config) *string { return &c.Metadata.Password }),
		{Name: "druid.metadata.storage.tables.base", Default: "druid", Roles: "coordinator,overlord,middlemanager", Doc: "Prefix of the metadata table names (druid_segments, druid_tasks, ...).",
			apply: func(c *Config, v string) error {
				if v == "" || v[0] >= '0' && v[0] <= '9' || strings.IndexFunc(v, func(r rune) bool {
					return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
				}) >= 0 {
					return fmt.Errorf("%q must be a SQL identifier of letters, digits and _, not starting with a digit", v)
				}
				c.Metadata.TablePrefix = v
				return nil
			}},

		{Name: "druid.storage.type", Default: "local", Roles: "overlord,middlemanager,historical,coordinator", Doc: "Deep storage: local (a directory, possibly a shared mount).",
			apply: func(c *Config, v string) error {
				switch v {
				case "local":
					c.DeepStorage.Type = v
					return nil
				case "s3", "hdfs", "google", "azure":
					return base.Errorf(base.ClassUnsupported, "%q deep storage is not supported by dryad yet; use local", v)
				}
				return fmt.Errorf("%q is not a deep storage type (local)", v)
			}},
		path("druid.storage.storageDirectory", "${dryad.dataDir}/deepstorage", "overlord,middlemanager,historical,coordinator", "Directory of local deep storage.",
			func(c *Config) *string { return &c.DeepStorage.Dir }),

		boolKey("dryad.druidPorts", "false", "all", "Give every role of the process a listener on its Druid default port (coordinator 8081, broker 8082, historical 8083, overlord 8090, middlemanager 8091, router 8888) unless dryad.<role>.plaintextPort sets one or it is the main port.",
			func(c *Config) *bool { return &c.DruidPorts }),
		port("dryad.coordinator.plaintextPort", "0", "coordinator", "Extra listener serving only the coordinator (Druid's default is 8081); 0 = none.",
			func(c *Config) *int { return &c.Coordinator.Port }, true),
		dur("druid.coordinator.period", "PT60S", "coordinator", "How often the coordinator runs its duties (load/drop/balance).",
			func(c *Config) *time.Duration { return &c.Coordinator.Period }).quick("PT5S"),
		dur("druid.coordinator.period.indexingPeriod", "PT1800S", "coordinator", "How often the coordinator runs its compaction duty (automatic compaction); POST /druid/coordinator/v1/compaction/compact runs it at once.",
			func(c *Config) *time.Duration { return &c.Coordinator.IndexingPeriod }).quick("PT30S"),
		dur("druid.coordinator.startDelay", "PT300S", "coordinator", "Delay before the coordinator's first run after becoming leader.",
			func(c *Config) *time.Duration { return &c.Coordinator.StartDelay }).quick("PT10S"),
		dur("druid.manager.segments.pollDuration", "PT1M", "coordinator", "How often the coordinator polls the metadata store for used segments.",
			func(c *Config) *time.Duration { return &c.Coordinator.PollDuration }).quick("PT5S"),

		port("dryad.overlord.plaintextPort", "0", "overlord", "Extra listener serving only the overlord (Druid's default is 8090); 0 = none.",
			func(c *Config) *int { return &c.Overlord.Port }, true),
		intKey("druid.indexer.queue.maxSize", "2147483647", "overlord", "Maximum number of active tasks at one time.", 1, 1<<31-1,
			func(c *Config) *int { return &c.Overlord.QueueMaxSize }),
		dur("druid.indexer.queue.startDelay", "PT1M", "overlord", "Delay before the overlord starts managing tasks after becoming leader.",
			func(c *Config) *time.Duration { return &c.Overlord.StartDelay }).quick("PT0S"),

		port("dryad.middlemanager.plaintextPort", "0", "middlemanager", "Extra listener serving only the middlemanager (Druid's default is 8091); 0 = none.",
			func(c *Config) *int { return &c.MiddleManager.Port }, true),
		intKey("druid.worker.capacity", strconv.Itoa(max(1, runtime.NumCPU()-1)), "middlemanager", "Maximum number of tasks run at once (default: CPUs - 1, at least 1).", 1, 1<<20,
			func(c *Config) *int { return &c.MiddleManager.Capacity }).docDefault("CPUs − 1, at least 1"),
		str("druid.worker.category", "_default_worker_category", "middlemanager", "Worker category used by category-aware task assignment.",
			func(c *Config) *string { return &c.MiddleManager.Category }),
		path("druid.indexer.task.baseTaskDir", "${dryad.dataDir}/task", "middlemanager", "Working directory of running tasks.",
			func(c *Config) *string { return &c.MiddleManager.BaseTaskDir }),
		enum("druid.indexer.logs.type", "file", "middlemanager,overlord", "Where task logs are kept: file.", []string{"file"},
			func(c *Config) *string { return &c.MiddleManager.LogsType }),
		path("druid.indexer.logs.directory", "${dryad.dataDir}/indexing-logs", "middlemanager,overlord", "Directory of task logs.",
			func(c *Config) *string { return &c.MiddleManager.LogsDir }),

		port("dryad.historical.plaintextPort", "0", "historical", "Extra listener serving only the historical (Druid's default is 8083); 0 = none.",
			func(c *Config) *int { return &c.Historical.Port }, true),
		{Name: "druid.segmentCache.locations", Default: `[{"path":"${dryad.dataDir}/segment-cache"}]`, Roles: "historical",
			Doc:   `JSON array of cache locations: [{"path":"/dir","maxSize":"300GiB"}]; maxSize is optional (bounded only by the disk).`,
			apply: applyCacheLocations},
		size("druid.server.maxSize", "0", "historical", "Total bytes of segments the historical serves; 0 = the sum of the cache locations' maxSize.",
			func(c *Config) *int64 { return &c.Historical.MaxSize }),
		str("druid.server.tier", "_default_tier", "historical", "Tier this historical belongs to, for load rules.",
			func(c *Config) *string { return &c.Historical.Tier }),
		intKey("druid.server.priority", "0", "historical", "Query priority of this historical's tier.", -1<<31, 1<<31-1,
			func(c *Config) *int { return &c.Historical.Priority }),
		intKey("dryad.historical.count", "1", "historical", "Number of historicals the process runs (`quickstart --historicals N`). With more than one, instance i (1-based) is named `<druid.host>:<port>-historical-<i>` and caches under `${dryad.dataDir}/historical-<i>/segment-cache`.", 1, 64,
			func(c *Config) *int { return &c.Historical.Count }),
		{Name: "dryad.historical.tiers", Roles: "historical", Doc: "Comma-separated tier of each historical instance, in order; a missing or empty entry uses druid.server.tier.",
			apply: func(c *Config, v string) error {
				c.Historical.Tiers = splitList(v)
				return nil
			}},
		{Name: "dryad.historical.priorities", Roles: "historical", Doc: "Comma-separated druid.server.priority of each historical instance, in order; missing entries use druid.server.priority.",
			apply: applyPriorities},
		{Name: "dryad.historical.maxSizes", Roles: "historical", Doc: "Comma-separated druid.server.maxSize of each historical instance (sizes such as `10GiB`), in order; missing entries use druid.server.maxSize.",
			apply: applyMaxSizes},

		port("dryad.broker.plaintextPort", "0", "broker", "Extra listener serving only the broker (Druid's default is 8082); 0 = none.",
			func(c *Config) *int { return &c.Broker.Port }, true),
		intKey("druid.processing.numThreads", strconv.Itoa(runtime.NumCPU()), "broker,historical", "Threads that process segments in parallel (default: every CPU; Druid reserves one, dryad does not: its other work is light and runs in the same process).", 1, 1<<16,
			func(c *Config) *int { return &c.Broker.ProcessingThreads }).docDefault("the number of CPUs"),
		{Name: "druid.server.http.defaultQueryTimeout", Default: "300000", Roles: "broker", Doc: "Query timeout in milliseconds when the query context sets none.",
			apply: func(c *Config, v string) error {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n <= 0 {
					return fmt.Errorf("%q is not a positive number of milliseconds", v)
				}
				c.Broker.DefaultQueryTimeout = time.Duration(n) * time.Millisecond
				return nil
			}},
		boolKey("druid.broker.cache.useCache", "false", "broker", "Read query results from the result cache.",
			func(c *Config) *bool { return &c.Broker.UseCache }),
		boolKey("druid.broker.cache.populateCache", "false", "broker", "Write query results to the result cache.",
			func(c *Config) *bool { return &c.Broker.PopulateCache }),
		boolKey("druid.sql.enable", "true", "broker", "Serve Druid SQL (/druid/v2/sql).",
			func(c *Config) *bool { return &c.Broker.SQLEnable }),
		str("druid.lookup.lookupTier", "__default", "broker,historical", "The lookup tier whose lookups this process's broker and historicals serve (see docs/lookups.md).",
			func(c *Config) *string { return &c.LookupTier }),

		port("dryad.router.plaintextPort", "0", "router", "Extra listener serving only the router (Druid's default is 8888); 0 = none.",
			func(c *Config) *int { return &c.Router.Port }, true),
	}
	return ks
}

// docDefault sets how the default is documented.
func (k Key) docDefault(s string) Key {
	k.DocDefault = s
	return k
}

// quick sets the key's quickstart default.
func (k Key) quick(v string) Key {
	k.QuickstartDefault, k.HasQuickstartDefault = v, true
	return k
}

func str(name, def, roles, doc string, field func(*Config) *string) Key {
	return Key{Name: name, Default: def, Roles: roles, Doc: doc, apply: func(c *Config, v string) error {
		*field(c) = v
		return nil
	}}
}

func path(name, def, roles, doc string, field func(*Config) *string) Key {
	return Key{Name: name, Default: def, Roles: roles, Doc: doc, apply: func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("a directory is required")
		}
		*field(c) = filepath.Clean(v)
		return nil
	}}
}

func enum(name, def, roles, doc string, values []string, field func(*Config) *string) Key {
	return Key{Name: name, Default: def, Roles: roles, Doc: doc, apply: func(c *Config, v string) error {
		for _, ok := range values {
			if v == ok {
				*field(c) = v
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(values, ", "))
	}}
}

func intKey(name, def, roles, doc string, lo, hi int, field func(*Config) *int) Key {
	return Key{Name: name, Default: def, Roles: roles, Doc: doc, apply: func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		if n < lo || n > hi {
			return fmt.Errorf("%d is outside [%d, %d]", n, lo, hi)
		}
		*field(c) = n
		return nil
	}}
}

func port(name, def, roles, doc string, field func(*Config) *int, zeroOK bool) Key {
	lo := 1
	if zeroOK {
		lo = 0
	}
	return intKey(name, def, roles, doc, lo, 65535, field)
}

func boolKey(name, def, roles, doc string, field func(*Config) *bool) Key {
	return Key{Name: name, Default: def, Roles: roles, Doc: doc, apply: func(c *Config, v string) error {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			*field(c) = true
		case "false":
			*field(c) = false
		default:
			return fmt.Errorf("%q is not true or false", v)
		}
		return nil
	}}
}

func dur(name, def, roles, doc string, field func(*Config) *time.Duration) Key {
	return Key{Name: name, Default: def, Roles: roles, Doc: doc, apply: func(c *Config, v string) error {
		d, err := ParseDuration(v)
		if err != nil {
			return err
		}
		*field(c) = d
		return nil
	}}
}

func size(name, def, roles, doc string, field func(*Config) *int64) Key {
	return Key{Name: name, Default: def, Roles: roles, Doc: doc, apply: func(c *Config, v string) error {
		n, err := ParseSize(v)
		if err != nil {
			return err
		}
		*field(c) = n
		return nil
	}}
}

// ParseDuration parses a Druid duration setting: an ISO-8601 period without
// years or months ("PT30S", "PT5M", "P1D"; a day is 24 hours). It rejects
// negative durations.
func ParseDuration(s string) (time.Duration, error) {
	p, err := base.ParsePeriod(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not an ISO-8601 period such as PT30S: %w", s, err)
	}
	if p.Years != 0 || p.Months != 0 {
		return 0, fmt.Errorf("%q has years or months, which have no fixed length", s)
	}
	ms := ((((int64(p.Weeks)*7+int64(p.Days))*24+int64(p.Hours))*60+int64(p.Minutes))*60+int64(p.Seconds))*1000 + int64(p.Millis)
	if ms < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	if ms > int64(1<<63-1)/int64(time.Millisecond) {
		return 0, fmt.Errorf("%q is too long", s)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// ParseSize parses a byte size the way Druid's HumanReadableBytes does: a
// plain number of bytes, or a number with a decimal suffix K, M, G, T, P
// (powers of 1000) or a binary suffix KiB, MiB, GiB, TiB, PiB (powers of
// 1024). Suffixes are case-insensitive; a trailing B is allowed ("10GB").
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%q is not a size such as 500MiB or 10g", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", s)
	}
	unit := strings.ToLower(t[i:])
	var mult, exp int64 = 1000, 0
	if strings.HasSuffix(unit, "ib") {
		mult, unit = 1024, strings.TrimSuffix(unit, "ib")
	} else {
		unit = strings.TrimSuffix(unit, "b")
	}
	switch unit {
	case "":
		if mult == 1024 {
			return 0, fmt.Errorf("%q has an unknown unit", s)
		}
	case "k":
		exp = 1
	case "m":
		exp = 2
	case "g":
		exp = 3
	case "t":
		exp = 4
	case "p":
		exp = 5
	default:
		return 0, fmt.Errorf("%q has an unknown unit", s)
	}
	for range exp {
		if n > (1<<63-1)/mult {
			return 0, fmt.Errorf("%q is too large", s)
		}
		n *= mult
	}
	return n, nil
}

func applyCacheLocations(c *Config, v string) error {
	var raw []struct {
		Path    string          `json:"path"`
		MaxSize json.RawMessage `json:"maxSize"`
	}
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return fmt.Errorf("is not a JSON array of {\"path\":...,\"maxSize\":...}: %w", err)
	}
	if len(raw) == 0 {
		return fmt.Errorf("needs at least one location")
	}
	locs := make([]CacheLocation, 0, len(raw))
	for i, r := range raw {
		if r.Path == "" {
			return fmt.Errorf("location %d has no path", i)
		}
		loc := CacheLocation{Path: filepath.Clean(r.Path)}
		if len(r.MaxSize) > 0 && string(r.MaxSize) != "null" {
			var n int64
			var s string
			switch {
			case json.Unmarshal(r.MaxSize, &n) == nil:
			case json.Unmarshal(r.MaxSize, &s) == nil:
				var err error
				if n, err = ParseSize(s); err != nil {
					return fmt.Errorf("location %d maxSize: %w", i, err)
				}
			default:
				return fmt.Errorf("location %d maxSize %s is not a number or size string", i, r.MaxSize)
			}
			if n < 0 {
				return fmt.Errorf("location %d maxSize is negative", i)
			}
			loc.MaxSize = n
		}
		locs = append(locs, loc)
	}
	c.Historical.CacheLocations = locs
	return nil
}

// hostname is the server-mode default for druid.host.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}
