package conformance

import (
	"encoding/json"
	"fmt"
)

// Compaction scenarios: Druid's compaction ITs (ITCompactionTaskTest,
// ITAppendBatchIndexTest, ITSparseColumnTest) ingest, run one or more
// compaction tasks from the corpus specs, then play query files whose
// placeholders the upstream test fills at run time. Each scenario is a
// dataset of its own whose last step is the state the upstream test
// queries; the placeholder values below are the ones the upstream test
// computes for that state.

// compactDS builds a dataset: the given ingestion steps followed by
// compaction steps over the same datasource.
func compactDS(name string, steps ...step) dataset {
	return dataset{name: name, steps: steps}
}

// indexStep is the wikipedia_index_task.json ingestion (4 segments over 2
// days) into ds.
func indexStep(spec, ds string) step { return step{spec, []string{"%%DATASOURCE%%", ds}} }

// compactStep is a compaction spec of the corpus with its placeholders:
// %%GRANULARITY_SPEC%% and %%SEGMENT_GRANULARITY%% as ITCompactionTaskTest
// fills them (segGran/queryGran "" when not set), %%DIMENSION_NAMES%% as
// ITSparseColumnTest does.
func compactStep(spec, ds, segGran, queryGran string, dims ...string) step {
	gs := map[string]string{}
	if segGran != "" {
		gs["segmentGranularity"] = segGran
	}
	if queryGran != "" {
		gs["queryGranularity"] = queryGran
	}
	gsJSON, _ := json.Marshal(gs)
	dimsJSON, _ := json.Marshal(dims)
	return step{spec, []string{"%%DATASOURCE%%", ds, "%%GRANULARITY_SPEC%%", string(gsJSON),
		"%%SEGMENT_GRANULARITY%%", segGran, "%%DIMENSION_NAMES%%", string(dimsJSON)}}
}

// segmentMetadataVars fills segment_metadata_query.json as
// ITCompactionTaskTest.checkQueryGranularity does: one expected row per
// visible segment, each with queryGranularity gran.
func segmentMetadataVars(ds, gran string, segments int) []string {
	rows := make([]map[string]string, segments)
	for i := range rows {
		rows[i] = map[string]string{"queryGranularity": gran}
	}
	b, _ := json.Marshal(rows)
	return []string{"%%DATASOURCE%%", ds, "%%ANALYSIS_TYPE%%", "queryGranularity",
		"%%INTERVALS%%", "2013-08-31/2013-09-02", "%%EXPECTED_QUERY_GRANULARITY%%", string(b)}
}

// appendStep is ITAppendBatchIndexTest's ingestion: the JSON wiki files
// through the local input source with the given partitionsSpec.
func appendStep(ds, partitions string, rollup, appendTo bool) step {
	return step{"wikipedia_local_input_source_index_task.json", []string{"%%DATASOURCE%%", ds,
		"%%INPUT_SOURCE_BASE_DIR%%", "/resources/data/batch_index/json", "%%INPUT_SOURCE_FILTER%%", "*.json",
		"%%INPUT_FORMAT%%", `{"type":"json"}`, "%%PARTITIONS_SPEC%%", partitions,
		"%%FORCE_GUARANTEED_ROLLUP%%", fmt.Sprint(rollup), "%%APPEND_TO_EXISTING%%", fmt.Sprint(appendTo),
		"%%DROP_EXISTING%%", "false"}}
}

// sparseVars fills sparse_column_index_queries.json as
// ITSparseColumnTest.verifyQueryResult does: the scan events per segment,
// the row count, the sum of count and the rollup ratio.
func sparseVars(ds string, segments [][][]any, rows, sumCount int, ratio float64) []string {
	scan := make([]map[string]any, len(segments))
	for i, s := range segments {
		scan[i] = map[string]any{"events": s}
	}
	b, _ := json.Marshal(scan)
	r := fmt.Sprint(ratio)
	if ratio == float64(int64(ratio)) {
		r += ".0" // Jackson writes a double with a fraction
	}
	return []string{"%%DATASOURCE%%", ds, "%%EXPECTED_SCAN_RESULT%%", string(b),
		"%%EXPECTED_SUM_COUNT%%", fmt.Sprint(sumCount), "%%EXPECTED_ROLLUP_RATIO%%", r,
		"%%EXPECTED_NUM_ROW%%", fmt.Sprint(rows)}
}

const sparseTime = 1442016000000

// sparseRow is one scan row of the sparse-column datasource: __time, the
// dimension values (nil for null), count and sum_metA.
func sparseRow(vals ...any) []any { return append([]any{sparseTime}, vals...) }

var compactionDatasets = []dataset{
	// ITCompactionTaskTest
	compactDS("wikipedia_compact_test", indexStep("wikipedia_index_task.json", "wikipedia_compact_test"),
		compactStep("wikipedia_compaction_task.json", "wikipedia_compact_test", "", "")),
	compactDS("wikipedia_compact_month_test", indexStep("wikipedia_index_task.json", "wikipedia_compact_month_test"),
		compactStep("wikipedia_compaction_task_with_segment_granularity.json", "wikipedia_compact_month_test", "MONTH", "")),
	compactDS("wikipedia_compact_month_gs_test", indexStep("wikipedia_index_task.json", "wikipedia_compact_month_gs_test"),
		compactStep("wikipedia_compaction_task_with_granularity_spec.json", "wikipedia_compact_month_gs_test", "MONTH", "")),
	compactDS("wikipedia_compact_hour_test", indexStep("wikipedia_index_task.json", "wikipedia_compact_hour_test"),
		compactStep("wikipedia_compaction_task_with_granularity_spec.json", "wikipedia_compact_hour_test", "", "HOUR")),
	compactDS("wikipedia_compact_minute_test", indexStep("wikipedia_index_task.json", "wikipedia_compact_minute_test"),
		compactStep("wikipedia_compaction_task_with_granularity_spec.json", "wikipedia_compact_minute_test", "", "HOUR"),
		compactStep("wikipedia_compaction_task_with_granularity_spec.json", "wikipedia_compact_minute_test", "", "MINUTE")),
	compactDS("wikipedia_compact_year_test", indexStep("wikipedia_index_task.json", "wikipedia_compact_year_test"),
		compactStep("wikipedia_compaction_task_with_granularity_spec.json", "wikipedia_compact_year_test", "YEAR", "YEAR")),
	compactDS("wikipedia_compact_timestamp_test", indexStep("wikipedia_with_timestamp_index_task.json", "wikipedia_compact_timestamp_test"),
		compactStep("wikipedia_compaction_task.json", "wikipedia_compact_timestamp_test", "", "")),
	// ITAppendBatchIndexTest: index, append, compact.
	compactDS("wikipedia_append_dynamic_test",
		appendStep("wikipedia_append_dynamic_test", `{"type":"dynamic"}`, false, false),
		appendStep("wikipedia_append_dynamic_test", `{"type":"dynamic"}`, false, true),
		compactStep("wikipedia_compaction_task.json", "wikipedia_append_dynamic_test", "", "")),
	compactDS("wikipedia_append_hashed_test",
		appendStep("wikipedia_append_hashed_test", `{"type":"hashed","numShards":3,"partitionDimensions":["page","user"]}`, true, false),
		appendStep("wikipedia_append_hashed_test", `{"type":"dynamic"}`, false, true),
		compactStep("wikipedia_compaction_task.json", "wikipedia_append_hashed_test", "", "")),
	compactDS("wikipedia_append_single_dim_test",
		appendStep("wikipedia_append_single_dim_test", `{"type":"single_dim","targetRowsPerSegment":1000,"partitionDimension":"page","assumeGrouped":false}`, true, false),
		appendStep("wikipedia_append_single_dim_test", `{"type":"dynamic"}`, false, true),
		compactStep("wikipedia_compaction_task.json", "wikipedia_append_single_dim_test", "", "")),
	// ITSparseColumnTest
	compactDS("sparse_column_index_test", indexStep("sparse_column_index_task.json", "sparse_column_index_test")),
	compactDS("sparse_column_nodim_test", indexStep("sparse_column_index_task.json", "sparse_column_nodim_test"),
		compactStep("sparse_column_without_dim_compaction_task.json", "sparse_column_nodim_test", "", "")),
	compactDS("sparse_column_lex_test", indexStep("sparse_column_index_task.json", "sparse_column_lex_test"),
		compactStep("sparse_column_with_dim_compaction_task.json", "sparse_column_lex_test", "", "", "dimA", "dimB", "dimC")),
	compactDS("sparse_column_nonlex_test", indexStep("sparse_column_index_task.json", "sparse_column_nonlex_test"),
		compactStep("sparse_column_with_dim_compaction_task.json", "sparse_column_nonlex_test", "", "", "dimC", "dimB", "dimA")),
}

// compactionQueryFiles are the query files the compaction scenarios play.
var compactionQueryFiles = []queryFile{
	// Before compaction: 4 segments at SECOND.
	{file: "segment_metadata_query.json", vars: segmentMetadataVars("wikipedia_index_test", "SECOND", 4), needs: []string{"wikipedia_index_test"}},
	{file: "wikipedia_index_queries.json", vars: ds("wikipedia_compact_test"), needs: []string{"wikipedia_compact_test"}},
	{file: "segment_metadata_query.json", vars: segmentMetadataVars("wikipedia_compact_test", "SECOND", 2), needs: []string{"wikipedia_compact_test"}},
	{file: "wikipedia_index_queries.json", vars: ds("wikipedia_compact_month_test"), needs: []string{"wikipedia_compact_month_test"}},
	{file: "segment_metadata_query.json", vars: segmentMetadataVars("wikipedia_compact_month_test", "SECOND", 2), needs: []string{"wikipedia_compact_month_test"}},
	{file: "wikipedia_index_queries.json", vars: ds("wikipedia_compact_month_gs_test"), needs: []string{"wikipedia_compact_month_gs_test"}},
	{file: "segment_metadata_query.json", vars: segmentMetadataVars("wikipedia_compact_month_gs_test", "SECOND", 2), needs: []string{"wikipedia_compact_month_gs_test"}},
	{file: "wikipedia_index_queries_hour_query_granularity.json", vars: ds("wikipedia_compact_hour_test"), needs: []string{"wikipedia_compact_hour_test"}},
	{file: "segment_metadata_query.json", vars: segmentMetadataVars("wikipedia_compact_hour_test", "HOUR", 2), needs: []string{"wikipedia_compact_hour_test"}},
	{file: "wikipedia_index_queries_hour_query_granularity.json", vars: ds("wikipedia_compact_minute_test"), needs: []string{"wikipedia_compact_minute_test"}},
	{file: "segment_metadata_query.json", vars: segmentMetadataVars("wikipedia_compact_minute_test", "MINUTE", 2), needs: []string{"wikipedia_compact_minute_test"}},
	{file: "wikipedia_index_queries_year_query_granularity.json", vars: ds("wikipedia_compact_year_test"), needs: []string{"wikipedia_compact_year_test"}},
	{file: "segment_metadata_query.json", vars: segmentMetadataVars("wikipedia_compact_year_test", "YEAR", 1), needs: []string{"wikipedia_compact_year_test"}},
	{file: "wikipedia_index_queries.json", vars: ds("wikipedia_compact_timestamp_test"), needs: []string{"wikipedia_compact_timestamp_test"}},
	{file: "segment_metadata_query.json", vars: segmentMetadataVars("wikipedia_compact_timestamp_test", "SECOND", 2), needs: []string{"wikipedia_compact_timestamp_test"}},
	{file: "wikipedia_double_ingestion_perfect_rollup_index_queries.json", vars: ds("wikipedia_append_dynamic_test"), needs: []string{"wikipedia_append_dynamic_test"}},
	{file: "wikipedia_double_ingestion_perfect_rollup_index_queries.json", vars: ds("wikipedia_append_hashed_test"), needs: []string{"wikipedia_append_hashed_test"}},
	{file: "wikipedia_double_ingestion_perfect_rollup_index_queries.json", vars: ds("wikipedia_append_single_dim_test"), needs: []string{"wikipedia_append_single_dim_test"}},
	{file: "sparse_column_index_queries.json", needs: []string{"sparse_column_index_test"}, vars: sparseVars("sparse_column_index_test", [][][]any{
		{sparseRow("F", "C", nil, nil, nil, nil, 1, 1), sparseRow("J", "C", nil, nil, nil, nil, 1, 1), sparseRow("X", "H", nil, nil, nil, nil, 1, 1)},
		{sparseRow("S", "Z", nil, nil, nil, nil, 1, 1), sparseRow("X", "H", nil, nil, nil, nil, 1, 1), sparseRow("Z", "H", nil, nil, nil, nil, 1, 1)},
		{sparseRow("R", "J", nil, nil, nil, nil, 1, 1), sparseRow("T", "H", nil, nil, nil, nil, 1, 1), sparseRow("X", "H", nil, nil, nil, nil, 1, 1)},
		{sparseRow("X", nil, "A", nil, nil, nil, 1, 1)},
	}, 10, 10, 1)},
	{file: "sparse_column_index_queries.json", needs: []string{"sparse_column_nodim_test"}, vars: sparseVars("sparse_column_nodim_test", [][][]any{{
		sparseRow("F", "C", nil, nil, nil, nil, 1, 1), sparseRow("J", "C", nil, nil, nil, nil, 1, 1), sparseRow("R", "J", nil, nil, nil, nil, 1, 1),
		sparseRow("S", "Z", nil, nil, nil, nil, 1, 1), sparseRow("T", "H", nil, nil, nil, nil, 1, 1), sparseRow("X", nil, "A", nil, nil, nil, 1, 1),
		sparseRow("X", "H", nil, nil, nil, nil, 3, 3), sparseRow("Z", "H", nil, nil, nil, nil, 1, 1),
	}}, 8, 10, 0.8)},
	{file: "sparse_column_index_queries.json", needs: []string{"sparse_column_lex_test"}, vars: sparseVars("sparse_column_lex_test", [][][]any{{
		sparseRow(nil, "X", "A", 1, 1), sparseRow("C", "F", nil, 1, 1), sparseRow("C", "J", nil, 1, 1), sparseRow("H", "T", nil, 1, 1),
		sparseRow("H", "X", nil, 3, 3), sparseRow("H", "Z", nil, 1, 1), sparseRow("J", "R", nil, 1, 1), sparseRow("Z", "S", nil, 1, 1),
	}}, 8, 10, 0.8)},
	{file: "sparse_column_index_queries.json", needs: []string{"sparse_column_nonlex_test"}, vars: sparseVars("sparse_column_nonlex_test", [][][]any{{
		sparseRow(nil, "F", "C", 1, 1), sparseRow(nil, "J", "C", 1, 1), sparseRow(nil, "R", "J", 1, 1), sparseRow(nil, "S", "Z", 1, 1),
		sparseRow(nil, "T", "H", 1, 1), sparseRow(nil, "X", "H", 3, 3), sparseRow(nil, "Z", "H", 1, 1), sparseRow("A", "X", nil, 1, 1),
	}}, 8, 10, 0.8)},
}
