package inputsource

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// HTTPDoer sends HTTP requests; *http.Client implements it.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// HTTP is the "http" input source: every URI is fetched with GET, with
// basic authentication when a user name is given.
type HTTP struct {
	URIs     []string
	Username string
	// Password is the plain password, given as a string or as Druid's
	// password provider {"type":"default","password":...}; other provider
	// types are ClassUnsupported.
	Password string
	// Fields lists the requested system fields (__file_uri, __file_path).
	Fields []string
	// Headers are the extra request headers ("requestHeaders").
	Headers map[string]string

	client HTTPDoer
}

// SystemFields returns the requested system fields.
func (h *HTTP) SystemFields() []string { return h.Fields }

func decodeHTTP(obj specjson.Object, cfg Config) (*HTTP, error) {
	h := &HTTP{client: cfg.HTTPClient}
	if h.client == nil {
		h.client = &http.Client{}
	}
	var err error
	if h.URIs, err = obj.Strings("uris"); err != nil {
		return nil, err
	}
	if len(h.URIs) == 0 {
		return nil, specjson.Errorf(obj.At("uris"), "required field is missing or empty")
	}
	allowed := cfg.AllowedProtocols
	if len(allowed) == 0 {
		allowed = []string{"http", "https"}
	}
	for i, u := range h.URIs {
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" {
			return nil, specjson.Errorf(specjson.Index(obj.At("uris"), i), "invalid URI %q", u)
		}
		if !slices.Contains(allowed, strings.ToLower(pu.Scheme)) {
			return nil, specjson.Errorf(specjson.Index(obj.At("uris"), i), "only %v protocols are allowed, got %q", allowed, pu.Scheme)
		}
	}
	if h.Fields, err = decodeSystemFields(obj); err != nil {
		return nil, err
	}
	if hdrs, ok, err := obj.Object("requestHeaders"); err != nil {
		return nil, err
	} else if ok {
		h.Headers = make(map[string]string)
		for _, k := range hdrs.Keys() {
			if !slices.ContainsFunc(cfg.AllowedHeaders, func(a string) bool { return strings.EqualFold(a, k) }) {
				return nil, specjson.Errorf(hdrs.At(k), "header %q is not allowed (druid.ingestion.http.allowedHeaders: %v)", k, cfg.AllowedHeaders)
			}
			v, err := hdrs.String(k, "")
			if err != nil {
				return nil, err
			}
			h.Headers[k] = v
		}
	}
	if h.Username, err = obj.String("httpAuthenticationUsername", ""); err != nil {
		return nil, err
	}
	if raw := obj.Raw("httpAuthenticationPassword"); raw != nil {
		switch specjson.Kind(raw) {
		case "string":
			_ = json.Unmarshal(raw, &h.Password)
		case "object":
			po, err := specjson.Parse(raw, obj.At("httpAuthenticationPassword"))
			if err != nil {
				return nil, err
			}
			typ, err := po.Type("default")
			if err != nil {
				return nil, err
			}
			if typ != "default" {
				return nil, base.Errorf(base.ClassUnsupported, "%s: password provider %q is not supported (supported: default)", po.At("type"), typ)
			}
			if h.Password, err = po.String("password", ""); err != nil {
				return nil, err
			}
		default:
			return nil, specjson.Errorf(obj.At("httpAuthenticationPassword"), "expected a string or a password provider object, got %s", specjson.Kind(raw))
		}
	}
	return h, nil
}

// Type returns "http".
func (h *HTTP) Type() string { return "http" }

// Entities returns one entity per URI, in the given order.
func (h *HTTP) Entities(context.Context) ([]Entity, error) {
	out := make([]Entity, len(h.URIs))
	for i, u := range h.URIs {
		out[i] = &httpEntity{src: h, uri: u}
	}
	return out, nil
}

type httpEntity struct {
	src *HTTP
	uri string
}

func (e *httpEntity) URI() string { return e.uri }
func (e *httpEntity) Path() string {
	if u, err := url.Parse(e.uri); err == nil {
		return u.Path
	}
	return e.uri
}
func (e *httpEntity) Size() int64 { return -1 }

// SystemFields returns the system fields the source asked for.
func (e *httpEntity) SystemFields() []string { return e.src.Fields }

func (e *httpEntity) OpenRaw(ctx context.Context) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.uri, nil)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "http input source: uri %q: %w", e.uri, err)
	}
	for k, v := range e.src.Headers {
		req.Header.Set(k, v)
	}
	if e.src.Username != "" {
		req.SetBasicAuth(e.src.Username, e.src.Password)
	}
	resp, err := e.src.client.Do(req)
	if err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "http input source: GET %q: %w", e.uri, err)
	}
	if resp.StatusCode != http.StatusOK {
		_ = resp.Body.Close()
		c := base.ClassUnavailable
		if resp.StatusCode >= 400 && resp.StatusCode < 500 {
			c = base.ClassInvalidInput
		}
		return nil, base.Errorf(c, "http input source: GET %q: status %s", e.uri, resp.Status)
	}
	return resp.Body, nil
}

// String describes the source without the password.
func (h *HTTP) String() string {
	return fmt.Sprintf("http%v", h.URIs)
}
