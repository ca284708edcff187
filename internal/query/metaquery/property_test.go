package metaquery

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"pgregory.net/rapid"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/segment"
)

type propRow struct {
	t    int64
	page *string
	tags []string
}

func propSchema(iv base.Interval, part int) segment.Metadata {
	return segment.Metadata{
		DataSource: "p", Interval: iv, Version: "v1", PartitionNum: part,
		Dimensions: []segment.Dimension{
			{Name: "page", Type: base.ColumnType{Kind: base.KindString}},
			{Name: "tags", Type: base.ColumnType{Kind: base.KindString}, MultiValue: true},
		},
	}
}

func propSegment(t testing.TB, iv base.Interval, part int, rows []propRow) *segment.Segment {
	vals := make([][]segment.Value, len(rows))
	for i, r := range rows {
		page := segment.Value{}
		if r.page != nil {
			page = segment.StringValue(*r.page)
		}
		tags := segment.Value{}
		if len(r.tags) > 0 {
			tags = segment.StringsValue(r.tags)
		}
		vals[i] = []segment.Value{segment.LongValue(r.t), page, tags}
	}
	return writeSegment(t, propSchema(iv, part), vals)
}

// TestPropertySearchAndBounds checks search and timeBoundary over randomly
// split segments against a brute-force evaluation of the same rows.
func TestPropertySearchAndBounds(t *testing.T) {
	words := []string{"a", "ab", "B", "abc", "", "ba"}
	rapid.Check(t, func(rt *rapid.T) {
		day := int64(1_577_836_800_000)
		iv := base.NewInterval(day, day+86_400_000)
		n := rapid.IntRange(1, 40).Draw(rt, "rows")
		rows := make([]propRow, n)
		for i := range rows {
			rows[i].t = day + rapid.Int64Range(0, 23).Draw(rt, "hour")*3_600_000
			if rapid.Bool().Draw(rt, "pageSet") {
				w := rapid.SampledFrom(words).Draw(rt, "page")
				rows[i].page = &w
			}
			rows[i].tags = rapid.SliceOfNDistinct(rapid.SampledFrom(words), 0, 3, rapid.ID).Draw(rt, "tags")
			slices.Sort(rows[i].tags)
		}
		slices.SortStableFunc(rows, func(a, b propRow) int { return int(a.t - b.t) })
		// Split into contiguous partitions.
		var segs []itSegment
		for start, part := 0, 0; start < n; part++ {
			end := start + rapid.IntRange(1, n-start).Draw(rt, "split")
			segs = append(segs, itSegment{seg: propSegment(t, iv, part, rows[start:end]), id: fmt.Sprintf("p_%d", part)})
			start = end
		}
		needle := rapid.SampledFrom([]string{"a", "b", "", "c"}).Draw(rt, "needle")
		filterPage := rapid.SampledFrom(append([]string{"-"}, words...)).Draw(rt, "filter")
		lo := day + rapid.Int64Range(0, 23).Draw(rt, "lo")*3_600_000
		hi := lo + rapid.Int64Range(1, 24).Draw(rt, "len")*3_600_000
		negate := rapid.Bool().Draw(rt, "negate") // not(...) is evaluated row by row
		filterJSON := ""
		if filterPage != "-" {
			sel := fmt.Sprintf(`{"type":"selector","dimension":"page","value":%q}`, filterPage)
			if negate {
				sel = `{"type":"not","field":` + sel + `}`
			}
			filterJSON = `"filter":` + sel + `,`
		}
		ivJSON := fmt.Sprintf(`"intervals":[%q],`, base.NewInterval(lo, hi).String())

		// Brute force.
		counts := map[[2]string]int64{}
		var minT, maxT int64
		found := false
		for _, r := range rows {
			if r.t < lo || r.t >= hi {
				continue
			}
			if filterPage != "-" && (r.page == nil || (*r.page == filterPage) == negate) {
				continue // a null page is Unknown either way
			}
			if !found || r.t < minT {
				minT = r.t
			}
			if !found || r.t > maxT {
				maxT = r.t
			}
			found = true
			if r.page != nil && strings.Contains(strings.ToLower(*r.page), needle) {
				counts[[2]string{"page", *r.page}]++
			}
			for _, tg := range r.tags {
				if strings.Contains(strings.ToLower(tg), needle) {
					counts[[2]string{"tags", tg}]++
				}
			}
		}
		var hits []SearchHit
		for k, c := range counts {
			hits = append(hits, SearchHit{Dimension: k[0], Value: k[1], Count: c})
		}
		sortHits(hits, 0)
		want, _ := json.Marshal(hits)

		q := decodeQuery(t, `{"queryType":"search","dataSource":"p",`+ivJSON+filterJSON+fmt.Sprintf(`"query":{"type":"insensitive_contains","value":%q}}`, needle))
		var parts []*Partial
		for _, s := range segs {
			p, err := Run(context.Background(), q, s.seg, s.id)
			if err != nil {
				rt.Fatal(err)
			}
			parts = append(parts, p)
		}
		res, err := Merge(q, parts)
		if err != nil {
			rt.Fatal(err)
		}
		gotHits := res.Search[0].Hits
		if len(gotHits) == 0 {
			gotHits = nil
		}
		got, _ := json.Marshal(gotHits)
		if string(got) != string(want) {
			rt.Fatalf("search hits\n got %s\nwant %s", got, want)
		}

		tb := decodeQuery(t, `{"queryType":"timeBoundary","dataSource":"p",`+strings.TrimSuffix(ivJSON+filterJSON, ",")+`}`)
		parts = parts[:0]
		for _, s := range segs {
			p, err := Run(context.Background(), tb, s.seg, s.id)
			if err != nil {
				rt.Fatal(err)
			}
			parts = append(parts, p)
		}
		res, err = Merge(tb, parts)
		if err != nil {
			rt.Fatal(err)
		}
		switch {
		case !found && res.Bounds != nil:
			rt.Fatalf("bounds %+v, want none", *res.Bounds)
		case found && (res.Bounds == nil || res.Bounds.Min != minT || res.Bounds.Max != maxT):
			rt.Fatalf("bounds %+v, want [%d, %d]", res.Bounds, minT, maxT)
		}
	})
}

// TestPropertyPredicates checks the byte-level search predicates against
// the filter package's reference predicates, on ASCII and non-ASCII text.
func TestPropertyPredicates(t *testing.T) {
	alphabet := []rune{'a', 'B', 'c', 'K', 'k', 'İ', 'ß', 'é', 'É', '\u212a', '_', '0'}
	str := rapid.Custom(func(rt *rapid.T) string {
		rs := rapid.SliceOfN(rapid.SampledFrom(alphabet), 0, 6).Draw(rt, "runes")
		return string(rs)
	})
	rapid.Check(t, func(rt *rapid.T) {
		var spec filter.SearchSpec
		switch rapid.IntRange(0, 4).Draw(rt, "kind") {
		case 0:
			spec = filter.SearchSpec{Type: "insensitive_contains", Value: str.Draw(rt, "v")}
		case 1:
			spec = filter.SearchSpec{Type: "contains", Value: str.Draw(rt, "v"), CaseSensitive: rapid.Bool().Draw(rt, "cs")}
		case 2:
			spec = filter.SearchSpec{Type: "fragment", Values: rapid.SliceOfN(str, 1, 3).Draw(rt, "vs"), CaseSensitive: rapid.Bool().Draw(rt, "cs")}
		case 3:
			spec = filter.SearchSpec{Type: "regex", Pattern: "^" + regexp.QuoteMeta(str.Draw(rt, "p"))}
		default:
			spec = filter.SearchSpec{Type: "regex", Pattern: "^" + regexp.QuoteMeta(str.Draw(rt, "p")) + "[a-z]?$"}
		}
		ref, err := filter.SearchPredicate(spec)
		if err != nil {
			rt.Fatal(err)
		}
		m, err := compileSearch(spec)
		if err != nil {
			rt.Fatal(err)
		}
		s := str.Draw(rt, "s")
		if got, want := m.pred(s), ref(s); got != want {
			rt.Fatalf("%+v on %q: got %v, want %v", spec, s, got, want)
		}
		if m.prefix != "" && ref(s) && !strings.HasPrefix(s, m.prefix) {
			rt.Fatalf("%+v matches %q, which lacks the prefix %q", spec, s, m.prefix)
		}
	})
}

// TestPropertySelectedIDs checks the id-counting search path (used when
// few rows are selected) against the values' bitmaps.
func TestPropertySelectedIDs(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		day := int64(1_577_836_800_000)
		iv := base.NewInterval(day, day+86_400_000)
		n := rapid.IntRange(1, 60).Draw(rt, "rows")
		rows := make([]propRow, n)
		for i := range rows {
			rows[i].t = day + int64(i)
			w := fmt.Sprintf("v%02d", rapid.IntRange(0, 40).Draw(rt, "page"))
			rows[i].page = &w
			var tags []string
			for k := rapid.IntRange(0, 3).Draw(rt, "ntags"); k > 0; k-- {
				tags = append(tags, fmt.Sprintf("t%02d", rapid.IntRange(0, 40).Draw(rt, "tag")))
			}
			slices.Sort(tags)
			rows[i].tags = tags
		}
		seg := propSegment(t, iv, 0, rows)
		picked := rapid.SliceOfNDistinct(rapid.IntRange(0, n-1), 1, n, rapid.ID).Draw(rt, "selected")
		bm := roaring.New()
		for _, r := range picked {
			bm.Add(uint32(r))
		}
		sel := selection{bm: bm}
		pred := func(s string) bool { return !strings.HasSuffix(s, "7") }
		for _, name := range []string{"page", "tags"} {
			col, err := seg.Column(name)
			if err != nil {
				rt.Fatal(err)
			}
			c := col.(segment.StringColumn)
			got, err := searchSelectedIDs(c, name, pred, sel, nil)
			if err != nil {
				rt.Fatal(err)
			}
			var want []SearchHit
			for id := 0; id < c.Cardinality(); id++ {
				v, isNull := c.Lookup(id)
				if isNull || !pred(v) {
					continue
				}
				b, err := c.Bitmap(id)
				if err != nil {
					rt.Fatal(err)
				}
				if k := b.AndCardinality(bm); k > 0 {
					want = append(want, SearchHit{Dimension: name, Value: v, Count: int64(k)})
				}
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				rt.Fatalf("%s: got %s, want %s", name, gb, wb)
			}
		}
	})
}
