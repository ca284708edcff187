package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/result"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// tester is what the helpers need from *testing.T, *testing.B and
// *rapid.T.
type tester interface {
	Helper()
	Fatalf(format string, args ...any)
}

// testSchema is the schema of the hand-built test segments.
var testSchema = segment.Metadata{
	DataSource: "t",
	Interval:   base.NewInterval(0, 1<<42),
	Version:    "v1",
	Dimensions: []segment.Dimension{
		{Name: "s", Type: base.TypeString},
		{Name: "m", Type: base.TypeString, MultiValue: true},
		{Name: "l", Type: base.TypeLong},
		{Name: "d", Type: base.TypeDouble},
	},
	Metrics: []segment.Metric{
		{Name: "x", Type: base.TypeLong},
		{Name: "y", Type: base.TypeDouble},
		{Name: "f", Type: base.TypeFloat},
	},
}

// buildSegment writes rows (time-sorted; __time first, then meta's
// columns) to a segment in memory.
func buildSegment(t tester, meta segment.Metadata, rows [][]segment.Value) *segment.Segment {
	t.Helper()
	cols, err := segment.ColumnsFromRows(&meta, rows)
	if err != nil {
		t.Fatalf("ColumnsFromRows: %v", err)
	}
	var buf bytes.Buffer
	if _, err := segment.Write(&buf, meta, cols); err != nil {
		t.Fatalf("Write: %v", err)
	}
	seg, err := segment.FromBytes(buf.Bytes())
	if err != nil {
		t.Fatalf("FromBytes: %v", err)
	}
	return seg
}

// segmentRows reads a segment back as value-model rows, as the engine
// presents them (a one-value multi-value row is a plain string).
func segmentRows(t tester, seg *segment.Segment) []value.Row {
	t.Helper()
	raw, err := seg.ReadRows(0, seg.NumRows())
	if err != nil {
		t.Fatalf("ReadRows: %v", err)
	}
	names := seg.ColumnNames()
	out := make([]value.Row, len(raw))
	for i, r := range raw {
		m := value.MapRow{}
		for j, v := range r {
			m[names[j]] = toModel(v)
		}
		out[i] = m
	}
	return out
}

func toModel(v segment.Value) any {
	switch v.Kind {
	case segment.KindString:
		return v.Str
	case segment.KindStrings:
		switch len(v.Strs) {
		case 0:
			return nil
		case 1:
			return v.Strs[0]
		}
		return append([]string(nil), v.Strs...)
	case segment.KindLong:
		return v.Long
	case segment.KindFloat:
		return float32(v.Double)
	case segment.KindDouble:
		return v.Double
	case segment.KindComplex:
		return v.Bytes
	}
	return nil
}

func mustDecode(t tester, s string) query.Query {
	t.Helper()
	q, err := query.Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return q
}

func run(t tester, q query.Query, seg *segment.Segment) *Partial {
	t.Helper()
	p, err := Run(context.Background(), q, seg, "seg1")
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return p
}

// canon renders a partial result for comparison (JSON with typed values).
func canon(v any) string {
	b, err := json.Marshal(typed(v))
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// typed tags every scalar with its Go type so that int64(1), float64(1)
// and float32(1) compare different.
func typed(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int64:
		return map[string]any{"L": x}
	case float64:
		return map[string]any{"D": string(value.AppendDouble(nil, x))}
	case float32:
		return map[string]any{"F": string(value.AppendFloat(nil, x))}
	case string:
		return x
	case []string:
		return map[string]any{"MV": x}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = typed(e)
		}
		return out
	case [][]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = typed(e)
		}
		return out
	case result.Pair:
		return map[string]any{"pairT": x.Time, "pairV": typed(x.Value)}
	case []result.TimeseriesRow:
		out := make([]any, len(x))
		for i, r := range x {
			out[i] = []any{r.Timestamp, typed(r.Values)}
		}
		return out
	case []result.TopNBucket:
		out := make([]any, len(x))
		for i, b := range x {
			rows := make([]any, len(b.Rows))
			for j, r := range b.Rows {
				rows[j] = []any{typed(r.Dim), typed(r.Values)}
			}
			out[i] = []any{b.Timestamp, rows}
		}
		return out
	case []result.GroupByRow:
		out := make([]any, len(x))
		for i, r := range x {
			out[i] = []any{r.Timestamp, typed(r.Dims), typed(r.Values)}
		}
		return out
	case []result.ScanBatch:
		out := make([]any, len(x))
		for i, b := range x {
			evs := make([]any, len(b.Events))
			for j, e := range b.Events {
				evs[j] = typed(e)
			}
			out[i] = []any{b.SegmentID, b.Columns, evs}
		}
		return out
	}
	return fmt.Sprintf("%T:%v", v, v)
}
