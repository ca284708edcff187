package expr

import (
	"fmt"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
)

// InputTypes tells Bind the type of each input column. ok is false for a
// column whose type is not known; it is then typed at evaluation time.
type InputTypes func(name string) (t base.ColumnType, ok bool)

// RowBindings supplies input values for row-at-a-time evaluation.
type RowBindings interface {
	// Value returns the current row's value of the named column; a missing
	// column is null.
	Value(name string) Value
}

// MapBindings is RowBindings over a map of plain Go values (converted with
// FromAny) or Values.
type MapBindings map[string]any

// Value implements RowBindings.
func (m MapBindings) Value(name string) Value { return FromAny(m[name]) }

// Compiled is an expression bound to its input types: output type known,
// constants folded, functions resolved. It is immutable and safe for
// concurrent use.
type Compiled struct {
	root     node
	expr     Expr
	columns  []string
	colTypes []base.ColumnType
	slots    int
	nodes    int
	envs     sync.Pool // *env scratch for EvalRow
}

// Compile parses and binds s.
func Compile(s string, types InputTypes) (*Compiled, error) {
	e, err := Parse(s)
	if err != nil {
		return nil, err
	}
	return Bind(e, types)
}

// Bind type-checks e against the input types, resolves its functions and
// folds constants. Unknown functions, wrong argument counts and bad literal
// arguments (patterns, periods, time zones) are reported here with the
// function's name, as base.ClassInvalidInput errors.
func Bind(e Expr, types InputTypes) (*Compiled, error) {
	return bind(e, Options{Types: types})
}

func bind(e Expr, o Options) (*Compiled, error) {
	types := o.Types
	if types == nil {
		types = func(string) (base.ColumnType, bool) { return base.ColumnType{}, false }
	}
	b := &binder{types: types, colIndex: map[string]int{}, src: e, fns: registry, lookups: o.Lookups}
	root, err := b.bind(e)
	if err != nil {
		return nil, err
	}
	if _, ok := root.(*lambdaNode); ok {
		return nil, base.Errorf(base.ClassInvalidInput, "expression %s: a lambda is only allowed as the first argument of an apply function", e)
	}
	return &Compiled{root: root, expr: e, columns: b.cols, colTypes: b.colTypes, slots: b.maxSlots, nodes: b.nextID}, nil
}

// Expr returns the parsed expression.
func (c *Compiled) Expr() Expr { return c.expr }

// String prints the parsed expression in canonical form.
func (c *Compiled) String() string { return c.expr.String() }

// OutputType is the inferred result type. The zero ColumnType means the
// type depends on inputs whose types were not given.
func (c *Compiled) OutputType() base.ColumnType { return c.root.typ() }

// RequiredColumns lists the input columns the expression reads, in order
// of first appearance.
// The caller must not modify the slice.
func (c *Compiled) RequiredColumns() []string { return c.columns }

// Constant reports the expression's value when it does not depend on any
// input.
func (c *Compiled) Constant() (Value, bool) {
	if k, ok := c.root.(*constNode); ok {
		return k.v, true
	}
	return Value{}, false
}

// EvalRow evaluates the expression for one row.
func (c *Compiled) EvalRow(row RowBindings) (Value, error) {
	e, _ := c.envs.Get().(*env)
	if e == nil {
		e = &env{}
		if c.slots > 0 {
			e.slots = make([]Value, c.slots)
		}
	}
	e.row = row
	v, err := c.root.eval(e)
	e.row = nil
	clear(e.slots)
	c.envs.Put(e)
	return v, err
}

// DictionaryColumn reports the single STRING input column when the
// expression reads exactly one column and it is a STRING: such an
// expression can be evaluated once per dictionary value with
// EvalDictionary instead of once per row.
func (c *Compiled) DictionaryColumn() (string, bool) {
	if len(c.columns) == 1 && c.colTypes[0].Kind == base.KindString {
		return c.columns[0], true
	}
	return "", false
}

// EvalDictionary evaluates the expression once for each dictionary value of
// the column returned by DictionaryColumn (a nil entry in nulls, or
// nulls[i] true, marks a null value). out[i] is the result for dict[i].
func (c *Compiled) EvalDictionary(dict []string, nulls []bool) ([]Value, error) {
	name, ok := c.DictionaryColumn()
	if !ok {
		return nil, base.Errorf(base.ClassInternal, "expression %s: EvalDictionary needs exactly one STRING input column", c.expr)
	}
	out := make([]Value, len(dict))
	row := &singleBinding{name: name}
	e := env{row: row}
	if c.slots > 0 {
		e.slots = make([]Value, c.slots)
	}
	for i, s := range dict {
		row.v = String(s)
		if i < len(nulls) && nulls[i] {
			row.v = Null(TypeString)
		}
		v, err := c.root.eval(&e)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

type singleBinding struct {
	name string
	v    Value
}

// Value implements RowBindings.
func (s *singleBinding) Value(name string) Value {
	if name == s.name {
		return s.v
	}
	return Null(TypeString)
}

// env is the state of one row evaluation.
type env struct {
	row   RowBindings
	vcols []*Vector // vector fallback: the input columns by index
	i     int       // vector fallback: the row within the block
	slots []Value   // lambda parameters
	stack []Value   // argument scratch for function calls
}

// node is a bound expression node.
type node interface {
	typ() base.ColumnType
	eval(e *env) (Value, error)
}

type constNode struct {
	v Value
	t base.ColumnType
}

func (n *constNode) typ() base.ColumnType     { return n.t }
func (n *constNode) eval(*env) (Value, error) { return n.v, nil }

type identNode struct {
	name string
	idx  int // column index, or -1
	slot int // lambda slot, or -1
	t    base.ColumnType
}

func (n *identNode) typ() base.ColumnType { return n.t }
func (n *identNode) eval(e *env) (Value, error) {
	if n.slot >= 0 {
		return e.slots[n.slot], nil
	}
	if e.vcols != nil {
		return e.vcols[n.idx].At(e.i), nil
	}
	v := e.row.Value(n.name)
	if v.Type.Kind == base.KindFloat {
		v.Type = TypeDouble
	}
	return v, nil
}

// lambdaNode is a bound lambda: its parameters live in slots
// [first, first+len(params)).
type lambdaNode struct {
	params []string
	first  int
	body   node
}

func (n *lambdaNode) typ() base.ColumnType { return n.body.typ() }
func (n *lambdaNode) eval(e *env) (Value, error) {
	return Value{}, base.Errorf(base.ClassInvalidInput, "lambda evaluated outside an apply function")
}

// call invokes the lambda with args bound to its parameters.
func (n *lambdaNode) call(e *env, args ...Value) (Value, error) {
	copy(e.slots[n.first:], args)
	return n.body.eval(e)
}

type binder struct {
	fns      map[string]*fnSpec
	lookups  func(string) (Lookup, bool)
	types    InputTypes
	cols     []string
	colTypes []base.ColumnType
	colIndex map[string]int
	scopes   []map[string]scopeVar
	nextSlot int
	maxSlots int
	nextID   int
	src      Expr
}

type scopeVar struct {
	slot int
	t    base.ColumnType
}

func (b *binder) errorf(format string, args ...any) error {
	return base.Errorf(base.ClassInvalidInput, "expression %s: %s", b.src, fmt.Sprintf(format, args...))
}

func (b *binder) bind(e Expr) (node, error) {
	switch e := e.(type) {
	case *Literal:
		t := e.Value.Type
		if e.Value.Null && t.Kind != base.KindArray {
			t = typeUnknown // an untyped null takes the type of its context
		}
		return &constNode{v: e.Value, t: t}, nil
	case *Ident:
		for i := len(b.scopes) - 1; i >= 0; i-- {
			if v, ok := b.scopes[i][e.Name]; ok {
				return &identNode{name: e.Name, idx: -1, slot: v.slot, t: v.t}, nil
			}
		}
		idx, ok := b.colIndex[e.Name]
		if !ok {
			t, known := b.types(e.Name)
			if !known {
				t = typeUnknown
			}
			idx = len(b.cols)
			b.colIndex[e.Name] = idx
			b.cols = append(b.cols, e.Name)
			b.colTypes = append(b.colTypes, exprType(t))
		}
		return &identNode{name: e.Name, idx: idx, slot: -1, t: b.colTypes[idx]}, nil
	case *Unary:
		x, err := b.bind(e.X)
		if err != nil {
			return nil, err
		}
		if err := b.scalarArg(x, string(e.Op)); err != nil {
			return nil, err
		}
		return b.fold(newUnary(e.Op, x, b.id()))
	case *Binary:
		l, err := b.bind(e.L)
		if err != nil {
			return nil, err
		}
		r, err := b.bind(e.R)
		if err != nil {
			return nil, err
		}
		n, err := b.newBinary(e.Op, l, r)
		if err != nil {
			return nil, err
		}
		if bn, ok := n.(*binaryNode); ok {
			bn.src = e
		}
		return b.fold(n)
	case *Call:
		return b.bindCall(e)
	case *Lambda:
		return nil, b.errorf("a lambda is only allowed as the first argument of an apply function")
	}
	return nil, b.errorf("unknown expression node %T", e)
}

func (b *binder) id() int {
	b.nextID++
	return b.nextID - 1
}

func (b *binder) scalarArg(n node, op string) error {
	if k := n.typ().Kind; k == base.KindArray {
		return b.errorf("operator %s does not apply to %s", op, n.typ())
	}
	return nil
}

// bindLambda binds a lambda whose parameters have the given types.
func (b *binder) bindLambda(l *Lambda, fn string, types []base.ColumnType) (*lambdaNode, error) {
	if len(l.Params) != len(types) {
		return nil, b.errorf("function %s: lambda takes %d arguments, expected %d", fn, len(l.Params), len(types))
	}
	scope := map[string]scopeVar{}
	first := b.nextSlot
	for i, p := range l.Params {
		scope[p] = scopeVar{slot: b.nextSlot, t: types[i]}
		b.nextSlot++
	}
	if b.nextSlot > b.maxSlots {
		b.maxSlots = b.nextSlot
	}
	b.scopes = append(b.scopes, scope)
	body, err := b.bind(l.Body)
	b.scopes = b.scopes[:len(b.scopes)-1]
	b.nextSlot = first
	if err != nil {
		return nil, err
	}
	return &lambdaNode{params: l.Params, first: first, body: body}, nil
}

// fold replaces a node whose inputs are all constants with its value. A
// node whose evaluation fails is left alone, so that the error surfaces
// only if the value is actually needed.
func (b *binder) fold(n node) (node, error) {
	if !allConst(n) {
		return n, nil
	}
	v, err := n.eval(&env{})
	if err != nil {
		return n, nil
	}
	t := n.typ()
	if t.Kind == base.KindUnknown && !v.Null {
		t = v.Type // an untyped null stays untyped
	}
	return &constNode{v: v, t: t}, nil
}

func allConst(n node) bool {
	var kids []node
	switch n := n.(type) {
	case *unaryNode:
		kids = []node{n.x}
	case *binaryNode:
		kids = []node{n.l, n.r}
	case *callNode:
		if n.fn.impure {
			return false
		}
		kids = n.args
	default:
		return false
	}
	for _, k := range kids {
		if _, ok := k.(*constNode); !ok {
			return false
		}
	}
	return true
}
