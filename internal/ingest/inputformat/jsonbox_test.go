package inputformat

import (
	"reflect"
	"runtime"
	"strconv"
	"testing"
)

// Values boxed from the slabs stay intact across many records and garbage
// collections, and compare equal to ordinarily boxed values.
func TestBoxedValuesSurviveSlabTurnover(t *testing.T) {
	tests := []struct {
		name string
		val  func(i int) any
	}{
		{"string", func(i int) any { return "s" + strconv.Itoa(i) }},
		{"int", func(i int) any { return int64(i*1000 - 7) }},
		{"float", func(i int) any { return float64(i) + 0.5 }},
		{"array", func(i int) any { return []any{"a" + strconv.Itoa(i), int64(i), nil} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b stringBoxes
			var got []any
			var want []any
			for i := range 3 * stringBoxSlab {
				w := tc.val(i)
				want = append(want, w)
				switch v := w.(type) {
				case string:
					got = append(got, b.box(b.copyString([]byte(v))))
				case int64:
					got = append(got, b.boxInt(v))
				case float64:
					got = append(got, b.boxFloat(v))
				case []any:
					got = append(got, b.boxAnys(v))
				}
				if i%100 == 0 {
					runtime.GC()
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("boxed values differ")
			}
			if arr, ok := got[0].([]any); ok && cap(arr) != len(arr) {
				t.Errorf("boxed array has spare capacity %d > %d", cap(arr), len(arr))
			}
		})
	}
}
