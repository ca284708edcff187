package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestTasksWikiticker ingests the quickstart's wikiticker sample (39,244
// rows) with Druid's IT spec and checks the status, report and segment.
func TestTasksWikiticker(t *testing.T) {
	_, port, _ := quickstart(t)
	api := newTasksAPI(t, port)
	spec := itSpec(t, "wikiticker_index_task.json", "%%DATASOURCE%%", "wikiticker")
	began := time.Now()
	id := api.submit(spec)
	st := api.wait(id, 120*time.Second)
	took := time.Since(began)
	if st.StatusCode != "SUCCESS" {
		t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
	}
	t.Logf("wikiticker: submit to SUCCESS in %v (task duration %d ms)", took, st.Duration)
	if !strings.HasPrefix(id, "index_wikiticker_") || st.Type != "index" || st.DataSource != "wikiticker" {
		t.Errorf("status %+v", st)
	}
	rep := api.report(id).IngestionStatsAndErrors
	rs := rep.Payload.RowStats["buildSegments"]
	if rs.Processed != 39244 || rs.Unparseable != 0 || rs.ThrownAway != 0 || rs.ProcessedBytes == 0 {
		t.Errorf("row stats %+v, want 39244 processed", rs)
	}
	if rep.Type != "ingestionStatsAndErrors" || rep.TaskID != id || rep.Payload.IngestionState != "COMPLETED" {
		t.Errorf("report header %+v", rep)
	}
	segs := api.segments(id)
	var rows int64
	for _, s := range segs {
		if s.Interval != "2015-09-12T00:00:00.000Z/2015-09-13T00:00:00.000Z" {
			t.Errorf("segment interval %s", s.Interval)
		}
		rows += s.TotalRows
	}
	// The spec rolls up (default) at queryGranularity none: identical
	// (time, channel, page, user) rows combine.
	if len(segs) == 0 || rows == 0 || rows > 39244 {
		t.Errorf("%d segments with %d rows, want between 1 and 39244 rows", len(segs), rows)
	}
	t.Logf("wikiticker: %d segments, %d stored rows", len(segs), rows)
}

// TestTasksITSpecs runs Druid's IT ingestion specs for the wiki data in
// every text format, with transforms, rollup, secondary partitionings,
// re-indexing and appends.
func TestTasksITSpecs(t *testing.T) {
	_, port, _ := quickstart(t)
	api := newTasksAPI(t, port)
	d := itDir(t)
	local := func(ds, format, inputFormat, partitions string, appendTo bool) string {
		return itSpec(t, "wikipedia_local_input_source_index_task.json", "%%DATASOURCE%%", ds,
			"%%INPUT_SOURCE_FILTER%%", "wikipedia_index_data*",
			"%%INPUT_SOURCE_BASE_DIR%%", d+"/data/batch_index/"+format,
			"%%APPEND_TO_EXISTING%%", fmt.Sprint(appendTo), "%%DROP_EXISTING%%", "false",
			"%%INPUT_FORMAT%%", inputFormat, "%%PARTITIONS_SPEC%%", partitions,
			"%%FORCE_GUARANTEED_ROLLUP%%", fmt.Sprint(!strings.Contains(partitions, "dynamic")))
	}
	parallel := func(ds, partitions string) string {
		return itSpec(t, "wikipedia_parallel_index_task.json", "%%DATASOURCE%%", ds,
			`"%%FORCE_GUARANTEED_ROLLUP%%"`, "true", "%%PARTITIONS_SPEC%%", partitions)
	}
	days := []string{"2013-08-31T00:00:00.000Z/2013-09-01T00:00:00.000Z", "2013-09-01T00:00:00.000Z/2013-09-02T00:00:00.000Z"}
	cases := []struct {
		name      string
		spec      string
		processed int64
		rows      int64 // rows stored after rollup
		shard     string
		segments  int // 0: not checked
		intervals []string
	}{
		// maxRowsPerSegment 3: Druid's appenderator closes all open
		// segments whenever one reaches 3 rows.
		{"index json", itSpec(t, "wikipedia_index_task.json", "%%DATASOURCE%%", "wiki_index"), 10, 10, "numbered", 4, days},
		{"local json", local("wiki_json", "json", `{"type":"json"}`, `{"type":"dynamic"}`, false), 10, 10, "numbered", 0, days},
		{"local csv", local("wiki_csv", "csv", `{"type":"csv","findColumnsFromHeader":true}`, `{"type":"dynamic"}`, false), 10, 10, "numbered", 0, days},
		{"local tsv", local("wiki_tsv", "tsv", `{"type":"tsv","findColumnsFromHeader":true}`, `{"type":"dynamic"}`, false), 10, 10, "numbered", 0, days},
		{"transform", itSpec(t, "wikipedia_index_task_with_inputsource_transform.json", "%%DATASOURCE%%", "wiki_transform"), 10, 10, "numbered", 0, days},
		{"rollup tutorial", itSpec(t, "tutorial-rollup-index.json"), 9, 5, "numbered", 2, []string{"2018-01-01T00:00:00.000Z/2018-01-02T00:00:00.000Z", "2018-01-02T00:00:00.000Z/2018-01-03T00:00:00.000Z"}},
		{"hashed", parallel("wiki_hashed", `{"type":"hashed","numShards":2}`), 10, 10, "hashed", 0, days},
		{"single_dim", parallel("wiki_single", `{"type":"single_dim","partitionDimension":"namespace","targetRowsPerSegment":2}`), 10, 10, "single", 0, days},
		{"range", parallel("wiki_range", `{"type":"range","partitionDimensions":["namespace","page"],"targetRowsPerSegment":2}`), 10, 10, "range", 0, days},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api.t = t
			id, _ := api.run(c.spec)
			rs := api.report(id).IngestionStatsAndErrors.Payload.RowStats["buildSegments"]
			if rs.Processed != c.processed || rs.Unparseable != 0 {
				t.Errorf("row stats %+v, want %d processed", rs, c.processed)
			}
			segs := api.segments(id)
			var rows int64
			seen := map[string]bool{}
			for _, s := range segs {
				rows += s.TotalRows
				seen[s.Interval] = true
				if s.ShardSpec.Type != c.shard {
					t.Errorf("shard type %s, want %s", s.ShardSpec.Type, c.shard)
				}
			}
			if rows != c.rows {
				t.Errorf("stored rows %d, want %d", rows, c.rows)
			}
			if c.segments > 0 && len(segs) != c.segments {
				t.Errorf("%d segments, want %d", len(segs), c.segments)
			}
			for _, iv := range c.intervals {
				if !seen[iv] {
					t.Errorf("no segment for %s", iv)
				}
			}
			if len(seen) != len(c.intervals) {
				t.Errorf("segments cover %v, want %v", seen, c.intervals)
			}
		})
	}
	api.t = t

	t.Run("reindex", func(t *testing.T) {
		api.t = t
		id, _ := api.run(itSpec(t, "wikipedia_reindex_druid_input_source_task.json", "%%DATASOURCE%%", "wiki_index", "%%REINDEX_DATASOURCE%%", "wiki_reindex"))
		segs := api.segments(id)
		var rows int64
		for _, s := range segs {
			rows += s.TotalRows
			if s.Interval != days[0] {
				t.Errorf("re-indexed segment at %s, want only %s", s.Interval, days[0])
			}
		}
		rs := api.report(id).IngestionStatsAndErrors.Payload.RowStats["buildSegments"]
		if rows == 0 || rs.Processed != rows {
			t.Errorf("re-index processed %d rows into %d", rs.Processed, rows)
		}
	})
	t.Run("append", func(t *testing.T) {
		api.t = t
		first := api.segments(func() string {
			id, _ := api.run(local("wiki_append", "json", `{"type":"json"}`, `{"type":"dynamic"}`, false))
			return id
		}())
		id, _ := api.run(local("wiki_append", "json", `{"type":"json"}`, `{"type":"dynamic"}`, true))
		appended := api.segments(id)
		version := map[string]string{}
		maxPart := map[string]int{}
		for _, s := range first {
			version[s.Interval] = s.Version
			maxPart[s.Interval] = max(maxPart[s.Interval], s.ShardSpec.PartitionNum)
		}
		for _, s := range appended {
			if s.Version != version[s.Interval] {
				t.Errorf("appended to %s at version %s, want the existing %s", s.Interval, s.Version, version[s.Interval])
			}
			if s.ShardSpec.PartitionNum <= maxPart[s.Interval] {
				t.Errorf("appended partition %d does not follow %d", s.ShardSpec.PartitionNum, maxPart[s.Interval])
			}
		}
		if len(appended) == 0 {
			t.Error("append published nothing")
		}
	})
	t.Run("updates tutorial", func(t *testing.T) {
		api.t = t
		for _, name := range []string{"tutorial-updates-init-index.json", "tutorial-updates-overwrite-index.json", "tutorial-updates-append-index.json", "tutorial-updates-append-index2.json"} {
			id, _ := api.run(itSpec(t, name))
			rs := api.report(id).IngestionStatsAndErrors.Payload.RowStats["buildSegments"]
			want := map[string]int64{"tutorial-updates-init-index.json": 3, "tutorial-updates-overwrite-index.json": 3,
				"tutorial-updates-append-index.json": 7, "tutorial-updates-append-index2.json": 2}[name]
			if rs.Processed != want {
				t.Errorf("%s: processed %d, want %d", name, rs.Processed, want)
			}
		}
	})
}

// TestTasksParseExceptions: malformed rows are counted, not fatal, until
// maxParseExceptions.
func TestTasksParseExceptions(t *testing.T) {
	_, port, _ := quickstart(t)
	api := newTasksAPI(t, port)
	data, _ := json.Marshal("{\"ts\":\"2020-01-01T01:00:00Z\",\"d\":\"a\",\"v\":1}\nnot json\n{\"ts\":\"bogus\",\"d\":\"b\",\"v\":2}\n{\"ts\":\"2020-01-01T01:30:00Z\",\"d\":\"c\",\"v\":3}")
	spec := func(ds string, maxPE int) string {
		return `{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"` + ds + `","timestampSpec":{"column":"ts"},
"dimensionsSpec":{"dimensions":["d"]},"metricsSpec":[{"type":"longSum","name":"v","fieldName":"v"}],
"granularitySpec":{"segmentGranularity":"day","queryGranularity":"none","rollup":false}},
"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":` + string(data) + `},"inputFormat":{"type":"json"}},
"tuningConfig":{"type":"index_parallel","maxParseExceptions":` + fmt.Sprint(maxPE) + `,"maxSavedParseExceptions":10}}}`
	}
	id, _ := api.run(spec("pe_ok", 2))
	p := api.report(id).IngestionStatsAndErrors.Payload
	if rs := p.RowStats["buildSegments"]; rs.Processed != 2 || rs.Unparseable != 2 {
		t.Errorf("row stats %+v, want 2 processed and 2 unparseable", rs)
	}
	if !strings.Contains(string(p.UnparseableEvents["buildSegments"]), "Timestamp[bogus] is unparseable") {
		t.Errorf("unparseable events %s", p.UnparseableEvents["buildSegments"])
	}
	id = api.submit(spec("pe_fail", 1))
	st := api.wait(id, 60*time.Second)
	if st.StatusCode != "FAILED" || !strings.Contains(st.ErrorMsg, "Max parse exceptions") {
		t.Errorf("status %+v, want FAILED past maxParseExceptions", st)
	}
	if segs := api.segments(id); len(segs) != 0 {
		t.Errorf("failed task published %d segments", len(segs))
	}
}
