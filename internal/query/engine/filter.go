package engine

import (
	"strings"
	"unicode/utf8"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/filter"
	"github.com/dryaddb/dryad/internal/query/value"
	"github.com/dryaddb/dryad/internal/segment"
)

// triSet is a filter's result over a domain of rows: the rows where it is
// true and those where it is unknown (SQL NULL); the other rows of the
// domain are false. u may be nil (no unknown rows).
type triSet struct{ t, u *roaring.Bitmap }

// filterEval evaluates a filter tree into bitmaps.
type filterEval struct {
	p    *plan
	root filter.Filter
}

func newFilterEval(p *plan) (*filterEval, error) {
	root := filter.Normalize(p.c.Filter)
	if _, err := filter.Compile(root); err != nil { // reject bad filters up front
		return nil, err
	}
	return &filterEval{p: p, root: root}, nil
}

// eval returns f's result on the rows of dom (results are subsets of dom).
func (e *filterEval) eval(f filter.Filter, dom *roaring.Bitmap) (triSet, error) {
	switch f := f.(type) {
	case nil, *filter.True:
		return triSet{t: dom.Clone()}, nil
	case *filter.False:
		return triSet{t: roaring.New()}, nil
	case *filter.And:
		// Index-answerable children first, so that row-by-row children see
		// only the rows that can still match.
		kids := append([]filter.Filter(nil), f.Fields...)
		sortByCost(e, kids)
		t := dom
		maybe := dom // rows true or unknown for every child so far
		for _, k := range kids {
			r, err := e.eval(k, maybe)
			if err != nil {
				return triSet{}, err
			}
			t = roaring.And(t, r.t)
			maybe = r.t
			if r.u != nil {
				maybe = roaring.Or(r.t, r.u)
			}
			if maybe.IsEmpty() {
				break
			}
		}
		return triSet{t: t, u: nonEmpty(roaring.AndNot(maybe, t))}, nil
	case *filter.Or:
		kids := append([]filter.Filter(nil), f.Fields...)
		sortByCost(e, kids)
		t := roaring.New()
		var us []*roaring.Bitmap
		rest := dom // rows not yet true
		for _, k := range kids {
			r, err := e.eval(k, rest)
			if err != nil {
				return triSet{}, err
			}
			t.Or(r.t)
			if r.u != nil {
				us = append(us, r.u)
			}
			rest = roaring.AndNot(rest, r.t)
			if rest.IsEmpty() {
				break
			}
		}
		var u *roaring.Bitmap
		if len(us) > 0 {
			u = nonEmpty(roaring.AndNot(roaring.FastOr(us...), t))
		}
		return triSet{t: t, u: u}, nil
	case *filter.Not:
		r, err := e.eval(f.Field, dom)
		if err != nil {
			return triSet{}, err
		}
		t := roaring.AndNot(dom, r.t)
		if r.u != nil {
			t.AndNot(r.u)
		}
		return triSet{t: t, u: r.u}, nil
	}
	return e.leaf(f, dom)
}

func nonEmpty(b *roaring.Bitmap) *roaring.Bitmap {
	if b == nil || b.IsEmpty() {
		return nil
	}
	return b
}

// cost ranks a filter: 0 answered by indexes, 1 row by row.
func (e *filterEval) cost(f filter.Filter) int {
	switch f := f.(type) {
	case *filter.True, *filter.False:
		return 0
	case *filter.And:
		c := 0
		for _, k := range f.Fields {
			c = max(c, e.cost(k))
		}
		return c
	case *filter.Or:
		c := 0
		for _, k := range f.Fields {
			c = max(c, e.cost(k))
		}
		return c
	case *filter.Not:
		return e.cost(f.Field)
	}
	if _, ok := e.indexed(f); ok {
		return 0
	}
	return 1
}

func sortByCost(e *filterEval, fs []filter.Filter) {
	// A stable insertion sort: filters lists are short.
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && e.cost(fs[j]) < e.cost(fs[j-1]); j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// indexed returns the source a leaf can be answered from without reading
// rows: a string column's dictionary and bitmaps, a missing column, or
// __time for an interval filter.
func (e *filterEval) indexed(f filter.Filter) (source, bool) {
	cols := filter.RequiredColumns(f)
	if len(cols) == 0 {
		return nil, true // a constant
	}
	if len(cols) != 1 {
		return nil, false
	}
	if _, isVC := e.p.vcs[cols[0]]; isVC {
		return nil, false
	}
	src, err := e.p.source(cols[0])
	if err != nil {
		return nil, false
	}
	switch s := src.(type) {
	case *nullSource:
		return s, true
	case *stringSource:
		return s, !s.multi || perValue(f)
	case *longSource:
		if iv, ok := f.(*filter.Interval); ok && iv.ExtractionFn == nil && cols[0] == base.TimeColumn {
			return s, true
		}
		if _, ok := numericPred(f); ok {
			return s, true
		}
	case *doubleSource, *floatSource:
		if _, ok := numericPred(f); ok {
			return s, true
		}
	}
	return nil, false
}

// perValue reports whether a leaf on a multi-value column matches a row
// exactly when one of its values matches (and is unknown exactly when no
// value matches and one is null), so that it can be evaluated per
// dictionary entry.
func perValue(f filter.Filter) bool {
	switch f := f.(type) {
	case *filter.Selector:
		return f.ExtractionFn == nil
	case *filter.In:
		return f.ExtractionFn == nil
	case *filter.Bound:
		return f.ExtractionFn == nil
	case *filter.Like:
		return f.ExtractionFn == nil
	case *filter.Regex:
		return f.ExtractionFn == nil
	case *filter.Search:
		return f.ExtractionFn == nil
	case *filter.Interval:
		return f.ExtractionFn == nil
	case *filter.Range, *filter.Null:
		return true
	case *filter.Equals:
		return f.MatchValueType.Kind != base.KindArray
	}
	return false
}

func (e *filterEval) leaf(f filter.Filter, dom *roaring.Bitmap) (triSet, error) {
	m, err := filter.Compile(f)
	if err != nil {
		return triSet{}, err
	}
	src, ok := e.indexed(f)
	if !ok {
		return e.rowwise(m, dom)
	}
	switch s := src.(type) {
	case nil, *nullSource:
		// A constant, or a column this segment lacks: every row reads null.
		switch m.Eval(value.MapRow{}) {
		case filter.TriTrue:
			return triSet{t: dom.Clone()}, nil
		case filter.TriUnknown:
			return triSet{t: roaring.New(), u: nonEmpty(dom.Clone())}, nil
		}
		return triSet{t: roaring.New()}, nil
	case *stringSource:
		return e.dictLeaf(f, m, s, dom)
	case *longSource, *doubleSource, *floatSource:
		iv, isInterval := f.(*filter.Interval)
		if !isInterval {
			np, _ := numericPred(f)
			return e.numericLeaf(np, s, dom)
		}
		rs, err := e.p.intervalRanges(sortedIntervals(iv.Intervals))
		if err != nil {
			return triSet{}, err
		}
		t := roaring.New()
		for _, r := range rs {
			t.AddRange(uint64(r.lo), uint64(r.hi))
		}
		t.And(dom)
		return triSet{t: t}, nil
	}
	return e.rowwise(m, dom)
}

func sortedIntervals(ivs []base.Interval) []base.Interval {
	out := append([]base.Interval(nil), ivs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Start < out[j-1].Start; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// dictLeaf evaluates a leaf on a string column once per dictionary entry
// (or finds the entries with IndexOf) and unions their bitmaps.
func (e *filterEval) dictLeaf(f filter.Filter, m filter.Matcher, s *stringSource, dom *roaring.Bitmap) (triSet, error) {
	d := s.d
	var trueIDs, unkIDs []int
	nullTri := filter.TriUnknown // what the null id evaluates to, for the fast paths
	fast := true
	switch f := f.(type) {
	case *filter.Selector:
		if f.ExtractionFn != nil {
			fast = false
			break
		}
		if f.Value == nil {
			nullTri = filter.TriTrue
			break
		}
		if id, ok := s.col.IndexOf(*f.Value); ok && !d.null(int32(id)) {
			trueIDs = append(trueIDs, id)
		}
	case *filter.In:
		if f.ExtractionFn != nil {
			fast = false
			break
		}
		for _, v := range f.Values {
			if v == nil {
				nullTri = filter.TriTrue
				continue
			}
			if id, ok := s.col.IndexOf(*v); ok && !d.null(int32(id)) {
				trueIDs = append(trueIDs, id)
			}
		}
	case *filter.Equals:
		if f.MatchValueType.Kind != base.KindString {
			fast = false
			break
		}
		want, _ := value.ToString(f.MatchValue)
		if id, ok := s.col.IndexOf(want); ok && !d.null(int32(id)) {
			trueIDs = append(trueIDs, id)
		}
	case *filter.Bound:
		if f.ExtractionFn != nil || f.Ordering != value.Lexicographic {
			fast = false
			break
		}
		lo, hi := e.idRange(s, f.Lower, f.LowerStrict, f.Upper, f.UpperStrict)
		for id := lo; id < hi; id++ {
			trueIDs = append(trueIDs, id)
		}
	case *filter.Range:
		if f.MatchValueType.Kind != base.KindString {
			fast = false
			break
		}
		var lo, hi *string
		if f.Lower != nil {
			v, _ := value.ToString(f.Lower)
			lo = &v
		}
		if f.Upper != nil {
			v, _ := value.ToString(f.Upper)
			hi = &v
		}
		a, b := e.idRange(s, lo, f.LowerOpen, hi, f.UpperOpen)
		for id := a; id < b; id++ {
			trueIDs = append(trueIDs, id)
		}
	default:
		fast = false
	}
	if fast {
		if d.hasNull {
			switch nullTri {
			case filter.TriTrue:
				trueIDs = append(trueIDs, 0)
			case filter.TriUnknown:
				unkIDs = append(unkIDs, 0)
			}
		}
	} else {
		var vals []any
		if d.card <= 1<<16 {
			vals = d.boxed() // kept: small dictionaries are read again
		}
		row := &oneRow{name: s.col.Info().Name}
		eval := func(id int) {
			if vals != nil {
				row.v = vals[id]
			} else {
				row.v = d.value(int32(id)) // a large dictionary is not kept in memory
			}
			switch m.Eval(row) {
			case filter.TriTrue:
				trueIDs = append(trueIDs, id)
			case filter.TriUnknown:
				unkIDs = append(unkIDs, id)
			}
		}
		from, to := 0, d.card
		if lf, ok := f.(*filter.Like); ok && lf.ExtractionFn == nil {
			// Only the entries starting with the pattern's literal prefix
			// can match, and they are one id range of the sorted
			// dictionary; the null entry is evaluated on its own.
			if prefix, all := likePrefix(lf.Pattern, lf.Escape); prefix != "" {
				if d.hasNull {
					eval(0)
					from = 1
				}
				lo, _ := s.col.IndexOf(prefix)
				hi, _ := s.col.IndexOf(prefixEnd(prefix))
				from, to = max(from, lo), min(to, hi)
				if all { // "prefix%": every entry of the range matches
					for id := from; id < to; id++ {
						trueIDs = append(trueIDs, id)
					}
					from = to
				}
			}
		}
		for id := from; id < to; id++ {
			if (id-from)&4095 == 0 {
				if err := e.p.checkCtx(); err != nil {
					return triSet{}, err
				}
			}
			eval(id)
		}
	}
	t, err := unionBitmaps(s.col, trueIDs)
	if err != nil {
		return triSet{}, err
	}
	t.And(dom)
	var u *roaring.Bitmap
	if len(unkIDs) > 0 {
		if u, err = unionBitmaps(s.col, unkIDs); err != nil {
			return triSet{}, err
		}
		u.And(dom)
		u.AndNot(t)
		u = nonEmpty(u)
	}
	return triSet{t: t, u: u}, nil
}

// likePrefix returns the literal text a LIKE pattern's matches start with
// (up to its first unescaped wildcard), or "" when there is none or it could
// match other bytes (a literal U+FFFD, which the pattern's regular expression
// also matches on invalid UTF-8). all reports that the rest of the pattern
// is only '%' wildcards, so that every string with the prefix matches.
func likePrefix(pattern, escape string) (prefix string, all bool) {
	var esc rune = -1
	if escape != "" {
		esc, _ = utf8.DecodeRuneInString(escape)
	}
	var b strings.Builder
	escaped := false
	for at, r := range pattern {
		switch {
		case r == utf8.RuneError:
			return "", false
		case escaped:
			escaped = false
		case r == esc:
			escaped = true
			continue
		case r == '%' || r == '_':
			rest := pattern[at:]
			return b.String(), b.Len() > 0 && strings.Trim(rest, "%") == "" && esc != '%'
		}
		b.WriteRune(r)
	}
	if escaped {
		return "", false // a bad pattern: the matcher reports it
	}
	return b.String(), false
}

// prefixEnd returns the least string above every string starting with the
// non-empty, valid UTF-8 prefix (which holds no 0xff byte).
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	b[len(b)-1]++
	return string(b)
}

// idRange returns the non-null ids [lo, hi) whose values lie between the
// bounds in byte order (dictionary order).
func (e *filterEval) idRange(s *stringSource, lower *string, lowerStrict bool, upper *string, upperStrict bool) (int, int) {
	lo, hi := 0, s.d.card
	if s.d.hasNull {
		lo = 1
	}
	if lower != nil {
		id, found := s.col.IndexOf(*lower)
		if found && lowerStrict {
			id++
		}
		lo = max(lo, id)
	}
	if upper != nil {
		id, found := s.col.IndexOf(*upper)
		if found && !upperStrict {
			id++
		}
		hi = min(hi, id)
	}
	return lo, hi
}

func unionBitmaps(col segment.StringColumn, ids []int) (*roaring.Bitmap, error) {
	switch len(ids) {
	case 0:
		return roaring.New(), nil
	case 1:
		bm, err := col.Bitmap(ids[0])
		if err != nil {
			return nil, base.Errorf(base.ClassOf(err), "column %q: %w", col.Info().Name, err)
		}
		return bm.Clone(), nil
	}
	bms := make([]*roaring.Bitmap, len(ids))
	for i, id := range ids {
		bm, err := col.Bitmap(id)
		if err != nil {
			return nil, base.Errorf(base.ClassOf(err), "column %q: %w", col.Info().Name, err)
		}
		bms[i] = bm
	}
	return roaring.FastOr(bms...), nil
}

// oneRow is a row of one column.
type oneRow struct {
	name string
	v    any
}

func (o *oneRow) Value(name string) any {
	if name == o.name {
		return o.v
	}
	return nil
}

// rowwise evaluates a matcher row by row on the rows of dom.
func (e *filterEval) rowwise(m filter.Matcher, dom *roaring.Bitmap) (triSet, error) {
	p := e.p
	t, u := roaring.New(), roaring.New()
	var tBuf, uBuf []uint32
	it := dom.ManyIterator()
	buf := make([]uint32, segment.BlockSize)
	row := &planRow{p: p}
	for {
		k := it.NextMany(buf)
		if k == 0 {
			break
		}
		if err := p.checkCtx(); err != nil {
			return triSet{}, err
		}
		for _, r := range buf[:k] {
			bs := int(r) / segment.BlockSize * segment.BlockSize
			row.start, row.n, row.i = bs, min(segment.BlockSize, p.rows-bs), int(r)-bs
			switch m.Eval(row) {
			case filter.TriTrue:
				tBuf = append(tBuf, r)
			case filter.TriUnknown:
				uBuf = append(uBuf, r)
			}
		}
		t.AddMany(tBuf)
		u.AddMany(uBuf)
		tBuf, uBuf = tBuf[:0], uBuf[:0]
		if p.err != nil {
			return triSet{}, p.err
		}
	}
	return triSet{t: t, u: nonEmpty(u)}, nil
}
