package aggregation

import (
	"encoding/json"
	"fmt"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/segment"
)

// decodeQueryTime decodes the filtered, any and expression aggregators;
// ok is false for other types.
func decodeQueryTime(typ, name string, raw map[string]json.RawMessage, where string, lookups dimension.LookupFunc) (Factory, bool, error) {
	if k, ok := anyKindByName(typ); ok {
		f, err := decodeAny(k, name, raw, where)
		return f, true, err
	}
	switch typ {
	case "filtered":
		f, err := decodeFiltered(name, raw, where, lookups)
		return f, true, err
	case "expression":
		f, err := decodeExpression(name, raw, where, lookups)
		return f, true, err
	}
	return nil, false, nil
}

// decodeInputExpression reads a sum/min/max aggregator's "expression"
// (an alternative to fieldName; giving both is an error).
func decodeInputExpression(s *spec, raw map[string]json.RawMessage, where string, lookups dimension.LookupFunc) error {
	if err := field(raw, "expression", &s.expression); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if s.expression == "" {
		return nil
	}
	if s.fieldName != "" {
		return base.Errorf(base.ClassInvalidInput, "%s: give fieldName or expression, not both", where)
	}
	c, err := compileWith(s.expression, lookups)
	if err != nil {
		return base.Errorf(base.ClassOf(err), "%s: expression %q: %w", where, s.expression, err)
	}
	s.exprComp = c
	s.exprInputs = c.RequiredColumns()
	return nil
}

// compileWith parses and binds an expression with no input types, binding
// lookup() through lookups (nil knows none).
func compileWith(s string, lookups dimension.LookupFunc) (*expr.Compiled, error) {
	e, err := expr.Parse(s)
	if err != nil {
		return nil, err
	}
	return expr.BindOptions(e, expr.Options{Lookups: lookups.Expr()})
}

// InputExpression returns the expression a sum, min or max aggregator
// reads instead of a column ("" when it reads its fieldName, and for every
// other aggregator). Its InputFields are then the expression's columns.
// The expression's value is converted to the aggregator's type as a
// column value would be.
func InputExpression(f Factory) string {
	if s, ok := f.(*spec); ok {
		return s.expression
	}
	return ""
}

// CompiledInputExpression is InputExpression compiled with no input types
// and lookup() bound to the lookups the factory was decoded with; nil when
// InputExpression is "".
func CompiledInputExpression(f Factory) *expr.Compiled {
	if s, ok := f.(*spec); ok {
		return s.exprComp
	}
	return nil
}

// exprInputRollup evaluates a sum/min/max aggregator's input expression
// on each row and folds its value.
type exprInputRollup struct {
	numRollup
	comp *expr.Compiled
	row  exprInputs
	one  [1]segment.Value
}

type exprInputs struct {
	names []string
	in    []segment.Value
}

func (r *exprInputs) Value(name string) expr.Value {
	for i, n := range r.names {
		if n == name && i < len(r.in) {
			return expr.FromAny(ValueAny(r.in[i]))
		}
	}
	return expr.FromAny(nil)
}

func newExprInputRollup(s *spec, r *numRollup) Rollup {
	return &exprInputRollup{numRollup: *r, comp: s.exprComp, row: exprInputs{names: s.exprInputs}}
}

// eval returns the expression's value on one row (null when it fails).
func (r *exprInputRollup) eval(in []segment.Value) []segment.Value {
	r.row.in = in
	out, err := r.comp.EvalRow(&r.row)
	r.one[0] = segment.Value{}
	if err == nil {
		r.one[0] = segmentOf(out.Any())
	}
	return r.one[:]
}

func (r *exprInputRollup) Add(t int64, in []segment.Value) { r.numRollup.Add(t, r.eval(in)) }

func (r *exprInputRollup) Aggregate(i int, t int64, in []segment.Value) {
	r.numRollup.Aggregate(i, t, r.eval(in))
}
