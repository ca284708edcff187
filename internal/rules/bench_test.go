package rules

import (
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

var benchRules = []byte(`[{"type":"dropBeforeByPeriod","period":"P3M"},{"type":"loadByPeriod","period":"P1M","tieredReplicants":{"hot":2}},{"type":"loadByInterval","interval":"2020-01-01/2021-01-01","tieredReplicants":{"cold":1}},{"type":"loadForever","tieredReplicants":{"_default_tier":1}}]`)

// BenchmarkMatch is the duty's per-segment rule evaluation (a Matcher): four rules,
// two with periods, over hourly segments spanning a year.
func BenchmarkMatch(b *testing.B) {
	rs, err := Decode(benchRules)
	if err != nil {
		b.Fatal(err)
	}
	const hour = int64(3600000)
	now := int64(1711886400000) // 2024-03-31T12:00Z
	m := At(now, rs, Default())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := now - int64(i%8760)*hour
		if _, ok := m.Match(base.Interval{Start: start, End: start + hour}); !ok {
			b.Fatal("no rule matched")
		}
	}
}

// BenchmarkDecode decodes and validates a four-rule list (POST /rules).
func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRules)))
	for i := 0; i < b.N; i++ {
		if _, err := Decode(benchRules); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchUnbound is Match without a Matcher: the period windows are
// computed for every segment.
func BenchmarkMatchUnbound(b *testing.B) {
	rs, err := Decode(benchRules)
	if err != nil {
		b.Fatal(err)
	}
	const hour = int64(3600000)
	now := int64(1711886400000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		start := now - int64(i%8760)*hour
		if _, ok := Match(base.Interval{Start: start, End: start + hour}, now, rs, Default()); !ok {
			b.Fatal("no rule matched")
		}
	}
}
