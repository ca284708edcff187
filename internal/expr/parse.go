package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
)

// Grammar (precedence from tightest to loosest, as Druid's Expr.g4):
//
//	expr    := or
//	or      := cmp (("&&" | "||") cmp)*        left-assoc, one level
//	cmp     := add (("<"|"<="|">"|">="|"=="|"!=") add)*
//	add     := mul (("+"|"-") mul)*
//	mul     := pow (("*"|"/"|"%") pow)*
//	pow     := unary ("^" pow)?                 right-assoc
//	unary   := ("-"|"!") unary | primary
//	primary := number | string | "null" | array | ident | ident "(" args ")"
//	         | "(" expr ")"
//	array   := ("<" type ">")? "[" (literal ("," literal)*)? "]"
//	lambda  := "(" (ident ("," ident)*)? ")" "->" expr | ident "->" expr
//
// A unary minus written directly before a number folds into a negative
// literal.

type tokKind uint8

const (
	tEOF tokKind = iota
	tNumber
	tString
	tIdent
	tQuotedIdent
	tOp
	tArrayType // ARRAY<...> written without spaces; text is the element type
)

type token struct {
	kind tokKind
	text string // operator text, identifier, number text, unescaped string
	pos  int    // byte offset of the token in the input
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 500

// Parse parses an expression. Errors are base.ClassInvalidInput and name the
// byte offset and what was expected.
func Parse(s string) (Expr, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{src: s, toks: toks}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "end of expression")
	}
	return e, nil
}

// MustParse is Parse for expressions known to be valid (tests, constants);
// it panics on error.
func MustParse(s string) Expr {
	e, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return e
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && s[j] == '.' {
				j++
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && s[k] >= '0' && s[k] <= '9' {
					for k < len(s) && s[k] >= '0' && s[k] <= '9' {
						k++
					}
					j = k
				}
			}
			toks = append(toks, token{tNumber, s[i:j], i})
			i = j
		case c == '\'' || c == '"':
			str, n, err := unquote(s, i)
			if err != nil {
				return nil, err
			}
			k := tString
			if c == '"' {
				k = tQuotedIdent
			}
			toks = append(toks, token{k, str, i})
			i += n
		case strings.HasPrefix(s[i:], "ARRAY<") && arrayTypeEnd(s, i) > 0:
			j := arrayTypeEnd(s, i)
			toks = append(toks, token{tArrayType, s[i+6 : j], i})
			i = j + 1
		case c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] == '$' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			toks = append(toks, token{tIdent, s[i:j], i})
			i = j
		default:
			op := ""
			if i+1 < len(s) {
				switch s[i : i+2] {
				case "<=", ">=", "==", "!=", "&&", "||", "->":
					op = s[i : i+2]
				}
			}
			if op == "" {
				switch c {
				case '+', '-', '*', '/', '%', '^', '<', '>', '!', '(', ')', '[', ']', ',':
					op = s[i : i+1]
				default:
					r, _ := utf8.DecodeRuneInString(s[i:])
					return nil, base.Errorf(base.ClassInvalidInput, "expression %q: unexpected character %q at offset %d", s, r, i)
				}
			}
			toks = append(toks, token{tOp, op, i})
			i += len(op)
		}
	}
	return append(toks, token{tEOF, "", len(s)}), nil
}

// arrayTypeEnd returns the offset of the '>' closing the array type that
// starts at s[i] ("ARRAY<LONG>", "ARRAY<ARRAY<STRING>>"), or -1 when the
// text there is not a well-formed array type (it is then lexed as an
// identifier followed by '<', as Druid's lexer does).
func arrayTypeEnd(s string, i int) int {
	depth := 0
	for j := i + 5; j < len(s); j++ {
		switch c := s[j]; {
		case c == '<':
			depth++
		case c == '>':
			depth--
			if depth == 0 {
				return j
			}
		case !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '$'):
			return -1
		}
	}
	return -1
}

// unquote reads a quoted literal starting at s[i] and returns its
// unescaped text and its length in s. Escapes follow Java: \' \" \\ \n \t
// \r \b \f \uXXXX; any other escaped character stands for itself.
func unquote(s string, i int) (string, int, error) {
	q := s[i]
	var b strings.Builder
	j := i + 1
	for j < len(s) {
		c := s[j]
		if c == q {
			return b.String(), j + 1 - i, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			j++
			continue
		}
		if j+1 >= len(s) {
			break
		}
		e := s[j+1]
		j += 2
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if j+4 > len(s) {
				return "", 0, base.Errorf(base.ClassInvalidInput, "expression %q: bad \\u escape at offset %d", s, j-2)
			}
			v, err := strconv.ParseUint(s[j:j+4], 16, 32)
			if err != nil {
				return "", 0, base.Errorf(base.ClassInvalidInput, "expression %q: bad \\u escape at offset %d", s, j-2)
			}
			j += 4
			if v < 0x80 && v != 0 || v >= 0xd800 && v < 0xe000 {
				if v >= 0xd800 && v < 0xe000 {
					// Lone surrogates cannot be kept in UTF-8; only byte
					// escapes below 0x80 round-trip.
					return "", 0, base.Errorf(base.ClassInvalidInput, "expression %q: surrogate \\u escape at offset %d", s, j-6)
				}
				b.WriteByte(byte(v))
			} else if v == 0 {
				b.WriteByte(0)
			} else {
				b.WriteRune(rune(v))
			}
		default:
			b.WriteByte(e)
		}
	}
	what := "string literal"
	if q == '"' {
		what = "quoted identifier"
	}
	return "", 0, base.Errorf(base.ClassInvalidInput, "expression %q: unterminated %s starting at offset %d", s, what, i)
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == op
}

func (p *parser) errAt(t token, expected string) error {
	found := "end of input"
	if t.kind != tEOF {
		found = fmt.Sprintf("%q", p.src[t.pos:t.pos+tokenLen(p.src, t)])
	}
	return base.Errorf(base.ClassInvalidInput, "expression %q: expected %s at offset %d, found %s", p.src, expected, t.pos, found)
}

func tokenLen(src string, t token) int {
	switch t.kind {
	case tString, tQuotedIdent:
		_, n, err := unquote(src, t.pos)
		if err == nil {
			return n
		}
	}
	return len(t.text)
}

func (p *parser) expect(op string) error {
	if !p.isOp(op) {
		return p.errAt(p.peek(), fmt.Sprintf("%q", op))
	}
	p.next()
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return base.Errorf(base.ClassInvalidInput, "expression %q: nested more than %d levels deep at offset %d", p.src, maxDepth, p.peek().pos)
	}
	return nil
}

func (p *parser) expr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.binary(0)
}

var levels = [][]string{
	{"&&", "||"},
	{"<", "<=", ">", ">=", "==", "!="},
	{"+", "-"},
	{"*", "/", "%"},
}

func (p *parser) binary(level int) (Expr, error) {
	if level == len(levels) {
		return p.pow()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tOp || !contains(levels[level], t.text) {
			return l, nil
		}
		p.next()
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: t.text, L: l, R: r}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) pow() (Expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	if !p.isOp("^") {
		return l, nil
	}
	p.next()
	if err := p.enter(); err != nil {
		return nil, err
	}
	r, err := p.pow()
	p.depth--
	if err != nil {
		return nil, err
	}
	return &Binary{Op: "^", L: l, R: r}, nil
}

func (p *parser) unary() (Expr, error) {
	t := p.peek()
	if t.kind == tOp && (t.text == "-" || t.text == "!") {
		p.next()
		if t.text == "-" && p.peek().kind == tNumber {
			return p.number(true)
		}
		if t.text == "-" && p.peek().kind == tIdent && (p.peek().text == "Infinity") {
			p.next()
			return &Literal{Double(math.Inf(-1))}, nil
		}
		if err := p.enter(); err != nil {
			return nil, err
		}
		x, err := p.unary()
		p.depth--
		if err != nil {
			return nil, err
		}
		return &Unary{Op: t.text[0], X: x}, nil
	}
	return p.primary()
}

func (p *parser) number(neg bool) (Expr, error) {
	t := p.next()
	text := t.text
	if neg {
		text = "-" + text
	}
	if !strings.ContainsAny(t.text, ".eE") {
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "expression %q: long literal %s out of range at offset %d", p.src, text, t.pos)
		}
		return &Literal{Long(v)}, nil
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil && !math.IsInf(v, 0) {
		return nil, base.Errorf(base.ClassInvalidInput, "expression %q: bad double literal %s at offset %d", p.src, text, t.pos)
	}
	return &Literal{Double(v)}, nil
}

func (p *parser) primary() (Expr, error) {
	t := p.peek()
	switch t.kind {
	case tNumber:
		return p.number(false)
	case tString:
		p.next()
		return &Literal{String(t.text)}, nil
	case tQuotedIdent:
		p.next()
		return &Ident{t.text}, nil
	case tArrayType:
		p.next()
		var et base.ColumnType
		switch t.text {
		case "LONG":
			et = TypeLong
		case "DOUBLE":
			et = TypeDouble
		case "STRING":
			et = TypeString
		default:
			return nil, base.Errorf(base.ClassUnsupported, "expression %q: array literal of type ARRAY<%s> at offset %d is not supported", p.src, t.text, t.pos)
		}
		if !p.isOp("[") {
			return nil, p.errAt(p.peek(), "'[' after the array type")
		}
		return p.array(et)
	case tIdent:
		switch t.text {
		case "null":
			p.next()
			return &Literal{Null(TypeString)}, nil
		case "NaN":
			p.next()
			return &Literal{Double(math.NaN())}, nil
		case "Infinity":
			p.next()
			return &Literal{Double(math.Inf(1))}, nil
		}
		p.next()
		if p.isOp("(") {
			return p.call(t)
		}
		return &Ident{t.text}, nil
	case tOp:
		switch t.text {
		case "(":
			p.next()
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return e, nil
		case "[":
			return p.array(typeUnknown)
		case "<":
			return p.typedArray()
		}
	}
	return nil, p.errAt(t, "a literal, identifier, function call or '('")
}

func (p *parser) call(name token) (Expr, error) {
	p.next() // (
	c := &Call{Name: name.text}
	if p.isOp(")") {
		p.next()
		return c, nil
	}
	for {
		var a Expr
		var err error
		if l, ok := p.tryLambda(); ok {
			a, err = l()
		} else {
			a, err = p.expr()
		}
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, a)
		if p.isOp(")") {
			p.next()
			return c, nil
		}
		if err := p.expect(","); err != nil {
			return nil, p.errAt(p.peek(), "',' or ')' in the arguments of "+name.text)
		}
	}
}

// tryLambda recognizes "(a, b) -> ..." and "a -> ..." at the current
// position without consuming anything unless it is a lambda.
func (p *parser) tryLambda() (func() (Expr, error), bool) {
	if p.peek().kind == tIdent && p.peekAt(1).kind == tOp && p.peekAt(1).text == "->" {
		return func() (Expr, error) {
			name := p.next().text
			p.next()
			body, err := p.expr()
			if err != nil {
				return nil, err
			}
			return &Lambda{Params: []string{name}, Body: body}, nil
		}, true
	}
	if !p.isOp("(") {
		return nil, false
	}
	k := 1
	for {
		t := p.peekAt(k)
		if t.kind == tOp && t.text == ")" {
			break
		}
		if t.kind != tIdent && t.kind != tQuotedIdent {
			return nil, false
		}
		k++
		t = p.peekAt(k)
		if t.kind == tOp && t.text == "," {
			k++
			continue
		}
		if t.kind == tOp && t.text == ")" {
			break
		}
		return nil, false
	}
	if t := p.peekAt(k + 1); t.kind != tOp || t.text != "->" {
		return nil, false
	}
	return func() (Expr, error) {
		p.next()
		var params []string
		for !p.isOp(")") {
			params = append(params, p.next().text)
			if p.isOp(",") {
				p.next()
			}
		}
		p.next() // )
		p.next() // ->
		body, err := p.expr()
		if err != nil {
			return nil, err
		}
		return &Lambda{Params: params, Body: body}, nil
	}, true
}

func (p *parser) typedArray() (Expr, error) {
	start := p.next() // <
	t := p.next()
	if t.kind != tIdent {
		return nil, p.errAt(t, "an array element type (LONG, DOUBLE or STRING)")
	}
	var et base.ColumnType
	switch strings.ToUpper(t.text) {
	case "LONG":
		et = TypeLong
	case "DOUBLE", "FLOAT":
		et = TypeDouble
	case "STRING":
		et = TypeString
	case "ARRAY", "COMPLEX":
		return nil, base.Errorf(base.ClassUnsupported, "expression %q: typed array literal of %s elements at offset %d is not supported", p.src, t.text, start.pos)
	default:
		return nil, p.errAt(t, "an array element type (LONG, DOUBLE or STRING)")
	}
	if err := p.expect(">"); err != nil {
		return nil, err
	}
	if !p.isOp("[") {
		return nil, p.errAt(p.peek(), "'[' after the array type")
	}
	return p.array(et)
}

func (p *parser) array(et base.ColumnType) (Expr, error) {
	open := p.next() // [
	var elems []Value
	var seen base.ColumnType
	for !p.isOp("]") {
		t := p.peek()
		var v Value
		switch {
		case t.kind == tNumber:
			lit, err := p.number(false)
			if err != nil {
				return nil, err
			}
			v = lit.(*Literal).Value
		case t.kind == tOp && t.text == "-" && p.peekAt(1).kind == tNumber:
			p.next()
			lit, err := p.number(true)
			if err != nil {
				return nil, err
			}
			v = lit.(*Literal).Value
		case t.kind == tString:
			p.next()
			v = String(t.text)
		case t.kind == tIdent && t.text == "null":
			p.next()
			v = Null(TypeString)
		case t.kind == tIdent && (t.text == "NaN" || t.text == "Infinity"):
			lit, err := p.primary()
			if err != nil {
				return nil, err
			}
			v = lit.(*Literal).Value
		case t.kind == tOp && (t.text == "[" || t.text == "<"):
			return nil, base.Errorf(base.ClassUnsupported, "expression %q: nested array literal at offset %d is not supported", p.src, t.pos)
		default:
			return nil, p.errAt(t, "an array element literal or ']'")
		}
		if !v.Null {
			seen = commonType(seen, v.Type)
		}
		elems = append(elems, v)
		if p.isOp(",") {
			p.next()
		} else if !p.isOp("]") && p.peek().kind == tEOF {
			return nil, p.errAt(p.peek(), "']' to close the array opened at offset "+strconv.Itoa(open.pos))
		}
	}
	p.next()
	if et.Kind == base.KindUnknown {
		et = seen
		if et.Kind == base.KindUnknown {
			et = TypeString
		}
	}
	return &Literal{Array(et, elems)}, nil
}
