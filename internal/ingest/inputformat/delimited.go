package inputformat

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// DelimitedFormat is the "csv" or "tsv" input format.
//
// CSV fields follow RFC 4180 within one line: a field may be enclosed in
// double quotes, a doubled quote inside stands for one quote, and an
// unterminated quote makes the line unparseable. An empty unquoted field is
// null, a quoted empty field ("") is the empty string. TSV (any delimiter)
// splits on the delimiter with no quoting; empty fields are null.
//
// A field containing ListDelimiter becomes a []any of its parts
// (multi-value); with TryParseNumbers, integral parts become int64 and other
// numbers float64.
type DelimitedFormat struct {
	Kind                  string // "csv" or "tsv"
	Columns               []string
	FindColumnsFromHeader bool
	SkipHeaderRows        int
	ListDelimiter         string // default "\u0001"
	Delimiter             string // "," for csv; default "\t" for tsv
	TryParseNumbers       bool
}

func decodeDelimited(obj specjson.Object, kind string) (*DelimitedFormat, error) {
	f := &DelimitedFormat{Kind: kind}
	var err error
	if f.Columns, err = obj.Strings("columns"); err != nil {
		return nil, err
	}
	hasHeader, err := obj.Bool("hasHeaderRow", false)
	if err != nil {
		return nil, err
	}
	if f.FindColumnsFromHeader, err = obj.Bool("findColumnsFromHeader", hasHeader); err != nil {
		return nil, err
	}
	skip, err := obj.Int("skipHeaderRows", 0)
	if err != nil {
		return nil, err
	}
	if skip < 0 || skip > 1<<30 {
		return nil, specjson.Errorf(obj.At("skipHeaderRows"), "must be >= 0, got %d", skip)
	}
	f.SkipHeaderRows = int(skip)
	if f.ListDelimiter, err = obj.String("listDelimiter", "\u0001"); err != nil {
		return nil, err
	}
	if f.ListDelimiter == "" {
		f.ListDelimiter = "\u0001"
	}
	f.Delimiter = ","
	if kind == "tsv" {
		if f.Delimiter, err = obj.String("delimiter", "\t"); err != nil {
			return nil, err
		}
		if f.Delimiter == "" {
			return nil, specjson.Errorf(obj.At("delimiter"), "must not be empty")
		}
	}
	if f.TryParseNumbers, err = obj.Bool("tryParseNumbers", false); err != nil {
		return nil, err
	}
	if f.ListDelimiter == f.Delimiter {
		return nil, specjson.Errorf(obj.At("listDelimiter"), "cannot be the same as the delimiter %q", f.Delimiter)
	}
	if len(f.Columns) == 0 && !f.FindColumnsFromHeader {
		return nil, specjson.Errorf(obj.At("columns"), "if columns field is not set, the findColumnsFromHeader property must be true")
	}
	if f.FindColumnsFromHeader {
		// Druid ignores columns when they come from the header.
		f.Columns = nil
	}
	seen := make(map[string]bool)
	for i, c := range f.Columns {
		if strings.Contains(c, f.Delimiter) {
			return nil, specjson.Errorf(specjson.Index(obj.At("columns"), i), "column[%s] cannot have the delimiter[%s] in its name", c, f.Delimiter)
		}
		if seen[c] {
			return nil, specjson.Errorf(specjson.Index(obj.At("columns"), i), "duplicate column %q", c)
		}
		seen[c] = true
	}
	return f, nil
}

// Type returns "csv" or "tsv".
func (f *DelimitedFormat) Type() string { return f.Kind }

// NewReader returns a reader of delimited lines.
func (f *DelimitedFormat) NewReader(r io.Reader) Reader {
	return &delimitedReader{f: f, lines: newLineReader(r), columns: f.Columns}
}

type delimitedReader struct {
	f       *DelimitedFormat
	lines   *lineReader
	columns []string
	skipped int
	header  bool
	fields  []field
}

// field is one split field: its text, whether it was quoted, and when the
// text is a slice of the line (off >= 0), its offset there.
type field struct {
	text   []byte
	quoted bool
	off    int
}

func (r *delimitedReader) BytesRead() int64 { return r.lines.bytes }

func (r *delimitedReader) Next() (Record, error) {
	for {
		line, err := r.lines.next()
		if err != nil {
			return nil, err
		}
		if r.skipped < r.f.SkipHeaderRows {
			r.skipped++
			continue
		}
		if len(line) == 0 {
			continue
		}
		if r.f.FindColumnsFromHeader && !r.header {
			r.header = true
			if err := r.readHeader(line); err != nil {
				return nil, err
			}
			continue
		}
		return r.parseLine(line)
	}
}

func (r *delimitedReader) split(line []byte) ([]field, error) {
	if r.f.Kind == "csv" {
		return splitCSV(r.fields[:0], line)
	}
	return splitDelimited(r.fields[:0], line, []byte(r.f.Delimiter)), nil
}

func (r *delimitedReader) readHeader(line []byte) error {
	fields, err := r.split(line)
	if err != nil {
		return base.Errorf(base.ClassInvalidInput, "header line %d: %w", r.lines.n, err)
	}
	r.fields = fields
	cols := make([]string, len(fields))
	seen := make(map[string]bool)
	for i, fl := range fields {
		cols[i] = string(fl.text)
		if cols[i] == "" {
			cols[i] = "column_" + strconv.Itoa(i+1)
		}
		if seen[cols[i]] {
			return base.Errorf(base.ClassInvalidInput, "header line %d: Duplicate column entries found : [%s]", r.lines.n, cols[i])
		}
		seen[cols[i]] = true
	}
	r.columns = cols
	return nil
}

func (r *delimitedReader) parseLine(line []byte) (Record, error) {
	fields, err := r.split(line)
	if err != nil {
		return nil, &ParseError{
			Message: fmt.Sprintf("Unable to parse row [%s]", truncate(string(line), 1000)),
			Detail:  err.Error(),
			Line:    r.lines.n,
			Input:   string(line),
			Err:     err,
		}
	}
	r.fields = fields
	n := min(len(fields), len(r.columns))
	rec := make(Record, n)
	src := string(line)
	for i := range n {
		rec[i] = Field{Name: r.columns[i], Value: r.value(fields[i], line, src)}
	}
	return rec, nil
}

// value converts one field: null for an empty unquoted field, a list when it
// holds the list delimiter, optionally numbers. Fields that alias line become
// substrings of src, its string copy.
func (r *delimitedReader) value(fl field, line []byte, src string) any {
	if len(fl.text) == 0 {
		if fl.quoted {
			return ""
		}
		return nil
	}
	ld := r.f.ListDelimiter
	if bytes.Contains(fl.text, []byte(ld)) {
		parts := strings.Split(string(fl.text), ld)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = r.scalar(p)
		}
		return out
	}
	if fl.off >= 0 {
		return r.scalar(src[fl.off : fl.off+len(fl.text)])
	}
	return r.scalar(string(fl.text))
}

func (r *delimitedReader) scalar(s string) any {
	if !r.f.TryParseNumbers {
		return s
	}
	return TryParseNumber(s)
}

// TryParseNumber returns s as int64 or float64 when it is a number, else s.
func TryParseNumber(s string) any {
	if s == "" {
		return s
	}
	c := s[0]
	if c != '-' && c != '+' && c != '.' && (c < '0' || c > '9') {
		return s
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}

// splitDelimited splits line on delim with no quoting.
func splitDelimited(dst []field, line, delim []byte) []field {
	off := 0
	for {
		i := bytes.Index(line[off:], delim)
		if i < 0 {
			return append(dst, field{text: line[off:], off: off})
		}
		dst = append(dst, field{text: line[off : off+i], off: off})
		off += i + len(delim)
	}
}

// splitCSV splits one RFC 4180 line. Quoted fields are unescaped into fresh
// storage; unquoted ones alias line.
func splitCSV(dst []field, line []byte) ([]field, error) {
	i := 0
	for {
		if i < len(line) && line[i] == '"' {
			// Quoted field.
			var buf []byte
			j := i + 1
			for {
				k := bytes.IndexByte(line[j:], '"')
				if k < 0 {
					return nil, fmt.Errorf("unterminated quoted field starting at offset %d", i)
				}
				buf = append(buf, line[j:j+k]...)
				j += k + 1
				if j < len(line) && line[j] == '"' {
					buf = append(buf, '"')
					j++
					continue
				}
				break
			}
			// Text between the closing quote and the next comma is kept, as
			// opencsv's RFC4180 parser does.
			k := bytes.IndexByte(line[j:], ',')
			if k < 0 {
				buf = append(buf, line[j:]...)
				if buf == nil {
					buf = []byte{}
				}
				return append(dst, field{text: buf, quoted: true, off: -1}), nil
			}
			buf = append(buf, line[j:j+k]...)
			if buf == nil {
				buf = []byte{}
			}
			dst = append(dst, field{text: buf, quoted: true, off: -1})
			i = j + k + 1
			continue
		}
		k := bytes.IndexByte(line[i:], ',')
		if k < 0 {
			return append(dst, field{text: line[i:], off: i}), nil
		}
		dst = append(dst, field{text: line[i : i+k], off: i})
		i += k + 1
	}
}
