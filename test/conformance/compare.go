package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// decode parses JSON keeping numbers as written, so that integers and
// doubles stay distinct as Jackson decodes them.
func decode(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// isInteger reports whether a JSON number literal decodes as an integer
// (Jackson: no fraction and no exponent).
func isInteger(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

// equal compares two decoded JSON values as Druid's IT harness compares
// Jackson-decoded maps: integers equal integers of the same value, doubles
// equal doubles of the same value, and an integer never equals a double.
func equal(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok || isInteger(x) != isInteger(y) {
			return false
		}
		if isInteger(x) {
			bx, ok1 := new(big.Int).SetString(string(x), 10)
			by, ok2 := new(big.Int).SetString(string(y), 10)
			return ok1 && ok2 && bx.Cmp(by) == 0
		}
		fx, err1 := strconv.ParseFloat(string(x), 64)
		fy, err2 := strconv.ParseFloat(string(y), 64)
		return err1 == nil && err2 == nil && fx == fy
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// compareResults compares actual with expected rows in order; fields, when
// not empty, restricts each row to those top-level keys. It returns "" on a
// match, else what differs.
func compareResults(expected, actual any, fields []string) string {
	exp, ok1 := expected.([]any)
	act, ok2 := actual.([]any)
	if !ok1 || !ok2 {
		return fmt.Sprintf("expected and actual results must be arrays; actual %s", short(actual))
	}
	if len(exp) != len(act) {
		return fmt.Sprintf("%d rows, want %d; actual %s", len(act), len(exp), short(actual))
	}
	for i := range exp {
		e, a := exp[i], act[i]
		if len(fields) > 0 {
			em, ok1 := e.(map[string]any)
			am, ok2 := a.(map[string]any)
			if !ok1 || !ok2 {
				return fmt.Sprintf("row %d is not an object", i)
			}
			for _, f := range fields {
				if !equal(em[f], am[f]) {
					return fmt.Sprintf("row %d field %q: got %s, want %s", i, f, short(am[f]), short(em[f]))
				}
			}
			continue
		}
		if !equal(e, a) {
			return fmt.Sprintf("row %d: got %s, want %s", i, short(a), short(e))
		}
	}
	return ""
}

// short renders a value for messages, truncated.
func short(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	s := strings.TrimSpace(buf.String())
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}
