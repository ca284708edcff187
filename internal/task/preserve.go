package task

import (
	"fmt"
	"math"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

// existingMetrics reads, for tuningConfig.appendableIndexSpec
// .preserveExistingMetrics, the metric values a row already carries: for
// each aggregator, the record's field named like the aggregator's output.
// As in Druid's OnheapIncrementalIndex, a row that has the field is folded
// into the aggregator with its combining form, and a row without it is
// aggregated from its raw inputs. A null value counts as absent, since
// Druid's rows never hold one: its segment reader and JSON field discovery
// leave null fields out of the row.
//
// Plain values (a count of 2, a sum read back as a number or a string) are
// turned into the aggregator's stored form by a scratch rollup of the
// combining aggregator; complex values (first/last pairs, sketches) are
// stored states already and are checked by a scratch rollup of the
// aggregator itself. One existingMetrics belongs to one reader goroutine.
type existingMetrics struct {
	aggs []aggregation.Factory
	comb []aggregation.Factory
	// combIn is the number of inputs of comb[a]'s rollup (at least 1).
	combIn []int
	// has and stored describe the last row read.
	has    []bool
	stored []segment.Value
	// scratch rollups, replaced every scratchRows rows to bound memory.
	combScratch []aggregation.Rollup
	selfScratch []aggregation.Rollup
	hints       []int
	in          []segment.Value
	used        int
}

// scratchRows is how many rows the scratch rollups convert before they
// are replaced by empty ones.
const scratchRows = 4096

func newExistingMetrics(aggs []aggregation.Factory) *existingMetrics {
	e := &existingMetrics{aggs: aggs, has: make([]bool, len(aggs)), stored: make([]segment.Value, len(aggs)),
		hints: make([]int, len(aggs))}
	for _, a := range aggs {
		c := a.Combining()
		e.comb = append(e.comb, c)
		e.combIn = append(e.combIn, max(len(c.InputFields()), 1))
	}
	e.reset()
	return e
}

func (e *existingMetrics) reset() {
	e.combScratch = make([]aggregation.Rollup, len(e.aggs))
	e.selfScratch = make([]aggregation.Rollup, len(e.aggs))
	e.used = 0
}

// read fills has and stored from rec, whose time is t; it fails when an
// existing value cannot be a state of its aggregator (a malformed complex
// value).
func (e *existingMetrics) read(rec inputformat.Record, t int64) error {
	if e.used >= scratchRows {
		e.reset()
	}
	e.used++
	for a, f := range e.aggs {
		e.has[a], e.stored[a] = false, segment.Value{}
		raw, ok := fieldOf(rec, f.Name(), &e.hints[a])
		if !ok || raw == nil {
			continue
		}
		v, err := toValue(raw)
		if err != nil || v.Kind == segment.KindNull {
			continue
		}
		e.has[a] = true
		if v.Kind == segment.KindComplex {
			if e.selfScratch[a] == nil {
				e.selfScratch[a] = f.NewRollup()
			}
			if err := e.selfScratch[a].AddStored(v); err != nil {
				return fmt.Errorf("existing value of metric %q: %w", f.Name(), err)
			}
			e.stored[a] = v
			continue
		}
		if sv, ok := storedNumber(f.StorageType(), v); ok {
			e.stored[a] = sv
			continue
		}
		if e.combScratch[a] == nil {
			e.combScratch[a] = e.comb[a].NewRollup()
		}
		n := e.combIn[a]
		if cap(e.in) < n {
			e.in = make([]segment.Value, n)
		}
		e.in = e.in[:n]
		clear(e.in)
		e.in[0] = v
		sc := e.combScratch[a]
		sc.Add(t, e.in)
		e.stored[a] = sc.Stored(sc.Len() - 1)
	}
	return nil
}

// storedNumber converts a numeric value to a numeric storage type the way
// the combining aggregator reads it (doubles truncate to longs); it reports
// false for other values and types, which go through a scratch rollup.
func storedNumber(st base.ColumnType, v segment.Value) (segment.Value, bool) {
	var f float64
	switch v.Kind {
	case segment.KindLong:
		f = float64(v.Long)
	case segment.KindDouble, segment.KindFloat:
		f = v.Double
	default:
		return segment.Value{}, false
	}
	switch st.Kind {
	case base.KindLong:
		if v.Kind == segment.KindLong {
			return v, true
		}
		if math.IsNaN(f) {
			return segment.Value{}, false
		}
		return segment.LongValue(int64(f)), true
	case base.KindDouble:
		return segment.DoubleValue(f), true
	case base.KindFloat:
		return segment.FloatValue(float32(f)), true
	}
	return segment.Value{}, false
}

// fieldOf is fieldAt that also reports whether rec has the field.
func fieldOf(rec inputformat.Record, name string, hint *int) (any, bool) {
	if h := *hint; h < len(rec) && rec[h].Name == name {
		return rec[h].Value, true
	}
	for i := range rec {
		if rec[i].Name == name {
			*hint = i
			return rec[i].Value, true
		}
	}
	return nil, false
}
