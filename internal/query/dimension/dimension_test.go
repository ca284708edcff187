package dimension

import (
	"encoding/json"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func TestDecodeSpec(t *testing.T) {
	tests := []struct {
		in    string
		want  string
		class base.Class
	}{
		{`"page"`, `{"type":"default","dimension":"page","outputName":"page","outputType":"STRING"}`, 0},
		{`{"dimension":"added","outputName":"a","outputType":"long"}`, `{"type":"default","dimension":"added","outputName":"a","outputType":"LONG"}`, 0},
		{`{"type":"default","dimension":"x","outputType":"DOUBLE"}`, `{"type":"default","dimension":"x","outputName":"x","outputType":"DOUBLE"}`, 0},
		{`""`, "", base.ClassInvalidInput},
		{`null`, "", base.ClassInvalidInput},
		{`{"type":"default"}`, "", base.ClassInvalidInput},
		{`{"type":"default","dimension":"x","outputType":"COMPLEX<json>"}`, "", base.ClassInvalidInput},
		{`{"type":"extraction","dimension":"x"}`, "", base.ClassInvalidInput},
		{`{"type":"extraction","dimension":"x","extractionFn":{"type":"registeredLookup","lookup":"x"}}`, "", base.ClassInvalidInput},
		{`{"type":"extraction","dimension":"x","extractionFn":{"type":"upper"}}`, `{"type":"extraction","dimension":"x","outputName":"x","outputType":"STRING","extractionFn":{"type":"upper"}}`, 0},
		{`{"type":"lookup","dimension":"x","name":"l"}`, "", base.ClassInvalidInput},
		{`{"type":"lookup","dimension":"x","outputName":"y","lookup":{"type":"map","map":{"a":"A"}}}`, `{"type":"extraction","dimension":"x","outputName":"y","outputType":"STRING","extractionFn":{"lookup":{"type":"map","map":{"a":"A"}},"type":"lookup"}}`, 0},
		{`{"type":"lookup","dimension":"x"}`, "", base.ClassInvalidInput},
		{`{"type":"wat","dimension":"x"}`, "", base.ClassInvalidInput},
	}
	for _, tt := range tests {
		s, err := DecodeSpec(json.RawMessage(tt.in), "dimensions[0]")
		if tt.want == "" {
			if err == nil || base.ClassOf(err) != tt.class {
				t.Errorf("%s: got %v (%v), want class %v", tt.in, err, base.ClassOf(err), tt.class)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		b, _ := json.Marshal(s)
		if string(b) != tt.want {
			t.Errorf("%s: got %s want %s", tt.in, b, tt.want)
		}
	}
}

func FuzzDecodeSpec(f *testing.F) {
	f.Add([]byte(`"page"`))
	f.Add([]byte(`{"type":"default","dimension":"x","outputName":"y","outputType":"LONG"}`))
	f.Add([]byte(`{"type":"extraction","dimension":"x","extractionFn":{"type":"substring","index":1}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := DecodeSpec(in, "d")
		if err != nil {
			if c := base.ClassOf(err); c != base.ClassInvalidInput && c != base.ClassUnsupported {
				t.Fatalf("class %v: %v", c, err)
			}
			return
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := DecodeSpec(b, "d")
		if err != nil {
			t.Fatalf("re-decode %s: %v", b, err)
		}
		// Compare the second and third generations: the first may
		// still hold invalid UTF-8 that encoding turns into U+FFFD.
		b2, _ := json.Marshal(s2)
		s3, err := DecodeSpec(b2, "d")
		if err != nil {
			t.Fatalf("re-decode %s: %v", b2, err)
		}
		if b3, _ := json.Marshal(s3); string(b2) != string(b3) {
			t.Fatalf("round trip %s vs %s", b2, b3)
		}
		if s.ExtractionFn != nil {
			s.ExtractionFn.ApplyValue("abc")
			s.ExtractionFn.ApplyValue(int64(1377910800000))
			s.ExtractionFn.ApplyValue(nil)
			s.ExtractionFn.ApplyValue([]string{"a", ""})
		}
	})
}
