package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hadoopSpec names the corpus's Hadoop ingestion spec. dryad does not run
// Hadoop tasks; the runner restates the spec as a native index task with
// the same parse spec, schema, granularities and intervals, reading the
// same file from the local disk.
const hadoopSpec = "batch_hadoop_indexer.json"

// hadoopBatchSpec converts an index_hadoop spec (placeholders already
// filled) into a native index spec: parser.parseSpec becomes timestampSpec,
// dimensionsSpec and an inputFormat of the same format and columns; the
// static inputSpec's paths become a local input source under corpus. The
// Hadoop job settings are dropped; the partitioning stays dynamic.
func hadoopBatchSpec(corpus, text string) (string, error) {
	var task struct {
		Type string `json:"type"`
		Spec struct {
			DataSchema map[string]any `json:"dataSchema"`
			IOConfig   struct {
				InputSpec struct {
					Type  string `json:"type"`
					Paths string `json:"paths"`
				} `json:"inputSpec"`
			} `json:"ioConfig"`
		} `json:"spec"`
	}
	if err := json.Unmarshal([]byte(text), &task); err != nil {
		return "", fmt.Errorf("hadoop spec: %w", err)
	}
	if task.Type != "index_hadoop" {
		return "", fmt.Errorf("hadoop spec: type %q, expected index_hadoop", task.Type)
	}
	if task.Spec.IOConfig.InputSpec.Type != "static" || task.Spec.IOConfig.InputSpec.Paths == "" {
		return "", fmt.Errorf("hadoop spec: only a static inputSpec with paths can be restated, got %q", task.Spec.IOConfig.InputSpec.Type)
	}
	ds := task.Spec.DataSchema
	parser, _ := ds["parser"].(map[string]any)
	parse, _ := parser["parseSpec"].(map[string]any)
	if parse == nil {
		return "", fmt.Errorf("hadoop spec: dataSchema.parser.parseSpec is missing")
	}
	format, _ := parse["format"].(string)
	if format != "tsv" && format != "csv" && format != "json" {
		return "", fmt.Errorf("hadoop spec: parseSpec format %q cannot be restated", format)
	}
	inputFormat := map[string]any{"type": format}
	for _, k := range []string{"columns", "delimiter", "listDelimiter", "flattenSpec"} {
		if v, ok := parse[k]; ok {
			inputFormat[k] = v
		}
	}
	schema := map[string]any{}
	for k, v := range ds {
		if k != "parser" {
			schema[k] = v
		}
	}
	schema["timestampSpec"] = parse["timestampSpec"]
	schema["dimensionsSpec"] = parse["dimensionsSpec"]
	var files []string
	for _, p := range strings.Split(task.Spec.IOConfig.InputSpec.Paths, ",") {
		files = append(files, corpus+"/data"+strings.TrimSpace(p))
	}
	out := map[string]any{"type": "index", "spec": map[string]any{
		"dataSchema": schema,
		"ioConfig": map[string]any{"type": "index",
			"inputSource": map[string]any{"type": "local", "files": files},
			"inputFormat": inputFormat},
		"tuningConfig": map[string]any{"type": "index"},
	}}
	b, err := json.Marshal(out)
	return string(b), err
}

func TestHadoopBatchSpec(t *testing.T) {
	corpus := corpusDir(t)
	raw, err := os.ReadFile(filepath.Join(corpus, "specs", hadoopSpec))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), "%%DATASOURCE%%", "hadoop_test")
	got, err := hadoopBatchSpec(corpus, text)
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Type string `json:"type"`
		Spec struct {
			DataSchema struct {
				DataSource    string         `json:"dataSource"`
				Parser        any            `json:"parser"`
				TimestampSpec map[string]any `json:"timestampSpec"`
				Metrics       []any          `json:"metricsSpec"`
			} `json:"dataSchema"`
			IOConfig struct {
				InputSource struct {
					Files []string `json:"files"`
				} `json:"inputSource"`
				InputFormat struct {
					Type    string   `json:"type"`
					Columns []string `json:"columns"`
				} `json:"inputFormat"`
			} `json:"ioConfig"`
		} `json:"spec"`
	}
	if err := json.Unmarshal([]byte(got), &spec); err != nil {
		t.Fatal(err)
	}
	s := spec.Spec
	if spec.Type != "index" || s.DataSchema.DataSource != "hadoop_test" || s.DataSchema.Parser != nil ||
		s.DataSchema.TimestampSpec["format"] != "yyyyMMddHH" || len(s.DataSchema.Metrics) != 2 ||
		s.IOConfig.InputFormat.Type != "tsv" || len(s.IOConfig.InputFormat.Columns) != 5 || len(s.IOConfig.InputSource.Files) != 1 {
		t.Fatalf("restated spec: %s", got)
	}
	if _, err := os.Stat(s.IOConfig.InputSource.Files[0]); err != nil {
		t.Fatalf("restated input file: %v", err)
	}
	for _, bad := range []string{`{"type":"index","spec":{}}`, `{"type":"index_hadoop","spec":{"ioConfig":{"inputSpec":{"type":"granularity"}}}}`, `[`} {
		if _, err := hadoopBatchSpec(corpus, bad); err == nil {
			t.Errorf("hadoopBatchSpec(%s) succeeded", bad)
		}
	}
}
