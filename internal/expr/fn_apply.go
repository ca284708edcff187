package expr

import (
	"github.com/dryaddb/dryad/internal/base"
)

// maxCartesian bounds the size of a Cartesian product.
const maxCartesian = 1 << 20

func applyFns() []*fnSpec {
	return []*fnSpec{
		{name: "map", min: 2, max: 2, lambda: true, bind: bindMap(false)},
		{name: "cartesian_map", min: 3, max: -1, lambda: true, bind: bindMap(true)},
		{name: "filter", min: 2, max: 2, lambda: true, bind: bindFilter},
		{name: "fold", min: 3, max: 3, lambda: true, bind: bindFold(false)},
		{name: "cartesian_fold", min: 4, max: -1, lambda: true, bind: bindFold(true)},
		{name: "any", min: 2, max: 2, lambda: true, bind: bindAnyAll(true)},
		{name: "all", min: 2, max: 2, lambda: true, bind: bindAnyAll(false)},
	}
}

func (b *binder) lambdaOf(n *callNode, types []base.ColumnType) (*lambdaNode, error) {
	return b.bindLambda(n.call.Args[0].(*Lambda), n.fn.name, types)
}

// evalArrays evaluates args[from:to] as arrays; ok is false if any is null.
func evalArrays(e *env, n *callNode, from, to int) ([]Value, bool, error) {
	out := make([]Value, 0, to-from)
	for _, a := range n.args[from:to] {
		v, err := a.eval(e)
		if err != nil {
			return nil, false, err
		}
		if v.Null {
			return nil, false, nil
		}
		out = append(out, asArray(v, elemType(argArrayType(a.typ()))))
	}
	return out, true, nil
}

// cartesian calls f for every combination of elements of arrs.
func cartesian(arrs []Value, f func(combo []Value) (bool, error)) error {
	total := 1
	for _, a := range arrs {
		total *= len(a.Arr)
		if total > maxCartesian {
			return base.Errorf(base.ClassInvalidInput, "cartesian product of more than %d elements", maxCartesian)
		}
	}
	if total == 0 {
		return nil
	}
	idx := make([]int, len(arrs))
	combo := make([]Value, len(arrs))
	for {
		for i, a := range arrs {
			combo[i] = a.Arr[idx[i]]
		}
		more, err := f(combo)
		if err != nil || !more {
			return err
		}
		k := len(arrs) - 1
		for k >= 0 {
			idx[k]++
			if idx[k] < len(arrs[k].Arr) {
				break
			}
			idx[k] = 0
			k--
		}
		if k < 0 {
			return nil
		}
	}
}

func elemTypes(n *callNode, from, to int) []base.ColumnType {
	var ts []base.ColumnType
	for _, a := range n.args[from:to] {
		ts = append(ts, elemType(argArrayType(a.typ())))
	}
	return ts
}

func bindMap(cart bool) func(*binder, *callNode) error {
	return func(b *binder, n *callNode) error {
		l, err := b.lambdaOf(n, elemTypes(n, 1, len(n.args)))
		if err != nil {
			return err
		}
		bt := l.body.typ()
		if bt.Kind == base.KindArray {
			return b.argErr(n, "the lambda must return a scalar, not %s", bt)
		}
		n.t = arrayOf(bt)
		n.lazy = func(e *env, n *callNode) (Value, error) {
			arrs, ok, err := evalArrays(e, n, 1, len(n.args))
			if err != nil || !ok {
				return Null(n.t), err
			}
			var out []Value
			err = cartesian(arrs, func(combo []Value) (bool, error) {
				v, err := l.call(e, combo...)
				out = append(out, v)
				return true, err
			})
			if err != nil {
				return Value{}, err
			}
			return finishArray(out, bt), nil
		}
		if !cart {
			n.lazy = func(e *env, n *callNode) (Value, error) {
				arrs, ok, err := evalArrays(e, n, 1, 2)
				if err != nil || !ok {
					return Null(n.t), err
				}
				out := make([]Value, len(arrs[0].Arr))
				for i, x := range arrs[0].Arr {
					if out[i], err = l.call(e, x); err != nil {
						return Value{}, err
					}
				}
				return finishArray(out, bt), nil
			}
		}
		return nil
	}
}

// finishArray types a built array: the bound type when known, else the
// type of the first non-null element.
func finishArray(vs []Value, t base.ColumnType) Value {
	if t.Kind == base.KindUnknown {
		for _, v := range vs {
			if !v.Null {
				if v.Type.Kind == base.KindArray {
					return JSON(Value{Type: TypeStringArray, Arr: vs}.Any())
				}
				t = v.Type
				break
			}
		}
		if t.Kind == base.KindUnknown {
			t = TypeString
		}
	}
	return Array(t, vs)
}

func bindFilter(b *binder, n *callNode) error {
	et := elemTypes(n, 1, 2)
	l, err := b.lambdaOf(n, et)
	if err != nil {
		return err
	}
	n.t = argArrayType(n.args[1].typ())
	n.lazy = func(e *env, n *callNode) (Value, error) {
		arrs, ok, err := evalArrays(e, n, 1, 2)
		if err != nil || !ok {
			return Null(n.t), err
		}
		out := []Value{}
		for _, x := range arrs[0].Arr {
			v, err := l.call(e, x)
			if err != nil {
				return Value{}, err
			}
			if t, _ := v.AsBool(); t {
				out = append(out, x)
			}
		}
		return Value{Type: arrs[0].Type, Arr: out}, nil
	}
	return nil
}

func bindFold(cart bool) func(*binder, *callNode) error {
	return func(b *binder, n *callNode) error {
		last := len(n.args) - 1
		types := append(elemTypes(n, 1, last), n.args[last].typ())
		l, err := b.lambdaOf(n, types)
		if err != nil {
			return err
		}
		n.t = commonType(n.args[last].typ(), l.body.typ())
		n.lazy = func(e *env, n *callNode) (Value, error) {
			acc, err := n.args[last].eval(e)
			if err != nil {
				return Value{}, err
			}
			arrs, ok, err := evalArrays(e, n, 1, last)
			if err != nil {
				return Value{}, err
			}
			if !ok {
				return Null(n.t), nil
			}
			args := make([]Value, len(arrs)+1)
			err = cartesian(arrs, func(combo []Value) (bool, error) {
				copy(args, combo)
				args[len(combo)] = acc
				v, err := l.call(e, args...)
				acc = v
				return true, err
			})
			if err != nil {
				return Value{}, err
			}
			return conform(acc, n.t), nil
		}
		return nil
	}
}

func bindAnyAll(isAny bool) func(*binder, *callNode) error {
	return func(b *binder, n *callNode) error {
		l, err := b.lambdaOf(n, elemTypes(n, 1, 2))
		if err != nil {
			return err
		}
		n.t = TypeLong
		n.lazy = func(e *env, n *callNode) (Value, error) {
			arrs, ok, err := evalArrays(e, n, 1, 2)
			if err != nil || !ok {
				return Null(TypeLong), err
			}
			for _, x := range arrs[0].Arr {
				v, err := l.call(e, x)
				if err != nil {
					return Value{}, err
				}
				t, _ := v.AsBool()
				if t == isAny {
					return Bool(isAny), nil
				}
			}
			return Bool(!isAny), nil
		}
		return nil
	}
}
