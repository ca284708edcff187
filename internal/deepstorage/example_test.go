package deepstorage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/deepstorage"
)

// Push a segment file to local deep storage and pull it back.
func Example() {
	dir, _ := os.MkdirTemp("", "dryad-deep")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	deep, err := deepstorage.NewLocal(filepath.Join(dir, "deep"))
	if err != nil {
		fmt.Println(err)
		return
	}
	local := filepath.Join(dir, "built.seg")
	os.WriteFile(local, []byte("segment bytes"), 0o644)

	day, _ := base.ParseInterval("2024-01-01/2024-01-02", time.UTC)
	seg := base.DataSegment{DataSource: "wiki", Interval: day, Version: "v1", ShardSpec: base.ShardSpec{Type: "numbered", PartitionNum: 2}}
	spec, size, err := deep.Push(ctx, local, seg)
	if err != nil {
		fmt.Println(err)
		return
	}
	ls, _ := deepstorage.ParseLocalLoadSpec(spec)
	rel, _ := filepath.Rel(deep.BaseDir(), ls.Path)
	fmt.Println(size, rel, ls.CRC32C)

	if err := deep.Pull(ctx, spec, filepath.Join(dir, "cache", "wiki.seg")); err != nil {
		fmt.Println(err)
	}
	fmt.Println(deep.Kill(ctx, spec))
	ok, _ := deep.Exists(ctx, spec)
	fmt.Println(ok)
	// Output:
	// 13 wiki/2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z/v1/2/index.seg 70485b3c
	// <nil>
	// false
}
