package expr

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// fnSpec describes one built-in function.
type fnSpec struct {
	name     string
	min, max int // argument counts; max < 0 means any number
	impure   bool
	// bind completes n (already holding the bound arguments): it sets the
	// output type and either impl (strict, all arguments evaluated) or lazy.
	bind func(b *binder, n *callNode) error
	// lambda marks apply functions, whose first argument is a lambda that
	// bind itself binds (args[0] is nil on entry).
	lambda bool
}

// callNode is a bound function call.
type callNode struct {
	fn   *fnSpec
	call *Call
	args []node
	t    base.ColumnType
	id   int
	// impl computes the result from evaluated arguments. args is scratch
	// owned by the caller; impl must not keep it.
	impl func(args []Value) (Value, error)
	// lazy evaluates the arguments itself (conditionals, apply functions).
	lazy func(e *env, n *callNode) (Value, error)
	// vec is an optional native vector kernel.
	vec vecKernel
}

func (n *callNode) typ() base.ColumnType { return n.t }

func (n *callNode) eval(e *env) (Value, error) {
	if n.lazy != nil {
		return n.lazy(e, n)
	}
	base := len(e.stack)
	for _, a := range n.args {
		v, err := a.eval(e)
		if err != nil {
			e.stack = e.stack[:base]
			return Value{}, err
		}
		e.stack = append(e.stack, v)
	}
	v, err := n.impl(e.stack[base:])
	clear(e.stack[base:])
	e.stack = e.stack[:base]
	if err != nil {
		return Value{}, fmt.Errorf("function %s: %w", n.fn.name, err)
	}
	return v, nil
}

// literalArg returns argument i when it is a constant.
func (n *callNode) literalArg(i int) (Value, bool) {
	if i >= len(n.args) {
		return Value{}, false
	}
	if k, ok := n.args[i].(*constNode); ok {
		return k.v, true
	}
	return Value{}, false
}

// literalString returns argument i as a constant string, or an error that
// names the function and argument.
func (b *binder) literalString(n *callNode, i int, what string) (string, bool, error) {
	v, ok := n.literalArg(i)
	if !ok {
		return "", false, b.errorf("function %s: %s (argument %d) must be a literal", n.fn.name, what, i+1)
	}
	s, ok := v.AsString()
	return s, ok, nil
}

func (b *binder) argErr(n *callNode, format string, args ...any) error {
	return b.errorf("function %s: %s", n.fn.name, fmt.Sprintf(format, args...))
}

func (b *binder) bindCall(c *Call) (node, error) {
	name := strings.ToLower(c.Name)
	spec, ok := b.fns[name]
	if !ok {
		return nil, b.errorf("unknown function %s", c.Name)
	}
	if len(c.Args) < spec.min || spec.max >= 0 && len(c.Args) > spec.max {
		return nil, b.errorf("function %s takes %s, got %d", spec.name, arity(spec), len(c.Args))
	}
	n := &callNode{fn: spec, call: c, args: make([]node, len(c.Args)), id: b.id()}
	for i, a := range c.Args {
		if l, isLambda := a.(*Lambda); isLambda {
			if !spec.lambda || i != 0 {
				return nil, b.errorf("function %s: argument %d cannot be a lambda", spec.name, i+1)
			}
			_ = l
			continue
		}
		if spec.lambda && i == 0 {
			return nil, b.errorf("function %s: the first argument must be a lambda such as (x) -> x + 1", spec.name)
		}
		an, err := b.bind(a)
		if err != nil {
			return nil, err
		}
		n.args[i] = an
	}
	if err := spec.bind(b, n); err != nil {
		return nil, err
	}
	if n.impl == nil && n.lazy == nil {
		return nil, base.Errorf(base.ClassInternal, "function %s bound without an implementation", spec.name)
	}
	return b.fold(n)
}

func arity(s *fnSpec) string {
	switch {
	case s.max < 0:
		return fmt.Sprintf("at least %d argument%s", s.min, plural(s.min))
	case s.min == s.max:
		return fmt.Sprintf("%d argument%s", s.min, plural(s.min))
	}
	return fmt.Sprintf("%d to %d arguments", s.min, s.max)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Functions lists the names of all built-in functions, sorted.
func Functions() []string {
	out := make([]string, 0, len(registry))
	for _, s := range registry {
		out = append(out, s.name)
	}
	sort.Strings(out)
	return out
}

// registry maps lower-cased function names to their specs. It is built once
// at package initialization from constant tables and never modified.
var registry = buildRegistry()

func buildRegistry() map[string]*fnSpec {
	m := map[string]*fnSpec{}
	for _, group := range [][]*fnSpec{generalFns(), stringFns(), mathFns(), timeFns(), arrayFns(), applyFns(), jsonFns(), ipFns(), otherFns(), extraFns()} {
		for _, s := range group {
			m[strings.ToLower(s.name)] = s
		}
	}
	return m
}

// strictFn is a function whose result is null of type t when any argument
// is null, else f(args).
func strictFn(t base.ColumnType, f func(args []Value) (Value, error)) func(args []Value) (Value, error) {
	return func(args []Value) (Value, error) {
		for _, a := range args {
			if a.Null {
				return Null(t), nil
			}
		}
		return f(args)
	}
}

// fixed returns a bind function that sets a fixed output type and a strict
// implementation.
func fixed(t base.ColumnType, f func(args []Value) (Value, error)) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		n.t = t
		n.impl = strictFn(t, f)
		return nil
	}
}

// nullable is like fixed but the implementation sees nulls itself.
func nullable(t base.ColumnType, f func(args []Value) (Value, error)) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		n.t = t
		n.impl = f
		return nil
	}
}
