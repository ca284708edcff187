package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/dryaddb/dryad/internal/base"
)

// WriteJSON writes v as JSON with the given status. With a "pretty" query
// parameter (Druid's ?pretty) the body is indented. v is encoded before
// anything is written, so an unencodable value becomes a 500 error body
// rather than a truncated response.
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if r != nil && r.URL != nil && r.URL.RawQuery != "" && r.URL.Query().Has("pretty") {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		body := BodyOf(base.Errorf(base.ClassInternal, "encoding the %T response as JSON: %w", v, err))
		_ = json.NewEncoder(&buf).Encode(body)
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// WriteText writes s as a text/plain body with the given status. Druid
// answers a few endpoints (the leader URLs) with a bare string.
func WriteText(w http.ResponseWriter, status int, s string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(s)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, s)
}

// acceptedMediaTypes are the request Content-Types DecodeJSON reads as JSON.
// application/x-www-form-urlencoded is curl's default for -d, which Druid's
// own documentation uses without a header; dryad reads such bodies as JSON
// rather than failing with 415.
var acceptedMediaTypes = map[string]bool{
	"application/json":                  true,
	"text/json":                         true,
	"text/plain":                        true,
	"application/x-www-form-urlencoded": true,
}

// CheckJSONMediaType returns nil when the request's Content-Type may carry
// JSON (none, application/json, application/*+json, text/plain, or curl's
// default application/x-www-form-urlencoded) and a StatusError with status
// 415 otherwise.
func CheckJSONMediaType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return &StatusError{Status: http.StatusUnsupportedMediaType, Class: base.ClassInvalidInput,
			Err: fmt.Errorf("Content-Type %q cannot be parsed: %w", ct, err)}
	}
	if acceptedMediaTypes[mt] || (len(mt) > 5 && mt[len(mt)-5:] == "+json") {
		return nil
	}
	return &StatusError{Status: http.StatusUnsupportedMediaType, Class: base.ClassInvalidInput,
		Err: fmt.Errorf("Content-Type %q is not supported: send the body as application/json", mt)}
}

// DecodeJSON reads the request body as exactly one JSON value into dst.
// A Content-Type that cannot carry JSON gives a 415 StatusError; an empty
// body, malformed JSON, a value of the wrong type or trailing data give a
// ClassInvalidInput error naming the byte offset (and the field, for type
// errors). It never returns a 500-class error for bad input. The body is
// read in full; callers bound its size with http.MaxBytesReader if needed.
func DecodeJSON(r *http.Request, dst any) error {
	if err := CheckJSONMediaType(r); err != nil {
		return err
	}
	if r.Body == nil {
		return base.Errorf(base.ClassInvalidInput, "request body is empty: expected JSON")
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return base.Errorf(base.ClassInvalidInput, "request body is larger than %d bytes", mbe.Limit)
		}
		return base.Errorf(base.ClassInvalidInput, "reading the request body: %w", err)
	}
	return decodeBytes(data, dst)
}

// decodeBytes decodes data as exactly one JSON value into dst.
func decodeBytes(data []byte, dst any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return base.Errorf(base.ClassInvalidInput, "request body is empty: expected JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err, int64(len(data)))
	}
	if _, err := dec.Token(); err != io.EOF {
		return base.Errorf(base.ClassInvalidInput, "malformed JSON request body: unexpected data after the value at offset %d", dec.InputOffset())
	}
	return nil
}

// jsonError classifies an encoding/json decoding error as invalid input.
func jsonError(err error, offset int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return base.Errorf(base.ClassInvalidInput, "malformed JSON request body at offset %d: %w", syn.Offset, err)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(root)"
		}
		return base.Errorf(base.ClassInvalidInput, "field %q: cannot use JSON %s as %s at offset %d", field, typ.Value, typ.Type, typ.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return base.Errorf(base.ClassInvalidInput, "malformed JSON request body: unexpected end of input at offset %d", offset)
	}
	if base.ClassOf(err) != base.ClassInternal {
		// A classed error from a custom UnmarshalJSON keeps its class.
		return err
	}
	return base.Errorf(base.ClassInvalidInput, "malformed JSON request body at offset %d: %w", offset, err)
}
