package postagg

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/sketch"
	"github.com/dryaddb/dryad/internal/sketch/quantiles"
)

// SketchOp is one of the sketch post-aggregators of Druid's datasketches
// extension, or hyperUniqueCardinality. Field (or Fields, for unions and
// set operations) yields the sketch — usually a fieldAccess to a sketch
// aggregator's unfinalized value; FieldName is hyperUniqueCardinality's
// aggregator. Results:
//
//   - HLLSketchEstimate: DOUBLE (LONG with round); HLLSketchEstimateWithBounds:
//     [estimate, lower, upper]; HLLSketchUnion: an HLL sketch;
//     HLLSketchToString: STRING.
//   - thetaSketchEstimate: DOUBLE, or {estimate, highBound, lowBound,
//     numStdDev} with errorBoundsStdDev; thetaSketchSetOp: a theta sketch
//     (func UNION, INTERSECT or NOT); thetaSketchToString: STRING;
//     thetaSketchConstant: the theta sketch given as base64 in value.
//   - quantilesDoublesSketchTo… and kllDoublesSketchTo…: Quantile (DOUBLE at
//     fraction), Quantiles (array at fractions), Histogram (counts per bin of
//     splitPoints, or of numBins equal bins between min and max; default 10),
//     Rank (DOUBLE rank of value), CDF (array at splitPoints), String.
//   - hyperUniqueCardinality: DOUBLE (LONG with round).
//
// A null or empty sketch gives 0 estimates and NaN quantiles, as in Druid.
type SketchOp struct {
	Kind       string
	OutputName string
	Field      PostAggregator
	Fields     []PostAggregator
	FieldName  string
	Round      bool
	// NumStdDev is HLLSketchEstimateWithBounds' numStdDev or
	// thetaSketchEstimate's errorBoundsStdDev (0: none).
	NumStdDev   int
	LgK         int
	TgtHllType  string
	Func        string
	Size        int
	Fraction    float64
	Fractions   []float64
	SplitPoints []float64
	NumBins     int
	Value       float64
	// Sketch is thetaSketchConstant's base64 sketch.
	Sketch string
}

type sketchFamily uint8

const (
	famHLL sketchFamily = iota + 1
	famTheta
	famQuantiles
	famKLL
	famHyperUnique
)

var sketchPostTypes = map[string]sketchFamily{
	"HLLSketchEstimate": famHLL, "HLLSketchEstimateWithBounds": famHLL, "HLLSketchUnion": famHLL, "HLLSketchToString": famHLL,
	"thetaSketchEstimate": famTheta, "thetaSketchSetOp": famTheta, "thetaSketchToString": famTheta,
	"thetaSketchConstant":              famTheta,
	"quantilesDoublesSketchToQuantile": famQuantiles, "quantilesDoublesSketchToQuantiles": famQuantiles,
	"quantilesDoublesSketchToHistogram": famQuantiles, "quantilesDoublesSketchToRank": famQuantiles,
	"quantilesDoublesSketchToCDF": famQuantiles, "quantilesDoublesSketchToString": famQuantiles,
	"kllDoublesSketchToQuantile": famKLL, "kllDoublesSketchToQuantiles": famKLL, "kllDoublesSketchToHistogram": famKLL,
	"kllDoublesSketchToRank": famKLL, "kllDoublesSketchToCDF": famKLL, "kllDoublesSketchToString": famKLL,
	"hyperUniqueCardinality": famHyperUnique,
}

// op is the part of the type name after "…SketchTo" (or the whole name).
func (p *SketchOp) op() string {
	for _, pre := range []string{"quantilesDoublesSketchTo", "kllDoublesSketchTo"} {
		if len(p.Kind) > len(pre) && p.Kind[:len(pre)] == pre {
			return p.Kind[len(pre):]
		}
	}
	return p.Kind
}

// Name returns the output name.
func (p *SketchOp) Name() string { return p.OutputName }

// Type implements the interface: the Druid type name.
func (p *SketchOp) Type() string { return p.Kind }

func (p *SketchOp) inputs(d []string) []string {
	if p.FieldName != "" {
		d = append(d, p.FieldName)
	}
	if p.Field != nil {
		d = p.Field.inputs(d)
	}
	for _, f := range p.Fields {
		d = f.inputs(d)
	}
	return d
}

// MarshalJSON writes Druid's JSON.
func (p *SketchOp) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": p.Kind, "name": p.OutputName}
	if p.Field != nil {
		m["field"] = p.Field
	}
	if p.Fields != nil {
		m["fields"] = p.Fields
	}
	switch p.Kind {
	case "hyperUniqueCardinality":
		m["fieldName"] = p.FieldName
		m["round"] = p.Round
	case "HLLSketchEstimate":
		m["round"] = p.Round
	case "HLLSketchEstimateWithBounds":
		m["numStdDev"] = p.NumStdDev
	case "HLLSketchUnion":
		m["lgK"] = p.LgK
		m["tgtHllType"] = p.TgtHllType
	case "thetaSketchEstimate":
		if p.NumStdDev > 0 {
			m["errorBoundsStdDev"] = p.NumStdDev
		}
	case "thetaSketchSetOp":
		m["func"] = p.Func
		m["size"] = p.Size
	case "thetaSketchConstant":
		m["value"] = p.Sketch
	}
	switch p.op() {
	case "Quantile":
		m["fraction"] = p.Fraction
	case "Quantiles":
		m["fractions"] = p.Fractions
	case "Histogram":
		if p.SplitPoints != nil {
			m["splitPoints"] = p.SplitPoints
		} else {
			m["numBins"] = p.NumBins
		}
	case "Rank":
		m["value"] = p.Value
	case "CDF":
		m["splitPoints"] = p.SplitPoints
	}
	return json.Marshal(m)
}

// decodeSketchPost decodes a sketch post-aggregator; ok is false when typ
// is not one.
func decodeSketchPost(typ, name string, o *jsonspec.Object, depth int, lk exprLookups) (PostAggregator, bool) {
	fam, ok := sketchPostTypes[typ]
	if !ok {
		return nil, false
	}
	p := &SketchOp{Kind: typ, OutputName: name}
	field := func() {
		if !o.Has("field") {
			o.Failf("field", "required field is missing")
			return
		}
		f, err := decode(o.Raw("field"), o.FieldPath("field"), depth+1, false, lk)
		if err != nil {
			o.Fail(err)
			return
		}
		p.Field = f
	}
	floats := func(key string) []float64 {
		a, ok := o.Array(key)
		if !ok {
			return nil
		}
		out := make([]float64, 0, len(a))
		for i, e := range a {
			f, err := jsonspec.ScalarFloat(e)
			if err != nil {
				o.Failf(key, "element %d: %v", i, err)
				return nil
			}
			out = append(out, f)
		}
		if out == nil {
			out = []float64{}
		}
		return out
	}
	switch {
	case typ == "hyperUniqueCardinality":
		p.FieldName = o.String("fieldName")
		if o.Err() == nil && p.FieldName == "" {
			o.Failf("fieldName", "must not be empty")
		}
		p.Round = o.Bool("round", false)
	case typ == "thetaSketchConstant":
		p.Sketch = o.String("value")
		if o.Err() == nil {
			if _, err := sketch.AsTheta(p.Sketch); err != nil {
				o.Failf("value", "%v", err)
			}
		}
	case typ == "HLLSketchUnion" || typ == "thetaSketchSetOp":
		p.Fields = fields(o, depth, lk)
		if o.Err() == nil && len(p.Fields) == 0 {
			o.Failf("fields", "needs at least one field")
		}
		if typ == "HLLSketchUnion" {
			p.LgK = int(o.Int("lgK", sketch.DefaultHLLLgK))
			if err := sketch.CheckHLLLgK(p.LgK); err != nil && o.Err() == nil {
				o.Failf("lgK", "%v", err)
			}
			p.TgtHllType = sketch.DefaultHLLType
			if t, ok := o.OptString("tgtHllType"); ok {
				if _, err := sketch.ParseHLLType(t); err != nil {
					o.Failf("tgtHllType", "%v", err)
				}
				p.TgtHllType = t
			}
		} else {
			p.Func = o.String("func")
			if o.Err() == nil && p.Func != "UNION" && p.Func != "INTERSECT" && p.Func != "NOT" {
				o.Failf("func", "unknown set operation %q: expected UNION, INTERSECT or NOT", p.Func)
			}
			p.Size = int(o.Int("size", sketch.DefaultThetaSize))
			if _, err := sketch.ThetaLgK(p.Size); err != nil && o.Err() == nil {
				o.Failf("size", "%v", err)
			}
		}
	default:
		field()
	}
	switch typ {
	case "HLLSketchEstimate":
		p.Round = o.Bool("round", false)
	case "HLLSketchEstimateWithBounds":
		p.NumStdDev = int(o.Int("numStdDev", 1))
		if o.Err() == nil && (p.NumStdDev < 1 || p.NumStdDev > 3) {
			o.Failf("numStdDev", "must be 1, 2 or 3, got %d", p.NumStdDev)
		}
	case "thetaSketchEstimate":
		if v, ok := o.OptInt("errorBoundsStdDev"); ok {
			p.NumStdDev = int(v)
			if v < 1 || v > 3 {
				o.Failf("errorBoundsStdDev", "must be 1, 2 or 3, got %d", v)
			}
		}
	}
	if fam == famQuantiles || fam == famKLL {
		switch p.op() {
		case "Quantile":
			if !o.Has("fraction") {
				o.Failf("fraction", "required field is missing")
			}
			p.Fraction, _ = o.OptFloat("fraction")
			if o.Err() == nil && (p.Fraction < 0 || p.Fraction > 1) {
				o.Failf("fraction", "must be between 0 and 1, got %v", p.Fraction)
			}
		case "Quantiles":
			p.Fractions = floats("fractions")
			if o.Err() == nil && p.Fractions == nil {
				o.Failf("fractions", "required field is missing")
			}
			for _, f := range p.Fractions {
				if o.Err() == nil && (f < 0 || f > 1 || math.IsNaN(f)) {
					o.Failf("fractions", "fraction %v is not between 0 and 1", f)
				}
			}
		case "Histogram", "CDF":
			p.SplitPoints = floats("splitPoints")
			if o.Err() == nil && p.SplitPoints != nil {
				if err := quantiles.CheckSplitPoints(p.SplitPoints); err != nil {
					o.Failf("splitPoints", "%v", err)
				}
			}
			if p.op() == "CDF" && o.Err() == nil && p.SplitPoints == nil {
				o.Failf("splitPoints", "required field is missing")
			}
			if p.op() == "Histogram" && p.SplitPoints == nil {
				p.NumBins = int(o.Int("numBins", 10))
				if o.Err() == nil && p.NumBins < 1 {
					o.Failf("numBins", "must be positive, got %d", p.NumBins)
				}
			}
		case "Rank":
			if !o.Has("value") {
				o.Failf("value", "required field is missing")
			}
			p.Value, _ = o.OptFloat("value")
		}
	}
	return p, true
}

func (p *SketchOp) outputType() base.ColumnType {
	switch p.op() {
	case "HLLSketchEstimate", "hyperUniqueCardinality":
		if p.Round {
			return base.TypeLong
		}
		return base.TypeDouble
	case "thetaSketchEstimate":
		if p.NumStdDev > 0 {
			return base.ComplexType("thetaSketchEstimateWithErrorBounds")
		}
		return base.TypeDouble
	case "Quantile", "Rank":
		return base.TypeDouble
	case "HLLSketchEstimateWithBounds", "Quantiles", "Histogram", "CDF":
		return base.ArrayType(base.KindDouble)
	case "HLLSketchUnion":
		return base.ComplexType("HLLSketch")
	case "thetaSketchSetOp", "thetaSketchConstant":
		return base.ComplexType("thetaSketch")
	}
	return base.TypeString // the ToString family
}

func doubles(xs []float64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// compileSketch returns the evaluator of a sketch post-aggregator.
func compileSketch(p *SketchOp, env Env) (Evaluator, error) {
	if p.FieldName != "" && env.Known != nil && !env.Known(p.FieldName) {
		return nil, base.Errorf(base.ClassInvalidInput, "post-aggregator %q: %s refers to unknown field %q", p.OutputName, p.Kind, p.FieldName)
	}
	var one Evaluator
	if p.Field != nil {
		ev, err := Compile(p.Field, env)
		if err != nil {
			return nil, err
		}
		one = ev
	}
	many, err := compileAll(p.Fields, env)
	if err != nil {
		return nil, err
	}
	switch sketchPostTypes[p.Kind] {
	case famHyperUnique:
		name := p.FieldName
		return func(r value.Row) any {
			v := r.Value(name)
			if f, ok := value.ToFloat64(number(v)); ok { // already finalized
				return roundIf(f, p.Round)
			}
			c, err := sketch.AsCollector(v)
			if err != nil || c == nil {
				return roundIf(0, p.Round)
			}
			return roundIf(c.Estimate(), p.Round)
		}, nil
	case famHLL:
		if p.Kind == "HLLSketchUnion" {
			typ, _ := sketch.ParseHLLType(p.TgtHllType)
			return func(r value.Row) any {
				in := make([]*sketch.HLL, 0, len(many))
				for _, ev := range many {
					if h, err := sketch.AsHLL(ev(r)); err == nil && h != nil {
						in = append(in, h)
					}
				}
				u, err := sketch.UnionHLL(p.LgK, typ, in...)
				if err != nil {
					return nil
				}
				return u
			}, nil
		}
		return func(r value.Row) any {
			h, err := sketch.AsHLL(one(r))
			if err != nil {
				return nil
			}
			if h == nil {
				h, _ = sketch.NewHLL(sketch.DefaultHLLLgK, 0, sketch.UTF16LE)
			}
			switch p.Kind {
			case "HLLSketchEstimate":
				return roundIf(h.Estimate(), p.Round)
			case "HLLSketchEstimateWithBounds":
				lo, hi := h.Bounds(p.NumStdDev)
				return []any{h.Estimate(), lo, hi}
			}
			return h.String()
		}, nil
	case famTheta:
		if p.Kind == "thetaSketchConstant" {
			t, err := sketch.AsTheta(p.Sketch)
			if err != nil {
				return nil, base.Errorf(base.ClassInvalidInput, "post-aggregator %q: %w", p.OutputName, err)
			}
			t.Compact()
			// Each evaluation gets its own copy: results own their values.
			return func(value.Row) any {
				c, err := sketch.DecodeTheta(t.Bytes())
				if err != nil {
					return nil
				}
				return c
			}, nil
		}
		if p.Kind == "thetaSketchSetOp" {
			lgK, _ := sketch.ThetaLgK(p.Size)
			return func(r value.Row) any {
				in := make([]*sketch.Theta, 0, len(many))
				for _, ev := range many {
					t, err := sketch.AsTheta(ev(r))
					if err != nil {
						return nil
					}
					if t == nil {
						t = sketch.NewTheta(lgK)
					}
					in = append(in, t)
				}
				t, err := sketch.ThetaSetOp(p.Func, lgK, in)
				if err != nil {
					return nil
				}
				return t
			}, nil
		}
		return func(r value.Row) any {
			t, err := sketch.AsTheta(one(r))
			if err != nil {
				return nil
			}
			if t == nil {
				t = sketch.NewTheta(12)
			}
			if p.Kind == "thetaSketchToString" {
				return t.String()
			}
			if p.NumStdDev > 0 {
				lo, hi := t.Bounds(p.NumStdDev)
				return map[string]any{"estimate": t.Estimate(), "highBound": hi, "lowBound": lo, "numStdDev": int64(p.NumStdDev)}
			}
			return t.Estimate()
		}, nil
	case famQuantiles:
		return func(r value.Row) any {
			s, err := sketch.AsQuantiles(one(r))
			if err != nil {
				return nil
			}
			if s == nil {
				s = quantiles.New(quantiles.DefaultK)
			}
			return quantileOp(p, s.N(), s.Min(), s.Max(), s.Quantiles, s.CDF, s.PMF, s.String)
		}, nil
	case famKLL:
		return func(r value.Row) any {
			s, err := sketch.AsKLL(one(r))
			if err != nil {
				return nil
			}
			if s == nil {
				s = sketch.NewKLL(sketch.DefaultKLLK)
			}
			qs := func(rs []float64) []float64 {
				out := make([]float64, len(rs))
				for i, x := range rs {
					out[i] = s.Quantile(x)
				}
				return out
			}
			cdf := func(sp []float64) []float64 { return nanIfNil(s.CDF(sp), len(sp)+1) }
			pmf := func(sp []float64) []float64 { return nanIfNil(s.PMF(sp), len(sp)+1) }
			str := func() string {
				return fmt.Sprintf("KllDoublesSketch{n=%d, min=%v, max=%v}", s.N(), s.Min(), s.Max())
			}
			return quantileOp(p, s.N(), s.Min(), s.Max(), qs, cdf, pmf, str)
		}, nil
	}
	return nil, base.Errorf(base.ClassInternal, "post-aggregator type %q has no evaluator", p.Kind)
}

func nanIfNil(xs []float64, n int) []float64 {
	if xs != nil {
		return xs
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

func roundIf(f float64, round bool) any {
	if round {
		return int64(math.Floor(f + 0.5))
	}
	return f
}

// quantileOp evaluates the quantiles/KLL post-aggregators over a sketch
// given by its accessors.
func quantileOp(p *SketchOp, n int64, lo, hi float64, qs func([]float64) []float64,
	cdf func([]float64) []float64, pmf func([]float64) []float64, str func() string) any {
	switch p.op() {
	case "Quantile":
		return qs([]float64{p.Fraction})[0]
	case "Quantiles":
		return doubles(qs(p.Fractions))
	case "Rank":
		return cdf([]float64{p.Value})[0]
	case "CDF":
		return doubles(cdf(p.SplitPoints))
	case "Histogram":
		split := p.SplitPoints
		if split == nil {
			if n == 0 {
				out := make([]float64, p.NumBins)
				for i := range out {
					out[i] = math.NaN()
				}
				return doubles(out)
			}
			if lo == hi {
				// One value: everything falls in the first bin.
				out := make([]float64, p.NumBins)
				out[0] = float64(n)
				return doubles(out)
			}
			delta := (hi - lo) / float64(p.NumBins)
			split = make([]float64, p.NumBins-1)
			for i := range split {
				split[i] = lo + delta*float64(i+1)
			}
		}
		h := pmf(split)
		for i := range h {
			h[i] *= float64(n)
		}
		return doubles(h)
	}
	return str()
}
