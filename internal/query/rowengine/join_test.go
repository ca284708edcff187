package rowengine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/query"
	"github.com/dryaddb/dryad/internal/query/value"
)

// joinLeft has a null key, a duplicate key, a multi-value row with one
// value and a numeric key column n.
const joinLeft = `{"type":"inline","columnNames":["__time","k","n","tags"],"columnTypes":["LONG","STRING","LONG","STRING"],
	"rows":[[1,"a",1,["x"]],[2,"b",2,["x","y"]],[3,null,3,[]],[4,"a",null,"z"],[5,"z",5,null]]}`

// joinRight has a duplicate key, a null key and a key no left row has.
const joinRight = `{"type":"inline","columnNames":["k","v","n"],"columnTypes":["STRING","STRING","DOUBLE"],
	"rows":[["a","A1",1.0],["a","A2",2.5],["b","B",2.0],[null,"N",3.0],["c","C",null]]}`

func joinDS(t *testing.T, left, right, cond, typ string) *query.JoinDataSource {
	t.Helper()
	q := decode[*query.Scan](t, `{"queryType":"scan","intervals":["0/3000"],"dataSource":{"type":"join","left":`+left+`,"right":`+right+
		`,"rightPrefix":"j.","condition":`+fmt.Sprintf("%q", cond)+`,"joinType":"`+typ+`"}}`)
	return q.DataSource.(*query.JoinDataSource)
}

func inlineOf(t *testing.T, s string) ([]string, []value.Row) {
	t.Helper()
	q := decode[*query.Scan](t, `{"queryType":"scan","intervals":["0/3000"],"dataSource":`+s+`}`)
	d := q.DataSource.(*query.InlineDataSource)
	return d.ColumnNames, InlineRows(d)
}

// render prints rows as "col=value" lists, one row per line.
func render(cols []string, rows []value.Row) string {
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	for _, r := range rows {
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%v", r.Value(c))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestJoin(t *testing.T) {
	tests := []struct {
		name, cond, typ, want string
	}{
		{"inner", `k == "j.k"`, "INNER", `__time,k,n,tags,j.k,j.v,j.n
1 a 1 [x] a A1 1
1 a 1 [x] a A2 2.5
2 b 2 [x y] b B 2
4 a <nil> z a A1 1
4 a <nil> z a A2 2.5
`},
		{"left keeps unmatched and null keys", `k == "j.k"`, "LEFT", `__time,k,n,tags,j.k,j.v,j.n
1 a 1 [x] a A1 1
1 a 1 [x] a A2 2.5
2 b 2 [x y] b B 2
3 <nil> 3 [] <nil> <nil> <nil>
4 a <nil> z a A1 1
4 a <nil> z a A2 2.5
5 z 5 <nil> <nil> <nil> <nil>
`},
		{"right keeps unmatched right rows", `k == "j.k"`, "RIGHT", `__time,k,n,tags,j.k,j.v,j.n
1 a 1 [x] a A1 1
1 a 1 [x] a A2 2.5
2 b 2 [x y] b B 2
4 a <nil> z a A1 1
4 a <nil> z a A2 2.5
<nil> <nil> <nil> <nil> <nil> N 3
<nil> <nil> <nil> <nil> c C <nil>
`},
		{"full", `"j.k" == k`, "FULL", `__time,k,n,tags,j.k,j.v,j.n
1 a 1 [x] a A1 1
1 a 1 [x] a A2 2.5
2 b 2 [x y] b B 2
3 <nil> 3 [] <nil> <nil> <nil>
4 a <nil> z a A1 1
4 a <nil> z a A2 2.5
5 z 5 <nil> <nil> <nil> <nil>
<nil> <nil> <nil> <nil> <nil> N 3
<nil> <nil> <nil> <nil> c C <nil>
`},
		{"numeric key: long matches double", `n == "j.n"`, "INNER", `__time,k,n,tags,j.k,j.v,j.n
1 a 1 [x] a A1 1
2 b 2 [x y] b B 2
3 <nil> 3 [] <nil> N 3
`},
		{"two keys", `k == "j.k" && n == "j.n"`, "INNER", `__time,k,n,tags,j.k,j.v,j.n
1 a 1 [x] a A1 1
2 b 2 [x y] b B 2
`},
		{"expression key", `upper(k) == upper("j.k")`, "INNER", ""},
		{"key from expression of left", `concat(k, '') == "j.k"`, "INNER", `__time,k,n,tags,j.k,j.v,j.n
1 a 1 [x] a A1 1
1 a 1 [x] a A2 2.5
2 b 2 [x y] b B 2
4 a <nil> z a A1 1
4 a <nil> z a A2 2.5
`},
		{"single-valued multi-value key", `tags == "j.v"`, "INNER", `__time,k,n,tags,j.k,j.v,j.n
`},
		{"always false", `0`, "LEFT", `__time,k,n,tags,j.k,j.v,j.n
1 a 1 [x] <nil> <nil> <nil>
2 b 2 [x y] <nil> <nil> <nil>
3 <nil> 3 [] <nil> <nil> <nil>
4 a <nil> z <nil> <nil> <nil>
5 z 5 <nil> <nil> <nil> <nil>
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := query.Decode([]byte(`{"queryType":"scan","intervals":["0/3000"],"dataSource":{"type":"join","left":` + joinLeft + `,"right":` + joinRight +
				`,"rightPrefix":"j.","condition":` + fmt.Sprintf("%q", tt.cond) + `,"joinType":"` + tt.typ + `"}}`))
			if tt.want == "" {
				if err == nil {
					t.Fatalf("condition %s accepted", tt.cond)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := q.Base().DataSource.(*query.JoinDataSource)
			lc, lr := inlineOf(t, joinLeft)
			rc, rr := inlineOf(t, joinRight)
			if tt.name == "single-valued multi-value key" {
				// Only the left rows whose tags hold one value can be joined;
				// the row with two values is refused as in Druid.
				_, _, err := Join(context.Background(), d, lc, lr, rc, rr)
				if err == nil || !strings.Contains(err.Error(), "multi-value") {
					t.Errorf("multi-value key: %v", err)
				}
				return
			}
			cols, rows, err := Join(context.Background(), d, lc, lr, rc, rr)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(cols, rows); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestJoinShadowingAndCancel(t *testing.T) {
	left := `{"type":"inline","columnNames":["k","j.x","j."],"rows":[["a","shadowed","kept"]]}`
	d := joinDS(t, left, `{"type":"inline","columnNames":["k","x"],"rows":[["a","X"]]}`, `k == "j.k"`, "INNER")
	lc, lr := inlineOf(t, left)
	cols, rows, err := Join(context.Background(), d, lc, lr, []string{"k", "x"}, []value.Row{value.MapRow{"k": "a", "x": "X"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := render(cols, rows), "k,j.,j.k,j.x\na kept a X\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Join(ctx, d, lc, lr, nil, nil); err == nil {
		t.Error("cancelled join ran")
	}
}

func TestUnnest(t *testing.T) {
	tests := []struct {
		name, vc, filter, want string
	}{
		{"multi-value string", `{"type":"expression","name":"u","expression":"\"tags\""}`, "", `__time,k,n,tags,u
1 a 1 [x] x
2 b 2 [x y] x
2 b 2 [x y] y
4 a <nil> z z
`},
		{"array with filter", `{"type":"expression","name":"u","expression":"array(n, n * 10)","outputType":"ARRAY<LONG>"}`, `,"unnestFilter":{"type":"range","column":"u","matchValueType":"LONG","lower":2,"upper":30}`, `__time,k,n,tags,u
1 a 1 [x] 10
2 b 2 [x y] 2
2 b 2 [x y] 20
3 <nil> 3 [] 3
3 <nil> 3 [] 30
5 z 5 <nil> 5
`},
		{"shadows a base column", `{"type":"expression","name":"k","expression":"\"tags\""}`, `,"unnestFilter":{"type":"selector","dimension":"k","value":"x"}`, `__time,k,n,tags
1 x 1 [x]
2 x 2 [x y]
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := decode[*query.Scan](t, `{"queryType":"scan","intervals":["0/3000"],"dataSource":{"type":"unnest","base":`+joinLeft+`,"virtualColumn":`+tt.vc+tt.filter+`}}`)
			lc, lr := inlineOf(t, joinLeft)
			cols, rows, err := Unnest(context.Background(), q.DataSource.(*query.UnnestDataSource), lc, lr)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(cols, rows); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestLookupRows(t *testing.T) {
	got := render([]string{"k", "v"}, LookupRows(map[string]string{"b": "2", "a": "1"}))
	if got != "k,v\na 1\nb 2\n" {
		t.Errorf("%q", got)
	}
}

// BenchmarkJoin joins a 1M-row left side with a 1K-row right side on a
// string key (every left row matches one right row) and reports left rows
// per second.
func BenchmarkJoin(b *testing.B) {
	const nLeft, nRight = 1_000_000, 1000
	left := make([]value.Row, nLeft)
	for i := range left {
		left[i] = value.MapRow{"__time": int64(i), "country": fmt.Sprintf("c%d", i%nRight), "added": int64(i)}
	}
	right := make([]value.Row, nRight)
	for i := range right {
		right[i] = value.MapRow{"k": fmt.Sprintf("c%d", i), "v": fmt.Sprintf("Country %d", i)}
	}
	q, err := query.Decode([]byte(`{"queryType":"scan","intervals":["0/3000"],"dataSource":{"type":"join","left":"t","right":{"type":"lookup","lookup":"l"},"rightPrefix":"j.","condition":"country == \"j.k\"","joinType":"LEFT"}}`))
	if err != nil {
		b.Fatal(err)
	}
	d := q.Base().DataSource.(*query.JoinDataSource)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, rows, err := Join(context.Background(), d, []string{"__time", "country", "added"}, left, []string{"k", "v"}, right)
		if err != nil || len(rows) != nLeft {
			b.Fatal(err, len(rows))
		}
	}
	b.ReportMetric(float64(nLeft)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// fixtureRows reads a JSON-lines fixture of Druid's join IT data.
func fixtureRows(t *testing.T, name string) ([]string, []value.Row) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "shared", "conformance", "druid-it", "data", "processing", name))
	if err != nil {
		t.Skipf("join fixture not found: %v", err)
	}
	var cols []string
	var rows []value.Row
	dec := json.NewDecoder(bytes.NewReader(raw))
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		for k := range m {
			if !slices.Contains(cols, k) {
				cols = append(cols, k)
			}
		}
		rows = append(rows, value.MapRow(m))
	}
	slices.Sort(cols)
	return cols, rows
}

// naiveJoin is the join by definition: a nested loop over both sides.
func naiveJoin(left, right []value.Row, keys [][2]string, typ query.JoinType) []value.Row {
	var out []value.Row
	matched := make([]bool, len(right))
	for _, l := range left {
		hit := false
		for i, r := range right {
			ok := true
			for _, k := range keys {
				lv, rv := l.Value(k[0]), r.Value(k[1])
				if lv == nil || rv == nil || fmt.Sprint(lv) != fmt.Sprint(rv) {
					ok = false
				}
			}
			if ok {
				out = append(out, &joinedRow{l, r, "j."})
				hit, matched[i] = true, true
			}
		}
		if !hit && typ.KeepsLeft() {
			out = append(out, &joinedRow{l, nil, "j."})
		}
	}
	for i, m := range matched {
		if !m && typ.KeepsRight() {
			out = append(out, &joinedRow{nil, right[i], "j."})
		}
	}
	return out
}

// TestJoinFixtures checks Join against the nested loop over Druid's join
// IT fixtures (edits × countries and regions): one string key, two keys,
// a numeric key, every join type.
func TestJoinFixtures(t *testing.T) {
	lc, left := fixtureRows(t, "join-wikipedia-data.json")
	cc, countries := fixtureRows(t, "join-countries.json")
	rc, regions := fixtureRows(t, "join-regions.json")
	tests := []struct {
		name, cond   string
		rightCols    []string
		right        []value.Row
		keys         [][2]string
		wantSomeRows bool
	}{
		{"country code", `countryIsoCode == "j.countryIsoCode"`, cc, countries, [][2]string{{"countryIsoCode", "countryIsoCode"}}, true},
		{"region and country", `"j.regionIsoCode" == regionIsoCode && countryIsoCode == "j.countryIsoCode"`, rc, regions,
			[][2]string{{"regionIsoCode", "regionIsoCode"}, {"countryIsoCode", "countryIsoCode"}}, true},
		{"country number", `countryNumber == "j.countryNumber"`, cc, countries, [][2]string{{"countryNumber", "countryNumber"}}, true},
		{"region code against country code", `regionIsoCode == "j.countryIsoCode"`, cc, countries, [][2]string{{"regionIsoCode", "countryIsoCode"}}, true},
	}
	for _, tt := range tests {
		for _, typ := range []query.JoinType{query.JoinInner, query.JoinLeft, query.JoinRight, query.JoinFull} {
			t.Run(tt.name+"/"+string(typ), func(t *testing.T) {
				d := joinDS(t, `"edits"`, `{"type":"lookup","lookup":"x"}`, tt.cond, string(typ))
				cols, rows, err := Join(context.Background(), d, lc, left, tt.rightCols, tt.right)
				if err != nil {
					t.Fatal(err)
				}
				want := naiveJoin(left, tt.right, tt.keys, typ)
				if got, w := render(cols, rows), render(cols, want); got != w {
					t.Errorf("got\n%s\nwant\n%s", got, w)
				}
				if typ == query.JoinInner && (len(rows) > 0) != tt.wantSomeRows {
					t.Errorf("inner join gave %d rows", len(rows))
				}
			})
		}
	}
}

// TestJoinRandom checks Join against the nested loop on random rows with
// small key domains (nulls, duplicates and misses included).
func TestJoinRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	strs := []any{"a", "b", "c", nil}
	nums := []any{int64(1), int64(2), int64(3), nil}
	gen := func(n int) []value.Row {
		rows := make([]value.Row, n)
		for i := range rows {
			rows[i] = value.MapRow{"__time": int64(i), "s": strs[rng.IntN(len(strs))], "n": nums[rng.IntN(len(nums))], "id": int64(i)}
		}
		return rows
	}
	cols := []string{"__time", "s", "n", "id"}
	for round := range 50 {
		left, right := gen(rng.IntN(20)), gen(rng.IntN(8))
		for _, c := range []struct {
			cond string
			keys [][2]string
		}{
			{`s == "j.s"`, [][2]string{{"s", "s"}}},
			{`"j.n" == n && s == "j.s"`, [][2]string{{"n", "n"}, {"s", "s"}}},
		} {
			for _, typ := range []query.JoinType{query.JoinInner, query.JoinLeft, query.JoinRight, query.JoinFull} {
				d := joinDS(t, `"l"`, `{"type":"lookup","lookup":"r"}`, c.cond, string(typ))
				out, rows, err := Join(context.Background(), d, cols, left, cols, right)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := render(out, rows), render(out, naiveJoin(left, right, c.keys, typ)); got != want {
					t.Fatalf("round %d %s %s:\ngot\n%s\nwant\n%s", round, c.cond, typ, got, want)
				}
			}
		}
	}
}
