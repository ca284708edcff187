package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// step is one ingestion: a spec file and its placeholder values.
type step struct {
	spec string
	vars []string // placeholder, value pairs
}

// dataset is a datasource built by one or more ingestions, in order,
// after the datasets it needs are loaded.
type dataset struct {
	name  string
	needs []string
	steps []step
}

// queryFile is a query file played against datasets.
type queryFile struct {
	file  string
	vars  []string // placeholder, value pairs
	needs []string // datasets
	skip  string   // reason the whole file is skipped
}

func localInput(format, dir, filter string, append, drop bool, ds string) []string {
	return []string{"%%DATASOURCE%%", ds, "%%INPUT_SOURCE_BASE_DIR%%", "/resources/data/batch_index/" + dir,
		"%%INPUT_SOURCE_FILTER%%", filter, "%%INPUT_FORMAT%%", format,
		"%%PARTITIONS_SPEC%%", `{"type":"dynamic"}`, "%%FORCE_GUARANTEED_ROLLUP%%", "false",
		"%%APPEND_TO_EXISTING%%", fmt.Sprint(append), "%%DROP_EXISTING%%", fmt.Sprint(drop)}
}

func parallel(ds, partitions string, rollup bool) []string {
	return []string{"%%DATASOURCE%%", ds, "%%PARTITIONS_SPEC%%", partitions, "%%FORCE_GUARANTEED_ROLLUP%%", fmt.Sprint(rollup)}
}

// datasets are the ingestions the runner performs, following the table
// "Which spec goes with which data and which query file" of the corpus
// README.
var datasets = []dataset{
	{name: "wikipedia_index_test", steps: []step{{"wikipedia_index_task.json", []string{"%%DATASOURCE%%", "wikipedia_index_test"}}}},
	{name: "wikipedia_with_timestamp_index_test", steps: []step{{"wikipedia_with_timestamp_index_task.json", []string{"%%DATASOURCE%%", "wikipedia_with_timestamp_index_test"}}}},
	{name: "wikipedia_index_with_merge_column_limit_test", steps: []step{{"wikipedia_index_with_merge_column_limit_task.json", []string{"%%DATASOURCE%%", "wikipedia_index_with_merge_column_limit_test"}}}},
	{name: "wikipedia_local_json", steps: []step{{"wikipedia_local_input_source_index_task.json", localInput(`{"type":"json"}`, "json", "wikipedia_index_data*", false, false, "wikipedia_local_json")}}},
	{name: "wikipedia_local_csv", steps: []step{{"wikipedia_local_input_source_index_task.json", localInput(`{"type":"csv","findColumnsFromHeader":true}`, "csv", "wikipedia_index_data*", false, false, "wikipedia_local_csv")}}},
	{name: "wikipedia_local_tsv", steps: []step{{"wikipedia_local_input_source_index_task.json", localInput(`{"type":"tsv","findColumnsFromHeader":true}`, "tsv", "wikipedia_index_data*", false, false, "wikipedia_local_tsv")}}},
	{name: "wikipedia_double_test", steps: []step{
		{"wikipedia_local_input_source_index_task.json", localInput(`{"type":"json"}`, "json", "wikipedia_index_data*", false, false, "wikipedia_double_test")},
		{"wikipedia_local_input_source_index_task.json", localInput(`{"type":"json"}`, "json", "wikipedia_index_data*", true, false, "wikipedia_double_test")},
	}},
	{name: "wikipedia_only_data3_test", steps: []step{
		{"wikipedia_local_input_source_index_task.json", localInput(`{"type":"json"}`, "json", "wikipedia_index_data*", false, false, "wikipedia_only_data3_test")},
		{"wikipedia_local_input_source_index_task.json", localInput(`{"type":"json"}`, "json", "wikipedia_index_data3*", false, true, "wikipedia_only_data3_test")},
	}},
	{name: "wikipedia_transform_test", steps: []step{{"wikipedia_index_task_with_inputsource_transform.json", []string{"%%DATASOURCE%%", "wikipedia_transform_test"}}}},
	{name: "wikipedia_merge_index_test", steps: []step{{"wikipedia_merge_index_task.json", []string{"%%DATASOURCE%%", "wikipedia_merge_index_test"}}}},
	{name: "wikipedia_parallel_index_test", steps: []step{{"wikipedia_parallel_index_task.json", parallel("wikipedia_parallel_index_test", `{"type":"dynamic"}`, false)}}},
	{name: "wikipedia_parallel_hashed_test", steps: []step{{"wikipedia_parallel_index_task.json", parallel("wikipedia_parallel_hashed_test", `{"type":"hashed","numShards":2}`, true)}}},
	{name: "wikipedia_parallel_hashed_language_test", steps: []step{{"wikipedia_parallel_index_task.json", parallel("wikipedia_parallel_hashed_language_test", `{"type":"hashed","numShards":3,"partitionDimensions":["language"]}`, true)}}},
	{name: "wikipedia_parallel_single_dim_test", steps: []step{{"wikipedia_parallel_index_task.json", parallel("wikipedia_parallel_single_dim_test", `{"type":"single_dim","partitionDimension":"namespace","targetRowsPerSegment":2}`, true)}}},
	{name: "wikipedia_parallel_range_test", steps: []step{{"wikipedia_parallel_index_task.json", parallel("wikipedia_parallel_range_test", `{"type":"range","partitionDimensions":["namespace","page"],"targetRowsPerSegment":2}`, true)}}},
	{name: "wikipedia_parallel_reindex_test", steps: []step{
		{"wikipedia_parallel_index_task.json", parallel("wikipedia_parallel_reindex_test", `{"type":"dynamic"}`, false)},
		{"wikipedia_parallel_reindex_task.json", parallel("wikipedia_parallel_reindex_test", `{"type":"dynamic"}`, false)},
	}},
	{name: "wikipedia_parallel_ingest_segment_test", needs: []string{"wikipedia_parallel_reindex_test"}, steps: []step{{"wikipedia_parallel_ingest_segment_index_task.json",
		append(parallel("wikipedia_parallel_reindex_test", `{"type":"dynamic"}`, false), "%%REINDEX_DATASOURCE%%", "wikipedia_parallel_ingest_segment_test")}}},
	{name: "wikipedia_parallel_druid_input_source_test", needs: []string{"wikipedia_parallel_reindex_test"}, steps: []step{{"wikipedia_parallel_druid_input_source_index_task.json",
		append(parallel("wikipedia_parallel_reindex_test", `{"type":"dynamic"}`, false), "%%REINDEX_DATASOURCE%%", "wikipedia_parallel_druid_input_source_test")}}},
	{name: "wikipedia_reindex_test", needs: []string{"wikipedia_index_test"}, steps: []step{{"wikipedia_reindex_task.json",
		[]string{"%%DATASOURCE%%", "wikipedia_index_test", "%%REINDEX_DATASOURCE%%", "wikipedia_reindex_test"}}}},
	{name: "wikipedia_reindex_transforms_test", needs: []string{"wikipedia_transform_test"}, steps: []step{{"wikipedia_reindex_druid_input_source_task_with_transforms.json",
		[]string{"%%DATASOURCE%%", "wikipedia_transform_test", "%%REINDEX_DATASOURCE%%", "wikipedia_reindex_transforms_test"}}}},
	{name: "wikipedia_comb_index_test", needs: []string{"wikipedia_index_test"}, steps: []step{{"wikipedia_combining_input_source_index_parallel_task.json",
		[]string{"%%DATASOURCE%%", "wikipedia_comb_index_test", "%%COMBINING_DATASOURCE%%", "wikipedia_index_test", "%%INPUT_FORMAT%%", `{"type":"json"}`,
			"%%PARTITIONS_SPEC%%", `{"type":"dynamic"}`, "%%FORCE_GUARANTEED_ROLLUP%%", "false", "%%APPEND_TO_EXISTING%%", "false"}}}},
	{name: "json_path_index_test", steps: []step{{"json_path_index_task.json", nil}}},
	{name: "wikiticker", steps: []step{{"wikiticker_index_task.json", []string{"%%DATASOURCE%%", "wikiticker"}}}},
	{name: "wikipedia", steps: []step{{"tutorial-wikipedia-index.json", nil}}},
	{name: "rollup-tutorial", steps: []step{{"tutorial-rollup-index.json", nil}}},
	{name: "batch_hadoop_test", steps: []step{{hadoopSpec, []string{"%%DATASOURCE%%", "batch_hadoop_test"}}}},
	{name: "union_test-0", steps: []step{{unionSpec, []string{"%%DATASOURCE%%", "union_test-0"}}}},
	{name: "union_test-1", steps: []step{{unionSpec, []string{"%%DATASOURCE%%", "union_test-1"}}}},
	{name: "union_test-2", steps: []step{{unionSpec, []string{"%%DATASOURCE%%", "union_test-2"}}}},
}

// unionSpec names the union test's Kafka supervisor template: the runner
// turns its dataSchema into a batch index_parallel task reading
// data/union_data.json, the rows the upstream test streams through Kafka.
const unionSpec = "union_kafka_supervisor_template.json"

// unionBatchSpec converts the supervisor template (placeholders filled)
// into a batch ingestion spec.
func unionBatchSpec(corpus, template string) (string, error) {
	template = strings.ReplaceAll(template, "%%STREAM_PROPERTIES_VALUE%%", "{}")
	var sup map[string]any
	if err := json.Unmarshal([]byte(template), &sup); err != nil {
		return "", fmt.Errorf("union supervisor template: %w", err)
	}
	spec := map[string]any{"type": "index_parallel", "spec": map[string]any{
		"dataSchema": sup["dataSchema"],
		"ioConfig": map[string]any{"type": "index_parallel",
			"inputSource": map[string]any{"type": "local", "files": []string{corpus + "/data/union_data.json"}},
			"inputFormat": map[string]any{"type": "json"}},
		"tuningConfig": map[string]any{"type": "index_parallel"},
	}}
	b, err := json.Marshal(spec)
	return string(b), err
}

func ds(name string) []string { return []string{"%%DATASOURCE%%", name} }

// queryFiles are the query files and the datasets they run against.
// wikipedia_index_task_with_dimension_spec.json is not paired with
// wikipedia_index_queries.json although the corpus README suggests it: that
// spec truncates timestamps to DAY, and the file's timeBoundary and
// stringFirst/stringLast cases expect second-granularity times (upstream
// uses the spec for auto-compaction tests).
var queryFiles = []queryFile{
	{file: "wikipedia_index_queries.json", vars: ds("wikipedia_index_test"), needs: []string{"wikipedia_index_test"}},
	{file: "wikipedia_index_queries.json", vars: ds("wikipedia_with_timestamp_index_test"), needs: []string{"wikipedia_with_timestamp_index_test"}},
	{file: "wikipedia_index_queries.json", vars: ds("wikipedia_index_with_merge_column_limit_test"), needs: []string{"wikipedia_index_with_merge_column_limit_test"}},
	{file: "wikipedia_index_queries.json", vars: ds("wikipedia_local_json"), needs: []string{"wikipedia_local_json"}},
	{file: "wikipedia_index_queries.json", vars: ds("wikipedia_local_csv"), needs: []string{"wikipedia_local_csv"}},
	{file: "wikipedia_index_queries.json", vars: ds("wikipedia_local_tsv"), needs: []string{"wikipedia_local_tsv"}},
	{file: "wikipedia_double_ingestion_non_perfect_rollup_index_queries.json", vars: ds("wikipedia_double_test"), needs: []string{"wikipedia_double_test"}},
	{file: "wikipedia_index_queries_only_data3.json", vars: ds("wikipedia_only_data3_test"), needs: []string{"wikipedia_only_data3_test"}},
	{file: "wikipedia_index_queries_with_transform.json", vars: ds("wikipedia_transform_test"), needs: []string{"wikipedia_transform_test"}},
	{file: "wikipedia_merge_index_queries.json", vars: ds("wikipedia_merge_index_test"), needs: []string{"wikipedia_merge_index_test"}},
	{file: "wikipedia_parallel_index_queries.json", vars: ds("wikipedia_parallel_index_test"), needs: []string{"wikipedia_parallel_index_test"}},
	{file: "wikipedia_parallel_index_queries.json", vars: ds("wikipedia_parallel_hashed_test"), needs: []string{"wikipedia_parallel_hashed_test"}},
	{file: "wikipedia_parallel_index_queries.json", vars: ds("wikipedia_parallel_hashed_language_test"), needs: []string{"wikipedia_parallel_hashed_language_test"}},
	{file: "wikipedia_parallel_index_queries.json", vars: ds("wikipedia_parallel_single_dim_test"), needs: []string{"wikipedia_parallel_single_dim_test"}},
	{file: "wikipedia_parallel_index_queries.json", vars: ds("wikipedia_parallel_range_test"), needs: []string{"wikipedia_parallel_range_test"}},
	{file: "wikipedia_reindex_queries.json", vars: ds("wikipedia_reindex_test"), needs: []string{"wikipedia_reindex_test"}},
	{file: "wikipedia_reindex_queries_with_transforms.json", vars: ds("wikipedia_reindex_transforms_test"), needs: []string{"wikipedia_reindex_transforms_test"}},
	{file: "wikipedia_combining_input_source_index_queries.json", vars: ds("wikipedia_comb_index_test"), needs: []string{"wikipedia_comb_index_test"}},
	{file: "json_path_index_queries.json", needs: []string{"json_path_index_test"}},
	{file: "nestedquerypushdown_queries.json", vars: ds("wikiticker"), needs: []string{"wikiticker"}},
	{file: "derived_tutorial_queries.json", needs: []string{"wikipedia", "rollup-tutorial"}},
	{file: "union_queries.json", vars: ds("union_test"), needs: []string{"union_test-0", "union_test-1", "union_test-2"}},
	{file: "wikipedia_parallel_reindex_queries.json", vars: ds("wikipedia_parallel_reindex_test"), needs: []string{"wikipedia_parallel_reindex_test"}},
	{file: "wikipedia_parallel_reindex_queries.json", vars: ds("wikipedia_parallel_ingest_segment_test"), needs: []string{"wikipedia_parallel_ingest_segment_test"}},
	{file: "wikipedia_parallel_reindex_queries.json", vars: ds("wikipedia_parallel_druid_input_source_test"), needs: []string{"wikipedia_parallel_druid_input_source_test"}},
	{file: "wikipedia_http_inputsource_queries.json", skip: "needs network access (http input source)"},
	{file: "twitterstream_queries.json", skip: "needs the pre-built twitterstream segments (not in the corpus)"},
	{file: "wikipedia_editstream_queries.json", skip: "needs the pre-built wikipedia_editstream segments (not in the corpus)"},
	{file: "batch_hadoop_queries.json", vars: ds("batch_hadoop_test"), needs: []string{"batch_hadoop_test"}},
	{file: "sys_queries.json", skip: "needs SQL"},
	{file: "sys_segment_batch_index_queries.json", skip: "needs SQL"},
	{file: "wikipedia_index_schemaless_queries.json", skip: "needs SQL"},
	{file: "broadcast_join_queries.json", skip: "needs SQL"},
	{file: "broadcast_join_metadata_queries.json", skip: "needs SQL"},
	{file: "broadcast_join_after_drop_metadata_queries.json", skip: "needs SQL"},
	{file: "high_availability_sys.json", skip: "needs SQL and a multi-node cluster"},
	{file: "stream_index_queries.json", skip: "needs streaming ingestion (generated events)"},
	{file: "wikipedia_index_rollup_queries.json", skip: "played by TestAutoCompactionConformance (autocompaction_test.go), per auto-compaction scenario"},
	{file: "wikipedia_index_sketch_queries.json", skip: "played by TestAutoCompactionConformance (autocompaction_test.go), per auto-compaction scenario"},
}

// staticSkip names why a case cannot run, or "". Native queries always
// run: what the server does not support answers 501 and is reported as a
// skip with the server's message.
func staticSkip(q any) string {
	m, ok := q.(map[string]any)
	if !ok {
		return "query is not an object"
	}
	if _, sql := m["query"].(string); sql {
		return "needs SQL"
	}
	return ""
}

// rewriteSpec fills placeholders and points data paths at the corpus; the
// spec is otherwise run as written.
func rewriteSpec(corpus, s string, vars []string) (string, error) {
	for i := 0; i+1 < len(vars); i += 2 {
		s = strings.ReplaceAll(s, vars[i], vars[i+1])
	}
	s = strings.ReplaceAll(s, "%%SEGMENT_AVAIL_TIMEOUT_MILLIS%%", "0")
	s = strings.ReplaceAll(s, "/resources/data/", corpus+"/data/")
	s = strings.ReplaceAll(s, "/resources/indexer", corpus+"/data/indexer")
	s = strings.ReplaceAll(s, "/shared/wikiticker-it", corpus+"/data/quickstart")
	s = strings.ReplaceAll(s, `"quickstart/tutorial/"`, `"`+corpus+`/data/quickstart"`)
	s = strings.ReplaceAll(s, `"quickstart/tutorial"`, `"`+corpus+`/data/quickstart"`)
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return "", fmt.Errorf("spec after substitution: %w", err)
	}
	out, err := json.Marshal(m)
	return string(out), err
}

// outcome is one case's result.
type outcome struct {
	key    string // file[ds]#index
	status string // pass, fail, skip
	reason string
}

func TestConformance(t *testing.T) {
	corpus := corpusDir(t)
	srv := startQuickstart(t)
	began := time.Now()
	if code, body, err := srv.do("POST", "/druid/indexer/v1/task", "{}"); err != nil || code == 501 {
		t.Skipf("this build does not serve the Tasks API (POST /druid/indexer/v1/task answered %d %s %v)", code, body, err)
	}

	// Ingest every dataset, each after the ones it needs.
	errs := map[string]error{}
	var mu sync.Mutex
	done := map[string]chan struct{}{}
	allDatasets := slices.Concat(datasets, compactionDatasets)
	for _, d := range allDatasets {
		done[d.name] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for _, d := range allDatasets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[d.name])
			for _, n := range d.needs {
				<-done[n]
				mu.Lock()
				err := errs[n]
				mu.Unlock()
				if err != nil {
					mu.Lock()
					errs[d.name] = fmt.Errorf("needs %s, whose ingestion failed", n)
					mu.Unlock()
					return
				}
			}
			err := func() error {
				for _, st := range d.steps {
					raw, err := os.ReadFile(filepath.Join(corpus, "specs", st.spec))
					if err != nil {
						return err
					}
					text := string(raw)
					switch st.spec {
					case unionSpec:
						for i := 0; i+1 < len(st.vars); i += 2 {
							text = strings.ReplaceAll(text, st.vars[i], st.vars[i+1])
						}
						if text, err = unionBatchSpec(corpus, text); err != nil {
							return err
						}
					case hadoopSpec:
						for i := 0; i+1 < len(st.vars); i += 2 {
							text = strings.ReplaceAll(text, st.vars[i], st.vars[i+1])
						}
						if text, err = hadoopBatchSpec(corpus, text); err != nil {
							return err
						}
					}
					spec, err := rewriteSpec(corpus, text, st.vars)
					if err != nil {
						return fmt.Errorf("%s: %w", st.spec, err)
					}
					if err := srv.ingest(spec, 90*time.Second); err != nil {
						return fmt.Errorf("%s: %w", st.spec, err)
					}
				}
				return srv.waitLoaded([]string{d.name}, 60*time.Second)
			}()
			mu.Lock()
			errs[d.name] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("ingested and loaded %d datasets in %v", len(allDatasets), time.Since(began).Round(time.Millisecond))
	for _, d := range allDatasets {
		if errs[d.name] != nil {
			t.Logf("dataset %s: %v", d.name, errs[d.name])
		}
	}

	var all []outcome
	var report strings.Builder
	for _, qf := range slices.Concat(queryFiles, compactionQueryFiles) {
		label := qf.file
		if len(qf.vars) >= 2 {
			label += " [" + qf.vars[1] + "]"
		}
		outs := runFile(t, srv, corpus, qf, errs)
		var p, f, s int
		for _, o := range outs {
			switch o.status {
			case "pass":
				p++
			case "fail":
				f++
			default:
				s++
			}
		}
		fmt.Fprintf(&report, "%s: %d passed, %d failed, %d skipped\n", label, p, f, s)
		var skipReasons []string
		skipCases := map[string][]string{}
		for _, o := range outs {
			switch o.status {
			case "fail":
				fmt.Fprintf(&report, "    FAIL %s: %s\n", o.key, o.reason)
			case "skip":
				if _, ok := skipCases[o.reason]; !ok {
					skipReasons = append(skipReasons, o.reason)
				}
				c := "all"
				if _, idx, ok := strings.Cut(o.key, "#"); ok {
					c = "#" + idx
				}
				skipCases[o.reason] = append(skipCases[o.reason], c)
			}
		}
		for _, r := range skipReasons {
			fmt.Fprintf(&report, "    skip %s: %s\n", strings.Join(skipCases[r], ","), r)
		}
		all = append(all, outs...)
	}
	summarize(t, &report, "conformance", began, all, "baseline.txt", "go test ./test/conformance")
}

// summarize totals outcomes into report's last line, prints the report,
// and checks the passing cases against testdata/<baselineFile> — a listed
// case that no longer passes fails the test — or, with
// DRYAD_CONFORMANCE_UPDATE set, rewrites that file (regenerate is the
// command its header names).
func summarize(t *testing.T, report *strings.Builder, label string, began time.Time, all []outcome, baselineFile, regenerate string) {
	t.Helper()
	var p, f, s int
	var passing []string
	for _, o := range all {
		switch o.status {
		case "pass":
			p++
			passing = append(passing, o.key)
		case "fail":
			f++
		default:
			s++
		}
	}
	fmt.Fprintf(report, "%s: %d passed, %d failed, %d skipped (%v)\n", label, p, f, s, time.Since(began).Round(time.Millisecond))
	fmt.Print(report.String())

	baselinePath := filepath.Join("testdata", baselineFile)
	sort.Strings(passing)
	if os.Getenv("DRYAD_CONFORMANCE_UPDATE") != "" {
		content := "# " + strings.ToUpper(label[:1]) + label[1:] + " cases that pass; a listed case that stops passing fails the test.\n" +
			"# Regenerate with DRYAD_CONFORMANCE_UPDATE=1 " + regenerate + "\n" + strings.Join(passing, "\n") + "\n"
		if err := os.WriteFile(baselinePath, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(baselinePath)
	if err != nil {
		t.Fatalf("reading the baseline: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !slices.Contains(passing, line) {
			reason := "not run"
			for _, o := range all {
				if o.key == line {
					reason = o.status + ": " + o.reason
				}
			}
			t.Errorf("regression: baseline case %s no longer passes (%s)", line, reason)
		}
	}
	for _, k := range passing {
		if !strings.Contains(string(raw), "\n"+k+"\n") {
			t.Logf("new passing case not in the baseline: %s", k)
		}
	}
}

// runFile plays one query file.
func runFile(t *testing.T, srv *server, corpus string, qf queryFile, ingestErrs map[string]error) []outcome {
	raw, err := os.ReadFile(filepath.Join(corpus, "queries", qf.file))
	if err != nil {
		t.Errorf("%s: %v", qf.file, err)
		return nil
	}
	s := string(raw)
	for i := 0; i+1 < len(qf.vars); i += 2 {
		s = strings.ReplaceAll(s, qf.vars[i], qf.vars[i+1])
	}
	label := qf.file
	if len(qf.vars) >= 2 {
		label += "[" + qf.vars[1] + "]"
	}
	parsed, err := decode(s)
	cases, _ := parsed.([]any)
	if err != nil || cases == nil {
		// Files with unfilled placeholders (computed by the upstream test
		// at run time) are not valid JSON.
		reason := qf.skip
		if reason == "" {
			reason = fmt.Sprintf("not valid JSON after substitution: %v", err)
		}
		return []outcome{{key: label, status: "skip", reason: reason}}
	}
	var out []outcome
	for i, c := range cases {
		cm, _ := c.(map[string]any)
		key := fmt.Sprintf("%s#%d", label, i)
		if qf.skip != "" {
			out = append(out, outcome{key, "skip", qf.skip})
			continue
		}
		if r := staticSkip(cm["query"]); r != "" {
			out = append(out, outcome{key, "skip", r})
			continue
		}
		var ingestErr error
		for _, n := range qf.needs {
			if ingestErrs[n] != nil {
				ingestErr = fmt.Errorf("dataset %s: %w", n, ingestErrs[n])
			}
		}
		if ingestErr != nil {
			out = append(out, outcome{key, "fail", ingestErr.Error()})
			continue
		}
		body, _ := json.Marshal(cm["query"])
		code, resp, err := srv.do("POST", "/druid/v2/", string(body))
		switch {
		case err != nil:
			out = append(out, outcome{key, "fail", err.Error()})
			continue
		case code == 501:
			msg := resp
			var eb struct {
				ErrorMessage string `json:"errorMessage"`
			}
			if json.Unmarshal([]byte(resp), &eb) == nil && eb.ErrorMessage != "" {
				msg = eb.ErrorMessage
			}
			out = append(out, outcome{key, "skip", "unsupported: " + msg})
			continue
		case code != 200:
			out = append(out, outcome{key, "fail", fmt.Sprintf("HTTP %d: %s", code, resp)})
			continue
		}
		actual, err := decode(resp)
		if err != nil {
			out = append(out, outcome{key, "fail", fmt.Sprintf("result is not JSON: %v", err)})
			continue
		}
		var fields []string
		for _, k := range []string{"fieldsToTest", "fieldsTotest"} {
			if fs, ok := cm[k].([]any); ok {
				for _, f := range fs {
					if s, ok := f.(string); ok {
						fields = append(fields, s)
					}
				}
			}
		}
		if d := compareResults(cm["expectedResults"], actual, fields); d != "" {
			out = append(out, outcome{key, "fail", d})
			continue
		}
		out = append(out, outcome{key, "pass", ""})
	}
	return out
}
