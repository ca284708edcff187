package expr

import "testing"

func TestSmoke(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"x * 2 + y", "10", "LONG"},
		{"1 + 2.5", "3.5", "DOUBLE"},
		{"concat(s, 'x')", "'foox'", "STRING"},
		{"map((a) -> a + 1, la)", "[2, 3, 4]", "ARRAY<LONG>"},
	})
}
