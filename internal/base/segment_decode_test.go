package base

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// segmentDecodeSeeds are payloads of every shard spec type and the shapes
// the fast decoder must refuse (it then defers to encoding/json).
var segmentDecodeSeeds = []string{
	`{"dataSource":"wiki","interval":"2013-08-31T00:00:00.000Z/2013-09-01T00:00:00.000Z","version":"v1","loadSpec":{"type":"local","path":"/x/y"},"dimensions":"a,b","metrics":"count","shardSpec":{"type":"numbered","partitionNum":2,"partitions":3},"binaryVersion":9,"size":4096,"identifier":"id"}`,
	`{"binaryVersion":9,"dataSource":"testds","dimensions":"host","identifier":"x","interval":"2014-10-22T00:00:00.000Z/2014-10-23T00:00:00.000Z","loadSpec":{"path":"test-segment/index.zip","type":"local"},"metrics":"visited_sum,unique_hosts","shardSpec":{"type":"none"},"size":4096,"version":"2015-07-15T22:02:40.171Z"}`,
	`{"dataSource":"d","interval":"2020/2021","version":"v","loadSpec":{},"dimensions":"","metrics":"","shardSpec":{"type":"hashed","partitionNum":0,"partitions":2,"bucketId":0,"numBuckets":2,"partitionDimensions":["a","b"],"partitionFunction":"murmur3_32_abs"},"binaryVersion":9,"size":1,"totalRows":10,"lastCompactionState":{"partitionsSpec":{"type":"dynamic"}}}`,
	`{"dataSource":"d","interval":"2020/2021","version":"v","loadSpec":{},"shardSpec":{"type":"single","dimension":"page","start":null,"end":"m","partitionNum":0,"numCorePartitions":2},"binaryVersion":9,"size":1}`,
	`{"dataSource":"d","interval":"2020/2021","version":"v","loadSpec":{},"shardSpec":{"type":"range","dimensions":["a","b"],"start":["x",null],"end":null,"partitionNum":1,"numCorePartitions":2},"binaryVersion":9,"size":1}`,
	`{"dataSource":"d","interval":"2020/2021","version":"v","loadSpec":null,"shardSpec":{"type":"tombstone","partitionNum":0,"partitions":1},"binaryVersion":9,"size":0,"lastCompactionState":null}`,
	`{"dataSource":"d","interval":"2020/2021","version":"v","loadSpec":{"a":[1,-2,true,false,null,{"b":"c"}]},"shardSpec":{"type":"linear","partitionNum":4},"binaryVersion":9,"size":1}`,
	`  {"dataSource" : "d" , "interval":"2020/2021","version":"v","shardSpec":{"type":"numbered","partitionNum":0,"partitions":0},"size":1} `,
	`{"datasource":"d","interval":"2020/2021"}`,
	`{"dataSource":"d\u00e9","interval":"2020/2021"}`,
	`{"dataSource":"d","interval":"2020/2021","size":1.5}`,
	`{"dataSource":"d","interval":"2020/2021","size":1e3}`,
	`{"dataSource":"d","interval":"2020/2021","size":-0}`,
	`{"dataSource":"d","interval":"2020/2021","size":012}`,
	`{"dataSource":null,"interval":"2020/2021"}`,
	`{"dataSource":"d","interval":"nonsense"}`,
	`{"dataSource":"d","interval":"2020/2021"} x`,
	`{"dataSource":"d","interval":"2020/2021","shardSpec":{"type":"numbered","partitionNum":99999999999999999999}}`,
	`{"dataSource":"d","interval":"2020/2021","shardSpec":{"partitionNum":1}}`,
	`{"dataSource":"d","interval":"2020/2021","shardSpec":{"type":"numbered","partitionNum":1,"partitions":null}}`,
	"{\"dataSource\":\"\xff\",\"interval\":\"2020/2021\"}",
	`{"dataSource":"d","interval":"2020/2021","loadSpec":{"a":[1,]}}`,
	`{}`,
	`[]`,
	``,
}

// segmentsEqual compares two decoded segments; empty and nil raw messages
// differ, as they would on the wire.
func segmentsEqual(a, b DataSegment) string {
	return cmp.Diff(a, b, cmp.Comparer(func(x, y json.RawMessage) bool {
		return (x == nil) == (y == nil) && string(x) == string(y)
	}))
}

func TestSegmentFastDecodeAgrees(t *testing.T) {
	fast := 0
	for _, in := range segmentDecodeSeeds {
		var f DataSegment
		if !decodeSegmentFast([]byte(in), &f) {
			continue
		}
		fast++
		var g DataSegment
		if err := decodeSegmentJSON([]byte(in), &g); err != nil {
			t.Errorf("fast decoder accepted what encoding/json refuses (%v): %s", err, in)
			continue
		}
		if d := segmentsEqual(f, g); d != "" {
			t.Errorf("fast and general decoders differ on %s (-fast +general):\n%s", in, d)
		}
	}
	// The first eight seeds are the shapes Druid and dryad write: all must
	// take the fast path.
	if fast < 8 {
		t.Errorf("fast decoder took %d of the seeds, want at least the 8 well-formed ones", fast)
	}
}

func TestSegmentFastDecodeRoundTrip(t *testing.T) {
	two, three := 2, 3
	for _, s := range []DataSegment{
		{DataSource: "w", Interval: NewInterval(0, 86400000), Version: "2020-01-01T00:00:00.000Z", LoadSpec: json.RawMessage(`{"type":"local","path":"p"}`),
			Dimensions: []string{"a", "b"}, Metrics: []string{"m"}, ShardSpec: ShardSpec{Type: "numbered", PartitionNum: 1, Partitions: &two}, BinaryVersion: 9, Size: 123, TotalRows: 7},
		{DataSource: "w", Interval: NewInterval(-86400000, 0), Version: "v", LoadSpec: json.RawMessage(`{}`), ShardSpec: ShardSpec{Type: "hashed", PartitionNum: 2, Partitions: &three, BucketID: &two, NumBuckets: &three,
			PartitionDimensions: []string{"x"}, PartitionFunction: "murmur3_32_abs"}, BinaryVersion: 9, LastCompactionState: json.RawMessage(`{"a":1}`)},
	} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var got DataSegment
		if !decodeSegmentFast(b, &got) {
			t.Fatalf("fast decoder refused dryad's own payload %s", b)
		}
		if d := segmentsEqual(got, s); d != "" {
			t.Errorf("round trip of %s (-got +want):\n%s", b, d)
		}
	}
}

// FuzzSegmentDecode checks that whatever the fast decoder accepts,
// encoding/json accepts too, with the same result.
func FuzzSegmentDecode(f *testing.F) {
	for _, s := range segmentDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var fa DataSegment
		if !decodeSegmentFast(in, &fa) {
			return
		}
		var g DataSegment
		if err := decodeSegmentJSON(in, &g); err != nil {
			t.Fatalf("fast decoder accepted what encoding/json refuses (%v): %q", err, in)
		}
		if d := segmentsEqual(fa, g); d != "" {
			t.Fatalf("decoders differ on %q (-fast +general):\n%s", in, d)
		}
	})
}
