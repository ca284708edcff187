package expr

import (
	"math"
	"math/big"
	"net/netip"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

func ipFns() []*fnSpec {
	return []*fnSpec{
		{name: "ipv4_match", min: 2, max: 2, bind: bindIPv4Match},
		{name: "ipv4_parse", min: 1, max: 1, bind: nullable(TypeLong, func(a []Value) (Value, error) {
			v := a[0]
			switch {
			case v.Null:
			case v.Type.Kind == base.KindString:
				if ip, ok := parseIPv4(v.S); ok {
					return Long(int64(ip)), nil
				}
			case v.Type.Kind == base.KindLong:
				if v.L >= 0 && v.L <= math.MaxUint32 {
					return v, nil
				}
			}
			return Null(TypeLong), nil
		})},
		{name: "ipv4_stringify", min: 1, max: 1, bind: nullable(TypeString, func(a []Value) (Value, error) {
			v := a[0]
			switch {
			case v.Null:
			case v.Type.Kind == base.KindString:
				if _, ok := parseIPv4(v.S); ok {
					return v, nil
				}
			case v.Type.Kind == base.KindLong:
				if v.L >= 0 && v.L <= math.MaxUint32 {
					return String(formatIPv4(uint32(v.L))), nil
				}
			}
			return Null(TypeString), nil
		})},
		{name: "ipv6_match", min: 2, max: 2, bind: bindIPv6Match},
	}
}

// parseIPv4 reads a dotted-decimal IPv4 address: four decimal octets of one
// to three digits, each at most 255.
func parseIPv4(s string) (uint32, bool) {
	var ip uint32
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return 0, false
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 3 {
			return 0, false
		}
		n := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return 0, false
			}
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return 0, false
		}
		ip = ip<<8 | uint32(n)
	}
	return ip, true
}

func formatIPv4(ip uint32) string {
	return strconv.Itoa(int(ip>>24)) + "." + strconv.Itoa(int(ip>>16&255)) + "." + strconv.Itoa(int(ip>>8&255)) + "." + strconv.Itoa(int(ip&255))
}

func bindIPv4Match(b *binder, n *callNode) error {
	s, ok, err := b.literalString(n, 1, "the subnet")
	if err != nil {
		return err
	}
	pfx, perr := netip.ParsePrefix(s)
	if !ok || perr != nil || !pfx.Addr().Is4() {
		return b.argErr(n, "subnet %q is not an IPv4 CIDR block such as 192.168.0.0/16", s)
	}
	pfx = pfx.Masked()
	bits := pfx.Bits()
	a4 := pfx.Addr().As4()
	network := uint32(a4[0])<<24 | uint32(a4[1])<<16 | uint32(a4[2])<<8 | uint32(a4[3])
	mask := uint32(0)
	if bits > 0 {
		mask = ^uint32(0) << (32 - bits)
	}
	n.t = TypeLong
	n.impl = func(a []Value) (Value, error) {
		v := a[0]
		var ip uint32
		switch {
		case v.Null:
			return Long(0), nil
		case v.Type.Kind == base.KindString:
			p, ok := parseIPv4(v.S)
			if !ok {
				return Long(0), nil
			}
			ip = p
		case v.Type.Kind == base.KindLong:
			if v.L < 0 || v.L > math.MaxUint32 {
				return Long(0), nil
			}
			ip = uint32(v.L)
		default:
			return Long(0), nil
		}
		return Bool(ip&mask == network), nil
	}
	return nil
}

func bindIPv6Match(b *binder, n *callNode) error {
	s, ok, err := b.literalString(n, 1, "the subnet")
	if err != nil {
		return err
	}
	pfx, perr := netip.ParsePrefix(s)
	if !ok || perr != nil || !pfx.Addr().Is6() {
		return b.argErr(n, "subnet %q is not an IPv6 CIDR block such as 75e9:efa4:29c6:85f6::/64", s)
	}
	pfx = pfx.Masked()
	n.t = TypeLong
	n.impl = func(a []Value) (Value, error) {
		s, ok := a[0].AsString()
		if !ok || a[0].Type.Kind != base.KindString {
			return Long(0), nil
		}
		addr, err := netip.ParseAddr(s)
		if err != nil || !addr.Is6() {
			return Long(0), nil
		}
		return Bool(pfx.Contains(addr)), nil
	}
	return nil
}

func otherFns() []*fnSpec {
	return []*fnSpec{
		{name: "human_readable_binary_byte_format", min: 1, max: 2, bind: bindHumanReadable(humanBinary)},
		{name: "human_readable_decimal_byte_format", min: 1, max: 2, bind: bindHumanReadable(humanDecimalByte)},
		{name: "human_readable_decimal_format", min: 1, max: 2, bind: bindHumanReadable(humanDecimal)},
		{name: "greatest", min: 0, max: -1, bind: bindReduce(true)},
		{name: "least", min: 0, max: -1, bind: bindReduce(false)},
	}
}

type humanUnits int

const (
	humanBinary humanUnits = iota
	humanDecimalByte
	humanDecimal
)

func bindHumanReadable(u humanUnits) func(*binder, *callNode) error {
	return func(b *binder, n *callNode) error {
		if t := n.args[0].typ(); t.Kind != base.KindUnknown && !isNum(t) {
			return b.argErr(n, "the value must be a number, got %s", t)
		}
		prec := int64(2)
		if len(n.args) == 2 {
			v, ok := n.literalArg(1)
			if !ok {
				return b.argErr(n, "the precision (argument 2) must be a literal")
			}
			p, ok := v.AsLong()
			if !ok || v.Type.Kind != base.KindLong || p < 0 || p > 3 {
				return b.argErr(n, "precision %s must be an integer in the range [0,3]", (&Literal{v}).String())
			}
			prec = p
		}
		n.t = TypeString
		n.impl = strictFn(TypeString, func(a []Value) (Value, error) {
			if !a[0].IsNumeric() {
				return Value{}, base.Errorf(base.ClassInvalidInput, "%s: the value must be a number, got %s", n.fn.name, a[0].Type)
			}
			v, _ := a[0].AsLong()
			return String(humanFormat(v, int(prec), u)), nil
		})
		return nil
	}
}

// humanFormat is Druid's HumanReadableBytes.format.
func humanFormat(v int64, prec int, u humanUnits) string {
	switch u {
	case humanBinary:
		if v > -1024 && v < 1024 {
			return strconv.FormatInt(v, 10) + " B"
		}
		if v == math.MinInt64 {
			return formatHalfUp(-8, prec) + " EiB"
		}
		abs := v
		if abs < 0 {
			abs = -abs
		}
		idx := (63 - leadingZeros(uint64(abs))) / 10
		units := []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
		return formatHalfUp(float64(v)/float64(int64(1)<<(idx*10)), prec) + " " + units[idx] + "B"
	default:
		suffix := "B"
		if u == humanDecimal {
			suffix = ""
		}
		if v > -1000 && v < 1000 {
			return strings.TrimSpace(strconv.FormatInt(v, 10) + " " + suffix)
		}
		idx := 0
		for v <= -1000000 || v >= 1000000 {
			v /= 1000
			idx++
		}
		units := []string{"K", "M", "G", "T", "P", "E"}
		return formatHalfUp(float64(v)/1000.0, prec) + " " + units[idx] + suffix
	}
}

func leadingZeros(x uint64) int {
	n := 0
	for i := 63; i >= 0 && x&(1<<uint(i)) == 0; i-- {
		n++
	}
	return n
}

// formatHalfUp formats x with prec decimals rounding half up on its exact
// binary value, as Java's %.nf does.
func formatHalfUp(x float64, prec int) string {
	r := new(big.Rat)
	r.SetFloat64(x)
	return r.FloatString(prec) // FloatString rounds half away from zero
}

func bindReduce(isMax bool) func(*binder, *callNode) error {
	return func(b *binder, n *callNode) error {
		var t base.ColumnType
		for _, a := range n.args {
			if k, ok := a.(*constNode); ok && k.v.Null {
				continue
			}
			at := a.typ()
			if at.Kind == base.KindArray || at.Kind == base.KindComplex {
				return b.argErr(n, "arguments must be scalars, got %s", at)
			}
			t = reduceType(t, at)
		}
		n.t = t
		n.impl = func(a []Value) (Value, error) {
			rt := t
			if rt.Kind == base.KindUnknown {
				for _, v := range a {
					if !v.Null {
						rt = reduceType(rt, v.Type)
					}
				}
			}
			var best Value
			found := false
			for _, v := range a {
				if v.Null {
					continue
				}
				v = castScalar(v, rt)
				if v.Null {
					continue
				}
				if !found {
					best, found = v, true
					continue
				}
				c := compareValues(v, best)
				if isMax && c > 0 || !isMax && c < 0 {
					best = v
				}
			}
			if !found {
				return Null(rt), nil
			}
			return best, nil
		}
		return nil
	}
}

// reduceType combines argument types for greatest/least: any string makes
// the result a string, any double a double, else long.
func reduceType(a, b base.ColumnType) base.ColumnType {
	switch {
	case a.Kind == base.KindUnknown:
		return exprType(b)
	case b.Kind == base.KindUnknown:
		return a
	case a.Kind == base.KindString || b.Kind == base.KindString:
		return TypeString
	case a.Kind == base.KindDouble || exprType(b).Kind == base.KindDouble:
		return TypeDouble
	}
	return TypeLong
}
