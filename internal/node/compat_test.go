package node

import (
	"bufio"
	"encoding/json"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/httpapi"
)

// TestCompatibilityDocIsTrue keeps docs/compatibility.md honest: every
// endpoint it lists as "not yet" must answer 501 UNSUPPORTED through the
// quickstart front door, and every endpoint it lists as "works" or "partial"
// must not. When you implement an endpoint, update its row.
func TestCompatibilityDocIsTrue(t *testing.T) {
	f, err := os.Open("../../docs/compatibility.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| ([^|]+) \\| `(GET|POST|DELETE|PUT) ([^`]+)` \\| (works|partial|not yet) \\|")
	placeholder := regexp.MustCompile(`\{[^}]*\}|<[^>]*>`)

	cfg := loadConfig(t, config.ModeQuickstart, nil)
	n := startNode(t, cfg, config.AllRoles())
	h := n.Handler()

	rows := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		rows++
		method, path, status := m[2], placeholder.ReplaceAllString(m[3], "x"), m[4]
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader("{}")))
		var body httpapi.ErrorBody
		unsupported := rec.Code == 501 && json.Unmarshal(rec.Body.Bytes(), &body) == nil && body.Category == "UNSUPPORTED"
		switch {
		case status == "not yet" && !unsupported:
			t.Errorf("docs/compatibility.md says %s %s is not yet supported, but it answers %d: update the row", method, m[3], rec.Code)
		case status != "not yet" && unsupported:
			t.Errorf("docs/compatibility.md says %s %s %s, but it answers 501 UNSUPPORTED", method, m[3], status)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rows < 100 {
		t.Fatalf("found only %d endpoint rows in docs/compatibility.md", rows)
	}
}
