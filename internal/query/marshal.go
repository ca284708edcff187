package query

import (
	"encoding/json"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/postagg"
)

// Encode writes q as Druid's JSON. Decode(Encode(q)) yields an equivalent
// query, so queries can be sent to data servers over HTTP.
func Encode(q Query) ([]byte, error) { return json.Marshal(toJSON(q)) }

// MarshalJSON methods write each query type as Druid's JSON.
func (q *Timeseries) MarshalJSON() ([]byte, error) { return Encode(q) }

// MarshalJSON writes Druid's JSON.
func (q *TopN) MarshalJSON() ([]byte, error) { return Encode(q) }

// MarshalJSON writes Druid's JSON.
func (q *GroupBy) MarshalJSON() ([]byte, error) { return Encode(q) }

// MarshalJSON writes Druid's JSON.
func (q *Scan) MarshalJSON() ([]byte, error) { return Encode(q) }

// MarshalJSON writes Druid's JSON.
func (q *Search) MarshalJSON() ([]byte, error) { return Encode(q) }

// MarshalJSON writes Druid's JSON.
func (q *TimeBoundary) MarshalJSON() ([]byte, error) { return Encode(q) }

// MarshalJSON writes Druid's JSON.
func (q *SegmentMetadata) MarshalJSON() ([]byte, error) { return Encode(q) }

// MarshalJSON writes Druid's JSON.
func (q *DataSourceMetadata) MarshalJSON() ([]byte, error) { return Encode(q) }

func toJSON(q Query) map[string]any {
	c := q.Base()
	m := map[string]any{"queryType": q.Type(), "dataSource": dataSourceJSON(c.DataSource)}
	if c.Intervals != nil {
		ivs := make([]string, len(c.Intervals))
		for i, iv := range c.Intervals {
			ivs[i] = iv.String()
		}
		m["intervals"] = ivs
	}
	m["granularity"] = c.Granularity
	if c.Filter != nil {
		m["filter"] = c.Filter
	}
	if len(c.VirtualColumns) > 0 {
		m["virtualColumns"] = c.VirtualColumns
	}
	if len(c.Context) > 0 {
		m["context"] = map[string]any(c.Context)
	}
	aggregated := func(a *Aggregated) {
		m["aggregations"] = nonNilAggs(a.Aggregations)
		m["postAggregations"] = nonNilPosts(a.PostAggregations)
	}
	switch q := q.(type) {
	case *Timeseries:
		aggregated(&q.Aggregated)
		m["descending"] = q.Descending
		if q.Limit > 0 {
			m["limit"] = q.Limit
		}
	case *TopN:
		aggregated(&q.Aggregated)
		m["dimension"] = q.Dimension
		m["threshold"] = q.Threshold
		m["metric"] = q.Metric
	case *GroupBy:
		aggregated(&q.Aggregated)
		m["dimensions"] = nonNilDims(q.Dimensions)
		if q.Having != nil {
			m["having"] = havingJSON(q.Having)
		}
		if q.LimitSpec != nil {
			l := map[string]any{"type": "default", "columns": nonNilOrder(q.LimitSpec.Columns), "offset": q.LimitSpec.Offset}
			if q.LimitSpec.Limit > 0 {
				l["limit"] = q.LimitSpec.Limit
			}
			m["limitSpec"] = l
		}
		if q.SubtotalsSpec != nil {
			m["subtotalsSpec"] = q.SubtotalsSpec
		}
	case *Scan:
		m["columns"] = nonNilStrings(q.Columns)
		m["resultFormat"] = q.ResultFormat
		m["batchSize"] = q.BatchSize
		m["limit"] = q.Limit
		m["offset"] = q.Offset
		m["order"] = q.Order
		m["legacy"] = q.Legacy
	case *Search:
		m["searchDimensions"] = nonNilDims(q.SearchDimensions)
		m["query"] = q.Query
		m["sort"] = map[string]any{"type": q.Sort.String()}
		m["limit"] = q.Limit
	case *TimeBoundary:
		if q.Bound != "" {
			m["bound"] = q.Bound
		}
	case *SegmentMetadata:
		ti := map[string]any{"type": q.ToInclude}
		if q.ToInclude == "list" {
			ti["columns"] = nonNilStrings(q.IncludeColumns)
		}
		m["toInclude"] = ti
		m["merge"] = q.Merge
		m["analysisTypes"] = nonNilStrings(q.AnalysisTypes)
		m["aggregatorMergeStrategy"] = q.AggregatorMergeStrategy
	}
	return m
}

func dataSourceJSON(d DataSource) any {
	switch d := d.(type) {
	case *TableDataSource:
		return map[string]any{"type": "table", "name": d.Name}
	case *UnionDataSource:
		return map[string]any{"type": "union", "dataSources": d.DataSources}
	case *QueryDataSource:
		return map[string]any{"type": "query", "query": toJSON(d.Query)}
	case *InlineDataSource:
		sig := make([]map[string]any, len(d.ColumnNames))
		for i, n := range d.ColumnNames {
			e := map[string]any{"name": n}
			if i < len(d.ColumnTypes) && d.ColumnTypes[i].Kind != base.KindUnknown {
				e["type"] = d.ColumnTypes[i].String()
			}
			sig[i] = e
		}
		rows := d.Rows
		if rows == nil {
			rows = [][]any{}
		}
		return map[string]any{"type": "inline", "columnSignature": sig, "rows": rows}
	case *LookupDataSource:
		return map[string]any{"type": "lookup", "lookup": d.Lookup}
	case *JoinDataSource:
		return joinJSON(d)
	case *UnnestDataSource:
		return unnestJSON(d)
	}
	return nil
}

func havingJSON(h Having) any {
	switch h := h.(type) {
	case *HavingCompare:
		return map[string]any{"type": h.Op, "aggregation": h.Aggregation, "value": h.Value}
	case *HavingDimSelector:
		m := map[string]any{"type": "dimSelector", "dimension": h.Dimension, "value": h.Value}
		if h.ExtractionFn != nil {
			m["extractionFn"] = h.ExtractionFn
		}
		return m
	case *HavingFilter:
		return map[string]any{"type": "filter", "filter": h.Filter}
	case *HavingAnd:
		return map[string]any{"type": "and", "havingSpecs": havingList(h.Specs)}
	case *HavingOr:
		return map[string]any{"type": "or", "havingSpecs": havingList(h.Specs)}
	case *HavingNot:
		return map[string]any{"type": "not", "havingSpec": havingJSON(h.Spec)}
	case *HavingConst:
		return map[string]any{"type": h.Type()}
	}
	return nil
}

func havingList(hs []Having) []any {
	out := make([]any, len(hs))
	for i, h := range hs {
		out[i] = havingJSON(h)
	}
	return out
}

func nonNilAggs(a []aggregation.Factory) []aggregation.Factory {
	if a == nil {
		return []aggregation.Factory{}
	}
	return a
}

func nonNilPosts(a []postagg.PostAggregator) []postagg.PostAggregator {
	if a == nil {
		return []postagg.PostAggregator{}
	}
	return a
}

func nonNilDims(a []dimension.Spec) []dimension.Spec {
	if a == nil {
		return []dimension.Spec{}
	}
	return a
}

func nonNilOrder(a []OrderByColumn) []OrderByColumn {
	if a == nil {
		return []OrderByColumn{}
	}
	return a
}

func nonNilStrings(a []string) []string {
	if a == nil {
		return []string{}
	}
	return a
}

var _ filter.Filter = (*filter.True)(nil)
