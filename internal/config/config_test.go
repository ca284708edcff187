package config

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/google/go-cmp/cmp"
)

func TestParseProperties(t *testing.T) {
	in := "# comment\n" +
		"! also a comment\n" +
		"\n" +
		"druid.host=example.com\n" +
		"  druid.plaintextPort : 8081\n" +
		"spaced value with spaces  \n" +
		"multi=one,\\\n" +
		"      two,\\\n" +
		"  three\n" +
		"esc\\=aped\\ key=tab\\there\\u00e9\\\\\n" +
		"empty=\n" +
		"bare\n" +
		"crlf=yes\r\n" +
		"colon:value=with=equals\n" +
		"emoji=\\uD83D\\uDE00 \\uD83D\n" +
		"last=end\\"
	got, err := ParseProperties(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Property{
		{"druid.host", "example.com", 4},
		{"druid.plaintextPort", "8081", 5},
		{"spaced", "value with spaces  ", 6},
		{"multi", "one,two,three", 7},
		{"esc=aped key", "tab\there\u00e9\\", 10},
		{"empty", "", 11},
		{"bare", "", 12},
		{"crlf", "yes", 13},
		{"colon", "value=with=equals", 14},
		{"emoji", "\U0001F600 \uFFFD", 15},
		{"last", "end", 16},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseProperties (-want +got):\n%s", d)
	}
	for _, bad := range []string{"k=\\u12", "k=\\uzzzz"} {
		if _, err := ParseProperties(strings.NewReader(bad)); !base.IsClass(err, base.ClassInvalidInput) || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func FuzzParseProperties(f *testing.F) {
	for _, s := range []string{"a=b\n", "a\\\n b", "#x\n!y\nk: v", "k=\\u0041\\t", "\\", "k=\\u", " = \n:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		props, err := ParseProperties(strings.NewReader(in))
		if err != nil {
			if !base.IsClass(err, base.ClassInvalidInput) {
				t.Fatalf("unclassed error %v", err)
			}
			return
		}
		// Writing the properties back out escaped and re-reading them
		// must give the same keys and values.
		var b bytes.Buffer
		for _, p := range props {
			b.WriteString(escape(p.Key, true) + "=" + escape(p.Value, false) + "\n")
		}
		again, err := ParseProperties(&b)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", b.String(), err)
		}
		if len(again) != len(props) {
			t.Fatalf("round trip: %d properties, want %d", len(again), len(props))
		}
		for i := range props {
			if again[i].Key != props[i].Key || again[i].Value != props[i].Value {
				t.Fatalf("round trip %d: %q=%q, want %q=%q", i, again[i].Key, again[i].Value, props[i].Key, props[i].Value)
			}
		}
	})
}

// escape writes s so that ParseProperties reads it back unchanged.
func escape(s string, key bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		r := s[i]
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == ' ' && (key || i == 0):
			b.WriteString(`\ `)
		case (r == '=' || r == ':') && key:
			b.WriteString(`\` + string(r))
		case (r == '#' || r == '!') && key && i == 0:
			b.WriteString(`\` + string(r))
		default:
			b.WriteByte(r)
		}
	}
	return b.String()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(Source{Mode: ModeQuickstart}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8888 || c.Host != "localhost" || c.BindAddress != "127.0.0.1" || c.DataDir != "./var" ||
		c.Metadata.Type != "sqlite" || c.Metadata.Dir != "var/metadata" || c.DeepStorage.Dir != "var/deepstorage" ||
		c.Coordinator.StartDelay != 10*time.Second || c.LogLevel != slog.LevelInfo || c.ShutdownTimeout != 30*time.Second ||
		len(c.Historical.CacheLocations) != 1 || c.Historical.CacheLocations[0].Path != "var/segment-cache" || !c.Broker.SQLEnable {
		t.Errorf("quickstart defaults: %+v", c)
	}
	s, err := Load(Source{Mode: ModeServer, Roles: []string{RoleCoordinator}}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if s.Port != 8081 || s.BindAddress != "" || s.Coordinator.StartDelay != 300*time.Second || s.Host == "" {
		t.Errorf("server defaults: port %d bind %q delay %v host %q", s.Port, s.BindAddress, s.Coordinator.StartDelay, s.Host)
	}
	m, err := Load(Source{Mode: ModeServer, Roles: []string{RoleCoordinator, RoleOverlord}}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if m.Port != 8888 {
		t.Errorf("two-role server port %d", m.Port)
	}
	for _, k := range Keys() {
		if err := k.apply(&Config{}, k.DefaultFor(ModeServer)); err != nil && !strings.Contains(k.Default, dataDirRef) {
			t.Errorf("%s: default %q does not parse: %v", k.Name, k.Default, err)
		}
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "runtime.properties")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadPrecedence(t *testing.T) {
	file := writeFile(t, "druid.host=from-file\ndruid.plaintextPort=1111\ndryad.log.level=debug\ndryad.dataDir=/data\ndruid.server.tier=hot\n")
	src := Source{
		Mode: ModeServer,
		File: file,
		Flags: []Setting{
			{Key: "druid.plaintextPort", Value: "2222", Origin: "flag --port"},
			{Key: "druid.host", Value: "from-flag", Origin: "flag --host"},
		},
		Environ: []string{"PATH=/bin", "DRYAD_DRUID_PLAINTEXTPORT=3333", "dryad_druid_server_tier=warm"},
	}
	c, err := Load(src, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 3333 || c.Host != "from-flag" || c.LogLevel != slog.LevelDebug || c.Historical.Tier != "warm" {
		t.Errorf("port %d host %q level %v tier %q", c.Port, c.Host, c.LogLevel, c.Historical.Tier)
	}
	if c.DeepStorage.Dir != "/data/deepstorage" || c.MiddleManager.BaseTaskDir != "/data/task" {
		t.Errorf("dataDir not expanded: %q %q", c.DeepStorage.Dir, c.MiddleManager.BaseTaskDir)
	}
	for key, want := range map[string]string{
		"druid.plaintextPort": "env DRYAD_DRUID_PLAINTEXTPORT",
		"druid.host":          "flag --host",
		"dryad.log.level":     "file " + file + ":3",
		"druid.sql.enable":    "default",
	} {
		if got := c.Origin(key); got != want {
			t.Errorf("Origin(%s) = %q, want %q", key, got, want)
		}
	}
	if got := c.Properties()["druid.plaintextPort"]; got != "3333" {
		t.Errorf("properties port %q", got)
	}
}

func TestLoadUnknownKeys(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	file := writeFile(t, "druid.emitter=noop\njava.io.tmpdir=/tmp\n")
	c, err := Load(Source{Mode: ModeQuickstart, File: file, Environ: []string{"DRYAD_NO_SUCH_KEY=1"}}, log)
	if err != nil {
		t.Fatal(err)
	}
	if c.Properties()["druid.emitter"] != "noop" || c.Properties()["java.io.tmpdir"] != "/tmp" {
		t.Error("unknown keys not kept")
	}
	out := logs.String()
	if !strings.Contains(out, "key=druid.emitter") || strings.Contains(out, "java.io.tmpdir") || !strings.Contains(out, "DRYAD_NO_SUCH_KEY") {
		t.Errorf("warnings: %s", out)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		file  string
		flags []Setting
		env   []string
		class base.Class
		want  string
	}{
		{file: "druid.plaintextPort=abc\n", class: base.ClassInvalidInput, want: `config: druid.plaintextPort: "abc" is not an integer (from file `},
		{flags: []Setting{{"druid.plaintextPort", "70000", "flag --port"}}, class: base.ClassInvalidInput, want: "config: druid.plaintextPort: 70000 is outside [0, 65535] (from flag --port)"},
		{env: []string{"DRYAD_DRYAD_LOG_LEVEL=loud"}, class: base.ClassInvalidInput, want: `config: dryad.log.level: "loud" is not one of debug, info, warn, error (from env DRYAD_DRYAD_LOG_LEVEL)`},
		{file: "druid.metadata.storage.type=mysql\n", class: base.ClassUnsupported, want: "druid.metadata.storage.type"},
		{file: "druid.metadata.storage.tables.base=1x\n", class: base.ClassInvalidInput, want: "not starting with a digit"},
		{file: "druid.storage.type=s3\n", class: base.ClassUnsupported, want: "not supported by dryad yet"},
		{file: "druid.metadata.storage.type=postgresql\n", class: base.ClassInvalidInput, want: "connectURI: is required"},
		{file: "druid.coordinator.period=P1M\n", class: base.ClassInvalidInput, want: "druid.coordinator.period"},
		{file: "druid.coordinator.period=soon\n", class: base.ClassInvalidInput, want: "ISO-8601"},
		{file: "druid.segmentCache.locations=[{\"maxSize\":1}]\n", class: base.ClassInvalidInput, want: "location 0 has no path"},
		{file: "druid.segmentCache.locations=[{\"path\":\"/c\",\"maxSize\":\"1zb\"}]\n", class: base.ClassInvalidInput, want: "unknown unit"},
		{file: "druid.server.maxSize=lots\n", class: base.ClassInvalidInput, want: "druid.server.maxSize"},
		{file: "dryad.coordinator.plaintextPort=8888\n", class: base.ClassInvalidInput, want: "port 8888 is already used by druid.plaintextPort"},
		{file: "druid.metadata.storage.tables.base=drop table\n", class: base.ClassInvalidInput, want: "SQL identifier"},
		{file: "druid.sql.enable=yes\n", class: base.ClassInvalidInput, want: "not true or false"},
		{file: "k=\\uqqqq\n", class: base.ClassInvalidInput, want: "malformed"},
	}
	for _, tc := range tests {
		src := Source{Mode: ModeQuickstart, Flags: tc.flags, Environ: tc.env}
		if tc.file != "" {
			src.File = writeFile(t, tc.file)
		}
		_, err := Load(src, quiet())
		if err == nil || base.ClassOf(err) != tc.class || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q %v %v: error %v (class %v), want %v containing %q", tc.file, tc.flags, tc.env, err, base.ClassOf(err), tc.class, tc.want)
		}
	}
	if _, err := Load(Source{File: "/no/such/file.properties"}, quiet()); err == nil || !strings.Contains(err.Error(), "/no/such/file.properties") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDruidPorts(t *testing.T) {
	c, err := Load(Source{Mode: ModeServer, Roles: []string{RoleCoordinator, RoleBroker}, Flags: []Setting{
		{Key: "dryad.druidPorts", Value: "true", Origin: "flag"},
		{Key: "dryad.broker.plaintextPort", Value: "9082", Origin: "flag"},
	}}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	for role, want := range map[string]int{RoleCoordinator: 8081, RoleBroker: 9082, RoleHistorical: 8083, RoleOverlord: 8090, RoleMiddleManager: 8091, RoleRouter: 0} {
		if got := c.RolePort(role); got != want {
			t.Errorf("%s port %d, want %d", role, got, want)
		}
	}
}

func TestCacheLocations(t *testing.T) {
	c, err := Load(Source{Mode: ModeQuickstart, Flags: []Setting{{Key: "druid.segmentCache.locations",
		Value: `[{"path":"/a","maxSize":"1GiB"},{"path":"/b","maxSize":1000}]`, Origin: "flag"}}}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	want := []CacheLocation{{"/a", 1 << 30}, {"/b", 1000}}
	if d := cmp.Diff(want, c.Historical.CacheLocations); d != "" || c.Historical.MaxSize != 1<<30+1000 {
		t.Errorf("locations %s maxSize %d", d, c.Historical.MaxSize)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "123": 123, "1k": 1000, "1K": 1000, "1KB": 1000, "1KiB": 1024, "2mib": 2 << 20, "3g": 3e9, "1GiB": 1 << 30, "1t": 1e12, "1PiB": 1 << 50, " 7 ": 7} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "g", "1x", "1ib", "99999999999999999999", "9000000P"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded", in)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"PT0S": 0, "PT30S": 30 * time.Second, "PT1.5S": 1500 * time.Millisecond, "P1D": 24 * time.Hour, "P1W": 7 * 24 * time.Hour, "PT5M": 5 * time.Minute} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "30s", "P1M", "P1Y", "PT-5S"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", in)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{"druid.metadata.storage.connector.password", "hunter2", Masked},
		{"druid.metadata.storage.connector.password", "", ""},
		{"druid.s3.secretKey", "x", Masked},
		{"druid.s3.accessKey", "x", Masked},
		{"druid.auth.token", "x", Masked},
		{"druid.host", "h", "h"},
		{"druid.metadata.storage.connector.connectURI", "postgres://u:pw@db:5432/druid?sslmode=disable", "postgres://u:" + Masked + "@db:5432/druid?sslmode=disable"},
		{"druid.metadata.storage.connector.connectURI", "jdbc:postgresql://db/druid?user=u&password=pw", "jdbc:postgresql://db/druid?user=u&password=" + Masked},
		{"druid.metadata.storage.connector.connectURI", "host=db password=pw dbname=x", "host=db password=" + Masked + " dbname=x"},
		{"druid.metadata.storage.connector.connectURI", "postgres://u@db/druid", "postgres://u@db/druid"},
	}
	for _, tc := range tests {
		if got := Mask(tc.key, tc.value); got != tc.want {
			t.Errorf("Mask(%s, %q) = %q, want %q", tc.key, tc.value, got, tc.want)
		}
	}
	c, err := Load(Source{Mode: ModeQuickstart, Flags: []Setting{{Key: "druid.metadata.storage.connector.password", Value: "hunter2", Origin: "flag"}}}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if c.Properties()["druid.metadata.storage.connector.password"] != Masked || c.Metadata.Password != "hunter2" {
		t.Error("password not masked in Properties or lost in Metadata")
	}
}

func TestEnvName(t *testing.T) {
	for key, want := range map[string]string{
		"druid.metadata.storage.type": "DRYAD_DRUID_METADATA_STORAGE_TYPE",
		"druid.plaintextPort":         "DRYAD_DRUID_PLAINTEXTPORT",
		"dryad.dataDir":               "DRYAD_DRYAD_DATADIR",
	} {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%s) = %s, want %s", key, got, want)
		}
	}
	seen := map[string]string{}
	for _, k := range Keys() {
		if other, dup := seen[EnvName(k.Name)]; dup {
			t.Errorf("%s and %s share environment variable %s", k.Name, other, EnvName(k.Name))
		}
		seen[EnvName(k.Name)] = k.Name
	}
}

var update = flag.Bool("update", false, "rewrite the key table in docs/configuration.md")

const (
	tableBegin = "<!-- keys:begin (generated by go test ./internal/config -update) -->\n"
	tableEnd   = "<!-- keys:end -->\n"
)

// keyTable renders Keys as the Markdown table of docs/configuration.md.
func keyTable() string {
	var b strings.Builder
	b.WriteString("| key | default | roles | meaning |\n|---|---|---|---|\n")
	for _, k := range Keys() {
		def := k.DocDefault
		if def == "" {
			def = "`" + k.Default + "`"
			if k.Default == "" {
				def = "(empty)"
			}
			if k.HasQuickstartDefault {
				def = "server: " + def + "; quickstart: `" + k.QuickstartDefault + "`"
			}
		}
		def = strings.ReplaceAll(def, "|", "\\|")
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Name, def, k.Roles, strings.ReplaceAll(k.Doc, "|", "\\|"))
	}
	return b.String()
}

// TestDocumented checks that docs/configuration.md carries exactly the key
// table Keys produces, so the documentation cannot drift. With -update it
// rewrites the table.
func TestDocumented(t *testing.T) {
	const path = "../../docs/configuration.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("docs/configuration.md not readable: %v", err)
	}
	s := string(doc)
	i, j := strings.Index(s, tableBegin), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("docs/configuration.md lacks the %q ... %q markers", tableBegin, tableEnd)
	}
	want := keyTable()
	got := s[i+len(tableBegin) : j]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(s[:i+len(tableBegin)]+want+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/configuration.md key table is stale; run go test ./internal/config -run TestDocumented -update\n got:\n%s\nwant:\n%s", got, want)
}

func TestMetadataTypeAliases(t *testing.T) {
	for in, want := range map[string]string{"derby": "sqlite", "SQLite": "sqlite", "postgres": "postgresql", "postgresql": "postgresql"} {
		flags := []Setting{{Key: "druid.metadata.storage.type", Value: in, Origin: "flag"}, {Key: "druid.metadata.storage.connector.connectURI", Value: "postgres://db/druid", Origin: "flag"}}
		c, err := Load(Source{Mode: ModeQuickstart, Flags: flags}, quiet())
		if err != nil || c.Metadata.Type != want {
			t.Errorf("type %q: %v %v, want %q", in, c, err, want)
		}
	}
}
