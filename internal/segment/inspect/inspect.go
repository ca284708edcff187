package inspect

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

// DefaultRows is how many rows are printed without --rows.
const DefaultRows = 10

const usage = "usage: dryad segment inspect FILE [--rows N] [--json]"

type options struct {
	file string
	rows int
	json bool
}

func parseArgs(args []string) (options, error) {
	o := options{rows: DefaultRows}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case !strings.HasPrefix(a, "-") || a == "-":
			if o.file != "" {
				return o, fmt.Errorf("more than one FILE: %q and %q", o.file, a)
			}
			o.file = a
		case name == "json" && !hasVal:
			o.json = true
		case name == "rows":
			if !hasVal {
				if i+1 >= len(args) {
					return o, fmt.Errorf("--rows needs a number")
				}
				i++
				val = args[i]
			}
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return o, fmt.Errorf("--rows must be a non-negative integer, got %q", val)
			}
			o.rows = n
		case name == "h" || name == "help":
			return o, errHelp
		default:
			return o, fmt.Errorf("unknown flag %q", a)
		}
	}
	if o.file == "" {
		return o, fmt.Errorf("missing FILE")
	}
	return o, nil
}

var errHelp = errors.New("help requested")

// Run executes the command with args (those after "inspect") and returns
// the process exit code: 0 on success, 1 when the file cannot be read or is
// corrupt, 2 for bad usage. Errors are printed to stderr as one line.
func Run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err == errHelp {
		fmt.Fprintln(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "dryad segment inspect: %v\n%s\n", err, usage)
		return 2
	}
	if err := inspect(o, stdout); err != nil {
		fmt.Fprintf(stderr, "dryad segment inspect: %s\n", oneLine(err.Error()))
		return 1
	}
	return 0
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Report is the JSON output.
type Report struct {
	File          string               `json:"file"`
	FormatVersion string               `json:"formatVersion"`
	Size          int                  `json:"size"`
	Metadata      segment.Metadata     `json:"metadata"`
	Columns       []segment.ColumnInfo `json:"columns"`
	Rows          []map[string]any     `json:"rows"`
	rowValues     [][]segment.Value    `json:"-"`
	names         []string             `json:"-"`
	types         []base.ColumnType    `json:"-"`
}

func inspect(o options, w io.Writer) error {
	s, err := segment.Open(o.file)
	if err != nil {
		return err
	}
	defer s.Close()
	maj, min := s.FormatVersion()
	r := Report{File: o.file, FormatVersion: fmt.Sprintf("%d.%d", maj, min), Size: s.Size(), Metadata: s.Metadata(), Rows: []map[string]any{}}
	for _, name := range s.ColumnNames() {
		c, err := s.Column(name)
		if err != nil {
			return err
		}
		r.Columns = append(r.Columns, c.Info())
		r.types = append(r.types, c.Info().Type)
	}
	r.names = s.ColumnNames()
	rows, err := s.ReadRows(0, o.rows)
	if err != nil {
		return err
	}
	r.rowValues = rows
	for _, row := range rows {
		m := make(map[string]any, len(row))
		for i, v := range row {
			m[r.names[i]] = jsonValue(v, r.types[i])
		}
		r.Rows = append(r.Rows, m)
	}
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	}
	return writeText(w, &r)
}

// pair decodes a first/last state for display.
func pair(v segment.Value, t base.ColumnType) (int64, segment.Value, bool) {
	var vk segment.ValueKind
	switch t.Complex {
	case "serializablePairLongLong":
		vk = segment.KindLong
	case "serializablePairLongDouble":
		vk = segment.KindDouble
	case "serializablePairLongFloat":
		vk = segment.KindFloat
	case "serializablePairLongString":
		vk = segment.KindString
	default:
		return 0, segment.Value{}, false
	}
	tm, val, err := aggregation.DecodePair(v.Bytes, vk)
	return tm, val, err == nil
}

func jsonValue(v segment.Value, t base.ColumnType) any {
	switch v.Kind {
	case segment.KindString:
		return v.Str
	case segment.KindStrings:
		return v.Strs
	case segment.KindLong:
		return v.Long
	case segment.KindFloat, segment.KindDouble:
		return v.Double
	case segment.KindArray:
		out := make([]any, len(v.Elems))
		for i, e := range v.Elems {
			out[i] = jsonValue(e, base.ColumnType{})
		}
		return out
	case segment.KindComplex:
		if tm, val, ok := pair(v, t); ok {
			return map[string]any{"lhs": tm, "rhs": jsonValue(val, base.ColumnType{})}
		}
		return base64.StdEncoding.EncodeToString(v.Bytes)
	}
	return nil
}

func textValue(v segment.Value, t base.ColumnType, isTime bool) string {
	if isTime {
		return base.FormatTime(v.Long)
	}
	if v.Kind == segment.KindComplex {
		if tm, val, ok := pair(v, t); ok {
			return "(" + base.FormatTime(tm) + ", " + val.String() + ")"
		}
		return "base64:" + base64.StdEncoding.EncodeToString(v.Bytes)
	}
	return v.String()
}

func writeText(w io.Writer, r *Report) error {
	m := &r.Metadata
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	p("file:", r.File)
	p("format:", fmt.Sprintf("dryad segment %s, %d bytes", r.FormatVersion, r.Size))
	p("dataSource:", m.DataSource)
	p("interval:", m.Interval.String())
	p("version:", m.Version)
	p("partitionNum:", strconv.Itoa(m.PartitionNum))
	gran := string(m.QueryGranularity)
	if gran == "" {
		gran = "-"
	}
	p("queryGranularity:", gran)
	p("rollup:", strconv.FormatBool(m.Rollup))
	p("rows:", strconv.Itoa(m.NumRows))
	if m.NumRows > 0 {
		p("time:", base.FormatTime(m.MinTime)+" .. "+base.FormatTime(m.MaxTime))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "columns:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  name\trole\ttype\tbytes\tencoding\tdetails")
	nd := len(m.Dimensions)
	for i, c := range r.Columns {
		role := "metric"
		switch {
		case i == 0:
			role = "time"
		case i <= nd:
			role = "dimension"
		}
		var details []string
		if c.Type.Kind == base.KindString {
			details = append(details, "cardinality="+strconv.Itoa(c.Cardinality))
		}
		if c.MultiValue {
			details = append(details, "multi-value")
		}
		if c.HasNulls {
			details = append(details, "nulls")
		}
		if i > nd {
			details = append(details, "aggregator="+string(m.Metrics[i-1-nd].Aggregator))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%s\n", c.Name, role, c.Type, c.Bytes, encodings(c.Encodings), strings.Join(details, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "rows (first %d of %d):\n", len(r.rowValues), m.NumRows)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+strings.Join(r.names, "\t"))
	for _, row := range r.rowValues {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = textValue(v, r.types[i], i == 0)
		}
		fmt.Fprintln(tw, "  "+strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// encodings renders block counts per encoding as "delta:2 for:1".
func encodings(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+":"+strconv.Itoa(m[k]))
	}
	return strings.Join(parts, " ")
}
