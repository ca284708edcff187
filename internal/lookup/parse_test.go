package lookup

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func parseSpec(t testing.TB, js string) ParseSpec {
	t.Helper()
	p, err := decodeParseSpec(json.RawMessage(js), "namespaceParseSpec")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, spec, data string
		want             map[string]string
		errMsg           string
	}{
		{"csv", `{"format":"csv","columns":["k","v"]}`, "a,1\nb,\"two, quoted\"\n\nc,3\n", map[string]string{"a": "1", "b": "two, quoted", "c": "3"}, ""},
		{"csv key and value columns", `{"format":"csv","columns":["x","k","v"],"keyColumn":"k","valueColumn":"x"}`, "1,a,A\n2,b,B\n", map[string]string{"a": "1", "b": "2"}, ""},
		{"csv header row", `{"format":"csv","hasHeaderRow":true,"valueColumn":"name"}`, "id,code,name\n1,x,One\n2,y,Two\n", map[string]string{"1": "One", "2": "Two"}, ""},
		{"csv skip rows then header", `{"format":"csv","columns":["k","v"],"hasHeaderRow":true,"skipHeaderRows":1}`, "junk\nk,v\na,b\n", map[string]string{"a": "b"}, ""},
		{"csv missing value skipped", `{"format":"csv","columns":["k","v"]}`, "a\nb,2\n", map[string]string{"b": "2"}, ""},
		{"csv missing key", `{"format":"csv","columns":["k","v"]}`, ",1\n", nil, "line 1: key column \"k\" has no data"},
		{"csv bad quote", `{"format":"csv","columns":["k","v"]}`, "a,\"b\n", nil, "lookup file f"},
		{"csv header too short", `{"format":"csv","hasHeaderRow":true}`, "only\n", nil, "header row (line 1)"},
		{"tsv", `{"format":"tsv","columns":["k","v"]}`, "a\t1\r\nb\t2\n", map[string]string{"a": "1", "b": "2"}, ""},
		{"tsv delimiter", `{"format":"tsv","columns":["k","v"],"delimiter":"|"}`, "a|1\nb|x\ty\n", map[string]string{"a": "1", "b": "x\ty"}, ""},
		{"customJson", `{"format":"customJson","keyFieldName":"id","valueFieldName":"name"}`, `{"id":"a","name":"A"}` + "\n" + `{"id":2,"name":true,"x":[1]}` + "\n" + `{"id":"n","name":null}`, map[string]string{"a": "A", "2": "true"}, ""},
		{"customJson missing key", `{"format":"customJson","keyFieldName":"id","valueFieldName":"name"}`, `{"name":"A"}`, nil, `line 1: key field "id"`},
		{"customJson object value", `{"format":"customJson","keyFieldName":"id","valueFieldName":"name"}`, `{"id":"a","name":{}}`, nil, `value field "name"`},
		{"customJson not an object", `{"format":"customJson","keyFieldName":"id","valueFieldName":"name"}`, "\n[1]", nil, "line 2: expected a JSON object"},
		{"simpleJson", `{"format":"simpleJson"}`, `{"a":"A","b":"B"}` + "\n" + `{"c":3,"d":null}`, map[string]string{"a": "A", "b": "B", "c": "3"}, ""},
		{"simpleJson array value", `{"format":"simpleJson"}`, `{"a":["A"]}`, nil, `key "a"`},
		{"simpleJson garbage", `{"format":"simpleJson"}`, `{"a":`, nil, "line 1"},
	}
	for _, tt := range tests {
		got, err := parseSpec(t, tt.spec).Parse(strings.NewReader(tt.data), "f")
		if tt.errMsg != "" {
			if err == nil || base.ClassOf(err) != base.ClassInvalidInput || !strings.Contains(err.Error(), tt.errMsg) {
				t.Errorf("%s: got %v, want an invalid-input error containing %q", tt.name, err, tt.errMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	specs := []string{
		`{"format":"csv","columns":["k","v"]}`,
		`{"format":"csv","hasHeaderRow":true,"skipHeaderRows":1}`,
		`{"format":"tsv","columns":["k","v","w"],"valueColumn":"w"}`,
		`{"format":"customJson","keyFieldName":"k","valueFieldName":"v"}`,
		`{"format":"simpleJson"}`,
	}
	f.Add(uint8(0), []byte("a,1\nb,\"2\"\n"))
	f.Add(uint8(1), []byte("x\nk,v\na,b\n"))
	f.Add(uint8(2), []byte("a\tb\tc\n\n"))
	f.Add(uint8(3), []byte(`{"k":"a","v":1}`+"\n"+`{"k":null}`))
	f.Add(uint8(4), []byte(`{"a":"b"}`+"\n"+`[]`))
	parsed := make([]ParseSpec, len(specs))
	for i, s := range specs {
		parsed[i] = parseSpec(f, s)
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		p := parsed[int(which)%len(parsed)]
		m, err := p.Parse(strings.NewReader(string(data)), "fuzz")
		if err != nil {
			if c := base.ClassOf(err); c != base.ClassInvalidInput {
				t.Fatalf("class %v: %v", c, err)
			}
			return
		}
		if m == nil {
			t.Fatal("nil map without error")
		}
	})
}

func FuzzDecodeFactory(f *testing.F) {
	f.Add([]byte(`{"type":"map","map":{"a":"b"}}`))
	f.Add([]byte(`{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"file:/x","namespaceParseSpec":{"format":"csv","columns":["a","b"]},"pollPeriod":"PT1S"}}`))
	f.Add([]byte(`{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uriPrefix":"/d","fileRegex":".*","namespaceParseSpec":{"format":"tsv","hasHeaderRow":true}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fac, err := DecodeFactory(data, "f")
		if err != nil {
			if c := base.ClassOf(err); c != base.ClassInvalidInput && c != base.ClassUnsupported {
				t.Fatalf("class %v: %v", c, err)
			}
			return
		}
		if (fac.Type == TypeMap) != (fac.Map != nil) || (fac.Type == TypeCachedNamespace) != (fac.Namespace != nil) {
			t.Fatalf("inconsistent factory %+v", fac)
		}
	})
}

func bytesReader(b []byte) *strings.Reader { return strings.NewReader(string(b)) }
