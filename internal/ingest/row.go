package ingest

import (
	"fmt"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
)

// ParseError is an unparseable row; see inputformat.ParseError.
type ParseError = inputformat.ParseError

// Record is a raw input row; see inputformat.Record.
type Record = inputformat.Record

// Row is one parsed input row.
type Row struct {
	// Time is the row timestamp in milliseconds since the epoch.
	Time int64
	// Dimensions are the row's dimension names in order: the declared ones,
	// or the discovered ones in schemaless mode. The slice may be shared
	// between rows and must not be modified.
	Dimensions []string
	// Values holds the dimension values, parallel to Dimensions: nil,
	// string, []string (multi-value, two or more), int64, float64, or for
	// json/auto and discovered typed dimensions the raw value (including
	// []any and map[string]any).
	Values []any
	// Fields are all input fields, raw, for metrics and transforms.
	Fields Record
	// Errors lists dimension values that could not be converted (set to
	// nil); Druid counts such a row as processedWithError.
	Errors []string
}

// Get returns the raw value of the input field name and whether it is
// present.
func (r *Row) Get(name string) (any, bool) { return r.Fields.Get(name) }

// RowParser turns records into rows following a DataSchema's timestampSpec
// and dimensionsSpec. Immutable and safe for concurrent use.
type RowParser struct {
	ts         *TimestampSpec
	dims       []DimensionSchema
	dimNames   []string
	exclusions map[string]bool
	discover   bool // add fields not declared as dimensions
	typed      bool // useSchemaDiscovery: keep discovered values' types
}

// NewRowParser builds a parser for ds. In schemaless mode (no dimensions,
// or includeAllDimensions / useSchemaDiscovery) every field becomes a
// dimension except the timestamp column, __time, dimensionExclusions, the
// metric names and the metrics' input fields (Druid's DataSchema adds the
// latter two to the exclusions); with string discovery, fields holding
// nested objects are skipped.
func NewRowParser(ds *DataSchema) *RowParser {
	p := &RowParser{
		ts:         &ds.TimestampSpec,
		dims:       ds.DimensionsSpec.Dimensions,
		exclusions: make(map[string]bool),
		discover:   len(ds.DimensionsSpec.Dimensions) == 0 || ds.DimensionsSpec.IncludeAllDimensions || ds.DimensionsSpec.UseSchemaDiscovery,
		typed:      ds.DimensionsSpec.UseSchemaDiscovery,
	}
	for _, d := range p.dims {
		p.dimNames = append(p.dimNames, d.Name)
	}
	p.exclusions[ds.TimestampSpec.Column] = true
	p.exclusions[base.TimeColumn] = true
	for _, x := range ds.DimensionsSpec.Exclusions {
		p.exclusions[x] = true
	}
	for _, m := range ds.Metrics {
		p.exclusions[m.Name] = true
		for _, in := range m.Inputs {
			p.exclusions[in] = true
		}
	}
	for _, n := range p.dimNames {
		delete(p.exclusions, n)
	}
	// The timestamp column stays excluded from discovery even when declared.
	p.exclusions[ds.TimestampSpec.Column] = true
	return p
}

// Parse parses one record. An unparseable timestamp is a *ParseError whose
// message is Druid's ("Timestamp[x] is unparseable! Event: {...}").
func (p *RowParser) Parse(rec Record) (Row, error) { return p.parse(rec, nil) }

// RowScratch is per-reader state that makes ParseReusing cheaper: where
// each field was found in the previous record, and the previous row's
// value slice. The zero value is ready to use; owned by one goroutine and
// tied to the first parser it is used with.
type RowScratch struct {
	hints  fieldHints
	values []any
}

// ParseReusing is Parse for a stream of records: it remembers field
// positions between calls and reuses the returned Row's Values slice, which
// is therefore valid only until the next call with the same scratch.
func (p *RowParser) ParseReusing(rec Record, s *RowScratch) (Row, error) {
	if len(s.hints) != len(p.dims)+1 {
		s.hints = p.newHints()
	}
	row, err := p.parseInto(rec, s.hints, s.values[:0])
	if err == nil && cap(row.Values) > cap(s.values) {
		s.values = row.Values[:0]
	}
	return row, err
}

// Hints remember where each field was found in the previous record (the
// dimensions, then the timestamp column); records of one file usually keep
// their field order, which turns lookups into one comparison. Owned by one
// reader.
type fieldHints []int

func (p *RowParser) newHints() fieldHints {
	h := make(fieldHints, len(p.dims)+1)
	for i := range h {
		h[i] = -1
	}
	return h
}

// lookup returns field name of rec, trying hint slot i first.
func lookup(rec Record, name string, hints fieldHints, i int) any {
	if hints != nil {
		if h := hints[i]; h >= 0 && h < len(rec) && rec[h].Name == name {
			return rec[h].Value
		}
	}
	for j := range rec {
		if rec[j].Name == name {
			if hints != nil {
				hints[i] = j
			}
			return rec[j].Value
		}
	}
	return nil
}

func (p *RowParser) parse(rec Record, hints fieldHints) (Row, error) {
	return p.parseInto(rec, hints, nil)
}

// parseInto parses rec, appending the dimension values to values[:0] (a
// new slice when values is nil).
func (p *RowParser) parseInto(rec Record, hints fieldHints, values []any) (Row, error) {
	raw := lookup(rec, p.ts.Column, hints, len(p.dims))
	t, err := p.ts.Parse(raw)
	if err != nil {
		ev := eventText(rec)
		return Row{}, &ParseError{
			Message: fmt.Sprintf("Timestamp[%s] is unparseable! Event: %s", javaString(raw), ev),
			Input:   ev,
			Err:     err,
		}
	}
	if t < base.MinTime || t > base.MaxTime {
		ev := eventText(rec)
		return Row{}, &ParseError{
			Message: fmt.Sprintf("Encountered row with timestamp[%d] that cannot be represented as a long: [%s]", t, ev),
			Input:   ev,
		}
	}
	row := Row{Time: t, Fields: rec}
	n := len(p.dims)
	if p.discover {
		n = len(rec)
	}
	if values == nil {
		values = make([]any, 0, n)
	}
	row.Values = values[:0]
	if !p.discover {
		row.Dimensions = p.dimNames
	} else {
		row.Dimensions = make([]string, 0, n)
		row.Dimensions = append(row.Dimensions, p.dimNames...)
	}
	for i := range p.dims {
		d := &p.dims[i]
		v := lookup(rec, d.Name, hints, i)
		cv, problem := ConvertDimension(d, v)
		if problem != "" {
			row.Errors = append(row.Errors, problem)
		}
		row.Values = append(row.Values, cv)
	}
	if p.discover {
		for _, f := range rec {
			if p.exclusions[f.Name] || p.declared(f.Name) {
				continue
			}
			if p.typed {
				row.Dimensions = append(row.Dimensions, f.Name)
				row.Values = append(row.Values, discoveredValue(f.Value))
				continue
			}
			if !primitiveOrList(f.Value) {
				continue
			}
			row.Dimensions = append(row.Dimensions, f.Name)
			row.Values = append(row.Values, stringDimension(f.Value, SortedArray))
		}
	}
	return row, nil
}

func (p *RowParser) declared(name string) bool {
	if len(p.dimNames) == 0 {
		return false
	}
	for _, n := range p.dimNames {
		if n == name {
			return true
		}
	}
	return false
}

// discoveredValue prepares a value for type-aware schema discovery:
// booleans become longs (1/0), as Druid's auto column indexer reads them,
// also inside arrays; everything else is kept.
func discoveredValue(v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case []any:
		for i, e := range x {
			if _, ok := e.(bool); ok {
				out := make([]any, len(x))
				copy(out, x)
				for j := i; j < len(out); j++ {
					out[j] = discoveredValue(out[j])
				}
				return out
			}
		}
	}
	return v
}

// primitiveOrList reports whether v is a scalar or a list of scalars (what
// Druid's string schema discovery turns into a dimension).
func primitiveOrList(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return false
	case []any:
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				return false
			}
		}
	}
	return true
}

// eventText prints a record as Druid prints the event of a parse exception:
// Java's Map.toString, cut to 100 characters plus "...".
func eventText(rec Record) string {
	s := rec.String()
	if utf8.RuneCountInString(s) < 100 {
		return s
	}
	n := 0
	for i := range s {
		if n == 100 {
			return s[:i] + "..."
		}
		n++
	}
	return s
}
