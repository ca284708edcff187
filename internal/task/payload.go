package task

import (
	"bytes"
	"encoding/json"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest"
)

// taskPayload is a submitted task body on its way to the stored payload:
// the submitted JSON's top-level fields, to which Druid's own are added.
type taskPayload map[string]json.RawMessage

// newTaskPayload reads a submitted task body (kind names the task type in
// errors) and sets the top-level fields every Druid task payload carries:
// id, groupId, resource and dataSource.
func newTaskPayload(body []byte, kind, id, groupID, dataSource string) (taskPayload, error) {
	var m taskPayload
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "%s: %w", kind, err)
	}
	if m == nil {
		m = taskPayload{}
	}
	m.set("id", id)
	m.set("groupId", groupID)
	m.set("resource", map[string]any{"availabilityGroup": id, "requiredCapacity": 1})
	m.set("dataSource", dataSource)
	return m, nil
}

// set replaces a top-level field.
func (m taskPayload) set(key string, v any) {
	b, _ := json.Marshal(v)
	m[key] = b
}

// setDefault sets a top-level field the submitter left out.
func (m taskPayload) setDefault(key string, v any) {
	if _, ok := m[key]; !ok {
		m.set(key, v)
	}
}

// encode writes the payload as Druid stores it (HTML characters kept).
func (m taskPayload) encode(kind string) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]json.RawMessage(m)); err != nil {
		return nil, base.Errorf(base.ClassInternal, "%s payload: %w", kind, err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// fillDefaults adds to a submitted spec the defaults Druid echoes in a
// task payload, from the decoded spec: ioConfig's appendToExisting and
// dropExisting, dataSchema's metricsSpec and transformSpec, and the
// tuningConfig values that ingest.DecodeTask filled in (partitionsSpec
// included). Fields the user gave are kept as given.
func fillDefaults(specRaw json.RawMessage, t *ingest.Task) json.RawMessage {
	var spec map[string]json.RawMessage
	if json.Unmarshal(specRaw, &spec) != nil || spec == nil {
		return specRaw
	}
	obj := func(key string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if json.Unmarshal(spec[key], &m) != nil || m == nil {
			m = map[string]json.RawMessage{}
		}
		return m
	}
	setIfMissing := func(m map[string]json.RawMessage, k string, v any) {
		if _, ok := m[k]; ok {
			return
		}
		b, err := json.Marshal(v)
		if err == nil {
			m[k] = b
		}
	}
	put := func(key string, m map[string]json.RawMessage) {
		if b, err := json.Marshal(m); err == nil {
			spec[key] = b
		}
	}

	io := obj("ioConfig")
	setIfMissing(io, "appendToExisting", t.Spec.IOConfig.AppendToExisting)
	setIfMissing(io, "dropExisting", t.Spec.IOConfig.DropExisting)
	put("ioConfig", io)

	ds := obj("dataSchema")
	setIfMissing(ds, "metricsSpec", []any{})
	setIfMissing(ds, "transformSpec", map[string]any{"filter": nil, "transforms": []any{}})
	put("dataSchema", ds)

	tc := obj("tuningConfig")
	tu := &t.Spec.TuningConfig
	setIfMissing(tc, "type", t.Type)
	setIfMissing(tc, "maxRowsInMemory", tu.MaxRowsInMemory)
	setIfMissing(tc, "maxBytesInMemory", tu.MaxBytesInMemory)
	setIfMissing(tc, "skipBytesInMemoryOverheadCheck", tu.SkipBytesInMemoryOverheadCheck)
	setIfMissing(tc, "partitionsSpec", partitionsSpecJSON(tu.PartitionsSpec))
	setIfMissing(tc, "splitHintSpec", nil)
	setIfMissing(tc, "indexSpec", map[string]any{"bitmap": map[string]any{"type": "roaring"}, "dimensionCompression": "lz4",
		"stringDictionaryEncoding": map[string]any{"type": "utf8"}, "metricCompression": "lz4", "longEncoding": "longs"})
	setIfMissing(tc, "maxPendingPersists", tu.MaxPendingPersists)
	setIfMissing(tc, "forceGuaranteedRollup", tu.ForceGuaranteedRollup)
	setIfMissing(tc, "reportParseExceptions", tu.ReportParseExceptions)
	setIfMissing(tc, "pushTimeout", tu.PushTimeout)
	setIfMissing(tc, "maxNumConcurrentSubTasks", tu.MaxNumConcurrentSubTasks)
	setIfMissing(tc, "maxRetry", tu.MaxRetry)
	setIfMissing(tc, "maxNumSegmentsToMerge", tu.MaxNumSegmentsToMerge)
	setIfMissing(tc, "totalNumMergeTasks", tu.TotalNumMergeTasks)
	setIfMissing(tc, "logParseExceptions", tu.LogParseExceptions)
	setIfMissing(tc, "maxParseExceptions", tu.MaxParseExceptions)
	setIfMissing(tc, "maxSavedParseExceptions", tu.MaxSavedParseExceptions)
	setIfMissing(tc, "maxColumnsToMerge", tu.MaxColumnsToMerge)
	setIfMissing(tc, "awaitSegmentAvailabilityTimeoutMillis", tu.AwaitSegmentAvailabilityTimeoutMillis)
	put("tuningConfig", tc)

	b, err := json.Marshal(spec)
	if err != nil {
		return specRaw
	}
	return b
}

// partitionsSpecJSON writes a decoded partitionsSpec as Druid echoes it.
func partitionsSpecJSON(p ingest.PartitionsSpec) map[string]any {
	orNil := func(v int64) any {
		if v <= 0 {
			return nil
		}
		return v
	}
	switch p.Type {
	case "hashed":
		dims := p.PartitionDimensions
		if dims == nil {
			dims = []string{}
		}
		return map[string]any{"type": "hashed", "numShards": orNil(int64(p.NumShards)), "partitionDimensions": dims,
			"partitionFunction": "murmur3_32_abs", "maxRowsPerSegment": orNil(p.MaxRowsPerSegment), "targetRowsPerSegment": orNil(p.TargetRowsPerSegment)}
	case "single_dim":
		return map[string]any{"type": "single_dim", "partitionDimension": p.PartitionDimension, "targetRowsPerSegment": orNil(p.TargetRowsPerSegment),
			"maxRowsPerSegment": orNil(p.MaxRowsPerSegment), "assumeGrouped": p.AssumeGrouped}
	case "range":
		return map[string]any{"type": "range", "partitionDimensions": p.PartitionDimensions, "targetRowsPerSegment": orNil(p.TargetRowsPerSegment),
			"maxRowsPerSegment": orNil(p.MaxRowsPerSegment), "assumeGrouped": p.AssumeGrouped}
	}
	return map[string]any{"type": "dynamic", "maxRowsPerSegment": orNil(p.MaxRowsPerSegment), "maxTotalRows": orNil(p.MaxTotalRows)}
}
