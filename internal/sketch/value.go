package sketch

import (
	"encoding/base64"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/sketch/hyperunique"
	"github.com/dryaddb/dryad/internal/sketch/quantiles"
)

// Bytes of an intermediate value as it may arrive from elsewhere: the
// serialized sketch itself, or its base64 text (how Druid writes sketches
// in JSON: unfinalized results, JSON input rows).
func rawBytes(v any, what string) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case string:
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(x))
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "%s: value is not base64: %w", what, err)
		}
		return b, nil
	}
	return nil, base.Errorf(base.ClassInvalidInput, "%s: value of type %T is not a sketch", what, v)
}

// AsHLL converts an intermediate value (*HLL, serialized bytes or base64
// text) to an HLL sketch; nil stays nil.
func AsHLL(v any) (*HLL, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *HLL:
		return x, nil
	}
	b, err := rawBytes(v, "HLL sketch")
	if err != nil {
		return nil, err
	}
	return DecodeHLL(b)
}

// AsTheta converts an intermediate value to a Theta sketch; nil stays nil.
func AsTheta(v any) (*Theta, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *Theta:
		return x, nil
	}
	b, err := rawBytes(v, "theta sketch")
	if err != nil {
		return nil, err
	}
	return DecodeTheta(b)
}

// AsKLL converts an intermediate value to a KLL sketch; nil stays nil.
func AsKLL(v any) (*KLL, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *KLL:
		return x, nil
	}
	b, err := rawBytes(v, "KLL sketch")
	if err != nil {
		return nil, err
	}
	return DecodeKLL(b)
}

// AsQuantiles converts an intermediate value to a quantiles sketch; nil
// stays nil.
func AsQuantiles(v any) (*quantiles.Sketch, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *quantiles.Sketch:
		return x, nil
	}
	b, err := rawBytes(v, "quantiles sketch")
	if err != nil {
		return nil, err
	}
	return quantiles.Decode(b)
}

// AsCollector converts an intermediate value to a hyperUnique collector;
// nil stays nil.
func AsCollector(v any) (*hyperunique.Collector, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *hyperunique.Collector:
		return x, nil
	}
	b, err := rawBytes(v, "hyperUnique collector")
	if err != nil {
		return nil, err
	}
	return hyperunique.Decode(b)
}
