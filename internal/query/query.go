package query

import (
	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/postagg"
	"github.com/dryaddb/dryad/internal/query/value"
)

// The query type names.
const (
	TypeTimeseries         = "timeseries"
	TypeTopN               = "topN"
	TypeGroupBy            = "groupBy"
	TypeScan               = "scan"
	TypeSearch             = "search"
	TypeTimeBoundary       = "timeBoundary"
	TypeSegmentMetadata    = "segmentMetadata"
	TypeDataSourceMetadata = "dataSourceMetadata"
)

// Query is a decoded native query: one of *Timeseries, *TopN, *GroupBy,
// *Scan, *Search, *TimeBoundary, *SegmentMetadata, *DataSourceMetadata.
type Query interface {
	// Type is the queryType.
	Type() string
	// Base returns the properties shared by all query types.
	Base() *Common
}

// Common holds the properties every query type has.
type Common struct {
	DataSource DataSource
	// Intervals are the query intervals, condensed and sorted; nil when the
	// query type allows them to be omitted and they were.
	Intervals []base.Interval
	Filter    filter.Filter
	// Granularity is "all" for query types without one.
	Granularity    granularity.Granularity
	VirtualColumns []VirtualColumn
	Context        Context

	// lookups resolves query-time lookups (DecodeOptions.Lookups) and
	// usesLookups tells that decoding resolved one; neither is serialized.
	lookups     dimension.LookupFunc
	usesLookups bool
}

// Base implements Query.
func (c *Common) Base() *Common { return c }

// Aggregated holds the aggregation properties of timeseries, topN and
// groupBy.
type Aggregated struct {
	Aggregations     []aggregation.Factory
	PostAggregations []postagg.PostAggregator
}

// Timeseries is a timeseries query.
type Timeseries struct {
	Common
	Aggregated
	Descending bool
	// Limit caps the number of result rows; 0 means no limit.
	Limit int64
}

// TopN is a topN query.
type TopN struct {
	Common
	Aggregated
	Dimension dimension.Spec
	Threshold int64
	Metric    TopNMetric
}

// GroupBy is a groupBy query.
type GroupBy struct {
	Common
	Aggregated
	Dimensions []dimension.Spec
	Having     Having
	// LimitSpec is nil when the query has none.
	LimitSpec *LimitSpec
	// SubtotalsSpec lists dimension output-name subsets; nil when absent.
	SubtotalsSpec [][]string
}

// Scan result formats and orders.
const (
	ResultFormatList          = "list"
	ResultFormatCompactedList = "compactedList"
	OrderNone                 = "none"
	OrderAscending            = "ascending"
	OrderDescending           = "descending"
)

// Scan is a scan query.
type Scan struct {
	Common
	// Columns to return; empty means all.
	Columns      []string
	ResultFormat string
	BatchSize    int64
	// Limit is the maximum number of rows; 0 means no limit.
	Limit  int64
	Offset int64
	// Order is none, ascending or descending (by __time).
	Order  string
	Legacy bool
}

// Search is a search query.
type Search struct {
	Common
	// SearchDimensions are the dimensions searched; empty means all.
	SearchDimensions []dimension.Spec
	Query            filter.SearchSpec
	Sort             value.Ordering
	Limit            int64
}

// TimeBoundary is a timeBoundary query.
type TimeBoundary struct {
	Common
	// Bound is "", "minTime" or "maxTime".
	Bound string
}

// SegmentMetadata is a segmentMetadata query.
type SegmentMetadata struct {
	Common
	// ToInclude is "all", "none" or "list" (with IncludeColumns).
	ToInclude               string
	IncludeColumns          []string
	Merge                   bool
	AnalysisTypes           []string
	AggregatorMergeStrategy string
}

// DataSourceMetadata is a dataSourceMetadata query.
type DataSourceMetadata struct {
	Common
}

// Type implements Query.
func (*Timeseries) Type() string { return TypeTimeseries }

// Type implements the interface: the Druid type name.
func (*TopN) Type() string { return TypeTopN }

// Type implements the interface: the Druid type name.
func (*GroupBy) Type() string { return TypeGroupBy }

// Type implements the interface: the Druid type name.
func (*Scan) Type() string { return TypeScan }

// Type implements the interface: the Druid type name.
func (*Search) Type() string { return TypeSearch }

// Type implements the interface: the Druid type name.
func (*TimeBoundary) Type() string { return TypeTimeBoundary }

// Type implements the interface: the Druid type name.
func (*SegmentMetadata) Type() string { return TypeSegmentMetadata }

// Type implements the interface: the Druid type name.
func (*DataSourceMetadata) Type() string { return TypeDataSourceMetadata }
