package inputsource

import (
	"context"
	"io"
	"strings"

	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// Inline is the "inline" input source: the data is in the spec.
type Inline struct {
	Data string
}

func decodeInline(obj specjson.Object) (*Inline, error) {
	if !obj.Has("data") {
		return nil, specjson.Errorf(obj.At("data"), "required field is missing")
	}
	d, err := obj.String("data", "")
	if err != nil {
		return nil, err
	}
	if d == "" {
		return nil, specjson.Errorf(obj.At("data"), "must not be empty")
	}
	return &Inline{Data: d}, nil
}

// Type returns "inline".
func (s *Inline) Type() string { return "inline" }

// Entities returns the one inline entity.
func (s *Inline) Entities(context.Context) ([]Entity, error) {
	return []Entity{inlineEntity(s.Data)}, nil
}

type inlineEntity string

func (e inlineEntity) URI() string  { return "inline" }
func (e inlineEntity) Path() string { return "" }
func (e inlineEntity) Size() int64  { return int64(len(e)) }
func (e inlineEntity) OpenRaw(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(string(e))), nil
}
