package config

import (
	"log/slog"
	"time"
)

// Mode selects the built-in defaults that differ between the single-process
// quickstart and a production server.
type Mode int

// The modes.
const (
	ModeServer     Mode = iota // dryad server: Druid's defaults
	ModeQuickstart             // dryad quickstart: loopback, short start-up delays
)

// Role names, as used by --roles and discovery.
const (
	RoleCoordinator   = "coordinator"
	RoleOverlord      = "overlord"
	RoleBroker        = "broker"
	RoleRouter        = "router"
	RoleHistorical    = "historical"
	RoleMiddleManager = "middlemanager"
)

// AllRoles lists every role in start-up order: the ones others depend on
// first, the router (the front door) last.
func AllRoles() []string {
	return []string{RoleCoordinator, RoleOverlord, RoleMiddleManager, RoleHistorical, RoleBroker, RoleRouter}
}

// DefaultPort returns Druid's default plaintext port for a role, or 0 for an
// unknown role.
func DefaultPort(role string) int {
	switch role {
	case RoleCoordinator:
		return 8081
	case RoleBroker:
		return 8082
	case RoleHistorical:
		return 8083
	case RoleOverlord:
		return 8090
	case RoleMiddleManager:
		return 8091
	case RoleRouter:
		return 8888
	}
	return 0
}

// Config is the effective configuration of one dryad process.
type Config struct {
	Host            string        // druid.host: the host name other nodes and clients use
	BindAddress     string        // dryad.bindAddress: the address listeners bind ("" = all interfaces)
	Port            int           // druid.plaintextPort: the process's main listener
	DataDir         string        // dryad.dataDir: local state (metadata, deep storage, caches), locked while running
	LogLevel        slog.Level    // dryad.log.level
	LogFormat       string        // dryad.log.format: text or json
	ShutdownTimeout time.Duration // druid.server.http.gracefulShutdownTimeout
	IdleTimeout     time.Duration // druid.server.http.maxIdleTime
	DruidPorts      bool          // dryad.druidPorts: roles without a port of their own listen on Druid's default
	LookupTier      string        // druid.lookup.lookupTier: the lookup tier this process's broker and historicals serve

	Metadata      MetadataConfig
	DeepStorage   DeepStorageConfig
	Coordinator   CoordinatorConfig
	Overlord      OverlordConfig
	MiddleManager MiddleManagerConfig
	Historical    HistoricalConfig
	Broker        BrokerConfig
	Router        RouterConfig

	props   map[string]string // effective key → value, unmasked
	origins map[string]string // key → where its value came from
}

// MetadataConfig selects and reaches the metadata store.
type MetadataConfig struct {
	Type        string // druid.metadata.storage.type: sqlite or postgresql
	ConnectURI  string // druid.metadata.storage.connector.connectURI ("" = <dataDir>/metadata for sqlite)
	User        string // druid.metadata.storage.connector.user
	Password    string // druid.metadata.storage.connector.password
	TablePrefix string // druid.metadata.storage.tables.base
	Dir         string // <dataDir>/metadata: where an embedded store keeps its files
}

// DeepStorageConfig selects deep storage.
type DeepStorageConfig struct {
	Type string // druid.storage.type: local
	Dir  string // druid.storage.storageDirectory
}

// CoordinatorConfig is the coordinator's configuration.
type CoordinatorConfig struct {
	Port         int           // dryad.coordinator.plaintextPort: extra listener, 0 = none
	Period       time.Duration // druid.coordinator.period
	StartDelay   time.Duration // druid.coordinator.startDelay
	PollDuration time.Duration // druid.manager.segments.pollDuration
	// IndexingPeriod is how often the compaction duty runs
	// (druid.coordinator.period.indexingPeriod).
	IndexingPeriod time.Duration
}

// OverlordConfig is the overlord's configuration.
type OverlordConfig struct {
	Port         int           // dryad.overlord.plaintextPort
	QueueMaxSize int           // druid.indexer.queue.maxSize
	StartDelay   time.Duration // druid.indexer.queue.startDelay
}

// MiddleManagerConfig is the middlemanager's configuration.
type MiddleManagerConfig struct {
	Port        int    // dryad.middlemanager.plaintextPort
	Capacity    int    // druid.worker.capacity
	Category    string // druid.worker.category
	BaseTaskDir string // druid.indexer.task.baseTaskDir
	LogsType    string // druid.indexer.logs.type: file
	LogsDir     string // druid.indexer.logs.directory
}

// CacheLocation is one entry of druid.segmentCache.locations.
type CacheLocation struct {
	Path    string // directory holding cached segments
	MaxSize int64  // bytes; 0 = bounded only by the disk
}

// HistoricalConfig is the historical's configuration.
type HistoricalConfig struct {
	Port           int             // dryad.historical.plaintextPort
	CacheLocations []CacheLocation // druid.segmentCache.locations
	MaxSize        int64           // druid.server.maxSize: bytes of segments to serve (0 = sum of the locations)
	Tier           string          // druid.server.tier
	Priority       int             // druid.server.priority
	// Count is the number of historicals the process runs
	// (dryad.historical.count); see Config.HistoricalInstances.
	Count int
	// Per-instance overrides, by instance (0-based); an instance past the
	// end of a list, or with an empty tier, uses the values above.
	Tiers      []string // dryad.historical.tiers
	Priorities []int    // dryad.historical.priorities
	MaxSizes   []int64  // dryad.historical.maxSizes
}

// BrokerConfig is the broker's configuration.
type BrokerConfig struct {
	Port                int           // dryad.broker.plaintextPort
	ProcessingThreads   int           // druid.processing.numThreads
	DefaultQueryTimeout time.Duration // druid.server.http.defaultQueryTimeout (milliseconds in the file)
	UseCache            bool          // druid.broker.cache.useCache
	PopulateCache       bool          // druid.broker.cache.populateCache
	SQLEnable           bool          // druid.sql.enable
}

// RouterConfig is the router's configuration.
type RouterConfig struct {
	Port int // dryad.router.plaintextPort
}

// setRolePort sets the extra listener port of role.
func (c *Config) setRolePort(role string, port int) {
	switch role {
	case RoleCoordinator:
		c.Coordinator.Port = port
	case RoleOverlord:
		c.Overlord.Port = port
	case RoleMiddleManager:
		c.MiddleManager.Port = port
	case RoleHistorical:
		c.Historical.Port = port
	case RoleBroker:
		c.Broker.Port = port
	case RoleRouter:
		c.Router.Port = port
	}
}

// RolePort returns the extra per-role listener port configured for role
// (dryad.<role>.plaintextPort), or 0 when the role listens only on the
// process's main port.
func (c *Config) RolePort(role string) int {
	switch role {
	case RoleCoordinator:
		return c.Coordinator.Port
	case RoleOverlord:
		return c.Overlord.Port
	case RoleMiddleManager:
		return c.MiddleManager.Port
	case RoleHistorical:
		return c.Historical.Port
	case RoleBroker:
		return c.Broker.Port
	case RoleRouter:
		return c.Router.Port
	}
	return 0
}

// Properties returns the effective configuration as key → value strings,
// unknown keys included, with secrets masked (see Mask). The map is a copy.
func (c *Config) Properties() map[string]string {
	out := make(map[string]string, len(c.props))
	for k, v := range c.props {
		out[k] = Mask(k, v)
	}
	return out
}

// Origin returns where key's effective value came from: "default",
// "file PATH:LINE", "flag --NAME" or "env NAME"; "" for an unset key.
func (c *Config) Origin(key string) string { return c.origins[key] }
