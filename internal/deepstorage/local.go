package deepstorage

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
)

// Storage moves segment files to and from deep storage. Implementations
// are safe for concurrent use; concurrent operations on the same segment
// leave one complete version of it.
type Storage interface {
	// Push copies the segment file at localFile into deep storage for seg
	// and returns the loadSpec to store in the segment's metadata and the
	// number of bytes stored.
	Push(ctx context.Context, localFile string, seg base.DataSegment) (loadSpec json.RawMessage, size int64, err error)
	// Pull copies the segment file described by loadSpec to destFile,
	// replacing it atomically, and verifies it when the loadSpec allows.
	Pull(ctx context.Context, loadSpec json.RawMessage, destFile string) error
	// Kill deletes the segment file described by loadSpec. Killing a file
	// that is already gone succeeds.
	Kill(ctx context.Context, loadSpec json.RawMessage) error
	// Exists reports whether the segment file described by loadSpec is
	// present.
	Exists(ctx context.Context, loadSpec json.RawMessage) (bool, error)
}

// SegmentFileName is the name of a segment's file inside its deep-storage
// directory.
const SegmentFileName = "index.seg"

// LocalType is the loadSpec type of local deep storage.
const LocalType = "local"

// ErrCorrupt is wrapped by errors about a file whose size or checksum does
// not match its loadSpec.
var ErrCorrupt = errors.New("segment file is corrupt")

// LocalLoadSpec is the loadSpec of a segment in local deep storage.
type LocalLoadSpec struct {
	// Type is always "local".
	Type string `json:"type"`
	// Path is the segment file's path. Local writes absolute paths; a
	// relative one is read relative to the base directory.
	Path string `json:"path"`
	// Size is the file's length in bytes; 0 means unknown (loadSpecs
	// written by Druid).
	Size int64 `json:"size,omitempty"`
	// CRC32C is the file's CRC-32C (Castagnoli) as 8 lower-case hex
	// digits; empty means unknown.
	CRC32C string `json:"crc32c,omitempty"`
}

// ParseLocalLoadSpec decodes and validates a local loadSpec.
func ParseLocalLoadSpec(raw json.RawMessage) (LocalLoadSpec, error) {
	var ls LocalLoadSpec
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&ls); err != nil {
		return LocalLoadSpec{}, base.Errorf(base.ClassInvalidInput, "deepstorage: invalid loadSpec %s: %w", abbrev(raw), err)
	}
	if dec.More() {
		return LocalLoadSpec{}, base.Errorf(base.ClassInvalidInput, "deepstorage: invalid loadSpec %s: trailing data", abbrev(raw))
	}
	switch {
	case ls.Type != LocalType:
		return LocalLoadSpec{}, base.Errorf(base.ClassInvalidInput, "deepstorage: loadSpec type %q is not %q", ls.Type, LocalType)
	case ls.Path == "":
		return LocalLoadSpec{}, base.Errorf(base.ClassInvalidInput, "deepstorage: loadSpec has no path")
	case strings.IndexByte(ls.Path, 0) >= 0:
		return LocalLoadSpec{}, base.Errorf(base.ClassInvalidInput, "deepstorage: loadSpec path %q contains NUL", ls.Path)
	case ls.Size < 0:
		return LocalLoadSpec{}, base.Errorf(base.ClassInvalidInput, "deepstorage: loadSpec size %d is negative", ls.Size)
	}
	if ls.CRC32C != "" {
		if _, err := parseCRC(ls.CRC32C); err != nil {
			return LocalLoadSpec{}, base.Errorf(base.ClassInvalidInput, "deepstorage: loadSpec crc32c %q: want 8 hex digits", ls.CRC32C)
		}
	}
	return ls, nil
}

func parseCRC(s string) (uint32, error) {
	if len(s) != 8 {
		return 0, errors.New("length")
	}
	v, err := strconv.ParseUint(s, 16, 32)
	return uint32(v), err
}

func formatCRC(v uint32) string {
	var b [4]byte
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	return hex.EncodeToString(b[:])
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Local is deep storage in a local (or shared, mounted) directory.
// Segment files live at
//
//	baseDir/dataSource/start_end/version/partitionNum/index.seg
//
// with start and end as ISO-8601 UTC instants, as Druid lays it out. It
// is safe for concurrent use.
type Local struct {
	baseDir string
}

var _ Storage = (*Local)(nil)

// NewLocal returns local deep storage rooted at baseDir, creating the
// directory if needed.
func NewLocal(baseDir string) (*Local, error) {
	if baseDir == "" {
		return nil, base.Errorf(base.ClassInvalidInput, "deepstorage: empty base directory")
	}
	abs, err := filepath.Abs(baseDir)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "deepstorage: base directory %q: %w", baseDir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "deepstorage: create base directory %q: %w", abs, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "deepstorage: resolve base directory %q: %w", abs, err)
	}
	return &Local{baseDir: real}, nil
}

// BaseDir returns the absolute, symlink-free base directory.
func (l *Local) BaseDir() string { return l.baseDir }

// SegmentPath returns where seg's file lives under the base directory.
func (l *Local) SegmentPath(seg base.DataSegment) (string, error) {
	for _, c := range []struct{ what, v string }{{"dataSource", seg.DataSource}, {"version", seg.Version}} {
		if err := checkComponent(c.what, c.v); err != nil {
			return "", err
		}
	}
	if seg.Interval.IsEmpty() {
		return "", base.Errorf(base.ClassInvalidInput, "deepstorage: segment %s has an empty interval", seg.ID())
	}
	if seg.ShardSpec.PartitionNum < 0 {
		return "", base.Errorf(base.ClassInvalidInput, "deepstorage: segment %s has negative partition %d", seg.ID(), seg.ShardSpec.PartitionNum)
	}
	return filepath.Join(l.baseDir, seg.DataSource,
		base.FormatTime(seg.Interval.Start)+"_"+base.FormatTime(seg.Interval.End),
		seg.Version, strconv.Itoa(seg.ShardSpec.PartitionNum), SegmentFileName), nil
}

func checkComponent(what, v string) error {
	switch {
	case v == "":
		return base.Errorf(base.ClassInvalidInput, "deepstorage: empty %s", what)
	case v == "." || v == "..":
		return base.Errorf(base.ClassInvalidInput, "deepstorage: %s %q is not a valid path component", what, v)
	case strings.ContainsAny(v, "/\\\x00"):
		return base.Errorf(base.ClassInvalidInput, "deepstorage: %s %q contains '/', '\\' or NUL", what, v)
	}
	return nil
}

// Push copies localFile into deep storage for seg. See Storage.Push.
func (l *Local) Push(ctx context.Context, localFile string, seg base.DataSegment) (json.RawMessage, int64, error) {
	dest, err := l.SegmentPath(seg)
	if err != nil {
		return nil, 0, err
	}
	src, err := os.Open(localFile)
	if err != nil {
		return nil, 0, fileError(err, "deepstorage: push segment %s: open %q", seg.ID(), localFile)
	}
	defer src.Close()
	if st, err := src.Stat(); err != nil {
		return nil, 0, fileError(err, "deepstorage: push segment %s: stat %q", seg.ID(), localFile)
	} else if !st.Mode().IsRegular() {
		return nil, 0, base.Errorf(base.ClassInvalidInput, "deepstorage: push segment %s: %q is not a regular file", seg.ID(), localFile)
	}
	h := crc32.New(castagnoli)
	n, err := writeAtomic(ctx, dest, src, h)
	if err != nil {
		return nil, 0, fmt.Errorf("deepstorage: push segment %s to %q: %w", seg.ID(), dest, err)
	}
	spec, err := json.Marshal(LocalLoadSpec{Type: LocalType, Path: dest, Size: n, CRC32C: formatCRC(h.Sum32())})
	if err != nil {
		return nil, 0, base.Errorf(base.ClassInternal, "deepstorage: encode loadSpec of %s: %w", seg.ID(), err)
	}
	return spec, n, nil
}

// Pull copies the file described by loadSpec to destFile. See
// Storage.Pull.
func (l *Local) Pull(ctx context.Context, loadSpec json.RawMessage, destFile string) error {
	ls, path, err := l.resolve(loadSpec)
	if err != nil {
		return err
	}
	src, err := os.Open(path)
	if err != nil {
		return fileError(err, "deepstorage: pull %q", path)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return fileError(err, "deepstorage: pull %q", path)
	}
	if st.IsDir() {
		return base.Errorf(base.ClassUnsupported, "deepstorage: pull %q: loadSpec points at a directory; dryad segments are single files", path)
	}
	if ls.Size > 0 && st.Size() != ls.Size {
		return base.Errorf(base.ClassInternal, "deepstorage: pull %q: size %d, loadSpec says %d: %w", path, st.Size(), ls.Size, ErrCorrupt)
	}
	h := crc32.New(castagnoli)
	dir := filepath.Dir(destFile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fileError(err, "deepstorage: pull %q: create %q", path, dir)
	}
	verify := func(n int64) error {
		if ls.Size > 0 && n != ls.Size {
			return base.Errorf(base.ClassInternal, "deepstorage: pull %q: read %d bytes, loadSpec says %d: %w", path, n, ls.Size, ErrCorrupt)
		}
		if ls.CRC32C != "" {
			want, _ := parseCRC(ls.CRC32C)
			if got := h.Sum32(); got != want {
				return base.Errorf(base.ClassInternal, "deepstorage: pull %q: crc32c %s, loadSpec says %s: %w", path, formatCRC(got), ls.CRC32C, ErrCorrupt)
			}
		}
		return nil
	}
	if _, err := writeAtomicVerified(ctx, destFile, src, h, verify); err != nil {
		return fmt.Errorf("deepstorage: pull %q to %q: %w", path, destFile, err)
	}
	return nil
}

// Kill deletes the file described by loadSpec and then its parent
// directories up to the base directory while they are empty. See
// Storage.Kill.
func (l *Local) Kill(ctx context.Context, loadSpec json.RawMessage) error {
	_, path, err := l.resolve(loadSpec)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("deepstorage: kill %q: %w", path, err)
	}
	if st, err := os.Lstat(path); err == nil && st.IsDir() {
		return base.Errorf(base.ClassUnsupported, "deepstorage: kill %q: loadSpec points at a directory", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fileError(err, "deepstorage: kill %q", path)
	}
	for dir := filepath.Dir(path); dir != l.baseDir && strings.HasPrefix(dir, l.baseDir+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if err := os.Remove(dir); err != nil {
			break // not empty (another segment or a concurrent push), or gone
		}
	}
	return nil
}

// Exists reports whether the file described by loadSpec exists. See
// Storage.Exists.
func (l *Local) Exists(ctx context.Context, loadSpec json.RawMessage) (bool, error) {
	_, path, err := l.resolve(loadSpec)
	if err != nil {
		return false, err
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fileError(err, "deepstorage: stat %q", path)
	}
	return st.Mode().IsRegular(), nil
}

// resolve parses loadSpec and returns its path, made absolute and checked
// to lie inside the base directory (after resolving symlinks of the
// directories that exist).
func (l *Local) resolve(loadSpec json.RawMessage) (LocalLoadSpec, string, error) {
	ls, err := ParseLocalLoadSpec(loadSpec)
	if err != nil {
		return ls, "", err
	}
	p := ls.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.baseDir, p)
	}
	p = filepath.Clean(p)
	if !l.inside(p) {
		return ls, "", base.Errorf(base.ClassInvalidInput, "deepstorage: loadSpec path %q is outside deep storage %q", ls.Path, l.baseDir)
	}
	// A symlinked directory inside the tree must not lead out of it.
	for dir := filepath.Dir(p); l.inside(dir) || dir == l.baseDir; dir = filepath.Dir(dir) {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			if dir == l.baseDir {
				break
			}
			continue // does not exist (yet): check the parent
		}
		if real != dir && !l.inside(real) && real != l.baseDir {
			return ls, "", base.Errorf(base.ClassInvalidInput, "deepstorage: loadSpec path %q leaves deep storage %q through a symlink", ls.Path, l.baseDir)
		}
		break
	}
	if st, err := os.Lstat(p); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		real, err := filepath.EvalSymlinks(p)
		if err != nil || !l.inside(real) {
			return ls, "", base.Errorf(base.ClassInvalidInput, "deepstorage: loadSpec path %q is a symlink leading out of deep storage %q", ls.Path, l.baseDir)
		}
	}
	return ls, p, nil
}

// inside reports whether the clean absolute path p is strictly below the
// base directory.
func (l *Local) inside(p string) bool {
	rel, err := filepath.Rel(l.baseDir, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// writeAtomic copies r into dest through a temporary file in dest's
// directory, feeding h, and returns the bytes written.
func writeAtomic(ctx context.Context, dest string, r io.Reader, h hash.Hash32) (int64, error) {
	return writeAtomicVerified(ctx, dest, r, h, nil)
}

// writeAtomicVerified is writeAtomic with a check that runs after the copy
// and before the rename; its error discards the copy.
func writeAtomicVerified(ctx context.Context, dest string, r io.Reader, h hash.Hash32, verify func(n int64) error) (n int64, err error) {
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fileError(err, "create directory %q", dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return 0, fileError(err, "create temporary file in %q", dir)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err = io.CopyBuffer(io.MultiWriter(tmp, h), &ctxReader{ctx: ctx, r: r}, make([]byte, 1<<20))
	if err != nil {
		if ctx.Err() != nil {
			return n, err
		}
		return n, fileError(err, "copy to %q", tmp.Name())
	}
	if verify != nil {
		if err := verify(n); err != nil {
			return n, err
		}
	}
	if err := tmp.Sync(); err != nil {
		return n, fileError(err, "sync %q", tmp.Name())
	}
	if err := tmp.Close(); err != nil {
		return n, fileError(err, "close %q", tmp.Name())
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return n, fileError(err, "rename %q to %q", tmp.Name(), dest)
	}
	if err := syncDir(dir); err != nil {
		return n, fileError(err, "sync directory %q", dir)
	}
	return n, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// fileError classifies a filesystem error: missing is NotFound, anything
// else Unavailable (the disk or mount is the problem).
func fileError(err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if errors.Is(err, fs.ErrNotExist) {
		return base.Errorf(base.ClassNotFound, "%s: %w", msg, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", msg, err)
	}
	return base.Errorf(base.ClassUnavailable, "%s: %w", msg, err)
}

func abbrev(b []byte) string {
	if len(b) > 120 {
		return strconv.Quote(string(b[:120]) + "…")
	}
	return strconv.Quote(string(b))
}
