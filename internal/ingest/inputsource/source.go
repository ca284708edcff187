package inputsource

import (
	"context"
	"encoding/json"
	"io"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// Source is a decoded inputSource.
type Source interface {
	// Type is the Druid type name, e.g. "local".
	Type() string
	// Entities lists the entities to read, in a deterministic order.
	Entities(ctx context.Context) ([]Entity, error)
}

// System field names a file-based source can add to every record
// (Druid's "systemFields").
const (
	FileURI  = "__file_uri"
	FilePath = "__file_path"
)

// SystemFieldser is implemented by sources and by their entities: the
// system fields the spec asked for, which the row reader adds to every
// record of the entity.
type SystemFieldser interface {
	SystemFields() []string
}

// decodeSystemFields reads a source's "systemFields" list.
func decodeSystemFields(obj specjson.Object) ([]string, error) {
	fields, err := obj.Strings("systemFields")
	if err != nil {
		return nil, err
	}
	for i, f := range fields {
		if f != FileURI && f != FilePath {
			return nil, specjson.Errorf(specjson.Index(obj.At("systemFields"), i), "unknown system field %q (supported: %s, %s)", f, FileURI, FilePath)
		}
	}
	return fields, nil
}

// SystemFieldValue returns the value of a system field for entity e.
func SystemFieldValue(e Entity, field string) string {
	if field == FileURI {
		return e.URI()
	}
	return e.Path()
}

// Entity is one readable unit: a file, an inline string, a URI.
type Entity interface {
	// URI names the entity in errors and in the __file_uri system field.
	URI() string
	// Path is the file path or URI path whose extension selects the
	// decompression (see Open).
	Path() string
	// Size is the compressed size in bytes, or -1 when unknown.
	Size() int64
	// OpenRaw opens the entity's bytes as stored (still compressed).
	OpenRaw(ctx context.Context) (io.ReadCloser, error)
}

// Config carries what sources need from their environment.
type Config struct {
	// HTTPClient is used by the http input source; nil means
	// http.DefaultClient's behaviour with no timeout.
	HTTPClient HTTPDoer
	// AllowedProtocols lists the URI schemes the http source may fetch
	// (Druid's druid.ingestion.http.allowedProtocols); empty means http and
	// https.
	AllowedProtocols []string
	// AllowedHeaders lists the request headers the http source may send
	// from "requestHeaders", case-insensitively (Druid's
	// druid.ingestion.http.allowedHeaders); empty means none.
	AllowedHeaders []string
}

// supportedTypes lists the input source types dryad reads.
const supportedTypes = "[combining druid http inline local]"

// isUnsupported reports whether typ is a Druid input source dryad knows but
// does not read.
func isUnsupported(typ string) bool {
	switch typ {
	case "s3", "google", "azure", "azureStorage", "hdfs", "sql", "iceberg",
		"delta", "aliyun-oss", "oss", "kafka", "kinesis":
		return true
	}
	return false
}

// Decode decodes an inputSource object at path.
func Decode(raw json.RawMessage, path string, cfg Config) (Source, error) {
	obj, err := specjson.Parse(raw, path)
	if err != nil {
		return nil, err
	}
	typ, err := obj.Type("")
	if err != nil {
		return nil, err
	}
	switch typ {
	case "local":
		return decodeLocal(obj)
	case "inline":
		return decodeInline(obj)
	case "http":
		return decodeHTTP(obj, cfg)
	case "druid":
		return decodeDruid(obj)
	case "combining":
		return decodeCombining(obj, cfg)
	case "":
		return nil, specjson.Errorf(obj.At("type"), "required field is missing (supported: %v)", supportedTypes)
	}
	if isUnsupported(typ) {
		return nil, base.Errorf(base.ClassUnsupported, "%s: input source %q is not supported by dryad (supported: %s)", obj.At("type"), typ, supportedTypes)
	}
	return nil, specjson.Errorf(obj.At("type"), "unknown input source %q (supported: %v)", typ, supportedTypes)
}

// Split groups entities into splits for parallel reading, in order: a split
// closes when adding the next entity would exceed maxSplitSize bytes or
// maxNumFiles entities (Druid's maxSize split hint; defaults 1 GiB and 1000
// when <= 0). Entities of unknown size count as 0 bytes. Every split holds at
// least one entity.
func Split(entities []Entity, maxSplitSize int64, maxNumFiles int) [][]Entity {
	if maxSplitSize <= 0 {
		maxSplitSize = 1 << 30
	}
	if maxNumFiles <= 0 {
		maxNumFiles = 1000
	}
	var out [][]Entity
	var cur []Entity
	var size int64
	for _, e := range entities {
		s := max(e.Size(), 0)
		if len(cur) > 0 && (size+s > maxSplitSize || len(cur) >= maxNumFiles) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, e)
		size += s
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
