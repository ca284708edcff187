// Package deepstorage moves segment files between a node's local disk and
// deep storage, the durable store every segment is published to and every
// historical loads from. Storage is the interface (push, pull, kill,
// exists) and Local its local-filesystem implementation, Druid's "local"
// deep storage: a directory tree that may be a shared mount in a cluster.
//
// A pushed segment is described by Druid's loadSpec JSON, stored in the
// segment's metadata; Local writes
//
//	{"type":"local","path":"/abs/base/ds/start_end/version/partition/index.seg","size":N,"crc32c":"1a2b3c4d"}
//
// Druid reads only type and path and ignores the rest; size and crc32c
// are dryad's and let Pull verify the copy it makes. Segment files are
// opaque to this package (a segment is one file; its name in deep storage
// is always SegmentFileName).
//
// Writes are atomic: data goes to a temporary file in the destination
// directory, is fsynced, renamed into place, and the directory is fsynced,
// so a crash leaves either the old state or the complete new file (plus,
// at worst, a stray ".tmp-" file). Errors carry base classes: a missing
// file is base.ClassNotFound, a malformed loadSpec or one whose path
// escapes the base directory is base.ClassInvalidInput, a file whose size
// or checksum does not match its loadSpec is base.ClassInternal wrapping
// ErrCorrupt.
//
// The layout is documented in docs/metadata-store.md ("Deep storage").
package deepstorage
