package timeline

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
)

func iv(t testing.TB, s string) base.Interval {
	t.Helper()
	v, err := base.ParseInterval(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func intp(n int) *int { return &n }

func numbered(p, core int) base.ShardSpec {
	return base.ShardSpec{Type: "numbered", PartitionNum: p, Partitions: intp(core)}
}

// op is one step of a scenario: "+" adds, "-" removes.
type op struct {
	kind     string
	interval string
	version  string
	spec     base.ShardSpec
}

func add(interval, version string, spec base.ShardSpec) op {
	return op{"+", interval, version, spec}
}

func remove(interval, version string, partition int) op {
	return op{"-", interval, version, base.ShardSpec{PartitionNum: partition}}
}

// render prints holders as "interval version [partitions]".
func render(hs []Holder[string]) []string {
	var out []string
	for _, h := range hs {
		var parts []string
		for _, c := range h.Chunks {
			parts = append(parts, c.Payload)
		}
		s := fmt.Sprintf("%s %s [%s]", h.Interval, h.Version, strings.Join(parts, " "))
		if h.TrueInterval != h.Interval {
			s += " of " + h.TrueInterval.String()
		}
		out = append(out, s)
	}
	return out
}

func build(t *testing.T, ops []op) *Timeline[string] {
	tl := New[string]()
	for _, o := range ops {
		i := iv(t, o.interval)
		switch o.kind {
		case "+":
			name := fmt.Sprintf("%s%d", o.version, o.spec.PartitionNum)
			if err := tl.Add(i, o.version, o.spec, name); err != nil {
				t.Fatal(err)
			}
		case "-":
			if _, ok := tl.Remove(i, o.version, o.spec.PartitionNum); !ok {
				t.Fatalf("remove %s %s %d: not found", o.interval, o.version, o.spec.PartitionNum)
			}
		}
	}
	return tl
}

const (
	day1 = "2013-01-01/2013-01-02"
	day2 = "2013-01-02/2013-01-03"
	days = "2013-01-01/2013-01-03"
)

func TestLookupScenarios(t *testing.T) {
	cases := []struct {
		name   string
		ops    []op
		lookup string
		want   []string
	}{
		{"one complete set", []op{add(day1, "v1", numbered(0, 2)), add(day1, "v1", numbered(1, 2))}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1 [v10 v11]"}},
		{"incomplete set is invisible", []op{add(day1, "v1", numbered(1, 2))}, days, nil},
		{"higher version overshadows", []op{add(day1, "v1", numbered(0, 1)), add(day1, "v2", numbered(0, 1))}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v2 [v20]"}},
		{"lower version added later stays hidden", []op{add(day1, "v2", numbered(0, 1)), add(day1, "v1", numbered(0, 1))}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v2 [v20]"}},
		{"incomplete higher version does not overshadow", []op{
			add(day1, "v1", numbered(0, 1)), add(day1, "v2", numbered(0, 2))}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1 [v10]"}},
		{"completing the higher version overshadows", []op{
			add(day1, "v1", numbered(0, 1)), add(day1, "v2", numbered(1, 2)), add(day1, "v2", numbered(0, 2))}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v2 [v20 v21]"}},
		{"partial overlap splits", []op{
			add("2013-01-01/2013-01-03", "v1", numbered(0, 1)), add("2013-01-02/2013-01-04", "v2", numbered(0, 1))}, "2013-01-01/2013-01-05",
			[]string{
				"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1 [v10] of 2013-01-01T00:00:00.000Z/2013-01-03T00:00:00.000Z",
				"2013-01-02T00:00:00.000Z/2013-01-04T00:00:00.000Z v2 [v20]",
			}},
		{"newer version inside an older one", []op{
			add("2013-01-01/2013-01-10", "v1", numbered(0, 1)), add("2013-01-03/2013-01-05", "v2", numbered(0, 1))}, "2013-01-01/2013-01-10",
			[]string{
				"2013-01-01T00:00:00.000Z/2013-01-03T00:00:00.000Z v1 [v10] of 2013-01-01T00:00:00.000Z/2013-01-10T00:00:00.000Z",
				"2013-01-03T00:00:00.000Z/2013-01-05T00:00:00.000Z v2 [v20]",
				"2013-01-05T00:00:00.000Z/2013-01-10T00:00:00.000Z v1 [v10] of 2013-01-01T00:00:00.000Z/2013-01-10T00:00:00.000Z",
			}},
		{"older version inside a newer one is hidden", []op{
			add("2013-01-03/2013-01-05", "v1", numbered(0, 1)), add("2013-01-01/2013-01-10", "v2", numbered(0, 1))}, "2013-01-01/2013-01-10",
			[]string{"2013-01-01T00:00:00.000Z/2013-01-10T00:00:00.000Z v2 [v20]"}},
		{"removal restores the older version", []op{
			add(day1, "v1", numbered(0, 1)), add(day1, "v2", numbered(0, 2)), add(day1, "v2", numbered(1, 2)), remove(day1, "v2", 1)}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1 [v10]"}},
		{"removal of a middle version rejoins the older one", []op{
			add("2013-01-01/2013-01-10", "v1", numbered(0, 1)), add("2013-01-03/2013-01-05", "v2", numbered(0, 1)), remove("2013-01-03/2013-01-05", "v2", 0)}, "2013-01-01/2013-01-10",
			[]string{"2013-01-01T00:00:00.000Z/2013-01-10T00:00:00.000Z v1 [v10]"}},
		{"appended partitions join the set", []op{
			add(day1, "v1", numbered(0, 2)), add(day1, "v1", numbered(1, 2)), add(day1, "v1", numbered(2, 2)), add(day1, "v1", numbered(3, 2))}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1 [v10 v11 v12 v13]"}},
		{"appended partitions do not complete a set", []op{
			add(day1, "v1", numbered(0, 2)), add(day1, "v1", numbered(2, 2))}, days, nil},
		{"core count zero: appended-only sets are complete", []op{add(day1, "v1", numbered(3, 0))}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1 [v13]"}},
		{"linear is always complete", []op{add(day1, "v1", base.ShardSpec{Type: "linear", PartitionNum: 4})}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1 [v14]"}},
		{"none needs partition 0", []op{add(day1, "v1", base.ShardSpec{Type: "none"})}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1 [v10]"}},
		{"range shard specs use numCorePartitions", []op{
			add(day1, "v1", base.ShardSpec{Type: "range", PartitionNum: 0, NumCorePartitions: intp(2)}),
			add(day1, "v0", numbered(0, 1))}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v0 [v00]"}},
		{"tombstone overshadows", []op{
			add(day1, "v1", numbered(0, 1)), add(day1, "v2", base.ShardSpec{Type: "tombstone", PartitionNum: 0, Partitions: intp(1)})}, days,
			[]string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v2 [v20]"}},
		{"lookup clips to the interval", []op{add("2013-01-01/2013-02-01", "v1", numbered(0, 1))}, "2013-01-05T12:00/2013-01-06",
			[]string{"2013-01-05T12:00:00.000Z/2013-01-06T00:00:00.000Z v1 [v10] of 2013-01-01T00:00:00.000Z/2013-02-01T00:00:00.000Z"}},
		{"unaligned: month over days", []op{
			add(day1, "v1", numbered(0, 1)), add(day2, "v1", numbered(0, 1)), add("2013-01-02T12:00/2013-02-01", "v2", numbered(0, 1))}, days,
			[]string{
				"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1 [v10]",
				"2013-01-02T00:00:00.000Z/2013-01-02T12:00:00.000Z v1 [v10] of 2013-01-02T00:00:00.000Z/2013-01-03T00:00:00.000Z",
				"2013-01-02T12:00:00.000Z/2013-01-03T00:00:00.000Z v2 [v20] of 2013-01-02T12:00:00.000Z/2013-02-01T00:00:00.000Z",
			}},
		{"gaps are absent", []op{add(day1, "v1", numbered(0, 1)), add("2013-01-05/2013-01-06", "v1", numbered(0, 1))}, "2013-01-01/2013-01-10",
			[]string{
				"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1 [v10]",
				"2013-01-05T00:00:00.000Z/2013-01-06T00:00:00.000Z v1 [v10]",
			}},
		{"three versions stack", []op{
			add("2013-01-01/2013-01-10", "v1", numbered(0, 1)), add("2013-01-02/2013-01-08", "v2", numbered(0, 1)), add("2013-01-04/2013-01-06", "v3", numbered(0, 1)), remove("2013-01-02/2013-01-08", "v2", 0)}, "2013-01-01/2013-01-10",
			[]string{
				"2013-01-01T00:00:00.000Z/2013-01-04T00:00:00.000Z v1 [v10] of 2013-01-01T00:00:00.000Z/2013-01-10T00:00:00.000Z",
				"2013-01-04T00:00:00.000Z/2013-01-06T00:00:00.000Z v3 [v30]",
				"2013-01-06T00:00:00.000Z/2013-01-10T00:00:00.000Z v1 [v10] of 2013-01-01T00:00:00.000Z/2013-01-10T00:00:00.000Z",
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := build(t, c.ops)
			got := render(tl.Lookup(iv(t, c.lookup)))
			if !slices.Equal(got, c.want) {
				t.Errorf("Lookup(%s) =\n  %s\nwant\n  %s", c.lookup, strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

func TestOvershadowed(t *testing.T) {
	tl := build(t, []op{
		add(day1, "v1", numbered(0, 1)),
		add(day2, "v1", numbered(0, 1)),
		add(days, "v2", numbered(0, 1)),                    // complete: hides both v1 days
		add("2013-01-03/2013-01-04", "v1", numbered(0, 1)), // alone
		add("2013-01-03/2013-01-04", "v3", numbered(0, 2)), // incomplete: hides nothing
		add("2013-01-05/2013-01-07", "v1", numbered(0, 1)),
		add("2013-01-05/2013-01-06", "v2", numbered(0, 1)), // covers half
		add("2013-01-08/2013-01-09", "v1", numbered(0, 1)),
		add("2013-01-08/2013-01-09", "v2", numbered(0, 2)), // incomplete
		add("2013-01-08/2013-01-09", "v3", numbered(0, 1)), // complete: hides v1 and the incomplete v2
	})
	cases := []struct {
		interval, version string
		want              bool
	}{
		{day1, "v1", true},
		{day2, "v1", true},
		{days, "v2", false},
		{days, "v1", true},
		{days, "v3", false},
		{"2013-01-03/2013-01-04", "v1", false},
		{"2013-01-03/2013-01-04", "v3", false},
		{"2013-01-05/2013-01-07", "v1", false},
		{"2013-01-05/2013-01-06", "v1", true},
		{"2013-01-08/2013-01-09", "v1", true},
		{"2013-01-08/2013-01-09", "v2", true},
		{"2013-01-08/2013-01-09", "v3", false},
		{"2013-01-01/2013-01-04", "v0", true}, // v2 then v1 (v3 is incomplete), all above v0, no gap
	}
	for _, c := range cases {
		if got := tl.IsOvershadowed(iv(t, c.interval), c.version, 0); got != c.want {
			t.Errorf("IsOvershadowed(%s, %s) = %v, want %v", c.interval, c.version, got, c.want)
		}
	}
	if tl.IsOvershadowed(iv(t, "2013-01-01/2013-01-10"), "v0", 0) {
		t.Error("an interval with gaps is not overshadowed")
	}
	var got []string
	for _, h := range tl.FindFullyOvershadowed() {
		got = append(got, h.TrueInterval.String()+" "+h.Version)
	}
	want := []string{
		"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v1",
		"2013-01-02T00:00:00.000Z/2013-01-03T00:00:00.000Z v1",
		"2013-01-08T00:00:00.000Z/2013-01-09T00:00:00.000Z v1",
		"2013-01-08T00:00:00.000Z/2013-01-09T00:00:00.000Z v2",
	}
	if !slices.Equal(got, want) {
		t.Errorf("FindFullyOvershadowed =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestAddErrorsAndReplace(t *testing.T) {
	tl := New[string]()
	if err := tl.Add(base.Interval{Start: 5, End: 5}, "v1", numbered(0, 1), "x"); base.ClassOf(err) != base.ClassInvalidInput {
		t.Errorf("empty interval: %v", err)
	}
	if err := tl.Add(base.Interval{Start: 0, End: 5}, "v1", numbered(-1, 1), "x"); base.ClassOf(err) != base.ClassInvalidInput {
		t.Errorf("negative partition: %v", err)
	}
	i := base.Interval{Start: 0, End: 10}
	_ = tl.Add(i, "v1", numbered(0, 1), "a")
	_ = tl.Add(i, "v1", numbered(0, 1), "b")
	if tl.Len() != 1 {
		t.Errorf("Len = %d after replacing", tl.Len())
	}
	hs := tl.Lookup(i)
	if len(hs) != 1 || hs[0].Chunks[0].Payload != "b" {
		t.Errorf("Lookup after replace = %v", hs)
	}
	if _, ok := tl.Remove(i, "v1", 3); ok {
		t.Error("removed a missing partition")
	}
	if _, ok := tl.Remove(i, "v2", 0); ok {
		t.Error("removed a missing version")
	}
	if p, ok := tl.Remove(i, "v1", 0); !ok || p != "b" {
		t.Errorf("Remove = %q, %v", p, ok)
	}
	if !tl.IsEmpty() || len(tl.Lookup(i)) != 0 || len(tl.LookupWithIncomplete(i)) != 0 {
		t.Error("timeline not empty after removing everything")
	}
	// Holders are snapshots.
	_ = tl.Add(i, "v1", numbered(0, 1), "a")
	before := tl.Lookup(i)
	_ = tl.Add(i, "v1", numbered(1, 1), "c")
	if len(before[0].Chunks) != 1 {
		t.Error("a later Add changed a returned holder")
	}
	if got := tl.Lookup(i); len(got[0].Chunks) != 2 {
		t.Errorf("appended partition missing: %v", got)
	}
}

func TestNonOvershadowed(t *testing.T) {
	tl := build(t, []op{
		add("2013-01-01/2013-01-10", "v1", numbered(0, 2)), add("2013-01-01/2013-01-10", "v1", numbered(1, 2)),
		add("2013-01-03/2013-01-05", "v2", numbered(0, 1)),
	})
	got := tl.NonOvershadowed(iv(t, "2013-01-01/2013-01-10"))
	if want := []string{"v10", "v11", "v20"}; !slices.Equal(got, want) {
		t.Errorf("NonOvershadowed = %v, want %v", got, want)
	}
	got = tl.NonOvershadowed(iv(t, "2013-01-03/2013-01-04"))
	if want := []string{"v20"}; !slices.Equal(got, want) {
		t.Errorf("NonOvershadowed = %v, want %v", got, want)
	}
}

func TestLookupWithIncomplete(t *testing.T) {
	tl := build(t, []op{add(day1, "v1", numbered(0, 1)), add(day1, "v2", numbered(1, 2))})
	got := render(tl.LookupWithIncomplete(iv(t, days)))
	want := []string{"2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z v2 [v21]"}
	if !slices.Equal(got, want) {
		t.Errorf("LookupWithIncomplete = %v, want %v", got, want)
	}
	if c, ok := tl.Get(iv(t, day1), "v2"); !ok || len(c) != 1 {
		t.Errorf("Get = %v, %v", c, ok)
	}
	hs := tl.Lookup(iv(t, days))
	if len(hs) != 1 || hs[0].Chunks[0].IsTombstone() || hs[0].Chunks[0].PartitionNum() != 0 {
		t.Errorf("Lookup = %v", hs)
	}
}

// Readers run alongside a writer; run with -race.
func TestConcurrentReaders(t *testing.T) {
	tl := New[int]()
	done := make(chan struct{})
	var readers [4]chan struct{}
	for r := range readers {
		readers[r] = make(chan struct{})
		go func(stop chan struct{}) {
			defer close(stop)
			for {
				select {
				case <-done:
					return
				default:
				}
				for _, h := range tl.Lookup(base.Interval{Start: 0, End: 1000}) {
					if len(h.Chunks) == 0 || h.Interval.IsEmpty() {
						t.Error("empty holder")
						return
					}
				}
				tl.IsOvershadowed(base.Interval{Start: 0, End: 10}, "v1", 0)
				tl.FindFullyOvershadowed()
			}
		}(readers[r])
	}
	for i := 0; i < 2000; i++ {
		s := int64(i % 100 * 10)
		v := fmt.Sprintf("v%d", i%3)
		_ = tl.Add(base.Interval{Start: s, End: s + 15}, v, numbered(i%2, 2), i)
		if i%5 == 0 {
			tl.Remove(base.Interval{Start: s, End: s + 15}, v, 0)
		}
	}
	close(done)
	for _, r := range readers {
		<-r
	}
}
