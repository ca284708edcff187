package query

import (
	"bytes"
	"encoding/json"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
)

// DataSource is a query's datasource: *TableDataSource, *UnionDataSource,
// *QueryDataSource, *InlineDataSource, *LookupDataSource, *JoinDataSource
// or *UnnestDataSource.
type DataSource interface {
	// Type is the Druid datasource type.
	Type() string
	// Tables lists the tables the datasource reads (recursively), in order.
	Tables() []string
}

// TableDataSource is a table.
type TableDataSource struct{ Name string }

// UnionDataSource is a union of tables; missing tables are ignored.
type UnionDataSource struct{ DataSources []string }

// QueryDataSource is a subquery, run on the broker.
type QueryDataSource struct{ Query Query }

// InlineDataSource holds its rows in the query.
type InlineDataSource struct {
	ColumnNames []string
	// ColumnTypes parallels ColumnNames; a zero type is unknown.
	ColumnTypes []base.ColumnType
	// Rows hold values in the value package's model.
	Rows [][]any
}

// Type implements the interface: the Druid type name.
func (*TableDataSource) Type() string { return "table" }

// Type implements the interface: the Druid type name.
func (*UnionDataSource) Type() string { return "union" }

// Type implements the interface: the Druid type name.
func (*QueryDataSource) Type() string { return "query" }

// Type implements the interface: the Druid type name.
func (*InlineDataSource) Type() string { return "inline" }

// Tables implements DataSource.
func (d *TableDataSource) Tables() []string { return []string{d.Name} }

// Tables implements DataSource.
func (d *UnionDataSource) Tables() []string { return append([]string(nil), d.DataSources...) }

// Tables implements DataSource.
func (d *QueryDataSource) Tables() []string { return d.Query.Base().DataSource.Tables() }

// Tables implements DataSource.
func (d *InlineDataSource) Tables() []string { return nil }

func decodeDataSource(raw json.RawMessage, path string, depth int) (DataSource, error) {
	return decodeDataSourceWith(raw, path, depth, nil)
}

// decodeDataSourceWith decodes a datasource at path; lookups resolves the
// lookups named in join conditions, leftFilters, unnest virtual columns,
// unnestFilters and query datasources (nil knows none).
func decodeDataSourceWith(raw json.RawMessage, path string, depth int, lookups dimension.LookupFunc) (DataSource, error) {
	if depth > maxQueryDepth {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: datasources are nested more than %d deep", path, maxQueryDepth)
	}
	t := bytes.TrimSpace(raw)
	if jsonspec.IsNull(t) {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: required field is missing", path)
	}
	if t[0] == '"' {
		s, _ := jsonspec.ScalarString(t)
		if s == "" {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: table name must not be empty", path)
		}
		return &TableDataSource{Name: s}, nil
	}
	if t[0] != '{' {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: expected a table name or a datasource object, got %s", path, jsonspec.Kind(t))
	}
	o, err := jsonspec.Decode(t, path)
	if err != nil {
		return nil, err
	}
	typ := o.Type()
	if typ == "" && o.Err() == nil {
		typ = "table"
	}
	switch typ {
	case "table":
		name := o.String("name")
		if o.Err() == nil && name == "" {
			o.Failf("name", "must not be empty")
		}
		return &TableDataSource{Name: name}, o.Err()
	case "union":
		a, ok := o.Array("dataSources")
		if o.Err() == nil && (!ok || len(a) == 0) {
			o.Failf("dataSources", "required field is missing or empty")
		}
		if o.Err() != nil {
			return nil, o.Err()
		}
		u := &UnionDataSource{}
		for i, e := range a {
			ds, err := decodeDataSourceWith(e, jsonspec.Index(o.FieldPath("dataSources"), i), depth+1, lookups)
			if err != nil {
				return nil, err
			}
			tds, ok := ds.(*TableDataSource)
			if !ok {
				return nil, base.Errorf(base.ClassInvalidInput, "%s: a union can only contain tables, got a datasource of type %q", jsonspec.Index(o.FieldPath("dataSources"), i), ds.Type())
			}
			u.DataSources = append(u.DataSources, tds.Name)
		}
		return u, nil
	case "query":
		if o.Err() == nil && !o.Has("query") {
			o.Failf("query", "required field is missing")
		}
		if o.Err() != nil {
			return nil, o.Err()
		}
		// The subquery resolves lookups as the outer query does; lookups
		// records their use, so the outer query reports UsesLookups too.
		q, err := decodeQueryWith(o.Raw("query"), o.FieldPath("query"), depth+1, DecodeOptions{Lookups: lookups})
		if err != nil {
			return nil, err
		}
		return &QueryDataSource{Query: q}, nil
	case "inline":
		return decodeInline(o)
	case "lookup":
		return decodeLookup(o)
	case "join":
		return decodeJoin(o, depth, lookups)
	case "unnest":
		return decodeUnnest(o, depth, lookups)
	case "frame", "restrict", "filter":
		return nil, base.Errorf(base.ClassUnsupported, "%s: %q datasources are not supported yet", path, typ)
	}
	if o.Err() != nil {
		return nil, o.Err()
	}
	return nil, base.Errorf(base.ClassInvalidInput, "%s: unknown datasource type %q: expected one of table, union, query, inline, lookup, join, unnest", path, typ)
}

func decodeInline(o *jsonspec.Object) (DataSource, error) {
	d := &InlineDataSource{}
	if sig, ok := o.Array("columnSignature"); ok {
		for i, e := range sig {
			c, err := jsonspec.Decode(e, jsonspec.Index(o.FieldPath("columnSignature"), i))
			if err != nil {
				return nil, err
			}
			d.ColumnNames = append(d.ColumnNames, c.String("name"))
			var ct base.ColumnType
			if ts, ok := c.OptString("type"); ok {
				t, err := base.ParseColumnType(ts)
				if err != nil {
					c.Failf("type", "unknown column type %q", ts)
				}
				ct = t
			}
			d.ColumnTypes = append(d.ColumnTypes, ct)
			if c.Err() != nil {
				return nil, c.Err()
			}
		}
	} else {
		names, ok := o.Strings("columnNames")
		if o.Err() == nil && !ok {
			o.Failf("columnNames", "required field is missing")
		}
		d.ColumnNames = names
		d.ColumnTypes = make([]base.ColumnType, len(names))
		if types, ok := o.Strings("columnTypes"); ok {
			if len(types) != len(names) {
				o.Failf("columnTypes", "has %d entries but columnNames has %d", len(types), len(names))
			}
			for i, ts := range types {
				if i >= len(d.ColumnTypes) {
					break
				}
				t, err := base.ParseColumnType(ts)
				if err != nil {
					o.Failf("columnTypes", "entry %d: unknown column type %q", i, ts)
					break
				}
				d.ColumnTypes[i] = t
			}
		}
	}
	if o.Err() != nil {
		return nil, o.Err()
	}
	seen := map[string]bool{}
	for _, n := range d.ColumnNames {
		if n == "" {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: empty column name", o.FieldPath("columnNames"))
		}
		if seen[n] {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: duplicate column %q", o.FieldPath("columnNames"), n)
		}
		seen[n] = true
	}
	rows, _ := o.Array("rows")
	if o.Err() != nil {
		return nil, o.Err()
	}
	for i, r := range rows {
		p := jsonspec.Index(o.FieldPath("rows"), i)
		cells, err := jsonspec.ParseArray(r)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: %v", p, err)
		}
		if len(cells) != len(d.ColumnNames) {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: has %d values but there are %d columns", p, len(cells), len(d.ColumnNames))
		}
		row := make([]any, len(cells))
		for j, c := range cells {
			v, err := jsonspec.Scalar(c)
			if err != nil {
				return nil, base.Errorf(base.ClassInvalidInput, "%s: %v", jsonspec.Index(p, j), err)
			}
			row[j] = inlineValue(v, d.ColumnTypes[j])
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

// inlineValue converts a JSON scalar to the value model for a column type.
func inlineValue(v any, t base.ColumnType) any {
	switch x := v.(type) {
	case bool:
		if x {
			v = int64(1)
		} else {
			v = int64(0)
		}
	case []any:
		if t.Kind == base.KindString || t.Kind == base.KindUnknown {
			ss := make([]string, 0, len(x))
			for _, e := range x {
				if s, ok := e.(string); ok {
					ss = append(ss, s)
				}
			}
			if len(ss) == len(x) {
				return ss
			}
		}
		return x
	}
	if v == nil {
		return nil
	}
	switch t.Kind {
	case base.KindString:
		s, _ := toStringValue(v)
		return s
	case base.KindLong:
		if n, ok := toInt64Value(v); ok {
			return n
		}
		return nil
	case base.KindDouble, base.KindFloat:
		if f, ok := toFloat64Value(v); ok {
			if t.Kind == base.KindFloat {
				return float32(f)
			}
			return f
		}
		return nil
	}
	return v
}
