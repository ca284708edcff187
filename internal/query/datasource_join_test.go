package query

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/expr"
)

// withDS is a scan query over the given datasource JSON.
func withDS(ds string) string {
	return `{"queryType":"scan","dataSource":` + ds + `,"intervals":["2013/2014"]}`
}

const inlineRight = `{"type":"inline","columnNames":["k","v"],"rows":[["a","x"]]}`

// badDataSources are malformed lookup, join and unnest datasources; their
// errors are golden-filed in testdata/datasource_errors.txt.
var badDataSources = []struct{ name, ds string }{
	{"lookup without name", `{"type":"lookup"}`},
	{"join missing left", `{"type":"join","right":` + inlineRight + `,"rightPrefix":"j.","condition":"a == \"j.k\"","joinType":"INNER"}`},
	{"join missing condition", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","joinType":"INNER"}`},
	{"join missing joinType", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","condition":"a == \"j.k\""}`},
	{"join bad joinType", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","condition":"a == \"j.k\"","joinType":"CROSS"}`},
	{"join empty prefix", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"","condition":"a == \"j.k\"","joinType":"INNER"}`},
	{"join missing prefix", `{"type":"join","left":"wiki","right":` + inlineRight + `,"condition":"a == \"j.k\"","joinType":"INNER"}`},
	{"join prefix shadows __time", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"__t","condition":"a == \"__tk\"","joinType":"INNER"}`},
	{"join prefix is __time", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"__time","condition":"a == \"__timek\"","joinType":"INNER"}`},
	{"join duplicate prefixes", `{"type":"join","left":{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","condition":"a == \"j.k\"","joinType":"INNER"},"right":` + inlineRight + `,"rightPrefix":"j.","condition":"a == \"j.k\"","joinType":"INNER"}`},
	{"join conflicting prefixes", `{"type":"join","left":{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","condition":"a == \"j.k\"","joinType":"INNER"},"right":` + inlineRight + `,"rightPrefix":"j.x","condition":"a == \"j.xk\"","joinType":"INNER"}`},
	{"join non-equi condition", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","condition":"a > \"j.k\"","joinType":"INNER"}`},
	{"join right expression", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","condition":"a == concat(\"j.k\", 'x')","joinType":"INNER"}`},
	{"join both sides right", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","condition":"\"j.v\" == \"j.k\"","joinType":"INNER"}`},
	{"join condition syntax", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","condition":"a ==","joinType":"INNER"}`},
	{"join leftFilter on non-table", `{"type":"join","left":` + inlineRight + `,"right":` + inlineRight + `,"rightPrefix":"j.","condition":"k == \"j.k\"","joinType":"INNER","leftFilter":{"type":"selector","dimension":"k","value":"a"}}`},
	{"join bad leftFilter", `{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","condition":"a == \"j.k\"","joinType":"INNER","leftFilter":{"type":"selector","value":"a"}}`},
	{"join bad right", `{"type":"join","left":"wiki","right":{"type":"lookup"},"rightPrefix":"j.","condition":"a == \"j.k\"","joinType":"INNER"}`},
	{"unnest missing base", `{"type":"unnest","virtualColumn":{"type":"expression","name":"u","expression":"\"tags\""}}`},
	{"unnest missing virtualColumn", `{"type":"unnest","base":"wiki"}`},
	{"unnest bad expression", `{"type":"unnest","base":"wiki","virtualColumn":{"type":"expression","name":"u","expression":"tags +"}}`},
	{"unnest unnamed column", `{"type":"unnest","base":"wiki","virtualColumn":{"type":"expression","expression":"\"tags\""}}`},
	{"unnest bad filter", `{"type":"unnest","base":"wiki","virtualColumn":{"type":"expression","name":"u","expression":"\"tags\""},"unnestFilter":{"type":"nope"}}`},
	{"unnest bad base", `{"type":"unnest","base":{"type":"union","dataSources":[]},"virtualColumn":{"type":"expression","name":"u","expression":"\"tags\""}}`},
}

func TestDecodeDataSourceErrors(t *testing.T) {
	var out strings.Builder
	for _, tt := range badDataSources {
		_, err := Decode([]byte(withDS(tt.ds)))
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		c := base.ClassOf(err)
		if c != base.ClassInvalidInput && c != base.ClassUnsupported {
			t.Errorf("%s: class %v: %v", tt.name, c, err)
		}
		out.WriteString(tt.name + "\n  " + c.String() + " " + strconv.Itoa(c.HTTPStatus()) + ": " + err.Error() + "\n")
	}
	golden(t, "datasource_errors.txt", out.String())
}

func TestDecodeJoinUnnestLookup(t *testing.T) {
	tests := []struct {
		name, ds string
		check    func(t *testing.T, d DataSource)
	}{
		{"lookup", `{"type":"lookup","lookup":"countries"}`, func(t *testing.T, d DataSource) {
			if l := d.(*LookupDataSource); l.Lookup != "countries" || len(l.Tables()) != 0 {
				t.Errorf("%+v", l)
			}
		}},
		{"join", `{"type":"join","left":"wiki","right":{"type":"lookup","lookup":"l"},"rightPrefix":"j.","condition":"upper(a) == \"j.k\" && \"j.v\" == b && 1","joinType":"left","leftFilter":{"type":"selector","dimension":"a","value":"x"}}`, func(t *testing.T, d DataSource) {
			j := d.(*JoinDataSource)
			if j.JoinType != JoinLeft || j.RightPrefix != "j." || j.LeftFilter == nil || j.AlwaysFalse || len(j.Equalities) != 2 {
				t.Fatalf("%+v", j)
			}
			if j.Equalities[0].Left.String() != "upper(a)" || j.Equalities[0].RightColumn != "k" || j.Equalities[1].Left.String() != "b" || j.Equalities[1].RightColumn != "v" {
				t.Errorf("equalities %v %v", j.Equalities[0], j.Equalities[1])
			}
			if got := strings.Join(j.Tables(), ","); got != "wiki" {
				t.Errorf("tables %s", got)
			}
		}},
		{"join always false", `{"type":"join","left":"a","right":{"type":"query","query":{"queryType":"scan","dataSource":"b","intervals":["2013/2014"]}},"rightPrefix":"r","condition":"0","joinType":"FULL"}`, func(t *testing.T, d DataSource) {
			j := d.(*JoinDataSource)
			if !j.AlwaysFalse || len(j.Equalities) != 0 || strings.Join(j.Tables(), ",") != "a,b" {
				t.Errorf("%+v %v", j, j.Tables())
			}
		}},
		{"join of join", `{"type":"join","left":{"type":"join","left":"wiki","right":` + inlineRight + `,"rightPrefix":"j.","condition":"a == \"j.k\"","joinType":"INNER"},"right":` + inlineRight + `,"rightPrefix":"k.","condition":"\"j.v\" == \"k.k\"","joinType":"RIGHT"}`, func(t *testing.T, d DataSource) {
			j := d.(*JoinDataSource)
			if j.Equalities[0].Left.String() != "\"j.v\"" || j.Left.(*JoinDataSource).RightPrefix != "j." {
				t.Errorf("%+v", j)
			}
		}},
		{"unnest", `{"type":"unnest","base":"wiki","virtualColumn":{"type":"expression","name":"u","expression":"\"tags\""},"unnestFilter":{"type":"selector","dimension":"u","value":"t1"}}`, func(t *testing.T, d DataSource) {
			u := d.(*UnnestDataSource)
			if u.VirtualColumn.Name != "u" || u.VirtualColumn.OutputType.Kind != base.KindUnknown || u.UnnestFilter == nil || u.Tables()[0] != "wiki" {
				t.Errorf("%+v", u)
			}
		}},
		{"unnest typed", `{"type":"unnest","base":` + inlineRight + `,"virtualColumn":{"type":"expression","name":"u","expression":"array(1,2)","outputType":"LONG"}}`, func(t *testing.T, d DataSource) {
			if u := d.(*UnnestDataSource); u.VirtualColumn.OutputType != base.TypeLong {
				t.Errorf("%+v", u)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Decode([]byte(withDS(tt.ds)))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, q.Base().DataSource)
			checkRoundTrip(t, q)
		})
	}
}

// FuzzDecodeDataSource feeds join, unnest and lookup datasources to the
// decoder: errors are classified, accepted queries round-trip.
func FuzzDecodeDataSource(f *testing.F) {
	for _, d := range badDataSources {
		f.Add(withDS(d.ds))
	}
	f.Add(withDS(`{"type":"join","left":{"type":"unnest","base":"wiki","virtualColumn":{"type":"expression","name":"u","expression":"\"tags\""}},"right":{"type":"lookup","lookup":"l"},"rightPrefix":"j.","condition":"u == \"j.k\" && 1","joinType":"FULL"}`))
	f.Add(withDS(`{"type":"join","left":"w","right":` + inlineRight + `,"rightPrefix":"j.","condition":"concat(a, 'x') == \"j.k\" && \"j.v\" == b","joinType":"RIGHT","leftFilter":{"type":"selector","dimension":"a","value":"x"}}`))
	f.Fuzz(func(t *testing.T, data string) {
		q, err := Decode([]byte(data))
		if err != nil {
			if c := base.ClassOf(err); c != base.ClassInvalidInput && c != base.ClassUnsupported {
				t.Fatalf("class %v for %q: %v", c, data, err)
			}
			return
		}
		checkRoundTrip(t, q)
	})
}

// TestDataSourceLookups checks that lookup() in join conditions and unnest
// virtual columns binds through the lookups the query is decoded with.
func TestDataSourceLookups(t *testing.T) {
	lookups := func(name string) (map[string]string, bool) {
		if name == "iso" {
			return map[string]string{"France": "FR"}, true
		}
		return nil, false
	}
	ds, err := decodeDataSourceWith([]byte(`{"type":"unnest","base":{"type":"join","left":"w","right":{"type":"lookup","lookup":"l"},"rightPrefix":"j.","condition":"lookup(country, 'iso') == \"j.k\"","joinType":"INNER",
		"leftFilter":{"type":"selector","dimension":"country","value":"FR","extractionFn":{"type":"registeredLookup","lookup":"iso"}}},
		"virtualColumn":{"type":"expression","name":"u","expression":"lookup(country, 'iso')"}}`), "dataSource", 0, lookups)
	if err != nil {
		t.Fatal(err)
	}
	u := ds.(*UnnestDataSource)
	eq := u.Base.(*JoinDataSource).Equalities[0]
	for _, c := range []*expr.Compiled{eq.Compiled, u.Expr} {
		v, err := c.EvalRow(expr.MapBindings{"country": "France"})
		if err != nil || v.S != "FR" {
			t.Errorf("%s over France: %v %v", c, v, err)
		}
	}
	if _, err := decodeDataSourceWith([]byte(`{"type":"unnest","base":"w","virtualColumn":{"type":"expression","name":"u","expression":"lookup(country, 'nope')"}}`), "dataSource", 0, lookups); err == nil {
		t.Error("unknown lookup accepted")
	}
}
