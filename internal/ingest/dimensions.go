package ingest

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// DimensionsSpec is dataSchema.dimensionsSpec.
type DimensionsSpec struct {
	Dimensions           []DimensionSchema
	Exclusions           []string
	IncludeAllDimensions bool
	UseSchemaDiscovery   bool
	// ForceSegmentSortByTime is true unless set to false.
	ForceSegmentSortByTime bool
}

// Dimension types.
const (
	DimString = "string"
	DimLong   = "long"
	DimFloat  = "float"
	DimDouble = "double"
	DimJSON   = "json"
	DimAuto   = "auto"
)

// Multi-value handling modes (Druid's MultiValueHandling, lower case).
const (
	SortedArray = "sorted_array"
	SortedSet   = "sorted_set"
	Array       = "array"
)

// DimensionSchema is one entry of dimensionsSpec.dimensions.
type DimensionSchema struct {
	Name string
	// Type is one of the Dim* constants.
	Type string
	// MultiValueHandling applies to string dimensions: sorted_array
	// (default), sorted_set or array.
	MultiValueHandling string
	CreateBitmapIndex  bool
}

// ColumnType returns the stored column type of a typed dimension; json and
// auto dimensions report COMPLEX<json>.
func (d DimensionSchema) ColumnType() base.ColumnType {
	switch d.Type {
	case DimLong:
		return base.TypeLong
	case DimFloat:
		return base.TypeFloat
	case DimDouble:
		return base.TypeDouble
	case DimJSON, DimAuto:
		return base.ComplexType("json")
	}
	return base.TypeString
}

func decodeDimensionsSpec(d *DimensionsSpec, obj specjson.Object, present bool) error {
	d.ForceSegmentSortByTime = true
	if !present {
		return nil
	}
	elems, err := obj.Array("dimensions")
	if err != nil {
		return err
	}
	seen := make(map[string]bool)
	for i, e := range elems {
		p := specjson.Index(obj.At("dimensions"), i)
		ds, err := decodeDimension(e, p)
		if err != nil {
			return err
		}
		if seen[ds.Name] {
			return specjson.Errorf(p, "duplicate dimension %q", ds.Name)
		}
		seen[ds.Name] = true
		d.Dimensions = append(d.Dimensions, ds)
	}
	if d.Exclusions, err = obj.Strings("dimensionExclusions"); err != nil {
		return err
	}
	for i, x := range d.Exclusions {
		if seen[x] {
			return specjson.Errorf(specjson.Index(obj.At("dimensionExclusions"), i), "%q is both a dimension and excluded", x)
		}
	}
	if sp, err := obj.Array("spatialDimensions"); err != nil {
		return err
	} else if len(sp) > 0 {
		return base.Errorf(base.ClassUnsupported, "%s: spatial dimensions are not supported", obj.At("spatialDimensions"))
	}
	if d.IncludeAllDimensions, err = obj.Bool("includeAllDimensions", false); err != nil {
		return err
	}
	if d.UseSchemaDiscovery, err = obj.Bool("useSchemaDiscovery", false); err != nil {
		return err
	}
	if d.ForceSegmentSortByTime, err = obj.Bool("forceSegmentSortByTime", true); err != nil {
		return err
	}
	return nil
}

func decodeDimension(raw json.RawMessage, path string) (DimensionSchema, error) {
	ds := DimensionSchema{Type: DimString, MultiValueHandling: SortedArray, CreateBitmapIndex: true}
	if specjson.Kind(raw) == "string" {
		_ = json.Unmarshal(raw, &ds.Name)
		if strings.TrimSpace(ds.Name) == "" {
			return ds, specjson.Errorf(path, "dimension name must not be empty")
		}
		return ds, nil
	}
	obj, err := specjson.Parse(raw, path)
	if err != nil {
		return ds, specjson.Errorf(path, "expected a dimension name or object, got %s", specjson.Kind(raw))
	}
	if ds.Name, err = obj.RequiredString("name"); err != nil {
		return ds, err
	}
	if ds.Type, err = obj.Type(DimString); err != nil {
		return ds, err
	}
	switch ds.Type {
	case DimString, DimLong, DimFloat, DimDouble, DimJSON, DimAuto:
	case "spatial":
		return ds, base.Errorf(base.ClassUnsupported, "%s: spatial dimensions are not supported", obj.At("type"))
	default:
		return ds, specjson.Errorf(obj.At("type"), "unknown dimension type %q (supported: string, long, float, double, json, auto)", ds.Type)
	}
	mvh, err := obj.String("multiValueHandling", SortedArray)
	if err != nil {
		return ds, err
	}
	switch ds.MultiValueHandling = strings.ToLower(mvh); ds.MultiValueHandling {
	case SortedArray, SortedSet, Array:
	default:
		return ds, specjson.Errorf(obj.At("multiValueHandling"), "unknown multiValueHandling %q (supported: SORTED_ARRAY, SORTED_SET, ARRAY)", mvh)
	}
	if ds.CreateBitmapIndex, err = obj.Bool("createBitmapIndex", true); err != nil {
		return ds, err
	}
	return ds, nil
}

// ConvertDimension converts a raw value for dimension schema d, as the row
// parser does for the input fields; the task engine uses it for dimensions
// produced by transforms. The result is nil, string, []string (two or more
// values), int64, float64, or the raw value for json/auto dimensions.
// problem is non-empty when the value could not be converted (the row is
// then "processed with error" and the value is nil).
func ConvertDimension(d *DimensionSchema, v any) (out any, problem string) {
	switch d.Type {
	case DimString:
		return stringDimension(v, d.MultiValueHandling), ""
	case DimLong:
		return numericDimension(v, d, false)
	case DimFloat, DimDouble:
		return numericDimension(v, d, true)
	case DimAuto:
		return discoveredValue(v), ""
	}
	return v, ""
}

func stringDimension(v any, mvh string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return v // the same interface value: no new allocation
	case []any:
		switch len(x) {
		case 0:
			return nil
		case 1:
			if x[0] == nil {
				return nil
			}
			return javaString(x[0])
		}
		vals := make([]string, len(x))
		for i, e := range x {
			if e != nil {
				vals[i] = javaString(e)
			}
		}
		switch mvh {
		case SortedArray:
			slices.Sort(vals)
		case SortedSet:
			slices.Sort(vals)
			vals = slices.Compact(vals)
			if len(vals) == 1 {
				return vals[0]
			}
		}
		return vals
	}
	return javaString(v)
}

// javaString renders v as Java's String.valueOf; booleans and integers
// take a fast path.
func javaString(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return inputformat.JavaString(v)
}

func numericDimension(v any, d *DimensionSchema, float bool) (any, string) {
	var f float64
	var n int64
	isInt := false
	switch x := v.(type) {
	case nil:
		return nil, ""
	case int64:
		n, isInt = x, true
	case float64:
		f = x
	case bool:
		if x {
			n = 1
		}
		isInt = true
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return nil, ""
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			n, isInt = i, true
		} else if g, err := strconv.ParseFloat(s, 64); err == nil {
			f = g
		} else {
			return nil, "could not convert value [" + x + "] to " + d.Type
		}
	case []any:
		if len(x) == 1 {
			return numericDimension(x[0], d, float)
		}
		return nil, "Could not ingest value " + javaString(v) + " as " + d.Type + ". A " + d.Type + " column cannot have multiple values in the same row."
	default:
		return nil, "could not convert value [" + javaString(v) + "] to " + d.Type
	}
	if !float {
		if isInt {
			if _, ok := v.(int64); ok {
				return v, ""
			}
			return n, ""
		}
		return javaLong(f), ""
	}
	if _, ok := v.(float64); ok && d.Type == DimDouble {
		return v, ""
	}
	if isInt {
		f = float64(n)
	}
	if d.Type == DimFloat {
		f = float64(float32(f))
	}
	if math.IsNaN(f) {
		return f, ""
	}
	return f, ""
}
