package task

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/expr"
	"github.com/dryaddb/dryad/internal/granularity"
	"github.com/dryaddb/dryad/internal/ingest"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/ingest/inputsource"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/query/dimension"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/segment"
)

// progress holds a running task's live row counts, updated by the reading
// goroutines and read by the chat endpoints. Safe for concurrent use.
type progress struct {
	processed, processedBytes, processedWithError, thrownAway, unparseable atomic.Int64
	segmentsRead, segmentsPublished                                        atomic.Int64
	state                                                                  atomic.Value // ingestion state string
	started                                                                time.Time

	mu         sync.Mutex
	exceptions *ingest.ParseExceptions
	determine  ingest.RowStats
}

func (p *progress) totals() ingest.RowStats {
	return ingest.RowStats{
		Processed: p.processed.Load(), ProcessedBytes: p.processedBytes.Load(),
		ProcessedWithError: p.processedWithError.Load(), ThrownAway: p.thrownAway.Load(),
		Unparseable: p.unparseable.Load(),
	}
}

func (p *progress) ingestionState() string {
	if s, ok := p.state.Load().(string); ok {
		return s
	}
	return "NOT_STARTED"
}

// exception records a parse exception; it returns an error once
// maxParseExceptions is exceeded.
func (p *progress) exception(errorType, input string, details ...string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exceptions.Add(errorType, input, details...)
}

// Locker acquires the task's time-chunk locks on intervals, waiting while
// other tasks hold overlapping ones, and returns them. It fails when ctx ends.
type Locker func(ctx context.Context, intervals []base.Interval) ([]Lock, error)

// engineEnv is what the index engine needs from its task and worker.
type engineEnv struct {
	taskID  string
	store   *metadata.Store
	deep    deepstorage.Storage
	workDir string
	// manifest records pushed, unpublished files (deleted on restart).
	manifest string
	log      *slog.Logger
	lock     Locker
	prog     *progress
	now      func() time.Time
	// compactionState, when set, is the lastCompactionState stamped on
	// every published segment (compaction tasks).
	compactionState json.RawMessage
	// pulled maps segment ids to local copies the task already pulled
	// (compaction reads each input segment's metadata first); the druid
	// input source reads them instead of pulling again.
	pulled map[string]string
	// lookups resolves the lookups of transforms and filters (Config.Lookups).
	lookups dimension.LookupFunc
}

// prepared is a decoded spec with everything the engine compiles once.
type prepared struct {
	spec      *ingest.Spec
	parser    *ingest.RowParser
	aggs      []aggregation.Factory
	aggInputs [][]string
	// preserve is tuningConfig.appendableIndexSpec.preserveExistingMetrics
	// with a metricsSpec: rows carrying a metric's output column are folded
	// with the metric's combining form.
	preserve   bool
	transforms []compiledTransform
	filter     filter.Matcher
	declared   []dimCol
	segGran    granularity.Granularity
	queryGran  granularity.Granularity
	intervals  ingest.IntervalFilter
	queryGranJ json.RawMessage
	spill      *spiller

	segOnce      sync.Once
	segRowParser *ingest.RowParser
	segTS        ingest.TimestampSpec
}

type compiledTransform struct {
	name string
	c    *expr.Compiled
}

// prepare compiles spec's metrics, transforms and transform filter;
// lookups binds lookup() in transforms and the filter's lookups (nil: none).
func prepare(spec *ingest.Spec, lookups dimension.LookupFunc) (*prepared, error) {
	p := &prepared{spec: spec, parser: ingest.NewRowParser(&spec.DataSchema)}
	ds := &spec.DataSchema
	for _, m := range ds.Metrics {
		f, err := aggregation.Decode(m.Raw)
		if err != nil {
			return nil, fmt.Errorf("spec.dataSchema.metricsSpec %q: %w", m.Name, err)
		}
		p.aggs = append(p.aggs, f)
		p.aggInputs = append(p.aggInputs, f.InputFields())
	}
	p.preserve = spec.TuningConfig.AppendableIndexSpec.PreserveExistingMetrics && len(p.aggs) > 0
	for _, d := range ds.DimensionsSpec.Dimensions {
		t := d.ColumnType()
		switch t.Kind {
		case base.KindString, base.KindLong, base.KindFloat, base.KindDouble:
		default:
			return nil, base.Errorf(base.ClassUnsupported, "spec.dataSchema.dimensionsSpec: dimension %q of type %q: dryad segments store only string, long, float and double dimensions", d.Name, d.Type)
		}
		p.declared = append(p.declared, dimCol{name: d.Name, typ: t, fixed: true})
	}
	for i, t := range ds.TransformSpec.Transforms {
		c, err := compileTransform(t.Expression, lookups)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "spec.dataSchema.transformSpec.transforms[%d] %q: %w", i, t.Name, err)
		}
		p.transforms = append(p.transforms, compiledTransform{name: t.Name, c: c})
	}
	if len(ds.TransformSpec.Filter) > 0 && string(ds.TransformSpec.Filter) != "null" {
		f, err := filter.DecodeWith(ds.TransformSpec.Filter, "spec.dataSchema.transformSpec.filter", lookups)
		if err != nil {
			return nil, err
		}
		m, err := filter.Compile(f)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "spec.dataSchema.transformSpec.filter: %w", err)
		}
		p.filter = m
	}
	gs := &ds.GranularitySpec
	p.segGran, p.queryGran = gs.SegmentGranularity, gs.QueryGranularity
	p.intervals = ingest.NewIntervalFilter(gs.BucketIntervals())
	qj, err := json.Marshal(gs.QueryGranularity)
	if err != nil {
		return nil, base.Errorf(base.ClassInternal, "queryGranularity: %w", err)
	}
	p.queryGranJ = qj
	ps := spec.TuningConfig.PartitionsSpec
	if spec.IOConfig.AppendToExisting && ps.Guaranteed() {
		return nil, base.Errorf(base.ClassInvalidInput, "spec.tuningConfig.partitionsSpec: appendToExisting requires dynamic partitioning, not %q", ps.Type)
	}
	if spec.IOConfig.DropExisting && spec.IOConfig.AppendToExisting {
		return nil, base.Errorf(base.ClassInvalidInput, "spec.ioConfig.dropExisting cannot be used with appendToExisting")
	}
	return p, nil
}

// compileTransform parses and binds a transform expression (input types
// unknown), binding lookup() through lookups.
func compileTransform(s string, lookups dimension.LookupFunc) (*expr.Compiled, error) {
	e, err := expr.Parse(s)
	if err != nil {
		return nil, err
	}
	return expr.BindOptions(e, expr.Options{Lookups: lookups.Expr()})
}

// sink receives the rows one reader produces. A sink is owned by one
// goroutine.
type sink interface {
	add(r *parsedRow) error
	// finish closes every open segment.
	finish() error
}

// parsedRow is one row ready for indexing. A reader reuses one.
type parsedRow struct {
	time   int64 // untruncated
	names  []string
	vals   []segment.Value
	inputs [][]segment.Value
	// existing is nil unless preserving existing metrics; then
	// existing.has[a] tells that aggregator a's output column was in the
	// record and existing.stored[a] is its value as a stored state.
	existing *existingMetrics
	// hints[a][i] is where aggregator a's input i was found in the last
	// record: records of one input usually list fields in the same order.
	hints [][]int
	// scratch is the row parser's reusable state, valid for scratchOf.
	scratch   ingest.RowScratch
	scratchOf *ingest.RowParser
}

// fieldAt returns rec's field name, trying position *hint first and
// remembering where it was found.
func fieldAt(rec inputformat.Record, name string, hint *int) any {
	if h := *hint; h < len(rec) && rec[h].Name == name {
		return rec[h].Value
	}
	for i := range rec {
		if rec[i].Name == name {
			*hint = i
			return rec[i].Value
		}
	}
	return nil
}

// builtPart is one segment to write: rows of an index within a time chunk.
type builtPart struct {
	chunk base.Interval
	ix    *rollupIndex
	rows  []int32 // nil: all rows of ix
	shard base.ShardSpec
	// parked are spill files holding more of the part's rows (ix, when not
	// nil, holds the rest): a closed dynamic segment is kept on disk until
	// it is written, so memory does not grow with the input.
	parked []string
}

// load merges the part's parked spill files and in-memory rows into one
// index (re-applying rollup), as openSeg.close does.
func (pt *builtPart) load(p *prepared) (*rollupIndex, error) {
	if len(pt.parked) == 0 {
		return pt.ix, nil
	}
	m := p.newIndex()
	if err := mergeSpills(m, pt.parked); err != nil {
		return nil, err
	}
	if pt.ix != nil {
		if err := m.mergeFrom(pt.ix); err != nil {
			return nil, err
		}
	}
	pt.ix, pt.parked = m, nil
	return m, nil
}

// openSeg is a segment being built: an in-memory index and the spill files
// of its earlier persists.
type openSeg struct {
	chunk  base.Interval
	ix     *rollupIndex
	spills []string
	// spilled counts the rows persisted so far (before cross-spill rollup,
	// as Druid counts a segment's rows).
	spilled int64
}

func (o *openSeg) rows() int64 { return o.spilled + int64(o.ix.numRows()) }

// close merges the spills and the in-memory rows into one index.
func (o *openSeg) close(p *prepared) (*rollupIndex, error) {
	if len(o.spills) == 0 {
		return o.ix, nil
	}
	m := p.newIndex()
	if err := mergeSpills(m, o.spills); err != nil {
		return nil, err
	}
	if err := m.mergeFrom(o.ix); err != nil {
		return nil, err
	}
	o.spills = nil
	return m, nil
}

func (p *prepared) newIndex() *rollupIndex {
	return newRollupIndex(p.declared, p.aggs, p.spec.DataSchema.GranularitySpec.Rollup)
}

// segSet is the open segments of a sink, one per time chunk, with the
// memory accounting that triggers persists.
type segSet struct {
	p      *prepared
	open   map[int64]*openSeg
	order  []int64 // chunk starts in first-seen order
	memRow int64
	adds   int
}

func newSegSet(p *prepared) segSet {
	return segSet{p: p, open: map[int64]*openSeg{}}
}

// add adds r to its chunk's open segment, first persisting every open
// segment when memory is full. It returns the segment. Persisting before
// rather than after the add holds the same memory bound (at most
// maxRowsInMemory rows) but never writes a spill only to merge it back at
// once because the input ended.
func (s *segSet) add(r *parsedRow) (*openSeg, bool, error) {
	if s.memRow >= s.p.spill.maxRows || (s.adds&255 == 255 && s.p.spill.over(0, s.memBytes())) {
		if err := s.persistAll(); err != nil {
			return nil, false, err
		}
	}
	chunk := s.p.segGran.Bucket(r.time)
	o := s.open[chunk.Start]
	if o == nil {
		o = &openSeg{chunk: chunk, ix: s.p.newIndex()}
		s.open[chunk.Start] = o
		s.order = append(s.order, chunk.Start)
	}
	before := o.ix.numRows()
	if err := o.ix.add(s.p.queryGran.Floor(r.time), r.time, r.names, r.vals, r.inputs, r.existing); err != nil {
		return nil, false, err
	}
	added := o.ix.numRows() > before
	if added {
		s.memRow++
	}
	s.adds++
	return o, added, nil
}

func (s *segSet) memBytes() int64 {
	var b int64
	for _, o := range s.open {
		b += o.ix.estimatedBytes()
	}
	return b
}

// persistAll writes every open segment's in-memory rows to a spill file.
func (s *segSet) persistAll() error {
	for _, st := range s.order {
		o := s.open[st]
		if o.ix.numRows() == 0 {
			continue
		}
		path, err := s.p.spill.persist(s.p, o.ix, o.chunk)
		if err != nil {
			return err
		}
		o.spills = append(o.spills, path)
		o.spilled += int64(o.ix.numRows())
		o.ix = s.p.newIndex()
	}
	s.memRow = 0
	return nil
}

// closeAll closes every open segment and returns them in chunk order of
// first appearance.
func (s *segSet) closeAll() ([]builtPart, error) {
	var parts []builtPart
	for _, st := range s.order {
		o := s.open[st]
		ix, err := o.close(s.p)
		if err != nil {
			return nil, err
		}
		if ix.numRows() > 0 {
			parts = append(parts, builtPart{chunk: o.chunk, ix: ix})
		}
	}
	clear(s.open)
	s.order = s.order[:0]
	s.memRow = 0
	return parts, nil
}

// detachAll closes every open segment without merging its spill files:
// each becomes a part holding its spill files and its in-memory rows (nil
// when it has none), in chunk order of first appearance.
func (s *segSet) detachAll() []builtPart {
	var parts []builtPart
	for _, st := range s.order {
		o := s.open[st]
		pt := builtPart{chunk: o.chunk, parked: o.spills}
		if o.ix.numRows() > 0 {
			pt.ix = o.ix
		}
		if pt.ix != nil || len(pt.parked) > 0 {
			parts = append(parts, pt)
		}
		o.spills = nil
	}
	clear(s.open)
	s.order = s.order[:0]
	s.memRow = 0
	return parts
}

// dynamicSink is Druid's appenderator for dynamic partitioning: one open
// segment per time chunk; after a row makes its segment reach
// maxRowsPerSegment, or the open segments together reach maxTotalRows, every
// open segment is closed (Druid's pushAllAndClear).
type dynamicSink struct {
	segs     segSet
	maxRows  int64
	maxTotal int64
	total    int64
	parts    []builtPart
}

func newDynamicSink(p *prepared) *dynamicSink {
	ps := p.spec.TuningConfig.PartitionsSpec
	s := &dynamicSink{segs: newSegSet(p), maxRows: ps.MaxRowsPerSegment, maxTotal: ps.MaxTotalRows}
	if s.maxRows <= 0 {
		s.maxRows = ingest.DefaultMaxRowsPerSegment
	}
	if s.maxTotal <= 0 {
		s.maxTotal = ingest.DefaultMaxTotalRows
	}
	return s
}

func (s *dynamicSink) add(r *parsedRow) error {
	o, added, err := s.segs.add(r)
	if err != nil {
		return err
	}
	if added {
		s.total++
	}
	if o.rows() >= s.maxRows || s.total >= s.maxTotal {
		return s.finish()
	}
	return nil
}

// finish closes the open segments. A segment's spill files are not merged
// now but when the segment is written (builtPart.load), one segment at a
// time; and once the closed segments of all the task's sinks hold
// maxRowsInMemory rows in memory, their in-memory rows are parked in spill
// files too (Druid pushes closed segments at once; dryad writes them when
// the task publishes). Memory thus stays bounded however large the input.
func (s *dynamicSink) finish() error {
	sp := s.segs.p.spill
	for _, pt := range s.segs.detachAll() {
		if pt.ix != nil {
			sp.closed.Add(int64(pt.ix.numRows()))
		}
		s.parts = append(s.parts, pt)
	}
	s.total = 0
	if sp.closed.Load() >= sp.maxRows {
		return s.park()
	}
	return nil
}

// park writes the in-memory rows of the sink's closed segments to spill
// files.
func (s *dynamicSink) park() error {
	p := s.segs.p
	for i := range s.parts {
		pt := &s.parts[i]
		if pt.ix == nil {
			continue
		}
		path, err := p.spill.write(p, pt.ix, pt.chunk)
		if err != nil {
			return err
		}
		p.spill.closed.Add(-int64(pt.ix.numRows()))
		pt.ix, pt.parked = nil, append(pt.parked, path)
	}
	return nil
}

// chunkSink rolls every row of a time chunk into one index, for the
// secondary partitionings (perfect rollup), which partition afterwards.
type chunkSink struct {
	segs  segSet
	parts []builtPart
}

func newChunkSink(p *prepared) *chunkSink {
	return &chunkSink{segs: newSegSet(p)}
}

func (s *chunkSink) add(r *parsedRow) error {
	_, _, err := s.segs.add(r)
	return err
}

func (s *chunkSink) finish() error {
	parts, err := s.segs.closeAll()
	s.parts = append(s.parts, parts...)
	return err
}

// result is what an index run produced.
type result struct {
	segments []base.DataSegment
}

// runIndex runs an index/index_parallel task to completion: read, build,
// push, publish. On any error (or cancellation) nothing is published and
// every pushed file is deleted.
func runIndex(ctx context.Context, env *engineEnv, t *ingest.Task) (res result, err error) {
	p, err := prepare(&t.Spec, env.lookups)
	if err != nil {
		return res, err
	}
	spec := &t.Spec
	p.spill = newSpiller(filepath.Join(env.workDir, "spill"), &spec.TuningConfig)
	env.prog.state.Store("BUILD_SEGMENTS")
	if readsSegments(spec.IOConfig.InputSource) {
		var s sink
		if spec.TuningConfig.PartitionsSpec.Guaranteed() {
			s = newChunkSink(p)
		} else {
			s = newDynamicSink(p)
		}
		if err := readSequential(ctx, env, p, spec.IOConfig.InputSource, s); err != nil {
			return res, err
		}
		if err := s.finish(); err != nil {
			return res, err
		}
		return finishBuild(ctx, env, t, p, []sink{s})
	}
	entities, err := spec.IOConfig.InputSource.Entities(ctx)
	if err != nil {
		return res, fmt.Errorf("listing input: %w", err)
	}
	hint := spec.TuningConfig.SplitHint
	splits := inputsource.Split(entities, hint.MaxSplitSize, hint.MaxNumFiles)
	workers := 1
	parallel := t.Type == "index_parallel" && spec.TuningConfig.MaxNumConcurrentSubTasks > 1
	if parallel {
		workers = min(spec.TuningConfig.MaxNumConcurrentSubTasks, runtime.GOMAXPROCS(0), len(splits))
	}
	guaranteed := spec.TuningConfig.PartitionsSpec.Guaranteed()
	env.log.Info("reading input", "entities", len(entities), "splits", len(splits), "readers", max(workers, 1),
		"partitionsSpec", spec.TuningConfig.PartitionsSpec.Type)

	var sinks []sink
	var sinksMu sync.Mutex
	newSink := func() sink {
		var s sink
		if guaranteed {
			s = newChunkSink(p)
		} else {
			s = newDynamicSink(p)
		}
		sinksMu.Lock()
		sinks = append(sinks, s)
		sinksMu.Unlock()
		return s
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan []inputsource.Entity)
	errs := make(chan error, max(workers, 1))
	var wg sync.WaitGroup
	var shared sink
	if !parallel {
		shared = newSink()
	}
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for split := range work {
				s := shared
				if s == nil {
					s = newSink() // one sub-task (and appenderator) per split, as Druid's parallel task
				}
				if err := readSplit(rctx, p, env.prog, split, s); err != nil {
					errs <- err
					cancel()
					return
				}
				if parallel {
					if err := s.finish(); err != nil {
						errs <- err
						cancel()
						return
					}
				}
			}
		}()
	}
feed:
	for _, sp := range splits {
		select {
		case work <- sp:
		case <-rctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	for _, s := range sinks {
		if err := s.finish(); err != nil {
			return res, err
		}
	}
	return finishBuild(ctx, env, t, p, sinks)
}

// finishBuild partitions what the sinks hold, then writes, pushes and
// publishes it.
func finishBuild(ctx context.Context, env *engineEnv, t *ingest.Task, p *prepared, sinks []sink) (result, error) {
	spec := &t.Spec
	if spec.TuningConfig.PartitionsSpec.Guaranteed() {
		// Druid reads the input twice for these (determine partitions, then
		// build); the first pass's counts are the same rows.
		needsDetermine := spec.TuningConfig.PartitionsSpec.Type != "hashed" || spec.TuningConfig.PartitionsSpec.NumShards == 0
		if needsDetermine {
			env.prog.mu.Lock()
			env.prog.determine = env.prog.totals()
			env.prog.mu.Unlock()
		}
	}
	parts, err := partition(p, sinks)
	if err != nil {
		return result{}, err
	}
	env.log.Info("rows indexed", "segments", len(parts), "intermediatePersists", p.spill.persists.Load())
	return buildAndPublish(ctx, env, t, p, parts)
}

// readSplit reads one split's entities into s.
func readSplit(ctx context.Context, p *prepared, prog *progress, split []inputsource.Entity, s sink) error {
	format := p.spec.IOConfig.InputFormat
	for _, e := range split {
		if err := readEntity(ctx, p, prog, format, e, s); err != nil {
			return err
		}
	}
	return nil
}

type countingReader struct {
	r    io.Reader
	prog *progress
}

// Read counts the raw bytes read into the task's processedBytes.
func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.prog.processedBytes.Add(int64(n))
	return n, err
}

func readEntity(ctx context.Context, p *prepared, prog *progress, format inputformat.Format, e inputsource.Entity, s sink) error {
	raw, err := e.OpenRaw(ctx)
	if err != nil {
		return err
	}
	body, err := inputsource.Decompress(struct {
		io.Reader
		io.Closer
	}{&countingReader{r: raw, prog: prog}, raw}, inputsource.CompressionOf(e.Path()))
	if err != nil {
		_ = raw.Close()
		return fmt.Errorf("entity %s: %w", e.URI(), err)
	}
	defer body.Close()
	rd := format.NewReader(body)
	var row parsedRow
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := rd.Next()
		if err != nil {
			var pe *ingest.ParseError
			if errors.As(err, &pe) {
				prog.unparseable.Add(1)
				msg := pe.Message
				if pe.Line > 0 {
					msg = fmt.Sprintf("%s (Path: %s, Record: %d)", msg, e.URI(), pe.Line)
				}
				if xerr := prog.exception("unparseable", pe.Input, msg); xerr != nil {
					return xerr
				}
				continue
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read %s: %w", e.URI(), err)
		}
		if err := processRecord(p, p.parser, prog, rec, &row, s); err != nil {
			return err
		}
	}
}

// recBindings binds a record (and __time) for transform expressions and
// filters.
type recBindings struct {
	rec  inputformat.Record
	time int64
}

// Value binds a field (or __time) for a transform expression.
func (b recBindings) Value(name string) expr.Value {
	if name == base.TimeColumn {
		return expr.Long(b.time)
	}
	v, _ := b.rec.Get(name)
	return expr.FromAny(v)
}

type filterRow struct {
	rec  inputformat.Record
	time int64
}

// Value gives the transform filter a field (or __time).
func (f filterRow) Value(name string) any {
	if name == base.TimeColumn {
		return f.time
	}
	v, _ := f.rec.Get(name)
	return v
}

func processRecord(p *prepared, parser *ingest.RowParser, prog *progress, rec inputformat.Record, row *parsedRow, s sink) error {
	var timeOverride *int64
	if len(p.transforms) > 0 {
		ts := &p.spec.DataSchema.TimestampSpec
		if parser != p.parser {
			ts = &p.segTS
		}
		raw, _ := rec.Get(ts.Column)
		t, _ := ts.Parse(raw)
		b := recBindings{rec: rec, time: t}
		out := make(inputformat.Record, len(rec), len(rec)+len(p.transforms))
		copy(out, rec)
		for _, tr := range p.transforms {
			v, err := tr.c.EvalRow(b)
			if err != nil {
				prog.unparseable.Add(1)
				return prog.exception("unparseable", rec.String(), fmt.Sprintf("transform %q: %v", tr.name, err))
			}
			if tr.name == base.TimeColumn {
				if l, ok := v.AsLong(); ok && !v.Null {
					timeOverride = &l
				}
				continue
			}
			out = setField(out, tr.name, v.Any())
		}
		rec = out
	}
	if row.scratchOf != parser {
		row.scratch, row.scratchOf = ingest.RowScratch{}, parser
	}
	r, err := parser.ParseReusing(rec, &row.scratch)
	if err != nil {
		var pe *ingest.ParseError
		if errors.As(err, &pe) {
			prog.unparseable.Add(1)
			return prog.exception("unparseable", pe.Input, pe.Message)
		}
		return err
	}
	if timeOverride != nil {
		r.Time = *timeOverride
	}
	if !p.intervals.Accepts(r.Time) {
		prog.thrownAway.Add(1)
		return nil
	}
	if p.filter != nil && !filter.Matches(p.filter, filterRow{rec: rec, time: r.Time}) {
		prog.thrownAway.Add(1)
		return nil
	}
	if p.preserve {
		if row.existing == nil {
			row.existing = newExistingMetrics(p.aggs)
		}
		if err := row.existing.read(rec, r.Time); err != nil {
			prog.unparseable.Add(1)
			return prog.exception("unparseable", rec.String(), err.Error())
		}
	}
	if len(r.Errors) > 0 {
		prog.processedWithError.Add(1)
		if err := prog.exception("processedWithError", rec.String(), r.Errors...); err != nil {
			return err
		}
	} else {
		prog.processed.Add(1)
	}
	row.time = r.Time
	row.names = r.Dimensions
	row.vals = row.vals[:0]
	for _, v := range r.Values {
		sv, err := toValue(v)
		if err != nil {
			return err
		}
		row.vals = append(row.vals, sv)
	}
	if cap(row.inputs) < len(p.aggInputs) {
		row.inputs = make([][]segment.Value, len(p.aggInputs))
	}
	row.inputs = row.inputs[:len(p.aggInputs)]
	if len(row.hints) != len(p.aggInputs) {
		row.hints = make([][]int, len(p.aggInputs))
		for a, fields := range p.aggInputs {
			row.hints[a] = make([]int, len(fields))
		}
	}
	for a, fields := range p.aggInputs {
		in := row.inputs[a][:0]
		for i, f := range fields {
			if f == base.TimeColumn {
				in = append(in, segment.LongValue(r.Time))
				continue
			}
			raw := fieldAt(rec, f, &row.hints[a][i])
			sv, err := toValue(raw)
			if err != nil {
				sv = segment.Value{}
			}
			in = append(in, sv)
		}
		row.inputs[a] = in
	}
	return s.add(row)
}

func setField(rec inputformat.Record, name string, v any) inputformat.Record {
	for i := range rec {
		if rec[i].Name == name {
			rec[i].Value = v
			return rec
		}
	}
	return append(rec, inputformat.Field{Name: name, Value: v})
}

// toValue converts a parsed dimension or raw input value to a segment value.
func toValue(v any) (segment.Value, error) {
	switch v := v.(type) {
	case nil:
		return segment.Value{}, nil
	case segment.Value:
		// A stored value read back from a segment (a complex metric).
		return v, nil
	case string:
		return segment.StringValue(v), nil
	case []string:
		if len(v) == 0 {
			return segment.Value{}, nil
		}
		if len(v) == 1 {
			return segment.StringValue(v[0]), nil
		}
		return segment.StringsValue(v), nil
	case int64:
		return segment.LongValue(v), nil
	case int:
		return segment.LongValue(int64(v)), nil
	case float64:
		return segment.DoubleValue(v), nil
	case float32:
		return segment.FloatValue(v), nil
	case bool:
		if v {
			return segment.LongValue(1), nil
		}
		return segment.LongValue(0), nil
	case []any:
		s := make([]string, 0, len(v))
		for _, e := range v {
			if e != nil {
				s = append(s, inputformat.JavaString(e))
			}
		}
		return toValue(s)
	}
	return segment.Value{}, base.Errorf(base.ClassUnsupported, "value of type %T: nested values need json dimensions, which dryad does not store yet", v)
}

// writeSegment writes one part to a file under dir and returns its
// metadata as a DataSegment without loadSpec.
func writeSegment(dir, name string, p *prepared, part builtPart, version string) (base.DataSegment, string, error) {
	ix := part.ix
	rows := ix.sortedRows(part.rows)
	meta := segment.Metadata{
		DataSource: p.spec.DataSchema.DataSource, Interval: part.chunk, Version: version,
		PartitionNum: part.shard.PartitionNum, QueryGranularity: p.queryGranJ,
		Rollup: p.spec.DataSchema.GranularitySpec.Rollup,
	}
	ds := base.DataSegment{DataSource: meta.DataSource, Interval: part.chunk, Version: version,
		ShardSpec: part.shard, BinaryVersion: 9, TotalRows: int64(len(rows))}
	for _, d := range ix.dims {
		typ := d.typ
		if typ.Kind == base.KindUnknown {
			typ = base.TypeString
		}
		meta.Dimensions = append(meta.Dimensions, segment.Dimension{Name: d.name, Type: typ, MultiValue: d.multi && typ == base.TypeString})
		ds.Dimensions = append(ds.Dimensions, d.name)
	}
	for _, a := range p.aggs {
		spec, err := a.MarshalJSON()
		if err != nil {
			return ds, "", base.Errorf(base.ClassInternal, "aggregator %q: %w", a.Name(), err)
		}
		meta.Metrics = append(meta.Metrics, segment.Metric{Name: a.Name(), Type: a.StorageType(), Aggregator: spec})
		ds.Metrics = append(ds.Metrics, a.Name())
	}
	cols, err := buildColumns(ix, rows, &meta)
	if err != nil {
		return ds, "", fmt.Errorf("segment %s: %w", ds.ID(), err)
	}
	if name == "" {
		name = fmt.Sprintf("%s_%d.dryad", strconv.FormatInt(part.chunk.Start, 10), part.shard.PartitionNum)
	}
	path := filepath.Join(dir, name)
	size, err := writeLocal(path, meta, cols)
	if err != nil {
		return ds, "", fmt.Errorf("writing segment %s: %w", ds.ID(), err)
	}
	ds.Size = size
	return ds, path, nil
}

// writeLocal writes a segment file in the task's work directory. It is not
// synced: the durable copy is the one pushed to deep storage, and a crash
// discards the work directory anyway.
func writeLocal(path string, meta segment.Metadata, cols []segment.ColumnData) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, base.Errorf(base.ClassUnavailable, "creating %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	size, err := segment.Write(w, meta, cols)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return 0, err
	}
	return size, nil
}

// versionedChunk is the version and partition numbering of one time chunk.
type versionedChunk struct {
	version string
	// append: the first partition number to use and the core partition
	// count of the existing version (existing true).
	nextPartition  int
	corePartitions int
	existing       bool
}

// buildAndPublish assigns versions and partition numbers, writes, pushes
// and publishes the parts.
func buildAndPublish(ctx context.Context, env *engineEnv, t *ingest.Task, p *prepared, parts []builtPart) (res result, err error) {
	spec := &t.Spec
	// The time chunks to lock: the spec's intervals, or those the data hit.
	var chunks []base.Interval
	if spec.DataSchema.GranularitySpec.Intervals != nil {
		for _, iv := range spec.DataSchema.GranularitySpec.BucketIntervals() {
			for s := iv.Start; s < iv.End; {
				b := p.segGran.Bucket(s)
				chunks = append(chunks, b)
				s = b.End
			}
		}
	} else {
		seen := map[int64]bool{}
		for _, pt := range parts {
			if !seen[pt.chunk.Start] {
				seen[pt.chunk.Start] = true
				chunks = append(chunks, pt.chunk)
			}
		}
	}
	if len(chunks) == 0 {
		env.log.Info("no rows to index; nothing to publish")
		return res, nil
	}
	locks, err := env.lock(ctx, chunks)
	if err != nil {
		return res, err
	}
	versions := map[int64]*versionedChunk{}
	for _, c := range chunks {
		l := lockCovering(locks, c)
		if l == nil {
			return res, base.Errorf(base.ClassConflict, "task %s holds no lock covering %s", env.taskID, c)
		}
		versions[c.Start] = &versionedChunk{version: l.Version}
	}
	if spec.IOConfig.AppendToExisting {
		for _, c := range chunks {
			if err := allocateAppend(ctx, env, spec.DataSchema.DataSource, c, versions[c.Start]); err != nil {
				return res, err
			}
		}
	}
	// Number partitions per chunk.
	byChunk := map[int64][]int{}
	for i, pt := range parts {
		byChunk[pt.chunk.Start] = append(byChunk[pt.chunk.Start], i)
	}
	for start, idxs := range byChunk {
		vc := versions[start]
		for n, i := range idxs {
			sh := &parts[i].shard
			switch sh.Type {
			case "", "numbered":
				sh.Type = "numbered"
				if vc.existing {
					sh.PartitionNum = vc.nextPartition + n
					sh.Partitions = ptr(vc.corePartitions)
				} else {
					sh.PartitionNum = n
					sh.Partitions = ptr(len(idxs))
				}
			case "hashed":
				sh.PartitionNum = n
				sh.Partitions = ptr(len(idxs))
			case "single", "range":
				sh.PartitionNum = n
				sh.NumCorePartitions = ptr(len(idxs))
			}
		}
	}
	if spec.IOConfig.AppendToExisting {
		if err := recordAllocations(ctx, env, spec.DataSchema.DataSource, parts, versions); err != nil {
			return res, err
		}
	}
	if err := os.MkdirAll(env.workDir, 0o755); err != nil {
		return res, base.Errorf(base.ClassUnavailable, "task directory %s: %w", env.workDir, err)
	}
	var pushed []json.RawMessage
	defer func() {
		if err != nil {
			for _, ls := range pushed {
				if kerr := env.deep.Kill(context.WithoutCancel(ctx), ls); kerr != nil {
					env.log.Warn("deleting pushed segment", "loadSpec", string(ls), "error", kerr)
				}
			}
		}
	}()
	manifest := env.manifest
	var segs []base.DataSegment
	for i := range parts {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		pt := &parts[i]
		if _, err := pt.load(p); err != nil {
			return res, err
		}
		vc := versions[pt.chunk.Start]
		ds, file, err := writeSegment(env.workDir, "", p, *pt, vc.version)
		pt.ix = nil // written: let it go before the next part is read back
		if err != nil {
			return res, err
		}
		ls, _, err := env.deep.Push(ctx, file, ds)
		if err != nil {
			return res, err
		}
		_ = os.Remove(file)
		pushed = append(pushed, ls)
		if err := writeManifest(manifest, pushed); err != nil {
			return res, err
		}
		ds.LoadSpec = ls
		ds.LastCompactionState = env.compactionState
		segs = append(segs, ds)
		env.log.Info("pushed segment", "segment", ds.ID().String(), "rows", ds.TotalRows, "size", ds.Size)
	}
	if spec.IOConfig.DropExisting && spec.DataSchema.GranularitySpec.Intervals != nil {
		for _, c := range chunks {
			if len(byChunk[c.Start]) > 0 {
				continue
			}
			segs = append(segs, base.DataSegment{
				DataSource: spec.DataSchema.DataSource, Interval: c, Version: versions[c.Start].version,
				LoadSpec: json.RawMessage(`{"type":"tombstone"}`), BinaryVersion: 9,
				ShardSpec:           base.ShardSpec{Type: "tombstone", PartitionNum: 0, Partitions: ptr(1)},
				LastCompactionState: env.compactionState,
			})
		}
	}
	if len(segs) == 0 {
		return res, nil
	}
	env.prog.state.Store("PUBLISHING")
	err = env.store.PublishSegments(ctx, segs, metadata.PublishOptions{Check: func(ctx context.Context, tx *metadata.Tx) error {
		return checkLocks(ctx, tx, env.taskID, segs, spec.IOConfig.AppendToExisting)
	}})
	if err != nil {
		return res, fmt.Errorf("publishing %d segments: %w", len(segs), err)
	}
	env.log.Info("published segments", "count", len(segs))
	env.prog.segmentsPublished.Add(int64(len(segs)))
	_ = os.Remove(manifest)
	res.segments = segs
	return res, nil
}

func ptr[T any](v T) *T { return &v }

func writeManifest(path string, pushed []json.RawMessage) error {
	b, err := json.Marshal(pushed)
	if err != nil {
		return base.Errorf(base.ClassInternal, "push manifest: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return base.Errorf(base.ClassUnavailable, "push manifest %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return base.Errorf(base.ClassUnavailable, "push manifest %s: %w", path, err)
	}
	return nil
}

// allocateAppend finds the version and partition numbers an append into
// chunk c continues: the newest used version overlapping the chunk and the
// partitions after the highest used or pending one. An empty chunk keeps the
// lock's version and starts at partition 0.
func allocateAppend(ctx context.Context, env *engineEnv, dataSource string, c base.Interval, vc *versionedChunk) error {
	used, err := env.store.UsedSegments(ctx, dataSource, c)
	if err != nil {
		return err
	}
	best := ""
	for _, s := range used {
		if s.Interval == c && s.Version > best {
			best = s.Version
		}
	}
	if best == "" {
		return nil
	}
	vc.version, vc.existing = best, true
	next := 0
	for _, s := range used {
		if s.Interval != c || s.Version != best {
			continue
		}
		next = max(next, s.ShardSpec.PartitionNum+1)
		if n, ok := s.ShardSpec.CorePartitions(); ok && s.ShardSpec.Type != "tombstone" {
			vc.corePartitions = max(vc.corePartitions, n)
		}
	}
	pending, err := env.store.PendingSegments(ctx, dataSource, c)
	if err != nil {
		return err
	}
	for _, ps := range pending {
		if ps.ID.Interval == c && ps.ID.Version == best {
			next = max(next, ps.ID.Partition+1)
		}
	}
	vc.nextPartition = next
	return nil
}

// recordAllocations stores the ids an append allocated as pending
// segments, as Druid's segment allocation does, so later appends continue
// after them even before they are published. Each task's allocations form
// one sequence (named after the task) per interval.
func recordAllocations(ctx context.Context, env *engineEnv, dataSource string, parts []builtPart, versions map[int64]*versionedChunk) error {
	prev := map[int64]string{}
	for _, pt := range parts {
		id := base.SegmentID{DataSource: dataSource, Interval: pt.chunk, Version: versions[pt.chunk.Start].version, Partition: pt.shard.PartitionNum}
		payload, err := json.Marshal(map[string]any{"dataSource": dataSource, "interval": pt.chunk, "version": id.Version, "shardSpec": pt.shard})
		if err != nil {
			return base.Errorf(base.ClassInternal, "pending segment %s: %w", id, err)
		}
		err = env.store.InsertPendingSegment(ctx, metadata.PendingSegment{ID: id, SequenceName: env.taskID,
			SequencePrevID: prev[pt.chunk.Start], TaskAllocatorID: env.taskID, CreatedTime: env.now().UnixMilli(), Payload: payload})
		if err != nil {
			return fmt.Errorf("allocating %s: %w", id, err)
		}
		prev[pt.chunk.Start] = id.String()
	}
	return nil
}

// checkLocks runs inside the publishing transaction: every segment must lie
// in a time chunk the task holds an unrevoked lock on, with the lock's
// version unless the task appends.
func checkLocks(ctx context.Context, tx *metadata.Tx, taskID string, segs []base.DataSegment, appending bool) error {
	entries, err := tx.Locks(ctx, taskID)
	if err != nil {
		return err
	}
	var locks []Lock
	for _, e := range entries {
		var l Lock
		if err := json.Unmarshal(e.Payload, &l); err != nil {
			return base.Errorf(base.ClassInternal, "task %s lock %d: %w", taskID, e.ID, err)
		}
		if !l.Revoked {
			locks = append(locks, l)
		}
	}
	for _, s := range segs {
		l := lockCovering(locks, s.Interval)
		if l == nil {
			return base.Errorf(base.ClassConflict, "task %s holds no valid lock on %s for segment %s", taskID, s.Interval, s.ID())
		}
		if !appending && l.Version != s.Version {
			return base.Errorf(base.ClassConflict, "segment %s has version %s but task %s's lock on %s has version %s", s.ID(), s.Version, taskID, l.Interval, l.Version)
		}
	}
	return nil
}

func lockCovering(locks []Lock, iv base.Interval) *Lock {
	for i := range locks {
		if locks[i].Interval.Start <= iv.Start && iv.End <= locks[i].Interval.End {
			return &locks[i]
		}
	}
	return nil
}
