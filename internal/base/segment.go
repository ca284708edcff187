package base

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// SegmentID identifies a segment: its datasource, time chunk, version and
// partition number within that version.
type SegmentID struct {
	DataSource string
	Interval   Interval
	Version    string
	Partition  int
}

// String prints the id as Druid does:
// dataSource_start_end_version, with "_partition" appended only when the
// partition is not 0.
func (id SegmentID) String() string {
	var b strings.Builder
	b.Grow(len(id.DataSource) + len(id.Version) + 64)
	b.WriteString(id.DataSource)
	b.WriteByte('_')
	b.Write(AppendTime(nil, id.Interval.Start))
	b.WriteByte('_')
	b.Write(AppendTime(nil, id.Interval.End))
	b.WriteByte('_')
	b.WriteString(id.Version)
	if id.Partition != 0 {
		b.WriteByte('_')
		b.WriteString(strconv.Itoa(id.Partition))
	}
	return b.String()
}

// ParseSegmentID parses a segment id whose datasource is known. Druid's ids
// are ambiguous without it because datasource names and versions may contain
// "_". A trailing "_N" is read as the partition number.
func ParseSegmentID(dataSource, s string) (SegmentID, error) {
	bad := func(why string) (SegmentID, error) {
		return SegmentID{}, Errorf(ClassInvalidInput, "invalid segment id %q for datasource %q: %s", s, dataSource, why)
	}
	rest, ok := strings.CutPrefix(s, dataSource+"_")
	if !ok {
		return bad("does not start with the datasource name")
	}
	parts := strings.SplitN(rest, "_", 3)
	if len(parts) < 3 {
		return bad("expected start_end_version")
	}
	start, err := ParseTime(parts[0], time.UTC)
	if err != nil {
		return bad("bad start: " + err.Error())
	}
	end, err := ParseTime(parts[1], time.UTC)
	if err != nil {
		return bad("bad end: " + err.Error())
	}
	version, partition := parts[2], 0
	if i := strings.LastIndexByte(version, '_'); i >= 0 {
		if n, err := strconv.Atoi(version[i+1:]); err == nil && n > 0 {
			version, partition = version[:i], n
		}
	}
	if version == "" {
		return bad("empty version")
	}
	return SegmentID{DataSource: dataSource, Interval: Interval{start, end}, Version: version, Partition: partition}, nil
}

// ParseSegmentIDGuess parses a segment id without knowing its datasource, as
// Druid's SegmentId.tryParse does: it tries every "_" position from the right
// for the datasource boundary and returns the first reading whose instants
// parse. Use ParseSegmentID when the datasource is known.
func ParseSegmentIDGuess(s string) (SegmentID, error) {
	for i := len(s) - 1; i > 0; i-- {
		if s[i] != '_' {
			continue
		}
		if id, err := ParseSegmentID(s[:i], s); err == nil {
			// Prefer the longest datasource name whose remainder has a
			// well-formed start and end.
			return id, nil
		}
	}
	return SegmentID{}, Errorf(ClassInvalidInput, "invalid segment id %q", s)
}

// ShardSpec describes a segment's place among the partitions of its time
// chunk. Type is Druid's shardSpec type ("numbered", "hashed", "range",
// "single", "linear", "none", "tombstone", "numbered_overwrite"); the other
// fields are used as that type uses them and omitted from JSON otherwise.
type ShardSpec struct {
	Type                string   `json:"type"`
	PartitionNum        int      `json:"partitionNum"`
	Partitions          *int     `json:"partitions,omitempty"`
	BucketID            *int     `json:"bucketId,omitempty"`
	NumBuckets          *int     `json:"numBuckets,omitempty"`
	PartitionDimensions []string `json:"partitionDimensions,omitempty"`
	PartitionFunction   string   `json:"partitionFunction,omitempty"`
	// single_dim
	Dimension string  `json:"dimension,omitempty"`
	StartStr  *string `json:"-"`
	EndStr    *string `json:"-"`
	// range
	Dimensions        []string  `json:"dimensions,omitempty"`
	StartTuple        []*string `json:"-"`
	EndTuple          []*string `json:"-"`
	NumCorePartitions *int      `json:"numCorePartitions,omitempty"`
}

// CorePartitions returns how many partitions make the time chunk complete,
// and false when the type does not define completeness (linear, none).
func (s ShardSpec) CorePartitions() (int, bool) {
	switch s.Type {
	case "numbered", "hashed", "tombstone":
		if s.Partitions != nil {
			return *s.Partitions, true
		}
	case "single", "range":
		if s.NumCorePartitions != nil {
			return *s.NumCorePartitions, true
		}
	case "none":
		return 1, true
	}
	return 0, false
}

type shardSpecJSON ShardSpec

// MarshalJSON writes the shard spec with the fields its type uses; single
// and range specs carry start and end (null for unbounded).
func (s ShardSpec) MarshalJSON() ([]byte, error) {
	if s.Type == "none" {
		return []byte(`{"type":"none"}`), nil
	}
	b, err := json.Marshal(shardSpecJSON(s))
	if err != nil {
		return nil, err
	}
	var extra map[string]any
	switch s.Type {
	case "single":
		extra = map[string]any{"start": s.StartStr, "end": s.EndStr}
	case "range":
		extra = map[string]any{"start": s.StartTuple, "end": s.EndTuple}
	default:
		return b, nil
	}
	x, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	return append(append(b[:len(b)-1], ','), x[1:]...), nil
}

// UnmarshalJSON reads any shard spec type.
func (s *ShardSpec) UnmarshalJSON(b []byte) error {
	var v shardSpecJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return Errorf(ClassInvalidInput, "invalid shardSpec: %w", err)
	}
	if v.Type == "" {
		return Errorf(ClassInvalidInput, "invalid shardSpec: missing type")
	}
	switch v.Type {
	case "single":
		var se struct{ Start, End *string }
		if err := json.Unmarshal(b, &se); err != nil {
			return Errorf(ClassInvalidInput, "invalid single shardSpec: %w", err)
		}
		v.StartStr, v.EndStr = se.Start, se.End
	case "range":
		var se struct{ Start, End []*string }
		if err := json.Unmarshal(b, &se); err != nil {
			return Errorf(ClassInvalidInput, "invalid range shardSpec: %w", err)
		}
		v.StartTuple, v.EndTuple = se.Start, se.End
	}
	*s = ShardSpec(v)
	return nil
}

// DataSegment is a segment's metadata as Druid stores it in the segments
// table's payload and returns it from the coordinator's metadata APIs.
// Dimensions and Metrics are comma-joined on the wire.
type DataSegment struct {
	DataSource    string          `json:"dataSource"`
	Interval      Interval        `json:"interval"`
	Version       string          `json:"version"`
	LoadSpec      json.RawMessage `json:"loadSpec"`
	Dimensions    []string        `json:"-"`
	Metrics       []string        `json:"-"`
	ShardSpec     ShardSpec       `json:"shardSpec"`
	BinaryVersion int             `json:"binaryVersion"`
	Size          int64           `json:"size"`
	// TotalRows is the number of rows in the segment; 0 when unknown.
	TotalRows int64 `json:"totalRows,omitempty"`
	// LastCompactionState is the compaction spec that produced the segment,
	// or null.
	LastCompactionState json.RawMessage `json:"lastCompactionState,omitempty"`
}

// ID returns the segment's identity.
func (d *DataSegment) ID() SegmentID {
	return SegmentID{DataSource: d.DataSource, Interval: d.Interval, Version: d.Version, Partition: d.ShardSpec.PartitionNum}
}

// MarshalJSON writes Druid's form, with comma-joined dimensions and metrics
// and the read-only identifier.
func (d DataSegment) MarshalJSON() ([]byte, error) {
	type plain DataSegment
	return json.Marshal(struct {
		plain
		Dimensions string `json:"dimensions"`
		Metrics    string `json:"metrics"`
		Identifier string `json:"identifier"`
	}{plain(d), strings.Join(d.Dimensions, ","), strings.Join(d.Metrics, ","), d.ID().String()})
}

// UnmarshalJSON reads Druid's form; the identifier is ignored and recomputed.
func (d *DataSegment) UnmarshalJSON(b []byte) error {
	if decodeSegmentFast(b, d) {
		return nil
	}
	return decodeSegmentJSON(b, d)
}

// decodeSegmentJSON is the general decoder, through encoding/json.
func decodeSegmentJSON(b []byte, d *DataSegment) error {
	type plain DataSegment
	var v struct {
		plain
		Dimensions string `json:"dimensions"`
		Metrics    string `json:"metrics"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return Errorf(ClassInvalidInput, "invalid segment descriptor: %w", err)
	}
	*d = DataSegment(v.plain)
	d.Dimensions = splitNonEmpty(v.Dimensions)
	d.Metrics = splitNonEmpty(v.Metrics)
	return nil
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
