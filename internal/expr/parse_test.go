package expr

import (
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func TestParseCanonical(t *testing.T) {
	cases := []struct{ in, want string }{
		{"1", "1"},
		{"-1", "-1"},
		{"- 1", "-1"},
		{"-(1)", "-(1)"},
		{"1.5", "1.5"},
		{"1.", "1.0"},
		{".5", "0.5"},
		{"1e3", "1000.0"},
		{"1.5e-7", "1.5E-7"},
		{"1e21", "1.0E21"},
		{"ARRAY<LONG>[1, 2]", "[1, 2]"},
		{"ARRAY<DOUBLE>[]", "<DOUBLE>[]"},
		{"ARRAY<STRING>['a', null]", "['a', null]"},
		{"x < LONG", "(x < LONG)"},
		{"ARRAY<LONG", "(ARRAY < LONG)"},
		{"NaN", "NaN"},
		{"-Infinity", "-Infinity"},
		{"Infinity", "Infinity"},
		{"'a''b'", ""}, // error: two literals
		{`'it\'s'`, `'it\'s'`},
		{`'tab\there'`, `'tab\there'`},
		{`'\u0041'`, `'A'`},
		{"null", "null"},
		{"x", "x"},
		{`"x"`, "x"},
		{`"a b"`, `"a b"`},
		{`"null"`, `"null"`},
		{"$a_1", "$a_1"},
		{"1 + 2 * 3", "(1 + (2 * 3))"},
		{"(1 + 2) * 3", "((1 + 2) * 3)"},
		{"1 - 2 - 3", "((1 - 2) - 3)"},
		{"2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"},
		{"-x ^ 2", "(-x ^ 2)"},
		{"!x && y", "(!x && y)"},
		{"a || b && c", "((a || b) && c)"},
		{"a < b == c", "((a < b) == c)"},
		{"x + y > 3 && s == 'a'", "(((x + y) > 3) && (s == 'a'))"},
		{"1 % 2 / 3", "((1 % 2) / 3)"},
		{"--x", "-(-x)"},
		{"!!x", "!(!x)"},
		{"concat(a, 'b', 1)", "concat(a, 'b', 1)"},
		{"pi()", "pi()"},
		{"[1, 2, 3]", "[1, 2, 3]"},
		{"[1 2 3]", "[1, 2, 3]"},
		{"[1, 2.5]", "[1.0, 2.5]"},
		{"['a', null]", "['a', null]"},
		{"[]", "<STRING>[]"},
		{"<LONG>[]", "<LONG>[]"},
		{"<DOUBLE>[1, 2]", "[1.0, 2.0]"},
		{"<STRING>[1, 'x']", "['1', 'x']"},
		{"[null]", "<STRING>[null]"},
		{"<LONG>[null]", "<LONG>[null]"},
		{"[-1, -2.5]", "[-1.0, -2.5]"},
		{"map((x) -> x + 1, a)", "map((x) -> (x + 1), a)"},
		{"map(x -> x + 1, a)", "map((x) -> (x + 1), a)"},
		{"fold((x, acc) -> x + acc, a, 0)", "fold((x, acc) -> (x + acc), a, 0)"},
		{"map(() -> 1, a)", "map(() -> 1, a)"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"x - -1", "(x - -1)"},
	}
	for _, tc := range cases {
		e, err := Parse(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("Parse(%q) = %s, want error", tc.in, e)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := e.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %s, want %s", tc.in, got, tc.want)
		}
		// Canonical form is a fixed point.
		e2, err := Parse(e.String())
		if err != nil {
			t.Errorf("reparse %q: %v", e.String(), err)
		} else if e2.String() != e.String() {
			t.Errorf("reparse %q = %s", e.String(), e2.String())
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "expected a literal, identifier, function call or '(' at offset 0, found end of input"},
		{"1 +", "at offset 3"},
		{"(1 + 2", `expected ")" at offset 6`},
		{"1 2", `expected end of expression at offset 2, found "2"`},
		{"'abc", "unterminated string literal starting at offset 0"},
		{`"abc`, "unterminated quoted identifier"},
		{"x # 1", "unexpected character '#' at offset 2"},
		{"f(1,", "at offset 4"},
		{"f(1 2)", "',' or ')' in the arguments of f"},
		{"9223372036854775808", "long literal 9223372036854775808 out of range"},
		{"[1, x]", "expected an array element literal or ']' at offset 4"},
		{"<FOO>[1]", "array element type"},
		{"[[1]]", "nested array literal"},
		{"[1, 2", "']' to close the array"},
		{"ARRAY<COMPLEX<json>>[]", "ARRAY<COMPLEX<json>> at offset 0 is not supported"},
		{"ARRAY<LONG> 1", "'[' after the array type"},
		{`'\u12'`, "bad \\u escape"},
		{strings.Repeat("(", 600) + "1" + strings.Repeat(")", 600), "nested more than"},
	}
	for _, tc := range cases {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q): no error", tc.in)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) error %q, want it to contain %q", tc.in, err, tc.want)
		}
		if c := base.ClassOf(err); c != base.ClassInvalidInput && c != base.ClassUnsupported {
			t.Errorf("Parse(%q) error class %v", tc.in, c)
		}
	}
}

func TestBindErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"foo(1)", "unknown function foo"},
		{"concat", ""}, // an identifier, fine
		{"if(1, 2)", "function if takes 3 arguments, got 2"},
		{"pi(1)", "function pi takes 0 arguments, got 1"},
		{"substring('a')", "function substring takes 3 arguments, got 1"},
		{"nvl(1, 2, 3)", "function nvl takes 2 arguments, got 3"},
		{"timestamp_floor(t, 'P1X')", "function timestamp_floor: period \"P1X\""},
		{"timestamp_floor(t, s)", "the period (argument 2) must be a literal"},
		{"timestamp_format(t, 'yyyy', 'Mars/Base')", "time zone \"Mars/Base\""},
		{"regexp_like(s, '(')", "invalid regular expression"},
		{"regexp_like(s, '(a)\\\\1')", "RE2"},
		{"regexp_extract(s, 'a(b)', 2)", "index 2 is out of range"},
		{"cast(x, 'FOO')", "unknown type \"FOO\""},
		{"map(1, la)", "the first argument must be a lambda"},
		{"map((a, b) -> a, la)", "lambda takes 2 arguments, expected 1"},
		{"concat((a) -> a)", "argument 1 cannot be a lambda"},
		{"timestamp_extract(t, 'FORTNIGHT')", "unit \"FORTNIGHT\""},
		{"human_readable_binary_byte_format(1, 4)", "precision 4 must be an integer in the range [0,3]"},
		{"ipv4_match(ip, '1.2.3')", "subnet \"1.2.3\""},
		{"json_value(j, 'a')", "JSONPath \"a\": must start with '$'"},
		{"json_object('a')", "even number of arguments"},
		{"lookup(s, 'lk')", "unknown lookup \"lk\" (no lookups are registered)"},
		{"bloom_filter_test(s, 'xyz')", "bloom filter: 2 bytes, need at least 5"},
		{"la + 1", "operator + does not apply to ARRAY<LONG>"},
		{"s * s2", "operator * does not apply to STRING operands"},
		{"like(s, s2)", "the pattern (argument 2) must be a literal"},
	}
	for _, tc := range cases {
		_, err := Compile(tc.in, testTypes)
		if tc.want == "" {
			if err != nil {
				t.Errorf("Compile(%q): %v", tc.in, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("Compile(%q): no error", tc.in)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%q) error %q, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

func TestRequiredColumnsAndTypes(t *testing.T) {
	c, err := Compile("concat(s, x) + map((x) -> x, la)", testTypes)
	if err == nil {
		t.Fatalf("array + string compiled: %s", c.OutputType())
	}
	c, err = Compile(`x + y * x + "new col" + fold((v, acc) -> v + acc + y, la, 0)`, testTypes)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.RequiredColumns(), ",")
	if got != "x,y,new col,la" {
		t.Errorf("RequiredColumns = %s", got)
	}
	if c.OutputType().Kind != base.KindLong {
		// "new col" is unknown, so + with it is LONG only if it turns out long;
		// operatorType(LONG, unknown) is LONG.
		t.Errorf("OutputType = %s", c.OutputType())
	}
	if _, ok := c.Constant(); ok {
		t.Error("non-constant reported constant")
	}
	k, err := Compile("1 + 2 * 3", nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := k.Constant(); !ok || v.L != 7 {
		t.Errorf("1 + 2 * 3 folded to %v %v", v, ok)
	}
	// Errors while folding are deferred to evaluation.
	k, err = Compile("if(x > 0, 1, 1 / 0)", testTypes)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := k.EvalRow(testRow()); err != nil || v.L != 1 {
		t.Errorf("lazy branch: %v %v", show(v), err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"x * 2 + y", "concat('a', \"b c\", 1.5e3)", "map((x) -> x + 1, [1, 2])", "<LONG>[1, null]",
		"!(a && b) || -c ^ 2 ^ 3", "timestamp_floor(__time, 'PT1H', null, 'America/Los_Angeles')",
		"'\\u00e9\\n'", "case_searched(x > 1, 'a', 'b')", "-9223372036854775808", "NaN + -Infinity",
		"fold((x, y) -> x + y, a, 0)", "[1 2 3]", "\"\\\"q\\\"\"", "x == 'it\\'s'", "1.5e-7",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		canon := e.String()
		e2, err := Parse(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if got := e2.String(); got != canon {
			t.Fatalf("%q: canonical %q reparses to %q", s, canon, got)
		}
		if !sameTree(e, e2) {
			t.Fatalf("%q: canonical %q parses to a different tree", s, canon)
		}
		// Binding must not panic either.
		_, _ = Bind(e, testTypes)
	})
}

// sameTree compares trees structurally (NaN equal to NaN).
func sameTree(a, b Expr) bool {
	switch a := a.(type) {
	case *Literal:
		bl, ok := b.(*Literal)
		return ok && show(a.Value) == show(bl.Value) && a.Value.Type == bl.Value.Type
	case *Ident:
		bi, ok := b.(*Ident)
		return ok && a.Name == bi.Name
	case *Unary:
		bu, ok := b.(*Unary)
		return ok && a.Op == bu.Op && sameTree(a.X, bu.X)
	case *Binary:
		bb, ok := b.(*Binary)
		return ok && a.Op == bb.Op && sameTree(a.L, bb.L) && sameTree(a.R, bb.R)
	case *Call:
		bc, ok := b.(*Call)
		if !ok || a.Name != bc.Name || len(a.Args) != len(bc.Args) {
			return false
		}
		for i := range a.Args {
			if !sameTree(a.Args[i], bc.Args[i]) {
				return false
			}
		}
		return true
	case *Lambda:
		bl, ok := b.(*Lambda)
		if !ok || strings.Join(a.Params, ",") != strings.Join(bl.Params, ",") {
			return false
		}
		return sameTree(a.Body, bl.Body)
	}
	return false
}

// FuzzEval feeds random text through the whole pipeline: whatever parses
// and binds must evaluate (row and vector) without panicking.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		"x * 2 + y", "concat(s, '-', x)", "substring(s, x, y)", "lpad(s, l, 'ab')",
		"array_slice(la, x, y)", "json_value(j, '$.b.d[1]')", "timestamp_floor(__time, 'P1D', null, 'America/New_York')",
		"format('%5.2f|%s', d, s)", "string_to_array(s, '')", "round(d, l2)", "fold((a, b) -> a + b, la, 0)",
		"regexp_extract(s, '(o)+', 1)", "human_readable_decimal_format(l2)", "greatest(s, x, d)",
		"timestamp_shift(__time, 'P1M', l2)", "case_simple(x, 1, 'a', 2, 'b', 'c')", "parse_long(s, x)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Compile(s, testTypes)
		if err != nil {
			return
		}
		rowVal, rowErr := c.EvalRow(testRow())
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%q: vector evaluation panicked: %v", s, r)
			}
		}()
		vb := MapVectorBindings{}
		row := testRow()
		for _, name := range c.RequiredColumns() {
			vt, _ := testTypes(name)
			v := row.Value(name)
			vec := &Vector{Type: vt, Nulls: []bool{v.Null, true}}
			switch vt.Kind {
			case base.KindLong:
				vec.Longs = []int64{v.L, 0}
			case base.KindDouble:
				vec.Doubles = []float64{v.D, 0}
			case base.KindString:
				vec.Strings = []string{v.S, ""}
			default:
				vec.Values = []Value{v, Null(vt)}
			}
			vb[name] = vec
		}
		out, err := c.NewVectorEvaluator().Eval(vb, 2)
		if err == nil && rowErr == nil {
			want := rowVal
			if c.OutputType().Kind != base.KindUnknown {
				want = conform(want, c.OutputType())
			}
			if got := show(out.At(0)); got != show(want) {
				t.Fatalf("%q: vector row 0 = %s, row path = %s", s, got, show(want))
			}
		}
	})
}
