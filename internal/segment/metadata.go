package segment

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/dryaddb/dryad/internal/base"
)

// Metadata describes a segment: identity, schema and row statistics. It is
// stored as JSON in the metadata section.
type Metadata struct {
	DataSource string        `json:"dataSource"`
	Interval   base.Interval `json:"interval"`
	Version    string        `json:"version"`
	// PartitionNum is the segment's partition number within its interval
	// and version.
	PartitionNum int `json:"partitionNum"`
	// QueryGranularity is the granularity spec the rows' timestamps were
	// truncated with, as given in the ingestion spec (e.g. "none", "minute"
	// or a period object). It is recorded, not interpreted.
	QueryGranularity json.RawMessage `json:"queryGranularity,omitempty"`
	Rollup           bool            `json:"rollup"`
	// NumRows, MinTime and MaxTime are filled in by Write.
	NumRows int   `json:"numRows"`
	MinTime int64 `json:"minTime"`
	MaxTime int64 `json:"maxTime"`
	// Dimensions in schema order: rows are sorted by __time, then by these.
	Dimensions []Dimension `json:"dimensions"`
	Metrics    []Metric    `json:"metrics"`
}

// Dimension is a dimension column's schema.
type Dimension struct {
	Name string          `json:"name"`
	Type base.ColumnType `json:"type"`
	// MultiValue is set for string dimensions whose rows hold lists.
	MultiValue bool `json:"multiValue,omitempty"`
}

// Metric is a metric column's schema.
type Metric struct {
	Name string `json:"name"`
	// Type is the stored column type: LONG, FLOAT, DOUBLE or COMPLEX<name>.
	Type base.ColumnType `json:"type"`
	// Aggregator is the ingestion-time aggregator spec (Druid JSON), kept
	// so that merging can re-apply rollup.
	Aggregator json.RawMessage `json:"aggregator,omitempty"`
}

// ColumnNames returns __time, the dimensions and the metrics, in section
// order.
func (m *Metadata) ColumnNames() []string {
	names := make([]string, 0, 1+len(m.Dimensions)+len(m.Metrics))
	names = append(names, base.TimeColumn)
	for _, d := range m.Dimensions {
		names = append(names, d.Name)
	}
	for _, x := range m.Metrics {
		names = append(names, x.Name)
	}
	return names
}

// columnKinds returns the section kind of every column, in section order.
func (m *Metadata) columnKinds() []SectionKind {
	kinds := make([]SectionKind, 0, 1+len(m.Dimensions)+len(m.Metrics))
	kinds = append(kinds, SectionTime)
	for _, d := range m.Dimensions {
		kinds = append(kinds, kindOfType(d.Type))
	}
	for _, x := range m.Metrics {
		kinds = append(kinds, kindOfType(x.Type))
	}
	return kinds
}

func kindOfType(t base.ColumnType) SectionKind {
	switch t.Kind {
	case base.KindString:
		return SectionString
	case base.KindLong:
		return SectionLong
	case base.KindFloat:
		return SectionFloat
	case base.KindDouble:
		return SectionDouble
	case base.KindComplex:
		return SectionComplex
	case base.KindArray:
		return SectionArray
	}
	return 0
}

// Validate checks the schema: unique, non-empty column names other than
// __time; dimensions of type STRING, LONG, FLOAT, DOUBLE or
// ARRAY<STRING|LONG|DOUBLE> (multi-value only for STRING); metrics of type LONG, FLOAT, DOUBLE or COMPLEX<name>.
func (m *Metadata) Validate() error {
	seen := map[string]bool{base.TimeColumn: true}
	check := func(what, name string) error {
		if name == "" {
			return base.Errorf(base.ClassInvalidInput, "%s with an empty name", what)
		}
		if seen[name] {
			return base.Errorf(base.ClassInvalidInput, "%s %q: duplicate column name", what, name)
		}
		seen[name] = true
		return nil
	}
	for _, d := range m.Dimensions {
		if err := check("dimension", d.Name); err != nil {
			return err
		}
		switch d.Type.Kind {
		case base.KindString:
		case base.KindLong, base.KindFloat, base.KindDouble:
			if d.MultiValue {
				return base.Errorf(base.ClassInvalidInput, "dimension %q: only STRING dimensions can be multi-value", d.Name)
			}
		case base.KindArray:
			if d.MultiValue {
				return base.Errorf(base.ClassInvalidInput, "dimension %q: only STRING dimensions can be multi-value", d.Name)
			}
			switch d.Type.Elem {
			case base.KindString, base.KindLong, base.KindDouble:
			default:
				return base.Errorf(base.ClassUnsupported, "dimension %q: %s columns are not supported (arrays hold STRING, LONG or DOUBLE)", d.Name, d.Type)
			}
		default:
			return base.Errorf(base.ClassInvalidInput, "dimension %q: type %s is not a dimension type", d.Name, d.Type)
		}
	}
	for _, x := range m.Metrics {
		if err := check("metric", x.Name); err != nil {
			return err
		}
		switch x.Type.Kind {
		case base.KindLong, base.KindFloat, base.KindDouble:
		case base.KindComplex:
			if x.Type.Complex == "" {
				return base.Errorf(base.ClassInvalidInput, "metric %q: complex type without a name", x.Name)
			}
		default:
			return base.Errorf(base.ClassInvalidInput, "metric %q: type %s is not a metric type", x.Name, x.Type)
		}
	}
	return nil
}

func encodeMetadata(m *Metadata) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "encode segment metadata: %w", err)
	}
	return b, nil
}

func decodeMetadata(b []byte) (Metadata, error) {
	var m Metadata
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Metadata{}, fmt.Errorf("metadata JSON: %w", err)
	}
	if dec.More() {
		return Metadata{}, fmt.Errorf("metadata JSON: trailing data")
	}
	if err := m.Validate(); err != nil {
		return Metadata{}, fmt.Errorf("metadata: %w", err)
	}
	if m.NumRows < 0 {
		return Metadata{}, fmt.Errorf("metadata: negative numRows %d", m.NumRows)
	}
	return m, nil
}
