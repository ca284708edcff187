package task

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/segment"
)

func letterLookups(name string) (map[string]string, bool) {
	if name == "letters" {
		return map[string]string{"a": "alpha", "b": "beta", "z": "drop"}, true
	}
	return nil, false
}

// newLookupService is a started task service whose Config.Lookups is
// lookups.
func newLookupService(t *testing.T, lookups func(string) (map[string]string, bool)) (*Service, string) {
	t.Helper()
	dir := t.TempDir()
	store, err := metadata.Open(context.Background(), metadata.Config{DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	deep := filepath.Join(dir, "deep")
	svc := New(Config{TaskDir: filepath.Join(dir, "tasks"), Capacity: 1, Host: "localhost", Port: 8091, Lookups: lookups},
		store, mustLocal(t, deep), nil)
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	return svc, deep
}

// lookupSpec ingests d (through the transform lookup(d, 'letters',
// 'other')) and drops the rows whose e maps to "drop" (a registeredLookup
// filter).
func lookupSpec() []byte {
	data := `{"ts":"2020-01-01T01:00:00Z","d":"a","e":"z","v":1}
{"ts":"2020-01-01T01:00:00Z","d":"b","e":"x","v":2}
{"ts":"2020-01-01T02:00:00Z","d":"c","e":"y","v":4}
`
	return []byte(strings.Replace(string(inlineSpec("lk", data, "")), `"rollup":true}`, `"rollup":true},"transformSpec":{`+
		`"transforms":[{"type":"expression","name":"d","expression":"lookup(d, 'letters', 'other')"}],`+
		`"filter":{"type":"not","field":{"type":"selector","dimension":"e","value":"drop","extractionFn":{"type":"registeredLookup","lookup":"letters","retainMissingValue":true}}}}`, 1))
}

func TestTransformLookups(t *testing.T) {
	svc, _ := newLookupService(t, letterLookups)
	f := &fixture{svc: svc, store: svc.store}
	st := f.run(t, lookupSpec())
	if st.StatusCode != StateSuccess {
		t.Fatalf("%s: %s", st.StatusCode, st.ErrorMsg)
	}
	segs := f.segments(t, "lk")
	if len(segs) != 1 {
		t.Fatalf("%d segments", len(segs))
	}
	ls, _ := deepstorage.ParseLocalLoadSpec(segs[0].LoadSpec)
	seg, err := segment.Open(ls.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	rr, err := seg.NewRowReader()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rr.Next() {
		row := rr.Row()
		got = append(got, row[1].Str+"="+row[3].String())
	}
	if want := []string{"beta=2", "other=4"}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}

func TestTransformLookupsUnknown(t *testing.T) {
	for name, lookups := range map[string]func(string) (map[string]string, bool){
		"no lookups":     nil,
		"unknown lookup": func(string) (map[string]string, bool) { return nil, false },
	} {
		svc, _ := newLookupService(t, lookups)
		_, err := svc.Submit(context.Background(), lookupSpec())
		if base.ClassOf(err) != base.ClassInvalidInput || !strings.Contains(err.Error(), "letters") || !strings.Contains(err.Error(), "transformSpec") {
			t.Errorf("%s: submit: %v, want a 400 naming the transform and the lookup", name, err)
		}
	}
}
