package query

import (
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query/dimension"
)

// DecodeOptions configure DecodeWith beyond the JSON text.
type DecodeOptions struct {
	// Lookups resolves Druid's query-time lookups by name: registeredLookup
	// extraction functions and "lookup" dimension specs are resolved while
	// decoding (an unknown name is base.ClassInvalidInput, Druid's "Lookup
	// [x] not found"), and the expression function lookup() is bound with
	// it wherever the query's expressions are compiled. nil knows no
	// lookups.
	Lookups dimension.LookupFunc
}

// DecodeWith is Decode with options. The options stay with the decoded
// query (Common.Lookups) for the engines that compile its expressions.
// Lookups resolve everywhere a query can name one: filters, dimensions,
// virtual columns, having specs, aggregators (filtered aggregators'
// filters, expression aggregators, sum/min/max expressions),
// post-aggregator expressions, and every nested datasource (query
// datasources decode with the same options).
func DecodeWith(data []byte, opts DecodeOptions) (Query, error) {
	return decodeQueryWith(data, "", 0, opts)
}

// Lookups returns the lookup resolver the query was decoded with; nil when
// it has none.
func (c *Common) Lookups() dimension.LookupFunc { return c.lookups }

// UsesLookups reports whether the query names a lookup that was resolved
// when it was decoded. Its results then depend on lookup contents its JSON
// does not show, so result caches must not keep them.
func (c *Common) UsesLookups() bool { return c.usesLookups }

// CompileExpr parses and binds an expression of this query (a virtual
// column's, an expression filter's or an aggregator's) against the input
// types, binding lookup() to the query's lookups.
func (c *Common) CompileExpr(s string, types expr.InputTypes) (*expr.Compiled, error) {
	return compileExpr(s, types, c.lookups)
}

func compileExpr(s string, types expr.InputTypes, lookups dimension.LookupFunc) (*expr.Compiled, error) {
	e, err := expr.Parse(s)
	if err != nil {
		return nil, err
	}
	return expr.BindOptions(e, expr.Options{Types: types, Lookups: lookups.Expr()})
}
