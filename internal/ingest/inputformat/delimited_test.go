package inputformat

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func TestCSV(t *testing.T) {
	tests := []struct {
		name   string
		spec   string
		input  string
		want   []Record
		errors int
	}{
		{
			name:  "columns, quoting, empty vs quoted empty",
			spec:  `{"type":"csv","columns":["a","b","c"]}`,
			input: "1,\"x,y\",\"he said \"\"hi\"\"\"\n,\"\",z\r\n",
			want: []Record{
				{{"a", "1"}, {"b", "x,y"}, {"c", `he said "hi"`}},
				{{"a", nil}, {"b", ""}, {"c", "z"}},
			},
		},
		{
			name:  "header, skipHeaderRows, blank lines, BOM",
			spec:  `{"type":"csv","findColumnsFromHeader":true,"skipHeaderRows":1}`,
			input: "\xef\xbb\xbfjunk line\nts,dim\n\n2020,a\n2021,b",
			want:  []Record{{{"ts", "2020"}, {"dim", "a"}}, {{"ts", "2021"}, {"dim", "b"}}},
		},
		{
			name:  "multi-value and numbers",
			spec:  `{"type":"csv","columns":["a","b"],"listDelimiter":"|","tryParseNumbers":true}`,
			input: "x|y|z,12\n1|2.5,-3.5e2\n",
			want: []Record{
				{{"a", []any{"x", "y", "z"}}, {"b", int64(12)}},
				{{"a", []any{int64(1), 2.5}}, {"b", -350.0}},
			},
		},
		{
			name:  "default list delimiter",
			spec:  `{"type":"csv","columns":["a"]}`,
			input: "x\u0001y\n",
			want:  []Record{{{"a", []any{"x", "y"}}}},
		},
		{
			name:  "short and long rows",
			spec:  `{"type":"csv","columns":["a","b"]}`,
			input: "1\n1,2,3\n",
			want:  []Record{{{"a", "1"}}, {{"a", "1"}, {"b", "2"}}},
		},
		{
			name:   "unterminated quote is unparseable",
			spec:   `{"type":"csv","columns":["a","b"]}`,
			input:  "\"abc,1\n2,3\n",
			want:   []Record{{{"a", "2"}, {"b", "3"}}},
			errors: 1,
		},
		{
			name:  "tsv no quoting, empty is null",
			spec:  `{"type":"tsv","columns":["a","b","c"]}`,
			input: "\"q\"\t\tz\n",
			want:  []Record{{{"a", `"q"`}, {"b", nil}, {"c", "z"}}},
		},
		{
			name:  "tsv custom delimiter and header",
			spec:  `{"type":"tsv","delimiter":"||","findColumnsFromHeader":true}`,
			input: "a||b\n1||2\n",
			want:  []Record{{{"a", "1"}, {"b", "2"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustFormat(t, tt.spec)
			recs, perrs := readAll(t, f, tt.input)
			if len(perrs) != tt.errors {
				t.Errorf("got %d parse errors, want %d: %v", len(perrs), tt.errors, perrs)
			}
			if !reflect.DeepEqual(recs, tt.want) {
				t.Errorf("got  %#v\nwant %#v", recs, tt.want)
			}
		})
	}
}

func TestFormatDecodeErrors(t *testing.T) {
	tests := []struct {
		spec  string
		want  string
		class base.Class
	}{
		{`{"type":"csv"}`, "inputFormat.columns: if columns field is not set, the findColumnsFromHeader property must be true", base.ClassInvalidInput},
		{`{"type":"csv","columns":["a,b"]}`, "inputFormat.columns[0]: column[a,b] cannot have the delimiter[,] in its name", base.ClassInvalidInput},
		{`{"type":"csv","columns":["a","a"]}`, `inputFormat.columns[1]: duplicate column "a"`, base.ClassInvalidInput},
		{`{"type":"tsv","columns":["a"],"skipHeaderRows":-1}`, "inputFormat.skipHeaderRows: must be >= 0, got -1", base.ClassInvalidInput},
		{`{"type":"parquet"}`, `inputFormat.type: input format "parquet" is not supported by dryad (supported: [csv json lines regex tsv])`, base.ClassUnsupported},
		{`{"type":"xml"}`, `inputFormat.type: unknown input format "xml" (supported: [csv json lines regex tsv])`, base.ClassInvalidInput},
		{`{"type":"json","flattenSpec":{"fields":[{"type":"path","name":"x"}]}}`, `inputFormat.flattenSpec.fields[0].expr: required for a field of type "path"`, base.ClassInvalidInput},
		{`{"type":"json","flattenSpec":{"fields":[{"type":"jq","name":"x","expr":".a | length"}]}}`, `inputFormat.flattenSpec.fields[0].expr: jq expression ".a | length": unsupported syntax at offset 2 (dryad supports paths like .a.b, .a[0], .a[])`, base.ClassInvalidInput},
		{`{"type":"json","flattenSpec":{"fields":[{"type":"root","name":"x"},{"type":"root","name":"x"}]}}`, `inputFormat.flattenSpec.fields[1].name: duplicate field definition "x"`, base.ClassInvalidInput},
		{`{"type":"json","keepNullColumns":"maybe"}`, "inputFormat.keepNullColumns: expected a boolean, got string", base.ClassInvalidInput},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.spec), "inputFormat")
		if err == nil {
			t.Errorf("%s: decoded", tt.spec)
			continue
		}
		if err.Error() != tt.want || base.ClassOf(err) != tt.class {
			t.Errorf("%s:\n got %q (%v)\nwant %q (%v)", tt.spec, err, base.ClassOf(err), tt.want, tt.class)
		}
	}
}

func TestDuplicateHeaderIsFatal(t *testing.T) {
	r := mustFormat(t, `{"type":"csv","findColumnsFromHeader":true}`).NewReader(strings.NewReader("a,a\n1,2\n"))
	_, err := r.Next()
	if err == nil || err.Error() != "header line 1: Duplicate column entries found : [a]" || !base.IsClass(err, base.ClassInvalidInput) {
		t.Errorf("got %v", err)
	}
}

func TestRegex(t *testing.T) {
	f := mustFormat(t, `{"type":"regex","pattern":"(\\S+) (\\d+) (.*)","columns":["ts","n","tags"],"listDelimiter":"|"}`)
	recs, perrs := readAll(t, f, "2020-01-01 12 a|b\nno match here\n2020 3 x\n")
	want := []Record{
		{{"ts", "2020-01-01"}, {"n", "12"}, {"tags", []any{"a", "b"}}},
		{{"ts", "2020"}, {"n", "3"}, {"tags", "x"}},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("got %#v", recs)
	}
	if len(perrs) != 1 || perrs[0].Message != `Incorrect Regex: (\S+) (\d+) (.*) . No match found.` || perrs[0].Line != 2 {
		t.Errorf("parse errors %v", perrs)
	}
	f = mustFormat(t, `{"type":"regex","pattern":"(a)(b)"}`)
	recs, _ = readAll(t, f, "ab\nabc\n")
	if want := []Record{{{"column_1", "a"}, {"column_2", "b"}}}; !reflect.DeepEqual(recs, want) {
		t.Errorf("default columns: %#v", recs)
	}
	if _, err := Decode([]byte(`{"type":"regex","pattern":"(a)\\1"}`), "f"); err == nil || !strings.HasPrefix(err.Error(), "f.pattern: invalid pattern (RE2 syntax)") {
		t.Errorf("backreference: %v", err)
	}
}

func TestLines(t *testing.T) {
	recs, perrs := readAll(t, mustFormat(t, `{"type":"lines"}`), "a b\r\n\n{\"x\":1}")
	want := []Record{{{LineField, "a b"}}, {{LineField, `{"x":1}`}}}
	if len(perrs) != 0 || !reflect.DeepEqual(recs, want) {
		t.Errorf("got %#v %v", recs, perrs)
	}
}

func FuzzDelimited(f *testing.F) {
	for _, s := range []string{"a,b,c\n1,2,3", "\"a\"\"b\",\"\"\n", "x\ty\n\t\n", "\"unterminated\n", "a|b,c\r\n"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	csvF := &DelimitedFormat{Kind: "csv", FindColumnsFromHeader: true, ListDelimiter: "|", Delimiter: ",", TryParseNumbers: true}
	tsvF := &DelimitedFormat{Kind: "tsv", Columns: []string{"a", "b"}, ListDelimiter: "\u0001", Delimiter: "\t"}
	f.Fuzz(func(t *testing.T, input string, csv bool) {
		var format Format = tsvF
		if csv {
			format = csvF
		}
		r := format.NewReader(strings.NewReader(input))
		for range 10000 {
			rec, err := r.Next()
			if err != nil {
				if _, ok := err.(*ParseError); ok {
					continue
				}
				return
			}
			seen := map[string]bool{}
			for _, fl := range rec {
				if seen[fl.Name] {
					t.Fatalf("duplicate field %q in %#v", fl.Name, rec)
				}
				seen[fl.Name] = true
			}
		}
	})
}

func FuzzSplitCSV(f *testing.F) {
	for _, s := range []string{`a,"b,c",d`, `"x""y"`, `,,`, `"a"b,c`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\r\n\"") {
			fields, err := splitCSV(nil, []byte(line))
			if err == nil && len(fields) == 0 {
				t.Fatal("no fields")
			}
			return
		}
		// Without quotes, CSV splitting is plain comma splitting.
		fields, err := splitCSV(nil, []byte(line))
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(line, ",")
		if len(fields) != len(parts) {
			t.Fatalf("%q: %d fields, want %d", line, len(fields), len(parts))
		}
		for i := range parts {
			if string(fields[i].text) != parts[i] {
				t.Fatalf("%q: field %d = %q, want %q", line, i, fields[i].text, parts[i])
			}
		}
	})
}
