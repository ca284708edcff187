package task

import (
	"context"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

// TestSubmitTaskTypes checks how Submit answers task types it does not run:
// Druid's other types are a 501 naming the type, anything else a 400 that
// lists the supported ones.
func TestSubmitTaskTypes(t *testing.T) {
	f := newFixture(t, 1)
	tests := []struct {
		body  string
		class base.Class
		want  string
	}{
		{`{"type":"index_hadoop","spec":{}}`, base.ClassUnsupported, `"index_hadoop" tasks are not supported by dryad yet`},
		{`{"type":"index_kafka","spec":{}}`, base.ClassUnsupported, `"index_kafka" tasks are not supported`},
		{`{"type":"indexx","spec":{}}`, base.ClassInvalidInput, `unknown task type "indexx"; supported task types: index, index_parallel, compact, kill`},
	}
	for _, tc := range tests {
		_, err := f.svc.Submit(context.Background(), []byte(tc.body))
		if err == nil || base.ClassOf(err) != tc.class || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Submit(%s) = %v (%v), want %v containing %q", tc.body, err, base.ClassOf(err), tc.class, tc.want)
		}
	}
}
