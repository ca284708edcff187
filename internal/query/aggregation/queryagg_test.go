package aggregation

import (
	"encoding/json"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

func TestDecodeQueryTime(t *testing.T) {
	sel := `{"type":"selector","dimension":"page","value":"a"}`
	tests := []struct {
		in    string
		class base.Class // zero: success
		want  string     // canonical JSON on success
	}{
		{`{"type":"filtered","name":"f","filter":` + sel + `,"aggregator":{"type":"count","name":"c"}}`, 0,
			`{"aggregator":{"type":"count","name":"c"},"filter":{"type":"selector","dimension":"page","value":"a"},"name":"f","type":"filtered"}`},
		{`{"type":"filtered","filter":` + sel + `,"aggregator":{"type":"longSum","name":"s","fieldName":"n"}}`, 0,
			`{"aggregator":{"type":"longSum","name":"s","fieldName":"n"},"filter":{"type":"selector","dimension":"page","value":"a"},"type":"filtered"}`},
		{`{"type":"filtered","name":"f","aggregator":{"type":"count","name":"c"}}`, base.ClassInvalidInput, ""},
		{`{"type":"filtered","name":"f","filter":` + sel + `}`, base.ClassInvalidInput, ""},
		{`{"type":"filtered","name":"f","filter":{"type":"bogus"},"aggregator":{"type":"count","name":"c"}}`, base.ClassInvalidInput, ""},
		{`{"type":"filtered","name":"f","filter":` + sel + `,"aggregator":{"type":"longSum","name":"c"}}`, base.ClassInvalidInput, ""},
		{`{"type":"filtered","filter":` + sel + `,"aggregator":{"type":"count"}}`, base.ClassInvalidInput, ""},
		{`{"type":"filtered","name":"f","filter":` + sel + `,"aggregator":[]}`, base.ClassInvalidInput, ""},
		{`{"type":"filtered","name":"f","filter":` + sel + `,"aggregator":{"type":"count","name":"c"},"extra":1}`, base.ClassInvalidInput, ""},
		{`{"type":"filtered","name":"f","filter":` + sel + `,"aggregator":{"type":"javascript","name":"c"}}`, base.ClassUnsupported, ""},
		{`{"type":"longAny","name":"a","fieldName":"n"}`, 0, `{"fieldName":"n","name":"a","type":"longAny"}`},
		{`{"type":"doubleAny","name":"a","fieldName":"n"}`, 0, `{"fieldName":"n","name":"a","type":"doubleAny"}`},
		{`{"type":"floatAny","name":"a","fieldName":"n"}`, 0, `{"fieldName":"n","name":"a","type":"floatAny"}`},
		{`{"type":"stringAny","name":"a","fieldName":"n"}`, 0, `{"fieldName":"n","maxStringBytes":1024,"name":"a","type":"stringAny"}`},
		{`{"type":"stringAny","name":"a","fieldName":"n","maxStringBytes":8,"aggregateMultipleValues":false}`, 0,
			`{"aggregateMultipleValues":false,"fieldName":"n","maxStringBytes":8,"name":"a","type":"stringAny"}`},
		{`{"type":"longAny","name":"a","fieldName":"n","maxStringBytes":8}`, base.ClassInvalidInput, ""},
		{`{"type":"stringAny","name":"a","fieldName":"n","maxStringBytes":0}`, base.ClassInvalidInput, ""},
		{`{"type":"stringAny","name":"a","fieldName":"n","aggregateMultipleValues":"yes"}`, base.ClassInvalidInput, ""},
		{`{"type":"longAny","name":"a"}`, base.ClassInvalidInput, ""},
		{`{"type":"longAny","fieldName":"a"}`, base.ClassInvalidInput, ""},
		{`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc + x"}`, 0,
			`{"accumulatorIdentifier":"__acc","fields":["x"],"fold":"__acc + x","initialValue":"0","maxSizeBytes":8192,"name":"e","type":"expression"}`},
		{`{"type":"expression","name":"e","fields":[],"initialValue":"0","fold":"__acc + 1","combine":"__acc + e","finalize":"o * 2","isNullUnlessAggregated":false,"maxSizeBytes":10}`, 0,
			`{"accumulatorIdentifier":"__acc","combine":"__acc + e","fields":[],"finalize":"o * 2","fold":"__acc + 1","initialValue":"0","isNullUnlessAggregated":false,"maxSizeBytes":10,"name":"e","type":"expression"}`},
		{`{"type":"expression","name":"e","fields":["x","y"],"initialValue":"0","fold":"__acc + x + y"}`, base.ClassInvalidInput, ""}, // no combine
		{`{"type":"expression","name":"e","fields":["x"],"fold":"__acc + x"}`, base.ClassInvalidInput, ""},                            // no initialValue
		{`{"type":"expression","name":"e","fields":["x"],"initialValue":"0"}`, base.ClassInvalidInput, ""},                            // no fold
		{`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc +"}`, base.ClassInvalidInput, ""},
		{`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"nosuchfn(x)"}`, base.ClassInvalidInput, ""},
		{`{"type":"expression","name":"e","fields":"x","initialValue":"0","fold":"__acc + x"}`, base.ClassInvalidInput, ""},
		{`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc + x","maxSizeBytes":0}`, base.ClassInvalidInput, ""},
		{`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc + x","isNullUnlessAggregated":1}`, base.ClassInvalidInput, ""},
		{`{"type":"expression","fields":["x"],"initialValue":"0","fold":"__acc + x"}`, base.ClassInvalidInput, ""},
		{`{"type":"expression","name":"e","fieldNames":["x"],"initialValue":"0","fold":"__acc + x"}`, base.ClassInvalidInput, ""},
		{`{"type":"longSum","name":"s","expression":"x + y"}`, 0, `{"type":"longSum","name":"s","expression":"x + y"}`},
		{`{"type":"longSum","name":"s","expression":"x +"}`, base.ClassInvalidInput, ""},
		{`{"type":"longSum","name":"s","fieldName":"x","expression":"x"}`, base.ClassInvalidInput, ""},
		{`{"type":"stringLast","name":"s","expression":"x"}`, base.ClassInvalidInput, ""},
		{`{"type":"count","name":"s","expression":"x"}`, base.ClassInvalidInput, ""},
	}
	for _, tc := range tests {
		f, err := Decode([]byte(tc.in))
		if tc.class != 0 {
			if base.ClassOf(err) != tc.class {
				t.Errorf("Decode(%s) err = %v, want class %s", tc.in, err, tc.class)
			}
			continue
		}
		if err != nil {
			t.Errorf("Decode(%s): %v", tc.in, err)
			continue
		}
		got, _ := json.Marshal(f)
		if string(got) != tc.want {
			t.Errorf("Decode(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func mustDecode(t *testing.T, s string) Factory {
	t.Helper()
	f, err := Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestQueryTimeFactories(t *testing.T) {
	tests := []struct {
		spec    string
		name    string
		kind    Kind
		inputs  string
		storage string
		comb    string
	}{
		{`{"type":"filtered","filter":{"type":"selector","dimension":"page","value":"a"},"aggregator":{"type":"count","name":"c"}}`,
			"c", Filtered, `["page"]`, "LONG", `{"type":"longSum","name":"c","fieldName":"c"}`},
		{`{"type":"filtered","name":"o","filter":{"type":"bound","dimension":"n","lower":"1"},"aggregator":{"type":"longFirst","name":"c","fieldName":"n"}}`,
			"o", Filtered, `["n"]`, "COMPLEX<serializablePairLongLong>", `{"type":"longFirst","name":"o","fieldName":"o"}`},
		{`{"type":"doubleAny","name":"a","fieldName":"n"}`, "a", DoubleAny, `["n"]`, "DOUBLE", `{"fieldName":"a","name":"a","type":"doubleAny"}`},
		{`{"type":"stringAny","name":"a","fieldName":"n"}`, "a", StringAny, `["n"]`, "STRING", `{"fieldName":"a","maxStringBytes":1024,"name":"a","type":"stringAny"}`},
		{`{"type":"doubleMax","name":"m","expression":"x * y + x"}`, "m", DoubleMax, `["x","y"]`, "DOUBLE", `{"type":"doubleMax","name":"m","fieldName":"m"}`},
		{`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc + x"}`, "e", Expression, `["x"]`, "COMPLEX<expressionLambda>",
			`{"accumulatorIdentifier":"__acc","fields":["e"],"fold":"__acc + x","initialValue":"0","maxSizeBytes":8192,"name":"e","type":"expression"}`},
	}
	for _, tc := range tests {
		f := mustDecode(t, tc.spec)
		in, _ := json.Marshal(f.InputFields())
		comb, _ := json.Marshal(f.Combining())
		if f.Name() != tc.name || f.Kind() != tc.kind || string(in) != tc.inputs || f.StorageType().String() != tc.storage || string(comb) != tc.comb {
			t.Errorf("%s: name %q kind %d inputs %s storage %s combining %s", tc.spec, f.Name(), f.Kind(), in, f.StorageType(), comb)
		}
	}
}

func TestQueryTimeRollups(t *testing.T) {
	l, s, n := segment.LongValue, segment.StringValue, segment.Value{}
	type row struct {
		group int // -1: a new rolled-up row
		in    []segment.Value
	}
	tests := []struct {
		spec string
		rows []row
		want []segment.Value
	}{
		{`{"type":"filtered","name":"f","filter":{"type":"selector","dimension":"page","value":"a"},"aggregator":{"type":"count","name":"c"}}`,
			[]row{{-1, []segment.Value{s("b")}}, {0, []segment.Value{s("a")}}, {-1, []segment.Value{s("a")}}, {1, []segment.Value{s("a")}}, {-1, []segment.Value{n}}},
			[]segment.Value{l(1), l(2), l(0)}},
		{`{"type":"filtered","name":"f","filter":{"type":"selector","dimension":"page","value":"a"},"aggregator":{"type":"longSum","name":"c","fieldName":"x"}}`,
			[]row{{-1, []segment.Value{l(5), s("b")}}, {0, []segment.Value{l(7), s("a")}}, {-1, []segment.Value{l(1), s("b")}}},
			[]segment.Value{l(7), n}},
		{`{"type":"filtered","name":"f","filter":{"type":"interval","dimension":"__time","intervals":["1970-01-01T00:00:00.010Z/1970-01-01T00:00:00.020Z"]},"aggregator":{"type":"longMax","name":"c","fieldName":"x"}}`,
			[]row{{-1, []segment.Value{l(5)}}},
			[]segment.Value{l(5)}}, // row i has time 10*i+10: row 0 at 10 ms matches
		{`{"type":"longAny","name":"a","fieldName":"x"}`,
			[]row{{-1, []segment.Value{n}}, {0, []segment.Value{s("12")}}, {0, []segment.Value{l(3)}}, {-1, []segment.Value{n}}},
			[]segment.Value{l(12), n}},
		{`{"type":"floatAny","name":"a","fieldName":"x"}`,
			[]row{{-1, []segment.Value{segment.DoubleValue(1.5)}}},
			[]segment.Value{segment.FloatValue(1.5)}},
		{`{"type":"longSum","name":"a","expression":"x * 2"}`,
			[]row{{-1, []segment.Value{l(3)}}, {0, []segment.Value{n}}, {0, []segment.Value{s("4")}}, {-1, []segment.Value{n}}},
			[]segment.Value{l(14), n}},
		{`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc + x","shouldAggregateNullInputs":false}`,
			[]row{{-1, []segment.Value{l(3)}}, {0, []segment.Value{n}}, {0, []segment.Value{l(4)}}, {-1, []segment.Value{n}}},
			[]segment.Value{segment.ComplexValue([]byte("7")), n}},
	}
	for _, tc := range tests {
		f := mustDecode(t, tc.spec)
		r := f.NewRollup()
		for i, rw := range tc.rows {
			tm := int64(10*i + 10)
			if rw.group < 0 {
				r.Add(tm, rw.in)
			} else {
				r.Aggregate(rw.group, tm, rw.in)
			}
		}
		if r.Len() != len(tc.want) {
			t.Fatalf("%s: %d states, want %d", tc.spec, r.Len(), len(tc.want))
		}
		for i, w := range tc.want {
			if got := r.Stored(i); !got.Equal(w) {
				t.Errorf("%s: state %d = %s, want %s", tc.spec, i, got, w)
			}
		}
		if r.EstimatedBytes() <= 0 {
			t.Errorf("%s: EstimatedBytes %d", tc.spec, r.EstimatedBytes())
		}
		// Merging stored states with the combining factory keeps them.
		c := f.Combining().NewRollup()
		for i := range tc.want {
			if err := c.AddStored(r.Stored(i)); err != nil {
				t.Fatalf("%s: AddStored: %v", tc.spec, err)
			}
			if err := c.CombineStored(i, segment.Value{}); err != nil {
				t.Fatalf("%s: CombineStored(null): %v", tc.spec, err)
			}
			if got := c.Stored(i); !got.Equal(tc.want[i]) {
				t.Errorf("%s: combined state %d = %s, want %s", tc.spec, i, got, tc.want[i])
			}
		}
	}
}

func TestExpressionCombiningStored(t *testing.T) {
	for _, spec := range []string{
		`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc + x"}`,
		`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc + x","combine":"__acc + e"}`,
	} {
		c := mustDecode(t, spec).Combining()
		r := c.NewRollup()
		for _, v := range []segment.Value{segment.ComplexValue([]byte("3")), segment.ComplexValue([]byte("4.5")), {}} {
			if r.Len() == 0 {
				if err := r.AddStored(v); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := r.CombineStored(0, v); err != nil {
				t.Fatal(err)
			}
		}
		if got := r.Stored(0); string(got.Bytes) != "7.5" {
			t.Errorf("%s: combined %s, want 7.5", spec, got)
		}
		// The query-time combining fold reads the stored JSON text.
		v, ok, err := c.(ExpressionFactory).Fold(int64(1), []any{[]byte("2")})
		if err != nil || !ok || v != int64(3) {
			t.Errorf("%s: combining Fold = %v, %v, %v", spec, v, ok, err)
		}
	}
}

func TestExpressionProtocol(t *testing.T) {
	f := mustDecode(t, `{"type":"expression","name":"e","fields":["x"],"accumulatorIdentifier":"a","initialValue":"10","fold":"a + x","combine":"a + e","finalize":"o * 2"}`).(ExpressionFactory)
	v, ok, err := f.Fold(f.Initial(), []any{int64(5)})
	if err != nil || !ok || v != int64(15) {
		t.Fatalf("Fold = %v, %v, %v", v, ok, err)
	}
	if got := f.Combine(int64(15), int64(7)); got != int64(22) {
		t.Errorf("Combine = %v", got)
	}
	if got := f.Combine(nil, int64(7)); got != int64(7) {
		t.Errorf("Combine(nil, 7) = %v", got)
	}
	if got := f.Finalize(int64(22)); got != int64(44) {
		t.Errorf("Finalize = %v", got)
	}
	if f.Empty() != nil {
		t.Errorf("Empty = %v", f.Empty())
	}
	g := mustDecode(t, `{"type":"expression","name":"e","fields":["x"],"initialValue":"[]","fold":"array_append(__acc, x)","combine":"array_concat(__acc, e)","maxSizeBytes":3,"isNullUnlessAggregated":false}`).(ExpressionFactory)
	acc := g.Initial()
	for i, x := range []string{"a", "b", "c"} {
		acc, _, err = g.Fold(acc, []any{x})
		if err != nil {
			t.Fatalf("fold %d: %v", i, err)
		}
	}
	if _, _, err := g.Fold(acc, []any{"d"}); base.ClassOf(err) != base.ClassInvalidInput {
		t.Errorf("fold past maxSizeBytes: %v", err)
	}
	if b, _ := json.Marshal(g.Combine(acc, []any{"z"})); string(b) != `["a","b","c","z"]` {
		t.Errorf("array combine = %s", b)
	}
	if b, _ := json.Marshal(g.Empty()); string(b) != `[]` {
		t.Errorf("Empty = %s", b)
	}
}

func FuzzDecodeQueryTime(f *testing.F) {
	f.Add([]byte(`{"type":"filtered","name":"f","filter":{"type":"selector","dimension":"page","value":"a"},"aggregator":{"type":"count","name":"c"}}`))
	f.Add([]byte(`{"type":"filtered","filter":{"type":"not","field":{"type":"in","dimension":"x","values":["1"]}},"aggregator":{"type":"stringFirst","name":"c","fieldName":"x"}}`))
	f.Add([]byte(`{"type":"stringAny","name":"a","fieldName":"n","maxStringBytes":3}`))
	f.Add([]byte(`{"type":"longAny","name":"a","fieldName":"n"}`))
	f.Add([]byte(`{"type":"expression","name":"e","fields":["x"],"initialValue":"0","fold":"__acc + x"}`))
	f.Add([]byte(`{"type":"expression","name":"e","fields":[],"initialValue":"''","fold":"concat(__acc, 'x')","combine":"concat(__acc, e)","maxSizeBytes":4}`))
	f.Add([]byte(`{"type":"doubleSum","name":"s","expression":"x / y"}`))
	inputs := [][]segment.Value{
		{segment.StringValue("a"), segment.LongValue(3)},
		{{}, {}},
		{segment.DoubleValue(2.5), segment.StringsValue([]string{"a", "b"})},
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := Decode(out)
		if err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		out2, _ := json.Marshal(b2)
		if string(out) != string(out2) {
			t.Fatalf("not stable: %s vs %s", out, out2)
		}
		// Rollups take any inputs without panicking.
		r := a.NewRollup()
		n := len(a.InputFields())
		for i, in := range inputs {
			row := make([]segment.Value, n)
			copy(row, in)
			if i == 0 {
				r.Add(0, row)
			} else {
				r.Aggregate(0, int64(i), row)
			}
		}
		_ = r.Stored(0)
	})
}
