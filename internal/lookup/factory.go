package lookup

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
)

// Factory types.
const (
	TypeMap             = "map"
	TypeCachedNamespace = "cachedNamespace"
)

// defaultFirstCacheTimeout is Druid's default wait for a cachedNamespace's
// first load.
const defaultFirstCacheTimeout = 60 * time.Second

// Factory is a decoded lookupExtractorFactory. It is immutable after
// DecodeFactory and safe for concurrent use.
type Factory struct {
	// Type is TypeMap or TypeCachedNamespace.
	Type string
	// Injective tells that the lookup maps distinct keys to distinct values
	// (Druid's "injective", "isOneToOne" for map lookups).
	Injective bool
	// Map is the key→value map of a map lookup.
	Map map[string]string
	// Namespace is the extraction namespace of a cachedNamespace lookup.
	Namespace *URINamespace
	// FirstCacheTimeout bounds how long loading waits for the first read
	// of a cachedNamespace; 0 does not wait (the lookup is loaded in the
	// background).
	FirstCacheTimeout time.Duration
}

// URINamespace is a "uri" extraction namespace: one local file, or the
// newest file under URIPrefix whose name matches FileRegex.
type URINamespace struct {
	// Path is the file path of "uri" (file: URIs are reduced to their path).
	Path string
	// Prefix is the directory of "uriPrefix"; FileRegex selects its files.
	Prefix    string
	FileRegex *regexp.Regexp
	Parse     ParseSpec
	// PollPeriod is how often the file is re-read; 0 reads it once.
	PollPeriod time.Duration
}

// Spec is one lookup's entry in the lookup configuration: Druid's
// LookupExtractorFactoryMapContainer.
type Spec struct {
	Version string          `json:"version"`
	Factory json.RawMessage `json:"lookupExtractorFactory"`
}

// DecodeSpec decodes and validates a spec container at path and its
// factory.
func DecodeSpec(raw json.RawMessage, path string) (Spec, *Factory, error) {
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return Spec{}, nil, err
	}
	s := Spec{Version: o.String("version"), Factory: o.Raw("lookupExtractorFactory")}
	if o.Err() != nil {
		return Spec{}, nil, o.Err()
	}
	if s.Version == "" {
		o.Failf("version", "must not be empty")
		return Spec{}, nil, o.Err()
	}
	if !o.Has("lookupExtractorFactory") {
		o.Failf("lookupExtractorFactory", "required field is missing")
		return Spec{}, nil, o.Err()
	}
	f, err := DecodeFactory(s.Factory, o.FieldPath("lookupExtractorFactory"))
	if err != nil {
		return Spec{}, nil, err
	}
	s.Factory = append(json.RawMessage(nil), s.Factory...)
	return s, f, nil
}

// DecodeFactory decodes a lookupExtractorFactory at path. Unknown types are
// base.ClassInvalidInput; jdbc namespaces and remote URIs are
// base.ClassUnsupported.
func DecodeFactory(raw json.RawMessage, path string) (*Factory, error) {
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return nil, err
	}
	f := &Factory{Type: o.String("type")}
	if o.Err() != nil {
		return nil, o.Err()
	}
	switch f.Type {
	case TypeMap:
		f.Injective = o.Bool("injective", false) || o.Bool("isOneToOne", false)
		if o.Err() != nil {
			return nil, o.Err()
		}
		m, err := decodeStringMap(o.Raw("map"), o.FieldPath("map"))
		if err != nil {
			return nil, err
		}
		f.Map = m
	case TypeCachedNamespace:
		f.Injective = o.Bool("injective", false)
		ms, hasTimeout := o.OptInt("firstCacheTimeout")
		f.FirstCacheTimeout = defaultFirstCacheTimeout
		if hasTimeout {
			if ms < 0 {
				o.Failf("firstCacheTimeout", "must be >= 0, got %d", ms)
			}
			f.FirstCacheTimeout = time.Duration(ms) * time.Millisecond
		}
		if o.Err() != nil {
			return nil, o.Err()
		}
		if !o.Has("extractionNamespace") {
			o.Failf("extractionNamespace", "required field is missing")
			return nil, o.Err()
		}
		ns, err := decodeNamespace(o.Raw("extractionNamespace"), o.FieldPath("extractionNamespace"))
		if err != nil {
			return nil, err
		}
		f.Namespace = ns
	case "":
		o.Failf("type", "required field is missing; expected map or cachedNamespace")
		return nil, o.Err()
	default:
		o.Failf("type", "unknown lookup extractor factory type %q; expected map or cachedNamespace", f.Type)
		return nil, o.Err()
	}
	return f, nil
}

// decodeStringMap decodes a JSON object of string values; numbers and
// booleans become their text (Jackson's coercion) and null values are
// dropped (a null value and a missing key look up the same).
func decodeStringMap(raw json.RawMessage, path string) (map[string]string, error) {
	if jsonspec.Kind(raw) != "an object" {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: expected an object of string values, got %s", path, jsonspec.Kind(raw))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: malformed JSON: %w", path, err)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if jsonspec.IsNull(v) {
			continue
		}
		s, err := jsonspec.ScalarString(v)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: value of key %q: expected a string, got %s", path, k, jsonspec.Kind(v))
		}
		out[k] = s
	}
	return out, nil
}

func decodeNamespace(raw json.RawMessage, path string) (*URINamespace, error) {
	o, err := jsonspec.Decode(raw, path)
	if err != nil {
		return nil, err
	}
	typ := o.String("type")
	if o.Err() != nil {
		return nil, o.Err()
	}
	switch typ {
	case "uri":
	case "jdbc":
		return nil, base.Errorf(base.ClassUnsupported, "%s: jdbc extraction namespaces are not supported; use a uri namespace over a local file", o.FieldPath("type"))
	case "staticMap":
		return nil, base.Errorf(base.ClassUnsupported, "%s: staticMap extraction namespaces are not supported; use a map lookup", o.FieldPath("type"))
	default:
		o.Failf("type", "unknown extraction namespace type %q; expected uri", typ)
		return nil, o.Err()
	}
	ns := &URINamespace{}
	uri, hasURI := o.OptString("uri")
	prefix, hasPrefix := o.OptString("uriPrefix")
	regex, hasRegex := o.OptString("fileRegex")
	if o.Err() != nil {
		return nil, o.Err()
	}
	switch {
	case hasURI && hasPrefix:
		o.Failf("uri", "only one of uri and uriPrefix may be set")
	case !hasURI && !hasPrefix:
		o.Failf("uri", "one of uri and uriPrefix is required")
	case hasURI && hasRegex:
		o.Failf("fileRegex", "is only allowed with uriPrefix")
	case hasURI:
		ns.Path, err = localPath(uri, o.FieldPath("uri"))
	default:
		ns.Prefix, err = localPath(prefix, o.FieldPath("uriPrefix"))
		if err == nil {
			if !hasRegex {
				regex = ".*"
			}
			ns.FileRegex, err = regexp.Compile("^(?:" + regex + ")$")
			if err != nil {
				err = base.Errorf(base.ClassInvalidInput, "%s: invalid regular expression %q (RE2 syntax): %v", o.FieldPath("fileRegex"), regex, err)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if o.Err() != nil {
		return nil, o.Err()
	}
	if o.Has("pollPeriod") {
		d, err := decodePeriod(o.Raw("pollPeriod"), o.FieldPath("pollPeriod"))
		if err != nil {
			return nil, err
		}
		ns.PollPeriod = d
	}
	if !o.Has("namespaceParseSpec") {
		o.Failf("namespaceParseSpec", "required field is missing")
		return nil, o.Err()
	}
	ps, err := decodeParseSpec(o.Raw("namespaceParseSpec"), o.FieldPath("namespaceParseSpec"))
	if err != nil {
		return nil, err
	}
	ns.Parse = ps
	return ns, nil
}

// localPath accepts file: URIs and plain paths; other schemes are
// unsupported because nothing downloads.
func localPath(s, path string) (string, error) {
	if s == "" {
		return "", base.Errorf(base.ClassInvalidInput, "%s: must not be empty", path)
	}
	if strings.HasPrefix(s, "/") || !strings.Contains(s, ":") {
		return s, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", base.Errorf(base.ClassInvalidInput, "%s: invalid URI %q: %v", path, s, err)
	}
	if u.Scheme != "file" {
		return "", base.Errorf(base.ClassUnsupported, "%s: URI scheme %q is not supported; only local files (file: URIs and paths) can be read", path, u.Scheme)
	}
	p := u.Path
	if p == "" {
		p = u.Opaque
	}
	if p == "" {
		return "", base.Errorf(base.ClassInvalidInput, "%s: URI %q names no file", path, s)
	}
	return p, nil
}

// decodePeriod reads an ISO-8601 period without years or months, or a
// number of milliseconds.
func decodePeriod(raw json.RawMessage, path string) (time.Duration, error) {
	if jsonspec.Kind(raw) == "a number" {
		var ms int64
		if err := json.Unmarshal(raw, &ms); err != nil || ms < 0 {
			return 0, base.Errorf(base.ClassInvalidInput, "%s: expected a non-negative number of milliseconds or an ISO-8601 period, got %s", path, raw)
		}
		return time.Duration(ms) * time.Millisecond, nil
	}
	s, err := jsonspec.ScalarString(raw)
	if err != nil {
		return 0, base.Errorf(base.ClassInvalidInput, "%s: expected an ISO-8601 period, got %s", path, jsonspec.Kind(raw))
	}
	p, err := base.ParsePeriod(s)
	if err != nil {
		return 0, base.Errorf(base.ClassInvalidInput, "%s: %w", path, err)
	}
	if p.Years != 0 || p.Months != 0 {
		return 0, base.Errorf(base.ClassInvalidInput, "%s: period %q has years or months, which have no fixed length", path, s)
	}
	ms := int64(p.Weeks)*7*86400000 + int64(p.Days)*86400000 + int64(p.Hours)*3600000 + int64(p.Minutes)*60000 + int64(p.Seconds)*1000 + int64(p.Millis)
	if ms < 0 {
		return 0, base.Errorf(base.ClassInvalidInput, "%s: period %q is negative", path, s)
	}
	return time.Duration(ms) * time.Millisecond, nil
}
