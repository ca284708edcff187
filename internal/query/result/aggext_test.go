package result

import (
	"testing"

	"github.com/dryaddb/dryad/internal/query/aggregation"
)

func TestFromFactoryQueryTime(t *testing.T) {
	tests := []struct {
		spec     string
		name     string
		empty    any
		a, b     any
		combined any
		final    any // Finalize(combined)
	}{
		{`{"type":"filtered","name":"f","filter":{"type":"true"},"aggregator":{"type":"count","name":"c"}}`, "f", int64(0), int64(2), int64(3), int64(5), int64(5)},
		{`{"type":"filtered","filter":{"type":"true"},"aggregator":{"type":"doubleSum","name":"c","fieldName":"x"}}`, "c", nil, nil, 1.5, 1.5, 1.5},
		{`{"type":"filtered","name":"f","filter":{"type":"true"},"aggregator":{"type":"longLast","name":"c","fieldName":"x"}}`, "f", nil,
			Pair{Time: 5, Value: int64(1)}, Pair{Time: 9, Value: int64(2)}, Pair{Time: 9, Value: int64(2)}, int64(2)},
		{`{"type":"longAny","name":"a","fieldName":"x"}`, "a", nil, nil, int64(4), int64(4), int64(4)},
		{`{"type":"stringAny","name":"a","fieldName":"x"}`, "a", nil, "p", "q", "p", "p"},
		{`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc + x","finalize":"o + 1"}`, "e", nil, int64(2), int64(3), int64(5), int64(6)},
		{`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc + x"}`, "e", nil, nil, int64(3), int64(3), int64(3)},
	}
	for _, tc := range tests {
		f, err := aggregation.Decode([]byte(tc.spec))
		if err != nil {
			t.Fatal(err)
		}
		a, err := FromFactory(f)
		if err != nil {
			t.Fatalf("%s: %v", tc.spec, err)
		}
		if a.Name() != tc.name || a.Empty() != tc.empty {
			t.Errorf("%s: name %q empty %v", tc.spec, a.Name(), a.Empty())
		}
		c := a.Combine(tc.a, tc.b)
		if c != tc.combined {
			t.Errorf("%s: Combine(%v, %v) = %v, want %v", tc.spec, tc.a, tc.b, c, tc.combined)
		}
		if got := a.Finalize(c); got != tc.final {
			t.Errorf("%s: Finalize(%v) = %v, want %v", tc.spec, c, got, tc.final)
		}
	}
}
