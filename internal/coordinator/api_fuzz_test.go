package coordinator

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/httpapi"
)

// FuzzDynamicConfig posts arbitrary bodies over the current config the way
// POST /config does: it never panics, and an accepted config survives a
// JSON round trip unchanged.
func FuzzDynamicConfig(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"maxSegmentsToMove":5}`, `{"killDataSourceWhitelist":"a,b, c"}`, `{"killDataSourceWhitelist":["a"]}`,
		`{"decommissioningNodes":null,"debugDimensions":{"a":"b"},"cloneServers":{"x":"y"}}`,
		`{"decommissioningMaxPercentOfMaxSegmentsToMove":101}`, `{"balancerComputeThreads":0}`, `{"pauseCoordination":"yes"}`,
		`{"maxNonPrimaryReplicantsToLoad":-1}`, `[`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := DefaultDynamicConfig()
		if json.Unmarshal(b, &d) != nil || d.validate() != nil {
			return
		}
		enc, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("marshal %+v: %v", d, err)
		}
		again := DefaultDynamicConfig()
		if err := json.Unmarshal(enc, &again); err != nil {
			t.Fatalf("re-reading %s: %v", enc, err)
		}
		if err := again.validate(); err != nil {
			t.Fatalf("re-validating %s: %v", enc, err)
		}
		if !reflect.DeepEqual(normalized(d), normalized(again)) {
			t.Fatalf("round trip changed %s", enc)
		}
	})
}

func normalized(d DynamicConfig) string {
	b, _ := json.Marshal(d)
	return string(b)
}

// FuzzMarkPayload decodes arbitrary markUsed/markUnused bodies: never a
// panic, errors are client errors, and an accepted body names exactly one
// of interval and segmentIds.
func FuzzMarkPayload(f *testing.F) {
	for _, s := range []string{
		`{"interval":"2024-01-01/2024-01-02"}`, `{"segmentIds":["a","b"]}`, `{"interval":"2024-01-01/2024-01-02","versions":["v1"]}`,
		`{"segmentIds":[],"interval":"x"}`, `{}`, `null`, `[]`, `{"segmentIds":"a"}`, `{"interval":7}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
		p, iv, err := decodeMarkPayload(r)
		if err != nil {
			if s := httpapi.StatusOf(err); s < 400 || s >= 500 {
				t.Fatalf("status %d for %q: %v", s, body, err)
			}
			return
		}
		if (iv != nil) == (p.SegmentIDs != nil) {
			t.Fatalf("accepted %q with interval %v and ids %v", body, iv, p.SegmentIDs)
		}
		if iv != nil && iv.End < iv.Start {
			t.Fatalf("accepted %q with a backwards interval", body)
		}
	})
}
