package inputformat

import (
	"fmt"
	"strconv"
	"strings"
)

// JQPath is the subset of jq that dryad evaluates for flattenSpec fields of
// type "jq": paths built from ".name", ".\"name\"", ".[\"name\"]", "[n]",
// ".[n]" and "[]" / ".[]" (iterate, which makes the result a []any), e.g.
// ".a.b", ".a[0]", ".tags[]". Anything else (pipes, functions,
// arithmetic) is rejected when compiling. Immutable and safe for concurrent
// use.
type JQPath struct {
	text  string
	steps []pathStep
	multi bool
}

// CompileJQ compiles expr.
func CompileJQ(expr string) (*JQPath, error) {
	q := &JQPath{text: expr}
	s := strings.TrimSpace(expr)
	if s == "." {
		return q, nil
	}
	if !strings.HasPrefix(s, ".") && !strings.HasPrefix(s, "[") {
		return nil, fmt.Errorf("jq expression %q must start with '.'", expr)
	}
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '.' && i+1 < len(s) && s[i+1] == '"':
			end := strings.IndexByte(s[i+2:], '"')
			if end < 0 {
				return nil, fmt.Errorf("jq expression %q: unterminated string at offset %d", expr, i+1)
			}
			q.steps = append(q.steps, pathStep{kind: stepMember, name: s[i+2 : i+2+end]})
			i += end + 3
		case c == '.' && i+1 < len(s) && s[i+1] == '[':
			i++
		case c == '.':
			j := i + 1
			for j < len(s) && (isIdentByte(s[j]) || (j > i+1 && s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("jq expression %q: expected a name at offset %d", expr, j)
			}
			q.steps = append(q.steps, pathStep{kind: stepMember, name: s[i+1 : j]})
			i = j
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("jq expression %q: unterminated '[' at offset %d", expr, i)
			}
			inner := strings.TrimSpace(s[i+1 : i+end])
			switch {
			case inner == "":
				q.steps = append(q.steps, pathStep{kind: stepWildcard})
				q.multi = true
			case len(inner) >= 2 && inner[0] == '"' && inner[len(inner)-1] == '"':
				q.steps = append(q.steps, pathStep{kind: stepMember, name: inner[1 : len(inner)-1]})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, fmt.Errorf("jq expression %q: unsupported subscript [%s]", expr, inner)
				}
				q.steps = append(q.steps, pathStep{kind: stepIndex, index: n})
			}
			i += end + 1
		case c == '?':
			i++
		default:
			return nil, fmt.Errorf("jq expression %q: unsupported syntax at offset %d (dryad supports paths like .a.b, .a[0], .a[])", expr, i)
		}
	}
	return q, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// String returns the source text.
func (q *JQPath) String() string { return q.text }

// Eval evaluates the path against root.
func (q *JQPath) Eval(root any) any {
	cur := []any{root}
	for _, st := range q.steps {
		var next []any
		for _, v := range cur {
			next = applyStep(next, st, v)
		}
		cur = next
	}
	if q.multi {
		return cur
	}
	if len(cur) == 1 {
		return cur[0]
	}
	return nil
}
