package broker

import (
	"context"
	"slices"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/rowengine"
	"github.com/dryaddb/dryad/internal/query/value"
)

// relation is a datasource materialized on the broker: its columns and
// rows (in the value package's model).
type relation struct {
	columns []string
	rows    []value.Row
}

// relationOf materializes ds for the outer query q: tables and unions are
// scanned on the data servers over q's intervals, inline rows are used as
// they are, subqueries run and finish here, lookups come from the lookup
// registry, and joins and unnests are computed with the row engine from
// their materialized inputs. Every nesting goes through this one function.
//
// pre is a filter the rows may be dropped by (nil: none): a join's
// leftFilter, and the conjuncts of the outer filter that only read columns
// passed through unchanged from ds (the outer query applies its filter
// again, so pushing is only ever an optimization). Table scans apply it on
// the data servers; joins and unnests pass on what their inputs can apply.
// need lists the columns the consumer reads (nil: every column); table
// scans read only those.
func (b *Broker) relationOf(ctx context.Context, q query.Query, ds query.DataSource, pre filter.Filter, need columnSet) (relation, error) {
	if err := ctx.Err(); err != nil {
		return relation{}, err
	}
	switch ds := ds.(type) {
	case *query.TableDataSource:
		return b.scanTables(ctx, q, ds, []string{ds.Name}, pre, need)
	case *query.UnionDataSource:
		return b.scanTables(ctx, q, ds, ds.DataSources, pre, need)
	case *query.InlineDataSource:
		return relation{ds.ColumnNames, rowengine.InlineRows(ds)}, nil
	case *query.QueryDataSource:
		inner := ds.Query
		parts, err := b.partialsChecked(ctx, inner)
		if err != nil {
			return relation{}, err
		}
		cols, rows, err := finishRows(inner, parts)
		if err != nil {
			return relation{}, err
		}
		if err := checkSubqueryRows(q, len(rows)); err != nil {
			return relation{}, err
		}
		return relation{cols, rows}, nil
	case *query.LookupDataSource:
		if b.deps.Lookups != nil {
			if m, ok := b.deps.Lookups.Map(ds.Lookup); ok {
				return relation{[]string{"k", "v"}, rowengine.LookupRows(m)}, nil
			}
		}
		return relation{}, base.Errorf(base.ClassInvalidInput, "lookup datasource: lookup [%s] is not loaded on this broker", ds.Lookup)
	case *query.JoinDataSource:
		if t := nonGlobal(ds.Right); t != "" {
			return relation{}, base.Errorf(base.ClassUnsupported,
				"Cannot handle subquery structure for dataSource: the right side of a join reads table %q directly; dryad has no broadcast tables: use a lookup, inline or query datasource on the right", t)
		}
		leftNeed, rightNeed := joinNeeds(ds, need)
		// Filtering the left rows first is the same as filtering the
		// output by left columns only when no unmatched right row (whose
		// left columns are null) is added: INNER and LEFT joins.
		var leftPre []filter.Filter
		if ds.LeftFilter != nil {
			leftPre = append(leftPre, ds.LeftFilter)
		}
		if !ds.JoinType.KeepsRight() {
			leftPre = append(leftPre, conjunctsReading(pre, func(c string) bool { return !query.ShadowedBy(c, ds.RightPrefix) })...)
		}
		// The two sides are materialized side by side; a failing left side
		// stops the right one.
		rctx, stop := context.WithCancel(ctx)
		var right relation
		var rightErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			right, rightErr = b.relationOf(rctx, q, ds.Right, nil, rightNeed)
		}()
		left, err := b.relationOf(ctx, q, ds.Left, andOf(leftPre), leftNeed)
		if err != nil {
			stop()
		}
		<-done
		stop()
		if err != nil {
			return relation{}, err
		}
		if rightErr != nil {
			return relation{}, rightErr
		}
		if _, isLookup := ds.Right.(*query.LookupDataSource); !isLookup {
			if err := checkSubqueryRows(q, len(right.rows)); err != nil {
				return relation{}, err
			}
		}
		cols, rows, err := rowengine.Join(ctx, ds, left.columns, left.rows, right.columns, right.rows)
		if err != nil {
			return relation{}, err
		}
		return relation{cols, rows}, nil
	case *query.UnnestDataSource:
		basePre := andOf(conjunctsReading(pre, func(c string) bool { return c != ds.VirtualColumn.Name }))
		in, err := b.relationOf(ctx, q, ds.Base, basePre, unnestNeeds(ds, need))
		if err != nil {
			return relation{}, err
		}
		cols, rows, err := rowengine.Unnest(ctx, ds, in.columns, in.rows)
		if err != nil {
			return relation{}, err
		}
		return relation{cols, rows}, nil
	}
	return relation{}, base.Errorf(base.ClassUnsupported, "datasource type %q is not supported yet", ds.Type())
}

// nonGlobal names a table that ds reads directly (not through a
// subquery), or "". Such a datasource cannot be the right side of a join:
// in Druid only global (broadcast) datasources can.
func nonGlobal(ds query.DataSource) string {
	switch ds := ds.(type) {
	case *query.TableDataSource:
		return ds.Name
	case *query.UnionDataSource:
		if len(ds.DataSources) > 0 {
			return ds.DataSources[0]
		}
	case *query.JoinDataSource:
		if t := nonGlobal(ds.Left); t != "" {
			return t
		}
		return nonGlobal(ds.Right)
	case *query.UnnestDataSource:
		return nonGlobal(ds.Base)
	}
	return ""
}

// checkSubqueryRows enforces the query context's maxSubqueryRows (Druid's
// default when unset) on n rows materialized from a subquery or the right
// side of a join.
func checkSubqueryRows(q query.Query, n int) error {
	limit := int64(maxSubqueryRows)
	if v, ok := q.Base().Context.Int("maxSubqueryRows"); ok {
		limit = v
	}
	if limit > 0 && int64(n) > limit {
		return base.Errorf(base.ClassInvalidInput,
			"Resource limit exceeded: subquery generated results beyond maximum[%d] rows; raise maxSubqueryRows in the query context", limit)
	}
	return nil
}

// scanTables scans the needed columns (nil: every column) of tables over q's intervals on the data
// servers, with the filter pushed down, and returns the rows in timeline
// order.
func (b *Broker) scanTables(ctx context.Context, q query.Query, ds query.DataSource, tables []string, pre filter.Filter, need columnSet) (relation, error) {
	var cols []string
	if need != nil {
		cols = append(need.sorted(), base.TimeColumn)
	}
	sq := &query.Scan{
		Columns: cols,
		Common: query.Common{DataSource: ds, Intervals: q.Base().Intervals, Filter: pre,
			Granularity: granularity.All(), Context: q.Base().Context},
		ResultFormat: query.ResultFormatCompactedList,
		BatchSize:    20480,
	}
	parts, err := b.scatter(ctx, sq, tables)
	if err != nil {
		return relation{}, err
	}
	// No order, offset or limit to apply: the batches are the rows, in
	// timeline order.
	var batches []result.ScanBatch
	for _, p := range parts {
		batches = append(batches, p.Scan...)
	}
	cols, rows := batchRows(batches)
	return relation{cols, rows}, nil
}

// columnSet is a set of column names; nil stands for every column.
type columnSet map[string]bool

func (s columnSet) add(cols ...string) {
	for _, c := range cols {
		s[c] = true
	}
}

// sorted lists the set's columns but __time, in order.
func (s columnSet) sorted() []string {
	out := make([]string, 0, len(s))
	for c := range s {
		if c != base.TimeColumn {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// neededColumns is the set of input columns q reads: its filter, virtual
// columns, dimensions, aggregator inputs and scan columns (__time always).
// A scan without columns reads them all (nil).
func neededColumns(q query.Query) columnSet {
	c := q.Base()
	need := columnSet{base.TimeColumn: true}
	need.add(filter.RequiredColumns(c.Filter)...)
	for _, vc := range c.VirtualColumns {
		comp, err := c.CompileExpr(vc.Expression, nil)
		if err != nil {
			return nil
		}
		need.add(comp.RequiredColumns()...)
	}
	aggs := func(a *query.Aggregated) {
		for _, f := range a.Aggregations {
			need.add(f.InputFields()...)
		}
	}
	switch q := q.(type) {
	case *query.Timeseries:
		aggs(&q.Aggregated)
	case *query.TopN:
		aggs(&q.Aggregated)
		need.add(q.Dimension.Dimension)
	case *query.GroupBy:
		aggs(&q.Aggregated)
		for _, d := range q.Dimensions {
			need.add(d.Dimension)
		}
	case *query.Scan:
		if len(q.Columns) == 0 {
			return nil
		}
		need.add(q.Columns...)
	default:
		return nil
	}
	return need
}

// joinNeeds splits the columns read from a join's output into those of
// its left and right sides, adding the condition's key columns.
func joinNeeds(d *query.JoinDataSource, need columnSet) (left, right columnSet) {
	if need == nil {
		return nil, nil
	}
	left, right = columnSet{base.TimeColumn: true}, columnSet{}
	for c := range need {
		if query.ShadowedBy(c, d.RightPrefix) {
			right[c[len(d.RightPrefix):]] = true
		} else {
			left[c] = true
		}
	}
	for _, eq := range d.Equalities {
		comp := eq.Compiled
		if comp == nil {
			var err error
			if comp, err = expr.Bind(eq.Left, nil); err != nil {
				return nil, nil
			}
		}
		left.add(comp.RequiredColumns()...)
		right.add(eq.RightColumn)
	}
	return left, right
}

// unnestNeeds is the columns an unnest reads from its base: those read
// from its output but the unnested one, and the inputs of its expression
// and filter.
func unnestNeeds(d *query.UnnestDataSource, need columnSet) columnSet {
	if need == nil {
		return nil
	}
	out := columnSet{}
	for c := range need {
		if c != d.VirtualColumn.Name {
			out[c] = true
		}
	}
	for _, c := range filter.RequiredColumns(d.UnnestFilter) {
		if c != d.VirtualColumn.Name {
			out[c] = true
		}
	}
	comp := d.Expr
	if comp == nil {
		var err error
		if comp, err = expr.Compile(d.VirtualColumn.Expression, nil); err != nil {
			return nil
		}
	}
	out.add(comp.RequiredColumns()...)
	return out
}

// outerPre is the part of q's filter its datasource's rows can be
// filtered by: the conjuncts that read no virtual column of q.
func outerPre(q query.Query) filter.Filter {
	c := q.Base()
	return andOf(conjunctsReading(c.Filter, func(col string) bool {
		for _, vc := range c.VirtualColumns {
			if vc.Name == col {
				return false
			}
		}
		return true
	}))
}

// conjunctsReading returns the conjuncts of f (the fields of nested ands,
// or f itself) that read only columns ok accepts.
func conjunctsReading(f filter.Filter, ok func(column string) bool) []filter.Filter {
	if f == nil {
		return nil
	}
	if a, isAnd := f.(*filter.And); isAnd {
		var out []filter.Filter
		for _, g := range a.Fields {
			out = append(out, conjunctsReading(g, ok)...)
		}
		return out
	}
	for _, c := range filter.RequiredColumns(f) {
		if !ok(c) {
			return nil
		}
	}
	return []filter.Filter{f}
}

// andOf is the conjunction of fs: nil for none, the filter itself for one.
func andOf(fs []filter.Filter) filter.Filter {
	switch len(fs) {
	case 0:
		return nil
	case 1:
		return fs[0]
	}
	return &filter.And{Fields: fs}
}
