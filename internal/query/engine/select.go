package engine

import (
	"context"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/segment"
)

// Select returns the rows of seg that lie in c's intervals and pass c's
// filter (reading c's virtual columns), evaluated exactly as Run evaluates
// them: through bitmap indexes, dictionaries and vectorized predicates where
// it can, row by row otherwise. all is true, and bm nil, when every row of
// the segment is selected; otherwise bm is a new bitmap the caller owns.
// Other query engines (search, …) use it so that row selection has one
// implementation.
func Select(ctx context.Context, c *query.Common, seg *segment.Segment) (bm *roaring.Bitmap, all bool, err error) {
	if c == nil || seg == nil {
		return nil, false, base.Errorf(base.ClassInvalidInput, "engine: Select needs a query and a segment")
	}
	p, err := newPlan(ctx, c, seg)
	if err != nil {
		return nil, false, err
	}
	if p.sel != nil {
		return p.sel.Clone(), false, nil
	}
	if len(p.ranges) == 1 && p.ranges[0].lo == 0 && p.ranges[0].hi == p.rows {
		return nil, true, nil
	}
	return p.domain(), false, nil
}
