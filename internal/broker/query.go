package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/engine"
	"github.com/dryaddb/dryad/internal/query/metaquery"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/rowengine"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/serverview"
)

// maxSubqueryRows bounds the rows a query datasource's inner query may
// produce when the context sets no maxSubqueryRows (Druid's default).
const maxSubqueryRows = 100000

// newQueryID returns a random UUID (version 4), as Druid generates.
func newQueryID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Run executes a decoded query and returns its result JSON (Druid's exact
// shape). It is the broker's whole query path without HTTP: datasource
// resolution (tables through the timeline and the data servers, unions,
// inline rows and subqueries through the row engine), merging and
// finishing.
func (b *Broker) Run(ctx context.Context, q query.Query) ([]byte, error) {
	switch q.(type) {
	case *query.Timeseries, *query.TopN, *query.GroupBy, *query.Scan:
	case *query.Search, *query.TimeBoundary, *query.SegmentMetadata, *query.DataSourceMetadata:
		return b.runMeta(ctx, q)
	default:
		return nil, base.Errorf(base.ClassUnsupported, "query type %q is not supported yet", q.Type())
	}
	parts, err := b.partials(ctx, q)
	if err != nil {
		return nil, err
	}
	return finish(q, parts)
}

// partials returns the partial results of q: one per data server (tables
// and unions) or one computed here with the row engine over the
// datasource materialized by relationOf (inline, query, lookup, join and
// unnest datasources).
func (b *Broker) partials(ctx context.Context, q query.Query) ([]*engine.Partial, error) {
	switch ds := q.Base().DataSource.(type) {
	case *query.TableDataSource:
		return b.scatter(ctx, q, []string{ds.Name})
	case *query.UnionDataSource:
		return b.scatter(ctx, q, ds.DataSources)
	}
	rel, err := b.relationOf(ctx, q, q.Base().DataSource, outerPre(q), neededColumns(q))
	if err != nil {
		return nil, err
	}
	p, err := runRows(q, rel.columns, rel.rows)
	if err != nil {
		return nil, err
	}
	return []*engine.Partial{p}, nil
}

func (b *Broker) partialsChecked(ctx context.Context, q query.Query) ([]*engine.Partial, error) {
	switch q.(type) {
	case *query.Timeseries, *query.TopN, *query.GroupBy, *query.Scan:
		return b.partials(ctx, q)
	}
	return nil, base.Errorf(base.ClassUnsupported, "query type %q is not supported as a subquery yet", q.Type())
}

// call is the work for one data server: the segments it reads.
type call struct {
	server serverview.Server
	descs  []serverview.Descriptor
}

// plan finds the visible segments of tables (missing tables contribute
// nothing) over the query intervals, prunes them by partition dimension,
// and assigns each to one of the servers announcing it (the one given the
// fewest segments of this query so far). order numbers the segments in
// timeline order.
func (b *Broker) plan(q query.Query, tables []string) (calls []*call, order map[string]int, err error) {
	ivs := q.Base().Intervals
	if ivs == nil {
		ivs = []base.Interval{base.NewInterval(base.MinTime, base.MaxTime)}
	}
	prune := pruner(q.Base().Filter)
	byServer := map[string]*call{}
	order = map[string]int{}
	for _, table := range tables {
		for _, loc := range b.locate(table, ivs, prune) {
			var srv serverview.Server
			found := false
			for _, name := range loc.servers {
				s, ok := b.deps.View.Server(name)
				if !ok {
					continue
				}
				if !found || (byServer[s.Name] != nil && byServer[srv.Name] != nil && len(byServer[s.Name].descs) < len(byServer[srv.Name].descs)) ||
					(byServer[s.Name] == nil && byServer[srv.Name] != nil) {
					srv, found = s, true
				}
			}
			if !found {
				return nil, nil, base.Errorf(base.ClassUnavailable, "segment %s: no data server serves it", loc.desc.Segment)
			}
			c := byServer[srv.Name]
			if c == nil {
				c = &call{server: srv}
				byServer[srv.Name] = c
				calls = append(calls, c)
			}
			c.descs = append(c.descs, loc.desc)
			if _, ok := order[loc.desc.Segment.String()]; !ok {
				order[loc.desc.Segment.String()] = len(order)
			}
		}
	}
	return calls, order, nil
}

// scatter runs q on the segments of tables through the data servers
// serving them, one call per server in parallel, and returns their merged
// partial results. Scan batches are put back in timeline order.
func (b *Broker) scatter(ctx context.Context, q query.Query, tables []string) ([]*engine.Partial, error) {
	calls, order, err := b.plan(q, tables)
	if err != nil {
		return nil, err
	}
	parts := make([]*engine.Partial, len(calls))
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i], errs[i] = c.server.Runner.RunQuery(ctx, q, c.descs)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if limit, ok := q.Base().Context.MaxScatterGatherBytes(); ok && limit > 0 {
		var n int64
		for _, p := range parts {
			n += partialBytes(p)
		}
		if n > limit {
			return nil, base.Errorf(base.ClassInvalidInput,
				"Resource limit exceeded: query[%s] max scatter-gather bytes limit[%d] exceeded (about %d bytes gathered)",
				q.Base().Context.QueryID(), limit, n)
		}
	}
	if _, ok := q.(*query.Scan); ok && len(parts) > 1 {
		var all []result.ScanBatch
		for _, p := range parts {
			all = append(all, p.Scan...)
		}
		slices.SortStableFunc(all, func(a, b result.ScanBatch) int { return order[a.SegmentID] - order[b.SegmentID] })
		return []*engine.Partial{{Scan: all}}, nil
	}
	return parts, nil
}

// partialBytes estimates the size of a partial result on the wire.
func partialBytes(p *engine.Partial) int64 {
	n := int64(0)
	for _, r := range p.Timeseries {
		n += 16 + 16*int64(len(r.Values))
	}
	for _, bk := range p.TopN {
		for _, r := range bk.Rows {
			n += 24 + 16*int64(len(r.Values))
		}
	}
	for _, r := range p.GroupBy {
		n += 16 + 16*int64(len(r.Dims)+len(r.Values))
	}
	for _, bt := range p.Scan {
		for _, e := range bt.Events {
			n += 16 * int64(len(e))
		}
	}
	return n
}

// runRows runs q over in-memory rows with the row engine.
func runRows(q query.Query, columns []string, rows []value.Row) (*engine.Partial, error) {
	var p engine.Partial
	var err error
	switch q := q.(type) {
	case *query.Timeseries:
		aggs, e := result.FromFactories(q.Aggregations)
		if e != nil {
			return nil, e
		}
		p.Timeseries, err = rowengine.Timeseries(q, aggs, rows)
	case *query.TopN:
		aggs, e := result.FromFactories(q.Aggregations)
		if e != nil {
			return nil, e
		}
		p.TopN, err = rowengine.TopN(q, aggs, rows)
	case *query.GroupBy:
		aggs, e := result.FromFactories(q.Aggregations)
		if e != nil {
			return nil, e
		}
		p.GroupBy, err = rowengine.GroupBy(q, aggs, rows)
	case *query.Scan:
		var bt result.ScanBatch
		bt, err = rowengine.Scan(q, columns, rows)
		p.Scan = []result.ScanBatch{bt}
	default:
		return nil, base.Errorf(base.ClassUnsupported, "query type %q is not supported over inline or subquery datasources yet", q.Type())
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// finish merges the partial results and writes the result JSON.
func finish(q query.Query, parts []*engine.Partial) ([]byte, error) {
	switch q := q.(type) {
	case *query.Timeseries:
		tab, err := finishTimeseries(q, parts)
		if err != nil {
			return nil, err
		}
		return result.AppendTimeseries(nil, tab), nil
	case *query.TopN:
		tab, err := finishTopN(q, parts)
		if err != nil {
			return nil, err
		}
		return result.AppendTopN(nil, tab), nil
	case *query.GroupBy:
		tab, err := finishGroupBy(q, parts)
		if err != nil {
			return nil, err
		}
		return result.AppendGroupByResult(nil, q, tab), nil
	case *query.Scan:
		batches, err := finishScan(q, parts)
		if err != nil {
			return nil, err
		}
		return result.AppendScan(nil, batches, q.ResultFormat), nil
	}
	return nil, base.Errorf(base.ClassUnsupported, "query type %q is not supported yet", q.Type())
}

func finishTimeseries(q *query.Timeseries, parts []*engine.Partial) (*result.Table, error) {
	aggs, err := result.FromFactories(q.Aggregations)
	if err != nil {
		return nil, err
	}
	rows := make([][]result.TimeseriesRow, len(parts))
	for i, p := range parts {
		rows[i] = p.Timeseries
	}
	merged, err := result.MergeTimeseries(q, aggs, rows...)
	if err != nil {
		return nil, err
	}
	return result.FinishTimeseries(q, aggs, merged)
}

func finishTopN(q *query.TopN, parts []*engine.Partial) (*result.TopNTable, error) {
	aggs, err := result.FromFactories(q.Aggregations)
	if err != nil {
		return nil, err
	}
	bs := make([][]result.TopNBucket, len(parts))
	for i, p := range parts {
		bs[i] = p.TopN
	}
	merged, err := result.MergeTopN(q, aggs, 0, bs...)
	if err != nil {
		return nil, err
	}
	return result.FinishTopN(q, aggs, merged)
}

func finishGroupBy(q *query.GroupBy, parts []*engine.Partial) (*result.Table, error) {
	aggs, err := result.FromFactories(q.Aggregations)
	if err != nil {
		return nil, err
	}
	if len(parts) == 1 {
		// One data server's rows are merged already: one row per group.
		return result.FinishGroupBy(q, aggs, parts[0].GroupBy)
	}
	m := result.NewGroupByMerger(q, aggs)
	for _, p := range parts {
		if err := m.Add(p.GroupBy); err != nil {
			return nil, err
		}
	}
	return result.FinishGroupBy(q, aggs, m.Rows())
}

func finishScan(q *query.Scan, parts []*engine.Partial) ([]result.ScanBatch, error) {
	var all []result.ScanBatch
	for _, p := range parts {
		all = append(all, p.Scan...)
	}
	return result.MergeScan(q, all)
}

// finishRows finishes an inner query and returns its result as rows for
// the outer query, with the columns they have.
func finishRows(q query.Query, parts []*engine.Partial) ([]string, []value.Row, error) {
	switch q := q.(type) {
	case *query.Timeseries:
		tab, err := finishTimeseries(q, parts)
		if err != nil {
			return nil, nil, err
		}
		return append([]string{base.TimeColumn}, tab.Columns...), rowengine.TableRows(tab), nil
	case *query.GroupBy:
		tab, err := finishGroupBy(q, parts)
		if err != nil {
			return nil, nil, err
		}
		return append([]string{base.TimeColumn}, tab.Columns...), rowengine.TableRows(tab), nil
	case *query.TopN:
		tab, err := finishTopN(q, parts)
		if err != nil {
			return nil, nil, err
		}
		cols := append([]string{base.TimeColumn}, tab.Columns...)
		var rows []value.Row
		for _, bk := range tab.Buckets {
			for _, r := range bk.Rows {
				m := value.MapRow{base.TimeColumn: bk.Timestamp}
				for i, c := range tab.Columns {
					m[c] = r[i]
				}
				rows = append(rows, m)
			}
		}
		return cols, rows, nil
	case *query.Scan:
		batches, err := finishScan(q, parts)
		if err != nil {
			return nil, nil, err
		}
		cols, rows := batchRows(batches)
		return cols, rows, nil
	}
	return nil, nil, base.Errorf(base.ClassUnsupported, "query type %q is not supported as a subquery yet", q.Type())
}

// batchRows exposes scan batches as rows (sharing their events) and lists
// the union of their columns.
func batchRows(batches []result.ScanBatch) ([]string, []value.Row) {
	var cols []string
	n := 0
	for _, bt := range batches {
		n += len(bt.Events)
	}
	rows := make([]value.Row, 0, n)
	for _, bt := range batches {
		for _, c := range bt.Columns {
			if !slices.Contains(cols, c) {
				cols = append(cols, c)
			}
		}
		rows = append(rows, rowengine.InlineRows(&query.InlineDataSource{ColumnNames: bt.Columns, Rows: bt.Events})...)
	}
	return cols, rows
}

// runMeta answers search, timeBoundary, segmentMetadata and
// dataSourceMetadata queries over tables and unions: the data servers run
// each segment, metaquery.Merge combines the partials.
func (b *Broker) runMeta(ctx context.Context, q query.Query) ([]byte, error) {
	var tables []string
	switch ds := q.Base().DataSource.(type) {
	case *query.TableDataSource:
		tables = []string{ds.Name}
	case *query.UnionDataSource:
		tables = ds.DataSources
	default:
		return nil, base.Errorf(base.ClassUnsupported, "%s queries over %s datasources are not supported yet", q.Type(), ds.Type())
	}
	calls, _, err := b.plan(q, tables)
	if err != nil {
		return nil, err
	}
	if sm, ok := q.(*query.SegmentMetadata); ok && sm.Intervals == nil {
		calls = recentSegments(q, calls)
	}
	parts := make([][]*metaquery.Partial, len(calls))
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i], errs[i] = c.server.Runner.RunMetaQuery(ctx, q, c.descs)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var all []*metaquery.Partial
	for _, p := range parts {
		all = append(all, p...)
	}
	res, err := metaquery.Merge(q, all)
	if err != nil {
		return nil, err
	}
	return metaquery.AppendJSON(nil, q, res), nil
}

// recentSegments keeps the segments a segmentMetadata query without
// intervals reads, as Druid's filterSegments does: those overlapping the
// default history before the end of the latest one
// (metaquery.QueryIntervals).
func recentSegments(q query.Query, calls []*call) []*call {
	end, found := int64(0), false
	for _, c := range calls {
		for _, d := range c.descs {
			if !found || d.Interval.End > end {
				end, found = d.Interval.End, true
			}
		}
	}
	if !found {
		return calls
	}
	recent := metaquery.QueryIntervals(q, end)
	var out []*call
	for _, c := range calls {
		var keep []serverview.Descriptor
		for _, d := range c.descs {
			if slices.ContainsFunc(recent, d.Interval.Overlaps) {
				keep = append(keep, d)
			}
		}
		if len(keep) > 0 {
			out = append(out, &call{server: c.server, descs: keep})
		}
	}
	return out
}
