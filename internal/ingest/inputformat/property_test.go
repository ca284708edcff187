package inputformat

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestCSVRoundTrip writes random rows as RFC 4180 CSV (quoting some fields,
// leaving nulls as empty unquoted fields) and reads them back.
func TestCSVRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ncol := rapid.IntRange(1, 6).Draw(t, "ncol")
		cols := make([]string, ncol)
		for i := range cols {
			cols[i] = "c" + strconv.Itoa(i)
		}
		value := rapid.OneOf(
			rapid.Just[any](nil),
			rapid.Map(rapid.StringOfN(rapid.SampledFrom([]rune("ab ,\"'é\t;")), 0, 8, -1), func(s string) any { return s }),
		)
		rows := rapid.SliceOfN(rapid.SliceOfN(value, ncol, ncol), 1, 20).Draw(t, "rows")
		var sb strings.Builder
		for _, row := range rows {
			for i, v := range row {
				if i > 0 {
					sb.WriteByte(',')
				}
				if v == nil {
					continue
				}
				s := v.(string)
				if s == "" || strings.ContainsAny(s, ",\"") || rapid.Bool().Draw(t, "quote") {
					sb.WriteString(`"` + strings.ReplaceAll(s, `"`, `""`) + `"`)
				} else {
					sb.WriteString(s)
				}
			}
			sb.WriteString("\n")
		}
		f := &DelimitedFormat{Kind: "csv", Columns: cols, ListDelimiter: "\u0001", Delimiter: ","}
		recs, perrs := readAll(t, f, sb.String())
		if len(perrs) > 0 {
			t.Fatalf("parse error %v for %q", perrs[0], sb.String())
		}
		// Rows whose fields are all null and unquoted are blank lines only
		// when there is a single column.
		var want [][]any
		for _, row := range rows {
			if ncol == 1 && row[0] == nil {
				continue
			}
			want = append(want, row)
		}
		if len(recs) != len(want) {
			t.Fatalf("%d records, want %d, from %q", len(recs), len(want), sb.String())
		}
		for i, rec := range recs {
			got := make([]any, len(rec))
			for j, fl := range rec {
				got[j] = fl.Value
			}
			if !reflect.DeepEqual(got, want[i]) {
				t.Fatalf("row %d: got %#v, want %#v", i, got, want[i])
			}
		}
	})
}

// TestJSONPathMatchesTree checks that a member-only JSONPath, the jq path
// and the tree field agree on random nested objects.
func TestJSONPathMatchesTree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", "c d", "e"}), 1, 4).Draw(t, "path")
		var doc any = rapid.Int64().Draw(t, "leaf")
		for i := len(names) - 1; i >= 0; i-- {
			doc = map[string]any{names[i]: doc, "other": int64(i)}
		}
		var jp, jq strings.Builder
		jp.WriteString("$")
		for _, n := range names {
			jp.WriteString("['" + n + "']")
			jq.WriteString(`."` + n + `"`)
		}
		p, err := CompileJSONPath(jp.String())
		if err != nil {
			t.Fatal(err)
		}
		q, err := CompileJQ(jq.String())
		if err != nil {
			t.Fatal(err)
		}
		var cur any = doc
		for _, n := range names {
			cur, _ = member(cur, n)
		}
		if got := p.Eval(doc); !reflect.DeepEqual(got, cur) {
			t.Fatalf("jsonpath %s = %v, want %v", jp.String(), got, cur)
		}
		if got := q.Eval(doc); !reflect.DeepEqual(got, cur) {
			t.Fatalf("jq %s = %v, want %v", jq.String(), got, cur)
		}
	})
}
