package filter

import (
	"encoding/json"
	"github.com/dryaddb/dryad/internal/query/value"
	"testing"

	"pgregory.net/rapid"
)

// genLeaf draws a leaf filter over columns a and b.
func genLeaf(t *rapid.T) Filter {
	col := rapid.SampledFrom([]string{"a", "b"}).Draw(t, "col")
	val := rapid.SampledFrom([]string{"x", "y", "1", "2"}).Draw(t, "val")
	switch rapid.IntRange(0, 6).Draw(t, "leaf") {
	case 0:
		return &Selector{Dimension: col, Value: &val}
	case 1:
		return &Selector{Dimension: col}
	case 2:
		return &Null{Column: col}
	case 3:
		return &In{Dimension: col, Values: []*string{&val, nil}}
	case 4:
		return &Bound{Dimension: col, Lower: &val, Ordering: numericOrdering()}
	case 5:
		return &True{}
	}
	return &False{}
}

func numericOrdering() value.Ordering { return value.Numeric }

func genFilter(t *rapid.T, depth int) Filter {
	if depth == 0 || rapid.IntRange(0, 2).Draw(t, "kind") == 0 {
		return genLeaf(t)
	}
	switch rapid.IntRange(0, 2).Draw(t, "op") {
	case 0:
		return &Not{Field: genFilter(t, depth-1)}
	case 1:
		n := rapid.IntRange(1, 3).Draw(t, "n")
		fs := make([]Filter, n)
		for i := range fs {
			fs[i] = genFilter(t, depth-1)
		}
		return &And{Fields: fs}
	}
	n := rapid.IntRange(1, 3).Draw(t, "n")
	fs := make([]Filter, n)
	for i := range fs {
		fs[i] = genFilter(t, depth-1)
	}
	return &Or{Fields: fs}
}

func genValue(t *rapid.T, name string) any {
	switch rapid.IntRange(0, 4).Draw(t, name) {
	case 0:
		return nil
	case 1:
		return rapid.SampledFrom([]string{"x", "y", "1", "2", "10"}).Draw(t, name+"s")
	case 2:
		return rapid.Int64Range(0, 3).Draw(t, name+"l")
	case 3:
		return []string{}
	}
	return rapid.SliceOfN(rapid.SampledFrom([]string{"x", "y", "1"}), 1, 3).Draw(t, name+"mv")
}

// TestNormalizePreservesSemantics checks, on random filter trees and rows,
// that Normalize and a JSON round trip never change the three-valued result,
// and that not(f) is the three-valued negation of f.
func TestNormalizePreservesSemantics(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genFilter(t, 4)
		row := MapRow{"a": genValue(t, "a"), "b": genValue(t, "b")}
		m, err := Compile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := m.Eval(row)
		n, err := Compile(Normalize(f))
		if err != nil {
			t.Fatal(err)
		}
		if got := n.Eval(row); got != want {
			b1, _ := json.Marshal(f)
			b2, _ := json.Marshal(Normalize(f))
			t.Fatalf("Normalize changed the result on %v: %v -> %v\n%s\n%s", row, want, got, b1, b2)
		}
		b, _ := json.Marshal(f)
		g, err := Decode(b, "filter")
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		r, _ := Compile(g)
		if got := r.Eval(row); got != want {
			t.Fatalf("round trip changed the result: %s", b)
		}
		neg, _ := Compile(&Not{Field: f})
		if got := neg.Eval(row); got != want.not() {
			t.Fatalf("not: %v vs %v", got, want)
		}
	})
}
