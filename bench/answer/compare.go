package answer

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// DefaultTolerance is the relative difference allowed between two floats
// when a Match names no tolerance for the column: sums of doubles differ in
// their last bits when engines add in different orders.
const DefaultTolerance = 1e-9

// Mode says how the rows of two answers correspond.
type Mode int

const (
	// Unordered answers agree when they hold the same rows in any order.
	Unordered Mode = iota
	// Ordered answers agree row by row; rows whose SortColumns values are
	// equal may be permuted among themselves.
	Ordered
	// Subset answers agree when the answer has min(Limit, reference rows)
	// rows and each is a distinct row of the reference (a scan with a limit
	// may return any matching rows).
	Subset
)

// Match says how to compare an answer with a reference.
type Match struct {
	Columns     []string           // the columns compared, present in both tables
	Mode        Mode               // how rows correspond
	SortColumns []string           // Ordered: the columns the rows are sorted by
	Limit       int                // Subset: the query's limit
	Tolerance   map[string]float64 // relative tolerance per column (DefaultTolerance otherwise)
}

// Compare reports whether got agrees with ref under m; the error explains
// the first difference. Mismatches are base.ClassInvalidInput errors (a
// wrong answer), missing columns likewise.
func Compare(ref, got Table, m Match) error {
	r, err := projectOrEmpty(ref, m.Columns)
	if err != nil {
		return fmt.Errorf("reference: %w", err)
	}
	g, err := projectOrEmpty(got, m.Columns)
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	tol := make([]float64, len(m.Columns))
	for i, c := range m.Columns {
		tol[i] = DefaultTolerance
		if t, ok := m.Tolerance[c]; ok {
			tol[i] = t
		}
	}
	switch m.Mode {
	case Unordered:
		return compareMultiset(r.Rows, g.Rows, m.Columns, tol)
	case Ordered:
		return compareOrdered(r.Rows, g.Rows, m, tol)
	case Subset:
		return compareSubset(r.Rows, g.Rows, m, tol)
	}
	return base.Errorf(base.ClassInvalidInput, "unknown match mode %d", m.Mode)
}

func projectOrEmpty(t Table, cols []string) (Table, error) {
	if len(t.Rows) == 0 {
		return Table{Columns: cols}, nil
	}
	return t.Project(cols)
}

func mismatch(format string, args ...any) error {
	return base.Errorf(base.ClassInvalidInput, format, args...)
}

func compareMultiset(ref, got [][]any, cols []string, tol []float64) error {
	if len(ref) != len(got) {
		return mismatch("%d rows, want %d%s", len(got), len(ref), firstMissing(ref, got, cols, tol))
	}
	r, g := sortedRows(ref, tol), sortedRows(got, tol)
	for i := range r {
		if c, ok := rowsEqual(r[i], g[i], tol); !ok {
			return mismatch("row %s: %s = %s, want %s", formatRow(g[i], cols), cols[c], Format(g[i][c]), Format(r[i][c]))
		}
	}
	return nil
}

// firstMissing names a reference row the answer lacks, to explain a count
// mismatch.
func firstMissing(ref, got [][]any, cols []string, tol []float64) string {
	if len(ref)*len(got) > 1e7 {
		return "" // too large to search quadratically
	}
	used := make([]bool, len(got))
	for _, rr := range ref {
		found := false
		for j, gr := range got {
			if !used[j] {
				if _, ok := rowsEqual(rr, gr, tol); ok {
					used[j], found = true, true
					break
				}
			}
		}
		if !found {
			return "; missing " + formatRow(rr, cols)
		}
	}
	for j, gr := range got {
		if !used[j] {
			return "; unexpected " + formatRow(gr, cols)
		}
	}
	return ""
}

func compareOrdered(ref, got [][]any, m Match, tol []float64) error {
	if len(ref) != len(got) {
		return mismatch("%d rows, want %d%s", len(got), len(ref), firstMissing(ref, got, m.Columns, tol))
	}
	var keys []int
	for _, c := range m.SortColumns {
		i := slices.Index(m.Columns, c)
		if i < 0 {
			return base.Errorf(base.ClassInvalidInput, "sort column %q is not among the compared columns %v", c, m.Columns)
		}
		keys = append(keys, i)
	}
	sameKey := func(a, b []any) bool {
		for _, k := range keys {
			if !valuesEqual(a[k], b[k], tol[k]) {
				return false
			}
		}
		return true
	}
	for start := 0; start < len(ref); {
		end := start + 1
		for end < len(ref) && sameKey(ref[start], ref[end]) {
			end++
		}
		if err := compareMultiset(ref[start:end], got[start:end], m.Columns, tol); err != nil {
			return mismatch("rows %d to %d: %w", start+1, end, err)
		}
		start = end
	}
	return nil
}

func compareSubset(ref, got [][]any, m Match, tol []float64) error {
	want := len(ref)
	if m.Limit > 0 && m.Limit < want {
		want = m.Limit
	}
	if len(got) != want {
		return mismatch("%d rows, want %d (limit %d, %d matching rows)", len(got), want, m.Limit, len(ref))
	}
	// Index the reference by its exact non-float values, then match with
	// tolerance inside a bucket.
	buckets := map[string][]int{}
	for i, r := range ref {
		k := exactKey(r)
		buckets[k] = append(buckets[k], i)
	}
	for _, g := range got {
		k := exactKey(g)
		cand := buckets[k]
		found := -1
		for n, i := range cand {
			if _, ok := rowsEqual(ref[i], g, tol); ok {
				found = n
				break
			}
		}
		if found < 0 {
			return mismatch("row %s does not match the query", formatRow(g, m.Columns))
		}
		buckets[k] = slices.Delete(cand, found, found+1)
	}
	return nil
}

func exactKey(row []any) string {
	var b strings.Builder
	for _, v := range row {
		if _, ok := v.(float64); ok {
			b.WriteString("~|")
			continue
		}
		b.WriteString(Format(v))
		b.WriteByte('|')
	}
	return b.String()
}

// sortedRows orders rows by their non-float values first, then by floats,
// so that rows keyed by exact values line up even if floats differ slightly.
func sortedRows(rows [][]any, tol []float64) [][]any {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b []any) int {
		for pass := 0; pass < 2; pass++ {
			for i := range a {
				_, fa := a[i].(float64)
				_, fb := b[i].(float64)
				isFloat := fa || fb
				if (pass == 0) == isFloat {
					continue
				}
				if c := compareValues(a[i], b[i]); c != 0 {
					return c
				}
			}
		}
		return 0
	})
	return out
}

// compareValues orders nil first, then numbers, then strings.
func compareValues(a, b any) int {
	rank := func(v any) int {
		switch v.(type) {
		case nil:
			return 0
		case int64, float64:
			return 1
		}
		return 2
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
		return cmp.Compare(float64(x), toFloat(b))
	case float64:
		return cmp.Compare(x, toFloat(b))
	case string:
		return strings.Compare(x, b.(string))
	}
	return 0
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

func rowsEqual(a, b []any, tol []float64) (int, bool) {
	for i := range a {
		if !valuesEqual(a[i], b[i], tol[i]) {
			return i, false
		}
	}
	return 0, true
}

// valuesEqual compares two values: integers exactly, a float with any
// number within relative tolerance tol (absolute below 1), strings exactly.
func valuesEqual(a, b any, tol float64) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		if y, ok := b.(int64); ok && tol == DefaultTolerance {
			return x == y
		}
	}
	fa, fb := toFloat(a), toFloat(b)
	if math.IsNaN(fa) || math.IsNaN(fb) {
		return false
	}
	if fa == fb {
		return true
	}
	return math.Abs(fa-fb) <= tol*max(math.Abs(fa), math.Abs(fb), 1)
}

func formatRow(row []any, cols []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range row {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(cols[i])
		b.WriteByte('=')
		b.WriteString(Format(v))
	}
	b.WriteByte('}')
	return b.String()
}
