package metaquery

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

// benchRows is the size of the search benchmark's segment: one row per
// distinct value of "page".
const benchRows = 1 << 20

var bigSegment = sync.OnceValues(func() (*segment.Segment, error) {
	day := int64(1_577_836_800_000)
	meta := segment.Metadata{
		DataSource: "b", Interval: base.NewInterval(day, day+86_400_000), Version: "v1",
		Dimensions: []segment.Dimension{
			{Name: "page", Type: base.ColumnType{Kind: base.KindString}},
			{Name: "country", Type: base.ColumnType{Kind: base.KindString}},
		},
	}
	countries := []string{"Australia", "Brazil", "Canada", "France", "Germany", "India", "Japan", "Kenya"}
	times := make([]int64, benchRows)
	pageDict := make([]string, benchRows)
	pageIDs := make([]int32, benchRows)
	countryIDs := make([]int32, benchRows)
	for i := range times {
		times[i] = day + int64(i)*80 // spread over the day
		pageDict[i] = fmt.Sprintf("Page_%07d_%s", i, countries[i%len(countries)])
		countryIDs[i] = int32(i % len(countries))
	}
	// The dictionary is sorted by construction (zero-padded numbers); rows
	// hold their own value.
	for i := range pageIDs {
		pageIDs[i] = int32(i)
	}
	cols := []segment.ColumnData{
		{Name: base.TimeColumn, Type: base.ColumnType{Kind: base.KindLong}, Longs: times},
		{Name: "page", Type: base.ColumnType{Kind: base.KindString}, Dict: pageDict, IDs: pageIDs},
		{Name: "country", Type: base.ColumnType{Kind: base.KindString}, Dict: countries, IDs: countryIDs},
	}
	var buf bytes.Buffer
	if _, err := segment.Write(&buf, meta, cols); err != nil {
		return nil, err
	}
	return segment.FromBytes(buf.Bytes())
})

func benchSearch(b *testing.B, q string) {
	seg, err := bigSegment()
	if err != nil {
		b.Fatal(err)
	}
	qq := decodeQuery(b, q)
	b.ReportAllocs()
	b.SetBytes(benchRows)
	b.ResetTimer()
	for b.Loop() {
		p, err := Run(context.Background(), qq, seg, "b")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Merge(qq, []*Partial{p}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch1M searches a dimension of 2^20 distinct values (one per
// row). SetBytes counts dictionary values, so MB/s is millions of values
// searched per second.
func BenchmarkSearch1M(b *testing.B) {
	b.Run("insensitive_contains", func(b *testing.B) {
		benchSearch(b, `{"queryType":"search","dataSource":"b","intervals":["2020/2021"],"searchDimensions":["page"],"query":{"type":"insensitive_contains","value":"_0012"}}`)
	})
	b.Run("contains_case_sensitive", func(b *testing.B) {
		benchSearch(b, `{"queryType":"search","dataSource":"b","intervals":["2020/2021"],"searchDimensions":["page"],"query":{"type":"contains","value":"_0012","case_sensitive":true}}`)
	})
	b.Run("regex", func(b *testing.B) {
		benchSearch(b, `{"queryType":"search","dataSource":"b","intervals":["2020/2021"],"searchDimensions":["page"],"query":{"type":"regex","pattern":"^Page_00123"}}`)
	})
	b.Run("half_day_interval", func(b *testing.B) {
		benchSearch(b, `{"queryType":"search","dataSource":"b","intervals":["2020-01-01/2020-01-01T12:00"],"searchDimensions":["page"],"query":{"type":"insensitive_contains","value":"_0012"}}`)
	})
	b.Run("filtered", func(b *testing.B) {
		benchSearch(b, `{"queryType":"search","dataSource":"b","intervals":["2020/2021"],"searchDimensions":["page"],"filter":{"type":"selector","dimension":"country","value":"Japan"},"query":{"type":"insensitive_contains","value":"_0012"}}`)
	})
}

// metaSegments are 100 segments of 10,000 rows: three string dimensions
// of cardinality 10,000 (unique), 100 and 5 (with nulls), a long and a
// double metric.
var metaSegments = sync.OnceValues(func() ([]itSegment, error) {
	const rows = 10_000
	var out []itSegment
	for s := 0; s < 100; s++ {
		start := int64(1_577_836_800_000) + int64(s)*3_600_000
		iv := base.NewInterval(start, start+3_600_000)
		meta := segment.Metadata{
			DataSource: "m", Interval: iv, Version: "v1", Rollup: true, QueryGranularity: []byte(`"second"`),
			Dimensions: []segment.Dimension{
				{Name: "user", Type: base.ColumnType{Kind: base.KindString}},
				{Name: "page", Type: base.ColumnType{Kind: base.KindString}},
				{Name: "flag", Type: base.ColumnType{Kind: base.KindString}},
			},
			Metrics: []segment.Metric{
				{Name: "count", Type: base.ColumnType{Kind: base.KindLong}, Aggregator: []byte(`{"type":"count","name":"count"}`)},
				{Name: "added", Type: base.ColumnType{Kind: base.KindDouble}, Aggregator: []byte(`{"type":"doubleSum","name":"added","fieldName":"added"}`)},
			},
		}
		vals := make([][]segment.Value, rows)
		for r := range vals {
			flag := segment.Value{}
			if r%7 != 0 {
				flag = segment.StringValue(fmt.Sprintf("flag%d", r%5))
			}
			vals[r] = []segment.Value{
				segment.LongValue(start + int64(r)*300),
				segment.StringValue(fmt.Sprintf("user%06d", (r*7919+s)%rows)),
				segment.StringValue(fmt.Sprintf("page%03d", r%100)),
				flag,
				segment.LongValue(1),
				segment.DoubleValue(float64(r)),
			}
		}
		cols, err := segment.ColumnsFromRows(&meta, vals)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if _, err := segment.Write(&buf, meta, cols); err != nil {
			return nil, err
		}
		seg, err := segment.FromBytes(buf.Bytes())
		if err != nil {
			return nil, err
		}
		out = append(out, itSegment{seg: seg, id: base.SegmentID{DataSource: "m", Interval: iv, Version: "v1"}.String()})
	}
	return out, nil
})

// BenchmarkSegmentMetadata100 analyses 100 segments of 10,000 rows and
// merges the analyses, as a broker answering one query would.
func BenchmarkSegmentMetadata100(b *testing.B) {
	segs, err := metaSegments()
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, q string }{
		{"default", `{"queryType":"segmentMetadata","dataSource":"m"}`},
		{"all_merged", `{"queryType":"segmentMetadata","dataSource":"m","merge":true,"analysisTypes":["cardinality","size","interval","aggregators","minmax","queryGranularity","rollup"]}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			q := decodeQuery(b, tc.q)
			parts := make([]*Partial, len(segs))
			b.ReportAllocs()
			for b.Loop() {
				for i, s := range segs {
					p, err := Run(context.Background(), q, s.seg, s.id)
					if err != nil {
						b.Fatal(err)
					}
					parts[i] = p
				}
				r, err := Merge(q, parts)
				if err != nil {
					b.Fatal(err)
				}
				_ = AppendJSON(nil, q, r)
			}
		})
	}
}
