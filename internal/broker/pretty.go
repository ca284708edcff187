package broker

import (
	"bytes"
	"encoding/json"
)

// prettyJSON re-indents compact JSON as Jackson's DefaultPrettyPrinter,
// which Druid uses for ?pretty: object fields on their own lines indented
// two spaces per object level, "name" : value, arrays inline as [ a, b ],
// empty containers as { } and [ ]. Invalid input is returned unchanged.
func prettyJSON(src []byte) []byte {
	if !json.Valid(src) {
		return src
	}
	out := make([]byte, 0, len(src)*2)
	// Each open container: whether it is an object, and its entry count.
	type frame struct {
		object  bool
		entries int
	}
	var stack []frame
	nesting := 0
	indent := func() {
		out = append(out, '\n')
		for range nesting {
			out = append(out, ' ', ' ')
		}
	}
	// beforeValue writes what precedes a value inside an array.
	beforeValue := func() {
		if n := len(stack); n > 0 && !stack[n-1].object {
			if stack[n-1].entries > 0 {
				out = append(out, ',')
			}
			out = append(out, ' ')
			stack[n-1].entries++
		}
	}
	afterKey := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{', '[':
			if !afterKey {
				beforeValue()
			}
			afterKey = false
			out = append(out, c)
			stack = append(stack, frame{object: c == '{'})
			if c == '{' {
				nesting++
			}
		case '}', ']':
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.object {
				nesting--
				if f.entries > 0 {
					indent()
				} else {
					out = append(out, ' ')
				}
			} else {
				out = append(out, ' ')
			}
			out = append(out, c)
		case ',':
			// Separators are written before the next entry.
		case ':':
			out = append(out, ' ', ':', ' ')
			afterKey = true
		default:
			// A scalar: string, number, true, false or null.
			j := i
			if c == '"' {
				for j = i + 1; j < len(src); j++ {
					if src[j] == '\\' {
						j++
					} else if src[j] == '"' {
						break
					}
				}
				j++
			} else {
				for j < len(src) && !bytes.ContainsRune([]byte(" \t\r\n,:]}"), rune(src[j])) {
					j++
				}
			}
			n := len(stack)
			if n > 0 && stack[n-1].object && !afterKey {
				// An object key.
				if stack[n-1].entries > 0 {
					out = append(out, ',')
				}
				stack[n-1].entries++
				indent()
			} else if !afterKey {
				beforeValue()
			}
			afterKey = false
			out = append(out, src[i:j]...)
			i = j - 1
		}
	}
	return out
}
