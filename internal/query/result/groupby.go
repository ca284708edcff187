package result

import (
	"encoding/binary"
	"math"
	"slices"
	"sort"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/postagg"
	"github.com/dryaddb/dryad/internal/query/value"
)

// GroupByRow is a partial groupBy row: bucket start, dimension values (in
// query dimension order; nil, string, int64, float64 or float32) and one
// intermediate value per aggregator.
type GroupByRow struct {
	Timestamp int64
	Dims      []any
	Values    []any
}

// GroupByMerger combines partial groupBy rows with equal (bucket,
// dimensions) keys. It is used by one goroutine at a time.
type GroupByMerger struct {
	aggs  []Aggregator
	nDims int
	all   bool
	idx   map[string]int32
	rows  []GroupByRow
	key   []byte
}

// NewGroupByMerger returns an empty merger for q.
func NewGroupByMerger(q *query.GroupBy, aggs []Aggregator) *GroupByMerger {
	return &GroupByMerger{aggs: aggs, nDims: len(q.Dimensions), all: q.Granularity.IsAll(), idx: map[string]int32{}}
}

// Add merges rows into the merger, which takes ownership of them: the
// first row of each key is kept and later ones are combined into it.
func (m *GroupByMerger) Add(rows []GroupByRow) error {
	for _, r := range rows {
		if len(r.Values) != len(m.aggs) || len(r.Dims) != m.nDims {
			return base.Errorf(base.ClassInternal, "groupBy row has %d dimensions and %d values, the query has %d and %d", len(r.Dims), len(r.Values), m.nDims, len(m.aggs))
		}
		ts := r.Timestamp
		if m.all {
			ts = 0
		}
		m.key = appendKey(m.key[:0], ts, r.Dims)
		if i, ok := m.idx[string(m.key)]; ok {
			dst := m.rows[i].Values
			for j, a := range m.aggs {
				dst[j] = a.Combine(dst[j], r.Values[j])
			}
			continue
		}
		m.idx[string(m.key)] = int32(len(m.rows))
		m.rows = append(m.rows, r)
	}
	return nil
}

// Len is the number of distinct groups so far.
func (m *GroupByMerger) Len() int { return len(m.rows) }

// Rows returns the merged rows (in first-seen order) and resets the merger.
func (m *GroupByMerger) Rows() []GroupByRow {
	rows := m.rows
	m.rows = nil
	m.idx = map[string]int32{}
	return rows
}

// appendKey encodes a bucket and dimension values unambiguously.
func appendKey(dst []byte, ts int64, dims []any) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(ts))
	for _, d := range dims {
		switch x := d.(type) {
		case nil:
			dst = append(dst, 0)
		case string:
			dst = append(dst, 1)
			dst = binary.AppendUvarint(dst, uint64(len(x)))
			dst = append(dst, x...)
		case int64:
			dst = append(dst, 2)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(x))
		case float64:
			dst = append(dst, 3)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(x))
		case float32:
			dst = append(dst, 4)
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(x))
		default:
			s, _ := value.ToString(x)
			dst = append(dst, 5)
			dst = binary.AppendUvarint(dst, uint64(len(s)))
			dst = append(dst, s...)
		}
	}
	return dst
}

// FinishGroupBy turns merged rows into the final table: for the query (or,
// with a subtotalsSpec, for each subtotal grouping in turn, concatenated)
// it orders rows, computes post-aggregators, finalizes, applies having and
// then the limitSpec (ordering, offset, limit). With granularity "all"
// every timestamp is the query's first interval start.
func FinishGroupBy(q *query.GroupBy, aggs []Aggregator, rows []GroupByRow) (*Table, error) {
	dims := make([]string, len(q.Dimensions))
	for i, d := range q.Dimensions {
		dims[i] = d.OutputName
	}
	f, err := newFinisher(dims, aggs, q.PostAggregations, q.Context.Finalize())
	if err != nil {
		return nil, err
	}
	having, err := query.CompileHaving(q.Having)
	if err != nil {
		return nil, err
	}
	t := &Table{Columns: f.names, Zone: q.Granularity.Zone(), TimestampAsLong: q.Context.SerializeDateTimeAsLong()}
	if q.Granularity.IsAll() {
		start := base.MinTime
		if len(q.Intervals) > 0 {
			start = q.Intervals[0].Start
		}
		for i := range rows {
			rows[i].Timestamp = start
		}
	}
	if q.SubtotalsSpec == nil {
		t.Rows = finishGroups(q, f, having, rows)
		return t, nil
	}
	pos := map[string]int{}
	for i, d := range dims {
		pos[d] = i
	}
	for _, subset := range q.SubtotalsSpec {
		keep := make([]bool, len(dims))
		for _, d := range subset {
			keep[pos[d]] = true
		}
		m := &GroupByMerger{aggs: aggs, nDims: len(dims), all: q.Granularity.IsAll(), idx: map[string]int32{}}
		regrouped := make([]GroupByRow, len(rows))
		for i, r := range rows {
			d := make([]any, len(dims))
			for j := range dims {
				if keep[j] {
					d[j] = r.Dims[j]
				}
			}
			regrouped[i] = GroupByRow{Timestamp: r.Timestamp, Dims: d, Values: slices.Clone(r.Values)}
		}
		if err := m.Add(regrouped); err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, finishGroups(q, f, having, m.Rows())...)
	}
	return t, nil
}

func finishGroups(q *query.GroupBy, f *finisher, having query.HavingMatcher, rows []GroupByRow) []Row {
	byDimsFirst := q.Context.SortByDimsFirst()
	all := q.Granularity.IsAll()
	// Natural order: time, then dimensions (or dimensions first).
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !byDimsFirst && !all && a.Timestamp != b.Timestamp {
			return a.Timestamp < b.Timestamp
		}
		for k := range a.Dims {
			if c := compareDimValues(a.Dims[k], b.Dims[k]); c != 0 {
				return c < 0
			}
		}
		return a.Timestamp < b.Timestamp
	})
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		vals := f.finish(r.Dims, r.Values)
		if !having(rowView{f, vals}) {
			continue
		}
		out = append(out, Row{Timestamp: r.Timestamp, Values: vals})
	}
	l := q.LimitSpec
	if l == nil {
		return out
	}
	if len(l.Columns) > 0 {
		cols := make([]int, len(l.Columns))
		for i, c := range l.Columns {
			cols[i] = -1 // not an output column (decoding rejects this): compares as null
			if j, ok := f.index[c.Dimension]; ok {
				cols[i] = j
			}
		}
		at := func(r Row, i int) any {
			if i < 0 {
				return nil
			}
			return r.Values[i]
		}
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i], out[j]
			if !byDimsFirst && !all && a.Timestamp != b.Timestamp {
				return a.Timestamp < b.Timestamp
			}
			for k, c := range l.Columns {
				if r := c.CompareColumn(at(a, cols[k]), at(b, cols[k])); r != 0 {
					return r < 0
				}
			}
			return false
		})
	}
	if l.Offset > 0 {
		if l.Offset >= int64(len(out)) {
			return nil
		}
		out = out[l.Offset:]
	}
	if l.Limit > 0 && int64(len(out)) > l.Limit {
		out = out[:l.Limit]
	}
	return out
}

// compareDimValues is the natural dimension order: nulls first, numbers
// numerically, strings lexicographically.
func compareDimValues(a, b any) int {
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok {
			switch {
			case sa < sb:
				return -1
			case sa > sb:
				return 1
			}
			return 0
		}
	}
	return postagg.CompareValues(a, b, false)
}
