package postagg

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/apache/datasketches-go/hll"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/sketch"
	"github.com/dryaddb/dryad/internal/sketch/hyperunique"
	"github.com/dryaddb/dryad/internal/sketch/quantiles"
)

func sketchRow(t *testing.T) value.MapRow {
	h1, _ := sketch.NewHLL(12, hll.TgtHllTypeHll4, sketch.UTF16LE)
	h2, _ := sketch.NewHLL(12, hll.TgtHllTypeHll4, sketch.UTF16LE)
	t1, t2 := sketch.NewTheta(14), sketch.NewTheta(14)
	q := quantiles.New(128)
	k := sketch.NewKLL(200)
	c := hyperunique.New()
	for i := 0; i < 100; i++ {
		h1.UpdateLong(int64(i))
		h2.UpdateLong(int64(i + 50))
		t1.UpdateLong(int64(i))
		t2.UpdateLong(int64(i + 50))
		q.Update(float64(i))
		k.Update(float64(i))
		c.AddUTF8(string(rune('a' + i%10)))
	}
	return value.MapRow{"h1": h1, "h2": h2, "t1": t1, "t2": string(mustJSONText(t, t2)), "q": q, "k": k.Bytes(), "u": c, "empty": nil}
}

// mustJSONText returns the base64 text a sketch marshals to (how a
// non-finalized sketch arrives from a data server).
func mustJSONText(t *testing.T, v json.Marshaler) string {
	b, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSketchPostAggregators(t *testing.T) {
	row := sketchRow(t)
	cases := []struct {
		spec string
		want any // float64 checked within 2%; []any elementwise; string prefix
		typ  base.ColumnType
	}{
		{`{"type":"HLLSketchEstimate","name":"x","field":{"type":"fieldAccess","fieldName":"h1"}}`, 100.0, base.TypeDouble},
		{`{"type":"HLLSketchEstimate","name":"x","field":{"type":"fieldAccess","fieldName":"h1"},"round":true}`, int64(100), base.TypeLong},
		{`{"type":"HLLSketchEstimate","name":"x","field":{"type":"fieldAccess","fieldName":"empty"}}`, 0.0, base.TypeDouble},
		{`{"type":"HLLSketchEstimateWithBounds","name":"x","field":{"type":"fieldAccess","fieldName":"h1"},"numStdDev":2}`, []any{100.0, 100.0, 100.0}, base.ArrayType(base.KindDouble)},
		{`{"type":"HLLSketchEstimate","name":"x","field":{"type":"HLLSketchUnion","name":"u","fields":[{"type":"fieldAccess","fieldName":"h1"},{"type":"fieldAccess","fieldName":"h2"}]}}`, 150.0, base.TypeDouble},
		{`{"type":"HLLSketchToString","name":"x","field":{"type":"fieldAccess","fieldName":"h1"}}`, "### HLL SKETCH SUMMARY", base.TypeString},
		{`{"type":"thetaSketchEstimate","name":"x","field":{"type":"fieldAccess","fieldName":"t1"}}`, 100.0, base.TypeDouble},
		{`{"type":"thetaSketchEstimate","name":"x","field":{"type":"thetaSketchSetOp","name":"s","func":"INTERSECT","fields":[{"type":"fieldAccess","fieldName":"t1"},{"type":"fieldAccess","fieldName":"t2"}]}}`, 50.0, base.TypeDouble},
		{`{"type":"thetaSketchEstimate","name":"x","field":{"type":"thetaSketchSetOp","name":"s","func":"UNION","size":1024,"fields":[{"type":"fieldAccess","fieldName":"t1"},{"type":"fieldAccess","fieldName":"t2"}]}}`, 150.0, base.TypeDouble},
		{`{"type":"thetaSketchEstimate","name":"x","field":{"type":"thetaSketchSetOp","name":"s","func":"NOT","fields":[{"type":"fieldAccess","fieldName":"t1"},{"type":"fieldAccess","fieldName":"t2"}]}}`, 50.0, base.TypeDouble},
		{`{"type":"quantilesDoublesSketchToQuantile","name":"x","field":{"type":"fieldAccess","fieldName":"q"},"fraction":0.5}`, 49.0, base.TypeDouble},
		{`{"type":"quantilesDoublesSketchToQuantiles","name":"x","field":{"type":"fieldAccess","fieldName":"q"},"fractions":[0,0.25,1]}`, []any{0.0, 24.0, 99.0}, base.ArrayType(base.KindDouble)},
		{`{"type":"quantilesDoublesSketchToRank","name":"x","field":{"type":"fieldAccess","fieldName":"q"},"value":49}`, 0.5, base.TypeDouble},
		{`{"type":"quantilesDoublesSketchToCDF","name":"x","field":{"type":"fieldAccess","fieldName":"q"},"splitPoints":[24,74]}`, []any{0.25, 0.75, 1.0}, base.ArrayType(base.KindDouble)},
		{`{"type":"quantilesDoublesSketchToHistogram","name":"x","field":{"type":"fieldAccess","fieldName":"q"},"splitPoints":[24,74]}`, []any{25.0, 50.0, 25.0}, base.ArrayType(base.KindDouble)},
		{`{"type":"quantilesDoublesSketchToHistogram","name":"x","field":{"type":"fieldAccess","fieldName":"q"},"numBins":2}`, []any{50.0, 50.0}, base.ArrayType(base.KindDouble)},
		{`{"type":"quantilesDoublesSketchToString","name":"x","field":{"type":"fieldAccess","fieldName":"q"}}`, "DoublesSketch{k=128, n=100", base.TypeString},
		{`{"type":"kllDoublesSketchToQuantile","name":"x","field":{"type":"fieldAccess","fieldName":"k"},"fraction":0.5}`, 50.0, base.TypeDouble},
		{`{"type":"kllDoublesSketchToCDF","name":"x","field":{"type":"fieldAccess","fieldName":"k"},"splitPoints":[49]}`, []any{0.5, 1.0}, base.ArrayType(base.KindDouble)},
		{`{"type":"hyperUniqueCardinality","name":"x","fieldName":"u"}`, 10.0, base.TypeDouble},
		{`{"type":"thetaSketchEstimate","name":"x","field":{"type":"thetaSketchSetOp","name":"s","func":"INTERSECT","fields":[{"type":"fieldAccess","fieldName":"t1"},{"type":"thetaSketchConstant","name":"c","value":"` + row["t2"].(string) + `"}]}}`, 50.0, base.TypeDouble},
		{`{"type":"hyperUniqueCardinality","name":"x","fieldName":"u","round":true}`, int64(10), base.TypeLong},
	}
	for _, c := range cases {
		p, err := Decode(json.RawMessage(c.spec), "postAggregations[0]")
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		if got := OutputType(p, nil); got != c.typ {
			t.Errorf("%s: type %v, want %v", c.spec, got, c.typ)
		}
		ev, err := Compile(p, Env{Known: func(n string) bool { _, ok := row[n]; return ok }})
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		got := ev(row)
		if !approxEqual(got, c.want) {
			t.Errorf("%s: got %v (%T), want %v", c.spec, got, got, c.want)
		}
		// Canonical JSON decodes back to the same post-aggregator.
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := Decode(b, "x")
		if err != nil {
			t.Errorf("re-decode %s: %v", b, err)
			continue
		}
		b2, _ := json.Marshal(p2)
		if string(b) != string(b2) {
			t.Errorf("re-encode %s != %s", b2, b)
		}
	}
}

func approxEqual(got, want any) bool {
	switch w := want.(type) {
	case float64:
		g, ok := got.(float64)
		return ok && math.Abs(g-w) <= 0.02*math.Abs(w)+1e-9
	case string:
		g, ok := got.(string)
		return ok && strings.HasPrefix(g, w)
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !approxEqual(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return got == want
}

func TestSketchPostAggregatorErrors(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{`{"type":"HLLSketchEstimate","name":"x"}`, "field: required"},
		{`{"type":"HLLSketchEstimateWithBounds","name":"x","field":{"type":"fieldAccess","fieldName":"a"},"numStdDev":4}`, "numStdDev"},
		{`{"type":"HLLSketchUnion","name":"x","fields":[],"lgK":12}`, "at least one"},
		{`{"type":"HLLSketchUnion","name":"x","fields":[{"type":"fieldAccess","fieldName":"a"}],"tgtHllType":"HLL_9"}`, "tgtHllType"},
		{`{"type":"thetaSketchSetOp","name":"x","func":"XOR","fields":[{"type":"fieldAccess","fieldName":"a"}]}`, "XOR"},
		{`{"type":"thetaSketchSetOp","name":"x","func":"UNION","size":100,"fields":[{"type":"fieldAccess","fieldName":"a"}]}`, "size"},
		{`{"type":"quantilesDoublesSketchToQuantile","name":"x","field":{"type":"fieldAccess","fieldName":"a"}}`, "fraction"},
		{`{"type":"quantilesDoublesSketchToQuantile","name":"x","field":{"type":"fieldAccess","fieldName":"a"},"fraction":1.5}`, "fraction"},
		{`{"type":"quantilesDoublesSketchToCDF","name":"x","field":{"type":"fieldAccess","fieldName":"a"},"splitPoints":[2,1]}`, "increasing"},
		{`{"type":"kllDoublesSketchToRank","name":"x","field":{"type":"fieldAccess","fieldName":"a"}}`, "value"},
		{`{"type":"hyperUniqueCardinality","name":"x"}`, "fieldName"},
		{`{"type":"thetaSketchConstant","name":"x","value":"AAAA"}`, "value"},
	} {
		_, err := Decode(json.RawMessage(c.spec), "postAggregations[0]")
		if err == nil || base.ClassOf(err) != base.ClassInvalidInput || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want INVALID_INPUT containing %q", c.spec, err, c.want)
		}
	}
	p, _ := Decode(json.RawMessage(`{"type":"hyperUniqueCardinality","name":"x","fieldName":"nope"}`), "p")
	if _, err := Compile(p, Env{Known: func(string) bool { return false }}); err == nil {
		t.Error("unknown fieldName accepted")
	}
	// A corrupt sketch yields null rather than a panic.
	q, _ := Decode(json.RawMessage(`{"type":"quantilesDoublesSketchToQuantile","name":"x","field":{"type":"fieldAccess","fieldName":"a"},"fraction":0.5}`), "p")
	ev, err := Compile(q, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if v := ev(value.MapRow{"a": "!!notbase64"}); v != nil {
		t.Errorf("corrupt sketch gave %v", v)
	}
}
