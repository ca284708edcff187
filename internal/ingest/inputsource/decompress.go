package inputsource

import (
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Compression names a compression scheme chosen by file extension.
type Compression string

// The compression schemes Open understands, as Druid's CompressionUtils
// picks them from the file name.
const (
	None   Compression = ""
	Gzip   Compression = "gz"
	Bzip2  Compression = "bz2"
	Zstd   Compression = "zst"
	XZ     Compression = "xz"
	Zip    Compression = "zip"
	Snappy Compression = "sz"
)

// CompressionOf returns the compression implied by path's extension
// (case-insensitive): .gz, .bz2, .zst, .xz, .zip, .sz/.snappy.
func CompressionOf(path string) Compression {
	p := strings.ToLower(path)
	switch {
	case strings.HasSuffix(p, ".gz"):
		return Gzip
	case strings.HasSuffix(p, ".bz2"):
		return Bzip2
	case strings.HasSuffix(p, ".zst"):
		return Zstd
	case strings.HasSuffix(p, ".xz"):
		return XZ
	case strings.HasSuffix(p, ".zip"):
		return Zip
	case strings.HasSuffix(p, ".sz"), strings.HasSuffix(p, ".snappy"):
		return Snappy
	}
	return None
}

// maxZipBuffer bounds the size of a .zip entity that is buffered in memory
// (zip needs random access).
const maxZipBuffer = 1 << 30

// Open opens e and decompresses it according to its path's extension. For a
// .zip archive the first regular file inside is read, as Druid does. The
// caller closes the returned reader, which also closes the raw stream.
func Open(ctx context.Context, e Entity) (io.ReadCloser, error) {
	raw, err := e.OpenRaw(ctx)
	if err != nil {
		return nil, err
	}
	r, err := Decompress(raw, CompressionOf(e.Path()))
	if err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("entity %q: %w", e.URI(), err)
	}
	return r, nil
}

// Decompress wraps raw in a decompressor for c. Closing the result closes
// raw. Corrupt headers are ClassInvalidInput errors; corruption further in
// surfaces from Read.
func Decompress(raw io.ReadCloser, c Compression) (io.ReadCloser, error) {
	switch c {
	case None:
		return raw, nil
	case Gzip:
		zr, err := gzip.NewReader(raw)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "gzip: %w", err)
		}
		return &stacked{Reader: zr, closers: []io.Closer{zr, raw}}, nil
	case Bzip2:
		return &stacked{Reader: bzip2.NewReader(raw), closers: []io.Closer{raw}}, nil
	case Zstd:
		zr, err := zstd.NewReader(raw, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "zstd: %w", err)
		}
		return &stacked{Reader: zr, closers: []io.Closer{closerFunc(zr.Close), raw}}, nil
	case XZ:
		xr, err := xz.NewReader(raw)
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "xz: %w", err)
		}
		return &stacked{Reader: xr, closers: []io.Closer{raw}}, nil
	case Zip:
		data, err := io.ReadAll(io.LimitReader(raw, maxZipBuffer+1))
		if err != nil {
			return nil, fmt.Errorf("zip: read: %w", err)
		}
		if len(data) > maxZipBuffer {
			return nil, base.Errorf(base.ClassUnsupported, "zip: archives larger than %d bytes are not supported", maxZipBuffer)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, base.Errorf(base.ClassInvalidInput, "zip: %w", err)
		}
		for _, f := range zr.File {
			if f.FileInfo().IsDir() {
				continue
			}
			fr, err := f.Open()
			if err != nil {
				return nil, base.Errorf(base.ClassInvalidInput, "zip: entry %q: %w", f.Name, err)
			}
			return &stacked{Reader: fr, closers: []io.Closer{fr, raw}}, nil
		}
		return nil, base.Errorf(base.ClassInvalidInput, "zip: archive holds no file")
	case Snappy:
		return nil, base.Errorf(base.ClassUnsupported, "snappy-compressed input files are not supported")
	}
	return nil, base.Errorf(base.ClassInternal, "unknown compression %q", string(c))
}

type closerFunc func()

func (f closerFunc) Close() error { f(); return nil }

// stacked is a decompressing reader that closes its layers in order.
type stacked struct {
	io.Reader
	closers []io.Closer
}

func (s *stacked) Read(p []byte) (int, error) {
	n, err := s.Reader.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = base.Errorf(base.ClassInvalidInput, "decompress: %w", err)
	}
	return n, err
}

func (s *stacked) Close() error {
	var first error
	for _, c := range s.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
