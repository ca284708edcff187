package answer

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/dryaddb/dryad/internal/base"
)

// FromDruid flattens a Druid native query result into a Table. The shape is
// recognised from the JSON:
//
//	timeseries [{"timestamp":…,"result":{…}}]          one row per bucket
//	topN       [{"timestamp":…,"result":[{…},…]}]      one row per entry
//	groupBy    [{"version":"v1","timestamp":…,"event":{…}}]
//	scan       [{"segmentId":…,"columns":[…],"events":[{…},…]}]
//
// Bucket timestamps become the "__time" column; a timeseries grand-total
// row (no timestamp) has a null "__time". Columns appear in first-seen
// order. Scan results must use resultFormat "list". Malformed JSON or an
// unknown shape is a base.ClassInvalidInput error naming the element.
func FromDruid(body []byte) (Table, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var elems []map[string]any
	if err := dec.Decode(&elems); err != nil {
		return Table{}, base.Errorf(base.ClassInvalidInput, "druid result: %w", err)
	}
	b := builder{index: map[string]int{}}
	for i, e := range elems {
		ts, hasTS := e["timestamp"]
		switch {
		case e["event"] != nil:
			ev, ok := e["event"].(map[string]any)
			if !ok {
				return Table{}, base.Errorf(base.ClassInvalidInput, "druid result [%d]: event is %T, want an object", i, e["event"])
			}
			if err := b.add(ts, hasTS, ev); err != nil {
				return Table{}, base.Errorf(base.ClassInvalidInput, "druid result [%d]: %w", i, err)
			}
		case e["events"] != nil:
			evs, ok := e["events"].([]any)
			if !ok {
				return Table{}, base.Errorf(base.ClassInvalidInput, "druid result [%d]: events is %T, want a list", i, e["events"])
			}
			for j, x := range evs {
				ev, ok := x.(map[string]any)
				if !ok {
					return Table{}, base.Errorf(base.ClassInvalidInput, "druid result [%d].events[%d]: %T, want an object (resultFormat list)", i, j, x)
				}
				if err := b.add(nil, false, ev); err != nil {
					return Table{}, base.Errorf(base.ClassInvalidInput, "druid result [%d].events[%d]: %w", i, j, err)
				}
			}
		default:
			switch r := e["result"].(type) {
			case map[string]any:
				if err := b.add(ts, true, r); err != nil {
					return Table{}, base.Errorf(base.ClassInvalidInput, "druid result [%d]: %w", i, err)
				}
			case []any:
				for j, x := range r {
					ev, ok := x.(map[string]any)
					if !ok {
						return Table{}, base.Errorf(base.ClassInvalidInput, "druid result [%d].result[%d]: %T, want an object", i, j, x)
					}
					if err := b.add(ts, hasTS, ev); err != nil {
						return Table{}, base.Errorf(base.ClassInvalidInput, "druid result [%d].result[%d]: %w", i, j, err)
					}
				}
			default:
				return Table{}, base.Errorf(base.ClassInvalidInput, "druid result [%d]: not a timeseries, topN, groupBy or scan result", i)
			}
		}
	}
	return b.t, nil
}

type builder struct {
	t     Table
	index map[string]int
}

func (b *builder) col(name string) int {
	if i, ok := b.index[name]; ok {
		return i
	}
	i := len(b.t.Columns)
	b.index[name] = i
	b.t.Columns = append(b.t.Columns, name)
	for r := range b.t.Rows {
		b.t.Rows[r] = append(b.t.Rows[r], nil)
	}
	return i
}

func (b *builder) add(ts any, hasTS bool, fields map[string]any) error {
	if hasTS {
		b.col(TimeColumn)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.col(k)
	}
	row := make([]any, len(b.t.Columns))
	if hasTS {
		v, err := Normalize(TimeColumn, ts)
		if err != nil {
			return err
		}
		row[b.index[TimeColumn]] = v
	}
	for _, k := range keys {
		v, err := Normalize(k, fields[k])
		if err != nil {
			return err
		}
		row[b.index[k]] = v
	}
	b.t.Rows = append(b.t.Rows, row)
	return nil
}

// joinList renders a multi-value as "[a,b]" so that it compares as one value.
func joinList(list []any) string {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, x := range list {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(Format(x))
	}
	buf.WriteByte(']')
	return buf.String()
}
