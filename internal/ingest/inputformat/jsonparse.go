package inputformat

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonParser decodes one JSON document into Go values: nil, bool, string,
// int64 (integral numbers that fit), float64, []any and map[string]any. It
// accepts exactly what encoding/json accepts (RFC 8259; invalid UTF-8 in
// strings becomes U+FFFD) and interns object keys across calls, which makes
// repeated field names free. Not safe for concurrent use.
type jsonParser struct {
	data  []byte
	src   string // data as one string: unescaped values are substrings of it
	pos   int
	depth int
	keys  map[string]string
	buf   []byte

	// The last scanned string: its bounds in data, and whether it had
	// escapes (then its bytes are in buf).
	strStart, strEnd int
	strEscaped       bool

	// prevKeys are the top-level keys of the previous record in order; rows
	// of one file usually repeat them, which makes key lookup a comparison.
	prevKeys []string

	// boxes boxes top-level string values without a per-value allocation.
	boxes stringBoxes
	stack []any // elements of the arrays being parsed

	// allowTrailing ignores anything after a record's closing brace, as
	// Jackson's readValue does (FAIL_ON_TRAILING_TOKENS is off in Druid).
	allowTrailing bool
}

const maxJSONDepth = 10000

// errSyntax carries the offset of a syntax error.
type jsonSyntaxError struct {
	msg    string
	offset int
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("%s at offset %d", e.msg, e.offset)
}

func newJSONParser() *jsonParser {
	return &jsonParser{keys: make(map[string]string)}
}

func (p *jsonParser) fail(msg string) error {
	return &jsonSyntaxError{msg: msg, offset: p.pos}
}

// parseObjectRecord parses data, which must hold exactly one JSON object,
// into a Record preserving member order (a repeated key keeps its first
// position and its last value, like Jackson's LinkedHashMap).
func (p *jsonParser) parseObjectRecord(data []byte, dst Record) (Record, error) {
	p.data, p.pos, p.depth = data, 0, 0
	p.src = p.boxes.copyString(data)
	// While the keys repeat the previous record's in order, they are known to
	// be distinct and the duplicate check is skipped.
	samePrefix := true
	nkeys := 0
	p.skipSpace()
	if p.pos >= len(p.data) || p.data[p.pos] != '{' {
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input")
		}
		return nil, p.fail("expected a JSON object")
	}
	p.pos++
	p.depth++
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
	} else {
		for {
			p.skipSpace()
			key, err := p.parseRecordKey(nkeys, samePrefix)
			if err != nil {
				return nil, err
			}
			if samePrefix && (nkeys >= len(p.prevKeys) || p.prevKeys[nkeys] != key) {
				samePrefix = false
				p.prevKeys = p.prevKeys[:min(nkeys, len(p.prevKeys))]
			}
			v, err := p.parseValue()
			if err != nil {
				return nil, err
			}
			if samePrefix {
				dst = append(dst, Field{key, v})
			} else {
				n := len(dst)
				dst = dst.set(key, v)
				if len(dst) > n && len(p.prevKeys) == nkeys && nkeys < 256 {
					p.prevKeys = append(p.prevKeys, key)
				}
			}
			nkeys = len(dst)
			p.skipSpace()
			if p.pos >= len(p.data) {
				return nil, p.fail("unexpected end of input")
			}
			c := p.data[p.pos]
			p.pos++
			if c == '}' {
				break
			}
			if c != ',' {
				p.pos--
				return nil, p.fail("expected ',' or '}'")
			}
		}
	}
	p.skipSpace()
	if p.pos != len(p.data) && !p.allowTrailing {
		return nil, p.fail("unexpected data after the JSON object")
	}
	return dst, nil
}

// parseRecordKey parses a top-level key; while samePrefix holds, the
// previous record's key at index i is tried first.
func (p *jsonParser) parseRecordKey(i int, samePrefix bool) (string, error) {
	if samePrefix && i < len(p.prevKeys) && p.pos < len(p.data) && p.data[p.pos] == '"' {
		k := p.prevKeys[i]
		end := p.pos + 1 + len(k)
		if end < len(p.data) && p.data[end] == '"' && string(p.data[p.pos+1:end]) == k && !containsByte(k, '\\') {
			p.pos = end + 1
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return "", p.fail("expected ':'")
			}
			p.pos++
			return k, nil
		}
	}
	return p.parseKey()
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// parseDocument parses data holding exactly one JSON value.
func (p *jsonParser) parseDocument(data []byte) (any, error) {
	p.data, p.pos, p.depth = data, 0, 0
	p.src = string(data)
	v, err := p.parseValue()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, p.fail("unexpected data after the JSON value")
	}
	return v, nil
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// parseKey parses `"key" :` and returns the interned key.
func (p *jsonParser) parseKey() (string, error) {
	if p.pos >= len(p.data) || p.data[p.pos] != '"' {
		if p.pos >= len(p.data) {
			return "", p.fail("unexpected end of input")
		}
		return "", p.fail("expected a string key")
	}
	raw, err := p.scanString()
	if err != nil {
		return "", err
	}
	key, ok := p.keys[string(raw)]
	if !ok {
		key = string(raw)
		if len(p.keys) < 4096 {
			p.keys[key] = key
		}
	}
	p.skipSpace()
	if p.pos >= len(p.data) || p.data[p.pos] != ':' {
		return "", p.fail("expected ':'")
	}
	p.pos++
	return key, nil
}

func (p *jsonParser) parseValue() (any, error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return nil, p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '"':
		raw, err := p.scanString()
		if err != nil {
			return nil, err
		}
		if !p.strEscaped {
			return p.boxes.box(p.src[p.strStart:p.strEnd]), nil
		}
		return p.boxes.box(string(raw)), nil
	case c == '{':
		return p.parseObject()
	case c == '[':
		return p.parseArray()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.parseNumber()
	}
	return nil, p.fail(fmt.Sprintf("invalid character %q looking for a value", p.data[p.pos]))
}

func (p *jsonParser) literal(lit string) error {
	if len(p.data)-p.pos < len(lit) || string(p.data[p.pos:p.pos+len(lit)]) != lit {
		return p.fail("invalid literal")
	}
	p.pos += len(lit)
	return nil
}

func (p *jsonParser) parseObject() (any, error) {
	p.depth++
	if p.depth > maxJSONDepth {
		return nil, p.fail("exceeded max depth")
	}
	p.pos++ // '{'
	m := make(map[string]any)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return m, nil
	}
	for {
		p.skipSpace()
		key, err := p.parseKey()
		if err != nil {
			return nil, err
		}
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		m[key] = v
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input")
		}
		c := p.data[p.pos]
		p.pos++
		if c == '}' {
			p.depth--
			return m, nil
		}
		if c != ',' {
			p.pos--
			return nil, p.fail("expected ',' or '}'")
		}
	}
}

func (p *jsonParser) parseArray() (any, error) {
	p.depth++
	if p.depth > maxJSONDepth {
		return nil, p.fail("exceeded max depth")
	}
	p.pos++ // '['
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return []any{}, nil
	}
	// Elements collect on a stack shared by nested arrays and are copied
	// out at the end, so the result has exactly its length.
	base := len(p.stack)
	defer func() { clear(p.stack[base:]); p.stack = p.stack[:base] }()
	for {
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		p.stack = append(p.stack, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input")
		}
		c := p.data[p.pos]
		p.pos++
		if c == ']' {
			p.depth--
			return p.boxes.boxAnys(p.stack[base:]), nil
		}
		if c != ',' {
			p.pos--
			return nil, p.fail("expected ',' or ']'")
		}
	}
}

// parseNumber scans a JSON number: int64 when integral and in range,
// float64 otherwise.
func (p *jsonParser) parseNumber() (any, error) {
	start := p.pos
	d := p.data
	i := p.pos
	if d[i] == '-' {
		i++
	}
	if i >= len(d) {
		p.pos = i
		return nil, p.fail("invalid number")
	}
	switch {
	case d[i] == '0':
		i++
	case d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		p.pos = i
		return nil, p.fail("invalid number")
	}
	integral := true
	if i < len(d) && d[i] == '.' {
		integral = false
		i++
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			p.pos = i
			return nil, p.fail("invalid number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		integral = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			p.pos = i
			return nil, p.fail("invalid number")
		}
	}
	p.pos = i
	text := d[start:i]
	if integral {
		if len(text) <= 18 {
			var n int64
			neg := text[0] == '-'
			k := 0
			if neg {
				k = 1
			}
			for ; k < len(text); k++ {
				n = n*10 + int64(text[k]-'0')
			}
			if neg {
				n = -n
			}
			return p.boxes.boxInt(n), nil
		}
		if n, err := strconv.ParseInt(string(text), 10, 64); err == nil {
			return p.boxes.boxInt(n), nil
		}
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, p.fail("invalid number")
	}
	if math.IsInf(f, 0) {
		// Jackson reads out-of-range doubles as Infinity too.
		return p.boxes.boxFloat(f), nil
	}
	return p.boxes.boxFloat(f), nil
}

// scanString scans a JSON string starting at the opening quote and returns
// its unescaped bytes (valid only until the next call).
func (p *jsonParser) scanString() ([]byte, error) {
	d := p.data
	i := p.pos + 1
	start := i
	// Fast path: no escapes, ASCII or valid UTF-8.
	for i < len(d) {
		c := d[i]
		if c == '"' {
			s := d[start:i]
			p.pos = i + 1
			p.strStart, p.strEnd, p.strEscaped = start, i, false
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		i++
	}
	p.buf = append(p.buf[:0], d[start:i]...)
	p.strEscaped = true
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return p.buf, nil
		case c < 0x20:
			p.pos = i
			return nil, p.fail("invalid control character in string")
		case c == '\\':
			if i+1 >= len(d) {
				p.pos = i
				return nil, p.fail("unexpected end of input in string")
			}
			e := d[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				p.buf = append(p.buf, e)
			case 'b':
				p.buf = append(p.buf, '\b')
			case 'f':
				p.buf = append(p.buf, '\f')
			case 'n':
				p.buf = append(p.buf, '\n')
			case 'r':
				p.buf = append(p.buf, '\r')
			case 't':
				p.buf = append(p.buf, '\t')
			case 'u':
				r, ok := hex4(d, i)
				if !ok {
					p.pos = i
					return nil, p.fail("invalid \\u escape")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(-1), false
					if i+6 <= len(d) && d[i] == '\\' && d[i+1] == 'u' {
						r2, ok2 = hex4(d, i+2)
					}
					if ok2 {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							i += 6
							r = dec
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				p.buf = utf8.AppendRune(p.buf, r)
			default:
				p.pos = i - 1
				return nil, p.fail("invalid escape")
			}
		case c < utf8.RuneSelf:
			p.buf = append(p.buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				p.buf = utf8.AppendRune(p.buf, utf8.RuneError)
			} else {
				p.buf = append(p.buf, d[i:i+size]...)
			}
			i += size
		}
	}
	p.pos = i
	return nil, p.fail("unexpected end of input in string")
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
