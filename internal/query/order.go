package query

import (
	"encoding/json"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
	"github.com/dryaddb/dryad/internal/query/postagg"
	"github.com/dryaddb/dryad/internal/query/value"
)

// LimitSpec is groupBy's "default" limit spec.
type LimitSpec struct {
	Columns []OrderByColumn
	// Limit is the maximum number of rows; 0 means no limit.
	Limit  int64
	Offset int64
}

// OrderByColumn orders by one output column.
type OrderByColumn struct {
	Dimension  string
	Descending bool
	// DimensionOrder is the string ordering; Explicit reports whether the
	// query gave one (a numeric dimension without one sorts numerically).
	DimensionOrder value.Ordering
	Explicit       bool
}

// MarshalJSON writes Druid's JSON.
func (c OrderByColumn) MarshalJSON() ([]byte, error) {
	dir := "ascending"
	if c.Descending {
		dir = "descending"
	}
	m := map[string]any{"dimension": c.Dimension, "direction": dir}
	if c.Explicit {
		m["dimensionOrder"] = c.DimensionOrder
	}
	return json.Marshal(m)
}

func decodeLimitSpec(raw json.RawMessage, path string) (*LimitSpec, error) {
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return nil, err
	}
	switch typ := o.Type(); typ {
	case "default", "":
	case "NoopLimitSpec", "noop":
		return nil, o.Err()
	default:
		if o.Err() != nil {
			return nil, o.Err()
		}
		return nil, base.Errorf(base.ClassInvalidInput, "%s.type: unknown limitSpec type %q: expected default", path, typ)
	}
	l := &LimitSpec{}
	if n, ok := o.OptInt("limit"); ok {
		if n <= 0 {
			o.Failf("limit", "must be greater than 0, got %d", n)
		}
		l.Limit = n
	}
	l.Offset = o.Int("offset", 0)
	if o.Err() == nil && l.Offset < 0 {
		o.Failf("offset", "must be >= 0, got %d", l.Offset)
	}
	cols, _ := o.Array("columns")
	if o.Err() != nil {
		return nil, o.Err()
	}
	for i, c := range cols {
		oc, err := decodeOrderBy(c, jsonspec.Index(o.FieldPath("columns"), i))
		if err != nil {
			return nil, err
		}
		l.Columns = append(l.Columns, oc)
	}
	return l, nil
}

func decodeOrderBy(raw json.RawMessage, path string) (OrderByColumn, error) {
	t := jsonspec.Kind(raw)
	if t != "an object" {
		s, err := jsonspec.ScalarString(raw)
		if err != nil || jsonspec.IsNull(raw) {
			return OrderByColumn{}, base.Errorf(base.ClassInvalidInput, "%s: expected a column name or an orderBy object, got %s", path, t)
		}
		return OrderByColumn{Dimension: s}, nil
	}
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return OrderByColumn{}, err
	}
	c := OrderByColumn{Dimension: o.String("dimension")}
	if d, ok := o.OptString("direction"); ok {
		switch strings.ToLower(d) {
		case "ascending", "asc":
		case "descending", "desc":
			c.Descending = true
		default:
			o.Failf("direction", "unknown direction %q: expected ascending or descending", d)
		}
	}
	if raw := o.Raw("dimensionOrder"); o.Err() == nil && !jsonspec.IsNull(raw) {
		if err := c.DimensionOrder.UnmarshalJSON(raw); err != nil {
			o.Failf("dimensionOrder", "%v", err)
		}
		c.Explicit = true
	}
	return c, o.Err()
}

// CompareColumn compares two values of one output column for an orderBy
// column: nulls first, numbers numerically (numeric dimensions too, unless
// an explicit non-lexicographic dimensionOrder is given), strings in the
// column's ordering; the result is reversed for descending columns.
func (c OrderByColumn) CompareColumn(a, b any) int {
	var r int
	switch {
	case a == nil || b == nil:
		r = postagg.CompareValues(a, b, false)
	case isNumber(a) && isNumber(b) && (!c.Explicit || c.DimensionOrder == value.Lexicographic || c.DimensionOrder == value.Numeric):
		r = postagg.CompareValues(a, b, false)
	default:
		sa, _ := value.ToString(a)
		sb, _ := value.ToString(b)
		r = c.DimensionOrder.Compare(sa, sb)
	}
	if c.Descending {
		return -r
	}
	return r
}

func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64, float32:
		return true
	}
	return false
}

// TopNMetric is a topN metric spec: numeric (by an aggregator or
// post-aggregator, descending) or dimension (by the dimension value,
// ascending, in Ordering, starting after PreviousStop), possibly inverted.
type TopNMetric struct {
	// Kind is "numeric" or "dimension".
	Kind         string
	Metric       string
	Ordering     value.Ordering
	PreviousStop *string
	Inverted     bool
}

func decodeTopNMetric(raw json.RawMessage, path string, depth int) (TopNMetric, error) {
	if jsonspec.Kind(raw) != "an object" {
		s, err := jsonspec.ScalarString(raw)
		if err != nil || jsonspec.IsNull(raw) || s == "" {
			return TopNMetric{}, base.Errorf(base.ClassInvalidInput, "%s: expected a metric name or a metric spec object, got %s", path, jsonspec.Kind(raw))
		}
		return TopNMetric{Kind: "numeric", Metric: s}, nil
	}
	if depth > 20 {
		return TopNMetric{}, base.Errorf(base.ClassInvalidInput, "%s: metric spec nesting is too deep", path)
	}
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return TopNMetric{}, err
	}
	typ := o.String("type")
	m := TopNMetric{Kind: "dimension"}
	switch typ {
	case "numeric":
		m = TopNMetric{Kind: "numeric", Metric: o.String("metric")}
		if o.Err() == nil && m.Metric == "" {
			o.Failf("metric", "must not be empty")
		}
		return m, o.Err()
	case "dimension":
		if raw := o.Raw("ordering"); o.Err() == nil && !jsonspec.IsNull(raw) {
			if err := m.Ordering.UnmarshalJSON(raw); err != nil {
				o.Failf("ordering", "%v", err)
			}
		}
	case "lexicographic":
		m.Ordering = value.Lexicographic
	case "alphaNumeric":
		m.Ordering = value.Alphanumeric
	case "inverted":
		if o.Err() == nil && !o.Has("metric") {
			o.Failf("metric", "required field is missing")
		}
		if o.Err() != nil {
			return TopNMetric{}, o.Err()
		}
		d, err := decodeTopNMetric(o.Raw("metric"), o.FieldPath("metric"), depth+1)
		if err != nil {
			return TopNMetric{}, err
		}
		d.Inverted = !d.Inverted
		return d, nil
	default:
		if o.Err() != nil {
			return TopNMetric{}, o.Err()
		}
		return TopNMetric{}, base.Errorf(base.ClassInvalidInput, "%s.type: unknown topN metric type %q: expected one of numeric, dimension, lexicographic, alphaNumeric, inverted", path, typ)
	}
	if ps, ok := o.OptString("previousStop"); ok {
		m.PreviousStop = &ps
	}
	return m, o.Err()
}

// MarshalJSON writes Druid's JSON.
func (m TopNMetric) MarshalJSON() ([]byte, error) {
	var inner any
	if m.Kind == "numeric" {
		inner = map[string]any{"type": "numeric", "metric": m.Metric}
	} else {
		d := map[string]any{"type": "dimension", "ordering": m.Ordering}
		if m.PreviousStop != nil {
			d["previousStop"] = *m.PreviousStop
		}
		inner = d
	}
	if m.Inverted {
		return json.Marshal(map[string]any{"type": "inverted", "metric": inner})
	}
	return json.Marshal(inner)
}

// TopNRow is what a topN ordering reads from a candidate row.
type TopNRow struct {
	Dim    any
	Metric any
}

// Compare orders two topN candidates: best first. Numeric metrics sort
// descending with nulls last, ties broken by dimension value ascending;
// dimension metrics sort ascending in their ordering with nulls first.
// Inverted reverses the order.
func (m TopNMetric) Compare(a, b TopNRow) int {
	var r int
	if m.Kind == "numeric" {
		r = -postagg.CompareValues(a.Metric, b.Metric, false)
		if r == 0 {
			// Ties go by dimension value, ascending, inverted or not.
			return compareDim(m.Ordering, a.Dim, b.Dim)
		}
	} else {
		r = compareDim(m.Ordering, a.Dim, b.Dim)
	}
	if m.Inverted {
		return -r
	}
	return r
}

// Admits reports whether a dimension value may appear in the result given
// PreviousStop (values strictly after it in the metric's order).
func (m TopNMetric) Admits(dim any) bool {
	if m.Kind != "dimension" || m.PreviousStop == nil {
		return true
	}
	c := compareDim(m.Ordering, dim, *m.PreviousStop)
	if m.Inverted {
		return c < 0
	}
	return c > 0
}

func compareDim(ord value.Ordering, a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	if isNumber(a) && isNumber(b) && ord == value.Lexicographic {
		return postagg.CompareValues(a, b, false)
	}
	sa, _ := value.ToString(a)
	sb, _ := value.ToString(b)
	return ord.Compare(sa, sb)
}
