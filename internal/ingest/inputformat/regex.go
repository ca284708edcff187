package inputformat

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// RegexFormat is the "regex" input format: each line must match Pattern as
// a whole; capture group i becomes column i (Columns, or column_1,
// column_2... when absent). Patterns use Go's RE2 syntax, which lacks Java's
// backreferences and lookaround; such patterns are rejected when decoding.
type RegexFormat struct {
	Pattern       string
	Columns       []string
	ListDelimiter string

	re *regexp.Regexp
}

func decodeRegex(obj specjson.Object) (*RegexFormat, error) {
	f := &RegexFormat{}
	var err error
	if f.Pattern, err = obj.RequiredString("pattern"); err != nil {
		return nil, err
	}
	// Java's Matcher.matches() needs the whole line to match.
	if f.re, err = regexp.Compile(`^(?:` + f.Pattern + `)$`); err != nil {
		return nil, specjson.Errorf(obj.At("pattern"), "invalid pattern (RE2 syntax): %w", err)
	}
	if f.Columns, err = obj.Strings("columns"); err != nil {
		return nil, err
	}
	if f.ListDelimiter, err = obj.String("listDelimiter", "\u0001"); err != nil {
		return nil, err
	}
	if f.ListDelimiter == "" {
		f.ListDelimiter = "\u0001"
	}
	seen := make(map[string]bool)
	for i, c := range f.Columns {
		if seen[c] {
			return nil, specjson.Errorf(specjson.Index(obj.At("columns"), i), "duplicate column %q", c)
		}
		seen[c] = true
	}
	return f, nil
}

// Type returns "regex".
func (f *RegexFormat) Type() string { return "regex" }

// NewReader returns a reader of regex-matched lines.
func (f *RegexFormat) NewReader(r io.Reader) Reader {
	return &regexReader{f: f, lines: newLineReader(r)}
}

type regexReader struct {
	f     *RegexFormat
	lines *lineReader
}

func (r *regexReader) BytesRead() int64 { return r.lines.bytes }

func (r *regexReader) Next() (Record, error) {
	for {
		line, err := r.lines.next()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			continue
		}
		s := string(line)
		m := r.f.re.FindStringSubmatch(s)
		if m == nil {
			return nil, &ParseError{
				Message: fmt.Sprintf("Incorrect Regex: %s . No match found.", r.f.Pattern),
				Line:    r.lines.n,
				Input:   s,
			}
		}
		groups := m[1:]
		cols := r.f.Columns
		n := len(groups)
		if cols != nil {
			n = min(n, len(cols))
		}
		rec := make(Record, n)
		for i := range n {
			name := "column_" + strconv.Itoa(i+1)
			if cols != nil {
				name = cols[i]
			}
			var v any = groups[i]
			if strings.Contains(groups[i], r.f.ListDelimiter) {
				parts := strings.Split(groups[i], r.f.ListDelimiter)
				list := make([]any, len(parts))
				for j, p := range parts {
					list[j] = p
				}
				v = list
			}
			rec[i] = Field{Name: name, Value: v}
		}
		return rec, nil
	}
}
