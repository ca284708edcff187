package lookup

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

func TestDecodeFactory(t *testing.T) {
	tests := []struct {
		in    string
		class base.Class // 0: decodes
		msg   string
		check func(t *testing.T, f *Factory)
	}{
		{in: `{"type":"map","map":{"a":"A","n":1,"z":null}}`, check: func(t *testing.T, f *Factory) {
			if len(f.Map) != 2 || f.Map["a"] != "A" || f.Map["n"] != "1" || f.Injective {
				t.Errorf("map %v injective %v", f.Map, f.Injective)
			}
		}},
		{in: `{"type":"map","map":{},"injective":true}`, check: func(t *testing.T, f *Factory) {
			if !f.Injective {
				t.Error("injective lost")
			}
		}},
		{in: `{"type":"map","map":{},"isOneToOne":true}`, check: func(t *testing.T, f *Factory) {
			if !f.Injective {
				t.Error("isOneToOne lost")
			}
		}},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"file:/tmp/x.json","namespaceParseSpec":{"format":"simpleJson"},"pollPeriod":"PT10S"},"firstCacheTimeout":0}`,
			check: func(t *testing.T, f *Factory) {
				ns := f.Namespace
				if ns.Path != "/tmp/x.json" || ns.PollPeriod != 10*time.Second || f.FirstCacheTimeout != 0 || ns.Parse.Format != FormatSimpleJSON {
					t.Errorf("namespace %+v timeout %v", ns, f.FirstCacheTimeout)
				}
			}},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"/tmp/x.tsv","namespaceParseSpec":{"format":"tsv","columns":["a","b","c"],"valueColumn":"c"},"pollPeriod":60000}}`,
			check: func(t *testing.T, f *Factory) {
				ns := f.Namespace
				if ns.Path != "/tmp/x.tsv" || ns.PollPeriod != time.Minute || f.FirstCacheTimeout != time.Minute || ns.Parse.Delimiter != "\t" {
					t.Errorf("namespace %+v timeout %v", ns, f.FirstCacheTimeout)
				}
			}},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uriPrefix":"file:///tmp/d/","fileRegex":"l.*\\.csv","namespaceParseSpec":{"format":"csv","hasHeaderRow":true},"pollPeriod":"P1D"}}`,
			check: func(t *testing.T, f *Factory) {
				ns := f.Namespace
				if ns.Prefix != "/tmp/d/" || !ns.FileRegex.MatchString("lookup.csv") || ns.FileRegex.MatchString("x-lookup.csv") || ns.PollPeriod != 24*time.Hour {
					t.Errorf("namespace %+v", ns)
				}
			}},
		{in: `{"type":"map"}`, class: base.ClassInvalidInput, msg: "f.map"},
		{in: `{"type":"map","map":{"a":["x"]}}`, class: base.ClassInvalidInput, msg: `key "a"`},
		{in: `{"type":"wat"}`, class: base.ClassInvalidInput, msg: "f.type"},
		{in: `{}`, class: base.ClassInvalidInput, msg: "f.type"},
		{in: `[]`, class: base.ClassInvalidInput, msg: "expected an object"},
		{in: `{"type":"cachedNamespace"}`, class: base.ClassInvalidInput, msg: "f.extractionNamespace"},
		{in: `{"type":"cachedNamespace","firstCacheTimeout":-1,"extractionNamespace":{}}`, class: base.ClassInvalidInput, msg: "f.firstCacheTimeout"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"jdbc"}}`, class: base.ClassUnsupported, msg: "jdbc"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"http://x/y.json","namespaceParseSpec":{"format":"simpleJson"}}}`, class: base.ClassUnsupported, msg: `scheme "http"`},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"s3://b/k","namespaceParseSpec":{"format":"simpleJson"}}}`, class: base.ClassUnsupported, msg: `scheme "s3"`},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","namespaceParseSpec":{"format":"simpleJson"}}}`, class: base.ClassInvalidInput, msg: "one of uri and uriPrefix"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"/a","uriPrefix":"/b","namespaceParseSpec":{"format":"simpleJson"}}}`, class: base.ClassInvalidInput, msg: "only one of"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uriPrefix":"/b","fileRegex":"(","namespaceParseSpec":{"format":"simpleJson"}}}`, class: base.ClassInvalidInput, msg: "fileRegex"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"/a","pollPeriod":"P1M","namespaceParseSpec":{"format":"simpleJson"}}}`, class: base.ClassInvalidInput, msg: "pollPeriod"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"/a","pollPeriod":"soon","namespaceParseSpec":{"format":"simpleJson"}}}`, class: base.ClassInvalidInput, msg: "pollPeriod"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"/a"}}`, class: base.ClassInvalidInput, msg: "namespaceParseSpec"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"/a","namespaceParseSpec":{"format":"xml"}}}`, class: base.ClassInvalidInput, msg: "format"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"/a","namespaceParseSpec":{"format":"csv"}}}`, class: base.ClassInvalidInput, msg: "columns"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"/a","namespaceParseSpec":{"format":"csv","columns":["a"]}}}`, class: base.ClassInvalidInput, msg: "at least 2"},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"/a","namespaceParseSpec":{"format":"csv","columns":["a","b"],"keyColumn":"c"}}}`, class: base.ClassInvalidInput, msg: `keyColumn "c"`},
		{in: `{"type":"cachedNamespace","extractionNamespace":{"type":"uri","uri":"/a","namespaceParseSpec":{"format":"customJson","keyFieldName":"k"}}}`, class: base.ClassInvalidInput, msg: "valueFieldName"},
	}
	for _, tt := range tests {
		f, err := DecodeFactory(json.RawMessage(tt.in), "f")
		if tt.class != 0 {
			if err == nil || base.ClassOf(err) != tt.class || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%s: got %v, want class %v containing %q", tt.in, err, tt.class, tt.msg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		tt.check(t, f)
	}
}

func TestDecodeSpec(t *testing.T) {
	s, f, err := DecodeSpec(json.RawMessage(`{"version":"v1","lookupExtractorFactory":{"type":"map","map":{"a":"b"}}}`), "l")
	if err != nil || s.Version != "v1" || f.Map["a"] != "b" {
		t.Fatalf("%+v %+v %v", s, f, err)
	}
	b, _ := json.Marshal(s)
	if string(b) != `{"version":"v1","lookupExtractorFactory":{"type":"map","map":{"a":"b"}}}` {
		t.Errorf("re-encoded %s", b)
	}
	for in, msg := range map[string]string{
		`{"lookupExtractorFactory":{"type":"map","map":{}}}`: "l.version",
		`{"version":"","lookupExtractorFactory":{}}`:         "l.version",
		`{"version":"v1"}`: "l.lookupExtractorFactory",
		`{"version":"v1","lookupExtractorFactory":{"type":1}}`: "l.lookupExtractorFactory.type",
	} {
		if _, _, err := DecodeSpec(json.RawMessage(in), "l"); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: got %v, want an error naming %s", in, err, msg)
		}
	}
}
