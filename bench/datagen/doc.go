// Package datagen generates the benchmark data sets, deterministically from a
// seed, as a stream of rows: a wikipedia-edits-like datasource ("wiki") and a
// TPC-H lineitem table ("lineitem").
//
// The same seed and row count always give the same rows, byte for byte, on
// every platform: generators use math/rand's stable algorithms and nothing
// that depends on the environment. Rows are written as JSON lines, the format
// dryad's and Druid's ingestion both read, or handed to a callback for direct
// ingestion.
//
// # wiki
//
// One row per edit, timestamps spread over 30 days from 2026-01-01T00:00Z in
// increasing order. String dimensions range from low to very high
// cardinality, with Zipfian skew on the heavy ones:
//
//	dimension        cardinality      distribution
//	channel          50               Zipf s=1.3
//	namespace        20               Zipf s=1.5
//	countryName      200              Zipf s=1.2 (null in 30% of rows)
//	countryIsoCode   200              follows countryName
//	regionName       2,000            Zipf s=1.1 (null with countryName)
//	cityName         20,000           Zipf s=1.1 (null with countryName)
//	metroCode        300              uniform (null in 60% of rows)
//	page             rows/4           Zipf s=1.05
//	user             rows/20          Zipf s=1.2
//	comment          rows/2           Zipf s=1.01
//	isRobot, isAnonymous, isMinor, isNew, isUnpatrolled   "true"/"false"
//	language         40               Zipf s=1.4
//	tags             30 (multi-value) 0–3 tags per row
//
// Metrics: added, deleted, delta (= added - deleted) and commentLength are
// longs; deltaScore is a double.
//
// # lineitem
//
// TPC-H's lineitem at a scale factor (1 = about 6,001,215 rows), with the
// column definitions and value rules of the TPC-H specification (section
// 4.2.3): dates derived from a random order date, returnflag and linestatus
// from the 1995-06-17 "current date", extendedprice from the part's retail
// price. Columns are named as in TPC-H (l_orderkey … l_comment); dates are
// ISO dates, and l_shipdate also serves as the row timestamp.
package datagen
