package query

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/value"
)

// Context is a query's context map, with values as decoded from JSON
// (string, bool, int64, float64, []any, map[string]any or nil). Accessors
// read well-known keys with Druid's defaults and coercions; Validate checks
// their types once at decode time so that the accessors cannot fail later.
type Context map[string]any

// contextKind is the expected type of a well-known context key.
type contextKind uint8

const (
	ctxBool contextKind = iota
	ctxInt
	ctxString
)

var contextKeys = map[string]contextKind{
	"timeout": ctxInt, "priority": ctxInt, "queryId": ctxString, "sqlQueryId": ctxString, "lane": ctxString,
	"useCache": ctxBool, "populateCache": ctxBool, "useResultLevelCache": ctxBool, "populateResultLevelCache": ctxBool,
	"bySegment": ctxBool, "finalize": ctxBool, "maxScatterGatherBytes": ctxInt, "maxQueuedBytes": ctxInt,
	"maxSubqueryRows": ctxInt, "serializeDateTimeAsLong": ctxBool, "serializeDateTimeAsLongInner": ctxBool,
	"skipEmptyBuckets": ctxBool, "grandTotal": ctxBool, "sortByDimsFirst": ctxBool, "resultAsArray": ctxBool,
	"minTopNThreshold": ctxInt, "maxRowsQueuedForOrdering": ctxInt, "maxSegmentPartitionsOrderedInMemory": ctxInt,
	"groupByEnableMultiValueUnnesting": ctxBool, "forceLimitPushDown": ctxBool, "applyLimitPushDownToSegment": ctxBool,
	"vectorSize": ctxInt, "groupByIsSingleThreaded": ctxBool,
}

// Validate checks the types of the well-known keys. Numbers may be given
// as numeric strings and booleans as "true"/"false", as Druid allows.
func (c Context) Validate(path string) error {
	for k, v := range c {
		kind, ok := contextKeys[k]
		if !ok || v == nil {
			continue
		}
		switch kind {
		case ctxBool:
			if _, ok := toBool(v); !ok {
				return base.Errorf(base.ClassInvalidInput, "%s.%s: expected a boolean, got %s", path, k, describe(v))
			}
		case ctxInt:
			if _, ok := toInt(v); !ok {
				return base.Errorf(base.ClassInvalidInput, "%s.%s: expected an integer, got %s", path, k, describe(v))
			}
		case ctxString:
			if _, ok := toStringValue(v); !ok {
				return base.Errorf(base.ClassInvalidInput, "%s.%s: expected a string, got %s", path, k, describe(v))
			}
		}
	}
	if t, ok := c.Int("timeout"); ok && t < 0 {
		return base.Errorf(base.ClassInvalidInput, "%s.timeout: must be >= 0, got %d", path, t)
	}
	return nil
}

func describe(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		b = append(b[:57], "..."...)
	}
	return string(b)
}

func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		// Druid reads a number's longValue(): 1.5 is 1.
		if !math.IsInf(x, 0) && !math.IsNaN(x) && math.Abs(x) < math.MaxInt64 {
			return int64(x), true
		}
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func toStringValue(v any) (string, bool) {
	if _, isMap := v.(map[string]any); isMap {
		return "", false
	}
	if _, isArr := v.([]any); isArr {
		return "", false
	}
	return value.ToString(v)
}

func toInt64Value(v any) (int64, bool)     { return value.ToInt64(v) }
func toFloat64Value(v any) (float64, bool) { return value.ToFloat64(v) }

// Bool returns a boolean key, or def when absent or null.
func (c Context) Bool(key string, def bool) bool {
	if b, ok := toBool(c[key]); ok {
		return b
	}
	return def
}

// Int returns an integer key; ok is false when absent or null.
func (c Context) Int(key string) (int64, bool) { return toInt(c[key]) }

// String returns a string key; ok is false when absent or null.
func (c Context) String(key string) (string, bool) {
	if c[key] == nil {
		return "", false
	}
	return toStringValue(c[key])
}

// Timeout is the query timeout in milliseconds; ok is false when unset.
// 0 means no timeout.
func (c Context) Timeout() (int64, bool) { return c.Int("timeout") }

// QueryID is the queryId, or "" when unset.
func (c Context) QueryID() string { s, _ := c.String("queryId"); return s }

// Priority is the query priority (default 0).
func (c Context) Priority() int64 { p, _ := c.Int("priority"); return p }

// UseCache reports whether cached per-segment results may be read (default true).
func (c Context) UseCache() bool { return c.Bool("useCache", true) }

// PopulateCache reports whether per-segment results may be cached (default true).
func (c Context) PopulateCache() bool { return c.Bool("populateCache", true) }

// Finalize reports whether aggregator values are finalized (default true).
func (c Context) Finalize() bool { return c.Bool("finalize", true) }

// MaxScatterGatherBytes is the cap on bytes gathered from data servers;
// ok is false when unset.
func (c Context) MaxScatterGatherBytes() (int64, bool) { return c.Int("maxScatterGatherBytes") }

// SkipEmptyBuckets turns off timeseries zero-filling (default false).
func (c Context) SkipEmptyBuckets() bool { return c.Bool("skipEmptyBuckets", false) }

// GrandTotal adds a timeseries grand-total row (default false).
func (c Context) GrandTotal() bool { return c.Bool("grandTotal", false) }

// SortByDimsFirst orders groupBy results by dimensions before time (default false).
func (c Context) SortByDimsFirst() bool { return c.Bool("sortByDimsFirst", false) }

// ResultAsArray writes groupBy rows as arrays (default false).
func (c Context) ResultAsArray() bool { return c.Bool("resultAsArray", false) }

// SerializeDateTimeAsLong writes result timestamps as epoch millis (default false).
func (c Context) SerializeDateTimeAsLong() bool { return c.Bool("serializeDateTimeAsLong", false) }

// MinTopNThreshold is the per-segment topN threshold floor (default 1000).
func (c Context) MinTopNThreshold() int64 {
	if n, ok := c.Int("minTopNThreshold"); ok {
		return n
	}
	return 1000
}
