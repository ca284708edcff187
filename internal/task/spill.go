package task

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest"
	"github.com/dryaddb/dryad/internal/segment"
)

// spiller persists in-memory indexes to spill files when a sink holds
// maxRowsInMemory rows or maxBytesInMemory bytes (Druid's intermediate
// persists), and merges them back, re-applying rollup, when the segment is
// closed. It is shared by a task's sinks; its counter is atomic.
type spiller struct {
	dir      string
	maxRows  int64
	maxBytes int64 // <= 0: no limit
	n        atomic.Int64
	persists atomic.Int64
	// closed counts the rows of closed segments the task's dynamic sinks
	// hold in memory until publishing (see dynamicSink.park).
	closed atomic.Int64
}

func newSpiller(dir string, t *ingest.TuningConfig) *spiller {
	sp := &spiller{dir: dir, maxRows: t.MaxRowsInMemory, maxBytes: t.MaxBytesInMemory}
	if sp.maxRows <= 0 {
		sp.maxRows = ingest.DefaultMaxRowsInMemory
	}
	if sp.maxBytes == 0 {
		// Druid's default is a sixth of the JVM heap; dryad uses a sixth of
		// the Go memory limit, or 1 GiB when none is set.
		lim := debug.SetMemoryLimit(-1)
		if lim <= 0 || lim == 1<<63-1 {
			lim = 6 << 30
		}
		sp.maxBytes = lim / 6
	}
	return sp
}

// over reports whether rows/bytes held in memory call for a persist.
func (sp *spiller) over(rows, bytes int64) bool {
	return rows >= sp.maxRows || (sp.maxBytes > 0 && bytes >= sp.maxBytes)
}

// persist writes ix to a new spill file and returns its path: an
// intermediate persist, counted as Druid counts them.
func (sp *spiller) persist(p *prepared, ix *rollupIndex, chunk base.Interval) (string, error) {
	path, err := sp.write(p, ix, chunk)
	if err == nil {
		sp.persists.Add(1)
	}
	return path, err
}

// write writes ix to a new spill file and returns its path.
func (sp *spiller) write(p *prepared, ix *rollupIndex, chunk base.Interval) (string, error) {
	if err := os.MkdirAll(sp.dir, 0o755); err != nil {
		return "", base.Errorf(base.ClassUnavailable, "spill directory %s: %w", sp.dir, err)
	}
	name := fmt.Sprintf("spill-%d.dryad", sp.n.Add(1))
	_, path, err := writeSegment(sp.dir, name, p, builtPart{chunk: chunk, ix: ix, shard: base.ShardSpec{Type: "numbered"}}, "spill")
	if err != nil {
		return "", err
	}
	return path, nil
}

// mergeSpills folds the spill files into ix (in order) and deletes them.
func mergeSpills(ix *rollupIndex, spills []string) error {
	for _, path := range spills {
		if err := mergeSpill(ix, path); err != nil {
			return err
		}
		_ = os.Remove(path)
	}
	return nil
}

func mergeSpill(ix *rollupIndex, path string) error {
	seg, err := segment.Open(path)
	if err != nil {
		return fmt.Errorf("spill %s: %w", filepath.Base(path), err)
	}
	defer seg.Close()
	meta := seg.Metadata()
	names := make([]string, len(meta.Dimensions))
	for i, d := range meta.Dimensions {
		names[i] = d.Name
	}
	rr, err := seg.NewRowReader()
	if err != nil {
		return fmt.Errorf("spill %s: %w", filepath.Base(path), err)
	}
	nd := len(names)
	vals := make([]segment.Value, nd)
	stored := make([]segment.Value, len(meta.Metrics))
	for rr.Next() {
		row := rr.Row()
		copy(vals, row[1:1+nd])
		for i := range vals {
			if vals[i].Kind == segment.KindStrings {
				vals[i].Strs = append([]string(nil), vals[i].Strs...)
			}
		}
		for i := range stored {
			v := row[1+nd+i]
			if v.Kind == segment.KindComplex {
				v.Bytes = bytes.Clone(v.Bytes)
			}
			stored[i] = v
		}
		if err := ix.addStored(row[0].Long, names, vals, stored); err != nil {
			return fmt.Errorf("spill %s: %w", filepath.Base(path), err)
		}
	}
	return nil
}
