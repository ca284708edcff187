package inputformat

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
)

func mustFormat(t testing.TB, spec string) Format {
	t.Helper()
	f, err := Decode(json.RawMessage(spec), "inputFormat")
	if err != nil {
		t.Fatalf("decode %s: %v", spec, err)
	}
	return f
}

// fataler is what readAll needs of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// readAll reads every record and parse error of input.
func readAll(t fataler, f Format, input string) (recs []Record, perrs []*ParseError) {
	t.Helper()
	r := f.NewReader(strings.NewReader(input))
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return recs, perrs
		}
		var pe *ParseError
		if errors.As(err, &pe) {
			perrs = append(perrs, pe)
			continue
		}
		if err != nil {
			t.Fatalf("fatal error: %v", err)
		}
		recs = append(recs, rec)
	}
}

// fromStd converts encoding/json's UseNumber output to the parser's value
// model.
func fromStd(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil && !strings.ContainsAny(string(x), ".eE") {
			return n
		}
		f, _ := strconvParseFloat(string(x))
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromStd(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = fromStd(e)
		}
		return out
	}
	return v
}

func TestJSONParserValues(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`1`, int64(1)},
		{`-0`, int64(0)},
		{`9223372036854775807`, int64(math.MaxInt64)},
		{`-9223372036854775808`, int64(math.MinInt64)},
		{`9223372036854775808`, 9223372036854775808.0},
		{`1.0`, 1.0},
		{`1e3`, 1000.0},
		{`-1.5E-3`, -0.0015},
		{`"a\"b\\c\/\n\u00e9\ud83d\ude00"`, "a\"b\\c/\né😀"},
		{`"\ud800x"`, "\ufffdx"},
		{`"\xff"`, "\ufffd"},
		{`true`, true},
		{`null`, nil},
		{`[1,"a",[],{}]`, []any{int64(1), "a", []any{}, map[string]any{}}},
		{` {"a" : {"b":[1.5]}} `, map[string]any{"a": map[string]any{"b": []any{1.5}}}},
	}
	p := newJSONParser()
	for _, tt := range tests {
		in := strings.ReplaceAll(tt.in, `\xff`, "\xff")
		got, err := p.parseDocument([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestJSONParserRejects(t *testing.T) {
	bad := []string{``, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `1e`, `"abc`, "\"a\x01\"", `"\x"`, `"\u12"`, `tru`, `nul`, `{"a":1}x`, `{'a':1}`, `NaN`, `+1`}
	p := newJSONParser()
	for _, in := range bad {
		if _, err := p.parseDocument([]byte(in)); err == nil {
			t.Errorf("%q: accepted", in)
		}
		if json.Valid([]byte(in)) {
			t.Errorf("%q: test case is valid JSON", in)
		}
	}
}

func TestJSONReader(t *testing.T) {
	f := mustFormat(t, `{"type":"json"}`)
	input := "\xef\xbb\xbf{\"timestamp\":\"2013-08-31T01:02:33Z\",\"page\":\"Gypsy\",\"n\":null,\"added\":57,\"d\":1.5,\"tags\":[\"a\",\"b\"],\"o\":{\"x\":1}}\r\n" +
		"\n   \n" +
		"{bad json}\n" +
		"[1,2]\n" +
		"{\"t\":1} trailing text is ignored, as Jackson does\n" +
		"{\"a\":1,\"a\":2,\"b\":3}"
	recs, perrs := readAll(t, f, input)
	if len(recs) != 3 || len(perrs) != 2 {
		t.Fatalf("got %d records and %d parse errors, want 3 and 2", len(recs), len(perrs))
	}
	want := Record{
		{"timestamp", "2013-08-31T01:02:33Z"}, {"page", "Gypsy"}, {"added", int64(57)}, {"d", 1.5},
		{"tags", []any{"a", "b"}}, {"o", map[string]any{"x": int64(1)}},
	}
	if !reflect.DeepEqual(recs[0], want) {
		t.Errorf("record 0:\n got %#v\nwant %#v", recs[0], want)
	}
	if want := (Record{{"t", int64(1)}}); !reflect.DeepEqual(recs[1], want) {
		t.Errorf("trailing text: got %#v", recs[1])
	}
	if want := (Record{{"a", int64(2)}, {"b", int64(3)}}); !reflect.DeepEqual(recs[2], want) {
		t.Errorf("duplicate keys: got %#v, want %#v", recs[1], want)
	}
	if perrs[0].Line != 4 || perrs[0].Message != "Unable to parse row [{bad json}]" || perrs[0].Error() != "Unable to parse row [{bad json}]: expected a string key at offset 1" {
		t.Errorf("parse error 0: line %d, %q", perrs[0].Line, perrs[0].Message)
	}
	if perrs[1].Line != 5 {
		t.Errorf("parse error 1: line %d", perrs[1].Line)
	}
}

func TestJSONKeepNullColumns(t *testing.T) {
	f := mustFormat(t, `{"type":"json","keepNullColumns":true}`)
	recs, _ := readAll(t, f, `{"a":null,"b":1}`)
	if want := (Record{{"a", nil}, {"b", int64(1)}}); !reflect.DeepEqual(recs[0], want) {
		t.Errorf("got %#v, want %#v", recs[0], want)
	}
}

func TestJSONLongLine(t *testing.T) {
	f := mustFormat(t, `{"type":"json"}`)
	long := strings.Repeat("x", 200_000)
	recs, perrs := readAll(t, f, `{"a":"`+long+`"}`+"\n"+`{"b":1}`)
	if len(recs) != 2 || len(perrs) != 0 {
		t.Fatalf("got %d records, %d errors", len(recs), len(perrs))
	}
	if v, _ := recs[0].Get("a"); v != long {
		t.Errorf("long value mangled (len %d)", len(v.(string)))
	}
}

func TestFlattenSpec(t *testing.T) {
	spec := `{"type":"json","flattenSpec":{"useFieldDiscovery":true,"fields":[
		{"type":"root","name":"root_a","expr":"a"},
		{"type":"path","name":"path_b0","expr":"$.b[0]"},
		{"type":"path","name":"path_last","expr":"$.b[-1]"},
		{"type":"path","name":"path_deep","expr":"$.o.p['q r']"},
		{"type":"path","name":"path_dq","expr":"$[\"o\"].p[\"q r\"]"},
		{"type":"path","name":"path_wild","expr":"$.list[*].v"},
		{"type":"path","name":"path_scan","expr":"$..v"},
		{"type":"path","name":"path_missing","expr":"$.nope.x"},
		{"type":"path","name":"len","expr":"$.values.length()"},
		{"type":"path","name":"min","expr":"$.values.min()"},
		{"type":"path","name":"max","expr":"$.values.max()"},
		{"type":"path","name":"sum","expr":"$.values.sum()"},
		{"type":"path","name":"avg","expr":"$.values.avg()"},
		{"type":"path","name":"keys","expr":"$.o.keys()"},
		{"type":"path","name":"concat","expr":"$.b.concat('-', 1.5)"},
		{"type":"path","name":"concat1","expr":"$.a.concat(\"x\")"},
		{"type":"path","name":"append","expr":"$.b.append(40, 'z')"},
		"values",
		{"type":"jq","name":"jq_b1","expr":".b[1]"},
		{"type":"jq","name":"jq_q","expr":".o.p.\"q r\""},
		{"type":"jq","name":"jq_iter","expr":".list[].v"},
		{"type":"tree","name":"tree_q","nodes":["o","p","q r"]},
		{"type":"tree","name":"tree_missing","nodes":["o","zz"]}
	]}}`
	f := mustFormat(t, spec)
	in := `{"a":"A","b":[10,20,30],"o":{"p":{"q r":"deep"}},"list":[{"v":1},{"v":2},{"w":3}],"values":[0,1,2,3,4]}`
	recs, perrs := readAll(t, f, in)
	if len(perrs) != 0 {
		t.Fatal(perrs[0])
	}
	want := map[string]any{
		"root_a": "A", "path_b0": int64(10), "path_last": int64(30), "path_deep": "deep", "path_dq": "deep",
		"path_wild": []any{int64(1), int64(2)}, "path_scan": []any{int64(1), int64(2)}, "path_missing": nil,
		"concat": "102030-1.5", "concat1": "Ax", "append": []any{int64(10), int64(20), int64(30), int64(40), "z"},
		"values": []any{int64(0), int64(1), int64(2), int64(3), int64(4)},
		"len":    int64(5), "min": 0.0, "max": 4.0, "sum": 10.0, "avg": 2.0, "keys": []any{"p"},
		"jq_b1": int64(20), "jq_q": "deep", "jq_iter": []any{int64(1), int64(2), nil},
		"tree_q": "deep", "tree_missing": nil,
		"a": "A", // discovered
	}
	for k, w := range want {
		got, ok := recs[0].Get(k)
		if !ok {
			t.Errorf("%s: missing", k)
			continue
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %#v, want %#v", k, got, w)
		}
	}
}

func TestFlattenNoDiscovery(t *testing.T) {
	f := mustFormat(t, `{"type":"json","flattenSpec":{"useFieldDiscovery":false,"fields":[{"type":"root","name":"t","expr":"timestamp"}]}}`)
	recs, _ := readAll(t, f, `{"timestamp":"2020","x":1}`)
	if want := (Record{{"t", "2020"}}); !reflect.DeepEqual(recs[0], want) {
		t.Errorf("got %#v, want %#v", recs[0], want)
	}
}

func TestJSONPathCompileErrors(t *testing.T) {
	for _, expr := range []string{"a.b", "$.", "$[", "$['a'", "$[x]", "$.a.nofn()", "$.a.length().b", "$..", "$a", "$.a.concat($.b)", "$.a.concat('x'", "$.a.length(1)", "$.a.concat('x',)"} {
		if _, err := CompileJSONPath(expr); err == nil {
			t.Errorf("%q: compiled", expr)
		}
	}
	for _, expr := range []string{"a", ".a | length", ".a + 1", ".[", `."a`} {
		if _, err := CompileJQ(expr); err == nil {
			t.Errorf("jq %q: compiled", expr)
		}
	}
}

func TestJavaDouble(t *testing.T) {
	tests := map[float64]string{1: "1.0", -143: "-143.0", 0.001: "0.001", 1e7: "1.0E7", 1.5e-5: "1.5E-5", 123456.789: "123456.789", 1e21: "1.0E21", math.NaN(): "NaN", math.Inf(-1): "-Infinity", 0: "0.0"}
	for f, want := range tests {
		if got := JavaDouble(f); got != want {
			t.Errorf("JavaDouble(%v) = %q, want %q", f, got, want)
		}
	}
}

func FuzzJSONParser(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":1,"b":2,"a":3}`, `{"b":1,"a":2}`, `{"a\u0062":1,"ab":2}`, `{"a":[1,2.5,"x",{"b":null}],"c":true}`, `"\ud83d\ude00"`, `-0.0e+1`, `{"a":"\u00e9"}`, `[`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := newJSONParser()
		got, err := p.parseDocument(data)
		valid := json.Valid(data)
		if (err == nil) != valid {
			t.Fatalf("parser err=%v, json.Valid=%v for %q", err, valid, data)
		}
		if !valid {
			return
		}
		d := json.NewDecoder(strings.NewReader(string(data)))
		d.UseNumber()
		var std any
		if err := d.Decode(&std); err != nil {
			t.Fatal(err)
		}
		if want := fromStd(std); !equalNaN(got, want) {
			t.Fatalf("value mismatch for %q:\n got %#v\nwant %#v", data, got, want)
		}
		// A record holds the object's members once each, also when the
		// parser's key cache comes from a previous record.
		m, isObj := fromStd(std).(map[string]any)
		for pass := range 2 {
			rec, err := p.parseObjectRecord(data, nil)
			if !isObj {
				if err == nil {
					t.Fatalf("non-object %q parsed as a record", data)
				}
				return
			}
			if err != nil {
				t.Fatalf("pass %d: %v", pass, err)
			}
			if len(rec) != len(m) {
				t.Fatalf("pass %d: %d fields, want %d: %#v", pass, len(rec), len(m), rec)
			}
			for _, fl := range rec {
				if w, ok := m[fl.Name]; !ok || !reflect.DeepEqual(fl.Value, w) {
					t.Fatalf("pass %d: field %q = %#v, want %#v", pass, fl.Name, fl.Value, w)
				}
			}
		}
	})
}

func equalNaN(a, b any) bool { return reflect.DeepEqual(a, b) }

func FuzzJSONPath(f *testing.F) {
	for _, s := range []string{"$.a", "$.a[0].b", "$['x y'][1]", "$..v", "$.a[*].length()", "$.values.sum()", "$[-1]"} {
		f.Add(s, `{"a":[{"b":1}],"x y":[1,2],"values":[1,2]}`)
	}
	f.Fuzz(func(t *testing.T, expr, doc string) {
		p, err := CompileJSONPath(expr)
		if err != nil {
			return
		}
		v, err := newJSONParser().parseDocument([]byte(doc))
		if err != nil {
			return
		}
		_ = p.Eval(v)
		if q, err := CompileJQ(strings.TrimPrefix(expr, "$")); err == nil {
			_ = q.Eval(v)
		}
	})
}
