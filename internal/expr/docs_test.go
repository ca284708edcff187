package expr

import (
	"os"
	"strings"
	"testing"
)

// TestDocsListEveryFunction keeps docs/expressions.md in step with the
// function table.
func TestDocsListEveryFunction(t *testing.T) {
	b, err := os.ReadFile("../../docs/expressions.md")
	if err != nil {
		t.Skipf("docs not found: %v", err)
	}
	doc := strings.ToLower(string(b))
	for _, name := range Functions() {
		if !strings.Contains(doc, "`"+strings.ToLower(name)) && !strings.Contains(doc, " "+strings.ToLower(name)+"`") && !strings.Contains(doc, "`"+strings.ToLower(name)+"`") {
			t.Errorf("function %s is not documented in docs/expressions.md", name)
		}
	}
}
