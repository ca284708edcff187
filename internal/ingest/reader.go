package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/ingest/inputsource"
)

// BucketIntervals returns the input intervals rounded out to segment
// granularity buckets and condensed, or nil when no intervals are set. Druid
// keeps a row when its segment bucket lies in these intervals.
func (g *GranularitySpec) BucketIntervals() []base.Interval {
	if g.Intervals == nil {
		return nil
	}
	out := make([]base.Interval, 0, len(g.Intervals))
	for _, iv := range g.Intervals {
		out = append(out, base.Interval{Start: g.SegmentGranularity.Floor(iv.Start), End: g.SegmentGranularity.Ceil(iv.End)})
	}
	return base.CondenseIntervals(out)
}

// IntervalFilter tells whether a row time falls in a set of intervals.
// The zero value accepts everything. Immutable and safe for concurrent use.
type IntervalFilter struct {
	ivs []base.Interval // sorted, condensed
}

// NewIntervalFilter accepts times within ivs; no intervals (nil or empty)
// accepts everything, as a granularitySpec without intervals does.
func NewIntervalFilter(ivs []base.Interval) IntervalFilter {
	if len(ivs) == 0 {
		return IntervalFilter{}
	}
	return IntervalFilter{ivs: base.CondenseIntervals(ivs)}
}

// Accepts reports whether t is in one of the intervals.
func (f IntervalFilter) Accepts(t int64) bool {
	if f.ivs == nil {
		return true
	}
	i := sort.Search(len(f.ivs), func(i int) bool { return f.ivs[i].End > t })
	return i < len(f.ivs) && f.ivs[i].Start <= t
}

// RowReader reads the rows of a list of entities through an input format
// and a RowParser, counting them in RowStats. It is owned by one goroutine.
type RowReader struct {
	ctx      context.Context
	entities []inputsource.Entity
	format   inputformat.Format
	parser   *RowParser
	filter   IntervalFilter

	next    int
	cur     inputformat.Reader
	curBody io.Closer
	counter *countingReader
	stats   RowStats
	entity  string
	reads   int
	records int                 // records attempted in the current entity
	sys     []inputformat.Field // system fields of the current entity
	hints   fieldHints
}

// NewRowReader reads entities in order. Rows whose time fails filter are
// counted as thrownAway and skipped.
func NewRowReader(ctx context.Context, entities []inputsource.Entity, format inputformat.Format, parser *RowParser, filter IntervalFilter) *RowReader {
	return &RowReader{ctx: ctx, entities: entities, format: format, parser: parser, filter: filter, hints: parser.newHints()}
}

// Next returns the next row. Unparseable input (bad syntax, bad timestamp)
// is returned as a *ParseError, already counted; the caller records it
// (ParseExceptions) and keeps calling Next. io.EOF ends the input; any
// other error is fatal (I/O, decompression, HTTP).
func (r *RowReader) Next() (Row, error) {
	for {
		if r.cur == nil {
			if r.next >= len(r.entities) {
				return Row{}, io.EOF
			}
			if err := r.open(r.entities[r.next]); err != nil {
				return Row{}, err
			}
			r.next++
		}
		if r.reads++; r.reads&4095 == 0 {
			if err := r.ctx.Err(); err != nil {
				return Row{}, err
			}
		}
		rec, err := r.cur.Next()
		r.records++
		r.stats.ProcessedBytes = r.counter.base + r.counter.n
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				r.stats.Unparseable++
				if pe.Line > 0 {
					pe.Message = fmt.Sprintf("%s (Path: %s, Record: %d, Line: %d)", pe.Message, r.entity, r.records, pe.Line)
				}
				return Row{}, pe
			}
			cerr := r.closeCurrent()
			if errors.Is(err, io.EOF) {
				if cerr != nil {
					return Row{}, cerr
				}
				continue
			}
			return Row{}, fmt.Errorf("read %s: %w", r.entity, err)
		}
		for _, f := range r.sys {
			if _, ok := rec.Get(f.Name); !ok {
				rec = append(rec, f)
			}
		}
		row, err := r.parser.parse(rec, r.hints)
		if err != nil {
			r.stats.Unparseable++
			return Row{}, err
		}
		if !r.filter.Accepts(row.Time) {
			r.stats.ThrownAway++
			continue
		}
		if len(row.Errors) > 0 {
			r.stats.ProcessedWithError++
		} else {
			r.stats.Processed++
		}
		return row, nil
	}
}

func (r *RowReader) open(e inputsource.Entity) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	raw, err := e.OpenRaw(r.ctx)
	if err != nil {
		return err
	}
	prev := int64(0)
	if r.counter != nil {
		prev = r.counter.base + r.counter.n
	}
	r.counter = &countingReader{r: raw, base: prev}
	body, err := inputsource.Decompress(struct {
		io.Reader
		io.Closer
	}{r.counter, raw}, inputsource.CompressionOf(e.Path()))
	if err != nil {
		_ = raw.Close()
		return fmt.Errorf("entity %s: %w", e.URI(), err)
	}
	r.entity = e.URI()
	r.records = 0
	r.sys = r.sys[:0]
	if sf, ok := e.(inputsource.SystemFieldser); ok {
		for _, f := range sf.SystemFields() {
			r.sys = append(r.sys, inputformat.Field{Name: f, Value: inputsource.SystemFieldValue(e, f)})
		}
	}
	r.cur = r.format.NewReader(body)
	r.curBody = body
	return nil
}

func (r *RowReader) closeCurrent() error {
	r.cur = nil
	if r.curBody == nil {
		return nil
	}
	err := r.curBody.Close()
	r.curBody = nil
	return err
}

// Stats returns the counts so far.
func (r *RowReader) Stats() RowStats { return r.stats }

// Close releases the entity being read.
func (r *RowReader) Close() error { return r.closeCurrent() }

// countingReader counts the raw (possibly compressed) bytes read, as
// Druid's processedBytes does.
type countingReader struct {
	r    io.Reader
	n    int64
	base int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
