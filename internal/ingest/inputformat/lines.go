package inputformat

import (
	"io"
)

// LinesFormat is the "lines" input format: each line becomes a record with
// one field, "line", holding the whole line as a string (for later parsing
// by transforms, e.g. try_parse_json).
type LinesFormat struct{}

// LineField is the field name of the "lines" format.
const LineField = "line"

// Type returns "lines".
func (LinesFormat) Type() string { return "lines" }

// NewReader returns a reader of lines.
func (LinesFormat) NewReader(r io.Reader) Reader { return &linesReader{lines: newLineReader(r)} }

type linesReader struct{ lines *lineReader }

func (r *linesReader) BytesRead() int64 { return r.lines.bytes }

func (r *linesReader) Next() (Record, error) {
	for {
		line, err := r.lines.next()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			continue
		}
		return Record{{Name: LineField, Value: string(line)}}, nil
	}
}
