package expr

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

// show renders a value for test expectations: null, 12, 1.5, 'str',
// [1, 2], json:{"a":1}.
func show(v Value) string {
	if v.Null {
		return "null"
	}
	switch v.Type.Kind {
	case base.KindLong:
		return strconv.FormatInt(v.L, 10)
	case base.KindDouble:
		return FormatDouble(v.D)
	case base.KindString:
		return "'" + v.S + "'"
	case base.KindArray:
		parts := make([]string, len(v.Arr))
		for i, e := range v.Arr {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case base.KindComplex:
		b, _ := marshalJSON(v.Obj)
		return "json:" + string(b)
	}
	return "?"
}

// testTypes is the schema the tests bind against.
func testTypes(name string) (base.ColumnType, bool) {
	switch name {
	case "x", "y", "l", "l2", "__time", "t", "nl", "zero":
		return TypeLong, true
	case "d", "d2", "nd":
		return TypeDouble, true
	case "s", "s2", "ns", "num", "e", "ip", "js":
		return TypeString, true
	case "la":
		return TypeLongArray, true
	case "sa":
		return TypeStringArray, true
	case "da":
		return TypeDoubleArray, true
	case "j":
		return TypeJSON, true
	}
	return base.ColumnType{}, false
}

// testRow is the row the tests evaluate against.
func testRow() MapBindings {
	return MapBindings{
		"x": int64(3), "y": int64(4), "l": int64(10), "l2": int64(-7), "zero": int64(0),
		"__time": int64(1577934245678), // 2020-01-02T03:04:05.678Z
		"t":      int64(1583020800000), // 2020-03-01T00:00:00Z
		"d":      2.5, "d2": -1.25,
		"s": "foo", "s2": "Bar", "num": "42", "e": "", "ip": "192.168.1.7",
		"js": `{"a":1,"b":{"c":"x"},"arr":[1,2,3]}`,
		"la": []int64{1, 2, 3}, "sa": []string{"a", "b", "c"}, "da": []float64{1.5, 2.5},
		"j": map[string]any{"a": int64(1), "b": map[string]any{"c": "x", "d": []any{int64(1), int64(2)}}, "f": 1.5, "n": nil},
	}
}

func evalString(t *testing.T, s string) (Value, *Compiled, error) {
	t.Helper()
	c, err := Compile(s, testTypes)
	if err != nil {
		return Value{}, nil, err
	}
	v, err := c.EvalRow(testRow())
	return v, c, err
}

type evalCase struct {
	expr string
	want string // show() of the result, or "error"
	typ  string // expected output type, "" to skip the check
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		v, c, err := evalString(t, tc.expr)
		if tc.want == "error" {
			if err == nil {
				t.Errorf("%s = %s, want an error", tc.expr, show(v))
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := show(v); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
		if tc.typ != "" && c.OutputType().String() != tc.typ {
			t.Errorf("%s: output type %s, want %s", tc.expr, c.OutputType(), tc.typ)
		}
		// The vectorized path must agree with the row path.
		checkVector(t, tc.expr, c, v)
	}
}

// checkVector evaluates c over a block of 3 copies of the test row and
// compares every row with the row-path result.
func checkVector(t *testing.T, expr string, c *Compiled, want Value) {
	t.Helper()
	const n = 3
	row := testRow()
	vb := MapVectorBindings{}
	for _, name := range c.RequiredColumns() {
		vt, _ := testTypes(name)
		vec := &Vector{Type: vt}
		for i := 0; i < n; i++ {
			v := row.Value(name)
			if v.Null {
				vec.Nulls = append(vec.Nulls, true)
			} else {
				vec.Nulls = append(vec.Nulls, false)
			}
			switch vt.Kind {
			case base.KindLong:
				vec.Longs = append(vec.Longs, v.L)
			case base.KindDouble:
				vec.Doubles = append(vec.Doubles, v.D)
			case base.KindString:
				vec.Strings = append(vec.Strings, v.S)
			default:
				vec.Values = append(vec.Values, v)
			}
		}
		vb[name] = vec
	}
	out, err := c.NewVectorEvaluator().Eval(vb, n)
	if err != nil {
		t.Errorf("%s: vector: %v", expr, err)
		return
	}
	for i := 0; i < n; i++ {
		got := out.At(i)
		if want.Type.Kind != base.KindUnknown && c.OutputType().Kind != base.KindUnknown {
			want = conform(want, c.OutputType())
		}
		if show(got) != show(want) {
			t.Errorf("%s: vector row %d = %s, row path = %s", expr, i, show(got), show(want))
			return
		}
	}
}
