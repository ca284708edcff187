package expr

import (
	"math"
	"sort"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// extraFns are functions Druid registers without listing them in
// math-expr.md, which Druid SQL plans into.
func extraFns() []*fnSpec {
	return []*fnSpec{
		{name: "array_quantile", min: 2, max: 2, bind: bindArrayQuantile},
		{name: "url_encode", min: 1, max: 1, bind: fixed(TypeString, func(a []Value) (Value, error) {
			s, _ := a[0].AsString()
			return String(javaURLEncode(s)), nil
		})},
		{name: "url_decode", min: 1, max: 1, bind: fixed(TypeString, func(a []Value) (Value, error) {
			s, _ := a[0].AsString()
			d, err := javaURLDecode(s)
			if err != nil {
				return Value{}, err
			}
			return String(d), nil
		})},
	}
}

// bindArrayQuantile is array_quantile(array, rank): the rank-th quantile
// (0..1, a number literal) of the numeric array's non-null elements, with
// linear interpolation (R-7, Excel's PERCENTILE.INC). NaN for a rank outside
// [0, 1] or no elements; null when the input is not numeric.
func bindArrayQuantile(b *binder, n *callNode) error {
	v, ok := n.literalArg(1)
	if !ok || !v.IsNumeric() || v.Null {
		return b.argErr(n, "rank (argument 2) must be a number literal")
	}
	rank, _ := v.AsDouble()
	n.t = TypeDouble
	n.impl = func(a []Value) (Value, error) {
		x := a[0]
		if x.Null {
			return Null(TypeDouble), nil
		}
		et := elemType(x.Type)
		if et.Kind != base.KindLong && et.Kind != base.KindDouble {
			return Null(TypeDouble), nil
		}
		arr := asArray(x, typeUnknown).Arr
		ds := make([]float64, 0, len(arr))
		for _, e := range arr {
			if d, ok := e.AsDouble(); ok {
				ds = append(ds, d)
			}
		}
		sort.Float64s(ds)
		return Double(quantileSorted(ds, rank)), nil
	}
	return nil
}

func quantileSorted(ds []float64, rank float64) float64 {
	if len(ds) == 0 || rank < 0 || rank > 1 {
		return math.NaN()
	}
	idx := rank * float64(len(ds)-1)
	switch {
	case idx <= 0:
		return ds[0]
	case idx >= float64(len(ds)-1):
		return ds[len(ds)-1]
	}
	i := int(idx)
	if float64(i) == idx {
		return ds[i]
	}
	step := idx - float64(i)
	return ds[i] + step*(ds[i+1]-ds[i])
}

// javaURLEncode is URLEncoder.encode(s, UTF_8): letters, digits and
// ".-*_" stay, a space becomes '+', every other byte %XX.
func javaURLEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '*' || c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
		}
	}
	return b.String()
}

// javaURLDecode is URLDecoder.decode(s, UTF_8): '+' is a space, %XX a
// byte; a malformed escape is an error.
func javaURLDecode(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			b.WriteByte(' ')
		case '%':
			if i+2 >= len(s) {
				return "", base.Errorf(base.ClassInvalidInput, "url_decode: incomplete escape at offset %d of %q", i, s)
			}
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", base.Errorf(base.ClassInvalidInput, "url_decode: bad escape %q at offset %d", s[i:i+3], i)
			}
			b.WriteByte(h<<4 | l)
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
