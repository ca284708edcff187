package specjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// Object is one JSON object of a spec together with its path.
type Object struct {
	// Path is the JSON path of the object, e.g. "spec.dataSchema"; empty for
	// the document root.
	Path    string
	members map[string]json.RawMessage
}

// Join returns the path of member key under path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index returns the path of element i under path.
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// Errorf returns a ClassInvalidInput error prefixed by path.
func Errorf(path, format string, args ...any) error {
	if path == "" {
		return base.Errorf(base.ClassInvalidInput, format, args...)
	}
	return base.Errorf(base.ClassInvalidInput, "%s: "+format, append([]any{path}, args...)...)
}

// Kind names the JSON kind of raw for error messages: "object", "array",
// "string", "number", "boolean", "null" or "invalid JSON".
func Kind(raw json.RawMessage) string {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "number"
	}
	return "invalid JSON"
}

// IsNull reports whether raw is absent or JSON null.
func IsNull(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) == 0 || string(b) == "null"
}

// Parse decodes raw as an object at path.
func Parse(raw json.RawMessage, path string) (Object, error) {
	if IsNull(raw) {
		return Object{}, Errorf(path, "expected an object, got null")
	}
	if Kind(raw) != "object" {
		return Object{}, Errorf(path, "expected an object, got %s", Kind(raw))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Object{}, Errorf(path, "invalid JSON: %w", err)
	}
	return Object{Path: path, members: m}, nil
}

// ParseDocument decodes a whole document, reporting syntax errors with their
// byte offset.
func ParseDocument(data []byte) (Object, error) {
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Object{}, base.Errorf(base.ClassInvalidInput, "invalid JSON at offset %d: %w", se.Offset, err)
		}
		return Object{}, base.Errorf(base.ClassInvalidInput, "invalid JSON: %w", err)
	}
	return Parse(data, "")
}

// Has reports whether key is present and not null.
func (o Object) Has(key string) bool { return !IsNull(o.members[key]) }

// Raw returns the raw member key, or nil when absent or null.
func (o Object) Raw(key string) json.RawMessage {
	r := o.members[key]
	if IsNull(r) {
		return nil
	}
	return r
}

// Keys returns the member names, sorted.
func (o Object) Keys() []string {
	keys := make([]string, 0, len(o.members))
	for k := range o.members {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// At returns the path of member key.
func (o Object) At(key string) string { return Join(o.Path, key) }

// Object returns member key as an object; ok is false when it is absent.
func (o Object) Object(key string) (obj Object, ok bool, err error) {
	raw := o.Raw(key)
	if raw == nil {
		return Object{Path: o.At(key)}, false, nil
	}
	obj, err = Parse(raw, o.At(key))
	return obj, err == nil, err
}

// RequiredObject returns member key as an object, failing when absent.
func (o Object) RequiredObject(key string) (Object, error) {
	obj, ok, err := o.Object(key)
	if err != nil {
		return obj, err
	}
	if !ok {
		return obj, Errorf(o.At(key), "required field is missing")
	}
	return obj, nil
}

// String returns member key as a string, or def when absent.
func (o Object) String(key, def string) (string, error) {
	raw := o.Raw(key)
	if raw == nil {
		return def, nil
	}
	var s string
	if Kind(raw) != "string" || json.Unmarshal(raw, &s) != nil {
		return def, Errorf(o.At(key), "expected a string, got %s", Kind(raw))
	}
	return s, nil
}

// RequiredString returns member key as a non-empty string.
func (o Object) RequiredString(key string) (string, error) {
	if !o.Has(key) {
		return "", Errorf(o.At(key), "required field is missing")
	}
	s, err := o.String(key, "")
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", Errorf(o.At(key), "must not be empty")
	}
	return s, nil
}

// Bool returns member key as a boolean, or def when absent. Like Jackson, the
// strings "true" and "false" are accepted too.
func (o Object) Bool(key string, def bool) (bool, error) {
	raw := o.Raw(key)
	if raw == nil {
		return def, nil
	}
	switch strings.TrimSpace(string(raw)) {
	case "true", `"true"`:
		return true, nil
	case "false", `"false"`:
		return false, nil
	}
	return def, Errorf(o.At(key), "expected a boolean, got %s", Kind(raw))
}

// Int returns member key as an integer, or def when absent. Integral numbers
// and strings holding them (as Jackson coerces) are accepted.
func (o Object) Int(key string, def int64) (int64, error) {
	raw := o.Raw(key)
	if raw == nil {
		return def, nil
	}
	s := strings.TrimSpace(string(raw))
	if Kind(raw) == "string" {
		if err := json.Unmarshal(raw, &s); err != nil {
			return def, Errorf(o.At(key), "expected an integer, got %s", Kind(raw))
		}
	} else if Kind(raw) != "number" {
		return def, Errorf(o.At(key), "expected an integer, got %s", Kind(raw))
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return int64(f), nil
	}
	return def, Errorf(o.At(key), "expected an integer, got %q", s)
}

// Strings returns member key as a list of strings (nil when absent).
func (o Object) Strings(key string) ([]string, error) {
	raw := o.Raw(key)
	if raw == nil {
		return nil, nil
	}
	if Kind(raw) != "array" {
		return nil, Errorf(o.At(key), "expected an array of strings, got %s", Kind(raw))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, Errorf(o.At(key), "invalid JSON: %w", err)
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if Kind(e) != "string" || json.Unmarshal(e, &out[i]) != nil {
			return nil, Errorf(Index(o.At(key), i), "expected a string, got %s", Kind(e))
		}
	}
	return out, nil
}

// Array returns member key as a list of raw elements (nil when absent).
func (o Object) Array(key string) ([]json.RawMessage, error) {
	raw := o.Raw(key)
	if raw == nil {
		return nil, nil
	}
	if Kind(raw) != "array" {
		return nil, Errorf(o.At(key), "expected an array, got %s", Kind(raw))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, Errorf(o.At(key), "invalid JSON: %w", err)
	}
	return elems, nil
}

// Type returns the "type" member, or def when absent.
func (o Object) Type(def string) (string, error) { return o.String("type", def) }
