package dimension

import (
	"bytes"
	"encoding/json"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
)

// Spec is a dimension spec: which column to read, the output name and type,
// and an optional extraction function.
type Spec struct {
	// Type is "default" or "extraction".
	Type       string
	Dimension  string
	OutputName string
	// OutputType is STRING unless given.
	OutputType   base.ColumnType
	ExtractionFn *ExtractionFn
}

// Default returns the spec a plain column name stands for.
func Default(column string) Spec {
	return Spec{Type: "default", Dimension: column, OutputName: column, OutputType: base.TypeString}
}

// MarshalJSON writes the canonical object form.
func (s Spec) MarshalJSON() ([]byte, error) {
	type out struct {
		Type         string          `json:"type"`
		Dimension    string          `json:"dimension"`
		OutputName   string          `json:"outputName"`
		OutputType   base.ColumnType `json:"outputType"`
		ExtractionFn *ExtractionFn   `json:"extractionFn,omitempty"`
	}
	return json.Marshal(out{s.Type, s.Dimension, s.OutputName, s.OutputType, s.ExtractionFn})
}

// DecodeSpec decodes a dimension spec at path: a string (a column name) or an
// object of type "default" (the type may be omitted) or "extraction".
func DecodeSpec(raw json.RawMessage, path string) (Spec, error) {
	return DecodeSpecWith(raw, path, nil)
}

// DecodeSpecWith is DecodeSpec resolving registeredLookup extraction
// functions through lookups.
func DecodeSpecWith(raw json.RawMessage, path string, lookups LookupFunc) (Spec, error) {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] != '{' {
		if t[0] == '[' || jsonspec.IsNull(t) {
			return Spec{}, base.Errorf(base.ClassInvalidInput, "%s: expected a column name or a dimension spec object, got %s", jsonspec.Name(path), jsonspec.Kind(t))
		}
		s, err := jsonspec.ScalarString(t)
		if err != nil {
			return Spec{}, base.Errorf(base.ClassInvalidInput, "%s: %v", jsonspec.Name(path), err)
		}
		if s == "" {
			return Spec{}, base.Errorf(base.ClassInvalidInput, "%s: empty column name", jsonspec.Name(path))
		}
		return Default(s), nil
	}
	o, err := jsonspec.Decode(t, path)
	if err != nil {
		return Spec{}, err
	}
	typ := o.Type()
	if typ == "" {
		typ = "default"
	}
	var s Spec
	switch typ {
	case "default", "extraction":
		s.Type = typ
	case "lookup":
		s.Type = typ
	case "listFiltered", "regexFiltered", "prefixFiltered":
		return Spec{}, base.Errorf(base.ClassUnsupported, "%s: dimension spec type %q is not supported yet", jsonspec.Name(path), typ)
	default:
		if o.Err() != nil {
			return Spec{}, o.Err()
		}
		return Spec{}, base.Errorf(base.ClassInvalidInput, "%s: unknown dimension spec type %q: expected one of default, extraction, listFiltered, regexFiltered, prefixFiltered, lookup", jsonspec.Name(path), typ)
	}
	s.Dimension = o.String("dimension")
	if o.Err() == nil && s.Dimension == "" {
		o.Failf("dimension", "must not be empty")
	}
	s.OutputName, _ = o.OptString("outputName")
	if s.OutputName == "" {
		s.OutputName = s.Dimension
	}
	s.OutputType = base.TypeString
	if ot, ok := o.OptString("outputType"); ok {
		ct, err := base.ParseColumnType(ot)
		if err != nil || !(ct.Kind == base.KindString || ct.IsNumeric()) {
			o.Failf("outputType", "unknown output type %q: expected STRING, LONG, FLOAT or DOUBLE", ot)
		}
		s.OutputType = ct
	}
	if o.Err() != nil {
		return Spec{}, o.Err()
	}
	if typ == "extraction" {
		if !o.Has("extractionFn") {
			return Spec{}, base.Errorf(base.ClassInvalidInput, "%s: required field is missing", o.FieldPath("extractionFn"))
		}
	}
	if typ == "lookup" {
		fn, err := lookupSpecFn(o, lookups)
		if err != nil {
			return Spec{}, err
		}
		s.ExtractionFn = fn
		s.Type = "extraction"
		return s, nil
	}
	if o.Has("extractionFn") {
		fn, err := DecodeExtractionFnWith(o.Raw("extractionFn"), o.FieldPath("extractionFn"), lookups)
		if err != nil {
			return Spec{}, err
		}
		s.ExtractionFn = fn
		s.Type = "extraction"
	}
	return s, nil
}

// lookupSpecFn turns a "lookup" dimension spec (Druid's
// LookupDimensionSpec: a registered lookup "name" or an inline "lookup"
// map, retainMissingValue, replaceMissingValueWith) into the equivalent
// lookup extraction function.
func lookupSpecFn(o *jsonspec.Object, lookups LookupFunc) (*ExtractionFn, error) {
	name, hasName := o.OptString("name")
	if o.Err() != nil {
		return nil, o.Err()
	}
	hasInline := o.Has("lookup")
	if hasName == hasInline {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: exactly one of name (a registered lookup) and lookup (an inline map lookup) is required", jsonspec.Name(o.Path))
	}
	fn := map[string]json.RawMessage{}
	for _, k := range []string{"retainMissingValue", "replaceMissingValueWith"} {
		if r := o.Raw(k); r != nil {
			fn[k] = r
		}
	}
	if hasName {
		if _, ok := lookups.get(name); !ok {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: Lookup [%s] not found", o.FieldPath("name"), name)
		}
		fn["type"] = json.RawMessage(`"registeredLookup"`)
		b, _ := json.Marshal(name)
		fn["lookup"] = b
	} else {
		fn["type"] = json.RawMessage(`"lookup"`)
		fn["lookup"] = o.Raw("lookup")
	}
	raw, err := json.Marshal(fn)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: %w", jsonspec.Name(o.Path), err)
	}
	return decodeFn(raw, o.Path, 0, lookups)
}
