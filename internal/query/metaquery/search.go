package metaquery

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"
	"unsafe"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// searchTarget is one searched column and the dimension name hits report.
type searchTarget struct {
	column, output string
	// explicit is set for columns the query named (an unsearchable type is
	// then an error, not skipped).
	explicit bool
}

// runSearch answers a search query on one segment. The hits are labelled
// with the segment interval's start, as Druid's search runner does.
func runSearch(ctx context.Context, q *query.Search, seg *segment.Segment) (*Partial, error) {
	vs, err := bindVirtuals(seg, &q.Common)
	if err != nil {
		return nil, err
	}
	m, err := compileSearch(q.Query)
	if err != nil {
		return nil, err
	}
	meta := seg.Metadata()
	var targets []searchTarget
	if len(q.SearchDimensions) == 0 {
		for _, d := range meta.Dimensions {
			targets = append(targets, searchTarget{column: d.Name, output: d.Name})
		}
	} else {
		for i, d := range q.SearchDimensions {
			if d.ExtractionFn != nil {
				return nil, base.Errorf(base.ClassUnsupported, "search: searchDimensions[%d] (%s): extraction functions are not supported", i, d.Dimension)
			}
			targets = append(targets, searchTarget{column: d.Dimension, output: d.OutputName, explicit: true})
		}
	}
	sel, err := selectRows(ctx, seg, q.Base())
	if err != nil {
		return nil, err
	}
	hits := []SearchHit{}
	if !sel.empty() {
		present := map[string]bool{}
		for _, c := range seg.ColumnNames() {
			present[c] = true
		}
		for _, t := range targets {
			if vs.has(t.column) {
				hits, err = searchRows(ctx, seg, vs, t.column, t.output, m.pred, sel, hits)
				if err != nil {
					return nil, err
				}
				continue
			}
			if !present[t.column] {
				continue // a missing column holds only nulls, which never match
			}
			col, err := seg.Column(t.column)
			if err != nil {
				return nil, err
			}
			switch c := col.(type) {
			case segment.StringColumn:
				hits, err = searchStrings(ctx, seg, c, t.output, m, sel, hits)
			case segment.LongColumn, segment.FloatColumn, segment.DoubleColumn:
				hits, err = searchRows(ctx, seg, nil, t.column, t.output, m.pred, sel, hits)
			default:
				if t.explicit {
					err = base.Errorf(base.ClassUnsupported, "search: column %q of type %s cannot be searched", t.column, col.Info().Type)
				}
			}
			if err != nil {
				return nil, err
			}
		}
	}
	sortHits(hits, q.Sort)
	hits = sumDuplicates(hits)
	if int64(len(hits)) > q.Limit {
		hits = hits[:q.Limit]
	}
	return &Partial{Type: q.Type(), Search: &SearchBucket{Timestamp: meta.Interval.Start, Hits: hits}}, nil
}

// bytesString views b as a string without copying. The string must not
// outlive the call it is passed to unless copied.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// searchStrings appends the hits of a string column: for each non-null
// dictionary value the predicate accepts, the number of selected rows
// holding it. With every row selected that is the value's bitmap
// cardinality; otherwise the bitmap is intersected with the selection, or,
// when the selection is much smaller than the dictionary, the selected
// rows' ids are counted instead. A literal prefix narrows the dictionary
// to the ids holding it (the dictionary is sorted).
func searchStrings(ctx context.Context, seg *segment.Segment, c segment.StringColumn, out string, m matcher, sel selection, hits []SearchHit) ([]SearchHit, error) {
	pred := m.pred
	card := c.Cardinality()
	first := 0
	if c.HasNull() {
		first = 1
	}
	if !sel.all && sel.bm.GetCardinality()*8 < uint64(card) {
		return searchSelectedIDs(c, out, pred, sel, hits)
	}
	if m.prefix != "" {
		lo, _ := c.IndexOf(m.prefix)
		lo = max(lo, first)
		// Values holding the prefix come first among those >= it.
		prefix := []byte(m.prefix)
		hi := lo + sort.Search(card-lo, func(i int) bool {
			return !bytes.HasPrefix(c.LookupBytes(lo+i), prefix)
		})
		first, card = lo, hi
	}
	for id := first; id < card; id++ {
		if id&0xffff == 0 {
			if err := checkCtx(ctx, seg); err != nil {
				return nil, err
			}
		}
		b := c.LookupBytes(id)
		if !pred(bytesString(b)) {
			continue
		}
		bm, err := c.Bitmap(id)
		if err != nil {
			return nil, err
		}
		var n uint64
		if sel.all {
			n = bm.GetCardinality()
		} else {
			n = bm.AndCardinality(sel.bm)
		}
		if n > 0 {
			hits = append(hits, SearchHit{Dimension: out, Value: string(b), Count: int64(n)})
		}
	}
	return hits, nil
}

// searchSelectedIDs counts the dictionary ids of the selected rows, then
// tests each distinct id once.
func searchSelectedIDs(c segment.StringColumn, out string, pred func(string) bool, sel selection, hits []SearchHit) ([]SearchHit, error) {
	counts := map[int32]int64{}
	var ids []int32
	it := sel.bm.Iterator()
	for it.HasNext() {
		ids = c.RowIDs(int(it.Next()), ids[:0])
		for i, id := range ids {
			if !slices.Contains(ids[:i], id) { // rows count once per value, as bitmaps do
				counts[id]++
			}
		}
	}
	keys := make([]int32, 0, len(counts))
	for id := range counts {
		keys = append(keys, id)
	}
	slices.Sort(keys)
	for _, id := range keys {
		if int(id) >= c.Cardinality() {
			return nil, base.Errorf(base.ClassInternal, "search: dictionary id %d out of range in column %s", id, c.Info().Name)
		}
		v, isNull := c.Lookup(int(id))
		if isNull || !pred(v) {
			continue
		}
		hits = append(hits, SearchHit{Dimension: out, Value: v, Count: counts[id]})
	}
	return hits, nil
}

// searchRows appends the hits of a column read row by row: a numeric
// column, whose values print as Java's String.valueOf does, or a virtual
// column. Each selected non-null value (each element of a multi-value
// row) is printed, tested and counted.
func searchRows(ctx context.Context, seg *segment.Segment, vs *virtuals, column, out string, pred func(string) bool, sel selection, hits []SearchHit) ([]SearchHit, error) {
	inputs := []string{column}
	if vs != nil {
		inputs = vs.storedInputs(inputs)
	}
	acc, err := newRowAccessor(seg, inputs)
	if err != nil {
		return nil, err
	}
	var row filter.Row = acc
	if vs != nil {
		row = view{v: vs, r: acc}
	}
	counts := map[string]int64{}
	count := func(e any) bool {
		if s, ok := value.ToString(e); ok {
			counts[s]++
		}
		return true
	}
	visit := func(r int) error {
		if r%segment.BlockSize == 0 {
			if err := checkCtx(ctx, seg); err != nil {
				return err
			}
		}
		acc.seek(r)
		value.Each(row.Value(column), count)
		return acc.err
	}
	if sel.all {
		for r := 0; r < sel.n; r++ {
			if err := visit(r); err != nil {
				return nil, err
			}
		}
	} else {
		it := sel.bm.Iterator()
		for it.HasNext() {
			if err := visit(int(it.Next())); err != nil {
				return nil, err
			}
		}
	}
	for s, n := range counts {
		if pred(s) {
			hits = append(hits, SearchHit{Dimension: out, Value: s, Count: n})
		}
	}
	return hits, nil
}

// compareHits is Druid's SearchSortSpec comparator: the values in the
// query's ordering, then the dimension names lexicographically.
func compareHits(o value.Ordering) func(a, b SearchHit) int {
	return func(a, b SearchHit) int {
		return cmp.Or(o.Compare(a.Value, b.Value), strings.Compare(a.Dimension, b.Dimension))
	}
}

func sortHits(hits []SearchHit, o value.Ordering) {
	slices.SortStableFunc(hits, compareHits(o))
}

// sumDuplicates merges adjacent hits of the same dimension and value (a
// column searched twice under one output name), summing their counts.
func sumDuplicates(hits []SearchHit) []SearchHit {
	out := hits[:0]
	for _, h := range hits {
		if n := len(out); n > 0 && out[n-1].Dimension == h.Dimension && out[n-1].Value == h.Value {
			out[n-1].Count += h.Count
			continue
		}
		out = append(out, h)
	}
	return out
}

// mergeSearch merges per-segment hits as Druid's SearchBinaryFn does. With
// granularity "all" there is one bucket, labelled with the earliest
// segment timestamp, and the limit applies to it; otherwise segments are
// bucketed by the granularity of their timestamp and no limit applies.
func mergeSearch(q *query.Search, parts []*Partial) []SearchBucket {
	type bucket struct {
		ts     int64
		counts map[[2]string]int64
	}
	var buckets []*bucket
	byKey := map[int64]*bucket{}
	all := q.Granularity.IsAll()
	for _, p := range parts {
		if p.Search == nil {
			continue
		}
		key := int64(0)
		ts := p.Search.Timestamp
		if !all {
			key = q.Granularity.Floor(ts)
			ts = key
		}
		b := byKey[key]
		if b == nil {
			b = &bucket{ts: ts, counts: map[[2]string]int64{}}
			byKey[key] = b
			buckets = append(buckets, b)
		}
		b.ts = min(b.ts, ts)
		for _, h := range p.Search.Hits {
			b.counts[[2]string{h.Dimension, h.Value}] += h.Count
		}
	}
	slices.SortFunc(buckets, func(a, b *bucket) int { return cmp.Compare(a.ts, b.ts) })
	out := make([]SearchBucket, 0, len(buckets))
	for _, b := range buckets {
		hits := make([]SearchHit, 0, len(b.counts))
		for k, n := range b.counts {
			hits = append(hits, SearchHit{Dimension: k[0], Value: k[1], Count: n})
		}
		sortHits(hits, q.Sort)
		if all && int64(len(hits)) > q.Limit {
			hits = hits[:q.Limit]
		}
		out = append(out, SearchBucket{Timestamp: b.ts, Hits: hits})
	}
	return out
}
