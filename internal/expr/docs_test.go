package expr

import (
	"os"
	"path/filepath"
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

// TestEveryFunctionTested makes sure every built-in function is called by
// at least one test expression.
func TestEveryFunctionTested(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	text := strings.ToLower(all.String())
	for _, name := range Functions() {
		if !strings.Contains(text, strings.ToLower(name)+"(") {
			t.Errorf("function %s has no test", name)
		}
	}
}
