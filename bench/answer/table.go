package answer

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// TimeColumn is the column holding row timestamps, as in Druid.
const TimeColumn = "__time"

// Table is an answer: column names and rows of values (nil, string, int64
// or float64) in column order.
type Table struct {
	Columns []string
	Rows    [][]any
}

// Index returns the position of column name, or -1.
func (t Table) Index(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// Project returns the table restricted to cols, in that order. A missing
// column is a base.ClassInvalidInput error naming it.
func (t Table) Project(cols []string) (Table, error) {
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = t.Index(c)
		if idx[i] < 0 {
			return Table{}, base.Errorf(base.ClassInvalidInput, "answer has no column %q (columns %v)", c, t.Columns)
		}
	}
	out := Table{Columns: cols, Rows: make([][]any, len(t.Rows))}
	for r, row := range t.Rows {
		p := make([]any, len(idx))
		for i, j := range idx {
			p[i] = row[j]
		}
		out.Rows[r] = p
	}
	return out, nil
}

// Normalize converts a value from a SQL driver or a JSON decoder into the
// Table value model: integers become int64, floats float64, time.Time epoch
// milliseconds, json-style numbers int64 when integral in form, []byte a
// string, a list (a multi-value string) the string "[v1,v2]" of its values. Column "__time" given as an ISO-8601 string becomes milliseconds
// too. Other types are a ClassInvalidInput error naming the column.
func Normalize(column string, v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if column == TimeColumn {
			ms, err := base.ParseTime(x, time.UTC)
			if err != nil {
				return nil, base.Errorf(base.ClassInvalidInput, "column %q: timestamp %q: %w", column, x, err)
			}
			return ms, nil
		}
		return x, nil
	case []byte:
		return string(x), nil
	case []any:
		return joinList(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case *big.Int:
		if x.IsInt64() {
			return x.Int64(), nil
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, nil
	case time.Time:
		return x.UnixMilli(), nil
	case fmt.Stringer:
		// json.Number and decimal types print as numbers.
		return parseNumber(column, x.String())
	}
	return nil, base.Errorf(base.ClassInvalidInput, "column %q: unsupported value type %T", column, v)
}

func parseNumber(column, s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "column %q: number %q: %w", column, s, err)
	}
	return f, nil
}

// Format prints a value for messages: strings quoted, nil as null.
func Format(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}
