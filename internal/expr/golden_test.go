package expr

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestCanonicalGolden checks Parse + String and Bind's inferred type for the
// expressions in testdata/canonical.txt. Each case is three lines: the
// input, "=> " and the canonical form, "type: " and the output type (or
// "error: " and the message), then a blank line. Run with -update to
// rewrite the expectations.
func TestCanonicalGolden(t *testing.T) {
	const path = "testdata/canonical.txt"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, block := range strings.Split(strings.TrimSpace(string(b)), "\n\n") {
		lines := strings.Split(block, "\n")
		input := lines[0]
		var got strings.Builder
		got.WriteString(input + "\n")
		e, err := Parse(input)
		if err != nil {
			got.WriteString("error: " + err.Error())
		} else {
			got.WriteString("=> " + e.String() + "\n")
			c, err := Bind(e, testTypes)
			if err != nil {
				got.WriteString("error: " + err.Error())
			} else {
				got.WriteString("type: " + c.OutputType().String())
			}
		}
		if !*update && got.String() != block {
			t.Errorf("golden mismatch:\n got: %s\nwant: %s", got.String(), block)
		}
		out.WriteString(got.String() + "\n\n")
	}
	if *update {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
