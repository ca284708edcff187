package coordinator

import (
	"net/http/httptest"
	"testing"
)

func TestPossibleIDs(t *testing.T) {
	tests := []struct {
		ds, id string
		want   []string // version/partition pairs
	}{
		{"wiki", "wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_v1", []string{"v1/0"}},
		{"wiki", "wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_v1_3", []string{"v1/3", "v1_3/0"}},
		{"my_ds", "my_ds_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_2024-02-01T00:00:00.000Z_2", []string{"2024-02-01T00:00:00.000Z/2", "2024-02-01T00:00:00.000Z_2/0"}},
		{"wiki", "other_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_v1", nil},
		{"wiki", "garbage", nil},
	}
	for _, tc := range tests {
		var got []string
		for _, id := range possibleIDs(tc.ds, tc.id) {
			if id.DataSource != tc.ds {
				t.Errorf("%s: datasource %q", tc.id, id.DataSource)
			}
			got = append(got, id.Version+"/"+string(rune('0'+id.Partition)))
		}
		if len(got) != len(tc.want) {
			t.Errorf("possibleIDs(%s, %s) = %v, want %v", tc.ds, tc.id, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("possibleIDs(%s, %s) = %v, want %v", tc.ds, tc.id, got, tc.want)
			}
		}
	}
}

func TestHistoryParams(t *testing.T) {
	tests := []struct {
		query     string
		iv, count bool
		err       bool
	}{
		{"", false, false, false},
		{"interval=2024-01-01/2024-01-02", true, false, false},
		{"interval=2024-01-01_2024-01-02&count=3", true, false, false},
		{"count=3", false, true, false},
		{"count=0", false, false, true},
		{"count=-1", false, false, true},
		{"count=x", false, false, true},
		{"interval=x", false, false, true},
	}
	for _, tc := range tests {
		iv, count, err := historyParams(httptest.NewRequest("GET", "/h?"+tc.query, nil))
		if (err != nil) != tc.err || (iv != nil) != tc.iv || (count != nil) != tc.count {
			t.Errorf("historyParams(%q) = %v %v %v", tc.query, iv, count, err)
		}
	}
}
