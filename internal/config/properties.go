package config

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/dryaddb/dryad/internal/base"
)

// Property is one key/value pair read from a properties file, with the line
// its logical line started on (1-based).
type Property struct {
	Key, Value string
	Line       int
}

// ParseProperties reads a Java/Druid runtime.properties document:
//
//   - one "key=value", "key: value" or "key value" per logical line; the
//     key ends at the first unescaped '=', ':' or white space, and white
//     space around the separator is dropped;
//   - lines whose first non-blank character is '#' or '!' are comments;
//   - a line ending in an odd number of backslashes continues on the next
//     line, whose leading white space is dropped;
//   - escapes \t \n \r \f \uXXXX, and '\' before any other character
//     stands for that character.
//
// Input is read as UTF-8 (Java reads ISO-8859-1; non-ASCII keys and values
// are rare in Druid configuration). Later duplicates of a key are returned
// too; the caller decides (Load keeps the last, as Java does).
func ParseProperties(r io.Reader) ([]Property, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var out []Property
	var logical strings.Builder
	startLine, lineNo := 0, 0
	continuing := false
	for sc.Scan() {
		lineNo++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if continuing {
			line = strings.TrimLeft(line, " \t\f")
		} else {
			trimmed := strings.TrimLeft(line, " \t\f")
			if trimmed == "" || trimmed[0] == '#' || trimmed[0] == '!' {
				continue
			}
			line = trimmed
			startLine = lineNo
			logical.Reset()
		}
		if trailingBackslashes(line)%2 == 1 {
			logical.WriteString(line[:len(line)-1])
			continuing = true
			continue
		}
		logical.WriteString(line)
		continuing = false
		p, err := parseLogicalLine(logical.String(), startLine)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "reading properties at line %d: %w", lineNo+1, err)
	}
	if continuing {
		p, err := parseLogicalLine(logical.String(), startLine)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func trailingBackslashes(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n
}

// parseLogicalLine splits one logical line into key and value.
func parseLogicalLine(s string, line int) (Property, error) {
	keyEnd := len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			i++
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			keyEnd = i
			break
		}
	}
	rest := strings.TrimLeft(s[keyEnd:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	key, err := unescape(s[:keyEnd], line)
	if err != nil {
		return Property{}, err
	}
	val, err := unescape(rest, line)
	if err != nil {
		return Property{}, err
	}
	return Property{Key: key, Value: val, Line: line}, nil
}

// unescape resolves Java properties escapes.
func unescape(s string, line int) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			break // a lone trailing backslash (from a final continuation) stands for nothing
		}
		switch c = s[i]; c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", base.Errorf(base.ClassInvalidInput, "properties line %d: malformed \\uxxxx escape at the end of the line", line)
			}
			v, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", base.Errorf(base.ClassInvalidInput, "properties line %d: malformed \\uxxxx escape %q", line, s[i-1:i+5])
			}
			i += 4
			r := rune(v)
			if utf16.IsSurrogate(r) && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				// Java strings are UTF-16: a \uD83D\uDE00 pair is one character.
				if lo, err := strconv.ParseUint(s[i+3:i+7], 16, 16); err == nil {
					if pair := utf16.DecodeRune(r, rune(lo)); pair != unicode.ReplacementChar {
						r = pair
						i += 6
					}
				}
			}
			b.WriteRune(r)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
