package filter

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// rows used by the evaluation table: index → row.
var rows = []MapRow{
	0: {"page": "Apple", "added": int64(10), "delta": 1.5, "f": float32(2.5), "tags": []string{"a", "b"}, "__time": int64(1377910800000)},
	1: {"page": "banana", "added": int64(-3), "delta": nil, "tags": []string{}, "__time": int64(1377997200000)},
	2: {"page": nil, "added": nil, "delta": 100.0, "tags": []string{"c", ""}, "__time": int64(0)},
	3: {"page": "10", "added": int64(2), "delta": 2.0, "tags": "a", "num": "9", "arr": []any{int64(1), int64(2)}},
}

// results lists, for each row, T (true), F (false) or U (unknown).
func TestEval(t *testing.T) {
	tests := []struct {
		filter string
		want   string
	}{
		{`{"type":"true"}`, "TTTT"},
		{`{"type":"false"}`, "FFFF"},
		{`{"type":"selector","dimension":"page","value":"Apple"}`, "TFUF"},
		{`{"type":"selector","dimension":"page","value":null}`, "FFTF"},
		{`{"type":"selector","dimension":"page"}`, "FFTF"},
		{`{"type":"not","field":{"type":"selector","dimension":"page","value":"Apple"}}`, "FTUT"},
		{`{"type":"selector","dimension":"added","value":10}`, "TFUF"},
		{`{"type":"selector","dimension":"added","value":"10.0"}`, "TFUF"},
		{`{"type":"selector","dimension":"delta","value":"1.5"}`, "TUFF"},
		{`{"type":"selector","dimension":"f","value":"2.5"}`, "TUUU"},
		{`{"type":"selector","dimension":"tags","value":"b"}`, "TUFF"},
		{`{"type":"selector","dimension":"tags","value":null}`, "FTFF"},
		{`{"type":"selector","dimension":"tags","value":""}`, "FUTF"},
		{`{"type":"not","field":{"type":"selector","dimension":"tags","value":"a"}}`, "FUTF"},
		{`{"type":"equals","column":"page","matchValueType":"STRING","matchValue":"banana"}`, "FTUF"},
		{`{"type":"equals","column":"added","matchValueType":"LONG","matchValue":"10"}`, "TFUF"},
		{`{"type":"equals","column":"delta","matchValueType":"DOUBLE","matchValue":2}`, "FUFT"},
		{`{"type":"equals","column":"page","matchValueType":"LONG","matchValue":10}`, "FFUT"},
		{`{"type":"equals","column":"arr","matchValueType":"ARRAY<LONG>","matchValue":[1,2]}`, "UUUT"},
		{`{"type":"not","field":{"type":"equals","column":"page","matchValueType":"STRING","matchValue":"banana"}}`, "TFUT"},
		{`{"type":"null","column":"page"}`, "FFTF"},
		{`{"type":"null","column":"tags"}`, "FTFF"},
		{`{"type":"not","field":{"type":"null","column":"delta"}}`, "TFTT"},
		{`{"type":"in","dimension":"page","values":["Apple","10"]}`, "TFUT"},
		{`{"type":"in","dimension":"page","values":["Apple",null]}`, "TFTF"},
		{`{"type":"in","dimension":"added","values":["10","2"]}`, "TFUT"},
		{`{"type":"in","dimension":"tags","values":["c","x"]}`, "FUTF"},
		{`{"type":"bound","dimension":"page","lower":"A","upper":"b"}`, "TFUF"},
		{`{"type":"bound","dimension":"page","lower":"Apple","lowerStrict":true}`, "FTUF"},
		{`{"type":"bound","dimension":"added","lower":"2","upper":"10","upperStrict":true,"ordering":"numeric"}`, "FFUT"},
		{`{"type":"bound","dimension":"added","lower":"2","ordering":{"type":"numeric"}}`, "TFUT"},
		{`{"type":"bound","dimension":"added","lower":"2"}`, "FFUT"},
		{`{"type":"bound","dimension":"num","lower":"10","ordering":"numeric"}`, "UUUF"},
		{`{"type":"bound","dimension":"num","lower":"10","ordering":"alphanumeric"}`, "UUUF"},
		{`{"type":"bound","dimension":"num","lower":"10"}`, "UUUT"},
		{`{"type":"bound","dimension":"page","upper":"zzzzz","ordering":"strlen"}`, "TFUT"},
		{`{"type":"range","column":"added","matchValueType":"LONG","lower":2,"upper":10,"upperOpen":true}`, "FFUT"},
		{`{"type":"range","column":"delta","matchValueType":"DOUBLE","lower":1.5,"lowerOpen":true}`, "FUTT"},
		{`{"type":"range","column":"page","matchValueType":"STRING","upper":"B"}`, "TFUT"},
		{`{"type":"range","column":"num","matchValueType":"LONG","lower":10}`, "UUUF"},
		{`{"type":"like","dimension":"page","pattern":"%an%"}`, "FTUF"},
		{`{"type":"like","dimension":"page","pattern":"A___e"}`, "TFUF"},
		{`{"type":"like","dimension":"page","pattern":"1!%","escape":"!"}`, "FFUF"},
		{`{"type":"like","dimension":"added","pattern":"1%"}`, "TFUF"},
		{`{"type":"regex","dimension":"page","pattern":"^[a-z]"}`, "FTUF"},
		{`{"type":"regex","dimension":"page","pattern":"an"}`, "FTUF"},
		{`{"type":"search","dimension":"page","query":{"type":"insensitive_contains","value":"APP"}}`, "TFUF"},
		{`{"type":"search","dimension":"page","query":{"type":"contains","value":"APP","case_sensitive":true}}`, "FFUF"},
		{`{"type":"search","dimension":"page","query":{"type":"fragment","values":["b","na"]}}`, "FTUF"},
		{`{"type":"interval","dimension":"__time","intervals":["2013-08-31/2013-09-01"]}`, "TFFU"},
		{`{"type":"and","fields":[{"type":"selector","dimension":"page","value":"Apple"},{"type":"true"}]}`, "TFUF"},
		{`{"type":"and","fields":[{"type":"selector","dimension":"page","value":"Apple"},{"type":"false"}]}`, "FFFF"},
		{`{"type":"or","fields":[{"type":"selector","dimension":"page","value":"Apple"},{"type":"false"}]}`, "TFUF"},
		{`{"type":"or","fields":[{"type":"selector","dimension":"page","value":"Apple"},{"type":"true"}]}`, "TTTT"},
		{`{"type":"not","field":{"type":"not","field":{"type":"selector","dimension":"page","value":"Apple"}}}`, "TFUF"},
		{`{"type":"columnComparison","dimensions":["page","num"]}`, "FFTF"},
		{`{"type":"columnComparison","dimensions":["added",{"type":"default","dimension":"page"}]}`, "FFTF"},
		{`{"type":"columnComparison","dimensions":["tags","page"]}`, "FFFF"},
		{`{"type":"arrayContainsElement","column":"arr","elementMatchValueType":"LONG","elementMatchValue":2}`, "UUUT"},
		{`{"type":"expression","expression":"added > 5"}`, "TFUF"},
		{`{"type":"selector","dimension":"page","value":"APPLE","extractionFn":{"type":"upper"}}`, "TFUF"},
		{`{"type":"selector","dimension":"page","value":null,"extractionFn":{"type":"substring","index":5}}`, "TFTT"},
		{`{"type":"selector","dimension":"page","value":"ban","extractionFn":{"type":"substring","index":0,"length":3}}`, "FTUF"},
		{`{"type":"in","dimension":"page","values":["5","6"],"extractionFn":{"type":"strlen"}}`, "TTUF"},
		{`{"type":"bound","dimension":"page","lower":"5","ordering":"numeric","extractionFn":{"type":"strlen"}}`, "TTUF"},
		{`{"type":"selector","dimension":"page","value":"fruit","extractionFn":{"type":"lookup","lookup":{"type":"map","map":{"Apple":"fruit","banana":"fruit"}}}}`, "TTUU"},
		{`{"type":"selector","dimension":"page","value":"other","extractionFn":{"type":"lookup","lookup":{"type":"map","map":{"Apple":"fruit"}},"replaceMissingValueWith":"other"}}`, "FTTT"},
		{`{"type":"selector","dimension":"page","value":"10","extractionFn":{"type":"lookup","lookup":{"type":"map","map":{"Apple":"fruit"}},"retainMissingValue":true}}`, "FFUT"},
		{`{"type":"selector","dimension":"page","value":"an","extractionFn":{"type":"regex","expr":"(a.)a"}}`, "FTUF"},
		{`{"type":"selector","dimension":"page","value":"none","extractionFn":{"type":"regex","expr":"^z(.)","replaceMissingValue":true,"replaceMissingValueWith":"none"}}`, "TTTT"},
		{`{"type":"like","dimension":"page","pattern":"[%]","extractionFn":{"type":"stringFormat","format":"[%s]"}}`, "TTTT"},
		{`{"type":"selector","dimension":"page","value":"[null]","extractionFn":{"type":"stringFormat","format":"[%s]"}}`, "FFTF"},
		{`{"type":"selector","dimension":"page","value":"APP","extractionFn":{"type":"cascade","extractionFns":[{"type":"substring","index":0,"length":3},{"type":"upper"}]}}`, "TFUF"},
		{`{"type":"selector","dimension":"page","value":"Apple","extractionFn":{"type":"partial","expr":"^A"}}`, "TUUU"},
		{`{"type":"selector","dimension":"__time","value":"2013-08-31","extractionFn":{"type":"timeFormat","format":"yyyy-MM-dd"}}`, "TFFU"},
		{`{"type":"selector","dimension":"__time","value":"Friday","extractionFn":{"type":"timeFormat","format":"EEEE","timeZone":"America/New_York","locale":"en"}}`, "TFFU"},
		{`{"type":"selector","dimension":"added","value":"0","extractionFn":{"type":"bucket","size":5}}`, "FFUT"},
		{`{"type":"interval","dimension":"page","intervals":["1970/1971"],"extractionFn":{"type":"strlen"}}`, "TTUT"},
		{`{"type":"extraction","dimension":"page","value":"a","extractionFn":{"type":"substring","index":1,"length":1}}`, "FTUF"},
		{`{"type":"columnComparison","dimensions":[{"type":"extraction","dimension":"page","outputName":"p","extractionFn":{"type":"strlen"}},"added"]}`, "FFTT"},
		{`{"type":"expression","expression":"concat(page, 'x') == 'bananax'"}`, "FTUF"},
		{`{"type":"not","field":{"type":"expression","expression":"added > 5"}}`, "FTUT"},
		{`{"type":"expression","expression":"delta"}`, "TUTT"},
	}
	for _, tt := range tests {
		f, err := Decode(json.RawMessage(tt.filter), "filter")
		if err != nil {
			t.Fatalf("%s: %v", tt.filter, err)
		}
		for _, variant := range []Filter{f, Normalize(f)} {
			m, err := Compile(variant)
			if err != nil {
				t.Fatalf("%s: compile: %v", tt.filter, err)
			}
			var got strings.Builder
			for _, r := range rows {
				got.WriteByte("FTU"[map[Tri]int{TriFalse: 0, TriTrue: 1, TriUnknown: 2}[m.Eval(r)]])
			}
			if got.String() != tt.want {
				t.Errorf("%s\n got %s, want %s", tt.filter, got.String(), tt.want)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"type":"and","fields":[{"type":"and","fields":[{"type":"null","column":"a"},{"type":"null","column":"b"}]},{"type":"true"},{"type":"null","column":"c"}]}`,
			`{"type":"and","fields":[{"type":"null","column":"a"},{"type":"null","column":"b"},{"type":"null","column":"c"}]}`},
		{`{"type":"or","fields":[{"type":"false"},{"type":"null","column":"a"}]}`, `{"type":"null","column":"a"}`},
		{`{"type":"or","fields":[{"type":"null","column":"a"},{"type":"not","field":{"type":"false"}}]}`, `{"type":"true"}`},
		{`{"type":"not","field":{"type":"not","field":{"type":"null","column":"a"}}}`, `{"type":"null","column":"a"}`},
		{`{"type":"and","fields":[{"type":"true"}]}`, `{"type":"true"}`},
		{`{"type":"or","fields":[{"type":"or","fields":[{"type":"false"}]}]}`, `{"type":"false"}`},
		{`{"type":"not","field":{"type":"and","fields":[{"type":"null","column":"a"},{"type":"false"}]}}`, `{"type":"true"}`},
	}
	for _, tt := range tests {
		f, err := Decode(json.RawMessage(tt.in), "filter")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(Normalize(f))
		if string(b) != tt.want {
			t.Errorf("Normalize(%s)\n got %s\nwant %s", tt.in, b, tt.want)
		}
	}
}

func TestRequiredColumns(t *testing.T) {
	f, err := Decode(json.RawMessage(`{"type":"and","fields":[{"type":"selector","dimension":"b","value":"x"},{"type":"or","fields":[{"type":"null","column":"a"},{"type":"in","dimension":"b","values":[]}]},{"type":"columnComparison","dimensions":["c","a"]}]}`), "filter")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"b", "a", "c"}, RequiredColumns(f)); d != "" {
		t.Error(d)
	}
	f, _ = Decode(json.RawMessage(`{"type":"or","fields":[{"type":"expression","expression":"x + \"y z\" > 1"},{"type":"null","column":"x"}]}`), "filter")
	if d := cmp.Diff([]string{"x", "y z"}, RequiredColumns(f)); d != "" {
		t.Error(d)
	}
	if RequiredColumns(nil) != nil {
		t.Error("nil filter has columns")
	}
}

// TestDecodeErrors golden-files the message and class of every rejected
// filter in testdata/decode_errors.txt.
func TestDecodeErrors(t *testing.T) {
	inputs := []string{
		`"selector"`,
		`[]`,
		`{}`,
		`{"type":7}`,
		`{"type":"nope"}`,
		`{"type":"selector"}`,
		`{"type":"selector","dimension":""}`,
		`{"type":"selector","dimension":{"a":1}}`,
		`{"type":"selector","dimension":"d","value":[1]}`,
		`{"type":"equals","column":"c","matchValueType":"LONG"}`,
		`{"type":"equals","column":"c","matchValueType":"WHAT","matchValue":1}`,
		`{"type":"equals","column":"c","matchValueType":"LONG","matchValue":"abc"}`,
		`{"type":"equals","column":"c","matchValueType":"ARRAY<LONG>","matchValue":1}`,
		`{"type":"in","dimension":"d"}`,
		`{"type":"in","dimension":"d","values":"a"}`,
		`{"type":"in","dimension":"d","values":[{"x":1}]}`,
		`{"type":"bound","dimension":"d"}`,
		`{"type":"bound","dimension":"d","lower":"1","ordering":"backwards"}`,
		`{"type":"bound","dimension":"d","lower":"1","lowerStrict":"maybe"}`,
		`{"type":"range","column":"c","matchValueType":"LONG"}`,
		`{"type":"like","dimension":"d","pattern":"a!","escape":"!"}`,
		`{"type":"like","dimension":"d","pattern":"a","escape":"!!"}`,
		`{"type":"regex","dimension":"d","pattern":"(a"}`,
		`{"type":"regex","dimension":"d","pattern":"(?<=a)b"}`,
		`{"type":"search","dimension":"d"}`,
		`{"type":"search","dimension":"d","query":{"type":"soundex","value":"x"}}`,
		`{"type":"search","dimension":"d","query":{"type":"fragment","values":[]}}`,
		`{"type":"and","fields":[]}`,
		`{"type":"and"}`,
		`{"type":"or","fields":[{"type":"true"},null]}`,
		`{"type":"or","fields":[{"type":"true"},{"type":"selector"}]}`,
		`{"type":"not"}`,
		`{"type":"not","field":"x"}`,
		`{"type":"interval","dimension":"__time","intervals":["2013-01-01"]}`,
		`{"type":"interval","dimension":"__time"}`,
		`{"type":"expression","expression":"  "}`,
		`{"type":"expression","expression":"a +* b"}`,
		`{"type":"expression","expression":"nosuchfn(a)"}`,
		`{"type":"columnComparison","dimensions":["a"]}`,
		`{"type":"columnComparison","dimensions":["a",[1]]}`,
		`{"type":"selector","dimension":"d","value":"v","extractionFn":{"type":"registeredLookup","lookup":"l"}}`,
		`{"type":"selector","dimension":"d","value":"v","extractionFn":{"type":"substring","index":-1}}`,
		`{"type":"selector","dimension":"d","value":"v","extractionFn":{"type":"regex","expr":"(a"}}`,
		`{"type":"selector","dimension":"d","value":"v","extractionFn":{"type":"stringFormat","format":"%d"}}`,
		`{"type":"selector","dimension":"d","value":"v","extractionFn":{"type":"cascade","extractionFns":[]}}`,
		`{"type":"selector","dimension":"d","value":"v","extractionFn":{"type":"timeFormat","timeZone":"Mars/Olympus"}}`,
		`{"type":"selector","dimension":"d","value":"v","extractionFn":{"type":"frobnicate"}}`,
		`{"type":"javascript","dimension":"d","function":"x"}`,
		`{"type":"selector","dimension":"d","value":"v"`,
	}
	var out strings.Builder
	for _, in := range inputs {
		_, err := Decode(json.RawMessage(in), "filter")
		if err == nil {
			t.Errorf("%s: accepted", in)
			continue
		}
		c := base.ClassOf(err)
		if c != base.ClassInvalidInput && c != base.ClassUnsupported {
			t.Errorf("%s: class %v", in, c)
		}
		out.WriteString(in + "\n  " + c.String() + ": " + err.Error() + "\n")
	}
	golden(t, "decode_errors.txt", out.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, d)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, s := range seeds {
		roundTrip(t, []byte(s))
	}
}

func roundTrip(t *testing.T, in []byte) {
	f, err := Decode(in, "filter")
	if err != nil || f == nil {
		return
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatalf("marshal %s: %v", in, err)
	}
	// Start from the re-encoded form: the input may hold invalid UTF-8,
	// which encoding replaces with U+FFFD.
	if f, err = Decode(b, "filter"); err != nil {
		t.Fatalf("re-decode %s (from %s): %v", b, in, err)
	}
	b, _ = json.Marshal(f)
	g, err := Decode(b, "filter")
	if err != nil {
		t.Fatalf("re-decode %s (from %s): %v", b, in, err)
	}
	b2, _ := json.Marshal(g)
	if string(b) != string(b2) {
		t.Fatalf("round trip changed the filter:\n%s\n%s", b, b2)
	}
	if m, err := Compile(f); err == nil {
		for _, r := range rows {
			m.Eval(r)
		}
	}
	Normalize(f)
	RequiredColumns(f)
}

var seeds = []string{
	`{"type":"selector","dimension":"page","value":"Apple"}`,
	`{"type":"selector","dimension":"page","value":null}`,
	`{"type":"equals","column":"c","matchValueType":"DOUBLE","matchValue":1.5}`,
	`{"type":"equals","column":"c","matchValueType":"ARRAY<STRING>","matchValue":["a",null]}`,
	`{"type":"in","dimension":"d","values":["a",null,3]}`,
	`{"type":"bound","dimension":"d","lower":"1","upper":"9","lowerStrict":true,"ordering":"numeric"}`,
	`{"type":"range","column":"c","matchValueType":"LONG","lower":1,"upperOpen":true}`,
	`{"type":"null","column":"c"}`,
	`{"type":"like","dimension":"d","pattern":"a\\%_%","escape":"\\"}`,
	`{"type":"regex","dimension":"d","pattern":"^a.*b$"}`,
	`{"type":"search","dimension":"d","query":{"type":"fragment","values":["a","b"],"case_sensitive":true}}`,
	`{"type":"and","fields":[{"type":"or","fields":[{"type":"true"},{"type":"false"}]},{"type":"not","field":{"type":"null","column":"x"}}]}`,
	`{"type":"interval","dimension":"__time","intervals":["2013-01-01/P1D","2014-01-01/2015-01-01"]}`,
	`{"type":"expression","expression":"a > 1"}`,
	`{"type":"columnComparison","dimensions":["a",{"type":"default","dimension":"b","outputName":"c","outputType":"LONG"}]}`,
	`{"type":"arrayContainsElement","column":"arr","elementMatchValueType":"STRING","elementMatchValue":"x"}`,
}

func FuzzDecode(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"type":"not","field":{"type":"not","field":{"type":"not","field":{"type":"true"}}}}`))
	f.Add([]byte(`{"type":"bound","dimension":"d","upper":"x","ordering":{"type":"strlen"}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		roundTrip(t, in)
	})
}
