package coordinator

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/query/aggregation"
)

// compactionState is the part of a segment's lastCompactionState (Druid's
// CompactionState, written by the compaction task) the duty compares with
// a datasource's config.
type compactionState struct {
	PartitionsSpec json.RawMessage `json:"partitionsSpec"`
	DimensionsSpec *struct {
		Dimensions []json.RawMessage `json:"dimensions"`
	} `json:"dimensionsSpec"`
	MetricsSpec   json.RawMessage `json:"metricsSpec"`
	TransformSpec *struct {
		Filter json.RawMessage `json:"filter"`
	} `json:"transformSpec"`
	IndexSpec       json.RawMessage `json:"indexSpec"`
	GranularitySpec *struct {
		SegmentGranularity *granularity.Granularity `json:"segmentGranularity"`
		QueryGranularity   *granularity.Granularity `json:"queryGranularity"`
		Rollup             *bool                    `json:"rollup"`
	} `json:"granularitySpec"`
}

// partitionsSpecOf is the partitionsSpec compaction tasks of d write
// (Druid's findPartitionsSpecFromConfig): the tuningConfig's, else dynamic
// with the config's maxRowsPerSegment and the tuningConfig's maxTotalRows.
func (d *DataSourceCompactionConfig) partitionsSpecOf() json.RawMessage {
	if t := d.TuningConfig; t != nil && !isNull(t.PartitionsSpec) {
		return t.PartitionsSpec
	}
	ps := map[string]any{"type": "dynamic", "maxRowsPerSegment": DefaultCompactionMaxRowsPerSegment, "maxTotalRows": nil}
	if d.MaxRowsPerSegment != nil {
		ps["maxRowsPerSegment"] = *d.MaxRowsPerSegment
	}
	if t := d.TuningConfig; t != nil && !isNull(t.MaxTotalRows) {
		ps["maxTotalRows"] = t.MaxTotalRows
	}
	b, _ := json.Marshal(ps)
	return b
}

// isCompacted reports whether segs (one time chunk) were all written by a
// compaction with the state d would produce now: Druid's CompactionStatus.
// A chunk of several segments counts as compacted when they share one
// state that matches (dynamic partitioning writes several segments per
// chunk when they are large). matches memoises stateMatches by state text
// (most segments of a datasource share a few states); nil disables it.
func (d *DataSourceCompactionConfig) isCompacted(segs []*base.DataSegment, segGran *granularity.Granularity, matches map[string]bool) bool {
	first := segs[0].LastCompactionState
	if isNull(first) {
		return false
	}
	for _, s := range segs[1:] {
		if !bytes.Equal(s.LastCompactionState, first) && !jsonEqual(s.LastCompactionState, first) {
			return false
		}
	}
	if segGran != nil {
		for _, s := range segs {
			if segGran.Bucket(s.Interval.Start) != s.Interval {
				return false
			}
		}
	}
	if m, ok := matches[string(first)]; ok {
		return m
	}
	var st compactionState
	m := json.Unmarshal(first, &st) == nil && d.stateMatches(&st)
	if matches != nil {
		matches[string(first)] = m
	}
	return m
}

// stateMatches compares a compaction state with the config field by field;
// fields the config leaves null are not compared, as in Druid.
func (d *DataSourceCompactionConfig) stateMatches(st *compactionState) bool {
	if !partitionsSpecEqual(d.partitionsSpecOf(), st.PartitionsSpec) {
		return false
	}
	if t := d.TuningConfig; t != nil && !isNull(t.IndexSpec) && !jsonSubset(t.IndexSpec, st.IndexSpec) {
		return false
	}
	if g := d.GranularitySpec; g != nil {
		sg := st.GranularitySpec
		if g.SegmentGranularity != nil && sg != nil && sg.SegmentGranularity != nil && !g.SegmentGranularity.Equal(*sg.SegmentGranularity) {
			return false
		}
		if g.QueryGranularity != nil && (sg == nil || sg.QueryGranularity == nil || !g.QueryGranularity.Equal(*sg.QueryGranularity)) {
			return false
		}
		if g.Rollup != nil && (sg == nil || sg.Rollup == nil || *g.Rollup != *sg.Rollup) {
			return false
		}
	}
	if ds := d.DimensionsSpec; ds != nil {
		if st.DimensionsSpec == nil || !dimensionsEqual(ds.Dimensions, st.DimensionsSpec.Dimensions) {
			return false
		}
	}
	if !isNull(d.MetricsSpec) && !metricsEqual(d.MetricsSpec, st.MetricsSpec) {
		return false
	}
	if t := d.TransformSpec; t != nil && !isNull(t.Filter) {
		if st.TransformSpec == nil || !jsonEqual(t.Filter, st.TransformSpec.Filter) {
			return false
		}
	}
	return true
}

// partitionsSpecEqual compares partitionsSpecs with Druid's defaults
// applied to dynamic ones (maxRowsPerSegment 5,000,000; maxTotalRows null
// or negative is no limit, and compared only when the config sets it); for other types every non-null field of want must be in got
// (which may carry the defaults its writer filled in).
func partitionsSpecEqual(want, got json.RawMessage) bool {
	if isNull(got) {
		return false
	}
	w, err1 := decodePartitionsSpec(want)
	g, err2 := decodePartitionsSpec(got)
	if err1 != nil || err2 != nil || w.Type != g.Type {
		return false
	}
	if w.Type != "dynamic" {
		return jsonSubset(want, got)
	}
	norm := func(p partitionsSpec) (int64, int64) {
		rows, total := int64(DefaultCompactionMaxRowsPerSegment), int64(math.MaxInt64)
		if p.MaxRowsPerSegment != nil && *p.MaxRowsPerSegment > 0 {
			rows = *p.MaxRowsPerSegment
		}
		if p.MaxTotalRows != nil && *p.MaxTotalRows > 0 {
			total = *p.MaxTotalRows
		}
		return rows, total
	}
	wr, wt := norm(w)
	gr, gt := norm(g)
	// A maxTotalRows the config leaves unset is whatever the task's
	// default is (Druid's compaction task has none, dryad's index engine
	// 20,000,000): it is not compared.
	return wr == gr && (w.MaxTotalRows == nil || wt == gt)
}

// dimensionsEqual compares dimension lists by name and type, in order.
func dimensionsEqual(want, got []json.RawMessage) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		wn, wt, err1 := dimensionOf(want[i])
		gn, gt, err2 := dimensionOf(got[i])
		if err1 != nil || err2 != nil || wn != gn || wt != gt {
			return false
		}
	}
	return true
}

// metricsEqual compares two metricsSpecs in their canonical form (decoded
// and encoded again, so defaults written out by one side match).
func metricsEqual(want, got json.RawMessage) bool {
	if isNull(got) {
		return false
	}
	canon := func(b json.RawMessage) ([]byte, bool) {
		fs, err := aggregation.DecodeList(b)
		if err != nil {
			return nil, false
		}
		out, err := json.Marshal(fs)
		return out, err == nil
	}
	w, ok1 := canon(want)
	g, ok2 := canon(got)
	return ok1 && ok2 && bytes.Equal(w, g)
}

// generic decodes JSON into maps and slices without its null object
// fields, for comparisons that ignore key order and explicit nulls.
func generic(b json.RawMessage) (any, bool) {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return dropNulls(v), true
}

func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
			} else {
				x[k] = dropNulls(e)
			}
		}
	case []any:
		for i := range x {
			x[i] = dropNulls(x[i])
		}
	}
	return v
}

// jsonEqual reports whether two JSON values are equal ignoring key order
// and null object fields.
func jsonEqual(a, b json.RawMessage) bool {
	x, ok1 := generic(a)
	y, ok2 := generic(b)
	return ok1 && ok2 && reflect.DeepEqual(x, y)
}

// jsonSubset reports whether every non-null field of want has the same
// value in got (got may carry more fields: defaults the writer filled in).
func jsonSubset(want, got json.RawMessage) bool {
	x, ok1 := generic(want)
	y, ok2 := generic(got)
	return ok1 && ok2 && subset(x, y)
}

func subset(want, got any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(want, got)
	}
	gm, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range wm {
		if !subset(v, gm[k]) {
			return false
		}
	}
	return true
}
