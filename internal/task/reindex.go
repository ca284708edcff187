package task

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/ingest/inputsource"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/segment"
)

// visibleSegments returns the used segments of dataSource overlapping iv
// that are not overshadowed: a segment is hidden when another used segment
// whose interval contains it has a higher version, and tombstones hold no
// rows. The result is ordered by interval start and partition.
func visibleSegments(segs []base.DataSegment) []base.DataSegment {
	var out []base.DataSegment
	for _, s := range segs {
		hidden := false
		for _, o := range segs {
			if o.Version > s.Version && o.Interval.Start <= s.Interval.Start && s.Interval.End <= o.Interval.End {
				hidden = true
				break
			}
		}
		if !hidden && s.ShardSpec.Type != "tombstone" {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b base.DataSegment) int {
		if a.Interval.Start != b.Interval.Start {
			return cmpInt(a.Interval.Start, b.Interval.Start)
		}
		return a.ShardSpec.PartitionNum - b.ShardSpec.PartitionNum
	})
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// segParser returns the row parser for rows read from segments: the spec's
// dimensions, timed by __time in milliseconds whatever the spec's
// timestampSpec says (Druid's druid input source ignores it too).
func (p *prepared) segParser() *ingest.RowParser {
	p.segOnce.Do(func() {
		ts, err := ingest.NewTimestampSpec(base.TimeColumn, "millis", nil)
		if err != nil {
			// Only reachable if ingest stops knowing "millis".
			ts = p.spec.DataSchema.TimestampSpec
		}
		p.segTS = ts
		ds := p.spec.DataSchema
		ds.TimestampSpec = ts
		p.segRowParser = ingest.NewRowParser(&ds)
	})
	return p.segRowParser
}

// readsSegments reports whether src is, or combines, a druid input source.
func readsSegments(src inputsource.Source) bool {
	switch src := src.(type) {
	case *inputsource.Druid:
		return true
	case *inputsource.Combining:
		return slices.ContainsFunc(src.Delegates, readsSegments)
	}
	return false
}

// readSequential reads a source that involves segments, in order: druid
// sources through the segment reader, combining sources delegate by
// delegate, file-like sources through the input format.
func readSequential(ctx context.Context, env *engineEnv, p *prepared, src inputsource.Source, s sink) error {
	switch src := src.(type) {
	case *inputsource.Druid:
		return readDruidSource(ctx, env, p, src, s)
	case *inputsource.Combining:
		for _, d := range src.Delegates {
			if err := readSequential(ctx, env, p, d, s); err != nil {
				return err
			}
		}
		return nil
	}
	entities, err := src.Entities(ctx)
	if err != nil {
		return fmt.Errorf("listing input: %w", err)
	}
	if p.spec.IOConfig.InputFormat == nil {
		return base.Errorf(base.ClassInvalidInput, "spec.ioConfig.inputFormat: required for the %s input source", src.Type())
	}
	return readSplit(ctx, p, env.prog, entities, s)
}

// readDruidSource reads the rows of the druid input source (re-indexing):
// the visible segments of its datasource within its interval, each row
// becoming a record of __time, the dimensions and the stored metric values
// (restricted to the source's dimensions and metrics lists when given, and
// to rows matching its filter).
func readDruidSource(ctx context.Context, env *engineEnv, p *prepared, src *inputsource.Druid, s sink) error {
	used, err := env.store.UsedSegments(ctx, src.DataSource, src.Interval)
	if err != nil {
		return fmt.Errorf("druid input source %s: %w", src.DataSource, err)
	}
	var match filter.Matcher
	if len(src.Filter) > 0 && string(src.Filter) != "null" {
		f, err := filter.DecodeWith(src.Filter, "spec.ioConfig.inputSource.filter", env.lookups)
		if err != nil {
			return err
		}
		if match, err = filter.Compile(f); err != nil {
			return base.Errorf(base.ClassInvalidInput, "spec.ioConfig.inputSource.filter: %w", err)
		}
	}
	var row parsedRow
	dir := filepath.Join(env.workDir, "reindex")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return base.Errorf(base.ClassUnavailable, "re-index directory %s: %w", dir, err)
	}
	for i, ds := range visibleSegments(used) {
		path, local := env.pulled[ds.ID().String()]
		if !local {
			path = filepath.Join(dir, fmt.Sprintf("input-%d.seg", i))
			if err := env.deep.Pull(ctx, ds.LoadSpec, path); err != nil {
				return fmt.Errorf("pulling segment %s: %w", ds.ID(), err)
			}
		}
		env.prog.segmentsRead.Add(1)
		err := readSegmentRows(ctx, env, p, src, path, match, &row, s)
		if !local {
			_ = os.Remove(path)
		}
		if err != nil {
			return fmt.Errorf("segment %s: %w", ds.ID(), err)
		}
	}
	return nil
}

func readSegmentRows(ctx context.Context, env *engineEnv, p *prepared, src *inputsource.Druid, path string, match filter.Matcher, row *parsedRow, s sink) error {
	seg, err := segment.Open(path)
	if err != nil {
		return err
	}
	defer seg.Close()
	rr, err := seg.NewRowReader()
	if err != nil {
		return err
	}
	names := seg.ColumnNames()
	meta := seg.Metadata()
	keep := make([]bool, len(names))
	// Complex metric values pass through only to the aggregators that
	// read them (combining aggregators of a compaction or re-index).
	aggIn := map[string]bool{}
	for _, in := range p.aggInputs {
		for _, n := range in {
			aggIn[n] = true
		}
	}
	if p.preserve {
		// preserveExistingMetrics folds the stored states themselves.
		for _, f := range p.aggs {
			aggIn[f.Name()] = true
		}
	}
	for i, n := range names {
		switch {
		case i == 0:
			keep[i] = true
		case i <= len(meta.Dimensions):
			keep[i] = src.Dimensions == nil || slices.Contains(src.Dimensions, n)
		default:
			keep[i] = src.Metrics == nil || slices.Contains(src.Metrics, n)
		}
	}
	for n := 0; rr.Next(); n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		vals := rr.Row()
		if !src.Interval.Contains(vals[0].Long) {
			continue
		}
		rec := make(inputformat.Record, 0, len(names))
		for i, v := range vals {
			if !keep[i] {
				continue
			}
			if v.Kind == segment.KindComplex {
				if aggIn[names[i]] {
					rec = append(rec, inputformat.Field{Name: names[i], Value: v})
				}
				continue
			}
			rec = append(rec, inputformat.Field{Name: names[i], Value: recordValue(v)})
		}
		env.prog.processedBytes.Add(int64(8 * len(vals)))
		if match != nil && !filter.Matches(match, filterRow{rec: rec, time: vals[0].Long}) {
			env.prog.thrownAway.Add(1)
			continue
		}
		if err := processRecord(p, p.segParser(), env.prog, rec, row, s); err != nil {
			return err
		}
	}
	return nil
}

// recordValue is a stored value as an input format would have produced it.
func recordValue(v segment.Value) any {
	switch v.Kind {
	case segment.KindString:
		return v.Str
	case segment.KindStrings:
		out := make([]any, len(v.Strs))
		for i, s := range v.Strs {
			out[i] = s
		}
		return out
	case segment.KindLong:
		return v.Long
	case segment.KindFloat, segment.KindDouble:
		return v.Double
	}
	return nil
}
