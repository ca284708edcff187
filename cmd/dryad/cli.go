package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/node"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed: bad configuration, data dir in use, start-up failure
	exitUsage = 2 // the command line is wrong
)

// command is one subcommand.
type command struct {
	name, summary, usage string
	run                  func(ctx context.Context, stopSignals func(), args []string, stdout, stderr io.Writer, environ []string) int
}

func commands() []command {
	return []command{
		{"quickstart", "run every role in one process with embedded defaults", quickstartUsage, runQuickstart},
		{"server", "run the given roles, configured by a properties file, flags and DRYAD_* env", serverUsage, runServer},
		{"ingest", "submit an ingestion spec and follow the task until it ends", ingestUsage(), runIngest},
		{"segment", "inspect segment files (dryad segment inspect FILE)", segmentUsage, runSegment},
		{"version", "print the version", "usage: dryad version\n\nPrints dryad <version> (<go version>, <os>/<arch>).\n", runVersion},
		{"help", "print usage of dryad or of a command", "usage: dryad help [command]\n", nil},
	}
}

// run dispatches args to a subcommand and returns the exit code. ctx ends
// on SIGINT/SIGTERM; stopSignals restores default signal handling (so a
// second signal during shutdown kills the process).
func run(ctx context.Context, stopSignals func(), args []string, stdout, stderr io.Writer, environ []string) int {
	if len(args) == 0 {
		mainUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && name == "help" {
			for _, c := range commands() {
				if c.name == args[1] {
					fmt.Fprint(stdout, c.usage)
					return exitOK
				}
			}
			fmt.Fprintf(stderr, "dryad help: unknown command %q\n", args[1])
			mainUsage(stderr)
			return exitUsage
		}
		mainUsage(stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c.run(ctx, stopSignals, args[1:], stdout, stderr, environ)
		}
	}
	fmt.Fprintf(stderr, "dryad: unknown command %q\n", name)
	mainUsage(stderr)
	return exitUsage
}

func mainUsage(w io.Writer) {
	fmt.Fprint(w, "dryad is Apache Druid rebuilt in Go.\n\nusage: dryad <command> [arguments]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun \"dryad help <command>\" or \"dryad <command> -h\" for a command's flags.\n")
}

// versionString returns "dryad <version> (<go version>, <os>/<arch>)".
func versionString() string {
	return fmt.Sprintf("dryad %s (%s, %s/%s)", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// buildVersion is main.version, or else the module version plus the VCS
// revision recorded by the Go toolchain.
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-dirty"
			}
		}
	}
	if v == "(devel)" && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		return rev + modified
	}
	return v
}

func runVersion(_ context.Context, _ func(), args []string, stdout, stderr io.Writer, _ []string) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(stdout, "usage: dryad version\n")
		return exitOK
	}
	if len(args) > 0 {
		fmt.Fprintf(stderr, "dryad version: unexpected argument %q\n", args[0])
		return exitUsage
	}
	fmt.Fprintln(stdout, versionString())
	return exitOK
}

const commonFlagsUsage = `  --config FILE        Druid-style runtime.properties file
  --port N             main HTTP port (druid.plaintextPort; 0 picks a free port)
  --dir DIR            data directory (dryad.dataDir)
  --host NAME          host name advertised to clients and other nodes (druid.host)
  --bind ADDR          address to listen on, "" for all interfaces (dryad.bindAddress)
  --log-level LEVEL    debug, info, warn or error (dryad.log.level)
  --log-format FORMAT  text or json (dryad.log.format)
  --set KEY=VALUE      set any configuration key; repeatable

Precedence, lowest first: built-in defaults, the --config file, flags, then
DRYAD_* environment variables (druid.plaintextPort is DRYAD_DRUID_PLAINTEXTPORT).
`

const quickstartUsage = `usage: dryad quickstart [flags]

Runs every role (coordinator, overlord, middlemanager, historical, broker,
router) in one process with embedded defaults: SQLite metadata and local deep
storage under the data directory (default ./var), HTTP on 127.0.0.1:8888.
SIGINT or SIGTERM shuts down gracefully.

flags:
  --historicals N      run N historicals (dryad.historical.count, default 1);
                       instance i is named <host>:<port>-historical-<i> and
                       caches under DIR/historical-<i>/segment-cache
` + commonFlagsUsage

const serverUsage = `usage: dryad server --roles=LIST [flags]

Runs the given roles in one process. LIST is a comma-separated subset of
coordinator, overlord, broker, router, historical, middlemanager. All roles
share the main port (druid.plaintextPort); a role also listens on its own
port when dryad.<role>.plaintextPort is set. With a router in the process,
the main port routes every documented path to its role.

flags:
  --roles LIST         roles to run (required)
` + commonFlagsUsage

// serveFlags are the flags quickstart and server share.
type serveFlags struct {
	fs       *flag.FlagSet
	file     string
	roles    string
	settings []config.Setting
}

func newServeFlags(name, usage string, stderr io.Writer, withRoles bool) *serveFlags {
	sf := &serveFlags{fs: flag.NewFlagSet("dryad "+name, flag.ContinueOnError)}
	fs := sf.fs
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage) }
	fs.StringVar(&sf.file, "config", "", "runtime.properties file")
	if withRoles {
		fs.StringVar(&sf.roles, "roles", "", "comma-separated roles")
	}
	keyFlag := sf.keyFlag
	keyFlag("port", "druid.plaintextPort", "main HTTP port")
	keyFlag("dir", "dryad.dataDir", "data directory")
	keyFlag("host", "druid.host", "advertised host")
	keyFlag("bind", "dryad.bindAddress", "listen address")
	keyFlag("log-level", "dryad.log.level", "log level")
	keyFlag("log-format", "dryad.log.format", "log format")
	fs.Func("set", "KEY=VALUE", func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("want KEY=VALUE, got %q", v)
		}
		sf.settings = append(sf.settings, config.Setting{Key: strings.TrimSpace(k), Value: val, Origin: "flag --set " + strings.TrimSpace(k)})
		return nil
	})
	return sf
}

// keyFlag adds a flag that sets a configuration key.
func (sf *serveFlags) keyFlag(flagName, key, help string) {
	sf.fs.Func(flagName, help, func(v string) error {
		sf.settings = append(sf.settings, config.Setting{Key: key, Value: v, Origin: "flag --" + flagName})
		return nil
	})
}

// parse parses args; it returns an exit code and false when the command
// should end (help requested or a usage error).
func (sf *serveFlags) parse(args []string) (int, bool) {
	if err := sf.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if sf.fs.NArg() > 0 {
		fmt.Fprintf(sf.fs.Output(), "%s: unexpected argument %q\n", sf.fs.Name(), sf.fs.Arg(0))
		return exitUsage, false
	}
	return 0, true
}

func runQuickstart(ctx context.Context, stopSignals func(), args []string, stdout, stderr io.Writer, environ []string) int {
	sf := newServeFlags("quickstart", quickstartUsage, stderr, false)
	sf.keyFlag("historicals", "dryad.historical.count", "number of historicals")
	if code, ok := sf.parse(args); !ok {
		return code
	}
	return serve(ctx, stopSignals, config.ModeQuickstart, config.AllRoles(), sf, stderr, environ)
}

func runServer(ctx context.Context, stopSignals func(), args []string, stdout, stderr io.Writer, environ []string) int {
	sf := newServeFlags("server", serverUsage, stderr, true)
	if code, ok := sf.parse(args); !ok {
		return code
	}
	if sf.roles == "" {
		fmt.Fprintln(stderr, "dryad server: --roles is required (e.g. --roles=coordinator,overlord)")
		return exitUsage
	}
	roles, err := node.ParseRoles(sf.roles)
	if err != nil {
		fmt.Fprintf(stderr, "dryad server: --roles: %v\n", err)
		return exitUsage
	}
	return serve(ctx, stopSignals, config.ModeServer, roles, sf, stderr, environ)
}

// serve loads the configuration, starts a node and runs it until ctx ends,
// then shuts it down within druid.server.http.gracefulShutdownTimeout.
func serve(ctx context.Context, stopSignals func(), mode config.Mode, roles []string, sf *serveFlags, stderr io.Writer, environ []string) int {
	began := time.Now()
	bootLog := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg, err := config.Load(config.Source{Mode: mode, Roles: roles, File: sf.file, Flags: sf.settings, Environ: environ}, bootLog)
	if err != nil {
		fmt.Fprintf(stderr, "dryad: %v\n", err)
		return exitError
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(stderr, opts)
	}
	log := slog.New(h)
	n, err := node.New(node.Options{Config: cfg, Roles: roles, Version: buildVersion(), Log: log})
	if err != nil {
		fmt.Fprintf(stderr, "dryad: %v\n", err)
		return exitUsage
	}
	if err := n.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "dryad: %v\n", err)
		return exitError
	}
	attrs := []any{slog.String("url", "http://"+n.Addr().String()), slog.String("roles", strings.Join(roles, ",")),
		slog.String("dataDir", cfg.DataDir), slog.String("version", buildVersion()), slog.Duration("startup", time.Since(began))}
	for _, role := range roles {
		if a := n.RoleAddr(role); a != nil {
			attrs = append(attrs, slog.String(role+"URL", "http://"+a.String()))
		}
	}
	log.Info("dryad started", attrs...)

	<-ctx.Done()
	stopSignals() // a second signal now kills the process
	log.Info("shutting down", slog.Duration("timeout", cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := n.Stop(sctx); err != nil {
		fmt.Fprintf(stderr, "dryad: shutting down: %v\n", err)
		return exitError
	}
	log.Info("dryad stopped")
	return exitOK
}
