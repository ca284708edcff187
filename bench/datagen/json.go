package datagen

import (
	"strconv"

	"github.com/dryaddb/dryad/internal/base"
)

// AppendJSON appends r as one JSON object (no newline) to dst. Empty
// nullable dimensions are written as null; the timestamp is ISO-8601.
func (r *WikiRow) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"timestamp":"`...)
	dst = base.AppendTime(dst, r.Time)
	dst = append(dst, '"')
	str := func(name, v string, nullable bool) {
		dst = append(dst, `,"`...)
		dst = append(dst, name...)
		dst = append(dst, `":`...)
		if nullable && v == "" {
			dst = append(dst, "null"...)
			return
		}
		dst = strconv.AppendQuote(dst, v)
	}
	boolean := func(name string, v bool) {
		dst = append(dst, `,"`...)
		dst = append(dst, name...)
		if v {
			dst = append(dst, `":"true"`...)
		} else {
			dst = append(dst, `":"false"`...)
		}
	}
	long := func(name string, v int64) {
		dst = append(dst, `,"`...)
		dst = append(dst, name...)
		dst = append(dst, `":`...)
		dst = strconv.AppendInt(dst, v, 10)
	}
	str("channel", r.Channel, false)
	str("namespace", r.Namespace, false)
	str("countryName", r.CountryName, true)
	str("countryIsoCode", r.CountryIsoCode, true)
	str("regionName", r.RegionName, true)
	str("cityName", r.CityName, true)
	str("metroCode", r.MetroCode, true)
	str("page", r.Page, false)
	str("user", r.User, false)
	str("comment", r.Comment, false)
	boolean("isRobot", r.IsRobot)
	boolean("isAnonymous", r.IsAnonymous)
	boolean("isMinor", r.IsMinor)
	boolean("isNew", r.IsNew)
	boolean("isUnpatrolled", r.IsUnpatrolled)
	str("language", r.Language, false)
	dst = append(dst, `,"tags":[`...)
	for i, t := range r.Tags {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendQuote(dst, t)
	}
	dst = append(dst, ']')
	long("added", r.Added)
	long("deleted", r.Deleted)
	long("delta", r.Delta)
	long("commentLength", r.CommentLength)
	dst = append(dst, `,"deltaScore":`...)
	dst = strconv.AppendFloat(dst, r.DeltaScore, 'g', -1, 64)
	return append(dst, '}')
}

// AppendJSON appends r as one JSON object (no newline) to dst. Dates are ISO
// dates; l_shipdate is also written as "timestamp" for ingestion.
func (r *LineitemRow) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"timestamp":"`...)
	dst = append(dst, DayString(r.ShipDate)...)
	dst = append(dst, `","l_orderkey":`...)
	dst = strconv.AppendInt(dst, r.OrderKey, 10)
	dst = append(dst, `,"l_partkey":`...)
	dst = strconv.AppendInt(dst, r.PartKey, 10)
	dst = append(dst, `,"l_suppkey":`...)
	dst = strconv.AppendInt(dst, r.SuppKey, 10)
	dst = append(dst, `,"l_linenumber":`...)
	dst = strconv.AppendInt(dst, r.LineNumber, 10)
	money := func(name string, v float64) {
		dst = append(dst, `,"`...)
		dst = append(dst, name...)
		dst = append(dst, `":`...)
		dst = strconv.AppendFloat(dst, v, 'f', 2, 64)
	}
	money("l_quantity", r.Quantity)
	money("l_extendedprice", r.ExtendedPrice)
	money("l_discount", r.Discount)
	money("l_tax", r.Tax)
	dst = append(dst, `,"l_returnflag":"`...)
	dst = append(dst, r.ReturnFlag...)
	dst = append(dst, `","l_linestatus":"`...)
	dst = append(dst, r.LineStatus...)
	dst = append(dst, `","l_shipdate":"`...)
	dst = append(dst, DayString(r.ShipDate)...)
	dst = append(dst, `","l_commitdate":"`...)
	dst = append(dst, DayString(r.CommitDate)...)
	dst = append(dst, `","l_receiptdate":"`...)
	dst = append(dst, DayString(r.ReceiptDate)...)
	dst = append(dst, `","l_shipinstruct":`...)
	dst = strconv.AppendQuote(dst, r.ShipInstruct)
	dst = append(dst, `,"l_shipmode":`...)
	dst = strconv.AppendQuote(dst, r.ShipMode)
	dst = append(dst, `,"l_comment":`...)
	dst = strconv.AppendQuote(dst, r.Comment)
	return append(dst, '}')
}
