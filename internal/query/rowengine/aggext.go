package rowengine

import (
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// liftExt lifts rows for the filtered, any, sketch and expression
// aggregators and the sum/min/max aggregators that read an expression; nil
// for the others.
// The oracle's definitions: filtered lifts a matching row as its inner
// aggregator does and any other row to the inner aggregator's empty value;
// any lifts the row's value (merging keeps the first non-null); expression
// lifts a row to fold(initialValue, row), or to the empty value when the
// row is not folded (merging runs the combine expression).
func liftExt(f aggregation.Factory) lifter {
	switch f := f.(type) {
	case aggregation.FilteredFactory:
		inner := liftFor(f.Inner())
		m, err := filter.Compile(f.Filter())
		ra, rerr := result.FromFactory(f.Inner())
		if err != nil || rerr != nil {
			return func(view, int64) any { return nil }
		}
		empty := ra.Empty()
		return func(v view, t int64) any {
			if filter.Matches(m, v) {
				return inner(v, t)
			}
			return empty
		}
	case aggregation.AnyFactory:
		field := f.InputFields()[0]
		return func(v view, _ int64) any { return aggregation.AnyValue(f, v.Value(field)) }
	case aggregation.SketchFactory:
		// A row becomes a sketch of its own values; merging unions them.
		fields := f.InputFields()
		return func(v view, _ int64) any {
			in := make([]segment.Value, len(fields))
			for i, name := range fields {
				in[i] = aggregation.InputValue(v.Value(name))
			}
			a := f.NewAggregator()
			a.Aggregate(0, in)
			return a.Get(0)
		}
	case aggregation.ExpressionFactory:
		fields := f.InputFields()
		empty := f.Empty()
		return func(v view, _ int64) any {
			in := make([]any, len(fields))
			for i, name := range fields {
				in[i] = v.Value(name)
			}
			out, ok, err := f.Fold(f.Initial(), in)
			if err != nil || !ok {
				return empty
			}
			return out
		}
	}
	// The input expression as decoded: lookup() is bound to the query's
	// lookups.
	comp := aggregation.CompiledInputExpression(f)
	if comp == nil {
		return nil
	}
	var conv func(any) any
	switch f.Kind() {
	case aggregation.LongSum, aggregation.LongMin, aggregation.LongMax:
		conv = func(x any) any {
			if n, ok := value.ToInt64(scalar(x)); ok {
				return n
			}
			return nil
		}
	case aggregation.FloatSum, aggregation.FloatMin, aggregation.FloatMax:
		conv = func(x any) any {
			if d, ok := value.ToFloat64(scalar(x)); ok {
				return float32(d)
			}
			return nil
		}
	default:
		conv = func(x any) any {
			if d, ok := value.ToFloat64(scalar(x)); ok {
				return d
			}
			return nil
		}
	}
	var t base.ColumnType
	switch f.Kind() {
	case aggregation.LongSum, aggregation.LongMin, aggregation.LongMax:
		t = base.TypeLong
	case aggregation.FloatSum, aggregation.FloatMin, aggregation.FloatMax:
		t = base.TypeFloat
	default:
		t = base.TypeDouble
	}
	return func(v view, _ int64) any {
		out, err := comp.EvalRow(exprRow{v})
		if err != nil || out.Null {
			return nil
		}
		return conv(value.Cast(out.Any(), t))
	}
}
