package ingest

import (
	"context"
	"errors"
	"io"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/inputsource"
)

// RowIterator yields parsed rows; *RowReader implements it. Next follows
// RowReader.Next's contract (io.EOF at the end, *ParseError for a skipped
// record, anything else fatal). An iterator belongs to one goroutine.
type RowIterator interface {
	Next() (Row, error)
	// Stats returns the row counts so far.
	Stats() RowStats
	Close() error
}

// SegmentRows reads the rows of existing segments for the druid input
// source. The task engine implements it with the segment reader; rows must
// already carry Time, Dimensions/Values per the task's dimensionsSpec and the
// metric columns in Fields.
type SegmentRows interface {
	OpenSegmentRows(ctx context.Context, src *inputsource.Druid, ds *DataSchema) (RowIterator, error)
}

// OpenRows opens the rows of a whole spec in input order: byte sources
// through the input format, druid sources through segments (nil segments
// makes a druid source ClassUnsupported). A combining source yields its
// delegates' rows one after the other.
func OpenRows(ctx context.Context, spec *Spec, segments SegmentRows) (RowIterator, error) {
	ds := &spec.DataSchema
	parser := NewRowParser(ds)
	filter := NewIntervalFilter(ds.GranularitySpec.BucketIntervals())
	var parts []func() (RowIterator, error)
	var add func(src inputsource.Source) error
	add = func(src inputsource.Source) error {
		switch s := src.(type) {
		case *inputsource.Combining:
			for _, d := range s.Delegates {
				if err := add(d); err != nil {
					return err
				}
			}
			return nil
		case *inputsource.Druid:
			if segments == nil {
				return base.Errorf(base.ClassUnsupported, "druid input source (dataSource %q): no segment reader is available", s.DataSource)
			}
			parts = append(parts, func() (RowIterator, error) { return segments.OpenSegmentRows(ctx, s, ds) })
			return nil
		}
		es, err := src.Entities(ctx)
		if err != nil {
			return err
		}
		if spec.IOConfig.InputFormat == nil {
			return base.Errorf(base.ClassInvalidInput, "input source %q needs an inputFormat", src.Type())
		}
		parts = append(parts, func() (RowIterator, error) {
			return NewRowReader(ctx, es, spec.IOConfig.InputFormat, parser, filter), nil
		})
		return nil
	}
	if err := add(spec.IOConfig.InputSource); err != nil {
		return nil, err
	}
	return &chainedRows{parts: parts}, nil
}

// chainedRows reads several iterators one after the other.
type chainedRows struct {
	parts []func() (RowIterator, error)
	cur   RowIterator
	done  RowStats
}

func (c *chainedRows) Next() (Row, error) {
	for {
		if c.cur == nil {
			if len(c.parts) == 0 {
				return Row{}, io.EOF
			}
			it, err := c.parts[0]()
			if err != nil {
				return Row{}, err
			}
			c.parts = c.parts[1:]
			c.cur = it
		}
		row, err := c.cur.Next()
		if errors.Is(err, io.EOF) {
			c.done.Add(c.cur.Stats())
			err := c.cur.Close()
			c.cur = nil
			if err != nil {
				return Row{}, err
			}
			continue
		}
		return row, err
	}
}

func (c *chainedRows) Stats() RowStats {
	s := c.done
	if c.cur != nil {
		s.Add(c.cur.Stats())
	}
	return s
}

func (c *chainedRows) Close() error {
	if c.cur == nil {
		return nil
	}
	err := c.cur.Close()
	c.cur = nil
	return err
}
