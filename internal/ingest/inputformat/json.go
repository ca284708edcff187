package inputformat

import (
	"errors"
	"fmt"
	"io"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// JSONFormat is the "json" input format: one JSON object per line.
type JSONFormat struct {
	// Flatten is nil without a flattenSpec (every root field is exposed).
	Flatten *FlattenSpec
	// KeepNullColumns keeps discovered fields whose value is null (default
	// false: they are dropped, so they create no dimension).
	KeepNullColumns bool
	// AssumeNewlineDelimited and UseJSONNodeReader are accepted for
	// compatibility; batch reading is always line by line.
	AssumeNewlineDelimited bool
	UseJSONNodeReader      bool
}

func decodeJSON(obj specjson.Object) (*JSONFormat, error) {
	f := &JSONFormat{}
	var err error
	if raw := obj.Raw("flattenSpec"); raw != nil {
		if f.Flatten, err = decodeFlattenSpec(raw, obj.At("flattenSpec")); err != nil {
			return nil, err
		}
	}
	if f.KeepNullColumns, err = obj.Bool("keepNullColumns", false); err != nil {
		return nil, err
	}
	if f.AssumeNewlineDelimited, err = obj.Bool("assumeNewlineDelimited", false); err != nil {
		return nil, err
	}
	if f.UseJSONNodeReader, err = obj.Bool("useJsonNodeReader", false); err != nil {
		return nil, err
	}
	fs, ok, err := obj.Object("featureSpec")
	if err != nil {
		return nil, err
	}
	if ok {
		// Jackson parser features relax JSON syntax (comments, single
		// quotes...); dryad's parser is strict RFC 8259, so enabling any of
		// them is refused rather than ignored.
		for _, k := range fs.Keys() {
			on, err := fs.Bool(k, false)
			if err != nil {
				return nil, err
			}
			if on {
				return nil, base.Errorf(base.ClassUnsupported, "%s: JSON parser feature %s is not supported", fs.At(k), k)
			}
		}
	}
	return f, nil
}

// Type returns "json".
func (f *JSONFormat) Type() string { return "json" }

// NewReader returns a reader of newline-delimited JSON objects.
func (f *JSONFormat) NewReader(r io.Reader) Reader {
	p := newJSONParser()
	p.allowTrailing = true
	return &jsonReader{f: f, lines: newLineReader(r), p: p}
}

type jsonReader struct {
	f     *JSONFormat
	lines *lineReader
	p     *jsonParser
	// fields is a slab that records are carved from (each with its own
	// capacity bound, so appends never reach a neighbour).
	fields []Field
}

func (r *jsonReader) BytesRead() int64 { return r.lines.bytes }

func (r *jsonReader) Next() (Record, error) {
	for {
		line, err := r.lines.next()
		if err != nil {
			return nil, err
		}
		if isBlank(line) {
			continue
		}
		return r.parseLine(line, r.lines.n)
	}
}

// ParseLine parses one JSON object (exported for tests and fuzzing through
// the package's readers).
func (r *jsonReader) parseLine(line []byte, lineNo int) (Record, error) {
	n := max(len(r.p.prevKeys)+4, 8)
	if len(r.fields) < n {
		r.fields = make([]Field, max(64*n, 1024))
	}
	dst := Record(r.fields[:0:n])
	r.fields = r.fields[n:]
	rec, err := r.p.parseObjectRecord(line, dst)
	if err != nil {
		var se *jsonSyntaxError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = fmt.Sprintf("%s at offset %d", se.msg, se.offset)
		}
		return nil, &ParseError{
			Message: fmt.Sprintf("Unable to parse row [%s]", truncate(string(line), 1000)),
			Detail:  msg,
			Line:    lineNo,
			Input:   string(line),
			Err:     err,
		}
	}
	if r.f.Flatten != nil {
		return r.f.Flatten.apply(rec, r.f.KeepNullColumns), nil
	}
	if !r.f.KeepNullColumns {
		out := rec[:0]
		for _, fl := range rec {
			if fl.Value != nil {
				out = append(out, fl)
			}
		}
		rec = out
	}
	return rec, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
