package expr

import "strings"

// Options configures binding beyond the column types.
type Options struct {
	// Types gives the input column types (nil: all unknown).
	Types InputTypes
	// MultiValue reports the STRING columns that may hold several values in
	// one row (Druid's multi-value dimensions). Where such a column is used
	// as a scalar, the whole expression is applied to each of its values, as
	// Druid does: f(m) becomes map((m) -> f(m), m), and with several such
	// columns cartesian_map over all of them. The result is then an array.
	// Uses as an array (array and apply function arguments) see the whole
	// row's values.
	MultiValue func(name string) bool
	// Lookups resolves the lookup names the lookup function refers to; nil
	// means no lookups are registered.
	Lookups func(name string) (Lookup, bool)
}

// Lookup is a registered query-time lookup (a key to value map). It must be
// safe for concurrent use.
type Lookup interface {
	// Get returns the value for key, and false when the key is absent.
	Get(key string) (string, bool)
}

// BindOptions is Bind with options.
func BindOptions(e Expr, o Options) (*Compiled, error) {
	if o.MultiValue != nil {
		e = applyMultiValue(e, o.MultiValue)
	}
	return bind(e, o)
}

// arrayArgs lists, for each array or apply function, which arguments are
// used as arrays (-2: every argument after the lambda; -1: every argument
// after the lambda but the last).
func arrayArgs(fn string) []int {
	switch fn {
	case "array_length", "array_offset", "array_ordinal", "array_offset_of", "array_ordinal_of",
		"array_append", "array_set_add", "array_slice", "array_to_string":
		return []int{0}
	case "array_contains", "array_overlap", "array_concat", "array_set_add_all":
		return []int{0, 1}
	case "scalar_in_array", "array_prepend", "map", "filter", "any", "all", "fold":
		return []int{1}
	case "cartesian_map":
		return []int{-2}
	case "cartesian_fold":
		return []int{-1}
	}
	return nil
}

func isArrayArg(fn string, i, nargs int) bool {
	for _, k := range arrayArgs(strings.ToLower(fn)) {
		switch {
		case k == -2 && i >= 1:
			return true
		case k == -1 && i >= 1 && i < nargs-1:
			return true
		case k == i:
			return true
		}
	}
	return false
}

// applyMultiValue wraps e in map/cartesian_map over the multi-value columns
// it uses as scalars.
func applyMultiValue(e Expr, mv func(string) bool) Expr {
	var cols []string
	seen := map[string]bool{}
	var walk func(x Expr, shadow map[string]bool, arrayPos bool)
	walk = func(x Expr, shadow map[string]bool, arrayPos bool) {
		switch x := x.(type) {
		case *Ident:
			if !arrayPos && !shadow[x.Name] && mv(x.Name) && !seen[x.Name] {
				seen[x.Name] = true
				cols = append(cols, x.Name)
			}
		case *Unary:
			walk(x.X, shadow, false)
		case *Binary:
			walk(x.L, shadow, false)
			walk(x.R, shadow, false)
		case *Call:
			for i, a := range x.Args {
				walk(a, shadow, isArrayArg(x.Name, i, len(x.Args)))
			}
		case *Lambda:
			inner := map[string]bool{}
			for k := range shadow {
				inner[k] = true
			}
			for _, p := range x.Params {
				inner[p] = true
			}
			walk(x.Body, inner, false)
		}
	}
	walk(e, map[string]bool{}, false)
	if len(cols) == 0 {
		return e
	}
	args := []Expr{&Lambda{Params: cols, Body: e}}
	for _, c := range cols {
		args = append(args, &Ident{c})
	}
	name := "map"
	if len(cols) > 1 {
		name = "cartesian_map"
	}
	return &Call{Name: name, Args: args}
}

func bindLookup(b *binder, n *callNode) error {
	name, ok, err := b.literalString(n, 1, "the lookup name")
	if err != nil {
		return err
	}
	if !ok {
		return b.argErr(n, "the lookup name must not be null")
	}
	if b.lookups == nil {
		return b.argErr(n, "unknown lookup %q (no lookups are registered)", name)
	}
	lk, found := b.lookups(name)
	if !found {
		return b.argErr(n, "unknown lookup %q", name)
	}
	var missing Value
	hasMissing := false
	if len(n.args) == 3 {
		v, ok := n.literalArg(2)
		if !ok {
			return b.argErr(n, "replaceMissingValueWith (argument 3) must be a literal")
		}
		if !v.Null {
			s, _ := v.AsString()
			missing, hasMissing = String(s), true
		}
	}
	n.t = TypeString
	n.impl = func(a []Value) (Value, error) {
		key, ok := a[0].AsString()
		if ok {
			if v, found := lk.Get(key); found {
				return String(v), nil
			}
		}
		if hasMissing {
			return missing, nil
		}
		return Null(TypeString), nil
	}
	return nil
}
