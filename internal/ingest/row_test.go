package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/inputformat"
	"github.com/dryaddb/dryad/internal/ingest/inputsource"
)

func ms(t testing.TB, iso string) int64 {
	t.Helper()
	v, err := base.ParseTime(iso, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTimestampFormats(t *testing.T) {
	const at = "2013-08-31T01:02:33Z"
	tests := []struct {
		format string
		value  any
		want   string // ISO instant, or "error"
	}{
		{"auto", "2013-08-31T01:02:33Z", at},
		{"auto", "2013-08-31 01:02:33", at},
		{"auto", "2013-08-31T03:02:33+02:00", at},
		{"auto", "2013-08-31T01:02:33.000Z America/New_York", at}, // zone suffix is stripped: Druid keeps the instant
		{"auto", "1377910953000", at},
		{"auto", int64(1377910953000), at},
		{"auto", 1377910953000.9, at},
		{"auto", "2013-08-31", "2013-08-31T00:00:00Z"},
		{"auto", "-1377910953000", "error"},
		{"auto", "", "error"},
		{"auto", "xyz", "error"},
		{"auto", true, "error"},
		{"AUTO", " \"2013-08-31T01:02:33Z\" ", at},
		{"iso", "2013-08-31T01:02:33Z", at},
		{"iso", `"2013-08-31T01:02:33Z"`, at},
		{"iso", "2013-08-31 01:02:33", "error"},
		{"iso", int64(1377910953000), "error"},
		{"posix", int64(1377910953), at},
		{"posix", "1377910953", at},
		{"posix", 1377910953.7, at},
		{"posix", "1377910953.5", "error"},
		{"millis", int64(1377910953000), at},
		{"millis", "1377910953000", at},
		{"micro", int64(1377910953000123), at},
		{"micro", "1377910953000999", at},
		{"nano", int64(1377910953000123456), at},
		{"ruby", 1377910953.0, at},
		{"ruby", "1377910953.0009", at},
		{"ruby", int64(1377910953), at},
		{"ruby", "abc", "error"},
		{"yyyyMMddHHmmss", "20130831010233", at},
		{"yyyyMMddHH", "2013083101", "2013-08-31T01:00:00Z"},
		{"dd/MMM/yyyy:HH:mm:ss Z", "31/Aug/2013:03:02:33 +0200", at},
		{"yyyyMMddHH", "2013-08-31", "error"},
	}
	for _, tt := range tests {
		ts, err := NewTimestampSpec("timestamp", tt.format, nil)
		if err != nil {
			t.Errorf("%s: %v", tt.format, err)
			continue
		}
		got, err := ts.Parse(tt.value)
		if tt.want == "error" {
			if err == nil {
				t.Errorf("%s %#v: got %s, want an error", tt.format, tt.value, base.FormatTime(got))
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %#v: %v", tt.format, tt.value, err)
			continue
		}
		if want := ms(t, tt.want); got != want {
			t.Errorf("%s %#v: got %s, want %s", tt.format, tt.value, base.FormatTime(got), tt.want)
		}
	}
}

func TestTimestampMissingValue(t *testing.T) {
	mv := ms(t, "2010-01-01T00:00:00Z")
	ts, _ := NewTimestampSpec("t", "auto", &mv)
	if got, err := ts.Parse(nil); err != nil || got != mv {
		t.Errorf("missing: %v %v", got, err)
	}
	if _, err := ts.Parse("garbage"); err == nil {
		t.Error("garbage with missingValue parsed")
	}
	ts, _ = NewTimestampSpec("t", "auto", nil)
	if _, err := ts.Parse(nil); err == nil {
		t.Error("null without missingValue parsed")
	}
}

func schema(t testing.TB, dims string, extra string) *DataSchema {
	t.Helper()
	spec := fmt.Sprintf(`{"type":"index","spec":{"dataSchema":{"dataSource":"d","timestampSpec":{"column":"ts"},"dimensionsSpec":%s%s},
		"ioConfig":{"inputSource":{"type":"inline","data":"x"},"inputFormat":{"type":"json"}}}}`, dims, extra)
	task, err := DecodeTask([]byte(spec), DecodeOptions{})
	if err != nil {
		t.Fatalf("%s: %v", spec, err)
	}
	return &task.Spec.DataSchema
}

func TestRowParserExplicitDimensions(t *testing.T) {
	ds := schema(t, `{"dimensions":["s",{"type":"long","name":"l"},{"type":"float","name":"f"},{"type":"double","name":"d"},
		{"type":"string","name":"mv"},{"type":"string","name":"set","multiValueHandling":"SORTED_SET"},{"type":"string","name":"arr","multiValueHandling":"array"},
		{"type":"json","name":"j"},"absent","num","one"]}`, "")
	p := NewRowParser(ds)
	rec := inputformat.Record{
		{Name: "ts", Value: "2013-08-31T01:02:33Z"}, {Name: "s", Value: "x"}, {Name: "l", Value: "12.9"}, {Name: "f", Value: 0.1}, {Name: "d", Value: "bad"},
		{Name: "mv", Value: []any{"b", "a", nil}}, {Name: "set", Value: []any{"b", "a", "b"}}, {Name: "arr", Value: []any{"b", "a"}},
		{Name: "j", Value: map[string]any{"k": int64(1)}}, {Name: "num", Value: 1.5}, {Name: "one", Value: []any{int64(7)}}, {Name: "other", Value: "ignored"},
	}
	row, err := p.Parse(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"x", int64(12), float64(float32(0.1)), nil, []string{"", "a", "b"}, []string{"a", "b"}, []string{"b", "a"},
		map[string]any{"k": int64(1)}, nil, "1.5", "7"}
	if !reflect.DeepEqual(row.Values, want) {
		t.Errorf("values\n got %#v\nwant %#v", row.Values, want)
	}
	if want := []string{"s", "l", "f", "d", "mv", "set", "arr", "j", "absent", "num", "one"}; !reflect.DeepEqual(row.Dimensions, want) {
		t.Errorf("dimensions %v", row.Dimensions)
	}
	if want := []string{"could not convert value [bad] to double"}; !reflect.DeepEqual(row.Errors, want) {
		t.Errorf("errors %q", row.Errors)
	}
	if row.Time != ms(t, "2013-08-31T01:02:33Z") {
		t.Errorf("time %d", row.Time)
	}
}

func TestRowParserSchemaless(t *testing.T) {
	rec := inputformat.Record{
		{Name: "ts", Value: "2013-08-31"}, {Name: "page", Value: "P"}, {Name: "added", Value: int64(5)}, {Name: "count", Value: int64(1)}, {Name: "tags", Value: []any{"b", "a"}},
		{Name: "nested", Value: map[string]any{"x": int64(1)}}, {Name: "excluded", Value: "e"}, {Name: "flag", Value: true}, {Name: "user", Value: "u"},
	}
	metrics := `,"metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"sum_added","fieldName":"added"},{"type":"thetaSketch","name":"users","fieldName":"user"}]`
	tests := []struct {
		name, dims string
		wantDims   []string
		wantVals   []any
	}{
		{"string discovery", `{"dimensionExclusions":["excluded"]}`,
			[]string{"page", "tags", "flag"}, []any{"P", []string{"a", "b"}, "true"}},
		{"include all", `{"dimensions":["user"],"includeAllDimensions":true}`,
			[]string{"user", "page", "tags", "excluded", "flag"}, []any{"u", "P", []string{"a", "b"}, "e", "true"}},
		{"schema discovery", `{"useSchemaDiscovery":true}`,
			[]string{"page", "tags", "nested", "excluded", "flag"}, []any{"P", []any{"b", "a"}, map[string]any{"x": int64(1)}, "e", int64(1)}},
	}
	for _, tt := range tests {
		row, err := NewRowParser(schema(t, tt.dims, metrics)).Parse(rec)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(row.Dimensions, tt.wantDims) || !reflect.DeepEqual(row.Values, tt.wantVals) {
			t.Errorf("%s:\n got %v %#v\nwant %v %#v", tt.name, row.Dimensions, row.Values, tt.wantDims, tt.wantVals)
		}
	}
}

func TestRowParserUnparseable(t *testing.T) {
	p := NewRowParser(schema(t, `{}`, ""))
	tests := []struct {
		rec  inputformat.Record
		want string
	}{
		{inputformat.Record{{Name: "ts", Value: "xyz"}, {Name: "page", Value: "P"}, {Name: "n", Value: 1.0}},
			"Timestamp[xyz] is unparseable! Event: {ts=xyz, page=P, n=1.0}"},
		{inputformat.Record{{Name: "page", Value: "P"}},
			"Timestamp[null] is unparseable! Event: {page=P}"},
		{inputformat.Record{{Name: "ts", Value: "bad"}, {Name: "long", Value: strings.Repeat("a", 120)}},
			"Timestamp[bad] is unparseable! Event: {ts=bad, long=" + strings.Repeat("a", 100-len("{ts=bad, long=")) + "..."},
		{inputformat.Record{{Name: "ts", Value: int64(5000000000000000000)}},
			"Encountered row with timestamp[5000000000000000000] that cannot be represented as a long: [{ts=5000000000000000000}]"},
	}
	for _, tt := range tests {
		_, err := p.Parse(tt.rec)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%v: got %v, want a ParseError", tt.rec, err)
			continue
		}
		if pe.Message != tt.want {
			t.Errorf("got  %q\nwant %q", pe.Message, tt.want)
		}
	}
}

func TestIntervalFilter(t *testing.T) {
	g := GranularitySpec{Intervals: []base.Interval{{Start: ms(t, "2013-08-31T12:00:00Z"), End: ms(t, "2013-09-01T06:00:00Z")}}}
	g.SegmentGranularity = granularityDay(t)
	f := NewIntervalFilter(g.BucketIntervals())
	for iso, want := range map[string]bool{
		"2013-08-31T00:00:00Z": true, "2013-09-01T23:59:59Z": true, "2013-08-30T23:59:59Z": false, "2013-09-02T00:00:00Z": false,
	} {
		if got := f.Accepts(ms(t, iso)); got != want {
			t.Errorf("%s: %v", iso, got)
		}
	}
	if !(IntervalFilter{}).Accepts(base.MinTime) {
		t.Error("zero filter rejects")
	}
}

// readSpec decodes an IT spec, reads all of its rows and returns them with
// the final stats.
func readSpec(t testing.TB, specFile string, vars map[string]string) ([]Row, RowStats, []string) {
	rows, stats, perrs, _ := readSpecSized(t, specFile, vars)
	return rows, stats, perrs
}

// readSpecSized is readSpec that also returns the total size of the
// entities read.
func readSpecSized(t testing.TB, specFile string, vars map[string]string) ([]Row, RowStats, []string, int64) {
	t.Helper()
	dir := itPath(t, "specs")
	dataDir, _ := filepath.Abs(filepath.Join(itDir, "data"))
	data, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		t.Fatal(err)
	}
	task, err := DecodeTask([]byte(substituteIT(string(data), dataDir, vars)), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	es, err := task.Spec.IOConfig.InputSource.Entities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, e := range es {
		size += e.Size()
	}
	ds := &task.Spec.DataSchema
	r := NewRowReader(context.Background(), es, task.Spec.IOConfig.InputFormat, NewRowParser(ds), NewIntervalFilter(ds.GranularitySpec.BucketIntervals()))
	defer r.Close()
	var rows []Row
	var perrs []string
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *ParseError
		if errors.As(err, &pe) {
			perrs = append(perrs, pe.Message)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	return rows, r.Stats(), perrs, size
}

func TestReadITData(t *testing.T) {
	const wikiCols = `["timestamp","page","language","user","unpatrolled","newPage","robot","anonymous","namespace","continent","country","region","city","added","deleted","delta"]`
	dataDir, _ := filepath.Abs(filepath.Join(itDir, "data"))
	tests := []struct {
		name string
		spec string
		vars map[string]string
		rows int
	}{
		{"json files", "wikipedia_index_task.json", nil, 10},
		{"json baseDir", "wikipedia_local_input_source_index_task.json", nil, 10},
		{"csv", "wikipedia_local_input_source_index_task.json", map[string]string{
			"%%INPUT_SOURCE_BASE_DIR%%": filepath.Join(dataDir, "batch_index/csv"),
			"%%INPUT_FORMAT%%":          `{"type":"csv","skipHeaderRows":1,"columns":` + wikiCols + `}`}, 10},
		{"csv header", "wikipedia_local_input_source_index_task.json", map[string]string{
			"%%INPUT_SOURCE_BASE_DIR%%": filepath.Join(dataDir, "batch_index/csv"),
			"%%INPUT_FORMAT%%":          `{"type":"csv","findColumnsFromHeader":true}`}, 10},
		{"tsv header", "wikipedia_local_input_source_index_task.json", map[string]string{
			"%%INPUT_SOURCE_BASE_DIR%%": filepath.Join(dataDir, "batch_index/tsv"),
			"%%INPUT_FORMAT%%":          `{"type":"tsv","findColumnsFromHeader":true}`}, 10},
		{"schemaless", "wikipedia_local_input_source_index_task_schemaless.json", nil, 10},
		{"json_path inline", "json_path_index_task.json", nil, 1},
		{"rollup tutorial", "tutorial-rollup-index.json", nil, 9},
		{"wikiticker gz", "wikiticker_index_task.json", nil, 39244},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.rows > 1000 {
				t.Skip("large file in -short mode")
			}
			rows, stats, perrs, size := readSpecSized(t, tt.spec, tt.vars)
			if len(perrs) > 0 {
				t.Fatalf("parse errors: %v", perrs[:min(3, len(perrs))])
			}
			if len(rows) != tt.rows || stats.Processed != int64(tt.rows) || stats.Unparseable != 0 || stats.ThrownAway != 0 {
				t.Fatalf("got %d rows, stats %+v; want %d", len(rows), stats, tt.rows)
			}
			if stats.ProcessedBytes != size {
				t.Errorf("processedBytes %d, want the input size %d", stats.ProcessedBytes, size)
			}
		})
	}
}

func TestReadITRowContent(t *testing.T) {
	rows, _, _ := readSpec(t, "wikipedia_index_task.json", nil)
	r := rows[0]
	if r.Time != ms(t, "2013-08-31T01:02:33Z") {
		t.Errorf("time %s", base.FormatTime(r.Time))
	}
	vals := map[string]any{}
	for i, d := range r.Dimensions {
		vals[d] = r.Values[i]
	}
	if vals["page"] != "Gypsy Danger" || !reflect.DeepEqual(vals["tags"], []string{"t1", "t2"}) || vals["city"] != "San Francisco" {
		t.Errorf("dimension values %v", vals)
	}
	if v, _ := r.Get("added"); v != int64(57) {
		t.Errorf("added = %#v", v)
	}
	jp, _, _ := readSpec(t, "json_path_index_task.json", nil)
	got := map[string]any{}
	for i, d := range jp[0].Dimensions {
		got[d] = jp[0].Values[i]
	}
	if want := map[string]any{"len": int64(5), "min": int64(0), "max": int64(4), "sum": int64(10)}; !reflect.DeepEqual(got, want) {
		t.Errorf("json_path dims %v, want %v", got, want)
	}
}

func TestRowReaderAccounting(t *testing.T) {
	ds := schema(t, `{"dimensions":["d",{"type":"long","name":"n"}]}`, `,"granularitySpec":{"intervals":["2020-01-01/2020-01-02"]}`)
	input := strings.Join([]string{
		`{"ts":"2020-01-01T01:00:00Z","d":"a","n":1}`,
		`{"ts":"2020-01-01T02:00:00Z","d":"b","n":"x"}`,
		`not json`,
		`{"ts":"garbage","d":"c"}`,
		`{"ts":"2021-01-01T00:00:00Z","d":"late"}`,
		`{"d":"no time"}`,
		`{"ts":"2020-01-01T03:00:00Z"}`,
	}, "\n") + "\n"
	es, _ := (&inputsource.Inline{Data: input}).Entities(context.Background())
	format, _ := inputformat.Decode([]byte(`{"type":"json"}`), "f")
	r := NewRowReader(context.Background(), es, format, NewRowParser(ds), NewIntervalFilter(ds.GranularitySpec.BucketIntervals()))
	tuning := TuningConfig{MaxParseExceptions: 3, MaxSavedParseExceptions: 2}
	pe := NewParseExceptions(&tuning, nil)
	var rows int
	var fatal error
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var perr *ParseError
		if errors.As(err, &perr) {
			if ferr := pe.Add("unparseable", perr.Input, perr.Message); ferr != nil && fatal == nil {
				fatal = ferr
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
		if len(row.Errors) > 0 {
			if ferr := pe.Add("processedWithError", row.Fields.String(), row.Errors...); ferr != nil && fatal == nil {
				fatal = ferr
			}
		}
	}
	want := RowStats{Processed: 2, ProcessedBytes: int64(len(input)), ProcessedWithError: 1, ThrownAway: 1, Unparseable: 3}
	if got := r.Stats(); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	if rows != 3 {
		t.Errorf("rows %d", rows)
	}
	if pe.Count() != 4 || len(pe.Saved()) != 2 || pe.Saved()[0].ErrorType != "processedWithError" {
		t.Errorf("parse exceptions %v %+v", pe, pe.Saved())
	}
	if fatal == nil || fatal.Error() != "Max parse exceptions[3] exceeded" {
		t.Errorf("fatal %v", fatal)
	}
	if got := pe.Saved()[1].Details[0]; got != "Unable to parse row [not json] (Path: inline, Record: 3, Line: 3)" {
		t.Errorf("saved %q", pe.Saved()[1].Details)
	}
}

func granularityDay(t testing.TB) granularityT {
	t.Helper()
	return granularityMust("day")
}

func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{"2013-08-31T01:02:33Z", "2013-08-31 01:02:33 America/New_York", "1377910953000", `"2013"`, "-1", "", "9999999999999999999999", "2013-13-45"} {
		f.Add(s, int64(0), 0.0, uint8(0))
	}
	formats := []string{"auto", "iso", "posix", "millis", "micro", "nano", "ruby", "yyyy-MM-dd HH:mm:ss"}
	specs := make([]TimestampSpec, len(formats))
	for i, fm := range formats {
		var err error
		if specs[i], err = NewTimestampSpec("t", fm, nil); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, s string, n int64, x float64, which uint8) {
		ts := &specs[int(which)%len(specs)]
		for _, v := range []any{s, n, x, []any{s}, nil} {
			_, _ = ts.Parse(v)
		}
	})
}

func TestRowReaderCancel(t *testing.T) {
	ds := schema(t, `{}`, "")
	input := strings.Repeat(`{"ts":"2020-01-01","d":"a"}`+"\n", 10000)
	es, _ := (&inputsource.Inline{Data: input}).Entities(context.Background())
	format, _ := inputformat.Decode([]byte(`{"type":"json"}`), "f")
	ctx, cancel := context.WithCancel(context.Background())
	r := NewRowReader(ctx, es, format, NewRowParser(ds), IntervalFilter{})
	cancel()
	var err error
	for range 10000 {
		if _, err = r.Next(); err != nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestSystemFields(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	if err := os.WriteFile(path, []byte(`{"ts":"2020-01-01","d":"x"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := fmt.Sprintf(`{"type":"index","spec":{"dataSchema":{"dataSource":"d","timestampSpec":{"column":"ts"}},
		"ioConfig":{"inputSource":{"type":"local","baseDir":%q,"filter":"*.json","systemFields":["__file_uri","__file_path"]},"inputFormat":{"type":"json"}}}}`, dir)
	task, err := DecodeTask([]byte(spec), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	es, err := task.Spec.IOConfig.InputSource.Entities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := NewRowReader(context.Background(), es, task.Spec.IOConfig.InputFormat, NewRowParser(&task.Spec.DataSchema), IntervalFilter{})
	row, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"d", "__file_uri", "__file_path"}; !reflect.DeepEqual(row.Dimensions, want) {
		t.Errorf("dimensions %v, want %v", row.Dimensions, want)
	}
	if row.Values[1] != "file:"+filepath.ToSlash(path) || row.Values[2] != path {
		t.Errorf("values %v", row.Values)
	}
	bad := strings.Replace(spec, `"__file_path"`, `"__file_size"`, 1)
	if _, err := DecodeTask([]byte(bad), DecodeOptions{}); err == nil || !strings.Contains(err.Error(), `spec.ioConfig.inputSource.systemFields[1]: unknown system field "__file_size"`) {
		t.Errorf("bad system field: %v", err)
	}
}

// fakeSegments serves fixed rows for the druid input source.
type fakeSegments struct{ rows []Row }

type sliceRows struct {
	rows  []Row
	stats RowStats
}

func (s *sliceRows) Next() (Row, error) {
	if len(s.rows) == 0 {
		return Row{}, io.EOF
	}
	r := s.rows[0]
	s.rows = s.rows[1:]
	s.stats.Processed++
	return r, nil
}
func (s *sliceRows) Stats() RowStats { return s.stats }
func (s *sliceRows) Close() error    { return nil }

func (f fakeSegments) OpenSegmentRows(_ context.Context, src *inputsource.Druid, _ *DataSchema) (RowIterator, error) {
	return &sliceRows{rows: f.rows}, nil
}

func TestOpenRowsCombining(t *testing.T) {
	spec := `{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"d","timestampSpec":{"column":"ts"},"dimensionsSpec":{"dimensions":["d"]}},
		"ioConfig":{"type":"index_parallel","inputSource":{"type":"combining","delegates":[
			{"type":"druid","dataSource":"old","interval":"2020/2021"},
			{"type":"inline","data":"{\"ts\":\"2020-01-02\",\"d\":\"new\"}\nbad\n"}]},
		"inputFormat":{"type":"json"}}}}`
	task, err := DecodeTask([]byte(spec), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRows(context.Background(), &task.Spec, nil); !base.IsClass(err, base.ClassUnsupported) {
		t.Fatalf("without a segment reader: %v", err)
	}
	old := Row{Time: ms(t, "2020-01-01T00:00:00Z"), Dimensions: []string{"d"}, Values: []any{"old"}}
	it, err := OpenRows(context.Background(), &task.Spec, fakeSegments{rows: []Row{old}})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var got []any
	parseErrors := 0
	for {
		row, err := it.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *ParseError
		if errors.As(err, &pe) {
			parseErrors++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.Values[0])
	}
	if !reflect.DeepEqual(got, []any{"old", "new"}) || parseErrors != 1 {
		t.Errorf("rows %v, parse errors %d", got, parseErrors)
	}
	if st := it.Stats(); st.Processed != 2 || st.Unparseable != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestParseExceptionsLogging(t *testing.T) {
	var buf strings.Builder
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	tc := TuningConfig{MaxParseExceptions: Unlimited, LogParseExceptions: true}
	pe := NewParseExceptions(&tc, logger)
	if err := pe.Add("unparseable", "raw line", "Unable to parse row [raw line]"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "errorType=unparseable") || !strings.Contains(buf.String(), `input="raw line"`) {
		t.Errorf("log: %s", buf.String())
	}
	if len(pe.Saved()) != 0 {
		t.Errorf("saved %v with maxSavedParseExceptions 0", pe.Saved())
	}
	quiet := NewParseExceptions(&TuningConfig{MaxParseExceptions: 0}, logger)
	buf.Reset()
	if err := quiet.Add("processedWithError", "x", "d"); err == nil || buf.Len() != 0 {
		t.Errorf("max 0: err %v, log %q", err, buf.String())
	}
}

func TestFieldHintsFollowOrderChanges(t *testing.T) {
	p := NewRowParser(schema(t, `{"dimensions":["a","b"]}`, ""))
	hints := p.newHints()
	recs := []inputformat.Record{
		{{Name: "ts", Value: "2020"}, {Name: "a", Value: "1"}, {Name: "b", Value: "2"}},
		{{Name: "b", Value: "3"}, {Name: "ts", Value: "2021"}, {Name: "a", Value: "4"}},
		{{Name: "a", Value: "5"}},
		{{Name: "ts", Value: "2022"}, {Name: "a", Value: "6"}, {Name: "b", Value: "7"}},
	}
	for i, rec := range recs {
		want, werr := p.Parse(rec)
		got, gerr := p.parse(rec, hints)
		if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("record %d: hinted %+v %v, plain %+v %v", i, got, gerr, want, werr)
		}
	}
	// ParseReusing gives the same rows, reusing one value slice.
	var scratch RowScratch
	for round := range 2 {
		for i, rec := range recs {
			want, werr := p.Parse(rec)
			got, gerr := p.ParseReusing(rec, &scratch)
			if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
				t.Errorf("round %d record %d: reusing %+v %v, plain %+v %v", round, i, got, gerr, want, werr)
			}
		}
	}
}

func TestHTTPSourceEndToEnd(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	for i := range 100 {
		fmt.Fprintf(zw, `{"ts":"2020-01-01T00:00:%02dZ","d":"v%d"}`+"\n", i%60, i)
	}
	_ = zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "druid" || p != "pw" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write(gz.Bytes())
	}))
	defer srv.Close()
	spec := fmt.Sprintf(`{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"d","timestampSpec":{"column":"ts","format":"iso"},"dimensionsSpec":{"dimensions":["d"]}},
		"ioConfig":{"type":"index_parallel","inputSource":{"type":"http","uris":[%q,%q],"httpAuthenticationUsername":"druid","httpAuthenticationPassword":"pw"},"inputFormat":{"type":"json"}}}}`,
		srv.URL+"/a.json.gz", srv.URL+"/b.json.gz")
	task, err := DecodeTask([]byte(spec), DecodeOptions{Sources: inputsource.Config{HTTPClient: srv.Client()}})
	if err != nil {
		t.Fatal(err)
	}
	it, err := OpenRows(context.Background(), &task.Spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for {
		_, err := it.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if st := it.Stats(); n != 200 || st.Processed != 200 || st.ProcessedBytes != 2*int64(gz.Len()) {
		t.Errorf("rows %d, stats %+v (compressed size %d)", n, st, gz.Len())
	}
}
