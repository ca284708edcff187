package query

import (
	"encoding/json"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/jsonspec"
)

// VirtualColumn is an "expression" virtual column.
type VirtualColumn struct {
	Name       string
	Expression string
	// OutputType defaults to FLOAT, as in Druid.
	OutputType base.ColumnType
	// Parsed is the parsed expression.
	Parsed expr.Expr
}

// MarshalJSON writes Druid's JSON.
func (v VirtualColumn) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type       string          `json:"type"`
		Name       string          `json:"name"`
		Expression string          `json:"expression"`
		OutputType base.ColumnType `json:"outputType"`
	}{"expression", v.Name, v.Expression, v.OutputType})
}

func decodeVirtualColumns(o *jsonspec.Object, lookups dimension.LookupFunc) []VirtualColumn {
	a, _ := o.Array("virtualColumns")
	if o.Err() != nil {
		return nil
	}
	var out []VirtualColumn
	seen := map[string]bool{}
	for i, e := range a {
		p := jsonspec.Index(o.FieldPath("virtualColumns"), i)
		vc, err := decodeVirtualColumnWith(e, p, base.TypeFloat, lookups)
		if err == nil && seen[vc.Name] {
			err = base.Errorf(base.ClassInvalidInput, "%s: duplicate virtual column name %q", jsonspec.Join(p, "name"), vc.Name)
		}
		if err != nil {
			o.Fail(err)
			return nil
		}
		seen[vc.Name] = true
		out = append(out, vc)
	}
	return out
}

// decodeVirtualColumn decodes one virtual column at path; a missing
// outputType is defType (the zero type leaves it to the expression).
func decodeVirtualColumn(raw json.RawMessage, p string, defType base.ColumnType) (VirtualColumn, error) {
	return decodeVirtualColumnWith(raw, p, defType, nil)
}

// decodeVirtualColumnWith is decodeVirtualColumn binding lookup() through
// lookups.
func decodeVirtualColumnWith(raw json.RawMessage, p string, defType base.ColumnType, lookups dimension.LookupFunc) (VirtualColumn, error) {
	vo, err := jsonspec.Decode(raw, p)
	if err != nil {
		return VirtualColumn{}, err
	}
	typ := vo.String("type")
	if vo.Err() == nil && typ != "expression" {
		switch typ {
		case "nested-field", "mv-filtered", "list-filtered", "prefix-filtered", "regex-filtered":
			return VirtualColumn{}, base.Errorf(base.ClassUnsupported, "%s: virtual column type %q is not supported yet", p, typ)
		default:
			return VirtualColumn{}, base.Errorf(base.ClassInvalidInput, "%s: unknown virtual column type %q: expected expression", p, typ)
		}
	}
	vc := VirtualColumn{Name: vo.String("name"), Expression: vo.String("expression"), OutputType: defType}
	if ot, ok := vo.OptString("outputType"); ok {
		t, err := base.ParseColumnType(ot)
		if err != nil {
			vo.Failf("outputType", "unknown type %q", ot)
		}
		vc.OutputType = t
	}
	if vo.Err() == nil {
		switch {
		case vc.Name == "":
			vo.Failf("name", "must not be empty")
		case vc.Name == base.TimeColumn:
			vo.Failf("name", "virtual column name %q is not allowed", vc.Name)
		}
	}
	if vo.Err() == nil {
		c, err := compileExpr(vc.Expression, nil, lookups)
		if err != nil {
			vo.Fail(base.Errorf(base.ClassOf(err), "%s: %w", vo.FieldPath("expression"), err))
		} else {
			vc.Parsed = c.Expr()
		}
	}
	return vc, vo.Err()
}
