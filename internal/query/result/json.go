package result

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/value"
)

// AppendValue appends v as Jackson writes it in Druid results: null,
// longs as integers, doubles and floats as Java prints them ("1.0",
// "1.0E10"; NaN and ±Infinity as the strings "NaN", "Infinity",
// "-Infinity"), strings escaped like Jackson (only quotes, backslashes and
// control characters), multi-value rows and arrays as JSON arrays, maps
// with sorted keys; other values through encoding/json.
func AppendValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return AppendString(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			dst = append(dst, '"')
			dst = value.AppendDouble(dst, x)
			return append(dst, '"')
		}
		return value.AppendDouble(dst, x)
	case float32:
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			dst = append(dst, '"')
			dst = value.AppendFloat(dst, x)
			return append(dst, '"')
		}
		return value.AppendFloat(dst, x)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case bool:
		return strconv.AppendBool(dst, x)
	case []string:
		dst = append(dst, '[')
		for i, s := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, s)
		}
		return append(dst, ']')
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendValue(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			dst = AppendValue(dst, x[k])
		}
		return append(dst, '}')
	case Pair:
		dst = append(dst, `{"lhs":`...)
		dst = strconv.AppendInt(dst, x.Time, 10)
		dst = append(dst, `,"rhs":`...)
		dst = AppendValue(dst, x.Value)
		return append(dst, '}')
	}
	b, err := json.Marshal(v)
	if err != nil {
		return append(dst, "null"...)
	}
	return append(dst, b...)
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaping as Jackson does:
// quote, backslash and control characters; everything else (including
// non-ASCII, '<', '>', '&' and '/') is written as is. Invalid UTF-8 is
// replaced by U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendTimestamp appends a result timestamp: an ISO-8601 string in zone
// (UTC when nil, printed with "Z"), or epoch milliseconds when asLong.
func AppendTimestamp(dst []byte, ms int64, zone *time.Location, asLong bool) []byte {
	if asLong {
		return strconv.AppendInt(dst, ms, 10)
	}
	dst = append(dst, '"')
	if zone == nil || zone == time.UTC {
		dst = base.AppendTime(dst, ms)
	} else {
		dst = append(dst, base.FormatTimeIn(ms, zone)...)
	}
	return append(dst, '"')
}

func appendObject(dst []byte, cols []string, vals []any) []byte {
	dst = append(dst, '{')
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, c)
		dst = append(dst, ':')
		if i < len(vals) {
			dst = AppendValue(dst, vals[i])
		} else {
			dst = append(dst, "null"...)
		}
	}
	return append(dst, '}')
}

// AppendTimeseries writes a timeseries result:
// [{"timestamp":"…","result":{…}}, …], plus a last {"result":{…}} row for
// the grand total.
func AppendTimeseries(dst []byte, t *Table) []byte {
	dst = append(dst, '[')
	for i, r := range t.Rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"timestamp":`...)
		dst = AppendTimestamp(dst, r.Timestamp, t.Zone, t.TimestampAsLong)
		dst = append(dst, `,"result":`...)
		dst = appendObject(dst, t.Columns, r.Values)
		dst = append(dst, '}')
	}
	if t.GrandTotal != nil {
		if len(t.Rows) > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"result":`...)
		dst = appendObject(dst, t.Columns, t.GrandTotal)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// AppendTopN writes a topN result: [{"timestamp":"…","result":[{…},…]}, …].
func AppendTopN(dst []byte, t *TopNTable) []byte {
	dst = append(dst, '[')
	for i, b := range t.Buckets {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"timestamp":`...)
		dst = AppendTimestamp(dst, b.Timestamp, t.Zone, t.TimestampAsLong)
		dst = append(dst, `,"result":[`...)
		for j, r := range b.Rows {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendObject(dst, t.Columns, r)
		}
		dst = append(dst, "]}"...)
	}
	return append(dst, ']')
}

// AppendGroupBy writes a groupBy result:
// [{"version":"v1","timestamp":"…","event":{…}}, …], or with asArray
// (context resultAsArray) one array per row: the timestamp in epoch millis
// (only when withTimestamp, i.e. granularity is not "all"), then the
// dimensions, aggregators and post-aggregators.
func AppendGroupBy(dst []byte, t *Table, asArray, withTimestamp bool) []byte {
	dst = append(dst, '[')
	for i, r := range t.Rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		if asArray {
			dst = append(dst, '[')
			if withTimestamp {
				dst = strconv.AppendInt(dst, r.Timestamp, 10)
				if len(r.Values) > 0 {
					dst = append(dst, ',')
				}
			}
			for j, v := range r.Values {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = AppendValue(dst, v)
			}
			dst = append(dst, ']')
			continue
		}
		dst = append(dst, `{"version":"v1","timestamp":`...)
		dst = AppendTimestamp(dst, r.Timestamp, t.Zone, t.TimestampAsLong)
		dst = append(dst, `,"event":`...)
		dst = appendObject(dst, t.Columns, r.Values)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// AppendScan writes scan batches:
// [{"segmentId":…,"columns":[…],"events":[…],"rowSignature":[…]}, …] with
// events as objects (list) or arrays (compactedList). rowSignature is
// written when the batch has column types.
func AppendScan(dst []byte, batches []ScanBatch, resultFormat string) []byte {
	compact := resultFormat == query.ResultFormatCompactedList
	dst = append(dst, '[')
	for i, b := range batches {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"segmentId":`...)
		if b.SegmentID == "" {
			dst = append(dst, "null"...)
		} else {
			dst = AppendString(dst, b.SegmentID)
		}
		dst = append(dst, `,"columns":`...)
		dst = AppendValue(dst, b.Columns)
		dst = append(dst, `,"events":[`...)
		for j, e := range b.Events {
			if j > 0 {
				dst = append(dst, ',')
			}
			if compact {
				dst = AppendValue(dst, e)
			} else {
				dst = appendObject(dst, b.Columns, e)
			}
		}
		dst = append(dst, ']')
		if len(b.ColumnTypes) == len(b.Columns) && len(b.Columns) > 0 {
			dst = append(dst, `,"rowSignature":[`...)
			for j, c := range b.Columns {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, `{"name":`...)
				dst = AppendString(dst, c)
				dst = append(dst, `,"type":`...)
				if b.ColumnTypes[j].Kind == base.KindUnknown {
					dst = append(dst, "null"...)
				} else {
					dst = AppendString(dst, b.ColumnTypes[j].String())
				}
				dst = append(dst, '}')
			}
			dst = append(dst, ']')
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// AppendGroupByResult writes a groupBy table in the form q asks for:
// arrays with context resultAsArray (with the timestamp unless the
// granularity is "all"), objects otherwise.
func AppendGroupByResult(dst []byte, q *query.GroupBy, t *Table) []byte {
	return AppendGroupBy(dst, t, q.Context.ResultAsArray(), !q.Granularity.IsAll())
}
