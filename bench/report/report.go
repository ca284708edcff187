package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is the outcome of one query.
type Status string

// Query outcomes. Only StatusOK queries are timed and enter the geometric
// mean; StatusWrong and StatusError fail the run.
const (
	StatusOK      Status = "ok"      // answers agree; both engines timed
	StatusSkipped Status = "skipped" // dryad does not support a feature the query needs
	StatusWrong   Status = "wrong"   // an engine's answer differs from the reference
	StatusError   Status = "error"   // an engine failed the query
)

// Machine describes where the run happened.
type Machine struct {
	Host      string `json:"host"`
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemoryGiB int    `json:"memoryGiB"`
	OS        string `json:"os"`
	Go        string `json:"go"`
	Dryad     string `json:"dryad"`
	DuckDB    string `json:"duckdb"`
}

// Ingest is one data set loaded into one engine.
type Ingest struct {
	Dataset           string  `json:"dataset"`
	Engine            string  `json:"engine"`
	Rows              int64   `json:"rows"`
	Seconds           float64 `json:"seconds"`
	RowsPerSecPerCore float64 `json:"rowsPerSecPerCore"`
	Bytes             int64   `json:"bytes"` // dryad: segment files in deep storage; DuckDB: the database file's share
}

// Query is the outcome of one query of the suite.
type Query struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Status      Status  `json:"status"`
	Reason      string  `json:"reason,omitempty"` // why skipped, wrong or failed
	Dryad       Latency `json:"dryad"`
	DuckDB      Latency `json:"duckdb"`
	Ratio       float64 `json:"ratio,omitempty"` // dryad median / DuckDB median
}

// Report is a whole comparison run.
type Report struct {
	Date         time.Time `json:"date"`
	Machine      Machine   `json:"machine"`
	Command      string    `json:"command"`
	WikiRows     int64     `json:"wikiRows"`
	LineitemSF   float64   `json:"lineitemScaleFactor"`
	LineitemRows int64     `json:"lineitemRows"`
	Warmup       int       `json:"warmup"`
	Runs         int       `json:"runs"`
	Threads      int       `json:"duckdbThreads"`
	Ingest       []Ingest  `json:"ingest"`
	DryadRSS     int64     `json:"dryadRSSBytes"`     // VmRSS after the queries
	DryadPeakRSS int64     `json:"dryadPeakRSSBytes"` // VmHWM
	DuckDBBytes  int64     `json:"duckdbDatabaseBytes"`
	Queries      []Query   `json:"queries"`
	GeoMeanRatio float64   `json:"geoMeanRatio"` // over StatusOK queries
	WallSeconds  float64   `json:"wallSeconds"`
	Notes        []string  `json:"notes,omitempty"`
}

// Finish computes the per-query ratios and the geometric mean.
func (r *Report) Finish() {
	var ratios []float64
	for i := range r.Queries {
		q := &r.Queries[i]
		q.Ratio = 0
		if q.Status == StatusOK && q.DuckDB.MedianMs > 0 {
			q.Ratio = q.Dryad.MedianMs / q.DuckDB.MedianMs
			ratios = append(ratios, q.Ratio)
		}
	}
	r.GeoMeanRatio = GeoMean(ratios)
}

// Failed reports whether any query was wrong or failed.
func (r *Report) Failed() bool {
	for _, q := range r.Queries {
		if q.Status == StatusWrong || q.Status == StatusError {
			return true
		}
	}
	return false
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// QueryTable renders the per-query table as aligned plain text (for the
// terminal) when markdown is false, or as a Markdown table.
func (r *Report) QueryTable(markdown bool) string {
	head := []string{"query", "dryad p50 ms", "dryad p95 ms", "DuckDB p50 ms", "DuckDB p95 ms", "dryad/DuckDB", "status"}
	rows := [][]string{head}
	for _, q := range r.Queries {
		row := []string{q.Name, "", "", "", "", "", string(q.Status)}
		if q.Status == StatusOK {
			row[1], row[2] = ms(q.Dryad.MedianMs), ms(q.Dryad.P95Ms)
			row[3], row[4] = ms(q.DuckDB.MedianMs), ms(q.DuckDB.P95Ms)
			row[5] = fmt.Sprintf("%.2f", q.Ratio)
		}
		if q.Reason != "" {
			row[6] += ": " + oneLine(q.Reason, 90)
		}
		rows = append(rows, row)
	}
	gm := "—"
	if r.GeoMeanRatio > 0 {
		gm = fmt.Sprintf("%.2f", r.GeoMeanRatio)
	}
	rows = append(rows, []string{"geometric mean", "", "", "", "", gm, ""})
	return renderTable(rows, markdown, 1)
}

// IngestTable renders the ingestion and storage table.
func (r *Report) IngestTable(markdown bool) string {
	rows := [][]string{{"data set", "engine", "rows", "seconds", "rows/s/core", "bytes on disk"}}
	for _, in := range r.Ingest {
		rows = append(rows, []string{in.Dataset, in.Engine, count(in.Rows), fmt.Sprintf("%.1f", in.Seconds),
			count(int64(in.RowsPerSecPerCore)), bytesString(in.Bytes)})
	}
	return renderTable(rows, markdown, 2)
}

// Terminal writes the summary shown at the end of a run.
func (r *Report) Terminal(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.IngestTable(false))
	b.WriteString("\n")
	b.WriteString(r.QueryTable(false))
	fmt.Fprintf(&b, "\ndryad resident memory %s (peak %s); DuckDB database %s; wall time %.0f s\n",
		bytesString(r.DryadRSS), bytesString(r.DryadPeakRSS), bytesString(r.DuckDBBytes), r.WallSeconds)
	_, err := io.WriteString(w, b.String())
	return err
}

// Markdown writes the report as a Markdown document.
func (r *Report) Markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# dryad vs DuckDB — %s on %s\n\n", r.Date.UTC().Format("2006-01-02 15:04 MST"), r.Machine.Host)
	m := r.Machine
	fmt.Fprintf(&b, "* Machine: %s, %d cores, %d GiB, %s\n", m.CPU, m.Cores, m.MemoryGiB, m.OS)
	fmt.Fprintf(&b, "* Versions: dryad %s, DuckDB %s, %s\n", m.Dryad, m.DuckDB, m.Go)
	fmt.Fprintf(&b, "* Command: `%s`\n", r.Command)
	fmt.Fprintf(&b, "* Data: wiki %s rows; lineitem scale factor %g (%s rows)\n", count(r.WikiRows), r.LineitemSF, count(r.LineitemRows))
	fmt.Fprintf(&b, "* Method: %d warm-up runs, then %d timed runs per engine, alternating dryad and DuckDB; DuckDB with %d threads; latency is the client-side wall time of the request (dryad: HTTP round trip with the body read; DuckDB: query and row scan)\n", r.Warmup, r.Runs, r.Threads)
	fmt.Fprintf(&b, "* Wall time of the run: %.0f s\n\n", r.WallSeconds)
	b.WriteString("## Queries\n\n")
	b.WriteString(r.QueryTable(true))
	gm := "not available (no query completed on both engines)"
	if r.GeoMeanRatio > 0 {
		gm = fmt.Sprintf("%.2f (goal: ≤ 1.00)", r.GeoMeanRatio)
	}
	fmt.Fprintf(&b, "\nGeometric mean of dryad/DuckDB median latency: %s\n\n", gm)
	b.WriteString("## Ingestion and storage\n\n")
	b.WriteString(r.IngestTable(true))
	fmt.Fprintf(&b, "\nGoal: ≥ 100,000 rows/s per core for dryad.\n\n")
	fmt.Fprintf(&b, "* dryad resident memory after the queries: %s (peak %s)\n", bytesString(r.DryadRSS), bytesString(r.DryadPeakRSS))
	fmt.Fprintf(&b, "* DuckDB database file: %s\n", bytesString(r.DuckDBBytes))
	if len(r.Notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "* %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func ms(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func count(n int64) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func bytesString(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		f /= unit
		if f < unit {
			return fmt.Sprintf("%.1f %s", f, u)
		}
	}
	return fmt.Sprintf("%.1f PiB", f/unit)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// renderTable aligns rows (the first is the header); the columns between
// the first textCols and the last are right-aligned numbers.
func renderTable(rows [][]string, markdown bool, textCols int) string {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	numeric := func(i int) bool { return i >= textCols && i < len(width)-1 }
	var b strings.Builder
	for r, row := range rows {
		var line strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			switch {
			case markdown:
				line.WriteString("| ")
			case i > 0:
				line.WriteString("  ")
			}
			if numeric(i) {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
			if markdown {
				line.WriteByte(' ')
			}
		}
		if markdown {
			line.WriteByte('|')
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
		if r == 0 && markdown {
			for i, w := range width {
				dash := strings.Repeat("-", w)
				if numeric(i) {
					dash = dash[:w-1] + ":"
				}
				b.WriteString("| " + dash + " ")
			}
			b.WriteString("|\n")
		}
	}
	return b.String()
}
