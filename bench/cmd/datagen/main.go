// Command datagen writes dryad's benchmark data sets as JSON lines.
//
//	go run ./bench/cmd/datagen --set wiki --rows 10M --out /tmp/wiki.json.gz
//	go run ./bench/cmd/datagen --set lineitem --sf 1 --out /tmp/lineitem.json
//
// Output ending in .gz is gzip-compressed; "-" (the default) is standard
// output. The same --seed always gives the same bytes.
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/bench/datagen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "datagen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("datagen", flag.ContinueOnError)
	set := fs.String("set", "wiki", "data set: wiki or lineitem")
	rows := fs.String("rows", "1M", "wiki rows (suffixes K, M allowed)")
	sf := fs.Float64("sf", 1, "lineitem TPC-H scale factor")
	seed := fs.Int64("seed", 1, "random seed")
	out := fs.String("out", "-", "output file (.gz compresses); - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	n, err := parseCount(*rows)
	if err != nil {
		return fmt.Errorf("--rows %q: %w", *rows, err)
	}
	var w io.Writer = stdout
	var closers []io.Closer
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		w = f
		closers = append(closers, f)
		if strings.HasSuffix(*out, ".gz") {
			zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
			w = zw
			closers = append([]io.Closer{zw}, closers...)
		}
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var buf []byte
	switch *set {
	case "wiki":
		g := datagen.NewWiki(*seed, n)
		for r := g.Next(); r != nil; r = g.Next() {
			buf = append(r.AppendJSON(buf[:0]), '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	case "lineitem":
		g := datagen.NewLineitem(*seed, *sf)
		for r := g.Next(); r != nil; r = g.Next() {
			buf = append(r.AppendJSON(buf[:0]), '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("--set %q: want wiki or lineitem", *set)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	for _, c := range closers {
		if err := c.Close(); err != nil {
			return err
		}
	}
	return nil
}

// parseCount reads counts like "500", "10K", "10M", "1.5M".
func parseCount(s string) (int64, error) {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "K"), strings.HasSuffix(s, "k"):
		mult, s = 1e3, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1e6, s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("want a non-negative count such as 1000, 10K or 10M")
	}
	return int64(f * mult), nil
}
