package metadata

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestSchemaGolden pins the DDL of every released migration per dialect:
// a released migration must never change (add a new one instead). Run
// with -update after adding a migration.
func TestSchemaGolden(t *testing.T) {
	for _, d := range []dialect{sqliteDialect, postgresDialect} {
		for _, m := range migrations {
			t.Run(fmt.Sprintf("%s/v%d", d.name, m.version), func(t *testing.T) {
				var b strings.Builder
				fmt.Fprintf(&b, "-- migration %d (%s), %s, table prefix druid\n", m.version, m.name, d.name)
				for _, stmt := range m.stmts(d) {
					b.WriteString(newTables("druid").expand(stmt))
					b.WriteString(";\n")
				}
				path := filepath.Join("testdata", fmt.Sprintf("schema_v%d.%s.sql", m.version, d.name))
				if *update {
					must(t, os.MkdirAll("testdata", 0o755))
					must(t, os.WriteFile(path, []byte(b.String()), 0o644))
				}
				want, err := os.ReadFile(path)
				must(t, err)
				if b.String() != string(want) {
					t.Fatalf("migration %d for %s differs from %s; released migrations must not change:\n%s", m.version, d.name, path, b.String())
				}
			})
		}
	}
}
