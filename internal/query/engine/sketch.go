package engine

import (
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

// sketchAgg drives a sketch aggregator's query-time state store
// (aggregation.SketchFactory): raw inputs are handed over row by row as
// segment values; stored sketches (a COMPLEX input column of a rolled-up
// segment) are merged from their bytes. States are created as groups are
// named, densely, so sketch aggregators are never used with identity
// grouping (see grouper).
type sketchAgg struct {
	name string
	agg  aggregation.Aggregator
	srcs []source
	vs   []*vec
	in   []segment.Value
}

func (p *plan) newSketchAgg(f aggregation.SketchFactory) (*sketchAgg, error) {
	a := &sketchAgg{name: f.Name(), agg: f.NewAggregator()}
	for _, name := range f.InputFields() {
		src, err := p.source(name)
		if err != nil {
			return nil, err
		}
		if ss, ok := src.(*stringSource); ok {
			ss.d.boxed() // values are read per row: decode the dictionary once
		}
		a.srcs = append(a.srcs, src)
	}
	a.vs = make([]*vec, len(a.srcs))
	a.in = make([]segment.Value, len(a.srcs))
	return a, nil
}

func (a *sketchAgg) grow(int) {}

func (a *sketchAgg) add(start, n int, sel []int32, groups []int32, one int32) error {
	for j, src := range a.srcs {
		v, err := src.loadSel(start, n, sel)
		if err != nil {
			return err
		}
		a.vs[j] = v
	}
	stored := len(a.vs) == 1 && a.vs[0].kind == vecComplex
	for k, i := range sel {
		g := one
		if groups != nil {
			g = groups[k]
		}
		if stored {
			if b := a.vs[0].blobs[i]; b != nil {
				if err := a.agg.Merge(int(g), b); err != nil {
					return base.Errorf(base.ClassInvalidInput, "aggregator %q: stored sketch at row %d: %w", a.name, start+int(i), err)
				}
				continue
			}
			a.agg.Aggregate(int(g), a.in[:0]) // names the group
			continue
		}
		for j, v := range a.vs {
			a.in[j] = segmentValue(v.at(int(i)))
		}
		a.agg.Aggregate(int(g), a.in)
	}
	return nil
}

func (a *sketchAgg) value(g int) any { return a.agg.Get(g) }

// err reports an input the sketch could not use (a corrupt sketch).
func (a *sketchAgg) err() error {
	if err := a.agg.Err(); err != nil {
		return base.Errorf(base.ClassInvalidInput, "aggregator %q: %w", a.name, err)
	}
	return nil
}

// segmentValue converts a value of the value model to a segment value.
func segmentValue(x any) segment.Value {
	switch v := x.(type) {
	case string:
		return segment.StringValue(v)
	case []string:
		return segment.StringsValue(v)
	case int64:
		return segment.LongValue(v)
	case float64:
		return segment.DoubleValue(v)
	case float32:
		return segment.FloatValue(v)
	case []byte:
		return segment.ComplexValue(v)
	case []any:
		out := make([]segment.Value, len(v))
		for i, e := range v {
			out[i] = segmentValue(e)
		}
		return segment.ArrayValue(out)
	}
	return segment.Value{}
}
