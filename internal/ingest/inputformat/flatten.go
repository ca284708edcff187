package inputformat

import (
	"encoding/json"

	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// FlattenSpec is a decoded flattenSpec: which fields a JSON record exposes.
type FlattenSpec struct {
	// UseFieldDiscovery exposes every root field in addition to Fields
	// (default true).
	UseFieldDiscovery bool
	Fields            []FlattenField
}

// FlattenField is one flattenSpec field.
type FlattenField struct {
	Type  string // "root", "path", "jq" or "tree"
	Name  string
	Expr  string
	Nodes []string

	eval func(root Record) any
}

// Eval extracts the field from a record holding the root fields.
func (f *FlattenField) Eval(root Record) any { return f.eval(root) }

func decodeFlattenSpec(raw json.RawMessage, path string) (*FlattenSpec, error) {
	obj, err := specjson.Parse(raw, path)
	if err != nil {
		return nil, err
	}
	fs := &FlattenSpec{}
	if fs.UseFieldDiscovery, err = obj.Bool("useFieldDiscovery", true); err != nil {
		return nil, err
	}
	elems, err := obj.Array("fields")
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	for i, e := range elems {
		fpath := specjson.Index(obj.At("fields"), i)
		if specjson.Kind(e) == "string" {
			// A bare name is a root field.
			f := FlattenField{Type: "root"}
			_ = json.Unmarshal(e, &f.Name)
			if f.Name == "" || seen[f.Name] {
				return nil, specjson.Errorf(fpath, "empty or duplicate field name %q", f.Name)
			}
			seen[f.Name] = true
			name := f.Name
			f.eval = func(r Record) any { v, _ := r.Get(name); return v }
			fs.Fields = append(fs.Fields, f)
			continue
		}
		fo, err := specjson.Parse(e, fpath)
		if err != nil {
			return nil, err
		}
		f := FlattenField{}
		if f.Type, err = fo.Type("path"); err != nil {
			return nil, err
		}
		if f.Name, err = fo.RequiredString("name"); err != nil {
			return nil, err
		}
		if seen[f.Name] {
			return nil, specjson.Errorf(fo.At("name"), "duplicate field definition %q", f.Name)
		}
		seen[f.Name] = true
		if f.Expr, err = fo.String("expr", ""); err != nil {
			return nil, err
		}
		if f.Nodes, err = fo.Strings("nodes"); err != nil {
			return nil, err
		}
		switch f.Type {
		case "root":
			name := f.Expr
			if name == "" {
				name = f.Name
			}
			f.eval = func(r Record) any { v, _ := r.Get(name); return v }
		case "path":
			if f.Expr == "" {
				return nil, specjson.Errorf(fo.At("expr"), "required for a field of type \"path\"")
			}
			jp, err := CompileJSONPath(f.Expr)
			if err != nil {
				return nil, specjson.Errorf(fo.At("expr"), "%w", err)
			}
			f.eval = func(r Record) any { return jp.Eval(r) }
		case "jq":
			if f.Expr == "" {
				return nil, specjson.Errorf(fo.At("expr"), "required for a field of type \"jq\"")
			}
			jq, err := CompileJQ(f.Expr)
			if err != nil {
				return nil, specjson.Errorf(fo.At("expr"), "%w", err)
			}
			f.eval = func(r Record) any { return jq.Eval(r) }
		case "tree":
			if len(f.Nodes) == 0 {
				return nil, specjson.Errorf(fo.At("nodes"), "required for a field of type \"tree\"")
			}
			nodes := f.Nodes
			f.eval = func(r Record) any {
				var cur any = r
				for _, n := range nodes {
					var ok bool
					if cur, ok = member(cur, n); !ok {
						return nil
					}
				}
				return cur
			}
		default:
			return nil, specjson.Errorf(fo.At("type"), "unknown flattenSpec field type %q (supported: root, path, jq, tree)", f.Type)
		}
		fs.Fields = append(fs.Fields, f)
	}
	return fs, nil
}

// apply builds the exposed record from the root fields.
func (fs *FlattenSpec) apply(root Record, keepNulls bool) Record {
	out := make(Record, 0, len(root)+len(fs.Fields))
	if fs.UseFieldDiscovery {
		for _, f := range root {
			if f.Value == nil && !keepNulls {
				continue
			}
			out = append(out, f)
		}
	}
	for i := range fs.Fields {
		f := &fs.Fields[i]
		out = out.set(f.Name, f.eval(root))
	}
	return out
}
