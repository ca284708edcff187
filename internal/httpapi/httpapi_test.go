package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) ErrorBody {
	t.Helper()
	var b ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("error body %q is not JSON: %v", rec.Body.String(), err)
	}
	if b.Error != "druidException" || b.Context == nil {
		t.Fatalf("error body %q lacks error/context", rec.Body.String())
	}
	return b
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		err      error
		status   int
		code     string
		category string
		persona  Persona
	}{
		{base.Errorf(base.ClassInvalidInput, "bad field %q", "x"), 400, "invalidInput", "INVALID_INPUT", PersonaUser},
		{base.Errorf(base.ClassNotFound, "no such datasource"), 404, "notFound", "NOT_FOUND", PersonaUser},
		{base.Errorf(base.ClassUnavailable, "store down"), 503, "unavailable", "RUNTIME_FAILURE", PersonaOperator},
		{base.Errorf(base.ClassUnsupported, "later"), 501, "unsupported", "UNSUPPORTED", PersonaUser},
		{errors.New("plain"), 500, "internalError", "UNCATEGORIZED", PersonaDeveloper},
		{&StatusError{Status: 415, Class: base.ClassInvalidInput, Err: errors.New("xml")}, 415, "invalidInput", "INVALID_INPUT", PersonaUser},
		{nil, 500, "internalError", "UNCATEGORIZED", PersonaDeveloper},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		WriteError(rec, httptest.NewRequest("GET", "/x", nil), tc.err)
		if rec.Code != tc.status {
			t.Errorf("%v: status %d, want %d", tc.err, rec.Code, tc.status)
		}
		b := decodeBody(t, rec)
		if b.ErrorCode != tc.code || b.Category != tc.category || b.Persona != tc.persona {
			t.Errorf("%v: body %+v", tc.err, b)
		}
		if tc.err != nil && b.ErrorMessage != tc.err.Error() {
			t.Errorf("message %q, want %q", b.ErrorMessage, tc.err.Error())
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
	}
}

func TestWriteJSONPretty(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"/x", "{\"a\":1}\n"},
		{"/x?pretty", "{\n  \"a\": 1\n}\n"},
	} {
		rec := httptest.NewRecorder()
		WriteJSON(rec, httptest.NewRequest("GET", tc.url, nil), 200, map[string]int{"a": 1})
		if rec.Body.String() != tc.want {
			t.Errorf("%s: %q, want %q", tc.url, rec.Body.String(), tc.want)
		}
	}
	rec := httptest.NewRecorder()
	WriteJSON(rec, httptest.NewRequest("GET", "/x", nil), 200, func() {})
	if rec.Code != 500 {
		t.Errorf("unencodable value: status %d", rec.Code)
	}
}

func TestDecodeJSON(t *testing.T) {
	type spec struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	tests := []struct {
		body, ctype string
		status      int // 0 for success
		msg         string
	}{
		{`{"name":"a","count":2}`, "application/json", 0, ""},
		{`{"name":"a"}`, "", 0, ""},
		{`{"name":"a"}`, "application/x-www-form-urlencoded", 0, ""},
		{`{"name":"a"}`, "application/vnd.druid+json; charset=utf-8", 0, ""},
		{`{"name":"a"}`, "application/xml", 415, "application/xml"},
		{`{"name":"a"}`, "multipart/form-data; boundary=x", 415, "multipart/form-data"},
		{`{"name":"a"}`, ";;;", 415, "cannot be parsed"},
		{``, "application/json", 400, "empty"},
		{`   `, "application/json", 400, "empty"},
		{`{"name":`, "application/json", 400, "unexpected end of input at offset 8"},
		{`{"name" "a"}`, "application/json", 400, "offset 9"},
		{`{"count":"x"}`, "application/json", 400, `field "count"`},
		{`{"name":"a"} {}`, "application/json", 400, "after the value"},
		{`[1,2]`, "application/json", 400, "cannot use JSON array"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(tc.body))
		if tc.ctype != "" {
			r.Header.Set("Content-Type", tc.ctype)
		}
		var s spec
		err := DecodeJSON(r, &s)
		if tc.status == 0 {
			if err != nil {
				t.Errorf("%q: %v", tc.body, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q (%s): no error", tc.body, tc.ctype)
			continue
		}
		if StatusOf(err) != tc.status || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q (%s): status %d error %q, want %d containing %q", tc.body, tc.ctype, StatusOf(err), err, tc.status, tc.msg)
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[`, `{"a":"\u00e9"}`, `1 2`, ``, `{"a":[1,{"b":null}]}`, "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
		var v any
		err := DecodeJSON(r, &v)
		if err != nil {
			if StatusOf(err) != http.StatusBadRequest {
				t.Fatalf("%q: status %d for bad input: %v", body, StatusOf(err), err)
			}
			return
		}
		if !json.Valid([]byte(body)) {
			t.Fatalf("%q accepted but not valid JSON", body)
		}
	})
}

func TestMux(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, r, 200, r.PathValue("ds"))
	})
	m := NewMux([]Route{
		{Method: "GET", Pattern: "/druid/v1/ds/{ds}", Handler: ok},
		{Method: "DELETE", Pattern: "/druid/v1/ds/{ds}", Handler: ok},
		{Method: "POST", Pattern: "/druid/v2/{$}", Handler: ok},
		Unsupported("GET", "/druid/v1/later"),
		UnsupportedJSON("POST", "/druid/v1/later"),
	})
	tests := []struct {
		method, path, body string
		status             int
		allow, msg         string
	}{
		{"GET", "/druid/v1/ds/wiki", "", 200, "", ""},
		{"HEAD", "/druid/v1/ds/wiki", "", 200, "", ""},
		{"PUT", "/druid/v1/ds/wiki", "", 405, "GET, HEAD, DELETE", "method not allowed"},
		{"GET", "/druid/v2/", "", 405, "POST", "method not allowed"},
		{"POST", "/druid/v2/", "{}", 200, "", ""},
		{"GET", "/nope", "", 404, "", "GET /nope: no such endpoint"},
		{"GET", "/druid/v1/ds/wiki/extra", "", 404, "", "no such endpoint"},
		{"GET", "/druid/v1/later", "", 501, "", "GET /druid/v1/later is not supported by dryad yet"},
		{"POST", "/druid/v1/later", "{", 400, "", "malformed"},
		{"POST", "/druid/v1/later", "{}", 501, "", "POST /druid/v1/later is not supported"},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
		if rec.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d (%s)", tc.method, tc.path, rec.Code, tc.status, rec.Body)
			continue
		}
		if tc.allow != "" && rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, rec.Header().Get("Allow"), tc.allow)
		}
		if tc.status >= 400 && tc.method != "HEAD" {
			if b := decodeBody(t, rec); !strings.Contains(b.ErrorMessage, tc.msg) {
				t.Errorf("%s %s: message %q, want %q", tc.method, tc.path, b.ErrorMessage, tc.msg)
			}
		}
	}
	if got := m.Match("GET", "/druid/v1/ds/x"); got != "GET /druid/v1/ds/{ds}" {
		t.Errorf("Match = %q", got)
	}
	if got := m.Match("GET", "/zzz"); got != "" {
		t.Errorf("Match(/zzz) = %q", got)
	}
	if n := len(m.Routes()); n != 5 {
		t.Errorf("Routes() has %d entries", n)
	}
}

func TestRecover(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := Recover(log, Logging(log, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/p", nil))
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	if b := decodeBody(t, rec); !strings.Contains(b.ErrorMessage, "boom") || b.Persona != PersonaDeveloper {
		t.Errorf("body %+v", b)
	}
}

func TestStatusRoutes(t *testing.T) {
	discovered := false
	m := NewMux(StatusRoutes(StatusSource{
		Version:        "1.2.3",
		Properties:     func() map[string]string { return map[string]string{"druid.host": "h"} },
		SelfDiscovered: func() bool { return discovered },
	}))
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	if rec := get("/status/health"); rec.Code != 200 || rec.Body.String() != "true\n" {
		t.Errorf("health: %d %q", rec.Code, rec.Body)
	}
	var st StatusBody
	if err := json.Unmarshal(get("/status").Body.Bytes(), &st); err != nil || st.Version != "1.2.3" || st.Modules == nil ||
		st.Memory.TotalMemory <= 0 || st.Memory.UsedMemory <= 0 || st.Memory.FreeMemory != st.Memory.TotalMemory-st.Memory.UsedMemory {
		t.Errorf("status: %+v %v", st, err)
	}
	if rec := get("/status/properties"); rec.Body.String() != "{\"druid.host\":\"h\"}\n" {
		t.Errorf("properties: %q", rec.Body)
	}
	if rec := get("/status/selfDiscovered"); rec.Code != 503 {
		t.Errorf("selfDiscovered before: %d", rec.Code)
	}
	if rec := get("/status/selfDiscovered/status"); rec.Body.String() != "{\"selfDiscovered\":false}\n" {
		t.Errorf("selfDiscovered/status before: %q", rec.Body)
	}
	discovered = true
	if rec := get("/status/selfDiscovered"); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("selfDiscovered after: %d %q", rec.Code, rec.Body)
	}
	if rec := get("/status/selfDiscovered/status"); rec.Body.String() != "{\"selfDiscovered\":true}\n" {
		t.Errorf("selfDiscovered/status after: %q", rec.Body)
	}
}

type fakeLeader struct {
	leader bool
	url    string
	err    error
}

func (f *fakeLeader) IsLeader() bool { return f.leader }
func (f *fakeLeader) Leader(context.Context) (string, error) {
	return f.url, f.err
}

func TestLeaderRoutes(t *testing.T) {
	l := &fakeLeader{leader: true, url: "http://h:8081"}
	m := NewMux(LeaderRoutes("/druid/coordinator/v1", l))
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	if rec := get("/druid/coordinator/v1/leader"); rec.Code != 200 || rec.Body.String() != "http://h:8081" {
		t.Errorf("leader: %d %q", rec.Code, rec.Body)
	}
	if rec := get("/druid/coordinator/v1/isLeader"); rec.Code != 200 || rec.Body.String() != "{\"leader\":true}\n" {
		t.Errorf("isLeader: %d %q", rec.Code, rec.Body)
	}
	l.leader = false
	if rec := get("/druid/coordinator/v1/isLeader"); rec.Code != 404 || rec.Body.String() != "{\"leader\":false}\n" {
		t.Errorf("isLeader (follower): %d %q", rec.Code, rec.Body)
	}
	l.err = base.Errorf(base.ClassUnavailable, "no coordinator leader")
	if rec := get("/druid/coordinator/v1/leader"); rec.Code != 503 {
		t.Errorf("leader without one: %d %q", rec.Code, rec.Body)
	}
	any := NewMux([]Route{{Pattern: "/druid/x/", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, r, 200, r.Method) })}})
	for _, method := range []string{"GET", "POST", "DELETE"} {
		rec := httptest.NewRecorder()
		any.ServeHTTP(rec, httptest.NewRequest(method, "/druid/x/y/z", nil))
		if rec.Code != 200 {
			t.Errorf("any-method route, %s: %d", method, rec.Code)
		}
	}
}

func BenchmarkDecodeJSON(b *testing.B) {
	body := []byte(`{"queryType":"timeseries","dataSource":"wikipedia","granularity":"hour","intervals":["2015-09-12/2015-09-13"],` +
		`"aggregations":[{"type":"longSum","name":"added","fieldName":"added"},{"type":"count","name":"rows"}],"context":{"timeout":60000}}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/druid/v2/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v map[string]any
		if err := DecodeJSON(r, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteError(b *testing.B) {
	r := httptest.NewRequest("GET", "/druid/coordinator/v1/loadstatus", nil)
	err := base.Errorf(base.ClassUnsupported, "GET /druid/coordinator/v1/loadstatus is not supported by dryad yet")
	b.ReportAllocs()
	for b.Loop() {
		WriteError(httptest.NewRecorder(), r, err)
	}
}
