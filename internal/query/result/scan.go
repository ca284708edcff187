package result

import (
	"slices"
	"sort"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/value"
)

// ScanBatch is a batch of scan rows from one segment. Events hold one
// []any per row, parallel to Columns; ColumnTypes, when set, parallels
// Columns and is written as the rowSignature.
type ScanBatch struct {
	// SegmentID is the source segment; empty is written as null (rows
	// merged across segments by time ordering).
	SegmentID   string
	Columns     []string
	ColumnTypes []base.ColumnType
	Events      [][]any
}

// MergeScan merges batches from several segments, in the order given (the
// order the broker received them) for order "none", or by __time for
// ascending/descending order (a stable merge: rows with equal times keep
// their input order). It then skips Offset rows and stops after Limit rows.
// Time-ordered output is re-batched into batches of at most BatchSize rows
// with a null segment id.
func MergeScan(q *query.Scan, batches []ScanBatch) ([]ScanBatch, error) {
	offset, limit := q.Offset, q.Limit
	if q.Order == query.OrderNone {
		var out []ScanBatch
		for _, b := range batches {
			ev := b.Events
			if offset > 0 {
				if offset >= int64(len(ev)) {
					offset -= int64(len(ev))
					continue
				}
				ev = ev[offset:]
				offset = 0
			}
			if limit > 0 {
				if limit <= int64(len(ev)) {
					ev = ev[:limit]
				}
				limit -= int64(len(ev))
			}
			if len(ev) > 0 {
				b.Events = ev
				out = append(out, b)
			}
			if q.Limit > 0 && limit == 0 {
				break
			}
		}
		return out, nil
	}
	type rowRef struct {
		t     int64
		batch int
		row   []any
	}
	var refs []rowRef
	for bi, b := range batches {
		ti := slices.Index(b.Columns, base.TimeColumn)
		if ti < 0 {
			return nil, base.Errorf(base.ClassInvalidInput, "scan ordering by __time needs the __time column, segment %q returned %v", b.SegmentID, b.Columns)
		}
		for _, e := range b.Events {
			if len(e) != len(b.Columns) {
				return nil, base.Errorf(base.ClassInternal, "scan batch of segment %q has a row of %d values for %d columns", b.SegmentID, len(e), len(b.Columns))
			}
			t, _ := value.ToInt64(e[ti])
			refs = append(refs, rowRef{t, bi, e})
		}
	}
	desc := q.Order == query.OrderDescending
	sort.SliceStable(refs, func(i, j int) bool {
		if desc {
			return refs[i].t > refs[j].t
		}
		return refs[i].t < refs[j].t
	})
	if offset >= int64(len(refs)) {
		return nil, nil
	}
	refs = refs[offset:]
	if limit > 0 && int64(len(refs)) > limit {
		refs = refs[:limit]
	}
	var out []ScanBatch
	for _, r := range refs {
		src := &batches[r.batch]
		n := len(out)
		if n == 0 || int64(len(out[n-1].Events)) >= q.BatchSize || !slices.Equal(out[n-1].Columns, src.Columns) {
			out = append(out, ScanBatch{Columns: src.Columns, ColumnTypes: src.ColumnTypes})
			n++
		}
		out[n-1].Events = append(out[n-1].Events, r.row)
	}
	return out, nil
}
