package metaquery

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/query/filter"
)

// matcher is a compiled search query spec: the predicate, with the same
// results as filter.SearchPredicate, and for anchored regular expressions
// the literal prefix every match starts with, so that only that range of a
// sorted dictionary needs testing.
type matcher struct {
	pred   func(string) bool
	prefix string
}

// compileSearch compiles a search spec. Case-insensitive matching of ASCII
// values compares bytes without lower-casing copies; other values go
// through the filter package's predicate, which lower-cases as Java does.
func compileSearch(q filter.SearchSpec) (matcher, error) {
	slow, err := filter.SearchPredicate(q)
	if err != nil {
		return matcher{}, err
	}
	switch {
	case q.Type == "insensitive_contains" || (q.Type == "contains" && !q.CaseSensitive):
		v := strings.ToLower(q.Value)
		if !isASCII(v) {
			return matcher{pred: slow}, nil
		}
		if !hasASCIILetter(v) {
			// Nothing to fold: an ASCII value contains v exactly when its
			// lower-case form does.
			return matcher{pred: func(s string) bool {
				if isASCII(s) {
					return strings.Contains(s, v)
				}
				return slow(s)
			}}, nil
		}
		return matcher{pred: func(s string) bool {
			if isASCII(s) {
				return asciiFoldContains(s, v)
			}
			return slow(s)
		}}, nil
	case q.Type == "fragment" && !q.CaseSensitive:
		vs := make([]string, len(q.Values))
		for i, v := range q.Values {
			vs[i] = strings.ToLower(v)
			if !isASCII(vs[i]) {
				return matcher{pred: slow}, nil
			}
		}
		return matcher{pred: func(s string) bool {
			if !isASCII(s) {
				return slow(s)
			}
			for _, v := range vs {
				if !asciiFoldContains(s, v) {
					return false
				}
			}
			return true
		}}, nil
	case q.Type == "regex":
		return matcher{pred: slow, prefix: anchoredPrefix(q.Pattern)}, nil
	}
	return matcher{pred: slow}, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func hasASCIILetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; 'a' <= c && c <= 'z' {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// asciiFoldContains reports whether the ASCII string s contains the
// lower-case ASCII string v, ignoring the case of s.
func asciiFoldContains(s, v string) bool {
	if len(v) == 0 {
		return true
	}
	first := v[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper = first - ('a' - 'A')
	}
	for i := 0; i+len(v) <= len(s); i++ {
		if upper == first {
			// No case to fold: jump to the next occurrence.
			k := strings.IndexByte(s[i:len(s)-len(v)+1], first)
			if k < 0 {
				return false
			}
			i += k
		} else if lowerASCII(s[i]) != first {
			continue
		}
		j := 1
		for j < len(v) && lowerASCII(s[i+j]) == v[j] {
			j++
		}
		if j == len(v) {
			return true
		}
	}
	return false
}

// anchoredPrefix returns the literal prefix of every string a pattern
// anchored at the start of text (^ without multi-line mode) can match, or
// "" when there is none.
func anchoredPrefix(pattern string) string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) == 0 || re.Sub[0].Op != syntax.OpBeginText {
		return ""
	}
	compiled, err := regexp.Compile(pattern)
	if err != nil {
		return ""
	}
	prefix, _ := compiled.LiteralPrefix()
	return prefix
}
