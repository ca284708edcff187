package inputformat

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// JSONPath is a compiled JSONPath expression in the Jayway syntax Druid's
// flattenSpec uses:
//
//	$                     the root
//	.name  ['name']  ["name"]   a member
//	[n]  [-n]             an array element (negative counts from the end)
//	.*  [*]               every member or element (makes the path indefinite)
//	..name                deep scan for name (indefinite)
//	.length() .size() .min() .max() .avg() .stddev() .sum() .first() .last() .keys()
//	.concat(x, ...) .append(x, ...)
//	                      a trailing function applied to the selected value;
//	                      concat/append take string or number literals
//
// A definite path yields the selected value or nil when anything along it is
// missing; an indefinite one yields a []any of every match. Errors during
// evaluation yield nil, as Jayway does with SUPPRESS_EXCEPTIONS. A JSONPath
// is immutable and safe for concurrent use.
type JSONPath struct {
	text  string
	steps []pathStep
	fn    string
	args  []any // literal arguments of concat() and append()
	multi bool
}

type stepKind int

const (
	stepMember stepKind = iota
	stepIndex
	stepWildcard
	stepDeep
)

type pathStep struct {
	kind  stepKind
	name  string
	index int
}

// isPathFunction reports whether name is a supported JSONPath function.
func isPathFunction(name string) bool {
	switch name {
	case "length", "size", "min", "max", "avg", "stddev", "sum", "first",
		"last", "keys", "concat", "append":
		return true
	}
	return false
}

// CompileJSONPath compiles expr.
func CompileJSONPath(expr string) (*JSONPath, error) {
	p := &JSONPath{text: expr}
	s := strings.TrimSpace(expr)
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("JSONPath %q must start with '$'", expr)
	}
	i := 1
	for i < len(s) {
		switch s[i] {
		case '.':
			if i+1 < len(s) && s[i+1] == '.' {
				j := i + 2
				name, n := scanName(s[j:])
				if n == 0 {
					return nil, fmt.Errorf("JSONPath %q: expected a name after '..' at offset %d", expr, j)
				}
				p.steps = append(p.steps, pathStep{kind: stepDeep, name: name})
				p.multi = true
				i = j + n
				continue
			}
			j := i + 1
			if j < len(s) && s[j] == '*' {
				p.steps = append(p.steps, pathStep{kind: stepWildcard})
				p.multi = true
				i = j + 1
				continue
			}
			name, n := scanName(s[j:])
			if n == 0 {
				return nil, fmt.Errorf("JSONPath %q: expected a name at offset %d", expr, j)
			}
			i = j + n
			if i < len(s) && s[i] == '(' {
				if !isPathFunction(name) {
					return nil, fmt.Errorf("JSONPath %q: unsupported function %s()", expr, name)
				}
				if !strings.HasSuffix(s, ")") {
					return nil, fmt.Errorf("JSONPath %q: a function must end the path", expr)
				}
				args, err := parseLiteralArgs(s[i+1 : len(s)-1])
				if err != nil {
					return nil, fmt.Errorf("JSONPath %q: %s(): %w", expr, name, err)
				}
				if len(args) > 0 && name != "concat" && name != "append" {
					return nil, fmt.Errorf("JSONPath %q: %s() takes no arguments", expr, name)
				}
				p.fn, p.args = name, args
				i = len(s)
				continue
			}
			p.steps = append(p.steps, pathStep{kind: stepMember, name: name})
		case '[':
			j := i + 1
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if j < len(s) && (s[j] == '\'' || s[j] == '"') {
				q := s[j]
				closeQ := strings.IndexByte(s[j+1:], q)
				if closeQ < 0 {
					return nil, fmt.Errorf("JSONPath %q: unterminated quote at offset %d", expr, j)
				}
				name := s[j+1 : j+1+closeQ]
				k := j + 1 + closeQ + 1
				for k < len(s) && s[k] == ' ' {
					k++
				}
				if k >= len(s) || s[k] != ']' {
					return nil, fmt.Errorf("JSONPath %q: expected ']' at offset %d", expr, k)
				}
				p.steps = append(p.steps, pathStep{kind: stepMember, name: name})
				i = k + 1
				continue
			}
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("JSONPath %q: unterminated '[' at offset %d", expr, i)
			}
			inner := strings.TrimSpace(s[i+1 : i+end])
			if inner == "*" {
				p.steps = append(p.steps, pathStep{kind: stepWildcard})
				p.multi = true
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, fmt.Errorf("JSONPath %q: unsupported subscript [%s]", expr, inner)
				}
				p.steps = append(p.steps, pathStep{kind: stepIndex, index: n})
			}
			i += end + 1
		default:
			return nil, fmt.Errorf("JSONPath %q: unexpected %q at offset %d", expr, s[i], i)
		}
	}
	return p, nil
}

// parseLiteralArgs parses a comma-separated list of string ('x' or "x")
// and number literals.
func parseLiteralArgs(s string) ([]any, error) {
	var out []any
	s = strings.TrimSpace(s)
	for s != "" {
		var arg any
		if q := s[0]; q == '\'' || q == '"' {
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				return nil, fmt.Errorf("unterminated string argument")
			}
			arg = s[1 : 1+end]
			s = strings.TrimSpace(s[end+2:])
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			lit := strings.TrimSpace(s[:end])
			if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
				arg = n
			} else if f, err := strconv.ParseFloat(lit, 64); err == nil {
				arg = f
			} else {
				return nil, fmt.Errorf("unsupported argument %q (only string and number literals)", lit)
			}
			s = strings.TrimSpace(s[end:])
		}
		out = append(out, arg)
		if s == "" {
			break
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("expected ',' between arguments")
		}
		s = strings.TrimSpace(s[1:])
		if s == "" {
			return nil, fmt.Errorf("missing argument after ','")
		}
	}
	return out, nil
}

// scanName returns the member name at the start of s and its length.
func scanName(s string) (string, int) {
	n := 0
	for n < len(s) && s[n] != '.' && s[n] != '[' && s[n] != '(' && s[n] != ' ' {
		n++
	}
	return s[:n], n
}

// String returns the source text.
func (p *JSONPath) String() string { return p.text }

// Eval evaluates the path against root (a Record, map[string]any, []any or
// scalar).
func (p *JSONPath) Eval(root any) any {
	cur := []any{root}
	for _, st := range p.steps {
		var next []any
		for _, v := range cur {
			next = applyStep(next, st, v)
		}
		cur = next
	}
	var v any
	if p.multi {
		out := make([]any, 0, len(cur))
		for _, c := range cur {
			if c != nil {
				out = append(out, c)
			}
		}
		v = out
	} else if len(cur) == 1 {
		v = cur[0]
	}
	if p.fn != "" {
		return applyPathFunction(p.fn, v, p.args)
	}
	return v
}

func member(v any, name string) (any, bool) {
	switch x := v.(type) {
	case Record:
		return x.Get(name)
	case map[string]any:
		e, ok := x[name]
		return e, ok
	}
	return nil, false
}

func applyStep(dst []any, st pathStep, v any) []any {
	switch st.kind {
	case stepMember:
		e, _ := member(v, st.name)
		return append(dst, e)
	case stepIndex:
		arr, ok := v.([]any)
		if !ok {
			return append(dst, nil)
		}
		i := st.index
		if i < 0 {
			i += len(arr)
		}
		if i < 0 || i >= len(arr) {
			return append(dst, nil)
		}
		return append(dst, arr[i])
	case stepWildcard:
		switch x := v.(type) {
		case []any:
			return append(dst, x...)
		case Record:
			for _, f := range x {
				dst = append(dst, f.Value)
			}
		case map[string]any:
			for _, k := range sortedKeys(x) {
				dst = append(dst, x[k])
			}
		}
		return dst
	case stepDeep:
		return deepScan(dst, st.name, v)
	}
	return dst
}

func deepScan(dst []any, name string, v any) []any {
	switch x := v.(type) {
	case Record:
		for _, f := range x {
			if f.Name == name {
				dst = append(dst, f.Value)
			}
			dst = deepScan(dst, name, f.Value)
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if k == name {
				dst = append(dst, x[k])
			}
			dst = deepScan(dst, name, x[k])
		}
	case []any:
		for _, e := range x {
			dst = deepScan(dst, name, e)
		}
	}
	return dst
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// applyPathFunction applies a Jayway function; numeric aggregations return
// float64 over the numeric elements and nil when there are none.
func applyPathFunction(fn string, v any, args []any) any {
	switch fn {
	case "concat":
		var b strings.Builder
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				if e != nil {
					b.WriteString(JavaString(e))
				}
			}
		} else if v != nil {
			b.WriteString(JavaString(v))
		}
		for _, a := range args {
			b.WriteString(JavaString(a))
		}
		return b.String()
	case "append":
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		return append(append(make([]any, 0, len(arr)+len(args)), arr...), args...)
	case "length", "size":
		switch x := v.(type) {
		case []any:
			return int64(len(x))
		case string:
			return int64(len(x))
		case map[string]any:
			return int64(len(x))
		case Record:
			return int64(len(x))
		}
		return nil
	case "keys":
		switch x := v.(type) {
		case map[string]any:
			out := make([]any, 0, len(x))
			for _, k := range sortedKeys(x) {
				out = append(out, k)
			}
			return out
		case Record:
			out := make([]any, 0, len(x))
			for _, f := range x {
				out = append(out, f.Name)
			}
			return out
		}
		return nil
	case "first", "last":
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return nil
		}
		if fn == "first" {
			return arr[0]
		}
		return arr[len(arr)-1]
	}
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	var nums []float64
	for _, e := range arr {
		switch n := e.(type) {
		case int64:
			nums = append(nums, float64(n))
		case float64:
			nums = append(nums, n)
		}
	}
	if len(nums) == 0 {
		return nil
	}
	switch fn {
	case "min":
		m := nums[0]
		for _, n := range nums[1:] {
			m = math.Min(m, n)
		}
		return m
	case "max":
		m := nums[0]
		for _, n := range nums[1:] {
			m = math.Max(m, n)
		}
		return m
	case "sum":
		var s float64
		for _, n := range nums {
			s += n
		}
		return s
	case "avg":
		var s float64
		for _, n := range nums {
			s += n
		}
		return s / float64(len(nums))
	case "stddev":
		var s, sq float64
		for _, n := range nums {
			s += n
			sq += n * n
		}
		c := float64(len(nums))
		return math.Sqrt(sq/c - (s/c)*(s/c))
	}
	return nil
}
