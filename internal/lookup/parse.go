package lookup

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
)

// Parse formats of a uri namespace.
const (
	FormatCSV        = "csv"
	FormatTSV        = "tsv"
	FormatCustomJSON = "customJson"
	FormatSimpleJSON = "simpleJson"
)

// maxLine bounds one line of a lookup file.
const maxLine = 16 << 20

// ParseSpec is a namespaceParseSpec: how a uri namespace's file becomes
// key→value pairs. It is immutable and safe for concurrent use.
type ParseSpec struct {
	Format string
	// Columns, KeyColumn, ValueColumn, HasHeaderRow and SkipHeaderRows
	// apply to csv and tsv; empty Columns with HasHeaderRow takes the
	// column names from the header row.
	Columns        []string
	KeyColumn      string
	ValueColumn    string
	HasHeaderRow   bool
	SkipHeaderRows int
	// Delimiter and ListDelimiter apply to tsv.
	Delimiter     string
	ListDelimiter string
	// KeyFieldName and ValueFieldName apply to customJson.
	KeyFieldName   string
	ValueFieldName string
}

func decodeParseSpec(raw json.RawMessage, path string) (ParseSpec, error) {
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return ParseSpec{}, err
	}
	p := ParseSpec{Format: o.String("format")}
	if o.Err() != nil {
		return ParseSpec{}, o.Err()
	}
	switch p.Format {
	case FormatCSV, FormatTSV:
		p.Columns, _ = o.Strings("columns")
		p.KeyColumn, _ = o.OptString("keyColumn")
		p.ValueColumn, _ = o.OptString("valueColumn")
		p.HasHeaderRow = o.Bool("hasHeaderRow", false)
		p.SkipHeaderRows = int(o.Int("skipHeaderRows", 0))
		if p.Format == FormatTSV {
			p.Delimiter, _ = o.OptString("delimiter")
			if p.Delimiter == "" {
				p.Delimiter = "\t"
			}
			p.ListDelimiter, _ = o.OptString("listDelimiter")
			if p.ListDelimiter == "" {
				p.ListDelimiter = "\u0001"
			}
		}
		if o.Err() != nil {
			return ParseSpec{}, o.Err()
		}
		if p.SkipHeaderRows < 0 {
			o.Failf("skipHeaderRows", "must be >= 0, got %d", p.SkipHeaderRows)
			return ParseSpec{}, o.Err()
		}
		if len(p.Columns) == 0 && !p.HasHeaderRow {
			o.Failf("columns", "required when hasHeaderRow is false")
			return ParseSpec{}, o.Err()
		}
		if len(p.Columns) > 0 {
			if err := p.checkColumns(p.Columns, o.FieldPath("columns")); err != nil {
				return ParseSpec{}, err
			}
		}
	case FormatCustomJSON:
		p.KeyFieldName = o.String("keyFieldName")
		p.ValueFieldName = o.String("valueFieldName")
		if o.Err() == nil && p.KeyFieldName == "" {
			o.Failf("keyFieldName", "must not be empty")
		}
		if o.Err() == nil && p.ValueFieldName == "" {
			o.Failf("valueFieldName", "must not be empty")
		}
		if o.Err() != nil {
			return ParseSpec{}, o.Err()
		}
	case FormatSimpleJSON:
	default:
		o.Failf("format", "unknown namespaceParseSpec format %q; expected csv, tsv, customJson or simpleJson", p.Format)
		return ParseSpec{}, o.Err()
	}
	return p, nil
}

// keyValueColumns returns the key and value column names for columns.
func (p ParseSpec) keyValueColumns(columns []string) (string, string) {
	k, v := p.KeyColumn, p.ValueColumn
	if k == "" && len(columns) > 0 {
		k = columns[0]
	}
	if v == "" && len(columns) > 1 {
		v = columns[1]
	}
	return k, v
}

// checkColumns validates a column list against the key and value columns.
func (p ParseSpec) checkColumns(columns []string, path string) error {
	if len(columns) < 2 {
		return base.Errorf(base.ClassInvalidInput, "%s: need at least 2 columns, got %d", path, len(columns))
	}
	k, v := p.keyValueColumns(columns)
	if !slices.Contains(columns, k) {
		return base.Errorf(base.ClassInvalidInput, "%s: keyColumn %q is not one of the columns %v", path, k, columns)
	}
	if !slices.Contains(columns, v) {
		return base.Errorf(base.ClassInvalidInput, "%s: valueColumn %q is not one of the columns %v", path, v, columns)
	}
	return nil
}

// Parse reads key→value pairs from r, naming src and the line in errors.
// Lines whose value is missing or null are skipped, as in Druid; a missing
// key is an error.
func (p ParseSpec) Parse(r io.Reader, src string) (map[string]string, error) {
	out := map[string]string{}
	switch p.Format {
	case FormatCSV:
		return out, p.parseCSV(r, src, out)
	case FormatTSV:
		return out, p.parseDelimited(r, src, out)
	case FormatCustomJSON, FormatSimpleJSON:
		return out, p.parseJSONLines(r, src, out)
	}
	return nil, base.Errorf(base.ClassInvalidInput, "lookup file %s: unknown format %q", src, p.Format)
}

// rowParser turns rows of fields into pairs, handling the header.
type rowParser struct {
	p       ParseSpec
	src     string
	out     map[string]string
	columns []string
	ki, vi  int
	rows    int
}

func (rp *rowParser) row(line int, fields []string) error {
	rp.rows++
	if rp.rows <= rp.p.SkipHeaderRows {
		return nil
	}
	if rp.p.HasHeaderRow && rp.rows == rp.p.SkipHeaderRows+1 {
		if len(rp.p.Columns) == 0 {
			if err := rp.p.checkColumns(fields, fmt.Sprintf("lookup file %s: header row (line %d)", rp.src, line)); err != nil {
				return err
			}
			rp.setColumns(fields)
		}
		return nil
	}
	if rp.columns == nil {
		rp.setColumns(rp.p.Columns)
	}
	if rp.ki >= len(fields) || fields[rp.ki] == "" {
		return base.Errorf(base.ClassInvalidInput, "lookup file %s: line %d: key column %q has no data", rp.src, line, rp.columns[rp.ki])
	}
	if rp.vi >= len(fields) {
		return nil
	}
	rp.out[fields[rp.ki]] = fields[rp.vi]
	return nil
}

func (rp *rowParser) setColumns(columns []string) {
	rp.columns = columns
	k, v := rp.p.keyValueColumns(columns)
	rp.ki, rp.vi = slices.Index(columns, k), slices.Index(columns, v)
}

func (p ParseSpec) parseCSV(r io.Reader, src string, out map[string]string) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rp := &rowParser{p: p, src: src, out: out}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "lookup file %s: %w", src, err)
		}
		line, _ := cr.FieldPos(0) // records have at least one field
		if err := rp.row(line, rec); err != nil {
			return err
		}
	}
}

func (p ParseSpec) parseDelimited(r io.Reader, src string, out map[string]string) error {
	rp := &rowParser{p: p, src: src, out: out}
	return eachLine(r, src, func(line int, text []byte) error {
		return rp.row(line, strings.Split(string(text), p.Delimiter))
	})
}

func (p ParseSpec) parseJSONLines(r io.Reader, src string, out map[string]string) error {
	return eachLine(r, src, func(line int, text []byte) error {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(text, &m); err != nil || m == nil {
			return base.Errorf(base.ClassInvalidInput, "lookup file %s: line %d: expected a JSON object", src, line)
		}
		if p.Format == FormatSimpleJSON {
			for k, v := range m {
				if jsonspec.IsNull(v) {
					continue
				}
				s, err := jsonspec.ScalarString(v)
				if err != nil {
					return base.Errorf(base.ClassInvalidInput, "lookup file %s: line %d: value of key %q: expected a string, got %s", src, line, k, jsonspec.Kind(v))
				}
				out[k] = s
			}
			return nil
		}
		kr, ok := m[p.KeyFieldName]
		k, err := jsonspec.ScalarString(kr)
		if !ok || jsonspec.IsNull(kr) || err != nil {
			return base.Errorf(base.ClassInvalidInput, "lookup file %s: line %d: key field %q is missing or not a scalar", src, line, p.KeyFieldName)
		}
		vr := m[p.ValueFieldName]
		if jsonspec.IsNull(vr) {
			return nil
		}
		v, err := jsonspec.ScalarString(vr)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "lookup file %s: line %d: value field %q: expected a scalar, got %s", src, line, p.ValueFieldName, jsonspec.Kind(vr))
		}
		out[k] = v
		return nil
	})
}

// eachLine calls f for every non-blank line (1-based numbers).
func eachLine(r io.Reader, src string, f func(line int, text []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimRight(sc.Bytes(), "\r")
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		if err := f(line, text); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return base.Errorf(base.ClassInvalidInput, "lookup file %s: after line %d: %w", src, line, err)
	}
	return nil
}
