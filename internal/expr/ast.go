package expr

import (
	"strconv"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
)

// Expr is a parsed expression tree. Trees are immutable; String prints the
// canonical form, which parses back to an equal tree.
type Expr interface {
	// String prints the expression in canonical form: binary operators fully
	// parenthesized, identifiers quoted when needed, strings escaped.
	String() string
	appendTo(b []byte) []byte
}

// Literal is a constant: a long, double, string, null or array literal.
type Literal struct{ Value Value }

// Ident is a reference to an input column (or a lambda parameter).
type Ident struct{ Name string }

// Unary is "-X" or "!X".
type Unary struct {
	Op byte
	X  Expr
}

// Binary is a binary operator: one of + - * / % ^ < <= > >= == != && ||.
type Binary struct {
	Op   string
	L, R Expr
}

// Call is a function call. Name is as written (function names are matched
// case-sensitively, as in Druid, except for a few documented aliases).
type Call struct {
	Name string
	Args []Expr
}

// Lambda is "(x, y) -> body", allowed only as the first argument of the
// apply functions (map, filter, fold, any, all, cartesian_*).
type Lambda struct {
	Params []string
	Body   Expr
}

// String prints the literal in canonical form.
func (e *Literal) String() string { return string(e.appendTo(nil)) }

// String prints the identifier, quoted when it is not a bare identifier.
func (e *Ident) String() string { return string(e.appendTo(nil)) }

// String prints the unary expression in canonical form.
func (e *Unary) String() string { return string(e.appendTo(nil)) }

// String prints the binary expression, parenthesized.
func (e *Binary) String() string { return string(e.appendTo(nil)) }

// String prints the call in canonical form.
func (e *Call) String() string { return string(e.appendTo(nil)) }

// String prints the lambda in canonical form.
func (e *Lambda) String() string { return string(e.appendTo(nil)) }

func (e *Literal) appendTo(b []byte) []byte { return appendLiteral(b, e.Value, true) }

func appendLiteral(b []byte, v Value, top bool) []byte {
	if v.Type.Kind == base.KindArray {
		if top && (len(v.Arr) == 0 || allNull(v.Arr)) || v.Type.Elem == base.KindDouble && !hasDouble(v.Arr) {
			b = append(b, '<')
			b = append(b, elemType(v.Type).String()...)
			b = append(b, '>')
		}
		b = append(b, '[')
		for i, e := range v.Arr {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendLiteral(b, e, false)
		}
		return append(b, ']')
	}
	if v.Null {
		return append(b, "null"...)
	}
	switch v.Type.Kind {
	case base.KindLong:
		return strconv.AppendInt(b, v.L, 10)
	case base.KindDouble:
		return appendDoubleLiteral(b, v.D)
	case base.KindString:
		return appendQuoted(b, v.S, '\'')
	}
	s, _ := v.AsString()
	return appendQuoted(b, s, '\'')
}

func allNull(vs []Value) bool {
	for _, v := range vs {
		if !v.Null {
			return false
		}
	}
	return true
}

func hasDouble(vs []Value) bool {
	for _, v := range vs {
		if !v.Null {
			return true
		}
	}
	return false
}

// appendDoubleLiteral prints a double so that it lexes back as a double
// with the same bits, in the Java form Druid's grammar accepts ("1.5",
// "1.0E21", "1.0E-4", "NaN", "Infinity").
func appendDoubleLiteral(b []byte, d float64) []byte {
	return appendDouble(b, d)
}

func appendQuoted(b []byte, s string, q byte) []byte {
	b = append(b, q)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			// Invalid UTF-8 is kept byte for byte; the lexer copies it back.
			b = append(b, s[i])
			i++
			continue
		}
		switch {
		case r == rune(q) || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r < 0x20 || r == 0x7f:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[r>>4], "0123456789abcdef"[r&15])
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, q)
}

func (e *Ident) appendTo(b []byte) []byte {
	if isBareIdent(e.Name) {
		return append(b, e.Name...)
	}
	return appendQuoted(b, e.Name, '"')
}

// isBareIdent reports whether name can be written without quotes.
func isBareIdent(name string) bool {
	if name == "" || isKeyword(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isKeyword(s string) bool {
	switch s {
	case "null", "NaN", "Infinity":
		return true
	}
	return false
}

func (e *Unary) appendTo(b []byte) []byte {
	b = append(b, e.Op)
	if _, ok := e.X.(*Binary); ok {
		return e.X.appendTo(b)
	}
	if lit, ok := e.X.(*Literal); ok && lit.Value.Type.Kind != base.KindArray {
		// Keep "-(5)" from folding into the literal -5 when reparsed.
		b = append(b, '(')
		b = e.X.appendTo(b)
		return append(b, ')')
	}
	if u, ok := e.X.(*Unary); ok && u.Op == e.Op {
		b = append(b, '(')
		b = e.X.appendTo(b)
		return append(b, ')')
	}
	return e.X.appendTo(b)
}

func (e *Binary) appendTo(b []byte) []byte {
	b = append(b, '(')
	b = e.L.appendTo(b)
	b = append(b, ' ')
	b = append(b, e.Op...)
	b = append(b, ' ')
	b = e.R.appendTo(b)
	return append(b, ')')
}

func (e *Call) appendTo(b []byte) []byte {
	b = append(b, e.Name...)
	b = append(b, '(')
	for i, a := range e.Args {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = a.appendTo(b)
	}
	return append(b, ')')
}

func (e *Lambda) appendTo(b []byte) []byte {
	b = append(b, '(')
	for i, p := range e.Params {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = (&Ident{p}).appendTo(b)
	}
	b = append(b, ") -> "...)
	return e.Body.appendTo(b)
}
