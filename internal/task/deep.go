package task

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// DeepStorage is where finished segment files go before they are published.
// Implementations are safe for concurrent use.
type DeepStorage interface {
	// Push copies the local segment file to deep storage under seg's
	// identity and returns the loadSpec that locates it.
	Push(ctx context.Context, localFile string, seg base.DataSegment) (json.RawMessage, error)
	// Kill deletes a pushed segment given its loadSpec; a missing file is
	// not an error.
	Kill(ctx context.Context, loadSpec json.RawMessage) error
	// LocalPath makes a pushed segment readable on this machine and
	// returns its file path (re-indexing reads segments through it).
	LocalPath(ctx context.Context, loadSpec json.RawMessage) (string, error)
}

// SegmentFileName is the name of a segment file in deep storage.
const SegmentFileName = "segment.dryad"

// LocalDeepStorage is Druid's "local" deep storage: a directory (a shared
// filesystem in a cluster). A segment lives at
// Dir/dataSource/start_end/version/partitionNum/segment.dryad (':' in
// instants written as '_', like Druid's local pusher), and its loadSpec is
// {"type":"local","path":"<absolute path>"}.
type LocalDeepStorage struct {
	Dir string
}

type localLoadSpec struct {
	Type string `json:"type"`
	Path string `json:"path"`
}

// Push implements DeepStorage: it copies through a temporary file, syncs
// and renames, so a crash never leaves a half-written file under the final
// name.
func (l LocalDeepStorage) Push(ctx context.Context, localFile string, seg base.DataSegment) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	clean := func(s string) string { return strings.ReplaceAll(s, ":", "_") }
	dir, err := filepath.Abs(filepath.Join(l.Dir, seg.DataSource,
		clean(base.FormatTime(seg.Interval.Start)+"_"+base.FormatTime(seg.Interval.End)),
		clean(seg.Version), strconv.Itoa(seg.ShardSpec.PartitionNum)))
	if err != nil {
		return nil, base.Errorf(base.ClassInternal, "deep storage path for %s: %w", seg.ID(), err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "deep storage directory %s: %w", dir, err)
	}
	dst := filepath.Join(dir, SegmentFileName)
	if err := copyFile(localFile, dst); err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "pushing segment %s to %s: %w", seg.ID(), dst, err)
	}
	return json.Marshal(localLoadSpec{Type: "local", Path: dst})
}

// Kill implements DeepStorage.
func (l LocalDeepStorage) Kill(_ context.Context, loadSpec json.RawMessage) error {
	var ls localLoadSpec
	if err := json.Unmarshal(loadSpec, &ls); err != nil {
		return base.Errorf(base.ClassInvalidInput, "loadSpec %s: %w", loadSpec, err)
	}
	if ls.Type != "local" {
		return base.Errorf(base.ClassUnsupported, "loadSpec type %q: local deep storage kills only local segments", ls.Type)
	}
	if err := os.Remove(ls.Path); err != nil && !os.IsNotExist(err) {
		return base.Errorf(base.ClassUnavailable, "deleting segment file %s: %w", ls.Path, err)
	}
	_ = os.Remove(filepath.Dir(ls.Path)) // the partition directory, when empty
	return nil
}

// LocalPath implements DeepStorage: local segments are read in place.
func (l LocalDeepStorage) LocalPath(_ context.Context, loadSpec json.RawMessage) (string, error) {
	var ls localLoadSpec
	if err := json.Unmarshal(loadSpec, &ls); err != nil {
		return "", base.Errorf(base.ClassInvalidInput, "loadSpec %s: %w", loadSpec, err)
	}
	if ls.Type != "local" {
		return "", base.Errorf(base.ClassUnsupported, "loadSpec type %q: only local segments can be read", ls.Type)
	}
	return ls.Path, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".push-*")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, in)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}
