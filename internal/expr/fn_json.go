package expr

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

func jsonFns() []*fnSpec {
	return []*fnSpec{
		{name: "json_value", min: 2, max: 3, bind: bindJSONValue},
		{name: "json_query", min: 2, max: 2, bind: bindJSONQuery(false)},
		{name: "json_query_array", min: 2, max: 2, bind: bindJSONQuery(true)},
		{name: "json_object", min: 0, max: -1, bind: bindJSONObject},
		{name: "parse_json", min: 1, max: 1, bind: bindParseJSON(false)},
		{name: "try_parse_json", min: 1, max: 1, bind: bindParseJSON(true)},
		{name: "to_json_string", min: 1, max: 1, bind: fixed(TypeString, func(a []Value) (Value, error) {
			b, err := marshalJSON(jsonOf(a[0]))
			if err != nil {
				return Value{}, base.Errorf(base.ClassInvalidInput, "to_json_string: %w", err)
			}
			return String(string(b)), nil
		})},
		{name: "json_keys", min: 2, max: 2, bind: bindJSONKeys},
		{name: "json_paths", min: 1, max: 1, bind: fixed(TypeStringArray, func(a []Value) (Value, error) {
			var paths []string
			jsonPaths(jsonOf(a[0]), "$", &paths)
			out := make([]Value, len(paths))
			for i, p := range paths {
				out[i] = String(p)
			}
			return Value{Type: TypeStringArray, Arr: out}, nil
		})},
		{name: "json_merge", min: 2, max: -1, bind: fixed(TypeJSON, fnJSONMerge)},
	}
}

// jsonOf returns the JSON tree a value stands for.
func jsonOf(v Value) any {
	if v.Null {
		return nil
	}
	if v.Type.Kind == base.KindComplex {
		return v.Obj
	}
	if v.Type.Kind == base.KindArray {
		out := make([]any, len(v.Arr))
		for i, e := range v.Arr {
			out[i] = jsonOf(e)
		}
		return out
	}
	return v.Any()
}

func marshalJSON(x any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// decodeJSON parses JSON text, keeping integers as int64.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, base.Errorf(base.ClassInvalidInput, "trailing data after JSON value at offset %d", dec.InputOffset())
	}
	return normalizeJSON(x), nil
}

func normalizeJSON(x any) any {
	switch v := x.(type) {
	case json.Number:
		if l, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return l
		}
		f, _ := strconv.ParseFloat(string(v), 64)
		return f
	case []any:
		for i := range v {
			v[i] = normalizeJSON(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = normalizeJSON(v[k])
		}
	}
	return x
}

// jsonPathPart is one step of a JSONPath: a field name or an array index.
type jsonPathPart struct {
	field string
	index int
	isIdx bool
}

// parseJSONPath parses Druid's JSONPath subset: $, .name, ['name'], [n].
func parseJSONPath(p string) ([]jsonPathPart, error) {
	bad := func(at int, why string) error {
		return base.Errorf(base.ClassInvalidInput, "JSONPath %q: %s at offset %d", p, why, at)
	}
	if !strings.HasPrefix(p, "$") {
		return nil, bad(0, "must start with '$'")
	}
	var parts []jsonPathPart
	for i := 1; i < len(p); {
		switch p[i] {
		case '.':
			j := i + 1
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			if j == i+1 {
				return nil, bad(i, "empty field name")
			}
			parts = append(parts, jsonPathPart{field: p[i+1 : j]})
			i = j
		case '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, bad(i, "unclosed '['")
			}
			inner := p[i+1 : i+end]
			if len(inner) >= 2 && (inner[0] == '\'' && inner[len(inner)-1] == '\'' || inner[0] == '"' && inner[len(inner)-1] == '"') {
				parts = append(parts, jsonPathPart{field: inner[1 : len(inner)-1]})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, bad(i, "expected a non-negative array index or a quoted field name")
				}
				parts = append(parts, jsonPathPart{index: n, isIdx: true})
			}
			i += end + 1
		default:
			return nil, bad(i, "expected '.' or '['")
		}
	}
	return parts, nil
}

func jsonFind(x any, parts []jsonPathPart) (any, bool) {
	for _, p := range parts {
		if p.isIdx {
			arr, ok := x.([]any)
			if !ok || p.index >= len(arr) {
				return nil, false
			}
			x = arr[p.index]
			continue
		}
		m, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		if x, ok = m[p.field]; !ok {
			return nil, false
		}
	}
	return x, true
}

// jsonPathArg returns the JSONPath of argument i: parsed once when it is a
// literal (errors at bind time), per row otherwise.
func (b *binder) jsonPathArg(n *callNode, i int) (func(a []Value) ([]jsonPathPart, bool, error), error) {
	if v, ok := n.literalArg(i); ok {
		s, ok := v.AsString()
		if !ok {
			return nil, b.argErr(n, "the path must not be null")
		}
		parts, err := parseJSONPath(s)
		if err != nil {
			return nil, b.argErr(n, "%v", err)
		}
		return func([]Value) ([]jsonPathPart, bool, error) { return parts, true, nil }, nil
	}
	return func(a []Value) ([]jsonPathPart, bool, error) {
		s, ok := a[i].AsString()
		if !ok {
			return nil, false, nil
		}
		parts, err := parseJSONPath(s)
		return parts, err == nil, err
	}, nil
}

func bindJSONValue(b *binder, n *callNode) error {
	path, err := b.jsonPathArg(n, 1)
	if err != nil {
		return err
	}
	var cast base.ColumnType
	if len(n.args) == 3 {
		s, ok, err := b.literalString(n, 2, "the type")
		if err != nil {
			return err
		}
		t, known := parseTypeName(s)
		if !ok || !known || t.Kind == base.KindComplex {
			return b.argErr(n, "type %q must be LONG, DOUBLE, STRING or an ARRAY of those", s)
		}
		cast = t
	}
	n.t = cast
	n.impl = func(a []Value) (Value, error) {
		parts, ok, err := path(a)
		if err != nil || !ok {
			return Null(cast), err
		}
		x, ok := jsonFind(jsonOf(a[0]), parts)
		if !ok || x == nil {
			return Null(cast), nil
		}
		var v Value
		switch x.(type) {
		case map[string]any:
			return Null(cast), nil
		case []any:
			v = FromAny(x)
			if v.Type.Kind != base.KindArray {
				return Null(cast), nil
			}
		default:
			v = FromJSONScalar(x)
		}
		if cast.Kind != base.KindUnknown {
			v = castScalar(v, cast)
		}
		return v, nil
	}
	return nil
}

func bindJSONQuery(asArray bool) func(*binder, *callNode) error {
	return func(b *binder, n *callNode) error {
		path, err := b.jsonPathArg(n, 1)
		if err != nil {
			return err
		}
		n.t = TypeJSON
		if asArray {
			n.t = TypeJSONArray
		}
		n.impl = func(a []Value) (Value, error) {
			parts, ok, err := path(a)
			if err != nil || !ok {
				return Null(n.t), err
			}
			x, ok := jsonFind(jsonOf(a[0]), parts)
			if !ok || x == nil {
				return Null(n.t), nil
			}
			if !asArray {
				return JSON(x), nil
			}
			xs, isArr := x.([]any)
			if !isArr {
				xs = []any{x}
			}
			out := make([]Value, len(xs))
			for i, e := range xs {
				out[i] = JSON(e)
				if e == nil {
					out[i] = Null(TypeJSON)
				}
			}
			return Value{Type: TypeJSONArray, Arr: out}, nil
		}
		return nil
	}
}

func bindJSONObject(b *binder, n *callNode) error {
	if len(n.args)%2 != 0 {
		return b.argErr(n, "needs an even number of arguments (alternating keys and values), got %d", len(n.args))
	}
	n.t = TypeJSON
	n.impl = func(a []Value) (Value, error) {
		m := make(map[string]any, len(a)/2)
		for i := 0; i < len(a); i += 2 {
			if a[i].Type.Kind != base.KindString || a[i].Null {
				return Value{}, base.Errorf(base.ClassInvalidInput, "json_object: key %d must be a non-null STRING, got %s", i/2+1, (&Literal{a[i]}).String())
			}
			k := a[i].S
			m[k] = jsonOf(a[i+1])
		}
		return JSON(m), nil
	}
	return nil
}

func bindParseJSON(try bool) func(*binder, *callNode) error {
	return func(_ *binder, n *callNode) error {
		n.t = TypeJSON
		n.impl = func(a []Value) (Value, error) {
			if a[0].Null {
				return Null(TypeJSON), nil
			}
			if a[0].Type.Kind != base.KindString {
				if try {
					return Null(TypeJSON), nil
				}
				return Value{}, base.Errorf(base.ClassInvalidInput, "parse_json: input must be a STRING, got %s", a[0].Type)
			}
			x, err := decodeJSON(a[0].S)
			if err != nil {
				if try {
					return Null(TypeJSON), nil
				}
				return Value{}, base.Errorf(base.ClassInvalidInput, "parse_json: invalid JSON %q: %w", a[0].S, err)
			}
			return JSON(x), nil
		}
		return nil
	}
}

func bindJSONKeys(b *binder, n *callNode) error {
	path, err := b.jsonPathArg(n, 1)
	if err != nil {
		return err
	}
	n.t = TypeStringArray
	n.impl = func(a []Value) (Value, error) {
		parts, ok, err := path(a)
		if err != nil || !ok {
			return Null(TypeStringArray), err
		}
		x, ok := jsonFind(jsonOf(a[0]), parts)
		if !ok {
			return Null(TypeStringArray), nil
		}
		var keys []string
		switch v := x.(type) {
		case map[string]any:
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
		case []any:
			for i := range v {
				keys = append(keys, "["+strconv.Itoa(i)+"]")
			}
		default:
			return Null(TypeStringArray), nil
		}
		out := make([]Value, len(keys))
		for i, k := range keys {
			out[i] = String(k)
		}
		return Value{Type: TypeStringArray, Arr: out}, nil
	}
	return nil
}

// jsonPaths collects the paths of all leaves: objects are descended,
// arrays of scalars are leaves, other arrays are descended by index.
func jsonPaths(x any, prefix string, out *[]string) {
	switch v := x.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			jsonPaths(v[k], prefix+jsonPathField(k), out)
		}
	case []any:
		for _, e := range v {
			switch e.(type) {
			case map[string]any, []any:
				for i, e := range v {
					jsonPaths(e, prefix+"["+strconv.Itoa(i)+"]", out)
				}
				return
			}
		}
		*out = append(*out, prefix)
	default:
		*out = append(*out, prefix)
	}
}

func jsonPathField(k string) string {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return "['" + k + "']"
		}
	}
	if k == "" {
		return "['']"
	}
	return "." + k
}

func fnJSONMerge(a []Value) (Value, error) {
	var acc any
	for i, v := range a {
		x := jsonOf(v)
		if s, ok := x.(string); ok && v.Type.Kind == base.KindString {
			parsed, err := decodeJSON(s)
			if err != nil {
				return Value{}, base.Errorf(base.ClassInvalidInput, "json_merge: argument %d is not valid JSON: %w", i+1, err)
			}
			x = parsed
		}
		if i == 0 {
			acc = copyJSON(x)
			continue
		}
		acc = mergeJSON(acc, x)
	}
	return JSON(acc), nil
}

func copyJSON(x any) any {
	switch v := x.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = copyJSON(e)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyJSON(e)
		}
		return out
	}
	return x
}

// mergeJSON merges b into a: objects merge key by key (recursively), any
// other value of b replaces a's.
func mergeJSON(a, b any) any {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok1 || !ok2 {
		return copyJSON(b)
	}
	for k, v := range bm {
		if old, ok := am[k]; ok {
			am[k] = mergeJSON(old, v)
		} else {
			am[k] = copyJSON(v)
		}
	}
	return am
}
