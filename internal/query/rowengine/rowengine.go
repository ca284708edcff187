package rowengine

import (
	"math"
	"slices"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/value"
)

// InlineRows returns the rows of an inline datasource.
func InlineRows(d *query.InlineDataSource) []value.Row {
	idx := make(map[string]int, len(d.ColumnNames))
	for i, c := range d.ColumnNames {
		idx[c] = i
	}
	rows := make([]value.Row, len(d.Rows))
	for i, r := range d.Rows {
		rows[i] = sliceRow{idx, r}
	}
	return rows
}

type sliceRow struct {
	idx  map[string]int
	vals []any
}

// Value implements the row interface.
func (s sliceRow) Value(name string) any {
	if i, ok := s.idx[name]; ok {
		return s.vals[i]
	}
	return nil
}

// prepared is a query's common part bound for row evaluation.
type prepared struct {
	c      *query.Common
	match  filter.Matcher
	vcs    map[string]*expr.Compiled
	vcType map[string]base.ColumnType
}

func prepare(c *query.Common) (*prepared, error) {
	p := &prepared{c: c, vcs: map[string]*expr.Compiled{}, vcType: map[string]base.ColumnType{}}
	for _, vc := range c.VirtualColumns {
		comp, err := c.CompileExpr(vc.Expression, nil)
		if err != nil {
			return nil, base.Errorf(base.ClassOf(err), "virtual column %q: %w", vc.Name, err)
		}
		p.vcs[vc.Name] = comp
		p.vcType[vc.Name] = vc.OutputType
	}
	m, err := filter.Compile(c.Filter)
	if err != nil {
		return nil, err
	}
	p.match = m
	return p, nil
}

// view is a row with the query's virtual columns.
type view struct {
	p     *prepared
	r     value.Row
	depth int
}

// Value implements the row interface.
func (v view) Value(name string) any {
	c, ok := v.p.vcs[name]
	if !ok {
		return v.r.Value(name)
	}
	if v.depth > 32 {
		return nil // a cycle between virtual columns
	}
	out, err := c.EvalRow(exprRow{view{v.p, v.r, v.depth + 1}})
	if err != nil || out.Null {
		return nil
	}
	return value.Cast(out.Any(), v.p.vcType[name])
}

type exprRow struct{ v view }

// Value implements the row interface.
func (e exprRow) Value(name string) expr.Value { return expr.FromAny(e.v.Value(name)) }

func rowTime(r value.Row) int64 {
	t, _ := value.ToInt64(r.Value(base.TimeColumn))
	return t
}

// each calls fn for every row that is inside the query intervals and
// passes the filter, with its time.
func (p *prepared) each(rows []value.Row, fn func(v view, t int64)) {
	for _, r := range rows {
		t := rowTime(r)
		if p.c.Intervals != nil {
			in := false
			for _, iv := range p.c.Intervals {
				if iv.Contains(t) {
					in = true
					break
				}
			}
			if !in {
				continue
			}
		}
		v := view{p: p, r: r}
		if !filter.Matches(p.match, v) {
			continue
		}
		fn(v, t)
	}
}

// lifter turns an input row into an aggregator's intermediate value.
type lifter func(v view, t int64) any

func lifters(fs []aggregation.Factory) []lifter {
	out := make([]lifter, len(fs))
	for i, f := range fs {
		out[i] = liftFor(f)
	}
	return out
}

func liftFor(f aggregation.Factory) lifter {
	if l := liftExt(f); l != nil {
		return l
	}
	in := f.InputFields()
	field, timeCol := "", base.TimeColumn
	if len(in) > 0 {
		field = in[0]
	}
	if len(in) > 1 {
		timeCol = in[1]
	}
	timeOf := func(v view, t int64) int64 {
		if timeCol == base.TimeColumn {
			return t
		}
		n, _ := value.ToInt64(v.Value(timeCol))
		return n
	}
	asLong := func(x any) any {
		if n, ok := value.ToInt64(scalar(x)); ok {
			return n
		}
		return nil
	}
	asDouble := func(x any) any {
		if d, ok := value.ToFloat64(scalar(x)); ok {
			return d
		}
		return nil
	}
	asFloat := func(x any) any {
		if d, ok := value.ToFloat64(scalar(x)); ok {
			return float32(d)
		}
		return nil
	}
	asString := func(x any) any {
		if s, ok := value.ToString(scalar(x)); ok {
			return s
		}
		return nil
	}
	switch f.Kind() {
	case aggregation.Count:
		return func(view, int64) any { return int64(1) }
	case aggregation.LongSum, aggregation.LongMin, aggregation.LongMax:
		return func(v view, _ int64) any { return asLong(v.Value(field)) }
	case aggregation.DoubleSum, aggregation.DoubleMin, aggregation.DoubleMax:
		return func(v view, _ int64) any { return asDouble(v.Value(field)) }
	case aggregation.FloatSum, aggregation.FloatMin, aggregation.FloatMax:
		return func(v view, _ int64) any { return asFloat(v.Value(field)) }
	}
	var conv func(any) any
	switch f.Kind() {
	case aggregation.LongFirst, aggregation.LongLast:
		conv = asLong
	case aggregation.DoubleFirst, aggregation.DoubleLast:
		conv = asDouble
	case aggregation.FloatFirst, aggregation.FloatLast:
		conv = asFloat
	default:
		conv = asString
	}
	return func(v view, t int64) any { return result.Pair{Time: timeOf(v, t), Value: conv(v.Value(field))} }
}

// scalar reduces a multi-value row to its only value (nil otherwise).
func scalar(x any) any {
	switch v := x.(type) {
	case []string:
		if len(v) == 1 {
			return v[0]
		}
		return nil
	case []any:
		if len(v) == 1 {
			return v[0]
		}
		return nil
	}
	return x
}

func lift(ls []lifter, v view, t int64) []any {
	out := make([]any, len(ls))
	for i, l := range ls {
		out[i] = l(v, t)
	}
	return out
}

// dimValues returns the values a dimension spec yields for a row: one
// value, or several for a multi-value row.
func dimValues(s dimension.Spec, v view) []any {
	raw := v.Value(s.Dimension)
	if s.ExtractionFn != nil {
		raw = s.ExtractionFn.ApplyValue(raw)
	}
	var vals []any
	switch x := raw.(type) {
	case []string:
		if len(x) == 0 {
			return []any{nil}
		}
		vals = make([]any, len(x))
		for i, e := range x {
			vals[i] = e
		}
	case []any:
		if len(x) == 0 {
			return []any{nil}
		}
		vals = x
	default:
		vals = []any{raw}
	}
	for i, e := range vals {
		vals[i] = value.Cast(e, s.OutputType)
	}
	return vals
}

// dataInterval is [first row time, last row time + 1) of the rows that
// pass the query.
type span struct {
	lo, hi int64
	any    bool
}

func (s *span) add(t int64) {
	if !s.any || t < s.lo {
		s.lo = t
	}
	if !s.any || t > s.hi {
		s.hi = t
	}
	s.any = true
}

// Timeseries runs a timeseries query over rows. Empty buckets between the
// first and the last matching row are zero-filled (unless
// skipEmptyBuckets); with granularity "all" the bucket is labelled
// max(query start, first row time).
func Timeseries(q *query.Timeseries, aggs []result.Aggregator, rows []value.Row) ([]result.TimeseriesRow, error) {
	aggs = inRowOrder(aggs)
	p, err := prepare(&q.Common)
	if err != nil {
		return nil, err
	}
	ls := lifters(q.Aggregations)
	g := q.Granularity
	idx := map[int64]int{}
	var out []result.TimeseriesRow
	var sp span
	p.each(rows, func(v view, t int64) {
		sp.add(t)
		b := g.Floor(t)
		if g.IsAll() {
			b = 0
		}
		vals := lift(ls, v, t)
		if i, ok := idx[b]; ok {
			for j, a := range aggs {
				out[i].Values[j] = a.Combine(out[i].Values[j], vals[j])
			}
			return
		}
		idx[b] = len(out)
		out = append(out, result.TimeseriesRow{Timestamp: b, Values: combineFrom(aggs, vals)})
	})
	if g.IsAll() {
		if len(out) == 1 {
			out[0].Timestamp = allLabel(q.Intervals, sp.lo)
		}
		return out, nil
	}
	slices.SortFunc(out, func(a, b result.TimeseriesRow) int { return cmpInt(a.Timestamp, b.Timestamp) })
	if sp.any {
		return result.FillTimeseriesChecked(q, aggs, out, base.NewInterval(sp.lo, sp.hi+1))
	}
	return out, nil
}

// rowOrder folds rows with the aggregator's RowFolder rule: rows are read
// in order, as a segment's are.
type rowOrder struct {
	result.Aggregator
	f result.RowFolder
}

// Combine folds b, a row read after those a holds.
func (r rowOrder) Combine(a, b any) any { return r.f.FoldRow(a, b) }

// inRowOrder wraps the aggregators whose result depends on row order
// (first/last on equal times) so that folding rows follows Druid's rule
// for reading a segment.
func inRowOrder(aggs []result.Aggregator) []result.Aggregator {
	out := aggs
	for i, a := range aggs {
		if f, ok := a.(result.RowFolder); ok {
			if &out[0] == &aggs[0] {
				out = slices.Clone(aggs)
			}
			out[i] = rowOrder{Aggregator: a, f: f}
		}
	}
	return out
}

// combineFrom folds a lifted row into empty states (so that count and
// nullable sums start right).
func combineFrom(aggs []result.Aggregator, vals []any) []any {
	out := make([]any, len(aggs))
	for i, a := range aggs {
		out[i] = a.Combine(a.Empty(), vals[i])
	}
	return out
}

func allLabel(ivs []base.Interval, first int64) int64 {
	if len(ivs) > 0 && ivs[0].Start > first {
		return ivs[0].Start
	}
	return first
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TopN runs a topN query over rows and returns every group per bucket
// (merge with result.MergeTopN and finish with result.FinishTopN).
func TopN(q *query.TopN, aggs []result.Aggregator, rows []value.Row) ([]result.TopNBucket, error) {
	aggs = inRowOrder(aggs)
	p, err := prepare(&q.Common)
	if err != nil {
		return nil, err
	}
	ls := lifters(q.Aggregations)
	g := q.Granularity
	type bucket struct {
		idx  map[any]int
		rows []result.TopNRow
	}
	byTS := map[int64]*bucket{}
	var order []int64
	var sp span
	p.each(rows, func(v view, t int64) {
		sp.add(t)
		b := g.Floor(t)
		if g.IsAll() {
			b = 0
		}
		bk := byTS[b]
		if bk == nil {
			bk = &bucket{idx: map[any]int{}}
			byTS[b] = bk
			order = append(order, b)
		}
		vals := lift(ls, v, t)
		for _, d := range dimValues(q.Dimension, v) {
			k := mapKey(d)
			if i, ok := bk.idx[k]; ok {
				for j, a := range aggs {
					bk.rows[i].Values[j] = a.Combine(bk.rows[i].Values[j], vals[j])
				}
				continue
			}
			bk.idx[k] = len(bk.rows)
			bk.rows = append(bk.rows, result.TopNRow{Dim: d, Values: combineFrom(aggs, vals)})
		}
	})
	slices.Sort(order)
	out := make([]result.TopNBucket, 0, len(order))
	for _, b := range order {
		ts := b
		if g.IsAll() {
			ts = allLabel(q.Intervals, sp.lo)
		}
		out = append(out, result.TopNBucket{Timestamp: ts, Rows: byTS[b].rows})
	}
	return out, nil
}

// mapKey makes comparable map keys of dimension values (NaN and
// non-scalars become tagged strings).
func mapKey(d any) any {
	switch x := d.(type) {
	case nil, string, int64, float32:
		return d
	case float64:
		if math.IsNaN(x) {
			return "\x00NaN"
		}
		return d
	}
	return "\x00" + string(result.AppendValue(nil, d))
}

// TableRows exposes a finished result table (for example the inner query
// of a query datasource) as rows: its columns, plus __time holding each
// row's timestamp.
func TableRows(t *result.Table) []value.Row {
	idx := make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		if _, dup := idx[c]; !dup {
			idx[c] = i
		}
	}
	rows := make([]value.Row, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = tableRow{idx, r}
	}
	return rows
}

type tableRow struct {
	idx map[string]int
	r   result.Row
}

// Value implements the row interface.
func (t tableRow) Value(name string) any {
	if i, ok := t.idx[name]; ok {
		return t.r.Values[i]
	}
	if name == base.TimeColumn {
		return t.r.Timestamp
	}
	return nil
}

// GroupBy runs a groupBy query over rows and returns its groups (finish
// with result.FinishGroupBy, after merging with other partial results if
// any).
func GroupBy(q *query.GroupBy, aggs []result.Aggregator, rows []value.Row) ([]result.GroupByRow, error) {
	aggs = inRowOrder(aggs)
	p, err := prepare(&q.Common)
	if err != nil {
		return nil, err
	}
	ls := lifters(q.Aggregations)
	g := q.Granularity
	m := result.NewGroupByMerger(q, aggs)
	var batch []result.GroupByRow
	var addErr error
	p.each(rows, func(v view, t int64) {
		b := g.Floor(t)
		vals := lift(ls, v, t)
		per := make([][]any, len(q.Dimensions))
		for i, d := range q.Dimensions {
			per[i] = dimValues(d, v)
		}
		// The cartesian product of the dimension values.
		idx := make([]int, len(per))
		for {
			dims := make([]any, len(per))
			for i := range per {
				dims[i] = per[i][idx[i]]
			}
			batch = append(batch, result.GroupByRow{Timestamp: b, Dims: dims, Values: combineFrom(aggs, vals)})
			k := len(idx) - 1
			for k >= 0 {
				idx[k]++
				if idx[k] < len(per[k]) {
					break
				}
				idx[k] = 0
				k--
			}
			if k < 0 {
				break
			}
		}
		if len(batch) >= 4096 && addErr == nil {
			addErr = m.Add(batch)
			batch = nil
		}
	})
	if addErr == nil {
		addErr = m.Add(batch)
	}
	if addErr != nil {
		return nil, addErr
	}
	return m.Rows(), nil
}

// Scan runs a scan query over rows (columns lists the table's columns, used
// when the query names none) and returns one batch of all matching rows
// with a null segment id; result.MergeScan applies order, offset and limit.
func Scan(q *query.Scan, columns []string, rows []value.Row) (result.ScanBatch, error) {
	p, err := prepare(&q.Common)
	if err != nil {
		return result.ScanBatch{}, err
	}
	cols := q.Columns
	if len(cols) == 0 {
		cols = columns
		if !slices.Contains(cols, base.TimeColumn) {
			cols = append([]string{base.TimeColumn}, cols...)
		}
	}
	b := result.ScanBatch{Columns: cols}
	p.each(rows, func(v view, t int64) {
		e := make([]any, len(cols))
		for i, c := range cols {
			if c == base.TimeColumn {
				e[i] = t
			} else {
				e[i] = v.Value(c)
			}
		}
		b.Events = append(b.Events, e)
	})
	return b, nil
}
