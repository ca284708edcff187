package base

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSegmentIDString(t *testing.T) {
	iv, _ := ParseInterval("2013-01-01/2013-01-02", nil)
	id := SegmentID{DataSource: "twitterstream", Interval: iv, Version: "2013-01-02T04:13:41.980Z_v9"}
	want := "twitterstream_2013-01-01T00:00:00.000Z_2013-01-02T00:00:00.000Z_2013-01-02T04:13:41.980Z_v9"
	if got := id.String(); got != want {
		t.Fatalf("String = %s, want %s", got, want)
	}
	id.Partition = 3
	if got := id.String(); got != want+"_3" {
		t.Fatalf("String with partition = %s", got)
	}
	back, err := ParseSegmentID("twitterstream", want+"_3")
	if err != nil || back != id {
		t.Fatalf("ParseSegmentID = %+v, %v; want %+v", back, err, id)
	}
	guess, err := ParseSegmentIDGuess("wiki_data_2013-01-01T00:00:00.000Z_2013-01-02T00:00:00.000Z_v1_2")
	if err != nil || guess.DataSource != "wiki_data" || guess.Version != "v1" || guess.Partition != 2 {
		t.Fatalf("ParseSegmentIDGuess = %+v, %v", guess, err)
	}
	if _, err := ParseSegmentID("other", want); err == nil {
		t.Fatal("ParseSegmentID with the wrong datasource succeeded")
	}
}

func TestDataSegmentJSON(t *testing.T) {
	// Verbatim from Druid's segments/v9_testds_descriptor.json.
	in := `{"binaryVersion":9,"dataSource":"testds","dimensions":"host",
 "identifier":"testds_2014-10-22T00:00:00.000Z_2014-10-23T00:00:00.000Z_2015-07-15T22:02:40.171Z",
 "interval":"2014-10-22T00:00:00.000Z/2014-10-23T00:00:00.000Z",
 "loadSpec":{"path":"test-segment/index.zip","type":"local"},
 "metrics":"visited_sum,unique_hosts","shardSpec":{"type":"none"},"size":4096,
 "version":"2015-07-15T22:02:40.171Z"}`
	var d DataSegment
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	if d.DataSource != "testds" || len(d.Dimensions) != 1 || len(d.Metrics) != 2 || d.Size != 4096 || d.ShardSpec.Type != "none" {
		t.Fatalf("decoded %+v", d)
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"dimensions":"host"`, `"metrics":"visited_sum,unique_hosts"`, `"shardSpec":{"type":"none"}`,
		`"identifier":"testds_2014-10-22T00:00:00.000Z_2014-10-23T00:00:00.000Z_2015-07-15T22:02:40.171Z"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("Marshal = %s, missing %s", out, want)
		}
	}
}

func TestShardSpecJSON(t *testing.T) {
	for _, in := range []string{
		`{"type":"numbered","partitionNum":1,"partitions":3}`,
		`{"type":"hashed","partitionNum":0,"partitions":2,"bucketId":0,"numBuckets":2,"partitionDimensions":["page"],"partitionFunction":"murmur3_32_abs"}`,
		`{"type":"single","partitionNum":1,"dimension":"page","numCorePartitions":2,"start":"m","end":null}`,
		`{"type":"range","partitionNum":0,"dimensions":["a","b"],"numCorePartitions":2,"start":null,"end":["x","y"]}`,
	} {
		var s ShardSpec
		if err := json.Unmarshal([]byte(in), &s); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		json.Unmarshal([]byte(in), &a)
		json.Unmarshal(out, &b)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("round trip:\n in  %s\n out %s", ja, jb)
		}
	}
	var s ShardSpec
	if err := json.Unmarshal([]byte(`{"partitionNum":1}`), &s); !IsClass(err, ClassInvalidInput) {
		t.Fatalf("missing type: err = %v", err)
	}
	json.Unmarshal([]byte(`{"type":"numbered","partitionNum":1,"partitions":3}`), &s)
	if n, ok := s.CorePartitions(); !ok || n != 3 {
		t.Fatalf("CorePartitions = %d %v", n, ok)
	}
}

func TestColumnType(t *testing.T) {
	for _, s := range []string{"STRING", "LONG", "FLOAT", "DOUBLE", "ARRAY<STRING>", "ARRAY<LONG>", "COMPLEX<hyperUnique>"} {
		ct, err := ParseColumnType(s)
		if err != nil || ct.String() != s {
			t.Errorf("ParseColumnType(%q) = %v, %v", s, ct, err)
		}
	}
	if ct, _ := ParseColumnType("long"); ct != TypeLong {
		t.Error("lower-case long")
	}
	if ct, _ := ParseColumnType("thetaSketch"); ct.String() != "COMPLEX<thetaSketch>" {
		t.Errorf("bare complex = %v", ct)
	}
	for _, bad := range []string{"", "ARRAY<COMPLEX<x>>", "a b"} {
		if _, err := ParseColumnType(bad); err == nil {
			t.Errorf("ParseColumnType(%q) succeeded", bad)
		}
	}
}

func TestErrorClasses(t *testing.T) {
	cause := notFoundForTest()
	err := Errorf(ClassInvalidInput, "bad spec %q: %w", "x", cause)
	if ClassOf(err) != ClassInvalidInput || err.Error() != `bad spec "x": segment s1 not found` {
		t.Fatalf("err = %v (%v)", err, ClassOf(err))
	}
	if ClassOf(err).HTTPStatus() != 400 || ClassNotFound.HTTPStatus() != 404 || ClassUnsupported.HTTPStatus() != 501 {
		t.Fatal("status mapping")
	}
	if ClassOf(WithClass(ClassTimeout, cause)) != ClassTimeout {
		t.Fatal("WithClass")
	}
	if WithClass(ClassTimeout, nil) != nil {
		t.Fatal("WithClass(nil) != nil")
	}
}

func notFoundForTest() error { return Errorf(ClassNotFound, "segment %s not found", "s1") }
