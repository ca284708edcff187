package expr

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dryaddb/dryad/internal/base"
)

func stringFns() []*fnSpec {
	return []*fnSpec{
		{name: "concat", min: 0, max: -1, bind: bindConcat},
		{name: "format", min: 1, max: -1, bind: nullable(TypeString, fnFormat)},
		{name: "parse_long", min: 1, max: 2, bind: fixed(TypeLong, fnParseLong)},
		{name: "regexp_extract", min: 2, max: 3, bind: bindRegexpExtract},
		{name: "regexp_like", min: 2, max: 2, bind: bindRegexpLike},
		{name: "regexp_replace", min: 3, max: 3, bind: bindRegexpReplace},
		{name: "contains_string", min: 2, max: 2, bind: fixed(TypeLong, func(a []Value) (Value, error) {
			s, _ := a[0].AsString()
			sub, _ := a[1].AsString()
			return Bool(strings.Contains(s, sub)), nil
		})},
		{name: "icontains_string", min: 2, max: 2, bind: fixed(TypeLong, func(a []Value) (Value, error) {
			s, _ := a[0].AsString()
			sub, _ := a[1].AsString()
			return Bool(strings.Contains(strings.ToLower(s), strings.ToLower(sub))), nil
		})},
		{name: "replace", min: 3, max: 3, bind: fixed(TypeString, func(a []Value) (Value, error) {
			s, _ := a[0].AsString()
			old, _ := a[1].AsString()
			repl, _ := a[2].AsString()
			if old == "" {
				return String(javaReplaceEmpty(s, repl)), nil
			}
			return String(strings.ReplaceAll(s, old, repl)), nil
		})},
		{name: "substring", min: 3, max: 3, bind: fixed(TypeString, fnSubstring)},
		{name: "right", min: 2, max: 2, bind: fixed(TypeString, fnLeftRight(false))},
		{name: "left", min: 2, max: 2, bind: fixed(TypeString, fnLeftRight(true))},
		{name: "strlen", min: 1, max: 1, bind: fixed(TypeLong, func(a []Value) (Value, error) {
			s, _ := a[0].AsString()
			return Long(int64(utf16Len(s))), nil
		})},
		{name: "strpos", min: 2, max: 3, bind: fixed(TypeLong, fnStrpos)},
		{name: "trim", min: 1, max: 2, bind: fixed(TypeString, fnTrim(true, true))},
		{name: "ltrim", min: 1, max: 2, bind: fixed(TypeString, fnTrim(true, false))},
		{name: "rtrim", min: 1, max: 2, bind: fixed(TypeString, fnTrim(false, true))},
		{name: "lower", min: 1, max: 1, bind: fixed(TypeString, func(a []Value) (Value, error) {
			s, _ := a[0].AsString()
			return String(strings.ToLower(s)), nil
		})},
		{name: "upper", min: 1, max: 1, bind: fixed(TypeString, func(a []Value) (Value, error) {
			s, _ := a[0].AsString()
			// Java's toUpperCase expands ß to SS.
			return String(strings.ReplaceAll(strings.ToUpper(s), "ß", "SS")), nil
		})},
		{name: "reverse", min: 1, max: 1, bind: fixed(TypeString, func(a []Value) (Value, error) {
			if a[0].Type.Kind != base.KindString {
				return Value{}, base.Errorf(base.ClassInvalidInput, "reverse: needs a STRING argument, got %s", a[0].Type)
			}
			s := a[0].S
			rs := []rune(s)
			for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
				rs[i], rs[j] = rs[j], rs[i]
			}
			return String(string(rs)), nil
		})},
		{name: "repeat", min: 2, max: 2, bind: fixed(TypeString, fnRepeat)},
		{name: "lpad", min: 3, max: 3, bind: fixed(TypeString, fnPad(true))},
		{name: "rpad", min: 3, max: 3, bind: fixed(TypeString, fnPad(false))},
	}
}

// maxStringBytes bounds strings built by repeat and the pad functions so
// that one expression cannot exhaust memory.
const maxStringBytes = 1 << 24

func bindConcat(_ *binder, n *callNode) error {
	n.t = TypeString
	n.impl = func(args []Value) (Value, error) {
		if len(args) == 0 {
			return Null(TypeString), nil
		}
		var b strings.Builder
		for _, a := range args {
			s, ok := a.AsString()
			if !ok {
				return Null(TypeString), nil
			}
			b.WriteString(s)
		}
		return String(b.String()), nil
	}
	return nil
}

// javaReplaceEmpty is Java's String.replace with an empty target: the
// replacement goes before every character and at the end.
func javaReplaceEmpty(s, repl string) string {
	var b strings.Builder
	b.WriteString(repl)
	for _, r := range s {
		b.WriteRune(r)
		b.WriteString(repl)
	}
	return b.String()
}

func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// u16 returns s as UTF-16 code units, as Java strings index.
func u16(s string) []uint16 { return utf16.Encode([]rune(s)) }

func fromU16(u []uint16) string { return string(utf16.Decode(u)) }

func intArg(v Value) (int64, bool) { return v.AsLong() }

func clampInt(v int64) int {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	if v < math.MinInt32 {
		return math.MinInt32
	}
	return int(v)
}

// fnSubstring is Druid's substring(expr, index, length): 0-based index in
// UTF-16 units, a negative length meaning "to the end", null when index is
// past the end.
func fnSubstring(a []Value) (Value, error) {
	s, _ := a[0].AsString()
	idx, ok1 := intArg(a[1])
	length, ok2 := intArg(a[2])
	if !ok1 || !ok2 {
		return Null(TypeString), nil
	}
	if idx < 0 {
		return Value{}, base.Errorf(base.ClassInvalidInput, "substring: index %d must not be negative", idx)
	}
	if isASCII(s) {
		if idx >= int64(len(s)) {
			return Null(TypeString), nil
		}
		if length < 0 || idx+length > int64(len(s)) {
			return String(s[idx:]), nil
		}
		return String(s[idx : idx+length]), nil
	}
	u := u16(s)
	if idx >= int64(len(u)) {
		return Null(TypeString), nil
	}
	if length < 0 || idx+length > int64(len(u)) {
		return String(fromU16(u[idx:])), nil
	}
	return String(fromU16(u[idx : idx+length])), nil
}

func fnLeftRight(left bool) func(a []Value) (Value, error) {
	return func(a []Value) (Value, error) {
		name := "right"
		if left {
			name = "left"
		}
		if err := stringLongArgs(name, a); err != nil {
			return Value{}, err
		}
		s, _ := a[0].AsString()
		n, ok := intArg(a[1])
		if !ok {
			return Null(TypeString), nil
		}
		if n < 0 {
			return Value{}, base.Errorf(base.ClassInvalidInput, "%s: length %d must not be negative", name, n)
		}
		u := u16(s)
		if n >= int64(len(u)) {
			return String(s), nil
		}
		if left {
			return String(fromU16(u[:n])), nil
		}
		return String(fromU16(u[int64(len(u))-n:])), nil
	}
}

// fnStrpos is Java's indexOf in UTF-16 units.
func fnStrpos(a []Value) (Value, error) {
	s, _ := a[0].AsString()
	sub, _ := a[1].AsString()
	from := int64(0)
	if len(a) == 3 {
		f, ok := intArg(a[2])
		if !ok {
			return Null(TypeLong), nil
		}
		from = f
	}
	if from < 0 {
		from = 0
	}
	if isASCII(s) && isASCII(sub) {
		if from > int64(len(s)) {
			if sub == "" {
				return Long(int64(len(s))), nil
			}
			return Long(-1), nil
		}
		i := strings.Index(s[from:], sub)
		if i < 0 {
			return Long(-1), nil
		}
		return Long(from + int64(i)), nil
	}
	u, n := u16(s), u16(sub)
	if from > int64(len(u)) {
		from = int64(len(u))
	}
	for i := int(from); i+len(n) <= len(u); i++ {
		match := true
		for j := range n {
			if u[i+j] != n[j] {
				match = false
				break
			}
		}
		if match {
			return Long(int64(i)), nil
		}
	}
	return Long(-1), nil
}

func fnTrim(left, right bool) func(a []Value) (Value, error) {
	return func(a []Value) (Value, error) {
		s, _ := a[0].AsString()
		chars := " "
		if len(a) == 2 {
			chars, _ = a[1].AsString()
		}
		if left {
			s = strings.TrimLeft(s, chars)
		}
		if right {
			s = strings.TrimRight(s, chars)
		}
		return String(s), nil
	}
}

func fnRepeat(a []Value) (Value, error) {
	if err := stringLongArgs("repeat", a); err != nil {
		return Value{}, err
	}
	s, _ := a[0].AsString()
	n, ok := intArg(a[1])
	if !ok {
		return Null(TypeString), nil
	}
	if n <= 0 || s == "" {
		return String(""), nil
	}
	if int64(len(s))*n > maxStringBytes {
		return Value{}, base.Errorf(base.ClassInvalidInput, "repeat: result of %d x %d bytes exceeds the limit of %d", n, len(s), maxStringBytes)
	}
	return String(strings.Repeat(s, int(n))), nil
}

// fnPad is lpad/rpad, counting UTF-16 units as Druid does.
func fnPad(left bool) func(a []Value) (Value, error) {
	return func(a []Value) (Value, error) {
		s, _ := a[0].AsString()
		n, ok := intArg(a[1])
		if !ok {
			return Null(TypeString), nil
		}
		pad, _ := a[2].AsString()
		if n <= 0 {
			return Null(TypeString), nil // Druid: length 0 gives null, negative too
		}
		if n > maxStringBytes {
			return Value{}, base.Errorf(base.ClassInvalidInput, "pad: length %d exceeds the limit of %d", n, maxStringBytes)
		}
		u := u16(s)
		if int64(len(u)) >= n {
			return String(fromU16(u[:n])), nil
		}
		p := u16(pad)
		if len(p) == 0 {
			return String(s), nil
		}
		need := int(n) - len(u)
		fill := make([]uint16, 0, need)
		for len(fill) < need {
			fill = append(fill, p[:min(len(p), need-len(fill))]...)
		}
		if left {
			return String(fromU16(append(fill, u...))), nil
		}
		return String(fromU16(append(u, fill...))), nil
	}
}

// fnParseLong is parse_long(string[, radix]): Long.parseLong, with a "0x"
// prefix allowed for radix 16; null when the string does not parse.
func fnParseLong(a []Value) (Value, error) {
	s, _ := a[0].AsString()
	radix := int64(10)
	if len(a) == 2 {
		r, ok := intArg(a[1])
		if !ok {
			return Null(TypeLong), nil
		}
		radix = r
	}
	if radix < 2 || radix > 36 {
		return Null(TypeLong), nil // Long.parseLong's NumberFormatException
	}
	if radix == 16 {
		if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
			s = s[2:]
		}
	}
	if strings.Contains(s, "_") {
		return Null(TypeLong), nil
	}
	v, err := strconv.ParseInt(s, int(radix), 64)
	if err != nil {
		return Null(TypeLong), nil
	}
	return Long(v), nil
}

// compileJavaRegexp compiles a Java regular expression with Go's RE2
// engine; constructs RE2 lacks (backreferences, lookaround, possessive
// quantifiers, atomic groups) are reported as such.
func compileJavaRegexp(pat string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "invalid regular expression %q (dryad uses RE2 syntax: no backreferences, lookaround, possessive quantifiers or atomic groups): %w", pat, err)
	}
	return re, nil
}

// patternArg returns a function giving the compiled regexp for argument i:
// compiled once when it is a literal, per row otherwise.
func (b *binder) patternArg(n *callNode, i int) (func(args []Value) (*regexp.Regexp, bool, error), error) {
	if v, ok := n.literalArg(i); ok {
		if v.Null {
			return func([]Value) (*regexp.Regexp, bool, error) { return nil, false, nil }, nil
		}
		s, _ := v.AsString()
		re, err := compileJavaRegexp(s)
		if err != nil {
			return nil, b.argErr(n, "%v", err)
		}
		return func([]Value) (*regexp.Regexp, bool, error) { return re, true, nil }, nil
	}
	return func(args []Value) (*regexp.Regexp, bool, error) {
		s, ok := args[i].AsString()
		if !ok {
			return nil, false, nil
		}
		re, err := compileJavaRegexp(s)
		if err != nil {
			return nil, false, err
		}
		return re, true, nil
	}, nil
}

func bindRegexpExtract(b *binder, n *callNode) error {
	if _, ok := n.literalArg(1); !ok {
		return b.argErr(n, "the pattern (argument 2) must be a literal")
	}
	pat, err := b.patternArg(n, 1)
	if err != nil {
		return err
	}
	re, _, _ := pat(nil)
	idx := int64(0)
	if len(n.args) == 3 {
		v, ok := n.literalArg(2)
		if !ok {
			return b.argErr(n, "the index (argument 3) must be a literal")
		}
		idx, _ = v.AsLong()
	}
	if re != nil && (idx < 0 || idx > int64(re.NumSubexp())) {
		return b.argErr(n, "index %d is out of range for pattern %q with %d groups", idx, re.String(), re.NumSubexp())
	}
	n.t = TypeString
	n.impl = func(a []Value) (Value, error) {
		s, ok := a[0].AsString()
		if !ok || re == nil {
			return Null(TypeString), nil
		}
		m := re.FindStringSubmatchIndex(s)
		if m == nil || m[2*idx] < 0 {
			return Null(TypeString), nil
		}
		return String(s[m[2*idx]:m[2*idx+1]]), nil
	}
	return nil
}

func bindRegexpLike(b *binder, n *callNode) error {
	if _, ok := n.literalArg(1); !ok {
		return b.argErr(n, "the pattern (argument 2) must be a literal")
	}
	pat, err := b.patternArg(n, 1)
	if err != nil {
		return err
	}
	re, _, _ := pat(nil)
	n.t = TypeLong
	n.impl = func(a []Value) (Value, error) {
		s, ok := a[0].AsString()
		if !ok || re == nil {
			return Null(TypeLong), nil
		}
		return Bool(re.MatchString(s)), nil
	}
	return nil
}

func bindRegexpReplace(b *binder, n *callNode) error {
	pat, err := b.patternArg(n, 1)
	if err != nil {
		return err
	}
	n.t = TypeString
	n.impl = func(a []Value) (Value, error) {
		s, ok := a[0].AsString()
		repl, rok := a[2].AsString()
		if !ok || !rok {
			return Null(TypeString), nil
		}
		re, ok, err := pat(a)
		if err != nil || !ok {
			return Null(TypeString), err
		}
		tmpl, err := javaReplacement(repl)
		if err != nil {
			return Value{}, err
		}
		return String(re.ReplaceAllString(s, tmpl)), nil
	}
	return nil
}

// javaReplacement converts a Java Matcher replacement ("$1", "${name}",
// "\$") to Go's template syntax.
func javaReplacement(r string) (string, error) {
	if !strings.ContainsAny(r, `$\`) {
		return r, nil
	}
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch c {
		case '\\':
			if i+1 >= len(r) {
				return "", base.Errorf(base.ClassInvalidInput, "regexp_replace: replacement %q ends with a backslash", r)
			}
			i++
			if r[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(r[i])
			}
		case '$':
			if i+1 < len(r) && r[i+1] == '{' {
				j := strings.IndexByte(r[i:], '}')
				if j < 0 {
					return "", base.Errorf(base.ClassInvalidInput, "regexp_replace: unterminated group name in replacement %q", r)
				}
				b.WriteString(r[i : i+j+1])
				i += j
				continue
			}
			j := i + 1
			for j < len(r) && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			if j == i+1 {
				return "", base.Errorf(base.ClassInvalidInput, "regexp_replace: illegal group reference in replacement %q", r)
			}
			fmt.Fprintf(&b, "${%s}", r[i+1:j])
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// fnFormat is Java's String.format for the common conversions: %s %S %d %x
// %X %o %f %e %E %g %b %c %n %%, with flags, width and precision.
func fnFormat(a []Value) (Value, error) {
	pat, ok := a[0].AsString()
	if !ok {
		return Null(TypeString), nil
	}
	out, err := javaFormat(pat, a[1:])
	if err != nil {
		// Druid's StringUtils.nonStrictFormat: on a bad format, the pattern
		// followed by "; arg" for each argument.
		var b strings.Builder
		b.WriteString(pat)
		for _, v := range a[1:] {
			s, ok := v.AsString()
			if !ok {
				s = "null"
			}
			b.WriteString("; ")
			b.WriteString(s)
		}
		return String(b.String()), nil
	}
	return out, nil
}

// javaFormat is the strict part of fnFormat.
func javaFormat(pat string, args []Value) (Value, error) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(pat) && strings.IndexByte("-#+ 0,(", pat[j]) >= 0 {
			j++
		}
		for j < len(pat) && pat[j] >= '0' && pat[j] <= '9' {
			j++
		}
		if j < len(pat) && pat[j] == '.' {
			j++
			for j < len(pat) && pat[j] >= '0' && pat[j] <= '9' {
				j++
			}
		}
		if j >= len(pat) {
			return Value{}, base.Errorf(base.ClassInvalidInput, "format: incomplete format specifier at offset %d of %q", i, pat)
		}
		spec := pat[i+1 : j]
		if n := maxNumber(spec); n > maxFormatWidth {
			return Value{}, base.Errorf(base.ClassInvalidInput, "format: width or precision %d exceeds %d", n, maxFormatWidth)
		}
		conv := pat[j]
		i = j
		switch conv {
		case '%':
			b.WriteByte('%')
			continue
		case 'n':
			b.WriteByte('\n')
			continue
		}
		if next >= len(args) {
			return Value{}, base.Errorf(base.ClassInvalidInput, "format: missing argument for %%%s%c in %q", spec, conv, pat)
		}
		arg := args[next]
		next++
		gospec := strings.ReplaceAll(strings.ReplaceAll(spec, ",", ""), "(", "")
		switch conv {
		case 's', 'S':
			s, ok := arg.AsString()
			if !ok {
				s = "null"
			}
			if conv == 'S' {
				s = strings.ToUpper(s)
			}
			fmt.Fprintf(&b, "%"+gospec+"s", s)
		case 'd', 'x', 'X', 'o':
			if arg.Null {
				fmt.Fprintf(&b, "%"+strings.TrimLeft(gospec, "0+ ")+"s", "null")
				continue
			}
			if arg.Type.Kind != base.KindLong {
				return Value{}, base.Errorf(base.ClassInvalidInput, "format: %%%c needs an integer, got %s", conv, arg.Type)
			}
			s := fmt.Sprintf("%"+gospec+string(conv), arg.L)
			if strings.Contains(spec, ",") && conv == 'd' {
				s = groupThousands(s)
			}
			b.WriteString(s)
		case 'f', 'e', 'E', 'g', 'G':
			if arg.Null {
				fmt.Fprintf(&b, "%"+strings.TrimLeft(gospec, "0+ ")+"s", "null")
				continue
			}
			if arg.Type.Kind != base.KindDouble {
				return Value{}, base.Errorf(base.ClassInvalidInput, "format: %%%c needs a floating-point number, got %s", conv, arg.Type)
			}
			if !strings.Contains(spec, ".") {
				gospec += ".6"
			}
			s := fmt.Sprintf("%"+gospec+string(conv), arg.D)
			if strings.Contains(spec, ",") && conv == 'f' {
				s = groupThousands(s)
			}
			b.WriteString(s)
		case 'b', 'B':
			t := !arg.Null
			if arg.Type.Kind == base.KindString && !arg.Null {
				t = strings.EqualFold(arg.S, "true")
			}
			fmt.Fprintf(&b, "%"+gospec+"t", t)
		case 'c':
			l, ok := arg.AsLong()
			if !ok {
				b.WriteString("null")
				continue
			}
			b.WriteRune(rune(l))
		default:
			return Value{}, base.Errorf(base.ClassInvalidInput, "format: unsupported conversion %%%c in %q", conv, pat)
		}
	}
	return String(b.String()), nil
}

// groupThousands inserts ',' separators into the integer part of a
// formatted number.
func groupThousands(s string) string {
	start := 0
	for start < len(s) && (s[start] < '0' || s[start] > '9') {
		start++
	}
	end := start
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	digits := s[start:end]
	if len(digits) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return s[:start] + b.String() + s[end:]
}

// stringLongArgs checks the argument types of left, right and repeat, which
// Druid requires to be a STRING and a LONG.
func stringLongArgs(name string, a []Value) error {
	if a[0].Type.Kind != base.KindString || a[1].Type.Kind != base.KindLong {
		return base.Errorf(base.ClassInvalidInput, "%s: needs a STRING as first argument and a LONG as second argument, got %s and %s", name, a[0].Type, a[1].Type)
	}
	return nil
}

// maxFormatWidth bounds widths and precisions in format patterns.
const maxFormatWidth = 10000

// maxNumber returns the largest decimal number in s (0 if none).
func maxNumber(s string) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if cur < 1<<40 {
				cur = cur*10 + int(s[i]-'0')
			}
			if cur > best {
				best = cur
			}
		} else {
			cur = 0
		}
	}
	return best
}
