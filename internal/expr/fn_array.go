package expr

import (
	"regexp"
	"sort"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

func arrayFns() []*fnSpec {
	return []*fnSpec{
		{name: "array", min: 1, max: -1, bind: bindArrayCtor},
		{name: "array_length", min: 1, max: 1, bind: bindArr(TypeLong, func(n *callNode, a []Value) (Value, error) {
			return Long(int64(len(a[0].Arr))), nil
		})},
		{name: "array_offset", min: 2, max: 2, bind: bindArrElem(func(arr []Value, i int64) (Value, bool) {
			if i < 0 || i >= int64(len(arr)) {
				return Value{}, false
			}
			return arr[i], true
		})},
		{name: "array_ordinal", min: 2, max: 2, bind: bindArrElem(func(arr []Value, i int64) (Value, bool) {
			if i < 1 || i > int64(len(arr)) {
				return Value{}, false
			}
			return arr[i-1], true
		})},
		{name: "array_contains", min: 2, max: 2, bind: bindArr(TypeLong, func(n *callNode, a []Value) (Value, error) {
			if a[1].Null {
				return Null(TypeLong), nil
			}
			want := asArray(a[1], elemType(a[0].Type))
			for _, w := range want.Arr {
				if !containsValue(a[0].Arr, w) {
					return Long(0), nil
				}
			}
			return Long(1), nil
		})},
		{name: "array_overlap", min: 2, max: 2, bind: bindArr(TypeLong, func(n *callNode, a []Value) (Value, error) {
			if a[1].Null {
				return Null(TypeLong), nil
			}
			other := asArray(a[1], elemType(a[0].Type))
			for _, w := range other.Arr {
				if containsValue(a[0].Arr, w) {
					return Long(1), nil
				}
			}
			return Long(0), nil
		})},
		{name: "scalar_in_array", min: 2, max: 2, bind: nullable(TypeLong, func(a []Value) (Value, error) {
			if a[0].Null || a[1].Null {
				return Null(TypeLong), nil
			}
			arr := asArray(a[1], typeUnknown)
			return Bool(containsValue(arr.Arr, a[0])), nil
		})},
		{name: "array_offset_of", min: 2, max: 2, bind: bindArrIndexOf(0)},
		{name: "array_ordinal_of", min: 2, max: 2, bind: bindArrIndexOf(1)},
		{name: "array_prepend", min: 2, max: 2, bind: bindArrayBuild(1, func(a []Value, t base.ColumnType) []Value {
			arr := asArray(a[1], elemType(t)).Arr
			return append([]Value{castScalar(a[0], elemType(t))}, arr...)
		})},
		{name: "array_append", min: 2, max: 2, bind: bindArrayBuild(0, func(a []Value, t base.ColumnType) []Value {
			arr := asArray(a[0], elemType(t)).Arr
			return append(append([]Value(nil), arr...), castScalar(a[1], elemType(t)))
		})},
		{name: "array_concat", min: 2, max: 2, bind: bindArrayBuild(0, func(a []Value, t base.ColumnType) []Value {
			if a[1].Null {
				return nil
			}
			return append(append([]Value(nil), asArray(a[0], elemType(t)).Arr...), asArray(a[1], elemType(t)).Arr...)
		})},
		{name: "array_set_add", min: 2, max: 2, bind: bindArrayBuild(0, func(a []Value, t base.ColumnType) []Value {
			arr := asArray(a[0], elemType(t)).Arr
			return sortedSet(append(append([]Value(nil), arr...), castScalar(a[1], elemType(t))))
		})},
		{name: "array_set_add_all", min: 2, max: 2, bind: bindArrayBuild(0, func(a []Value, t base.ColumnType) []Value {
			if a[1].Null {
				return nil
			}
			return sortedSet(append(append([]Value(nil), asArray(a[0], elemType(t)).Arr...), asArray(a[1], elemType(t)).Arr...))
		})},
		{name: "array_slice", min: 2, max: 3, bind: bindArraySlice},
		{name: "array_to_string", min: 2, max: 2, bind: bindArr(TypeString, func(n *callNode, a []Value) (Value, error) {
			sep, _ := a[1].AsString()
			if len(a[0].Arr) == 1 && a[0].Arr[0].Null {
				return Null(TypeString), nil
			}
			parts := make([]string, len(a[0].Arr))
			for i, e := range a[0].Arr {
				s, ok := e.AsString()
				if !ok {
					s = "null"
				}
				parts[i] = s
			}
			return String(strings.Join(parts, sep)), nil
		})},
		{name: "string_to_array", min: 2, max: 2, bind: bindStringToArray},
	}
}

// asArray reads v as an array: arrays as they are (converted to elem when
// known), scalars as one-element arrays, null as null.
func asArray(v Value, elem base.ColumnType) Value {
	if v.Null {
		if elem.Kind == base.KindUnknown {
			return Null(TypeStringArray)
		}
		return Null(arrayOf(elem))
	}
	if v.Type.Kind == base.KindArray {
		if elem.Kind == base.KindUnknown || elemType(v.Type) == elem {
			return v
		}
		return castScalar(v, arrayOf(elem))
	}
	if v.Type.Kind == base.KindComplex {
		if xs, ok := v.Obj.([]any); ok {
			a := FromAny(xs)
			if a.Type.Kind == base.KindArray {
				return asArray(a, elem)
			}
		}
	}
	if elem.Kind == base.KindUnknown {
		elem = v.Type
	}
	return Value{Type: arrayOf(elem), Arr: []Value{castScalar(v, elem)}}
}

func containsValue(arr []Value, x Value) bool {
	for _, e := range arr {
		if valuesEqual(e, x) {
			return true
		}
	}
	return false
}

// sortedSet sorts and de-duplicates, nulls first, as Druid's set functions
// do.
func sortedSet(vs []Value) []Value {
	sort.SliceStable(vs, func(i, j int) bool { return compareValues(vs[i], vs[j]) < 0 })
	out := vs[:0]
	for i, v := range vs {
		if i > 0 && valuesEqual(v, out[len(out)-1]) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// argArrayType is the array type of an argument: arrays as they are,
// scalars (multi-value strings) as arrays of themselves.
func argArrayType(t base.ColumnType) base.ColumnType {
	if t.Kind == base.KindArray || t.Kind == base.KindUnknown {
		return t
	}
	if t.Kind == base.KindComplex {
		return typeUnknown
	}
	return arrayOf(t)
}

// bindArr binds a function of an array first argument; a null array gives
// null of type t.
func bindArr(t base.ColumnType, f func(n *callNode, a []Value) (Value, error)) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		n.t = t
		at := argArrayType(n.args[0].typ())
		n.impl = func(a []Value) (Value, error) {
			if a[0].Null {
				return Null(t), nil
			}
			a[0] = asArray(a[0], elemType(at))
			return f(n, a)
		}
		return nil
	}
}

func bindArrElem(pick func(arr []Value, i int64) (Value, bool)) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		at := argArrayType(n.args[0].typ())
		n.t = elemType(at)
		n.impl = func(a []Value) (Value, error) {
			i, ok := a[1].AsLong()
			if a[0].Null || !ok {
				return Null(n.t), nil
			}
			arr := asArray(a[0], elemType(at))
			v, ok := pick(arr.Arr, i)
			if !ok {
				return Null(elemType(arr.Type)), nil
			}
			return v, nil
		}
		return nil
	}
}

func bindArrIndexOf(origin int64) func(*binder, *callNode) error {
	return bindArr(TypeLong, func(n *callNode, a []Value) (Value, error) {
		x := castScalar(a[1], elemType(a[0].Type))
		for i, e := range a[0].Arr {
			if valuesEqual(e, x) {
				return Long(int64(i) + origin), nil
			}
		}
		return Null(TypeLong), nil
	})
}

func bindArrayCtor(b *binder, n *callNode) error {
	var et base.ColumnType
	for _, a := range n.args {
		at := a.typ()
		if at.Kind == base.KindArray {
			return b.argErr(n, "arrays of arrays are not supported")
		}
		et = commonType(et, at)
	}
	n.t = arrayOf(et)
	n.impl = func(a []Value) (Value, error) {
		t := et
		if t.Kind == base.KindUnknown {
			for _, v := range a {
				if !v.Null {
					t = commonType(t, v.Type)
				}
			}
			if t.Kind == base.KindUnknown {
				t = TypeString
			}
		}
		for _, v := range a {
			if v.Type.Kind == base.KindArray && !v.Null {
				return Value{}, base.Errorf(base.ClassUnsupported, "array: arrays of arrays are not supported")
			}
		}
		return Array(t, a), nil
	}
	return nil
}

// bindArrayBuild binds a function returning an array of the type of
// argument typeArg; a null array argument gives null.
func bindArrayBuild(typeArg int, f func(a []Value, t base.ColumnType) []Value) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		n.t = argArrayType(n.args[typeArg].typ())
		n.impl = func(a []Value) (Value, error) {
			if a[typeArg].Null {
				return Null(n.t), nil
			}
			t := n.t
			if t.Kind == base.KindUnknown {
				t = asArray(a[typeArg], typeUnknown).Type
			}
			out := f(a, t)
			if out == nil {
				return Null(t), nil
			}
			return Value{Type: t, Arr: out}, nil
		}
		return nil
	}
}

func bindArraySlice(_ *binder, n *callNode) error {
	n.t = argArrayType(n.args[0].typ())
	n.impl = func(a []Value) (Value, error) {
		if a[0].Null || a[1].Null {
			return Null(n.t), nil
		}
		arr := asArray(a[0], elemType(n.t))
		start, _ := a[1].AsLong()
		end := int64(len(arr.Arr))
		if len(a) == 3 {
			if a[2].Null {
				return Null(n.t), nil
			}
			end, _ = a[2].AsLong()
		}
		if start < 0 || start > int64(len(arr.Arr)) || start > end {
			return Null(arr.Type), nil
		}
		if end > int64(len(arr.Arr)) {
			end = int64(len(arr.Arr))
		}
		return Value{Type: arr.Type, Arr: append([]Value(nil), arr.Arr[start:end]...)}, nil
	}
	return nil
}

func bindStringToArray(b *binder, n *callNode) error {
	pat, err := b.patternArg(n, 1)
	if err != nil {
		return err
	}
	n.t = TypeStringArray
	n.impl = strictFn(TypeStringArray, func(a []Value) (Value, error) {
		s, _ := a[0].AsString()
		re, ok, err := pat(a)
		if err != nil || !ok {
			return Null(TypeStringArray), err
		}
		parts := javaSplit(re, s)
		out := make([]Value, len(parts))
		for i, p := range parts {
			out[i] = String(p)
		}
		return Value{Type: TypeStringArray, Arr: out}, nil
	})
	return nil
}

// javaSplit is Java's String.split(regex): trailing empty strings are
// removed, and a zero-width match at the start yields no leading empty
// string.
func javaSplit(re *regexp.Regexp, s string) []string {
	if s == "" {
		return []string{""}
	}
	var parts []string
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if m[1] == 0 {
			continue
		}
		if m[0] == m[1] && m[0] == len(s) {
			break
		}
		parts = append(parts, s[last:m[0]])
		last = m[1]
	}
	parts = append(parts, s[last:])
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 1 && parts[0] == "" && s != "" {
		return []string{}
	}
	return parts
}
