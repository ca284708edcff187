package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// Setting is one key=value given on the command line.
type Setting struct {
	Key, Value string
	Origin     string // how it was given, e.g. "flag --port"
}

// Source is everything Load reads, so that loading is a pure function of
// its inputs (tests pass their own environment).
type Source struct {
	Mode    Mode
	Roles   []string  // roles the process runs; with exactly one, server mode defaults druid.plaintextPort to its Druid port
	File    string    // runtime.properties path; "" for none
	Flags   []Setting // in command-line order; later ones win
	Environ []string  // "NAME=value" entries, as os.Environ returns
}

// EnvPrefix starts every environment variable Load reads.
const EnvPrefix = "DRYAD_"

// EnvName returns the environment variable that sets key:
// "druid.plaintextPort" → "DRYAD_DRUID_PLAINTEXTPORT".
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// dataDirRef is the one reference Load expands inside values.
const dataDirRef = "${dryad.dataDir}"

// Load builds the effective configuration from src: defaults, then the
// file, then flags, then the environment (see the package doc), validates
// it, and returns the first problem as a one-line ClassInvalidInput (or
// ClassUnsupported) error naming the key and where its value came from.
// Unknown keys and environment variables are reported through log.
// Every value may contain ${dryad.dataDir}, replaced by the effective data
// directory.
func Load(src Source, log *slog.Logger) (*Config, error) {
	keys := Keys()
	known := make(map[string]Key, len(keys))
	byEnv := make(map[string]string, len(keys))
	for _, k := range keys {
		known[k.Name] = k
		byEnv[EnvName(k.Name)] = k.Name
	}
	c := &Config{props: map[string]string{}, origins: map[string]string{}}
	set := func(key, value, origin string) {
		c.props[key], c.origins[key] = value, origin
	}
	for _, k := range keys {
		set(k.Name, k.DefaultFor(src.Mode), "default")
	}
	if src.Mode == ModeServer {
		set("druid.host", hostname(), "default")
		if len(src.Roles) == 1 {
			set("druid.plaintextPort", strconv.Itoa(DefaultPort(src.Roles[0])), "default")
		}
	}
	warnUnknown := func(key, origin string) {
		if _, ok := known[key]; !ok && (strings.HasPrefix(key, "druid.") || strings.HasPrefix(key, "dryad.")) {
			log.Warn("unknown configuration key kept but not used", slog.String("key", key), slog.String("from", origin))
		}
	}
	if src.File != "" {
		f, err := os.Open(src.File)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "config: reading %s: %w", src.File, errors.Unwrap(err))
		}
		props, err := ParseProperties(f)
		f.Close()
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "config: %s: %w", src.File, err)
		}
		for _, p := range props {
			origin := fmt.Sprintf("file %s:%d", src.File, p.Line)
			warnUnknown(p.Key, origin)
			set(p.Key, p.Value, origin)
		}
	}
	for _, s := range src.Flags {
		if s.Key == "" {
			return nil, base.Errorf(base.ClassInvalidInput, "config: %s: empty key", s.Origin)
		}
		warnUnknown(s.Key, s.Origin)
		set(s.Key, s.Value, s.Origin)
	}
	for _, kv := range src.Environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(strings.ToUpper(name), EnvPrefix) {
			continue
		}
		key, ok := byEnv[strings.ToUpper(name)]
		if !ok {
			log.Warn("ignoring environment variable that names no configuration key", slog.String("name", name))
			continue
		}
		set(key, value, "env "+name)
	}
	dataDir := c.props["dryad.dataDir"]
	for k, v := range c.props {
		if strings.Contains(v, dataDirRef) {
			c.props[k] = strings.ReplaceAll(v, dataDirRef, dataDir)
		}
	}
	for _, k := range keys {
		if err := k.apply(c, c.props[k.Name]); err != nil {
			return nil, c.keyError(k.Name, err)
		}
	}
	if err := c.derive(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// keyError formats a bad value as one line naming the key and its origin.
func (c *Config) keyError(key string, err error) error {
	class := base.ClassOf(err)
	if class == base.ClassInternal {
		class = base.ClassInvalidInput
	}
	return base.Errorf(class, "config: %s: %w (from %s)", key, err, c.origins[key])
}

// derive fills settings computed from others.
func (c *Config) derive() error {
	c.Metadata.Dir = filepath.Join(c.DataDir, "metadata")
	if c.DruidPorts {
		for _, role := range AllRoles() {
			if p := DefaultPort(role); c.RolePort(role) == 0 && p != c.Port {
				c.setRolePort(role, p)
			}
		}
	}
	if c.Historical.MaxSize == 0 {
		for _, l := range c.Historical.CacheLocations {
			c.Historical.MaxSize += l.MaxSize
		}
	}
	return nil
}

// Validate checks rules that span keys: per-role ports must differ from
// each other and from the main port, and postgresql needs a connectURI.
// Load calls it; call it again after changing a Config by hand.
func (c *Config) Validate() error {
	seen := map[int]string{c.Port: "druid.plaintextPort"}
	for _, role := range AllRoles() {
		p := c.RolePort(role)
		if p == 0 {
			continue
		}
		key := "dryad." + role + ".plaintextPort"
		if other, dup := seen[p]; dup {
			return c.keyError(key, fmt.Errorf("port %d is already used by %s", p, other))
		}
		seen[p] = key
	}
	if c.Metadata.Type == "postgresql" && c.Metadata.ConnectURI == "" {
		return c.keyError("druid.metadata.storage.connector.connectURI", errors.New("is required when druid.metadata.storage.type is postgresql"))
	}
	return nil
}
