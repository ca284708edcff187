package expr

import (
	"fmt"
	"math"

	"github.com/dryaddb/dryad/internal/base"
)

type unaryNode struct {
	op byte
	x  node
	t  base.ColumnType
	id int
}

func newUnary(op byte, x node, id int) *unaryNode {
	t := TypeLong
	if op == '-' {
		t = x.typ()
		if t.Kind == base.KindString {
			t = TypeDouble
		}
	}
	return &unaryNode{op: op, x: x, t: t, id: id}
}

func (n *unaryNode) typ() base.ColumnType { return n.t }

func (n *unaryNode) eval(e *env) (Value, error) {
	v, err := n.x.eval(e)
	if err != nil {
		return Value{}, err
	}
	return unaryOp(n.op, v)
}

func unaryOp(op byte, v Value) (Value, error) {
	if v.Null {
		if op == '!' {
			return Null(TypeLong), nil
		}
		return Null(v.Type), nil
	}
	if op == '!' {
		t, _ := v.AsBool()
		return Bool(!t), nil
	}
	switch v.Type.Kind {
	case base.KindLong:
		return Long(-v.L), nil
	case base.KindDouble:
		return Double(-v.D), nil
	case base.KindString:
		l, d, isLong, ok := parseNumber(v.S)
		if !ok {
			return Null(TypeDouble), nil
		}
		if isLong {
			return Long(-l), nil
		}
		return Double(-d), nil
	}
	return Value{}, base.Errorf(base.ClassInvalidInput, "unary minus does not apply to %s", v.Type)
}

type binaryNode struct {
	src  *Binary // for error messages
	op   string
	code byte // '+', '-', '*', '<', 'l' (<=), '>', 'g' (>=), '=', '!' (!=), or 0
	l, r node
	t    base.ColumnType
	id   int
}

func (b *binder) newBinary(op string, l, r node) (node, error) {
	lt, rt := l.typ(), r.typ()
	n := &binaryNode{op: op, l: l, r: r, id: b.id()}
	switch op {
	case "+", "-", "*", "<", ">":
		n.code = op[0]
	case "<=":
		n.code = 'l'
	case ">=":
		n.code = 'g'
	case "==":
		n.code = '='
	case "!=":
		n.code = '!'
	}
	switch op {
	case "&&", "||", "<", "<=", ">", ">=", "==", "!=":
		n.t = TypeLong
		if op == "&&" || op == "||" {
			if err := b.scalarArg(l, op); err != nil {
				return nil, err
			}
			if err := b.scalarArg(r, op); err != nil {
				return nil, err
			}
		} else if (lt.Kind == base.KindArray) != (rt.Kind == base.KindArray) && lt.Kind != base.KindUnknown && rt.Kind != base.KindUnknown {
			return nil, b.errorf("operator %s cannot compare %s with %s", op, lt, rt)
		}
	default:
		if err := b.scalarArg(l, op); err != nil {
			return nil, err
		}
		if err := b.scalarArg(r, op); err != nil {
			return nil, err
		}
		n.t = operatorType(lt, rt)
		if n.t.Kind == base.KindComplex {
			return nil, b.errorf("operator %s does not apply to %s", op, n.t)
		}
		if n.t.Kind == base.KindString && op != "+" {
			return nil, b.errorf("operator %s does not apply to STRING operands", op)
		}
	}
	return n, nil
}

func (n *binaryNode) typ() base.ColumnType { return n.t }

func (n *binaryNode) eval(e *env) (Value, error) {
	l, err := n.l.eval(e)
	if err != nil {
		return Value{}, err
	}
	switch n.op {
	case "&&":
		lt, lok := l.AsBool()
		if lok && !lt {
			return Long(0), nil
		}
		r, err := n.r.eval(e)
		if err != nil {
			return Value{}, err
		}
		rt, rok := r.AsBool()
		switch {
		case rok && !rt:
			return Long(0), nil
		case lok && rok:
			return Long(1), nil
		}
		return Null(TypeLong), nil
	case "||":
		lt, lok := l.AsBool()
		if lok && lt {
			return Long(1), nil
		}
		r, err := n.r.eval(e)
		if err != nil {
			return Value{}, err
		}
		rt, rok := r.AsBool()
		switch {
		case rok && rt:
			return Long(1), nil
		case lok && rok:
			return Long(0), nil
		}
		return Null(TypeLong), nil
	}
	r, err := n.r.eval(e)
	if err != nil {
		return Value{}, err
	}
	if n.code != 0 && !l.Null && !r.Null && l.Type.Kind == base.KindLong && r.Type.Kind == base.KindLong {
		// Fast path for the commonest case: two non-null longs.
		a, b := l.L, r.L
		switch n.code {
		case '+':
			return Long(a + b), nil
		case '-':
			return Long(a - b), nil
		case '*':
			return Long(a * b), nil
		case '<':
			return Bool(a < b), nil
		case 'l':
			return Bool(a <= b), nil
		case '>':
			return Bool(a > b), nil
		case 'g':
			return Bool(a >= b), nil
		case '=':
			return Bool(a == b), nil
		case '!':
			return Bool(a != b), nil
		}
	}
	v, err := binaryOp(n.op, l, r, n.t)
	if err != nil && n.src != nil {
		return Value{}, fmt.Errorf("%s: %w", n.src, err)
	}
	return v, err
}

// binaryOp applies a math or comparison operator to two values, as Druid's
// BinaryEvalOpExprBase and BinaryBooleanOpExprBase: null in, null out; two
// strings use string semantics; otherwise LONG when both are LONG, else
// DOUBLE (strings read as numbers, null when they are not).
func binaryOp(op string, l, r Value, t base.ColumnType) (Value, error) {
	cmp := op[0] == '<' || op[0] == '>' || op == "==" || op == "!="
	if l.Null || r.Null {
		if cmp {
			return Null(TypeLong), nil
		}
		if t.Kind == base.KindUnknown {
			t = operatorType(l.Type, r.Type)
		}
		return Null(t), nil
	}
	lk, rk := l.Type.Kind, r.Type.Kind
	if lk == base.KindArray || rk == base.KindArray {
		if !cmp {
			return Value{}, base.Errorf(base.ClassInvalidInput, "operator %s does not apply to arrays", op)
		}
		c := compareArrays(l, castScalar(r, l.Type))
		return Bool(cmpResult(op, c)), nil
	}
	if lk == base.KindComplex || rk == base.KindComplex {
		l, r = complexScalar(l), complexScalar(r)
		lk, rk = l.Type.Kind, r.Type.Kind
		if l.Null || r.Null {
			return Null(TypeLong), nil
		}
	}
	if lk == base.KindString && rk == base.KindString {
		if cmp {
			return Bool(cmpResult(op, compareStrings(l.S, r.S))), nil
		}
		if op == "+" {
			return String(l.S + r.S), nil
		}
		return Value{}, base.Errorf(base.ClassInvalidInput, "operator %s does not apply to STRING operands", op)
	}
	if lk == base.KindLong && rk == base.KindLong {
		if cmp {
			return Bool(cmpResult(op, cmpLong(l.L, r.L))), nil
		}
		v, err := longOp(op, l.L, r.L)
		return Long(v), err
	}
	ld, lok := l.AsDouble()
	rd, rok := r.AsDouble()
	if !lok || !rok {
		if cmp {
			return Null(TypeLong), nil
		}
		return Null(TypeDouble), nil
	}
	if cmp {
		return Bool(cmpDoubleOp(op, ld, rd)), nil
	}
	return Double(doubleOp(op, ld, rd)), nil
}

func complexScalar(v Value) Value {
	if v.Type.Kind == base.KindComplex {
		return FromJSONScalar(v.Obj)
	}
	return v
}

func cmpLong(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpResult(op string, c int) bool {
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "==":
		return c == 0
	}
	return c != 0
}

// cmpDoubleOp compares as Java's primitive operators do (NaN is unequal to
// everything).
func cmpDoubleOp(op string, a, b float64) bool {
	switch op {
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "==":
		return a == b
	}
	return a != b
}

var errDivZero = base.Errorf(base.ClassInvalidInput, "long division by zero")

func longOp(op string, a, b int64) (int64, error) {
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		if b == 0 {
			return 0, errDivZero
		}
		return a / b, nil
	case "%":
		if b == 0 {
			return 0, errDivZero
		}
		return a % b, nil
	case "^":
		return longPow(a, b)
	}
	return 0, base.Errorf(base.ClassInternal, "unknown operator %s", op)
}

// longPow is Guava's LongMath.pow: overflow wraps; the exponent must be a
// non-negative int.
func longPow(a, b int64) (int64, error) {
	if b < 0 || b > math.MaxInt32 {
		return 0, base.Errorf(base.ClassInvalidInput, "long power: exponent %d must be between 0 and %d", b, math.MaxInt32)
	}
	r := int64(1)
	for b > 0 {
		if b&1 == 1 {
			r *= a
		}
		a *= a
		b >>= 1
	}
	return r, nil
}

func doubleOp(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		return a / b
	case "%":
		return math.Mod(a, b)
	case "^":
		return math.Pow(a, b)
	}
	return math.NaN()
}

// compareArrays orders arrays element by element, nulls first, then by
// length.
func compareArrays(a, b Value) int {
	for i := 0; i < len(a.Arr) && i < len(b.Arr); i++ {
		if c := compareValues(a.Arr[i], b.Arr[i]); c != 0 {
			return c
		}
	}
	return cmpLong(int64(len(a.Arr)), int64(len(b.Arr)))
}

// compareValues orders two values of the same type, nulls first.
func compareValues(a, b Value) int {
	switch {
	case a.Null && b.Null:
		return 0
	case a.Null:
		return -1
	case b.Null:
		return 1
	}
	switch a.Type.Kind {
	case base.KindLong:
		if b.Type.Kind == base.KindLong {
			return cmpLong(a.L, b.L)
		}
	case base.KindString:
		if b.Type.Kind == base.KindString {
			return compareStrings(a.S, b.S)
		}
	case base.KindArray:
		return compareArrays(a, b)
	}
	ad, aok := a.AsDouble()
	bd, bok := b.AsDouble()
	if aok && bok {
		switch {
		case ad < bd:
			return -1
		case ad > bd:
			return 1
		}
		return 0
	}
	as, _ := a.AsString()
	bs, _ := b.AsString()
	return compareStrings(as, bs)
}

// valuesEqual is equality for array membership and case_simple: same type
// after conversion, nulls equal to nulls.
func valuesEqual(a, b Value) bool {
	if a.Null || b.Null {
		return a.Null && b.Null
	}
	return compareValues(a, b) == 0
}
