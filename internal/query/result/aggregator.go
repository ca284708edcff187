package result

import (
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/postagg"
	"github.com/dryaddb/dryad/internal/query/value"
)

// Aggregator is what merging needs from an aggregator. Implementations are
// immutable and safe for concurrent use.
type Aggregator interface {
	// Name is the output name.
	Name() string
	// Empty is the intermediate value of a state that saw no rows.
	Empty() any
	// Combine merges two intermediate values; it may return either argument.
	Combine(a, b any) any
	// Finalize converts an intermediate value to the value written in results.
	Finalize(v any) any
}

// Pair is the intermediate value of a first/last aggregator: the value and
// the time it was seen at. Combining keeps the earlier (first) or later
// (last) pair; on equal times a non-null value wins, then the smaller
// (first) or larger (last) value, so that the merged result does not depend
// on the order partial results arrive in. Within one segment rows are
// folded in row order instead (RowFolder), as Druid does.
type Pair struct {
	Time  int64
	Value any
}

type simpleAgg struct {
	name    string
	empty   any
	combine func(a, b any) any
}

// Name returns the output name.
func (s *simpleAgg) Name() string { return s.name }

// Empty implements the interface.
func (s *simpleAgg) Empty() any { return s.empty }

// Combine implements the interface.
func (s *simpleAgg) Combine(a, b any) any { return s.combine(a, b) }

// Finalize implements the interface.
func (s *simpleAgg) Finalize(v any) any { return v }

type pairAgg struct {
	name  string
	first bool
}

// Name returns the output name.
func (p *pairAgg) Name() string { return p.name }

// Empty implements the interface.
func (p *pairAgg) Empty() any { return nil }

// Combine implements the interface.
func (p *pairAgg) Combine(a, b any) any {
	pa, okA := a.(Pair)
	pb, okB := b.(Pair)
	switch {
	case !okA:
		return b
	case !okB:
		return a
	}
	switch {
	case pa.Time == pb.Time:
		// Equal times: prefer a non-null value, then the smaller (first)
		// or larger (last) one, so that merging does not depend on order.
		switch {
		case pa.Value == nil:
			return b
		case pb.Value == nil:
			return a
		}
		c := postagg.CompareValues(pa.Value, pb.Value, false)
		if (p.first && c > 0) || (!p.first && c < 0) {
			return b
		}
		return a
	case p.first == (pb.Time < pa.Time):
		return b
	}
	return a
}

// RowFolder is implemented by aggregators whose result depends on the
// order rows are read in (first/last on equal times). FoldRow folds row,
// the intermediate value of one row read after the rows acc holds, into
// acc: Druid's rule for reading a segment, where on equal times the later
// row wins for last and the earlier for first (null values included).
type RowFolder interface {
	FoldRow(acc, row any) any
}

// FoldRow implements RowFolder.
func (p *pairAgg) FoldRow(acc, row any) any {
	pa, okA := acc.(Pair)
	pb, okB := row.(Pair)
	switch {
	case !okA:
		return row
	case !okB:
		return acc
	}
	if p.first {
		if pb.Time < pa.Time {
			return row
		}
		return acc
	}
	if pb.Time >= pa.Time {
		return row
	}
	return acc
}

// Finalize implements the interface.
func (p *pairAgg) Finalize(v any) any {
	if pv, ok := v.(Pair); ok {
		return pv.Value
	}
	return v
}

// FromFactory adapts an aggregator spec. Intermediate values: count and
// longSum/Min/Max are int64, double* float64, float* float32 (nil until a
// value was seen, except count which starts at 0), first/last are Pair;
// sketch aggregators (aggregation.SketchFactory) are their own adapters.
// A filtered aggregator merges as its inner aggregator; longAny, doubleAny,
// floatAny and stringAny hold their value (nil until one is seen) and keep
// the first non-null; expression aggregators (aggregation.ExpressionFactory)
// are their own adapters.
func FromFactory(f aggregation.Factory) (Aggregator, error) {
	if sf, ok := f.(aggregation.SketchFactory); ok {
		// Sketch aggregators carry their own intermediate-value protocol.
		return sf, nil
	}
	switch f := f.(type) {
	case aggregation.FilteredFactory:
		// The inner aggregator, named as the filtered one, merges.
		return FromFactory(f.Inner())
	case aggregation.ExpressionFactory:
		// Expression aggregators carry their own protocol.
		return f, nil
	case aggregation.AnyFactory:
		return &simpleAgg{f.Name(), nil, firstNonNull}, nil
	}
	n := f.Name()
	switch f.Kind() {
	case aggregation.Count:
		return &simpleAgg{n, int64(0), addLong}, nil
	case aggregation.LongSum:
		return &simpleAgg{n, nil, addLong}, nil
	case aggregation.DoubleSum:
		return &simpleAgg{n, nil, addDouble}, nil
	case aggregation.FloatSum:
		return &simpleAgg{n, nil, addFloat}, nil
	case aggregation.LongMin, aggregation.DoubleMin, aggregation.FloatMin:
		return &simpleAgg{n, nil, minOf}, nil
	case aggregation.LongMax, aggregation.DoubleMax, aggregation.FloatMax:
		return &simpleAgg{n, nil, maxOf}, nil
	case aggregation.LongFirst, aggregation.DoubleFirst, aggregation.FloatFirst, aggregation.StringFirst:
		return &pairAgg{n, true}, nil
	case aggregation.LongLast, aggregation.DoubleLast, aggregation.FloatLast, aggregation.StringLast:
		return &pairAgg{n, false}, nil
	}
	return nil, base.Errorf(base.ClassUnsupported, "aggregator %q: type %q cannot be merged yet", n, f.TypeName())
}

// firstNonNull is the "any" aggregators' combine: the first non-null.
func firstNonNull(a, b any) any {
	if a == nil {
		return b
	}
	return a
}

// FromFactories adapts a list of aggregator specs.
func FromFactories(fs []aggregation.Factory) ([]Aggregator, error) {
	out := make([]Aggregator, len(fs))
	for i, f := range fs {
		a, err := FromFactory(f)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

func addLong(a, b any) any {
	x, okA := a.(int64)
	y, okB := b.(int64)
	switch {
	case !okA:
		return b
	case !okB:
		return a
	}
	return x + y
}

func addDouble(a, b any) any {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	x, _ := value.ToFloat64(a)
	y, _ := value.ToFloat64(b)
	return x + y
}

func addFloat(a, b any) any {
	x, okA := a.(float32)
	y, okB := b.(float32)
	switch {
	case !okA:
		return b
	case !okB:
		return a
	}
	return x + y
}

func minOf(a, b any) any {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	if less(b, a) {
		return b
	}
	return a
}

func maxOf(a, b any) any {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	if less(a, b) {
		return b
	}
	return a
}

func less(a, b any) bool {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			return x < y
		}
	}
	x, _ := value.ToFloat64(a)
	y, _ := value.ToFloat64(b)
	return x < y
}
