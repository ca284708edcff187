package conformance

import "testing"

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`9050`, `9050`, true},
		{`9050.0`, `9050`, false},
		{`9050.0`, `9050.00`, true},
		{`1e3`, `1000.0`, true},
		{`1e3`, `1000`, false},
		{`12345678901234567890`, `12345678901234567890`, true},
		{`{"a":1,"b":[1,"x",null]}`, `{"b":[1,"x",null],"a":1}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`"1"`, `1`, false},
		{`null`, `null`, true},
		{`true`, `true`, true},
	}
	for _, tc := range tests {
		a, err := decode(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := decode(tc.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := equal(a, b); got != tc.want {
			t.Errorf("equal(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCompareResultsFields(t *testing.T) {
	exp, _ := decode(`[{"timestamp":"a","result":{"x":1}}]`)
	act, _ := decode(`[{"timestamp":"b","result":{"x":1}}]`)
	if d := compareResults(exp, act, []string{"result"}); d != "" {
		t.Errorf("fieldsToTest result: %s", d)
	}
	if d := compareResults(exp, act, nil); d == "" {
		t.Error("whole rows compared equal despite different timestamps")
	}
	act2, _ := decode(`[]`)
	if d := compareResults(exp, act2, nil); d == "" {
		t.Error("row counts not compared")
	}
}
