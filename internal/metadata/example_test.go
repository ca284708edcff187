package metadata_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/metadata"
)

// Open an embedded store, publish a segment under a lock check and read it
// back.
func Example() {
	dir, _ := os.MkdirTemp("", "dryad-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	store, err := metadata.Open(ctx, metadata.Config{DataDir: dir}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	day, _ := base.ParseInterval("2024-01-01/2024-01-02", time.UTC)
	seg := base.DataSegment{
		DataSource: "wiki", Interval: day, Version: "2024-01-05T00:00:00.000Z",
		LoadSpec:  json.RawMessage(`{"type":"local","path":"/deep/wiki/index.seg"}`),
		ShardSpec: base.ShardSpec{Type: "numbered"}, BinaryVersion: 9, Size: 1024,
	}
	err = store.PublishSegments(ctx, []base.DataSegment{seg}, metadata.PublishOptions{
		Check: func(ctx context.Context, tx *metadata.Tx) error {
			return nil // the overlord verifies its task locks here
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	used, _ := store.UsedSegments(ctx, "wiki", day)
	fmt.Println(used[0].ID())
	_, err = store.Task(ctx, "no-such-task")
	fmt.Println(base.ClassOf(err))
	// Output:
	// wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_2024-01-05T00:00:00.000Z
	// NOT_FOUND
}
