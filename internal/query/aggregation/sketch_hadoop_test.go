package aggregation

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/segment"
	"github.com/dryaddb/dryad/internal/sketch"
)

// TestBatchHadoopThetaIT reproduces Druid's IT "unique_query3": per day,
// thetaSketch of user_id_sketch for product_1 and for product_7 and the
// estimate of their INTERSECT. The input column holds theta sketches the
// Java library serialized (serial version 1, one user each). Druid's
// ingestion (isInputThetaSketch unset) hashes the base64 text; reading the
// sketches (isInputThetaSketch true) must give the same counts.
func TestBatchHadoopThetaIT(t *testing.T) {
	f, err := os.Open("testdata/batch_hadoop_products_1_7.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type key struct{ day, product string }
	rows := map[key][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 || c[4] == "" {
			continue
		}
		k := key{c[0][:8], c[2]}
		rows[k] = append(rows[k], c[4])
	}
	want := map[string][3]float64{ // unique1, unique7, final_unique
		"20141020": {16, 17, 8}, "20141021": {8, 17, 5}, "20141022": {14, 11, 3},
		"20141023": {12, 14, 3}, "20141024": {14, 11, 3},
	}
	for _, spec := range []string{
		`{"type":"thetaSketch","name":"user_id_sketch","fieldName":"user_id_sketch","size":16384}`,
		`{"type":"thetaSketch","name":"user_id_sketch","fieldName":"user_id_sketch","size":16384,"isInputThetaSketch":true}`,
	} {
		ingest := mustSketch(t, spec)
		query := ingest.Combining().(SketchFactory)
		for day, w := range want {
			var per [2]*sketch.Theta
			for i, product := range []string{"product_1", "product_7"} {
				// Ingest: one rolled-up row per input row (distinct hours
				// and locations), then query-time merge of the stored sketches.
				r := ingest.NewRollup()
				for _, v := range rows[key{day, product}] {
					r.Add(0, []segment.Value{segment.StringValue(v)})
				}
				a := query.NewAggregator()
				for j := 0; j < r.Len(); j++ {
					a.Aggregate(0, []segment.Value{r.Stored(j)})
				}
				if a.Err() != nil {
					t.Fatal(a.Err())
				}
				th, _ := a.Get(0).(*sketch.Theta)
				if th == nil {
					th = sketch.NewTheta(14)
				}
				per[i] = th
			}
			inter, err := sketch.ThetaSetOp("INTERSECT", 14, per[:])
			if err != nil {
				t.Fatal(err)
			}
			got := [3]float64{per[0].Estimate(), per[1].Estimate(), inter.Estimate()}
			if got != w {
				t.Errorf("%s %s: got %v, want %v", spec, day, got, w)
			}
		}
	}
	// Every sketch in the file is a Java serial-version-1 image of one item.
	n := 0
	for _, vs := range rows {
		for _, v := range vs {
			th, err := sketch.AsTheta(v)
			if err != nil || th.Estimate() != 1 {
				t.Fatalf("%s: %v %v", v, th, err)
			}
			n++
		}
	}
	if n < 100 {
		t.Fatalf("only %d sketches", n)
	}
}
