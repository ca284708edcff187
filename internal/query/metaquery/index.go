package metaquery

import (
	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/segment"
)

// indexFilter answers a filter from string columns' bitmap indexes when it
// is made only of selector, in, equals (on a string) and null leaves on
// string columns stored in the segment, combined with and/or. ok is false
// for anything else, which is then evaluated row by row. The result is a
// new bitmap the caller owns.
//
// Without "not", Druid's three-valued logic needs no care here: a row
// matches an and when it matches every field, an or when it matches any,
// and a leaf's bitmap holds exactly the rows where it is true.
func indexFilter(seg *segment.Segment, f filter.Filter) (bm *roaring.Bitmap, ok bool, err error) {
	switch f := f.(type) {
	case *filter.And:
		var parts []*roaring.Bitmap
		for _, sub := range f.Fields {
			b, ok, err := indexFilter(seg, sub)
			if !ok || err != nil {
				return nil, ok, err
			}
			parts = append(parts, b)
		}
		if len(parts) == 0 {
			return nil, false, nil
		}
		return roaring.FastAnd(parts...), true, nil
	case *filter.Or:
		var parts []*roaring.Bitmap
		for _, sub := range f.Fields {
			b, ok, err := indexFilter(seg, sub)
			if !ok || err != nil {
				return nil, ok, err
			}
			parts = append(parts, b)
		}
		return roaring.FastOr(parts...), true, nil
	case *filter.Selector:
		if f.ExtractionFn != nil {
			return nil, false, nil
		}
		return valuesBitmap(seg, f.Dimension, []*string{f.Value})
	case *filter.In:
		if f.ExtractionFn != nil {
			return nil, false, nil
		}
		return valuesBitmap(seg, f.Dimension, f.Values)
	case *filter.Equals:
		s, isString := f.MatchValue.(string)
		if !isString || f.MatchValueType.Kind != base.KindString {
			return nil, false, nil
		}
		return valuesBitmap(seg, f.Column, []*string{&s})
	case *filter.Null:
		return valuesBitmap(seg, f.Column, []*string{nil})
	}
	return nil, false, nil
}

// valuesBitmap returns the rows of a stored string column holding one of
// the values (nil: null).
func valuesBitmap(seg *segment.Segment, column string, values []*string) (*roaring.Bitmap, bool, error) {
	stored := false
	for _, d := range seg.Metadata().Dimensions {
		if d.Name == column {
			stored = true
			break
		}
	}
	if !stored {
		return nil, false, nil
	}
	col, err := seg.Column(column)
	if err != nil {
		return nil, false, err
	}
	sc, isString := col.(segment.StringColumn)
	if !isString {
		return nil, false, nil
	}
	out := roaring.New()
	for _, v := range values {
		var b *roaring.Bitmap
		if v == nil {
			b, err = sc.NullBitmap()
		} else if id, found := sc.IndexOf(*v); found {
			b, err = sc.Bitmap(id)
		}
		if err != nil {
			return nil, false, err
		}
		if b != nil {
			out.Or(b)
		}
	}
	return out, true, nil
}
