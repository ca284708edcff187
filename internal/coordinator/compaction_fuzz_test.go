package coordinator

import (
	"encoding/json"
	"testing"
)

// FuzzCompactionConfig checks that decoding a posted compaction config
// never panics, and that what it accepts survives the round trip through
// the config table (encode, decode, validate again) unchanged.
func FuzzCompactionConfig(f *testing.F) {
	for _, s := range []string{
		`{"dataSource":"wiki"}`,
		fullConfig,
		`{"dataSource":"wiki","skipOffsetFromLatest":"PT0S","granularitySpec":{"segmentGranularity":"day","queryGranularity":{"type":"period","period":"PT1H"}}}`,
		`{"dataSource":"wiki","tuningConfig":{"forceGuaranteedRollup":true,"partitionsSpec":{"type":"hashed","numShards":3}},"ioConfig":{"dropExisting":true}}`,
		`{"dataSource":"wiki","transformSpec":{"filter":{"type":"selector","dimension":"a","value":"b"}},"taskContext":{"x":1}}`,
		`{"dataSource":"wiki","maxRowsPerSegment":-1}`,
		`{"dataSource":null,"metricsSpec":null}`,
		`[]`, `null`, `{"dataSource":"wiki","dimensionsSpec":{"dimensions":[{"type":"long","name":"n"}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decodeDataSourceCompactionConfig(b)
		if err != nil {
			return
		}
		enc, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("encoding %+v: %v", d, err)
		}
		d2, err := decodeDataSourceCompactionConfig(enc)
		if err != nil {
			t.Fatalf("stored config %s does not decode again: %v", enc, err)
		}
		enc2, err := json.Marshal(d2)
		if err != nil || string(enc2) != string(enc) {
			t.Fatalf("round trip changed the config:\n %s\n %s", enc, enc2)
		}
		_ = d.partitionsSpecOf()
	})
}
