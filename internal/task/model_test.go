package task

import (
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

func TestMurmur3(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint32
	}{
		{"", 0},
		{"hello", 0x248bfa47},
		{"The quick brown fox jumps over the lazy dog", 0x2e4ff723},
		{"a", 0x3c2569b2},
		{"ab", 0x9bbfd75f},
		{"abc", 0xb3dd93fa},
		{"abcd", 0x43ed676a},
	} {
		if got := murmur3_32([]byte(c.in), 0); got != c.want {
			t.Errorf("murmur3_32(%q) = %#x, want %#x", c.in, got, c.want)
		}
	}
	// murmur3_32_abs keeps buckets in [0, n) for negative hashes too.
	for i := range 1000 {
		b := hashBucket([]byte{byte(i), byte(i >> 8)}, 7)
		if b < 0 || b >= 7 {
			t.Fatalf("bucket %d", b)
		}
	}
}

func TestNewID(t *testing.T) {
	id := NewID("index_parallel", "wikipedia", 1687554448226, rand.New(rand.NewPCG(1, 2)))
	if !regexp.MustCompile(`^index_parallel_wikipedia_[a-z]{8}_2023-06-23T21:07:28.226Z$`).MatchString(id) {
		t.Errorf("id %q", id)
	}
}

func TestStatusJSON(t *testing.T) {
	host := "localhost"
	st := Status{ID: "t1", GroupID: "g", Type: "index_parallel", CreatedTime: 1687554448226, QueueInsertionTime: 0,
		StatusCode: StateRunning, RunnerStatusCode: RunnerRunning, Duration: -1,
		Location: Location{Host: &host, Port: 8100, TLSPort: -1}, DataSource: "wiki"}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"t1","groupId":"g","type":"index_parallel","createdTime":"2023-06-23T21:07:28.226Z","queueInsertionTime":"1970-01-01T00:00:00.000Z","statusCode":"RUNNING","status":"RUNNING","runnerStatusCode":"RUNNING","duration":-1,"location":{"host":"localhost","port":8100,"tlsPort":-1},"dataSource":"wiki","errorMsg":null}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Status
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if string(b2) != want {
		t.Errorf("round trip %s", b2)
	}
	sb, _ := json.Marshal(Status{ID: "x", StatusCode: StateFailed, ErrorMsg: "boom", Location: noLocation}.short())
	if string(sb) != `{"id":"x","status":"FAILED","duration":0,"errorMsg":"boom","location":{"host":null,"port":-1,"tlsPort":-1}}` {
		t.Errorf("short status %s", sb)
	}
}

func FuzzStatusJSON(f *testing.F) {
	f.Add([]byte(`{"id":"t1","groupId":"g","type":"index","createdTime":"2023-06-23T21:07:28.226Z","queueInsertionTime":"1970-01-01T00:00:00.000Z","statusCode":"RUNNING","status":"RUNNING","runnerStatusCode":"RUNNING","duration":-1,"location":{"host":null,"port":-1,"tlsPort":-1},"dataSource":"wiki","errorMsg":"x"}`))
	f.Add([]byte(`{"createdTime":"bogus"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var st Status
		if err := json.Unmarshal(b, &st); err != nil {
			return
		}
		out, err := json.Marshal(st)
		if err != nil {
			t.Fatalf("marshal after unmarshal: %v", err)
		}
		var again Status
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		out2, _ := json.Marshal(again)
		if string(out) != string(out2) {
			t.Fatalf("not stable: %s vs %s", out, out2)
		}
	})
}

// testIndex builds an index with one string dimension "d" and a count.
func testIndex(t *rapid.T, rollup bool) (*rollupIndex, int) {
	cnt, err := aggregation.New(aggregation.Count, "count", "")
	if err != nil {
		t.Fatal(err)
	}
	ix := newRollupIndex([]dimCol{{name: "d", typ: base.TypeString, fixed: true}, {name: "e", typ: base.TypeString, fixed: true}},
		[]aggregation.Factory{cnt}, rollup)
	n := rapid.IntRange(0, 200).Draw(t, "rows")
	names := []string{"d", "e"}
	for range n {
		v := func(label string) segment.Value {
			switch rapid.IntRange(0, 5).Draw(t, label+"kind") {
			case 0:
				return segment.Value{}
			case 1:
				return segment.StringsValue([]string{"m1", rapid.StringMatching(`[a-c]`).Draw(t, label+"m")})
			}
			return segment.StringValue(rapid.StringMatching(`[a-f]{0,2}`).Draw(t, label))
		}
		if err := ix.add(int64(rapid.IntRange(0, 3).Draw(t, "t")), 0, names, []segment.Value{v("d"), v("e")}, [][]segment.Value{nil}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return ix, n
}

func TestRollupIndexProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ix, n := testIndex(t, true)
		// Counts add up to the rows added; keys are unique.
		var total int64
		seen := map[string]bool{}
		for r := range ix.numRows() {
			total += ix.states[0].Stored(r).Long
			k := string(appendKey(nil, ix.times[r], []segment.Value{ix.value(r, 0), ix.value(r, 1)}))
			if seen[k] {
				t.Fatalf("duplicate rolled-up row %d", r)
			}
			seen[k] = true
		}
		if total != int64(n) {
			t.Fatalf("counts sum to %d, want %d", total, n)
		}
		// Sorted rows are ordered by time, then dimensions.
		rows := ix.sortedRows(nil)
		for i := 1; i < len(rows); i++ {
			a, b := int(rows[i-1]), int(rows[i])
			c := cmpInt(ix.times[a], ix.times[b])
			for d := 0; c == 0 && d < 2; d++ {
				c = compareValues(ix.value(a, d), ix.value(b, d))
			}
			if c > 0 {
				t.Fatalf("rows %d and %d out of order", a, b)
			}
		}
		// The written dictionary is sorted, unique and used.
		meta := segment.Metadata{Dimensions: []segment.Dimension{{Name: "d", Type: base.TypeString}, {Name: "e", Type: base.TypeString}},
			Metrics: []segment.Metric{{Name: "count", Type: base.TypeLong}}}
		cols, err := buildColumns(ix, rows, &meta)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols[1:3] {
			if !slices.IsSorted(c.Dict) || len(slices.Compact(slices.Clone(c.Dict))) != len(c.Dict) {
				t.Fatalf("dictionary %v", c.Dict)
			}
		}
	})
}

func TestRangePartitionProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ix, _ := testIndex(t, true)
		// Drop multi-value rows' dimension from the key: partition on e
		// only when it has no multi-value rows.
		for r := range ix.numRows() {
			if ix.value(r, 1).Kind == segment.KindStrings {
				return
			}
		}
		target := rapid.Int64Range(1, 20).Draw(t, "target")
		p := &prepared{spec: &ingest.Spec{TuningConfig: ingest.TuningConfig{PartitionsSpec: ingest.PartitionsSpec{
			Type: "range", PartitionDimensions: []string{"e"}, TargetRowsPerSegment: target}}}}
		parts, err := rangePartition(p, ix, base.Interval{End: 10})
		if err != nil {
			t.Fatal(err)
		}
		covered := 0
		for i, pt := range parts {
			covered += len(pt.rows)
			for _, r := range pt.rows {
				k := keyOf(ix, int(r))
				if i > 0 && compareTuple(k, pt.shard.StartTuple) < 0 {
					t.Fatalf("row %v below its partition's start %v", k, pt.shard.StartTuple)
				}
				if i < len(parts)-1 && compareTuple(k, pt.shard.EndTuple) >= 0 {
					t.Fatalf("row %v at or above its partition's end %v", k, pt.shard.EndTuple)
				}
			}
		}
		if covered != ix.numRows() {
			t.Fatalf("parts hold %d rows of %d", covered, ix.numRows())
		}
	})
}

func keyOf(ix *rollupIndex, r int) []*string {
	v := ix.value(r, 1)
	if v.Kind == segment.KindNull {
		return []*string{nil}
	}
	s := v.Str
	return []*string{&s}
}

func TestPayloadDefaults(t *testing.T) {
	body := inlineSpec("pd", `{"ts":"2020-01-01T00:00:00Z","d":"a","v":1}`, `,"maxRowsInMemory":25000`)
	tk, err := ingest.DecodeTask(body, ingest.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tk.ID, tk.GroupID = "x", "x"
	p, err := payloadOf(body, tk)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ID       string `json:"id"`
		Resource struct {
			AvailabilityGroup string `json:"availabilityGroup"`
		} `json:"resource"`
		Spec struct {
			IOConfig     map[string]any `json:"ioConfig"`
			TuningConfig map[string]any `json:"tuningConfig"`
		} `json:"spec"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(p, &m); err != nil {
		t.Fatal(err)
	}
	tc := m.Spec.TuningConfig
	if m.ID != "x" || m.Resource.AvailabilityGroup != "x" || m.Context["forceTimeChunkLock"] != true ||
		m.Spec.IOConfig["appendToExisting"] != false || tc["maxRowsInMemory"] != float64(25000) ||
		tc["maxParseExceptions"] != float64(2147483647) || tc["partitionsSpec"].(map[string]any)["type"] != "dynamic" {
		t.Errorf("payload %s", p)
	}
}
