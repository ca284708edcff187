package granularity

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

func ms(t testing.TB, s string) int64 {
	t.Helper()
	v, err := base.ParseTime(s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func decode(t testing.TB, spec string) Granularity {
	t.Helper()
	var g Granularity
	if err := json.Unmarshal([]byte(spec), &g); err != nil {
		t.Fatalf("decode %s: %v", spec, err)
	}
	return g
}

// The worked examples of Druid's docs/querying/granularities.md.
func TestDruidDocExamples(t *testing.T) {
	rows := []string{"2013-08-31T01:02:33Z", "2013-09-01T01:02:33Z", "2013-09-02T23:32:45Z", "2013-09-03T03:32:45Z"}
	cases := []struct {
		spec string
		want []string
	}{
		{`"hour"`, []string{"2013-08-31T01:00:00.000Z", "2013-09-01T01:00:00.000Z", "2013-09-02T23:00:00.000Z", "2013-09-03T03:00:00.000Z"}},
		{`"day"`, []string{"2013-08-31T00:00:00.000Z", "2013-09-01T00:00:00.000Z", "2013-09-02T00:00:00.000Z", "2013-09-03T00:00:00.000Z"}},
		{`"none"`, []string{"2013-08-31T01:02:33.000Z", "2013-09-01T01:02:33.000Z", "2013-09-02T23:32:45.000Z", "2013-09-03T03:32:45.000Z"}},
		{`{"type": "duration", "duration": "86400000"}`, []string{"2013-08-31T00:00:00.000Z", "2013-09-01T00:00:00.000Z", "2013-09-02T00:00:00.000Z", "2013-09-03T00:00:00.000Z"}},
		{`{"type": "duration", "duration": "86400000", "origin":"2012-01-01T00:30:00Z"}`, []string{"2013-08-31T00:30:00.000Z", "2013-09-01T00:30:00.000Z", "2013-09-02T00:30:00.000Z", "2013-09-03T00:30:00.000Z"}},
		{`{"type": "period", "period": "P1D", "timeZone": "America/Los_Angeles"}`, []string{"2013-08-30T00:00:00.000-07:00", "2013-08-31T00:00:00.000-07:00", "2013-09-02T00:00:00.000-07:00", "2013-09-02T00:00:00.000-07:00"}},
		{`{"type": "period", "period": "P1D", "timeZone": "America/Los_Angeles", "origin": "1970-01-01T20:30:00-08:00"}`, []string{"2013-08-29T20:30:00.000-07:00", "2013-08-30T20:30:00.000-07:00", "2013-09-01T20:30:00.000-07:00", "2013-09-02T20:30:00.000-07:00"}},
	}
	for _, c := range cases {
		g := decode(t, c.spec)
		for i, r := range rows {
			if got := base.FormatTimeIn(g.Floor(ms(t, r)), g.Zone()); got != c.want[i] {
				t.Errorf("%s: Floor(%s) = %s, want %s", c.spec, r, got, c.want[i])
			}
		}
	}
}
