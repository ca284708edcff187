package expr

import (
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

type mapLookup map[string]string

func (m mapLookup) Get(k string) (string, bool) {
	v, ok := m[k]
	return v, ok
}

func TestLookup(t *testing.T) {
	opts := Options{
		Types: testTypes,
		Lookups: func(name string) (Lookup, bool) {
			if name == "lk" {
				return mapLookup{"foo": "FOO", "3": "three"}, true
			}
			return nil, false
		},
	}
	cases := []struct{ expr, want string }{
		{"lookup(s, 'lk')", "'FOO'"},
		{"lookup(x, 'lk')", "'three'"},
		{"lookup(s2, 'lk')", "null"},
		{"lookup(s2, 'lk', 'none')", "'none'"},
		{"lookup(ns, 'lk', 'none')", "'none'"},
		{"lookup(s2, 'nope')", "error"},
		{"lookup(s2, s)", "error"},
	}
	for _, tc := range cases {
		c, err := BindOptions(MustParse(tc.expr), opts)
		if tc.want == "error" {
			if err == nil {
				t.Errorf("%s: no error", tc.expr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		v, err := c.EvalRow(testRow())
		if err != nil || show(v) != tc.want {
			t.Errorf("%s = %s (%v), want %s", tc.expr, show(v), err, tc.want)
		}
	}
}

func TestMultiValue(t *testing.T) {
	opts := Options{
		Types:      func(string) (base.ColumnType, bool) { return TypeString, true },
		MultiValue: func(name string) bool { return name == "tags" || name == "m2" },
	}
	row := MapBindings{"tags": []string{"a", "b"}, "m2": []string{"x", "y"}, "single": "s"}
	cases := []struct{ expr, want, canon string }{
		{"concat(tags, '-1')", "['a-1', 'b-1']", "map((tags) -> concat(tags, '-1'), tags)"},
		{"upper(tags)", "['A', 'B']", ""},
		{"array_length(tags)", "2", "array_length(tags)"},
		{"array_to_string(tags, ',')", "'a,b'", ""},
		{"concat(tags, m2)", "['ax', 'ay', 'bx', 'by']", "cartesian_map((tags, m2) -> concat(tags, m2), tags, m2)"},
		{"concat(single, '!')", "'s!'", "concat(single, '!')"},
		{"map((tags) -> upper(tags), tags)", "['A', 'B']", "map((tags) -> upper(tags), tags)"},
	}
	for _, tc := range cases {
		c, err := BindOptions(MustParse(tc.expr), opts)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if tc.canon != "" && c.String() != tc.canon {
			t.Errorf("%s rewritten to %s, want %s", tc.expr, c.String(), tc.canon)
		}
		v, err := c.EvalRow(row)
		if err != nil || show(v) != tc.want {
			t.Errorf("%s = %s (%v), want %s", tc.expr, show(v), err, tc.want)
		}
	}
}

func TestEvalDictionary(t *testing.T) {
	c, err := Compile("concat(upper(s), '-', strlen(s))", testTypes)
	if err != nil {
		t.Fatal(err)
	}
	col, ok := c.DictionaryColumn()
	if !ok || col != "s" {
		t.Fatalf("DictionaryColumn = %q %v", col, ok)
	}
	out, err := c.EvalDictionary([]string{"", "ab", "xyz"}, []bool{true, false, false})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"null", "'AB-2'", "'XYZ-3'"}
	for i, w := range want {
		if show(out[i]) != w {
			t.Errorf("dict[%d] = %s, want %s", i, show(out[i]), w)
		}
	}
	for _, expr := range []string{"concat(s, s2)", "x + 1", "1"} {
		c, err := Compile(expr, testTypes)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.DictionaryColumn(); ok {
			t.Errorf("%s: DictionaryColumn reported", expr)
		}
		if _, err := c.EvalDictionary([]string{"a"}, nil); err == nil {
			t.Errorf("%s: EvalDictionary without a dictionary column succeeded", expr)
		}
	}
}

// TestConcurrentUse shares one Compiled between goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	c, err := Compile("fold((v, acc) -> v + acc, la, x) + strlen(concat(s, regexp_extract(s, 'o+')))", testTypes)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	for g := 0; g < 4; g++ {
		go func() {
			var last string
			for i := 0; i < 200; i++ {
				v, err := c.EvalRow(testRow())
				if err != nil {
					last = err.Error()
					break
				}
				last = show(v)
			}
			done <- last
		}()
	}
	for g := 0; g < 4; g++ {
		if got := <-done; got != "14" {
			t.Errorf("goroutine result %s, want 14", got)
		}
	}
}

func TestVectorDictionary(t *testing.T) {
	c, err := Compile("concat(upper(s), '-', strlen(s))", testTypes)
	if err != nil {
		t.Fatal(err)
	}
	dict := []string{"ab", "xyz", ""}
	ev := c.NewVectorEvaluator()
	for round := 0; round < 2; round++ {
		out, err := ev.Eval(MapVectorBindings{"s": {Type: TypeString, Dict: dict, IDs: []int32{1, 0, -1, 2, 1}}}, 5)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"'XYZ-3'", "'AB-2'", "null", "'-0'", "'XYZ-3'"}
		for i, w := range want {
			if got := show(out.At(i)); got != w {
				t.Errorf("round %d row %d = %s, want %s", round, i, got, w)
			}
		}
	}
	// A dictionary-encoded column in an expression with other inputs is
	// read through its ids.
	c, err = Compile("concat(s, x)", testTypes)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.NewVectorEvaluator().Eval(MapVectorBindings{
		"s": {Type: TypeString, Dict: dict, IDs: []int32{0, -1}},
		"x": {Type: TypeLong, Longs: []int64{7, 8}},
	}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := show(out.At(0)), show(out.At(1)); a != "'ab7'" || b != "null" {
		t.Errorf("got %s %s", a, b)
	}
}
