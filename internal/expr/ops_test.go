package expr

import (
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func TestOperators(t *testing.T) {
	runEvalCases(t, []evalCase{
		// Arithmetic: long op long is long, anything with a double is double.
		{"x * 2 + y", "10", "LONG"},
		{"7 / 2", "3", "LONG"},
		{"-7 / 2", "-3", "LONG"},
		{"7 % 3", "1", "LONG"},
		{"-7 % 3", "-1", "LONG"},
		{"7.0 / 2", "3.5", "DOUBLE"},
		{"d * 2", "5.0", "DOUBLE"},
		{"x + d", "5.5", "DOUBLE"},
		{"2 ^ 10", "1024", "LONG"},
		{"2.0 ^ 0.5", "1.4142135623730951", "DOUBLE"},
		{"2 ^ -1", "error", ""},
		{"-2 ^ 2", "4", "LONG"},
		{"x / zero", "error", ""},
		{"x % zero", "error", ""},
		{"d / 0", "Infinity", "DOUBLE"},
		{"-d / 0", "-Infinity", "DOUBLE"},
		{"0.0 / 0", "NaN", "DOUBLE"},
		{"5.5 % 2", "1.5", "DOUBLE"},
		{"9223372036854775807 + 1", "-9223372036854775808", "LONG"}, // wraps as Java
		{"-9223372036854775808 / -1", "-9223372036854775808", "LONG"},
		{"3 ^ 40", "-6289078614652622815", "LONG"}, // LongMath.pow wraps
		// Strings.
		{"s + s2", "'fooBar'", "STRING"},
		{"s + 1", "null", "DOUBLE"},   // 'foo' is not a number
		{"num + 1", "43.0", "DOUBLE"}, // string operands are read as doubles
		{"num * 2", "84.0", "DOUBLE"},
		{"'3' + '4'", "'34'", "STRING"},
		// Nulls: null in, null out.
		{"null + 1", "null", ""},
		{"nl + 1", "null", "LONG"},
		{"nd * 2.0", "null", "DOUBLE"},
		{"ns + 'a'", "null", "STRING"},
		{"-nl", "null", "LONG"},
		// Unary.
		{"-x", "-3", "LONG"},
		{"-d", "-2.5", "DOUBLE"},
		{"-num", "-42", ""},
		{"!x", "0", "LONG"},
		{"!zero", "1", "LONG"},
		{"!l2", "1", "LONG"},
		{"!'true'", "0", "LONG"},
		{"!'TRUE'", "0", "LONG"},
		{"!s", "1", "LONG"},
		{"!nl", "null", "LONG"},
		// Comparisons return LONG 1/0.
		{"x < y", "1", "LONG"},
		{"x > y", "0", "LONG"},
		{"x <= 3", "1", "LONG"},
		{"x >= 3.5", "0", "LONG"},
		{"x == 3.0", "1", "LONG"},
		{"x != 3", "0", "LONG"},
		{"d > 2", "1", "LONG"},
		{"s == 'foo'", "1", "LONG"},
		{"s < s2", "0", "LONG"}, // byte order: 'B' < 'f'
		{"num == 42", "1", "LONG"},
		{"num > 100", "0", "LONG"},
		{"s == 1", "null", "LONG"},
		{"nl == 1", "null", "LONG"},
		{"ns == ns", "null", "LONG"},
		{"NaN == NaN", "0", "LONG"},
		{"la == [1, 2, 3]", "1", "LONG"},
		{"la < [1, 2, 4]", "1", "LONG"},
		// Logical: Druid's documented examples.
		{"100 && 11", "1", "LONG"},
		{"0.7 || 0.3", "1", "LONG"},
		{"100 && 0", "0", "LONG"},
		{"'troo' && 'true'", "0", "LONG"},
		{"'troo' || 'true'", "1", "LONG"},
		{"1 || null", "1", "LONG"},
		{"null || 1", "1", "LONG"},
		{"0 || null", "null", "LONG"},
		{"null || 0", "null", "LONG"},
		{"null || null", "null", "LONG"},
		{"1 && null", "null", "LONG"},
		{"null && 1", "null", "LONG"},
		{"null && null", "null", "LONG"},
		{"0 && null", "0", "LONG"},
		{"null && 0", "0", "LONG"},
		{"-1 || 0", "0", "LONG"},
		{"x > 1 && s == 'foo'", "1", "LONG"},
		{"zero && (x / zero)", "0", "LONG"}, // short-circuit
		{"x || (x / zero)", "1", "LONG"},
	})
}

func TestVectorNumericKernels(t *testing.T) {
	c, err := Compile("x * 2 + y", testTypes)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	vb := MapVectorBindings{
		"x": {Type: TypeLong, Longs: []int64{1, 2, 3, 4, 5}, Nulls: []bool{false, true, false, false, false}},
		"y": {Type: TypeLong, Longs: []int64{10, 20, 30, 40, 50}},
	}
	ev := c.NewVectorEvaluator()
	for round := 0; round < 2; round++ { // buffers are reused
		out, err := ev.Eval(vb, n)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"12", "null", "36", "48", "60"}
		for i, w := range want {
			if got := show(out.At(i)); got != w {
				t.Errorf("round %d row %d = %s, want %s", round, i, got, w)
			}
		}
	}
	// Mixed long/double, comparisons, constants on the left, missing columns.
	cases := []struct {
		expr string
		want []string
	}{
		{"x + d", []string{"1.5", "null", "5.5", "4.0", "null"}},
		{"10 - x", []string{"9", "null", "7", "6", "5"}},
		{"x > 2", []string{"0", "null", "1", "1", "1"}},
		{"d >= 1.0", []string{"0", "1", "1", "0", "null"}},
		{"2.0 * d", []string{"1.0", "2.0", "5.0", "0.0", "null"}},
		{"-x", []string{"-1", "null", "-3", "-4", "-5"}},
		{"!d", []string{"0", "0", "0", "1", "null"}},
		{"sqrt(x)", []string{"1.0", "null", "1.7320508075688772", "2.0", "2.23606797749979"}},
		{"cast(d, 'LONG')", []string{"0", "1", "2", "0", "null"}},
		{"cast(x, 'DOUBLE') / 2", []string{"0.5", "null", "1.5", "2.0", "2.5"}},
		{"missing + 1", []string{"null", "null", "null", "null", "null"}},
		{"x / y2", []string{"1", "null", "error", "", ""}},
		{"isnull(x)", []string{"0", "1", "0", "0", "0"}},
		{"notnull(d)", []string{"1", "1", "1", "1", "0"}},
		{"nvl(x, 0) + 1", []string{"2", "1", "4", "5", "6"}},
		{"concat(s, x)", []string{"'a1'", "null", "'c3'", "'d4'", "'e5'"}},
		{"timestamp_floor(x * 3600000 + 1, 'PT1H')", []string{"3600000", "null", "10800000", "14400000", "18000000"}},
	}
	vb = MapVectorBindings{
		"x":  {Type: TypeLong, Longs: []int64{1, 2, 3, 4, 5}, Nulls: []bool{false, true, false, false, false}},
		"d":  {Type: TypeDouble, Doubles: []float64{0.5, 1, 2.5, 0, 0}, Nulls: []bool{false, false, false, false, true}},
		"y2": {Type: TypeLong, Longs: []int64{1, 0, 0, 1, 1}},
		"s":  {Type: TypeString, Strings: []string{"a", "b", "c", "d", "e"}},
	}
	types := func(name string) (t base.ColumnType, ok bool) {
		if v, ok := vb[name]; ok {
			return v.Type, true
		}
		return t, false
	}
	for _, tc := range cases {
		c, err := Compile(tc.expr, types)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		out, err := c.NewVectorEvaluator().Eval(vb, n)
		if tc.want[2] == "error" {
			if err == nil {
				t.Errorf("%s: no error", tc.expr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		for i, w := range tc.want {
			if got := show(out.At(i)); got != w {
				t.Errorf("%s: row %d = %s, want %s", tc.expr, i, got, w)
			}
		}
	}
}

func TestVectorConditionals(t *testing.T) {
	vb := MapVectorBindings{
		"x": {Type: TypeLong, Longs: []int64{1, 0, 3, -1}, Nulls: []bool{false, false, true, false}},
		"y": {Type: TypeLong, Longs: []int64{10, 20, 30, 40}},
		"d": {Type: TypeDouble, Doubles: []float64{0.5, 1.5, 2.5, 3.5}},
		"s": {Type: TypeString, Strings: []string{"a", "b", "c", "d"}, Nulls: []bool{false, true, false, false}},
	}
	types := func(name string) (base.ColumnType, bool) {
		if v, ok := vb[name]; ok {
			return v.Type, true
		}
		return base.ColumnType{}, false
	}
	cases := []struct {
		expr string
		want []string
	}{
		{"if(x, y, d)", []string{"10.0", "1.5", "2.5", "3.5"}},
		{"if(x > 0, if(y > 15, x, y), if(d > 2, y, x))", []string{"10", "0", "30", "40"}},
		{"if(x, d, if(y > 15, y, d))", []string{"0.5", "20.0", "30.0", "40.0"}},
		{"nvl(x, y)", []string{"1", "0", "30", "-1"}},
		{"nvl(s, 'none')", []string{"'a'", "'none'", "'c'", "'d'"}},
		{"coalesce(x, d)", []string{"1.0", "0.0", "2.5", "-1.0"}},
		{"case_searched(x == 1, 'one', y > 25, 'big', 'other')", []string{"'one'", "'other'", "'big'", "'big'"}},
		{"case_searched(x == 1, y)", []string{"10", "null", "null", "null"}},
		{"if(x > 0, y / x, 0)", []string{"10", "0", "0", "0"}}, // y / x could fail: row fallback, lazily
	}
	for _, tc := range cases {
		c, err := Compile(tc.expr, types)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		out, err := c.NewVectorEvaluator().Eval(vb, 4)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		for i, w := range tc.want {
			if got := show(out.At(i)); got != w {
				t.Errorf("%s row %d = %s, want %s", tc.expr, i, got, w)
			}
		}
	}
}

func TestCompareStringsUTF16(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"a", "b", -1}, {"b", "a", 1}, {"", "", 0}, {"ab", "a", 1}, {"a", "ab", -1},
		{"\uFF01", "😀", 1}, // U+FF01 > U+D83D (the high surrogate of U+1F600)
		{"😀", "\uFF01", -1},
		{"\u00e9", "z", 1},
		{"😀", "😁", -1},
		{"\xff", "\xfe", 1}, {"\xfe", "\xff", -1},
	}
	for _, tc := range cases {
		if got := compareStrings(tc.a, tc.b); got != tc.want {
			t.Errorf("compareStrings(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestVectorInputChecks(t *testing.T) {
	c, err := Compile("x + 1", testTypes)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []*Vector{
		{Type: TypeLong, Longs: []int64{1}},
		{Type: TypeLong, Longs: []int64{1, 2}, Nulls: []bool{false}},
		{Type: TypeLong},
	} {
		if _, err := c.NewVectorEvaluator().Eval(MapVectorBindings{"x": v}, 2); err == nil {
			t.Errorf("short vector %+v accepted", v)
		}
	}
}

func TestErrorsNameTheExpression(t *testing.T) {
	_, _, err := evalString(t, "x / zero + 1")
	if err == nil || !strings.Contains(err.Error(), "(x / zero): long division by zero") || base.ClassOf(err) != base.ClassInvalidInput {
		t.Errorf("row error %v", err)
	}
	c, err := Compile("x / zero", testTypes)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.NewVectorEvaluator().Eval(MapVectorBindings{"x": {Type: TypeLong, Longs: []int64{1}}, "zero": {Type: TypeLong, Longs: []int64{0}}}, 1)
	if err == nil || !strings.Contains(err.Error(), "(x / zero): long division by zero") {
		t.Errorf("vector error %v", err)
	}
	_, _, err = evalString(t, "parse_json('{')")
	if err == nil || !strings.Contains(err.Error(), "parse_json") {
		t.Errorf("function error %v", err)
	}
}
