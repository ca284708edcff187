package joda

import (
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// Format is a compiled Joda-Time DateTimeFormat pattern, English locale. It
// is immutable and safe for concurrent use.
type Format struct {
	pattern string
	toks    []token
	pivot   int // two-digit years parse into [pivot-50, pivot+49]
	// zones resolves the abbreviations "z" parses, loaded once at Compile
	// when the pattern has a "z" field.
	zones map[string]*time.Location
}

type token struct {
	sym      byte   // pattern letter, or 0 for a literal
	n        int    // token length (count of repeated letters)
	lit      string // literal text
	maxParse int    // most digits a numeric field consumes when parsing
	lenient  bool   // two-digit year: accept more digits as a full year
}

// Compile parses a Joda-Time DateTimeFormat pattern:
//
//	G era (AD)            C century of era (20)   Y year of era (1996)
//	x weekyear (1996)     w week of weekyear (27) e day of week (2)
//	E day of week (Tue; Tuesday with 4+ letters)  y year (1996)
//	D day of year (189)   M month (07; Jul; July) d day of month (10)
//	a halfday (PM)        K hour of halfday 0-11  h clockhour of halfday 1-12
//	H hour of day 0-23    k clockhour of day 1-24 m minute   s second
//	S fraction of second (978)
//	z zone name (PST; Pacific Standard Time with 4+ letters)
//	Z offset (-0800), ZZ offset with colon (-08:00), ZZZ zone id (America/Los_Angeles)
//
// Numbers print zero-padded to the token length; "yy" (and "YY", "xx") is
// a two-digit year, parsed with a pivot of the current year minus 30 as
// Joda does (see WithPivot). Text in single quotes is literal, ” is a
// quote, and any other non-letter is literal. Other letters are an error
// (base.ClassInvalidInput, naming the offset).
func Compile(pattern string) (*Format, error) {
	f := &Format{pattern: pattern, pivot: time.Now().Year() - 30}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			f.toks = append(f.toks, token{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			j := i + 1
			if j < len(pattern) && pattern[j] == '\'' {
				lit.WriteByte('\'')
				i += 2
				continue
			}
			closed := false
			for j < len(pattern) {
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						lit.WriteByte('\'')
						j += 2
						continue
					}
					closed = true
					break
				}
				lit.WriteByte(pattern[j])
				j++
			}
			if !closed {
				return nil, base.Errorf(base.ClassInvalidInput, "invalid date format pattern %q: unterminated quote at offset %d", pattern, i)
			}
			i = j + 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			if !strings.ContainsRune("GCYxwyeEDMdaKhHkmsSzZ", rune(c)) {
				return nil, base.Errorf(base.ClassInvalidInput, "invalid date format pattern %q: illegal pattern letter %q at offset %d", pattern, c, i)
			}
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			flush()
			f.toks = append(f.toks, token{sym: c, n: j - i})
			i = j
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	for _, t := range f.toks {
		if t.sym == 'z' && f.zones == nil {
			f.zones = map[string]*time.Location{}
			for _, p := range shortZoneNames() {
				if loc, err := loadZone(p[1]); err == nil {
					f.zones[p[0]] = loc
				}
			}
		}
	}
	for i := range f.toks {
		t := &f.toks[i]
		if t.sym == 0 {
			continue
		}
		nextNumeric := i+1 < len(f.toks) && f.toks[i+1].isNumeric()
		switch t.sym {
		case 'y', 'Y', 'x':
			if t.n == 2 {
				t.maxParse = 2
				t.lenient = !nextNumeric
			} else {
				t.maxParse = 9
				if nextNumeric {
					t.maxParse = t.n
				}
			}
		case 'C':
			t.maxParse = t.n // Joda: appendCenturyOfEra(n, n)
		case 'D':
			t.maxParse = max(t.n, 3)
		case 'e':
			t.maxParse = max(t.n, 1)
		case 'S':
			t.maxParse = t.n
		default:
			t.maxParse = max(t.n, 2)
		}
	}
	return f, nil
}

// MustCompile is Compile for patterns known to be valid; it panics otherwise.
func MustCompile(pattern string) *Format {
	f, err := Compile(pattern)
	if err != nil {
		panic(err)
	}
	return f
}

// WithPivot returns a copy of f whose two-digit years parse into the
// hundred years [pivot-50, pivot+49] instead of around the current year
// minus 30.
func (f *Format) WithPivot(pivot int) *Format {
	g := *f
	g.pivot = pivot
	return &g
}

// Pattern returns the pattern f was compiled from.
func (f *Format) Pattern() string { return f.pattern }

// String returns the pattern.
func (f *Format) String() string { return f.pattern }

// isNumeric reports whether the token parses as digits (Joda's
// isNumericToken): used to bound the digits of an adjacent field.
func (t token) isNumeric() bool {
	switch t.sym {
	case 'C', 'x', 'y', 'Y', 'D', 'd', 'w', 'e', 'K', 'h', 'H', 'k', 'm', 's', 'S':
		return true
	case 'M':
		return t.n <= 2
	}
	return false
}
