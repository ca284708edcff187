// Package jsonspec decodes Druid's JSON spec objects (queries, filters,
// post-aggregators, having and limit specs) field by field, with Jackson's
// leniency rules and error messages that name the offending field by its
// path, e.g. `filter.fields[1].dimension: expected a string, got an object`.
//
// Druid's ObjectMapper ignores unknown properties
// (FAIL_ON_UNKNOWN_PROPERTIES is off) and coerces scalars: a number given
// for a string field becomes its decimal text, "true"/"false" are accepted
// for booleans and numeric strings for integers. An object or array where a
// scalar is expected, or a scalar where an object or array is expected, is an
// error. This package follows those rules so that every query Druid accepts
// decodes here too.
//
// All errors are base.ClassInvalidInput. An Object is used by one goroutine.
package jsonspec

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// Object is a decoded JSON object whose fields are read one at a time. The
// first error sticks: later reads return zero values and Err reports it.
type Object struct {
	Path   string
	fields map[string]json.RawMessage
	err    error
}

// Decode parses raw as a JSON object located at path.
func Decode(raw json.RawMessage, path string) (*Object, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: expected an object, got %s", Name(path), Kind(raw))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: malformed JSON: %w", Name(path), err)
	}
	return &Object{Path: path, fields: m}, nil
}

// Name returns path, or "query" for the empty path.
func Name(path string) string {
	if path == "" {
		return "query"
	}
	return path
}

// Join appends a field name to a path.
func Join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// Index appends an array index to a path.
func Index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// Kind names the JSON kind of raw for error messages.
func Kind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// IsNull reports whether raw is absent or JSON null.
func IsNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// Err returns the first error met while reading fields.
func (o *Object) Err() error { return o.err }

// Fail records err if no error was recorded yet, and returns the sticky error.
func (o *Object) Fail(err error) error {
	if o.err == nil {
		o.err = err
	}
	return o.err
}

// Failf records an invalid-input error about field (empty for the object
// itself).
func (o *Object) Failf(field, format string, args ...any) error {
	p := o.Path
	if field != "" {
		p = Join(o.Path, field)
	}
	return o.Fail(base.Errorf(base.ClassInvalidInput, "%s: "+format, append([]any{Name(p)}, args...)...))
}

// Has reports whether field is present and not null.
func (o *Object) Has(field string) bool { return !IsNull(o.fields[field]) }

// Raw returns the raw value of field (nil when absent).
func (o *Object) Raw(field string) json.RawMessage { return o.fields[field] }

// FieldPath returns the path of field.
func (o *Object) FieldPath(field string) string { return Join(o.Path, field) }

// Keys returns the field names present.
func (o *Object) Keys() []string {
	ks := make([]string, 0, len(o.fields))
	for k := range o.fields {
		ks = append(ks, k)
	}
	return ks
}

// Type reads the "type" discriminator, which must be a string when present.
func (o *Object) Type() string {
	s, _ := o.OptString("type")
	return s
}

// String reads a required string field.
func (o *Object) String(field string) string {
	s, ok := o.OptString(field)
	if !ok && o.err == nil {
		o.Failf(field, "required field is missing")
	}
	return s
}

// OptString reads an optional string field; ok is false when it is absent
// or null. Numbers and booleans are coerced to their text, as Jackson does.
func (o *Object) OptString(field string) (string, bool) {
	raw := o.fields[field]
	if o.err != nil || IsNull(raw) {
		return "", false
	}
	s, err := ScalarString(raw)
	if err != nil {
		o.Failf(field, "%v", err)
		return "", false
	}
	return s, true
}

// ScalarString converts a JSON scalar to a string as Jackson's coercion does.
func ScalarString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return "", errString("expected a string, got nothing")
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errString("malformed string")
		}
		return s, nil
	case raw[0] == '{' || raw[0] == '[':
		return "", errString("expected a string, got " + Kind(raw))
	}
	return string(raw), nil
}

type errString string

// Error implements error.
func (e errString) Error() string { return string(e) }

// Bool reads an optional boolean field with a default.
func (o *Object) Bool(field string, def bool) bool {
	raw := o.fields[field]
	if o.err != nil || IsNull(raw) {
		return def
	}
	b, err := ScalarBool(raw)
	if err != nil {
		o.Failf(field, "%v", err)
		return def
	}
	return b
}

// ScalarBool converts a JSON scalar to a boolean: true/false, the strings
// "true"/"false" (any case) and numbers (non-zero is true).
func ScalarBool(raw json.RawMessage) (bool, error) {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		_ = json.Unmarshal(raw, &s)
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false", "":
			return false, nil
		}
		return false, errString("expected a boolean, got the string " + strconv.Quote(s))
	}
	if len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return false, errString("expected a boolean, got " + string(raw))
		}
		return f != 0, nil
	}
	return false, errString("expected a boolean, got " + Kind(raw))
}

// Int reads an optional integer field with a default.
func (o *Object) Int(field string, def int64) int64 {
	v, ok := o.OptInt(field)
	if !ok {
		return def
	}
	return v
}

// OptInt reads an optional integer field; ok is false when absent or null.
func (o *Object) OptInt(field string) (int64, bool) {
	raw := o.fields[field]
	if o.err != nil || IsNull(raw) {
		return 0, false
	}
	v, err := ScalarInt(raw)
	if err != nil {
		o.Failf(field, "%v", err)
		return 0, false
	}
	return v, true
}

// ScalarInt converts a JSON number or numeric string to an int64. A number
// with a fractional part is truncated, as Jackson does for int fields.
func ScalarInt(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, errString("malformed string")
		}
		s = strings.TrimSpace(s)
	} else if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return 0, errString("expected an integer, got " + Kind(raw))
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, errString("expected an integer, got " + strconv.Quote(s))
	}
	return int64(f), nil
}

// OptFloat reads an optional floating-point field.
func (o *Object) OptFloat(field string) (float64, bool) {
	raw := o.fields[field]
	if o.err != nil || IsNull(raw) {
		return 0, false
	}
	v, err := ScalarFloat(raw)
	if err != nil {
		o.Failf(field, "%v", err)
		return 0, false
	}
	return v, true
}

// ScalarFloat converts a JSON number or numeric string to a float64.
// "NaN", "Infinity" and "-Infinity" strings are accepted, as Jackson does.
func ScalarFloat(raw json.RawMessage) (float64, error) {
	raw = bytes.TrimSpace(raw)
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, errString("malformed string")
		}
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	} else if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return 0, errString("expected a number, got " + Kind(raw))
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, errString("expected a number, got " + strconv.Quote(s))
	}
	return f, nil
}

// Array reads an optional array field and returns its elements. A missing
// or null field gives nil, ok=false.
func (o *Object) Array(field string) ([]json.RawMessage, bool) {
	raw := o.fields[field]
	if o.err != nil || IsNull(raw) {
		return nil, false
	}
	a, err := ParseArray(raw)
	if err != nil {
		o.Failf(field, "%v", err)
		return nil, false
	}
	return a, true
}

// ParseArray splits a JSON array into its raw elements.
func ParseArray(raw json.RawMessage) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil, errString("expected an array, got " + Kind(raw))
	}
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, errString("malformed array")
	}
	return a, nil
}

// Strings reads an optional array-of-strings field. A single string is
// accepted as a one-element list, as Jackson's ACCEPT_SINGLE_VALUE_AS_ARRAY
// does in Druid. Null elements are kept as nil pointers when allowNull is
// set and rejected otherwise.
func (o *Object) Strings(field string) ([]string, bool) {
	raw := o.fields[field]
	if o.err != nil || IsNull(raw) {
		return nil, false
	}
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] != '[' && t[0] != '{' {
		s, err := ScalarString(t)
		if err != nil {
			o.Failf(field, "%v", err)
			return nil, false
		}
		return []string{s}, true
	}
	a, ok := o.Array(field)
	if !ok {
		return nil, false
	}
	out := make([]string, len(a))
	for i, e := range a {
		if IsNull(e) {
			o.Failf(field, "element %d is null", i)
			return nil, false
		}
		s, err := ScalarString(e)
		if err != nil {
			o.Fail(base.Errorf(base.ClassInvalidInput, "%s: %v", Index(Join(o.Path, field), i), err))
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// NullableStrings reads an array whose elements are strings or nulls
// (a nil pointer stands for null).
func (o *Object) NullableStrings(field string) ([]*string, bool) {
	a, ok := o.Array(field)
	if !ok {
		return nil, false
	}
	out := make([]*string, len(a))
	for i, e := range a {
		if IsNull(e) {
			continue
		}
		s, err := ScalarString(e)
		if err != nil {
			o.Fail(base.Errorf(base.ClassInvalidInput, "%s: %v", Index(Join(o.Path, field), i), err))
			return nil, false
		}
		out[i] = &s
	}
	return out, true
}

// Scalar decodes a JSON scalar into a Go value: nil, string, bool, int64
// (integral numbers that fit) or float64. Arrays decode to []any of scalars.
// Objects are an error.
func Scalar(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if IsNull(raw) {
		return nil, nil
	}
	switch raw[0] {
	case '{':
		return nil, errString("expected a scalar value, got an object")
	case '[':
		a, err := ParseArray(raw)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(a))
		for i, e := range a {
			if t := bytes.TrimSpace(e); len(t) > 0 && (t[0] == '[' || t[0] == '{') {
				return nil, errString("expected an array of scalars, element " + strconv.Itoa(i) + " is " + Kind(t))
			}
			v, err := Scalar(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errString("malformed string")
		}
		return s, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	}
	s := string(raw)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, errString("malformed number " + strconv.Quote(s))
	}
	return f, nil
}
