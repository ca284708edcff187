package query

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

// conformanceDir is Druid's integration-test corpus beside the checkout.
const conformanceDir = "../../../shared/conformance/druid-it/queries"

// TestConformanceDecode decodes every native query of the Druid IT corpus
// and golden-files the list of rejected ones with the reason. Every
// rejection must be ClassUnsupported (a feature not built yet), never
// ClassInvalidInput: Druid accepts all of these queries.
func TestConformanceDecode(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(conformanceDir, "*.json"))
	more, _ := filepath.Glob(filepath.Join(conformanceDir, "*", "*.json"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("conformance corpus not found at " + conformanceDir)
	}
	sort.Strings(files)
	var report strings.Builder
	accepted, rejected := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cases []struct {
			Query json.RawMessage `json:"query"`
		}
		if err := json.Unmarshal(data, &cases); err != nil {
			continue // not a query-case file
		}
		rel, _ := filepath.Rel(conformanceDir, f)
		for i, c := range cases {
			var probe struct {
				QueryType *string `json:"queryType"`
			}
			if json.Unmarshal(c.Query, &probe) != nil || probe.QueryType == nil {
				continue // SQL case
			}
			// Placeholders such as %%DATASOURCE%% are left as they are:
			// they are valid strings to the decoder.
			// The IT configures the lookup "wiki-simple"
			// (wiki-lookup-config.json).
			q, err := DecodeWith(c.Query, DecodeOptions{Lookups: func(name string) (map[string]string, bool) {
				return map[string]string{}, name == "wiki-simple"
			}})
			if err == nil {
				accepted++
				checkRoundTrip(t, q)
				continue
			}
			rejected++
			if base.ClassOf(err) != base.ClassUnsupported {
				t.Errorf("%s case %d: rejected with %v: %v", rel, i, base.ClassOf(err), err)
			}
			report.WriteString(rel + " #" + strconv.Itoa(i) + ": " + err.Error() + "\n")
		}
	}
	t.Logf("accepted %d native queries, rejected %d", accepted, rejected)
	golden(t, "conformance_rejected.txt", report.String())
}

// checkRoundTrip encodes q, decodes it again and checks that the second
// encoding is identical to the first.
func checkRoundTrip(t *testing.T, q Query) {
	t.Helper()
	b, err := Encode(q)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	// Start from the re-encoded form (invalid UTF-8 becomes U+FFFD).
	opts := DecodeOptions{Lookups: q.Base().Lookups()}
	if q, err = DecodeWith(b, opts); err != nil {
		t.Fatalf("re-decode %s: %v", b, err)
	}
	if b, err = Encode(q); err != nil {
		t.Fatalf("encode: %v", err)
	}
	q2, err := DecodeWith(b, opts)
	if err != nil {
		t.Fatalf("re-decode %s: %v", b, err)
	}
	b2, err := Encode(q2)
	if err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	if string(b) != string(b2) {
		t.Fatalf("round trip changed the query:\n%s\n%s", b, b2)
	}
}
