package incremental

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

// Merge combines segments of one time chunk (ingestion spills, or the
// inputs of a compaction) into a new index, which the caller persists.
//
// The merged schema is the union of the inputs': dimensions in order of
// first appearance, with conflicting types widened (LONG and DOUBLE to
// DOUBLE, FLOAT and DOUBLE to DOUBLE, numeric and STRING to STRING, a scalar
// and an array to an array of the wider element type); metrics
// by name, whose aggregator specs must agree. Rollup is re-applied (stored
// metric states are combined) when every input was rolled up; otherwise all
// rows are kept. Rows' timestamps are taken as stored (already truncated).
func Merge(inputs []*segment.Segment) (*Index, error) {
	if len(inputs) == 0 {
		return nil, base.Errorf(base.ClassInvalidInput, "merge needs at least one segment")
	}
	rollup := true
	var gran json.RawMessage
	var dims []DimensionSpec
	dimPos := map[string]int{}
	var metrics []aggregation.Factory
	metricSpec := map[string][]byte{}
	for si, s := range inputs {
		m := s.Metadata()
		rollup = rollup && m.Rollup
		if si == 0 {
			gran = m.QueryGranularity
		} else if !bytes.Equal(gran, m.QueryGranularity) {
			return nil, base.Errorf(base.ClassInvalidInput, "merge: segment %d has query granularity %s, segment 0 has %s", si, m.QueryGranularity, gran)
		}
		for _, d := range m.Dimensions {
			i, ok := dimPos[d.Name]
			if !ok {
				dimPos[d.Name] = len(dims)
				dims = append(dims, DimensionSpec{Name: d.Name, Type: d.Type})
				continue
			}
			dims[i].Type = widen(dims[i].Type, d.Type)
		}
		for _, x := range m.Metrics {
			prev, ok := metricSpec[x.Name]
			if ok {
				if !bytes.Equal(prev, x.Aggregator) {
					return nil, base.Errorf(base.ClassInvalidInput, "merge: metric %q has aggregator %s in segment %d but %s before", x.Name, x.Aggregator, si, prev)
				}
				continue
			}
			if len(x.Aggregator) == 0 {
				return nil, base.Errorf(base.ClassInvalidInput, "merge: metric %q of segment %d has no aggregator spec", x.Name, si)
			}
			f, err := aggregation.Decode(x.Aggregator)
			if err != nil {
				return nil, fmt.Errorf("merge: metric %q of segment %d: %w", x.Name, si, err)
			}
			if f.Name() != x.Name || f.StorageType() != x.Type {
				return nil, base.Errorf(base.ClassInvalidInput, "merge: metric %q of segment %d is stored as %s, its aggregator %s stores %s as %s", x.Name, si, x.Type, f.TypeName(), f.Name(), f.StorageType())
			}
			metricSpec[x.Name] = x.Aggregator
			metrics = append(metrics, f)
		}
	}
	// Multi-value string dimensions keep their stored order.
	for i := range dims {
		dims[i].MultiValueHandling = Array
	}
	x, err := New(Config{Dimensions: dims, Metrics: metrics, Rollup: rollup, QueryGranularity: gran})
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	dimVals := make([]segment.Value, len(x.scratch))
	stored := make([]segment.Value, len(metrics))
	for si, s := range inputs {
		names := s.ColumnNames()
		dimSlot := make([]int, len(names))
		metricAt := make([]int, len(names))
		for c, n := range names {
			dimSlot[c], metricAt[c] = -1, -1
			if c == 0 {
				continue
			}
			if di := x.dimIndex(n); di >= 0 && c <= len(s.Metadata().Dimensions) {
				dimSlot[c] = x.dims[di].slot
			}
			for mi, f := range metrics {
				if f.Name() == n && c > len(s.Metadata().Dimensions) {
					metricAt[c] = mi
				}
			}
		}
		rr, err := s.NewRowReader()
		if err != nil {
			return nil, fmt.Errorf("merge: segment %d: %w", si, err)
		}
		for rr.Next() {
			clear(dimVals)
			clear(stored)
			row := rr.Row()
			for c := 1; c < len(row); c++ {
				if dimSlot[c] >= 0 {
					dimVals[dimSlot[c]] = row[c]
				} else if metricAt[c] >= 0 {
					stored[metricAt[c]] = row[c]
				}
			}
			if err := x.addStored(row[0].Long, dimVals, stored); err != nil {
				return nil, fmt.Errorf("merge: segment %d row %d: %w", si, rr.RowNum(), err)
			}
		}
	}
	return x, nil
}

// scalarKind maps FLOAT to DOUBLE (arrays hold STRING, LONG or DOUBLE).
func scalarKind(k base.TypeKind) base.TypeKind {
	if k == base.KindFloat {
		return base.KindDouble
	}
	return k
}

// widen returns the type that holds values of both a and b.
func widen(a, b base.ColumnType) base.ColumnType {
	switch {
	case a == b:
		return a
	case a.Kind == base.KindArray && b.Kind == base.KindArray:
		return base.ArrayType(widenKind(a.Elem, b.Elem))
	case a.Kind == base.KindArray:
		return base.ArrayType(widenKind(a.Elem, scalarKind(b.Kind)))
	case b.Kind == base.KindArray:
		return base.ArrayType(widenKind(scalarKind(a.Kind), b.Elem))
	case a.Kind == base.KindString || b.Kind == base.KindString:
		return base.TypeString
	case a.IsNumeric() && b.IsNumeric():
		if a.Kind == base.KindLong && b.Kind == base.KindLong {
			return base.TypeLong
		}
		return base.TypeDouble
	}
	return base.TypeString
}

// addStored adds a row of stored values: dimension values by slot and
// metric states in metric order.
func (x *Index) addStored(t int64, dimVals, stored []segment.Value) error {
	row, isNew, err := x.findOrAdd(t, dimVals)
	if err != nil {
		return err
	}
	for m, rl := range x.rollups {
		if isNew {
			err = rl.AddStored(stored[m])
		} else {
			err = rl.CombineStored(row, stored[m])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// MergeFile merges segments (see Merge) and persists the result at path
// with meta's identity, returning the file's size.
func MergeFile(path string, inputs []*segment.Segment, meta segment.Metadata) (int64, error) {
	x, err := Merge(inputs)
	if err != nil {
		return 0, err
	}
	return x.PersistFile(path, meta)
}
