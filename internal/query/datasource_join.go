package query

import (
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
)

// LookupDataSource is a query-time lookup seen as a table of two STRING
// columns, k and v.
type LookupDataSource struct{ Lookup string }

// JoinType is a join's type: INNER, LEFT, RIGHT or FULL.
type JoinType string

// The join types.
const (
	JoinInner JoinType = "INNER"
	JoinLeft  JoinType = "LEFT"
	JoinRight JoinType = "RIGHT"
	JoinFull  JoinType = "FULL"
)

// KeepsLeft reports whether unmatched left rows are kept (LEFT, FULL).
func (t JoinType) KeepsLeft() bool { return t == JoinLeft || t == JoinFull }

// KeepsRight reports whether unmatched right rows are kept (RIGHT, FULL).
func (t JoinType) KeepsRight() bool { return t == JoinRight || t == JoinFull }

// JoinDataSource joins two datasources: the right side's columns are
// prefixed with RightPrefix and matched to the left side by Condition.
// Left columns that start with RightPrefix (and are longer) are shadowed.
type JoinDataSource struct {
	Left, Right DataSource
	RightPrefix string
	// Condition is the condition as written.
	Condition string
	JoinType  JoinType
	// LeftFilter filters the left side (a table) before the join; nil for
	// none.
	LeftFilter filter.Filter
	// Equalities are the condition's equi-conditions; the join matches a
	// left and a right row when every one holds.
	Equalities []JoinEquality
	// AlwaysFalse is set when a conjunct of the condition is a false
	// constant: no row pair matches.
	AlwaysFalse bool
}

// JoinEquality is one equi-condition: an expression of the left side
// equal to a column of the right side.
type JoinEquality struct {
	// Left is an expression over left-side columns only.
	Left expr.Expr
	// Compiled is Left bound for evaluation (lookup() resolved with the
	// lookups the query was decoded with).
	Compiled *expr.Compiled
	// RightColumn is the right side's column, without the prefix.
	RightColumn string
}

// UnnestDataSource expands the array or multi-value VirtualColumn of each
// base row into one row per element, named by the virtual column.
type UnnestDataSource struct {
	Base          DataSource
	VirtualColumn VirtualColumn
	// Expr is the virtual column's expression bound for evaluation
	// (lookup() resolved with the lookups the query was decoded with).
	Expr *expr.Compiled
	// UnnestFilter filters the unnested rows; nil for none.
	UnnestFilter filter.Filter
}

// Type implements the interface: the Druid type name.
func (*LookupDataSource) Type() string { return "lookup" }

// Type implements the interface: the Druid type name.
func (*JoinDataSource) Type() string { return "join" }

// Type implements the interface: the Druid type name.
func (*UnnestDataSource) Type() string { return "unnest" }

// Tables implements DataSource: none (a lookup is not a table).
func (*LookupDataSource) Tables() []string { return nil }

// Tables implements DataSource: the left side's tables, then the right's.
func (d *JoinDataSource) Tables() []string {
	out := d.Left.Tables()
	for _, t := range d.Right.Tables() {
		if !containsString(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Tables implements DataSource: the base's tables.
func (d *UnnestDataSource) Tables() []string { return d.Base.Tables() }

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// ShadowedBy reports whether column is hidden by a join's rightPrefix:
// it starts with the prefix and is longer than it (Druid's
// JoinPrefixUtils.isPrefixedBy).
func ShadowedBy(column, prefix string) bool {
	return len(column) > len(prefix) && strings.HasPrefix(column, prefix)
}

func decodeLookup(o *jsonspec.Object) (DataSource, error) {
	name := o.String("lookup")
	if o.Err() == nil && name == "" {
		o.Failf("lookup", "must not be empty")
	}
	if o.Err() != nil {
		return nil, o.Err()
	}
	return &LookupDataSource{Lookup: name}, nil
}

func decodeJoin(o *jsonspec.Object, depth int, lookups dimension.LookupFunc) (DataSource, error) {
	for _, f := range []string{"left", "right", "condition", "joinType"} {
		if o.Err() == nil && !o.Has(f) {
			o.Failf(f, "required field is missing")
		}
	}
	if o.Err() != nil {
		return nil, o.Err()
	}
	left, err := decodeDataSourceWith(o.Raw("left"), o.FieldPath("left"), depth+1, lookups)
	if err != nil {
		return nil, err
	}
	right, err := decodeDataSourceWith(o.Raw("right"), o.FieldPath("right"), depth+1, lookups)
	if err != nil {
		return nil, err
	}
	d := &JoinDataSource{Left: left, Right: right}
	d.RightPrefix, _ = o.OptString("rightPrefix")
	d.Condition = o.String("condition")
	jt := o.String("joinType")
	if o.Err() != nil {
		return nil, o.Err()
	}
	switch t := JoinType(strings.ToUpper(jt)); t {
	case JoinInner, JoinLeft, JoinRight, JoinFull:
		d.JoinType = t
	default:
		return nil, o.Failf("joinType", "unknown join type %q: expected one of INNER, LEFT, RIGHT, FULL", jt)
	}
	switch p := d.RightPrefix; {
	case p == "":
		return nil, o.Failf("rightPrefix", "Join clause cannot have null or empty prefix")
	case p == base.TimeColumn || ShadowedBy(base.TimeColumn, p):
		return nil, o.Failf("rightPrefix", "Join clause cannot have prefix[%s], since it would shadow %s", p, base.TimeColumn)
	}
	// The clauses of a left-deep join tree share one row: their prefixes
	// must differ and none may be a prefix of another.
	prefixes := []string{d.RightPrefix}
	for l := left; ; {
		j, ok := l.(*JoinDataSource)
		if !ok {
			break
		}
		prefixes = append(prefixes, j.RightPrefix)
		l = j.Left
	}
	for i, p := range prefixes {
		for _, q := range prefixes[i+1:] {
			if p == q {
				return nil, o.Failf("rightPrefix", "Detected duplicate prefix in join clauses: [%s]", p)
			}
			if ShadowedBy(p, q) || ShadowedBy(q, p) {
				return nil, o.Failf("rightPrefix", "Detected conflicting prefixes in join clauses: [%s, %s]", p, q)
			}
		}
	}
	if err := analyzeCondition(d, lookups); err != nil {
		return nil, o.Failf("condition", "%v", err)
	}
	if o.Has("leftFilter") {
		if _, ok := left.(*TableDataSource); !ok {
			return nil, o.Failf("leftFilter", "left filter is only supported if left data source is direct table access")
		}
		f, err := filter.DecodeWith(o.Raw("leftFilter"), o.FieldPath("leftFilter"), lookups)
		if err != nil {
			return nil, err
		}
		d.LeftFilter = f
	}
	return d, nil
}

// analyzeCondition splits the condition into its conjuncts, as Druid's
// JoinConditionAnalysis: each is an equality of a left-side expression and
// a right-side column (either way round), or a constant. Anything else
// cannot be run as a hash join and is refused. lookup() binds through
// lookups.
func analyzeCondition(d *JoinDataSource, lookups dimension.LookupFunc) error {
	bind := func(e expr.Expr) (*expr.Compiled, error) {
		return expr.BindOptions(e, expr.Options{Lookups: lookups.Expr()})
	}
	e, err := expr.Parse(d.Condition)
	if err != nil {
		return err
	}
	var conj []expr.Expr
	var split func(e expr.Expr)
	split = func(e expr.Expr) {
		if b, ok := e.(*expr.Binary); ok && b.Op == "&&" {
			split(b.L)
			split(b.R)
			return
		}
		conj = append(conj, e)
	}
	split(e)
	for _, c := range conj {
		if b, ok := c.(*expr.Binary); ok && b.Op == "==" {
			eq, ok, err := equality(b.L, b.R, d.RightPrefix, bind)
			if err != nil {
				return err
			}
			if !ok {
				eq, ok, err = equality(b.R, b.L, d.RightPrefix, bind)
				if err != nil {
					return err
				}
			}
			if ok {
				d.Equalities = append(d.Equalities, eq)
				continue
			}
		}
		comp, err := bind(c)
		if err != nil {
			return err
		}
		k, ok := comp.Constant()
		if !ok {
			return base.Errorf(base.ClassInvalidInput, "Cannot build hash-join matcher on non-equi-join condition: %s", d.Condition)
		}
		if t, _ := k.AsBool(); !t {
			d.AlwaysFalse = true
		}
	}
	return nil
}

// equality reports whether l == r is a left-side expression equal to a
// right-side column.
func equality(l, r expr.Expr, prefix string, bind func(expr.Expr) (*expr.Compiled, error)) (JoinEquality, bool, error) {
	id, ok := r.(*expr.Ident)
	if !ok || !strings.HasPrefix(id.Name, prefix) {
		return JoinEquality{}, false, nil
	}
	comp, err := bind(l)
	if err != nil {
		return JoinEquality{}, false, err
	}
	for _, c := range comp.RequiredColumns() {
		if strings.HasPrefix(c, prefix) {
			return JoinEquality{}, false, nil
		}
	}
	return JoinEquality{Left: l, Compiled: comp, RightColumn: id.Name[len(prefix):]}, true, nil
}

func decodeUnnest(o *jsonspec.Object, depth int, lookups dimension.LookupFunc) (DataSource, error) {
	for _, f := range []string{"base", "virtualColumn"} {
		if o.Err() == nil && !o.Has(f) {
			o.Failf(f, "required field is missing")
		}
	}
	if o.Err() != nil {
		return nil, o.Err()
	}
	b, err := decodeDataSourceWith(o.Raw("base"), o.FieldPath("base"), depth+1, lookups)
	if err != nil {
		return nil, err
	}
	// Without an outputType the unnested values keep the expression's
	// element type.
	vc, err := decodeVirtualColumnWith(o.Raw("virtualColumn"), o.FieldPath("virtualColumn"), base.ColumnType{}, lookups)
	if err != nil {
		return nil, err
	}
	comp, err := expr.BindOptions(vc.Parsed, expr.Options{Lookups: lookups.Expr()})
	if err != nil {
		return nil, base.Errorf(base.ClassOf(err), "%s: %w", jsonspec.Join(o.FieldPath("virtualColumn"), "expression"), err)
	}
	d := &UnnestDataSource{Base: b, VirtualColumn: vc, Expr: comp}
	if o.Has("unnestFilter") {
		f, err := filter.DecodeWith(o.Raw("unnestFilter"), o.FieldPath("unnestFilter"), lookups)
		if err != nil {
			return nil, err
		}
		d.UnnestFilter = f
	}
	return d, nil
}

// joinJSON and unnestJSON are the datasources' Druid JSON (for Encode).
func joinJSON(d *JoinDataSource) map[string]any {
	m := map[string]any{"type": "join", "left": dataSourceJSON(d.Left), "right": dataSourceJSON(d.Right),
		"rightPrefix": d.RightPrefix, "condition": d.Condition, "joinType": string(d.JoinType)}
	if d.LeftFilter != nil {
		m["leftFilter"] = d.LeftFilter
	}
	return m
}

func unnestJSON(d *UnnestDataSource) map[string]any {
	vc := map[string]any{"type": "expression", "name": d.VirtualColumn.Name, "expression": d.VirtualColumn.Expression}
	if d.VirtualColumn.OutputType.Kind != base.KindUnknown {
		vc["outputType"] = d.VirtualColumn.OutputType.String()
	}
	m := map[string]any{"type": "unnest", "base": dataSourceJSON(d.Base), "virtualColumn": vc}
	if d.UnnestFilter != nil {
		m["unnestFilter"] = d.UnnestFilter
	}
	return m
}
