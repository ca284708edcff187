package result

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/value"
)

// TopNBucket is one time bucket of a partial topN result.
type TopNBucket struct {
	Timestamp int64
	Rows      []TopNRow
}

// TopNRow is a dimension value with one intermediate value per aggregator.
type TopNRow struct {
	Dim    any
	Values []any
}

// TopNTable is a finished topN result: per bucket, rows whose values follow
// Columns (the dimension output name, the aggregators, the post-aggregators).
type TopNTable struct {
	Columns []string
	Buckets []TopNResultBucket
	// Zone prints timestamps with an offset (nil is UTC).
	Zone            *time.Location
	TimestampAsLong bool
}

// TopNResultBucket is one finished bucket.
type TopNResultBucket struct {
	Timestamp int64
	Rows      [][]any
}

// PerSegmentThreshold is how many rows a segment (or a data server) keeps
// per bucket: max(threshold, context minTopNThreshold).
func PerSegmentThreshold(q *query.TopN) int {
	n := q.Threshold
	if m := q.Context.MinTopNThreshold(); m > n {
		n = m
	}
	if n > math.MaxInt32 {
		n = math.MaxInt32
	}
	return int(n)
}

// MergeTopN combines partial topN results bucket by bucket and dimension
// value by dimension value, then keeps the best keep rows per bucket
// (keep <= 0 keeps all). Use keep = PerSegmentThreshold(q) when merging on
// a data server and FinishTopN at the broker.
func MergeTopN(q *query.TopN, aggs []Aggregator, keep int, parts ...[]TopNBucket) ([]TopNBucket, error) {
	all := q.Granularity.IsAll()
	type bucket struct {
		ts   int64
		idx  map[dimKey]int
		rows []TopNRow
	}
	var buckets []*bucket
	byTS := map[int64]*bucket{}
	for _, p := range parts {
		for _, b := range p {
			key := b.Timestamp
			if all {
				key = 0
			}
			bk := byTS[key]
			if bk == nil {
				bk = &bucket{ts: b.Timestamp, idx: map[dimKey]int{}}
				byTS[key] = bk
				buckets = append(buckets, bk)
			}
			if b.Timestamp < bk.ts {
				bk.ts = b.Timestamp
			}
			for _, r := range b.Rows {
				if err := checkWidth("topN row", len(r.Values), len(aggs)); err != nil {
					return nil, err
				}
				k := keyOf(r.Dim)
				if i, ok := bk.idx[k]; ok {
					combineInto(aggs, bk.rows[i].Values, r.Values)
					continue
				}
				bk.idx[k] = len(bk.rows)
				bk.rows = append(bk.rows, TopNRow{Dim: r.Dim, Values: slices.Clone(r.Values)})
			}
		}
	}
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].ts < buckets[j].ts })
	f, err := newFinisher([]string{q.Dimension.OutputName}, aggs, q.PostAggregations, false)
	if err != nil {
		return nil, err
	}
	out := make([]TopNBucket, len(buckets))
	for i, bk := range buckets {
		rows := bk.rows
		if keep > 0 {
			rows = orderTopN(q, f, rows, keep)
		}
		out[i] = TopNBucket{Timestamp: bk.ts, Rows: rows}
	}
	return out, nil
}

// orderTopN sorts rows by the query's metric (computing post-aggregators
// when the metric is one), drops rows before previousStop and keeps n.
func orderTopN(q *query.TopN, f *finisher, rows []TopNRow, n int) []TopNRow {
	metricIdx := -1
	if q.Metric.Kind == "numeric" {
		if i, ok := f.index[q.Metric.Metric]; ok {
			metricIdx = i
		}
	}
	type cand struct {
		row TopNRow
		key query.TopNRow
	}
	cands := make([]cand, 0, len(rows))
	for _, r := range rows {
		if !q.Metric.Admits(r.Dim) {
			continue
		}
		c := cand{row: r, key: query.TopNRow{Dim: r.Dim}}
		if metricIdx >= 0 {
			full := f.finish([]any{r.Dim}, r.Values)
			m := full[metricIdx]
			if metricIdx >= 1 && metricIdx <= len(f.aggs) {
				m = f.aggs[metricIdx-1].Finalize(m)
			}
			c.key.Metric = m
		}
		cands = append(cands, c)
	}
	sort.SliceStable(cands, func(i, j int) bool { return q.Metric.Compare(cands[i].key, cands[j].key) < 0 })
	if len(cands) > n {
		cands = cands[:n]
	}
	out := make([]TopNRow, len(cands))
	for i, c := range cands {
		out[i] = c.row
	}
	return out
}

// FinishTopN orders each merged bucket, truncates it to the threshold and
// computes post-aggregators and finalized values.
func FinishTopN(q *query.TopN, aggs []Aggregator, buckets []TopNBucket) (*TopNTable, error) {
	f, err := newFinisher([]string{q.Dimension.OutputName}, aggs, q.PostAggregations, q.Context.Finalize())
	if err != nil {
		return nil, err
	}
	order, err := newFinisher([]string{q.Dimension.OutputName}, aggs, q.PostAggregations, false)
	if err != nil {
		return nil, err
	}
	t := &TopNTable{Columns: f.names, Zone: q.Granularity.Zone(), TimestampAsLong: q.Context.SerializeDateTimeAsLong()}
	for _, b := range buckets {
		rows := orderTopN(q, order, b.Rows, int(min(q.Threshold, math.MaxInt32)))
		if len(rows) == 0 {
			continue
		}
		rb := TopNResultBucket{Timestamp: b.Timestamp, Rows: make([][]any, len(rows))}
		for i, r := range rows {
			rb.Rows[i] = f.finish([]any{r.Dim}, r.Values)
		}
		t.Buckets = append(t.Buckets, rb)
	}
	return t, nil
}

// dimKey identifies a dimension value (nil, a string or a number) in maps.
type dimKey struct {
	kind byte
	s    string
	n    uint64
}

func keyOf(v any) dimKey {
	switch x := v.(type) {
	case nil:
		return dimKey{}
	case string:
		return dimKey{kind: 1, s: x}
	case int64:
		return dimKey{kind: 2, n: uint64(x)}
	case float64:
		return dimKey{kind: 3, n: math.Float64bits(x)}
	case float32:
		return dimKey{kind: 4, n: uint64(math.Float32bits(x))}
	}
	s, _ := value.ToString(v)
	return dimKey{kind: 5, s: s}
}
