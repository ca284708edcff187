package granularity

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// MarshalJSON writes Druid's canonical form: standard periods as their
// upper-case name ("DAY", "HOUR"), "all" and "none" as {"type":"all"} and
// {"type":"none"}, others as objects:
//
//	{"type":"period","period":"P1D","timeZone":"America/Los_Angeles","origin":null}
//	{"type":"duration","duration":7200000,"origin":"1970-01-01T00:00:00.000Z"}
func (g Granularity) MarshalJSON() ([]byte, error) {
	switch g.kind {
	case KindAll:
		return []byte(`{"type":"all"}`), nil
	case KindNone:
		return []byte(`{"type":"none"}`), nil
	}
	if n := g.Name(); n != "" {
		return json.Marshal(n)
	}
	var b bytes.Buffer
	switch g.kind {
	case KindPeriod:
		b.WriteString(`{"type":"period","period":`)
		writeJSONString(&b, g.p.Period.String())
		b.WriteString(`,"timeZone":`)
		writeJSONString(&b, ZoneID(g.p.Zone))
		b.WriteString(`,"origin":`)
		if g.p.Origin == nil {
			b.WriteString("null")
		} else {
			writeJSONString(&b, base.FormatTime(*g.p.Origin))
		}
	case KindDuration:
		b.WriteString(`{"type":"duration","duration":`)
		b.WriteString(strconv.FormatInt(g.dur, 10))
		b.WriteString(`,"origin":`)
		writeJSONString(&b, base.FormatTime(g.dOrg))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}

// UnmarshalJSON decodes a granularity spec: a simple name (any case), or an
// object with "type" one of "all", "none", a simple name, "duration"
// (fields "duration" in ms as a number or numeric string, optional
// "origin") or "period" (fields "period", optional "timeZone" and
// "origin"). Origins are ISO-8601 instants (UTC unless they carry an
// offset) or epoch milliseconds. Unknown fields are ignored, as Druid
// ignores them; null leaves g unchanged. Errors are base.ClassInvalidInput
// and name the field.
func (g *Granularity) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return nil // JSON null leaves the granularity as it was
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return base.Errorf(base.ClassInvalidInput, "invalid granularity: %w", err)
		}
		v, err := Parse(s)
		if err != nil {
			return err
		}
		*g = v
		return nil
	}
	if len(data) == 0 || data[0] != '{' {
		return base.Errorf(base.ClassInvalidInput, "invalid granularity %s: want a name or an object", truncate(string(data), 60))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return base.Errorf(base.ClassInvalidInput, "invalid granularity object: %w", err)
	}
	typ, err := stringField(obj, "type")
	if err != nil {
		return err
	}
	if typ == nil {
		return base.Errorf(base.ClassInvalidInput, "invalid granularity object: missing field \"type\"")
	}
	switch *typ {
	case "period":
		ps, err := stringField(obj, "period")
		if err != nil {
			return err
		}
		if ps == nil {
			return base.Errorf(base.ClassInvalidInput, "invalid period granularity: missing field \"period\"")
		}
		p, err := base.ParsePeriod(*ps)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "invalid period granularity field \"period\": %w", err)
		}
		var loc *time.Location
		zs, err := stringField(obj, "timeZone")
		if err != nil {
			return err
		}
		if zs != nil {
			if loc, err = LoadZone(*zs); err != nil {
				return base.Errorf(base.ClassInvalidInput, "invalid period granularity field \"timeZone\": %w", err)
			}
		}
		origin, err := originField(obj)
		if err != nil {
			return err
		}
		pg, err := NewPeriod(p, origin, loc)
		if err != nil {
			return err
		}
		*g = FromPeriod(pg)
		return nil
	case "duration":
		raw, ok := obj["duration"]
		if !ok || string(raw) == "null" {
			return base.Errorf(base.ClassInvalidInput, "invalid duration granularity: missing field \"duration\"")
		}
		ms, err := int64Value(raw)
		if err != nil {
			return base.Errorf(base.ClassInvalidInput, "invalid duration granularity field \"duration\": %w", err)
		}
		origin, err := originField(obj)
		if err != nil {
			return err
		}
		v, err := NewDuration(ms, origin)
		if err != nil {
			return err
		}
		*g = v
		return nil
	}
	v, err := Parse(*typ)
	if err != nil {
		return base.Errorf(base.ClassInvalidInput, "invalid granularity field \"type\": %w", err)
	}
	*g = v
	return nil
}

// stringField returns obj[name] as a string, nil when absent or null.
func stringField(obj map[string]json.RawMessage, name string) (*string, error) {
	raw, ok := obj[name]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "invalid granularity field %q: want a string, got %s", name, truncate(string(raw), 40))
	}
	return &s, nil
}

func originField(obj map[string]json.RawMessage) (*int64, error) {
	raw, ok := obj["origin"]
	if !ok {
		return nil, nil
	}
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return nil, nil
	}
	if len(raw) > 0 && raw[0] != '"' {
		ms, err := int64Value(raw)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "invalid granularity field \"origin\": %w", err)
		}
		return &ms, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "invalid granularity field \"origin\": %w", err)
	}
	ms, err := base.ParseTime(s, time.UTC)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "invalid granularity field \"origin\": %w", err)
	}
	return &ms, nil
}

// int64Value reads a JSON integer or a string holding one.
func int64Value(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, base.Errorf(base.ClassInvalidInput, "want an integer, got %s", truncate(string(raw), 40))
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
