package incremental

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

// Row is one input row: a timestamp (epoch ms, before truncation) and
// named values. A parser can keep one Row and Reset it between rows, so that
// filling it allocates nothing once its slices have grown. Names must be
// unique within a row; __time is not a field.
type Row struct {
	Time   int64
	Names  []string
	Values []segment.Value
}

// Reset empties the row, keeping its capacity.
func (r *Row) Reset() {
	r.Time = 0
	r.Names = r.Names[:0]
	clear(r.Values)
	r.Values = r.Values[:0]
}

// Set appends a field.
func (r *Row) Set(name string, v segment.Value) {
	r.Names = append(r.Names, name)
	r.Values = append(r.Values, v)
}

// Get returns the named field's value, or null.
func (r *Row) Get(name string) segment.Value {
	for i, n := range r.Names {
		if n == name {
			return r.Values[i]
		}
	}
	return segment.Value{}
}

// RowFromMap builds a Row from a decoded JSON-like map whose values are
// nil, string, bool (becomes "true"/"false", as Druid's string handling
// does), int/int64, float64, json.Number (integers become longs, as
// Jackson reads them; decode with UseNumber so that 36 is not the double
// 36.0), []string (multi-value), or []any of those
// scalars (an array: a multi-value string for string dimensions, an ARRAY
// under type-aware discovery). Fields are taken in sorted name order, since
// maps have none; nested maps and arrays of arrays or maps are dropped, as
// Druid's string schema discovery drops nested data.
func RowFromMap(t int64, m map[string]any) (Row, error) {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	r := Row{Time: t}
	for _, k := range names {
		v, keep, err := valueOf(m[k])
		if err != nil {
			return Row{}, base.Errorf(base.ClassInvalidInput, "field %q: %w", k, err)
		}
		if keep {
			r.Set(k, v)
		}
	}
	return r, nil
}

func valueOf(x any) (segment.Value, bool, error) {
	switch x := x.(type) {
	case nil:
		return segment.Value{}, true, nil
	case string:
		return segment.StringValue(x), true, nil
	case bool:
		if x {
			return segment.StringValue("true"), true, nil
		}
		return segment.StringValue("false"), true, nil
	case int:
		return segment.LongValue(int64(x)), true, nil
	case int64:
		return segment.LongValue(x), true, nil
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return segment.LongValue(n), true, nil
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return segment.Value{}, false, fmt.Errorf("number %q out of range", string(x))
		}
		return segment.DoubleValue(f), true, nil
	case float64:
		if math.IsInf(x, 0) {
			return segment.Value{}, false, fmt.Errorf("infinite number")
		}
		return segment.DoubleValue(x), true, nil
	case []string:
		return segment.StringsValue(x), true, nil
	case []any:
		elems := make([]segment.Value, len(x))
		for i, e := range x {
			v, keep, err := valueOf(e)
			if err != nil {
				return segment.Value{}, false, err
			}
			if !keep || v.Kind == segment.KindArray || v.Kind == segment.KindStrings {
				// Nested objects and arrays would make a COMPLEX<json>
				// column, which dryad does not store: drop the field.
				return segment.Value{}, false, nil
			}
			elems[i] = v
		}
		return segment.ArrayValue(elems), true, nil
	case map[string]any:
		return segment.Value{}, false, nil
	}
	return segment.Value{}, false, fmt.Errorf("unsupported value type %T", x)
}
