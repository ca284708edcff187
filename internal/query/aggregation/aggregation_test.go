package aggregation

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"pgregory.net/rapid"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/segment"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		in    string
		class base.Class // ClassInternal (zero) = success
		want  string     // canonical JSON on success
	}{
		{`{"type":"count","name":"rows"}`, 0, `{"type":"count","name":"rows"}`},
		{`{"type":"longSum","name":"added","fieldName":"added"}`, 0, `{"type":"longSum","name":"added","fieldName":"added"}`},
		{`{"type":"stringLast","name":"p","fieldName":"page"}`, 0, `{"type":"stringLast","name":"p","fieldName":"page","maxStringBytes":1024}`},
		{`{"type":"stringFirst","name":"p","fieldName":"page","maxStringBytes":10,"timeColumn":"t"}`, 0, `{"type":"stringFirst","name":"p","fieldName":"page","timeColumn":"t","maxStringBytes":10}`},
		{`{"type":"doubleMax","name":"m","fieldName":null,"expression":"x*2"}`, 0, `{"type":"doubleMax","name":"m","expression":"x*2"}`},
		{`{"type":"longFirst","name":"m","expression":"x*2"}`, base.ClassInvalidInput, ""},
		{`{"type":"approxHistogram","name":"u","fieldName":"user"}`, base.ClassUnsupported, ""},
		{`{"type":"longSum","name":"x"}`, base.ClassInvalidInput, ""},
		{`{"type":"longSum","fieldName":"x"}`, base.ClassInvalidInput, ""},
		{`{"type":"bogus","name":"x"}`, base.ClassInvalidInput, ""},
		{`{"type":"longSum","name":"x","fieldName":3}`, base.ClassInvalidInput, ""},
		{`{"type":"longSum","name":"x","fieldName":"a","maxStringBytes":3}`, base.ClassInvalidInput, ""},
		{`{"type":"count","name":"x","fieldName":"a"}`, base.ClassInvalidInput, ""},
		{`{"type":"stringFirst","name":"x","fieldName":"a","maxStringBytes":0}`, base.ClassInvalidInput, ""},
		{`{"type":"longFirst","name":"x","fieldName":"a","timeColumn":7}`, base.ClassInvalidInput, ""},
		{`[]`, base.ClassInvalidInput, ""},
	}
	for _, tc := range tests {
		f, err := Decode([]byte(tc.in))
		if tc.class != 0 {
			if base.ClassOf(err) != tc.class {
				t.Errorf("Decode(%s) err = %v, want class %s", tc.in, err, tc.class)
			}
			continue
		}
		if err != nil {
			t.Errorf("Decode(%s): %v", tc.in, err)
			continue
		}
		got, _ := json.Marshal(f)
		if string(got) != tc.want {
			t.Errorf("Decode(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if _, err := DecodeList([]byte(`[{"type":"count","name":"a"},{"type":"count","name":"a"}]`)); base.ClassOf(err) != base.ClassInvalidInput {
		t.Errorf("duplicate names: %v", err)
	}
}

func TestStorageAndCombining(t *testing.T) {
	tests := []struct {
		kind    Kind
		storage string
		comb    string
	}{
		{Count, "LONG", "longSum"},
		{LongSum, "LONG", "longSum"},
		{DoubleMin, "DOUBLE", "doubleMin"},
		{FloatMax, "FLOAT", "floatMax"},
		{LongFirst, "COMPLEX<serializablePairLongLong>", "longFirst"},
		{FloatLast, "COMPLEX<serializablePairLongFloat>", "floatLast"},
		{StringLast, "COMPLEX<serializablePairLongString>", "stringLast"},
	}
	for _, tc := range tests {
		field := "x"
		if tc.kind == Count {
			field = ""
		}
		f, err := New(tc.kind, "out", field)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.StorageType().String(); got != tc.storage {
			t.Errorf("%s storage %s, want %s", f.TypeName(), got, tc.storage)
		}
		c := f.Combining()
		if c.TypeName() != tc.comb || (c.Kind() != Count && c.InputFields()[0] != "out") {
			t.Errorf("%s combining = %s over %v", f.TypeName(), c.TypeName(), c.InputFields())
		}
	}
}

type input struct {
	t int64
	v segment.Value
}

// reference computes an aggregate naively over all inputs.
func reference(k Kind, in []input) segment.Value {
	inf := infoOf(k)
	switch inf.op {
	case opCount:
		return segment.LongValue(int64(len(in)))
	case opFirst, opLast:
		best := -1
		for i, x := range in {
			if best < 0 || (inf.op == opFirst && x.t < in[best].t) || (inf.op == opLast && x.t >= in[best].t) {
				best = i
			}
		}
		if best < 0 {
			return segment.Value{}
		}
		return in[best].v
	}
	var acc segment.Value
	for _, x := range in {
		if x.v.IsNull() {
			continue
		}
		if acc.IsNull() {
			acc = x.v
			continue
		}
		switch inf.value {
		case segment.KindLong:
			switch inf.op {
			case opSum:
				acc.Long += x.v.Long
			case opMin:
				acc.Long = min(acc.Long, x.v.Long)
			case opMax:
				acc.Long = max(acc.Long, x.v.Long)
			}
		default:
			switch inf.op {
			case opSum:
				acc.Double += x.v.Double
			case opMin:
				acc.Double = min(acc.Double, x.v.Double)
			case opMax:
				acc.Double = max(acc.Double, x.v.Double)
			}
			if inf.value == segment.KindFloat {
				acc.Double = float64(float32(acc.Double))
			}
		}
	}
	return acc
}

func stored2value(t *rapid.T, k Kind, v segment.Value) segment.Value {
	inf := infoOf(k)
	if inf.op != opFirst && inf.op != opLast || v.IsNull() {
		return v
	}
	_, val, err := DecodePair(v.Bytes, inf.value)
	if err != nil {
		t.Fatal(err)
	}
	return val
}

// TestRollupMatchesReference aggregates random inputs in two partitions,
// combines the stored states, and compares with a naive reference.
func TestRollupMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := Kind(rapid.IntRange(int(Count), int(StringLast)).Draw(t, "kind"))
		inf := infoOf(k)
		field := "x"
		if k == Count {
			field = ""
		}
		f, err := New(k, "out", field)
		if err != nil {
			t.Fatal(err)
		}
		n := rapid.IntRange(1, 30).Draw(t, "n")
		in := make([]input, n)
		for i := range in {
			in[i].t = rapid.Int64Range(0, 20).Draw(t, "t")
			if rapid.IntRange(0, 3).Draw(t, "null") == 0 {
				continue
			}
			x := rapid.Int64Range(-1000, 1000).Draw(t, "v")
			switch inf.value {
			case segment.KindLong:
				in[i].v = segment.LongValue(x)
			case segment.KindDouble:
				in[i].v = segment.DoubleValue(float64(x) / 4)
			case segment.KindFloat:
				in[i].v = segment.FloatValue(float32(x) / 4)
			default:
				in[i].v = segment.StringValue(fmt.Sprint(x))
			}
		}
		split := rapid.IntRange(1, n).Draw(t, "split")
		parts := [][]input{in[:split], in[split:]}
		total := f.NewRollup()
		for pi, p := range parts {
			if len(p) == 0 {
				continue
			}
			r := f.NewRollup()
			for j, x := range p {
				if j == 0 {
					r.Add(x.t, []segment.Value{x.v})
				} else {
					r.Aggregate(0, x.t, []segment.Value{x.v})
				}
			}
			st := r.Stored(0)
			if pi == 0 {
				err = total.AddStored(st)
			} else {
				err = total.CombineStored(0, st)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		got := stored2value(t, k, total.Stored(0))
		want := reference(k, in)
		if inf.op == opSum && inf.value != segment.KindLong && !got.IsNull() && !want.IsNull() {
			if math.Abs(got.Double-want.Double) > 1e-3*math.Max(1, math.Abs(want.Double)) {
				t.Fatalf("%s = %s, want %s", f.TypeName(), got, want)
			}
			return
		}
		if !got.Equal(want) {
			t.Fatalf("%s over %v = %s, want %s", f.TypeName(), in, got, want)
		}
	})
}

func TestInputConversion(t *testing.T) {
	f, _ := New(LongSum, "s", "x")
	r := f.NewRollup()
	r.Add(0, []segment.Value{segment.StringValue(" 12 ")})
	r.Aggregate(0, 0, []segment.Value{segment.DoubleValue(2.9)})
	r.Aggregate(0, 0, []segment.Value{segment.StringValue("abc")})
	if got := r.Stored(0); got.Long != 14 {
		t.Fatalf("longSum = %s, want 14", got)
	}
	g, _ := Decode([]byte(`{"type":"stringFirst","name":"s","fieldName":"x","maxStringBytes":4}`))
	r = g.NewRollup()
	r.Add(5, []segment.Value{segment.StringValue("héllo")})
	_, v, err := DecodePair(r.Stored(0).Bytes, segment.KindString)
	if err != nil || v.Str != "hél" {
		t.Fatalf("chopped = %q, %v", v.Str, err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"type":"stringFirst","name":"p","fieldName":"page","maxStringBytes":10}`))
	f.Add([]byte(`{"type":"count","name":"c"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := Decode(out)
		if err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		out2, _ := json.Marshal(b2)
		if string(out) != string(out2) {
			t.Fatalf("not stable: %s vs %s", out, out2)
		}
	})
}

func FuzzDecodePair(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, vk := range []segment.ValueKind{segment.KindLong, segment.KindDouble, segment.KindFloat, segment.KindString} {
			_, _, _ = DecodePair(b, vk)
		}
	})
}
