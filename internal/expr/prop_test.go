package expr

import (
	"fmt"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"pgregory.net/rapid"
)

// genNum draws a random numeric expression over the columns x, y (LONG)
// and d (DOUBLE).
func genNum(t *rapid.T, depth int) string {
	leaves := []string{"x", "y", "d", "1", "-3", "2.5", "0", "null"}
	if depth <= 0 {
		return rapid.SampledFrom(leaves).Draw(t, "leaf")
	}
	switch rapid.IntRange(0, 9).Draw(t, "kind") {
	case 0, 1, 2:
		op := rapid.SampledFrom([]string{"+", "-", "*", "/", "%", "^"}).Draw(t, "op")
		return fmt.Sprintf("(%s %s %s)", genNum(t, depth-1), op, genNum(t, depth-1))
	case 3:
		return "-" + genNum(t, depth-1)
	case 4:
		f := rapid.SampledFrom([]string{"abs", "sqrt", "floor", "signum", "exp", "log1p"}).Draw(t, "fn")
		return fmt.Sprintf("%s(%s)", f, genNum(t, depth-1))
	case 5:
		return fmt.Sprintf("if(%s, %s, %s)", genBool(t, depth-1), genNum(t, depth-1), genNum(t, depth-1))
	case 6:
		return fmt.Sprintf("nvl(%s, %s)", genNum(t, depth-1), genNum(t, depth-1))
	case 7:
		ty := rapid.SampledFrom([]string{"LONG", "DOUBLE"}).Draw(t, "type")
		return fmt.Sprintf("cast(%s, '%s')", genNum(t, depth-1), ty)
	case 8:
		return fmt.Sprintf("timestamp_floor(%s, 'PT1H')", genNum(t, depth-1))
	}
	f := rapid.SampledFrom([]string{"max", "min", "greatest", "safe_divide"}).Draw(t, "fn2")
	return fmt.Sprintf("%s(%s, %s)", f, genNum(t, depth-1), genNum(t, depth-1))
}

func genBool(t *rapid.T, depth int) string {
	if depth <= 0 {
		return rapid.SampledFrom([]string{"x", "d", "(s == 'a')", "1", "0", "null"}).Draw(t, "bleaf")
	}
	switch rapid.IntRange(0, 4).Draw(t, "bkind") {
	case 0, 1:
		op := rapid.SampledFrom([]string{"<", "<=", ">", ">=", "==", "!="}).Draw(t, "cmp")
		return fmt.Sprintf("(%s %s %s)", genNum(t, depth-1), op, genNum(t, depth-1))
	case 2:
		op := rapid.SampledFrom([]string{"&&", "||"}).Draw(t, "logic")
		return fmt.Sprintf("(%s %s %s)", genBool(t, depth-1), op, genBool(t, depth-1))
	case 3:
		return "!" + genBool(t, depth-1)
	}
	return fmt.Sprintf("isnull(%s)", genNum(t, depth-1))
}

// TestRowVectorAgree checks that vectorized evaluation and row-at-a-time
// evaluation agree on random expressions and random data with nulls.
func TestRowVectorAgree(t *testing.T) {
	types := func(name string) (base.ColumnType, bool) {
		switch name {
		case "x", "y":
			return TypeLong, true
		case "d":
			return TypeDouble, true
		case "s":
			return TypeString, true
		}
		return base.ColumnType{}, false
	}
	rapid.Check(t, func(t *rapid.T) {
		var src string
		if rapid.Bool().Draw(t, "bool") {
			src = genBool(t, 3)
		} else {
			src = genNum(t, 3)
		}
		c, err := Compile(src, types)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		n := rapid.IntRange(1, 8).Draw(t, "rows")
		vb := MapVectorBindings{
			"x": {Type: TypeLong, Longs: make([]int64, n), Nulls: make([]bool, n)},
			"y": {Type: TypeLong, Longs: make([]int64, n)},
			"d": {Type: TypeDouble, Doubles: make([]float64, n), Nulls: make([]bool, n)},
			"s": {Type: TypeString, Strings: make([]string, n), Nulls: make([]bool, n)},
		}
		rows := make([]MapBindings, n)
		for i := 0; i < n; i++ {
			row := MapBindings{}
			xv := rapid.Int64Range(-5, 5).Draw(t, "x")
			vb["x"].Longs[i] = xv
			if rapid.IntRange(0, 4).Draw(t, "xnull") == 0 {
				vb["x"].Nulls[i] = true
				vb["x"].Longs[i] = 0
			} else {
				row["x"] = xv
			}
			yv := rapid.Int64Range(-5, 5).Draw(t, "y")
			vb["y"].Longs[i] = yv
			row["y"] = yv
			dv := rapid.SampledFrom([]float64{0, 0.5, -1.5, 3, 100.25}).Draw(t, "d")
			vb["d"].Doubles[i] = dv
			if rapid.IntRange(0, 4).Draw(t, "dnull") == 0 {
				vb["d"].Nulls[i] = true
				vb["d"].Doubles[i] = 0
			} else {
				row["d"] = dv
			}
			sv := rapid.SampledFrom([]string{"a", "b", ""}).Draw(t, "s")
			vb["s"].Strings[i] = sv
			if rapid.IntRange(0, 4).Draw(t, "snull") == 0 {
				vb["s"].Nulls[i] = true
				vb["s"].Strings[i] = ""
			} else {
				row["s"] = sv
			}
			rows[i] = row
		}
		want := make([]Value, n)
		var rowErr error
		for i, row := range rows {
			v, err := c.EvalRow(row)
			if err != nil {
				rowErr = err
				break
			}
			want[i] = v
		}
		out, vecErr := c.NewVectorEvaluator().Eval(vb, n)
		if rowErr != nil || vecErr != nil {
			if (rowErr == nil) != (vecErr == nil) {
				t.Fatalf("%s: row error %v, vector error %v", src, rowErr, vecErr)
			}
			return
		}
		for i := 0; i < n; i++ {
			w := want[i]
			if c.OutputType().Kind != base.KindUnknown {
				w = conform(w, c.OutputType())
			}
			if got := show(out.At(i)); got != show(w) {
				t.Fatalf("%s row %d (%v): vector %s, row %s", src, i, rows[i], got, show(w))
			}
		}
	})
}

func genStr(t *rapid.T, depth int) string {
	if depth <= 0 {
		return rapid.SampledFrom([]string{"s", "'a'", "''", "null"}).Draw(t, "sleaf")
	}
	switch rapid.IntRange(0, 6).Draw(t, "skind") {
	case 0:
		return fmt.Sprintf("concat(%s, %s)", genStr(t, depth-1), genStr(t, depth-1))
	case 1:
		f := rapid.SampledFrom([]string{"upper", "lower", "reverse", "trim"}).Draw(t, "sfn")
		return fmt.Sprintf("%s(%s)", f, genStr(t, depth-1))
	case 2:
		return fmt.Sprintf("if(%s == 'a', %s, %s)", genStr(t, depth-1), genStr(t, depth-1), genStr(t, depth-1))
	case 3:
		return fmt.Sprintf("nvl(%s, 'N')", genStr(t, depth-1))
	case 4:
		return fmt.Sprintf("substring(%s, 0, 1)", genStr(t, depth-1))
	case 5:
		return fmt.Sprintf("cast(strlen(%s), 'STRING')", genStr(t, depth-1))
	}
	return fmt.Sprintf("lpad(%s, 3, 'x')", genStr(t, depth-1))
}

// TestDictionaryAgrees checks that dictionary-encoded vector evaluation
// agrees with row evaluation.
func TestDictionaryAgrees(t *testing.T) {
	types := func(name string) (base.ColumnType, bool) { return TypeString, name == "s" }
	rapid.Check(t, func(t *rapid.T) {
		src := genStr(t, 3)
		c, err := Compile(src, types)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		dict := []string{"a", "b", "", "Ab "}
		n := rapid.IntRange(1, 8).Draw(t, "rows")
		ids := make([]int32, n)
		for i := range ids {
			ids[i] = int32(rapid.IntRange(-1, len(dict)-1).Draw(t, "id"))
		}
		out, err := c.NewVectorEvaluator().Eval(MapVectorBindings{"s": {Type: TypeString, Dict: dict, IDs: ids}}, n)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		for i, id := range ids {
			row := MapBindings{}
			if id >= 0 {
				row["s"] = dict[id]
			}
			want, err := c.EvalRow(row)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if c.OutputType().Kind != base.KindUnknown {
				want = conform(want, c.OutputType())
			}
			if got := show(out.At(i)); got != show(want) {
				t.Fatalf("%s row %d (id %d): vector %s, row %s", src, i, id, got, show(want))
			}
		}
	})
}
