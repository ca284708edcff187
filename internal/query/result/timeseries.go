package result

import (
	"slices"
	"sort"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
)

// TimeseriesRow is a partial timeseries row: a bucket start and one
// intermediate value per aggregator.
type TimeseriesRow struct {
	Timestamp int64
	Values    []any
}

// MaxFillBuckets is the most empty buckets FillTimeseriesChecked adds for
// one call (a "none" granularity over a long interval would otherwise
// allocate a row per millisecond).
const MaxFillBuckets = 1_000_000

// FillTimeseriesChecked adds empty buckets, as a per-segment timeseries
// engine does: every granularity bucket of the query intervals that
// overlaps data (the segment's data interval) and is missing from rows gets
// each aggregator's empty value. Granularity "all" and context
// skipEmptyBuckets disable filling. rows must be sorted by timestamp; the
// result is sorted too. More than MaxFillBuckets empty buckets is a
// base.ClassInvalidInput error (Druid answers "Resource limit exceeded"
// with 400) naming the granularity.
func FillTimeseriesChecked(q *query.Timeseries, aggs []Aggregator, rows []TimeseriesRow, data base.Interval) ([]TimeseriesRow, error) {
	g := q.Granularity
	if g.IsAll() || q.Context.SkipEmptyBuckets() {
		return rows, nil
	}
	have := make(map[int64]bool, len(rows))
	for _, r := range rows {
		have[r.Timestamp] = true
	}
	added := 0
	for _, qi := range q.Intervals {
		iv, ok := qi.Intersect(data)
		if !ok || iv.IsEmpty() {
			continue
		}
		for b := range g.Iterate(iv) {
			if have[b.Start] {
				continue
			}
			if added++; added > MaxFillBuckets {
				return nil, base.Errorf(base.ClassInvalidInput, "timeseries with granularity %s would zero-fill more than %d empty buckets over %s; use a coarser granularity or context skipEmptyBuckets", g, MaxFillBuckets, iv)
			}
			rows = append(rows, TimeseriesRow{Timestamp: b.Start, Values: emptyValues(aggs)})
			have[b.Start] = true
		}
	}
	if added > 0 {
		sort.Slice(rows, func(i, j int) bool { return rows[i].Timestamp < rows[j].Timestamp })
	}
	return rows, nil
}

// FillTimeseries is FillTimeseriesChecked for callers that do not handle
// the bucket limit: past MaxFillBuckets it returns rows without filling.
// New code should call FillTimeseriesChecked.
func FillTimeseries(q *query.Timeseries, aggs []Aggregator, rows []TimeseriesRow, data base.Interval) []TimeseriesRow {
	filled, err := FillTimeseriesChecked(q, aggs, rows, data)
	if err != nil {
		return rows
	}
	return filled
}

// MergeTimeseries combines partial results (one slice per segment or data
// server) bucket by bucket. With granularity "all" every row falls into
// one bucket labelled with the smallest timestamp. The result is sorted by
// timestamp.
func MergeTimeseries(q *query.Timeseries, aggs []Aggregator, parts ...[]TimeseriesRow) ([]TimeseriesRow, error) {
	all := q.Granularity.IsAll()
	idx := map[int64]int{}
	var out []TimeseriesRow
	for _, p := range parts {
		for _, r := range p {
			if err := checkWidth("timeseries row", len(r.Values), len(aggs)); err != nil {
				return nil, err
			}
			key := r.Timestamp
			if all {
				key = 0
			}
			i, ok := idx[key]
			if !ok {
				idx[key] = len(out)
				out = append(out, TimeseriesRow{Timestamp: r.Timestamp, Values: slices.Clone(r.Values)})
				continue
			}
			combineInto(aggs, out[i].Values, r.Values)
			if r.Timestamp < out[i].Timestamp {
				out[i].Timestamp = r.Timestamp
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Timestamp < out[j].Timestamp })
	return out, nil
}

// FinishTimeseries turns merged rows into the final table: descending
// order, post-aggregators, finalization, the grand total (computed over all
// buckets, before the limit) and the limit.
func FinishTimeseries(q *query.Timeseries, aggs []Aggregator, rows []TimeseriesRow) (*Table, error) {
	f, err := newFinisher(nil, aggs, q.PostAggregations, q.Context.Finalize())
	if err != nil {
		return nil, err
	}
	t := &Table{Columns: f.names, Zone: q.Granularity.Zone(), TimestampAsLong: q.Context.SerializeDateTimeAsLong()}
	if q.Context.GrandTotal() {
		total := emptyValues(aggs)
		for _, r := range rows {
			combineInto(aggs, total, r.Values)
		}
		t.GrandTotal = f.finish(nil, total)
	}
	if q.Descending {
		slices.Reverse(rows)
	}
	if q.Limit > 0 && int64(len(rows)) > q.Limit {
		rows = rows[:q.Limit]
	}
	t.Rows = make([]Row, len(rows))
	for i, r := range rows {
		t.Rows[i] = Row{Timestamp: r.Timestamp, Values: f.finish(nil, r.Values)}
	}
	return t, nil
}
