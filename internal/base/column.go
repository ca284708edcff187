package base

import (
	"encoding/json"
	"strings"
)

// TimeColumn is the name of the primary timestamp column.
const TimeColumn = "__time"

// TypeKind is the kind of a column type.
type TypeKind uint8

// The column type kinds, as Druid's ValueType.
const (
	KindUnknown TypeKind = iota
	KindString
	KindLong
	KindFloat
	KindDouble
	KindArray
	KindComplex
)

// ColumnType is a column's type: one of Druid's STRING, LONG, FLOAT, DOUBLE,
// ARRAY<elem> and COMPLEX<name>.
type ColumnType struct {
	Kind TypeKind
	// Elem is the element type of an array (string, long or double).
	Elem TypeKind
	// Complex is the type name of a complex column, e.g. "hyperUnique" or
	// "HLLSketch".
	Complex string
}

// Common column types.
var (
	TypeString = ColumnType{Kind: KindString}
	TypeLong   = ColumnType{Kind: KindLong}
	TypeFloat  = ColumnType{Kind: KindFloat}
	TypeDouble = ColumnType{Kind: KindDouble}
)

// ComplexType returns COMPLEX<name>.
func ComplexType(name string) ColumnType { return ColumnType{Kind: KindComplex, Complex: name} }

// ArrayType returns ARRAY<elem>.
func ArrayType(elem TypeKind) ColumnType { return ColumnType{Kind: KindArray, Elem: elem} }

var kindNames = [...]string{KindUnknown: "UNKNOWN", KindString: "STRING", KindLong: "LONG", KindFloat: "FLOAT", KindDouble: "DOUBLE", KindArray: "ARRAY", KindComplex: "COMPLEX"}

// String prints the type as Druid does: "STRING", "ARRAY<LONG>", "COMPLEX<hyperUnique>".
func (t ColumnType) String() string {
	switch t.Kind {
	case KindArray:
		return "ARRAY<" + kindNames[t.Elem] + ">"
	case KindComplex:
		if t.Complex == "" {
			return "COMPLEX"
		}
		return "COMPLEX<" + t.Complex + ">"
	}
	if int(t.Kind) < len(kindNames) {
		return kindNames[t.Kind]
	}
	return "UNKNOWN"
}

// IsNumeric reports whether the type is LONG, FLOAT or DOUBLE.
func (t ColumnType) IsNumeric() bool {
	return t.Kind == KindLong || t.Kind == KindFloat || t.Kind == KindDouble
}

// ParseColumnType parses a type name case-insensitively: "string", "long",
// "float", "double", "ARRAY<STRING>", "COMPLEX<name>" (the complex name keeps
// its case), or a bare complex name such as "hyperUnique".
func ParseColumnType(s string) (ColumnType, error) {
	u := strings.ToUpper(s)
	switch u {
	case "STRING":
		return TypeString, nil
	case "LONG":
		return TypeLong, nil
	case "FLOAT":
		return TypeFloat, nil
	case "DOUBLE":
		return TypeDouble, nil
	case "":
		return ColumnType{}, Errorf(ClassInvalidInput, "empty column type")
	}
	if strings.HasPrefix(u, "ARRAY<") && strings.HasSuffix(u, ">") {
		elem, err := ParseColumnType(s[6 : len(s)-1])
		if err != nil || elem.Kind == KindArray || elem.Kind == KindComplex {
			return ColumnType{}, Errorf(ClassInvalidInput, "invalid column type %q: arrays hold STRING, LONG, FLOAT or DOUBLE", s)
		}
		return ArrayType(elem.Kind), nil
	}
	if strings.HasPrefix(u, "COMPLEX<") && strings.HasSuffix(u, ">") {
		return ComplexType(s[8 : len(s)-1]), nil
	}
	if strings.ContainsAny(s, "<> ") {
		return ColumnType{}, Errorf(ClassInvalidInput, "invalid column type %q", s)
	}
	return ComplexType(s), nil
}

// MarshalJSON writes the type's string form.
func (t ColumnType) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// UnmarshalJSON reads the type's string form.
func (t *ColumnType) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(ClassInvalidInput, "invalid column type %s: expected a string", truncate(string(b), 64))
	}
	v, err := ParseColumnType(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}
