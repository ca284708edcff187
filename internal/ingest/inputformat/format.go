package inputformat

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// Format is a decoded inputFormat. It is immutable and safe for concurrent
// use; each input entity is read through its own Reader.
type Format interface {
	// Type is the Druid type name, e.g. "json".
	Type() string
	// NewReader returns a reader of the records in r, which must already be
	// decompressed. The reader does not close r.
	NewReader(r io.Reader) Reader
}

// Reader yields the records of one input entity. It is owned by one
// goroutine.
type Reader interface {
	// Next returns the next record. It returns io.EOF at the end of input, a
	// *ParseError for a malformed record (reading may continue), and any other
	// error for a fatal failure of the underlying stream.
	Next() (Record, error)
	// BytesRead is the number of input bytes consumed so far.
	BytesRead() int64
}

// ParseError is a malformed record: Druid counts it as "unparseable" and
// reports it among the parse exceptions. Message is Druid's text (e.g.
// "Unable to parse row [...]"), Detail says what exactly is wrong. Line is
// the 1-based line number within the entity (0 when unknown).
type ParseError struct {
	Message string
	Detail  string
	Line    int
	// Input is the raw text of the record, for logging.
	Input string
	Err   error
}

// Error returns Message, followed by Detail when there is one.
func (e *ParseError) Error() string {
	if e.Detail == "" {
		return e.Message
	}
	return e.Message + ": " + e.Detail
}

// Unwrap returns the underlying cause, if any.
func (e *ParseError) Unwrap() error { return e.Err }

// supportedTypes lists the input format types dryad reads.
const supportedTypes = "[csv json lines regex tsv]"

// isUnsupported reports whether typ is a Druid input format dryad knows but
// does not read.
func isUnsupported(typ string) bool {
	switch typ {
	case "avro_ocf", "avro_stream", "orc", "parquet", "protobuf", "kafka",
		"kinesis", "javascript", "thrift", "delta", "iceberg":
		return true
	}
	return false
}

// Decode decodes an inputFormat object at path (e.g.
// "spec.ioConfig.inputFormat").
func Decode(raw json.RawMessage, path string) (Format, error) {
	obj, err := specjson.Parse(raw, path)
	if err != nil {
		return nil, err
	}
	typ, err := obj.Type("")
	if err != nil {
		return nil, err
	}
	switch typ {
	case "json":
		return decodeJSON(obj)
	case "csv":
		return decodeDelimited(obj, "csv")
	case "tsv":
		return decodeDelimited(obj, "tsv")
	case "lines":
		return LinesFormat{}, nil
	case "regex":
		return decodeRegex(obj)
	case "":
		return nil, specjson.Errorf(obj.At("type"), "required field is missing (supported: %v)", supportedTypes)
	}
	if isUnsupported(typ) {
		return nil, base.Errorf(base.ClassUnsupported, "%s: input format %q is not supported by dryad (supported: %s)", obj.At("type"), typ, supportedTypes)
	}
	return nil, specjson.Errorf(obj.At("type"), "unknown input format %q (supported: %v)", typ, supportedTypes)
}

// MaxLineBytes bounds one input line; a longer line fails the entity (it
// would otherwise have to be held in memory whole).
const MaxLineBytes = 128 << 20

// lineReader splits a stream into lines without the terminator ("\n" or
// "\r\n"), skipping a leading UTF-8 byte order mark.
type lineReader struct {
	br    *bufio.Reader
	line  []byte
	n     int   // lines returned so far
	bytes int64 // bytes consumed
	first bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), first: true}
}

// next returns the next line (valid until the next call) or io.EOF.
func (l *lineReader) next() ([]byte, error) {
	frag, err := l.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		l.line = append(l.line[:0], frag...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(l.line) > MaxLineBytes {
				return nil, base.Errorf(base.ClassInvalidInput, "line %d is longer than %d bytes", l.n+1, MaxLineBytes)
			}
			frag, err = l.br.ReadSlice('\n')
			l.line = append(l.line, frag...)
		}
		frag = l.line
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read line %d: %w", l.n+1, err)
	}
	if len(frag) == 0 && err != nil {
		return nil, io.EOF
	}
	l.bytes += int64(len(frag))
	l.n++
	frag = bytes.TrimSuffix(frag, []byte{'\n'})
	frag = bytes.TrimSuffix(frag, []byte{'\r'})
	if l.first {
		l.first = false
		frag = bytes.TrimPrefix(frag, []byte("\xef\xbb\xbf"))
	}
	return frag, nil
}

func isBlank(line []byte) bool {
	return len(bytes.TrimSpace(line)) == 0
}
