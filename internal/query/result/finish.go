package result

import (
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/postagg"
)

// Table is a finished result: finalized values in column order. For
// timeseries the columns are the aggregators then the post-aggregators;
// for groupBy the dimensions come first.
type Table struct {
	Columns []string
	Rows    []Row
	// GrandTotal is the timeseries grand-total row (nil when not asked for).
	GrandTotal []any
	// Zone prints timestamps with an offset (nil is UTC).
	Zone *time.Location
	// TimestampAsLong prints timestamps as epoch milliseconds.
	TimestampAsLong bool
}

// Row is one finished result row.
type Row struct {
	Timestamp int64
	Values    []any
}

// finisher computes post-aggregators on intermediate values and finalizes
// aggregators.
type finisher struct {
	nDims    int
	aggs     []Aggregator
	posts    []postagg.Evaluator
	names    []string
	index    map[string]int
	finalize bool
}

func newFinisher(dims []string, aggs []Aggregator, posts []postagg.PostAggregator, finalize bool) (*finisher, error) {
	f := &finisher{nDims: len(dims), aggs: aggs, finalize: finalize, index: map[string]int{}}
	for _, d := range dims {
		f.add(d)
	}
	finalizers := map[string]func(any) any{}
	for _, a := range aggs {
		f.add(a.Name())
		finalizers[a.Name()] = a.Finalize
	}
	env := postagg.Env{
		Known:    func(n string) bool { _, ok := f.index[n]; return ok },
		Finalize: func(n string) func(any) any { return finalizers[n] },
	}
	for _, p := range posts {
		ev, err := postagg.Compile(p, env)
		if err != nil {
			return nil, err
		}
		f.posts = append(f.posts, ev)
		f.add(p.Name())
	}
	return f, nil
}

func (f *finisher) add(name string) {
	if _, dup := f.index[name]; !dup {
		f.index[name] = len(f.names)
	}
	f.names = append(f.names, name)
}

// rowView exposes a partially computed output row to post-aggregators.
type rowView struct {
	f    *finisher
	vals []any
}

// Value implements the row interface.
func (r rowView) Value(name string) any {
	i, ok := r.f.index[name]
	if !ok || i >= len(r.vals) {
		return nil
	}
	return r.vals[i]
}

// finish returns dims, finalized aggregators and post-aggregators. The
// post-aggregators read the unfinalized aggregator values, as in Druid.
func (f *finisher) finish(dims, vals []any) []any {
	out := make([]any, 0, len(f.names))
	out = append(out, dims...)
	out = append(out, vals...)
	for _, ev := range f.posts {
		out = append(out, ev(rowView{f, out}))
	}
	if f.finalize {
		for i, a := range f.aggs {
			out[f.nDims+i] = a.Finalize(out[f.nDims+i])
		}
	}
	return out
}

func emptyValues(aggs []Aggregator) []any {
	v := make([]any, len(aggs))
	for i, a := range aggs {
		v[i] = a.Empty()
	}
	return v
}

func combineInto(aggs []Aggregator, dst, src []any) {
	for i, a := range aggs {
		dst[i] = a.Combine(dst[i], src[i])
	}
}

func checkWidth(what string, got, want int) error {
	if got != want {
		return base.Errorf(base.ClassInternal, "%s has %d aggregator values, the query has %d aggregators", what, got, want)
	}
	return nil
}
