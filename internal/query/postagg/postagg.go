package postagg

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
	"github.com/dryaddb/dryad/internal/query/value"
)

// PostAggregator is a decoded post-aggregator. The concrete types below are
// the only implementations.
type PostAggregator interface {
	// Name is the output name (may be empty for an inner arithmetic field).
	Name() string
	// Type is the Druid type name.
	Type() string
	json.Marshaler
	// inputs appends the names of the fields it reads.
	inputs(dst []string) []string
}

// Arithmetic applies Fn left to right over the values of Fields.
type Arithmetic struct {
	OutputName string           `json:"name"`
	Fn         string           `json:"fn"`
	Fields     []PostAggregator `json:"fields"`
	// Ordering is "" (natural double order) or "numericFirst".
	Ordering string `json:"ordering,omitempty"`
}

// FieldAccess returns the raw value of an aggregator or earlier
// post-aggregator.
type FieldAccess struct {
	OutputName string `json:"name,omitempty"`
	FieldName  string `json:"fieldName"`
	// Finalizing is true for finalizingFieldAccess.
	Finalizing bool `json:"-"`
}

// Constant returns Value (int64 or float64).
type Constant struct {
	OutputName string `json:"name,omitempty"`
	Value      any    `json:"value"`
}

// Expression evaluates a Druid expression over the row.
type Expression struct {
	OutputName string          `json:"name"`
	Expression string          `json:"expression"`
	Ordering   string          `json:"ordering,omitempty"`
	OutputType base.ColumnType `json:"outputType,omitzero"`
	// comp is the expression as decoded, lookup() bound to the lookups
	// of that moment (nil for an Expression built by hand).
	comp *expr.Compiled
}

// exprLookups resolves lookup() names for the expression package.
type exprLookups = func(name string) (expr.Lookup, bool)

// compile returns the decoded expression, or parses and binds it without
// lookups.
func (p *Expression) compile() (*expr.Compiled, error) {
	if p.comp != nil {
		return p.comp, nil
	}
	return compileWith(p.Expression, nil)
}

func compileWith(s string, lk exprLookups) (*expr.Compiled, error) {
	e, err := expr.Parse(s)
	if err != nil {
		return nil, err
	}
	return expr.BindOptions(e, expr.Options{Lookups: lk})
}

// Extremum is doubleGreatest, doubleLeast, longGreatest or longLeast.
type Extremum struct {
	Kind       string           `json:"-"`
	OutputName string           `json:"name"`
	Fields     []PostAggregator `json:"fields"`
}

// Name returns the output name.
func (p *Arithmetic) Name() string { return p.OutputName }

// Name returns the output name.
func (p *FieldAccess) Name() string { return p.OutputName }

// Name returns the output name.
func (p *Constant) Name() string { return p.OutputName }

// Name returns the output name.
func (p *Expression) Name() string { return p.OutputName }

// Name returns the output name.
func (p *Extremum) Name() string { return p.OutputName }

// Type implements the interface: the Druid type name.
func (p *Arithmetic) Type() string { return "arithmetic" }

// Type implements the interface: the Druid type name.
func (p *FieldAccess) Type() string {
	if p.Finalizing {
		return "finalizingFieldAccess"
	}
	return "fieldAccess"
}

// Type implements the interface: the Druid type name.
func (p *Constant) Type() string { return "constant" }

// Type implements the interface: the Druid type name.
func (p *Expression) Type() string { return "expression" }

// Type implements the interface: the Druid type name.
func (p *Extremum) Type() string { return p.Kind }

func (p *Arithmetic) inputs(d []string) []string {
	for _, f := range p.Fields {
		d = f.inputs(d)
	}
	return d
}
func (p *FieldAccess) inputs(d []string) []string { return append(d, p.FieldName) }
func (p *Constant) inputs(d []string) []string    { return d }
func (p *Expression) inputs(d []string) []string {
	if c, err := p.compile(); err == nil {
		d = append(d, c.RequiredColumns()...)
	}
	return d
}
func (p *Extremum) inputs(d []string) []string {
	for _, f := range p.Fields {
		d = f.inputs(d)
	}
	return d
}

// Inputs lists the aggregator and post-aggregator names p reads directly,
// through nested fields or as identifiers of an expression.
func Inputs(p PostAggregator) []string { return p.inputs(nil) }

func marshalTyped(typ string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	q, _ := json.Marshal(typ)
	out := append([]byte(`{"type":`), q...)
	if len(b) > 2 {
		out = append(out, ',')
		return append(out, b[1:]...), nil
	}
	return append(out, '}'), nil
}

// MarshalJSON methods write Druid's JSON.
func (p *Arithmetic) MarshalJSON() ([]byte, error) {
	type a Arithmetic
	return marshalTyped(p.Type(), (*a)(p))
}

// MarshalJSON writes Druid's JSON.
func (p *FieldAccess) MarshalJSON() ([]byte, error) {
	type a FieldAccess
	return marshalTyped(p.Type(), (*a)(p))
}

// MarshalJSON writes Druid's JSON.
func (p *Constant) MarshalJSON() ([]byte, error) {
	type a Constant
	return marshalTyped(p.Type(), (*a)(p))
}

// MarshalJSON writes Druid's JSON.
func (p *Expression) MarshalJSON() ([]byte, error) {
	type a Expression
	return marshalTyped(p.Type(), (*a)(p))
}

// MarshalJSON writes Druid's JSON.
func (p *Extremum) MarshalJSON() ([]byte, error) {
	type a Extremum
	return marshalTyped(p.Type(), (*a)(p))
}

var arithmeticFns = map[string]bool{"+": true, "-": true, "*": true, "/": true, "quotient": true, "pow": true, "%": true}

const knownTypes = "arithmetic, constant, doubleGreatest, doubleLeast, expression, fieldAccess, finalizingFieldAccess, longGreatest, longLeast and the sketch post-aggregators (see SketchOp)"

// unsupportedTypes are post-aggregators of Druid extensions and deprecated
// features that dryad does not implement yet.
var unsupportedTypes = map[string]bool{
	"javascript": true, "quantilesDoublesSketchSummary": true,
	"buckets": true, "equalBuckets": true, "customBuckets": true, "min": true, "max": true, "quantile": true, "quantiles": true,
	"tDigestSketchToQuantile": true, "tDigestSketchToQuantiles": true, "momentSketchSolveQuantiles": true, "momentSketchMin": true,
	"momentSketchMax": true, "arrayOfDoublesSketchToEstimate": true, "fixedBucketsHistogramToQuantile": true,
}

// Decode decodes a post-aggregator at path. Errors are
// base.ClassInvalidInput, or base.ClassUnsupported naming an extension
// post-aggregator dryad does not implement yet. It knows no lookups: an
// expression calling lookup() is base.ClassInvalidInput.
func Decode(raw json.RawMessage, path string) (PostAggregator, error) {
	return DecodeWith(raw, path, nil)
}

// DecodeWith is Decode binding the lookup() calls of expression
// post-aggregators (nested ones included) through lookups, once: an
// unknown name is base.ClassInvalidInput, and Compile evaluates with the
// lookup contents resolved here. A nil lookups knows none.
func DecodeWith(raw json.RawMessage, path string, lookups dimension.LookupFunc) (PostAggregator, error) {
	return decode(raw, path, 0, true, lookups.Expr())
}

func decode(raw json.RawMessage, path string, depth int, top bool, lk exprLookups) (PostAggregator, error) {
	if depth > 100 {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: post-aggregator nesting is too deep", path)
	}
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return nil, err
	}
	typ := o.String("type")
	name, _ := o.OptString("name")
	if o.Err() != nil {
		return nil, o.Err()
	}
	var p PostAggregator
	switch typ {
	case "arithmetic":
		a := &Arithmetic{OutputName: name, Fn: o.String("fn")}
		if o.Err() == nil && !arithmeticFns[a.Fn] {
			o.Failf("fn", "unknown arithmetic function %q: expected one of +, -, *, /, quotient, pow, %%", a.Fn)
		}
		a.Fields = fields(o, depth, lk)
		if o.Err() == nil && len(a.Fields) < 2 {
			o.Failf("fields", "arithmetic needs at least two fields, got %d", len(a.Fields))
		}
		if ord, ok := o.OptString("ordering"); ok {
			if ord != "numericFirst" {
				o.Failf("ordering", "unknown ordering %q: expected null or numericFirst", ord)
			}
			a.Ordering = ord
		}
		p = a
	case "fieldAccess", "finalizingFieldAccess":
		f := &FieldAccess{OutputName: name, FieldName: o.String("fieldName"), Finalizing: typ == "finalizingFieldAccess"}
		if o.Err() == nil && f.FieldName == "" {
			o.Failf("fieldName", "must not be empty")
		}
		p = f
	case "constant":
		c := &Constant{OutputName: name}
		if o.Err() == nil && !o.Has("value") {
			o.Failf("value", "required field is missing")
		}
		if o.Err() == nil {
			v, err := jsonspec.Scalar(o.Raw("value"))
			switch v.(type) {
			case int64, float64:
			default:
				if err == nil {
					if s, ok := v.(string); ok {
						if f, ok := value.ParseNumber(s); ok {
							v = f
							break
						}
					}
					o.Failf("value", "expected a number, got %s", jsonspec.Kind(o.Raw("value")))
				} else {
					o.Failf("value", "%v", err)
				}
			}
			c.Value = v
		}
		p = c
	case "expression":
		e := &Expression{OutputName: name, Expression: o.String("expression")}
		if o.Err() == nil && strings.TrimSpace(e.Expression) == "" {
			o.Failf("expression", "must not be empty")
		}
		if o.Err() == nil {
			c, err := compileWith(e.Expression, lk)
			if err != nil {
				o.Fail(base.Errorf(base.ClassOf(err), "%s: %w", o.FieldPath("expression"), err))
			}
			e.comp = c
		}
		if ord, ok := o.OptString("ordering"); ok {
			if ord != "numericFirst" {
				o.Failf("ordering", "unknown ordering %q: expected null or numericFirst", ord)
			}
			e.Ordering = ord
		}
		if ot, ok := o.OptString("outputType"); ok {
			t, err := base.ParseColumnType(ot)
			if err != nil {
				o.Failf("outputType", "unknown type %q", ot)
			}
			e.OutputType = t
		}
		p = e
	case "doubleGreatest", "doubleLeast", "longGreatest", "longLeast":
		x := &Extremum{Kind: typ, OutputName: name}
		x.Fields = fields(o, depth, lk)
		if o.Err() == nil && len(x.Fields) == 0 {
			o.Failf("fields", "needs at least one field")
		}
		p = x
	default:
		if sp, ok := decodeSketchPost(typ, name, o, depth, lk); ok {
			p = sp
			break
		}
		if unsupportedTypes[typ] {
			return nil, base.Errorf(base.ClassUnsupported, "%s: post-aggregator type %q is not supported yet", jsonspec.Name(path), typ)
		}
		return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown post-aggregator type %q: expected one of %s", jsonspec.Name(path), typ, knownTypes)
	}
	if o.Err() == nil && top && name == "" {
		o.Failf("name", "required field is missing")
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func fields(o *jsonspec.Object, depth int, lk exprLookups) []PostAggregator {
	a, ok := o.Array("fields")
	if o.Err() != nil {
		return nil
	}
	if !ok {
		o.Failf("fields", "required field is missing")
		return nil
	}
	out := make([]PostAggregator, 0, len(a))
	for i, e := range a {
		p, err := decode(e, jsonspec.Index(o.FieldPath("fields"), i), depth+1, false, lk)
		if err != nil {
			o.Fail(err)
			return nil
		}
		out = append(out, p)
	}
	return out
}

// Env tells Compile about the row a post-aggregator will read.
type Env struct {
	// Known reports whether name is an aggregator or an earlier
	// post-aggregator output.
	Known func(name string) bool
	// Finalize returns the finalizer of aggregator name, or nil when the
	// value is already final (or name is not an aggregator).
	Finalize func(name string) func(any) any
}

// Evaluator computes a post-aggregator on a row.
type Evaluator func(r value.Row) any

// Compile validates the names p reads against env and returns its
// evaluator. Unknown names are base.ClassInvalidInput; expression
// post-aggregators are base.ClassUnsupported until the expression package
// is wired in.
func Compile(p PostAggregator, env Env) (Evaluator, error) {
	switch p := p.(type) {
	case *SketchOp:
		return compileSketch(p, env)
	case *FieldAccess:
		if env.Known != nil && !env.Known(p.FieldName) {
			return nil, base.Errorf(base.ClassInvalidInput, "post-aggregator %q: %s refers to unknown field %q", p.OutputName, p.Type(), p.FieldName)
		}
		name := p.FieldName
		if p.Finalizing && env.Finalize != nil {
			if fin := env.Finalize(name); fin != nil {
				return func(r value.Row) any { return fin(r.Value(name)) }, nil
			}
		}
		return func(r value.Row) any { return r.Value(name) }, nil
	case *Constant:
		v := p.Value
		return func(value.Row) any { return v }, nil
	case *Arithmetic:
		evs, err := compileAll(p.Fields, env)
		if err != nil {
			return nil, err
		}
		op := arith(p.Fn)
		return func(r value.Row) any {
			var acc float64
			for i, ev := range evs {
				x, ok := value.ToFloat64(number(ev(r)))
				if !ok {
					return nil
				}
				if i == 0 {
					acc = x
				} else {
					acc = op(acc, x)
				}
			}
			return acc
		}, nil
	case *Extremum:
		evs, err := compileAll(p.Fields, env)
		if err != nil {
			return nil, err
		}
		greatest := strings.HasSuffix(p.Kind, "Greatest")
		if strings.HasPrefix(p.Kind, "long") {
			return func(r value.Row) any {
				var best int64
				found := false
				for _, ev := range evs {
					x, ok := value.ToInt64(number(ev(r)))
					if !ok {
						continue
					}
					if !found || (greatest && x > best) || (!greatest && x < best) {
						best, found = x, true
					}
				}
				if !found {
					return nil
				}
				return best
			}, nil
		}
		return func(r value.Row) any {
			var best float64
			found := false
			for _, ev := range evs {
				x, ok := value.ToFloat64(number(ev(r)))
				if !ok {
					continue
				}
				if !found || (greatest && x > best) || (!greatest && x < best) {
					best, found = x, true
				}
			}
			if !found {
				return nil
			}
			return best
		}, nil
	case *Expression:
		c, err := p.compile()
		if err != nil {
			return nil, base.Errorf(base.ClassOf(err), "post-aggregator %q: %w", p.OutputName, err)
		}
		for _, in := range c.RequiredColumns() {
			if env.Known != nil && !env.Known(in) {
				return nil, base.Errorf(base.ClassInvalidInput, "post-aggregator %q: expression refers to unknown field %q", p.OutputName, in)
			}
		}
		out := p.OutputType
		return func(r value.Row) any {
			v, err := c.EvalRow(exprRow{r})
			if err != nil || v.Null {
				return nil
			}
			switch out.Kind {
			case base.KindLong:
				n, ok := v.AsLong()
				if !ok {
					return nil
				}
				return n
			case base.KindDouble:
				d, ok := v.AsDouble()
				if !ok {
					return nil
				}
				return d
			case base.KindFloat:
				d, ok := v.AsDouble()
				if !ok {
					return nil
				}
				return float32(d)
			case base.KindString:
				s, ok := v.AsString()
				if !ok {
					return nil
				}
				return s
			}
			return v.Any()
		}, nil
	}
	return nil, base.Errorf(base.ClassInternal, "post-aggregator type %T has no evaluator", p)
}

// number keeps only numeric values (strings and complex values are not
// numbers to a post-aggregator).
func number(v any) any {
	switch v.(type) {
	case int64, float64, float32:
		return v
	}
	return nil
}

func compileAll(ps []PostAggregator, env Env) ([]Evaluator, error) {
	out := make([]Evaluator, len(ps))
	for i, p := range ps {
		ev, err := Compile(p, env)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

func arith(fn string) func(a, b float64) float64 {
	switch fn {
	case "+":
		return func(a, b float64) float64 { return a + b }
	case "-":
		return func(a, b float64) float64 { return a - b }
	case "*":
		return func(a, b float64) float64 { return a * b }
	case "/":
		return func(a, b float64) float64 {
			if b == 0 {
				return 0
			}
			return a / b
		}
	case "quotient":
		return func(a, b float64) float64 { return a / b }
	case "pow":
		return math.Pow
	case "%":
		return math.Mod
	}
	return nil
}

// OutputType is the type of p's values: DOUBLE for arithmetic and the
// double family, LONG for the long family, the constant's own type, the
// declared type of an expression, and for field access the type given by
// aggType (the referenced aggregator's type; zero if unknown).
func OutputType(p PostAggregator, aggType func(name string) base.ColumnType) base.ColumnType {
	switch p := p.(type) {
	case *Arithmetic:
		return base.TypeDouble
	case *Extremum:
		if strings.HasPrefix(p.Kind, "long") {
			return base.TypeLong
		}
		return base.TypeDouble
	case *Constant:
		if _, ok := p.Value.(int64); ok {
			return base.TypeLong
		}
		return base.TypeDouble
	case *Expression:
		return p.OutputType
	case *SketchOp:
		return p.outputType()
	case *FieldAccess:
		if aggType != nil {
			return aggType(p.FieldName)
		}
	}
	return base.ColumnType{}
}

// Compare orders two values of p's output for sorting (topN by a
// post-aggregator, limitSpec). Nulls sort first. Arithmetic and expression
// post-aggregators with ordering numericFirst put finite values first, then
// NaN, then infinities.
func Compare(p PostAggregator, a, b any) int {
	numericFirst := false
	switch p := p.(type) {
	case *Arithmetic:
		numericFirst = p.Ordering == "numericFirst"
	case *Expression:
		numericFirst = p.Ordering == "numericFirst"
	}
	return CompareValues(a, b, numericFirst)
}

// CompareValues orders two result values: nulls first, numbers
// numerically, strings lexicographically, numbers before strings.
func CompareValues(a, b any, numericFirst bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	fa, oka := value.ToFloat64(number(a))
	fb, okb := value.ToFloat64(number(b))
	if oka && okb {
		if ia, ok := a.(int64); ok {
			if ib, ok := b.(int64); ok {
				switch {
				case ia < ib:
					return -1
				case ia > ib:
					return 1
				}
				return 0
			}
		}
		if numericFirst {
			ra, rb := finiteRank(fa), finiteRank(fb)
			if ra != rb {
				if ra < rb {
					return -1
				}
				return 1
			}
		}
		return value.CompareFloat(fa, fb)
	}
	if oka != okb {
		if oka {
			return -1
		}
		return 1
	}
	sa, _ := value.ToString(a)
	sb, _ := value.ToString(b)
	return strings.Compare(sa, sb)
}

func finiteRank(f float64) int {
	switch {
	case math.IsNaN(f):
		return 1
	case math.IsInf(f, 0):
		return 2
	}
	return 0
}

// exprRow adapts a result row to the expression evaluator's bindings.
type exprRow struct{ r value.Row }

// Value implements the row interface.
func (e exprRow) Value(name string) expr.Value { return expr.FromAny(e.r.Value(name)) }
