package expr_test

import (
	"fmt"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
)

func Example() {
	types := func(name string) (base.ColumnType, bool) {
		switch name {
		case "page":
			return base.TypeString, true
		case "__time", "added":
			return base.TypeLong, true
		}
		return base.ColumnType{}, false
	}
	c, err := expr.Compile(`concat(page, '@', timestamp_format(timestamp_floor(__time, 'P1D'), 'yyyy-MM-dd'), ':', added * 2)`, types)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.OutputType(), c.RequiredColumns())
	v, err := c.EvalRow(expr.MapBindings{"page": "Main", "__time": int64(1442018818771), "added": int64(21)})
	fmt.Println(v.S, err)

	// The same expression over a block of rows.
	ev := c.NewVectorEvaluator()
	out, err := ev.Eval(expr.MapVectorBindings{
		"page":   {Type: base.TypeString, Strings: []string{"A", "B"}},
		"__time": {Type: base.TypeLong, Longs: []int64{0, 86400000}},
		"added":  {Type: base.TypeLong, Longs: []int64{1, 2}, Nulls: []bool{false, true}},
	}, 2)
	fmt.Println(out.At(0).S, out.At(1).Null, err)
	// Output:
	// STRING [page __time added]
	// Main@2015-09-12:42 <nil>
	// A@1970-01-01:2 true <nil>
}

func ExampleParse() {
	e, err := expr.Parse(`-x ^ 2 + "a b" * 3 || !done`)
	fmt.Println(e, err)
	_, err = expr.Parse(`concat(a, 'b'`)
	fmt.Println(err)
	_, err = expr.Compile(`timestamp_floor(__time, 'P1X')`, nil)
	fmt.Println(err)
	// Output:
	// (((-x ^ 2) + ("a b" * 3)) || !done) <nil>
	// expression "concat(a, 'b'": expected ',' or ')' in the arguments of concat at offset 13, found end of input
	// expression timestamp_floor(__time, 'P1X'): function timestamp_floor: period "P1X": invalid ISO-8601 period "P1X": unexpected designator 'x'
}
