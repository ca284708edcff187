package ingest

import (
	"encoding/json"
	"math"

	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// Druid's tuningConfig defaults for native batch.
const (
	DefaultMaxRowsInMemory          = 1_000_000
	DefaultMaxRowsPerSegment        = 5_000_000
	DefaultMaxTotalRows             = 20_000_000
	DefaultMaxNumConcurrentSubTasks = 1
	DefaultMaxRetry                 = 3
	DefaultMaxNumSegmentsToMerge    = 100
	DefaultTotalNumMergeTasks       = 10
	DefaultMaxSplitSize             = 1 << 30
	DefaultMaxNumFiles              = 1000
	// Unlimited is Druid's "no limit" for maxParseExceptions
	// (Integer.MAX_VALUE).
	Unlimited = math.MaxInt32
)

// TuningConfig is spec.tuningConfig of index and index_parallel tasks.
type TuningConfig struct {
	Type            string
	MaxRowsInMemory int64
	// MaxBytesInMemory is 0 for Druid's default (a sixth of the memory
	// available to the task) and -1 for no limit.
	MaxBytesInMemory               int64
	SkipBytesInMemoryOverheadCheck bool
	PartitionsSpec                 PartitionsSpec
	ForceGuaranteedRollup          bool
	MaxNumConcurrentSubTasks       int
	MaxRetry                       int
	MaxNumSegmentsToMerge          int
	TotalNumMergeTasks             int
	MaxPendingPersists             int
	PushTimeout                    int64
	// MaxParseExceptions is Unlimited unless set; reportParseExceptions:true
	// sets it to 0.
	MaxParseExceptions                    int
	MaxSavedParseExceptions               int
	LogParseExceptions                    bool
	ReportParseExceptions                 bool
	AwaitSegmentAvailabilityTimeoutMillis int64
	MaxColumnsToMerge                     int
	SplitHint                             SplitHint
	// IndexSpec is the raw indexSpec object (nil when absent); the segment
	// writer decodes it.
	IndexSpec json.RawMessage
	// AppendableIndexSpec is tuningConfig.appendableIndexSpec.
	AppendableIndexSpec AppendableIndexSpec
}

// AppendableIndexSpec is tuningConfig.appendableIndexSpec: the in-memory
// index rows are added to. dryad has one kind, Druid's "onheap".
type AppendableIndexSpec struct {
	// Type is "onheap".
	Type string
	// PreserveExistingMetrics folds, for each aggregator of the
	// metricsSpec, an input row's existing value in the column named like
	// the aggregator's output (a metric rolled up before, e.g. read back
	// from a segment) with the aggregator's combining form; rows without
	// that column are aggregated from their raw inputs as usual.
	PreserveExistingMetrics bool
}

// SplitHint is tuningConfig.splitHintSpec: "maxSize" (the default, for
// file-like sources) or "segments" (for the druid input source).
type SplitHint struct {
	Type         string
	MaxSplitSize int64
	MaxNumFiles  int
	// segments
	MaxInputSegmentBytesPerTask int64
	MaxNumSegments              int
}

// PartitionsSpec is tuningConfig.partitionsSpec.
type PartitionsSpec struct {
	// Type is "dynamic", "hashed", "single_dim" or "range".
	Type string
	// dynamic
	MaxRowsPerSegment int64
	MaxTotalRows      int64 // 0 = no limit
	// hashed, single_dim, range: exactly one of TargetRowsPerSegment,
	// NumShards (hashed only) and MaxRowsPerSegment is set (0 = unset).
	TargetRowsPerSegment int64
	NumShards            int
	PartitionDimensions  []string // hashed, range
	PartitionFunction    string   // hashed: "murmur3_32_abs"
	PartitionDimension   string   // single_dim
	AssumeGrouped        bool     // single_dim, range
}

// Guaranteed reports whether the spec is a secondary partitioning
// (hashed/single_dim/range), which needs perfect rollup.
func (p PartitionsSpec) Guaranteed() bool { return p.Type != "dynamic" }

func decodeTuningConfig(t *TuningConfig, obj specjson.Object, present bool, taskType string) error {
	*t = TuningConfig{
		Type:                     taskType,
		MaxRowsInMemory:          DefaultMaxRowsInMemory,
		MaxNumConcurrentSubTasks: DefaultMaxNumConcurrentSubTasks,
		MaxRetry:                 DefaultMaxRetry,
		MaxNumSegmentsToMerge:    DefaultMaxNumSegmentsToMerge,
		TotalNumMergeTasks:       DefaultTotalNumMergeTasks,
		MaxParseExceptions:       Unlimited,
		MaxColumnsToMerge:        -1,
		AppendableIndexSpec:      AppendableIndexSpec{Type: "onheap"},
		SplitHint:                SplitHint{Type: "maxSize", MaxSplitSize: DefaultMaxSplitSize, MaxNumFiles: DefaultMaxNumFiles},
		PartitionsSpec:           PartitionsSpec{Type: "dynamic", MaxRowsPerSegment: DefaultMaxRowsPerSegment},
	}
	if !present {
		return nil
	}
	var err error
	if t.Type, err = obj.Type(taskType); err != nil {
		return err
	}
	if t.Type != taskType {
		return specjson.Errorf(obj.At("type"), "expected %q to match the task type, got %q", taskType, t.Type)
	}
	ints := []struct {
		key string
		dst *int64
		min int64
	}{
		{"maxRowsInMemory", &t.MaxRowsInMemory, 1},
		{"maxBytesInMemory", &t.MaxBytesInMemory, -1},
		{"pushTimeout", &t.PushTimeout, 0},
		{"awaitSegmentAvailabilityTimeoutMillis", &t.AwaitSegmentAvailabilityTimeoutMillis, 0},
	}
	for _, f := range ints {
		v, err := obj.Int(f.key, *f.dst)
		if err != nil {
			return err
		}
		if v < f.min {
			return specjson.Errorf(obj.At(f.key), "must be >= %d, got %d", f.min, v)
		}
		*f.dst = v
	}
	smallInts := []struct {
		key string
		dst *int
		min int64
	}{
		{"maxNumConcurrentSubTasks", &t.MaxNumConcurrentSubTasks, 1},
		{"maxRetry", &t.MaxRetry, 0},
		{"maxNumSegmentsToMerge", &t.MaxNumSegmentsToMerge, 2},
		{"totalNumMergeTasks", &t.TotalNumMergeTasks, 1},
		{"maxPendingPersists", &t.MaxPendingPersists, 0},
		{"maxParseExceptions", &t.MaxParseExceptions, 0},
		{"maxSavedParseExceptions", &t.MaxSavedParseExceptions, 0},
		{"maxColumnsToMerge", &t.MaxColumnsToMerge, -1},
	}
	for _, f := range smallInts {
		v, err := obj.Int(f.key, int64(*f.dst))
		if err != nil {
			return err
		}
		if v < f.min || v > math.MaxInt32 {
			return specjson.Errorf(obj.At(f.key), "must be between %d and %d, got %d", f.min, math.MaxInt32, v)
		}
		*f.dst = int(v)
	}
	if t.SkipBytesInMemoryOverheadCheck, err = obj.Bool("skipBytesInMemoryOverheadCheck", false); err != nil {
		return err
	}
	if t.ForceGuaranteedRollup, err = obj.Bool("forceGuaranteedRollup", false); err != nil {
		return err
	}
	if t.LogParseExceptions, err = obj.Bool("logParseExceptions", false); err != nil {
		return err
	}
	if t.ReportParseExceptions, err = obj.Bool("reportParseExceptions", false); err != nil {
		return err
	}
	if t.ReportParseExceptions {
		// Druid: reportParseExceptions fails on the first parse exception.
		t.MaxParseExceptions = 0
		t.MaxSavedParseExceptions = min(t.MaxSavedParseExceptions, 1)
	}
	if raw := obj.Raw("indexSpec"); raw != nil {
		if _, err := specjson.Parse(raw, obj.At("indexSpec")); err != nil {
			return err
		}
		t.IndexSpec = raw
	}
	if ai, ok, err := obj.Object("appendableIndexSpec"); err != nil {
		return err
	} else if ok {
		if err := decodeAppendableIndexSpec(&t.AppendableIndexSpec, ai); err != nil {
			return err
		}
	}
	if sh, ok, err := obj.Object("splitHintSpec"); err != nil {
		return err
	} else if ok {
		if err := decodeSplitHint(&t.SplitHint, sh); err != nil {
			return err
		}
	}
	return decodePartitions(t, obj, taskType)
}

func decodeAppendableIndexSpec(a *AppendableIndexSpec, obj specjson.Object) error {
	typ, err := obj.Type("onheap")
	if err != nil {
		return err
	}
	if typ != "onheap" {
		return specjson.Errorf(obj.At("type"), "unknown appendableIndexSpec type %q (supported: onheap)", typ)
	}
	a.Type = typ
	a.PreserveExistingMetrics, err = obj.Bool("preserveExistingMetrics", false)
	return err
}

func decodeSplitHint(s *SplitHint, obj specjson.Object) error {
	typ, err := obj.Type("maxSize")
	if err != nil {
		return err
	}
	switch typ {
	case "maxSize":
	case "segments":
		// Applies to the druid input source; kept for the task engine.
		s.Type = typ
		if s.MaxInputSegmentBytesPerTask, err = obj.Int("maxInputSegmentBytesPerTask", DefaultMaxSplitSize); err != nil {
			return err
		}
		n, err := obj.Int("maxNumSegments", DefaultMaxNumFiles)
		if err != nil {
			return err
		}
		if n <= 0 || n > math.MaxInt32 {
			return specjson.Errorf(obj.At("maxNumSegments"), "must be > 0, got %d", n)
		}
		s.MaxNumSegments = int(n)
		return nil
	default:
		return specjson.Errorf(obj.At("type"), "unknown splitHintSpec type %q (supported: maxSize)", typ)
	}
	s.Type = typ
	if s.MaxSplitSize, err = obj.Int("maxSplitSize", DefaultMaxSplitSize); err != nil {
		return err
	}
	if s.MaxSplitSize <= 0 {
		return specjson.Errorf(obj.At("maxSplitSize"), "must be > 0, got %d", s.MaxSplitSize)
	}
	n, err := obj.Int("maxNumFiles", DefaultMaxNumFiles)
	if err != nil {
		return err
	}
	if n <= 0 || n > math.MaxInt32 {
		return specjson.Errorf(obj.At("maxNumFiles"), "must be > 0, got %d", n)
	}
	s.MaxNumFiles = int(n)
	return nil
}

func decodePartitions(t *TuningConfig, obj specjson.Object, taskType string) error {
	ps, hasSpec, err := obj.Object("partitionsSpec")
	if err != nil {
		return err
	}
	// With a partitionsSpec, Druid ignores the legacy fields
	// (maxRowsPerSegment, maxTotalRows, numShards, partitionDimensions,
	// targetPartitionSize); without one, they define it.
	if !hasSpec {
		// Legacy fields read as Druid's IndexTuningConfig reads them.
		p := &t.PartitionsSpec
		if t.ForceGuaranteedRollup {
			*p = PartitionsSpec{Type: "hashed", PartitionFunction: "murmur3_32_abs"}
			n, err := obj.Int("numShards", 0)
			if err != nil {
				return err
			}
			p.NumShards = int(n)
			if p.TargetRowsPerSegment, err = obj.Int("maxRowsPerSegment", 0); err != nil {
				return err
			}
			if tp, err := obj.Int("targetPartitionSize", 0); err != nil {
				return err
			} else if tp > 0 {
				p.TargetRowsPerSegment = tp
			}
			if p.PartitionDimensions, err = obj.Strings("partitionDimensions"); err != nil {
				return err
			}
			if p.NumShards > 0 {
				p.TargetRowsPerSegment = 0
			} else if p.TargetRowsPerSegment <= 0 {
				p.TargetRowsPerSegment = DefaultMaxRowsPerSegment
			}
			return nil
		}
		if p.MaxRowsPerSegment, err = obj.Int("maxRowsPerSegment", DefaultMaxRowsPerSegment); err != nil {
			return err
		}
		if p.MaxRowsPerSegment <= 0 {
			return specjson.Errorf(obj.At("maxRowsPerSegment"), "must be > 0, got %d", p.MaxRowsPerSegment)
		}
		if p.MaxTotalRows, err = obj.Int("maxTotalRows", DefaultMaxTotalRows); err != nil {
			return err
		}
		return nil
	}
	p, err := decodePartitionsSpec(ps, taskType)
	if err != nil {
		return err
	}
	t.PartitionsSpec = p
	return nil
}

func decodePartitionsSpec(obj specjson.Object, taskType string) (PartitionsSpec, error) {
	p := PartitionsSpec{}
	var err error
	if p.Type, err = obj.RequiredString("type"); err != nil {
		return p, err
	}
	positive := func(key string) (int64, error) {
		v, err := obj.Int(key, 0)
		if err != nil {
			return 0, err
		}
		if obj.Has(key) && v <= 0 {
			return 0, specjson.Errorf(obj.At(key), "must be > 0, got %d", v)
		}
		return v, nil
	}
	switch p.Type {
	case "dynamic":
		if p.MaxRowsPerSegment, err = positive("maxRowsPerSegment"); err != nil {
			return p, err
		}
		if p.MaxRowsPerSegment == 0 {
			p.MaxRowsPerSegment = DefaultMaxRowsPerSegment
		}
		if p.MaxTotalRows, err = obj.Int("maxTotalRows", DefaultMaxTotalRows); err != nil {
			return p, err
		}
		if p.MaxTotalRows <= 0 {
			p.MaxTotalRows = 0 // Druid: null or negative means no limit
		}
	case "hashed":
		n, err := positive("numShards")
		if err != nil {
			return p, err
		}
		p.NumShards = int(n)
		if p.TargetRowsPerSegment, err = positive("targetRowsPerSegment"); err != nil {
			return p, err
		}
		maxRows, err := positive("maxRowsPerSegment")
		if err != nil {
			return p, err
		}
		set := 0
		for _, v := range []int64{n, p.TargetRowsPerSegment, maxRows} {
			if v > 0 {
				set++
			}
		}
		if set > 1 {
			return p, specjson.Errorf(obj.Path, "only one of numShards, targetRowsPerSegment and maxRowsPerSegment can be set")
		}
		if maxRows > 0 {
			p.TargetRowsPerSegment = maxRows
		}
		if set == 0 {
			p.TargetRowsPerSegment = DefaultMaxRowsPerSegment
		}
		if p.PartitionDimensions, err = obj.Strings("partitionDimensions"); err != nil {
			return p, err
		}
		if p.PartitionFunction, err = obj.String("partitionFunction", "murmur3_32_abs"); err != nil {
			return p, err
		}
		if p.PartitionFunction != "murmur3_32_abs" {
			return p, specjson.Errorf(obj.At("partitionFunction"), "unknown partition function %q (supported: murmur3_32_abs)", p.PartitionFunction)
		}
	case "single_dim", "range":
		if taskType == "index" {
			return p, specjson.Errorf(obj.At("type"), "%s partitioning needs an index_parallel task (index supports dynamic and hashed)", p.Type)
		}
		if p.TargetRowsPerSegment, err = positive("targetRowsPerSegment"); err != nil {
			return p, err
		}
		if p.MaxRowsPerSegment, err = positive("maxRowsPerSegment"); err != nil {
			return p, err
		}
		if (p.TargetRowsPerSegment > 0) == (p.MaxRowsPerSegment > 0) {
			return p, specjson.Errorf(obj.Path, "exactly one of targetRowsPerSegment or maxRowsPerSegment must be set")
		}
		if p.AssumeGrouped, err = obj.Bool("assumeGrouped", false); err != nil {
			return p, err
		}
		if p.Type == "single_dim" {
			if p.PartitionDimension, err = obj.String("partitionDimension", ""); err != nil {
				return p, err
			}
			if p.PartitionDimension == "" {
				return p, specjson.Errorf(obj.At("partitionDimension"), "required field is missing")
			}
		} else {
			if p.PartitionDimensions, err = obj.Strings("partitionDimensions"); err != nil {
				return p, err
			}
			if len(p.PartitionDimensions) == 0 {
				return p, specjson.Errorf(obj.At("partitionDimensions"), "required field is missing or empty")
			}
		}
	default:
		return p, specjson.Errorf(obj.At("type"), "unknown partitionsSpec type %q (supported: dynamic, hashed, single_dim, range)", p.Type)
	}
	return p, nil
}

// validateSpec applies the cross-field rules of Druid's index tasks.
func validateSpec(s *Spec, obj specjson.Object, taskType string) error {
	t := &s.TuningConfig
	tcPath := obj.At("tuningConfig")
	if t.ForceGuaranteedRollup {
		if !t.PartitionsSpec.Guaranteed() {
			return specjson.Errorf(specjson.Join(tcPath, "partitionsSpec"), "forceGuaranteedRollup requires hashed, single_dim or range partitioning, got %q", t.PartitionsSpec.Type)
		}
		if s.IOConfig.AppendToExisting {
			return specjson.Errorf(specjson.Join(obj.At("ioConfig"), "appendToExisting"), "perfect rollup cannot be guaranteed when appending to existing dataSources")
		}
	} else if t.PartitionsSpec.Guaranteed() {
		return specjson.Errorf(specjson.Join(tcPath, "partitionsSpec"), "%s partitioning requires forceGuaranteedRollup to be true; use dynamic partitioning for best-effort rollup", t.PartitionsSpec.Type)
	}
	return nil
}
