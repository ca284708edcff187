package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/dryaddb/dryad/internal/base"
)

// ErrCorrupt is wrapped by every error that reports a malformed segment file
// (bad magic, checksum mismatch, truncation, out-of-range offsets). Such
// errors have class base.ClassInvalidInput and name the section involved.
var ErrCorrupt = errors.New("corrupt segment")

func corrupt(where string, format string, args ...any) error {
	return base.Errorf(base.ClassInvalidInput, "%w: %s: %s", ErrCorrupt, where, fmt.Sprintf(format, args...))
}

// Segment is an open segment file. Opening validates the header, footer,
// section table and metadata; each column section is checksummed and
// validated completely the first time the column is requested. A Segment is
// safe for concurrent use. Every slice, bitmap and Value handed out by a
// Segment or its columns may alias the file's mapped bytes: they are valid
// until Close, and must never be modified (the mapping is read-only; clone a
// bitmap before mutating it).
type Segment struct {
	minor    int
	data     []byte
	mapped   bool
	meta     Metadata
	sections []sectionEntry
	names    []string
	kinds    []SectionKind
	index    map[string]int
	cols     []lazyColumn
}

type lazyColumn struct {
	once sync.Once
	col  Column
	err  error
}

// Open memory-maps the segment file at path and validates it (see Segment).
// Close releases the mapping.
func Open(path string) (*Segment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, base.WithClass(base.ClassNotFound, fmt.Errorf("open segment: %w", err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open segment %s: %w", path, err)
	}
	size := st.Size()
	if size < headerSize+footerSize {
		return nil, fmt.Errorf("segment %s: %w", path, corrupt("file", "%d bytes is too short for a segment", size))
	}
	if int64(int(size)) != size {
		return nil, base.Errorf(base.ClassInvalidInput, "segment %s: %d bytes cannot be mapped", path, size)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap segment %s: %w", path, err)
	}
	s, err := newSegment(data)
	if err != nil {
		_ = unix.Munmap(data)
		return nil, fmt.Errorf("segment %s: %w", path, err)
	}
	s.mapped = true
	return s, nil
}

// FromBytes opens a segment held in memory. The segment aliases b, which
// must not change while the segment is in use.
func FromBytes(b []byte) (*Segment, error) { return newSegment(b) }

// Close unmaps a segment opened with Open; for FromBytes it does nothing.
// Nothing obtained from the segment may be used afterwards.
func (s *Segment) Close() error {
	if !s.mapped || s.data == nil {
		return nil
	}
	err := unix.Munmap(s.data)
	s.data = nil
	return err
}

// NumRows reports the number of rows.
func (s *Segment) NumRows() int { return s.meta.NumRows }

// Metadata returns the segment's metadata. The slices in it are shared and
// must not be modified.
func (s *Segment) Metadata() Metadata { return s.meta }

// ColumnNames returns __time, the dimensions and the metrics, in order.
func (s *Segment) ColumnNames() []string { return s.names }

// FormatVersion reports the file's format version (major is always
// MajorVersion).
func (s *Segment) FormatVersion() (major, minor int) { return MajorVersion, s.minor }

// Size reports the size of the segment file in bytes.
func (s *Segment) Size() int { return len(s.data) }

// Column opens the named column, validating its section on first use.
func (s *Segment) Column(name string) (Column, error) {
	i, ok := s.index[name]
	if !ok {
		return nil, base.Errorf(base.ClassNotFound, "segment has no column %q", name)
	}
	lc := &s.cols[i]
	lc.once.Do(func() { lc.col, lc.err = s.openColumn(i) })
	return lc.col, lc.err
}

func newSegment(data []byte) (*Segment, error) {
	if len(data) < headerSize+footerSize {
		return nil, corrupt("file", "%d bytes is too short for a segment", len(data))
	}
	if string(data[:8]) != Magic {
		return nil, corrupt("header", "bad magic %q", data[:8])
	}
	major := binary.LittleEndian.Uint16(data[8:])
	if major != MajorVersion {
		return nil, base.Errorf(base.ClassUnsupported, "segment format version %d.%d is not supported (this build reads major version %d)", major, binary.LittleEndian.Uint16(data[10:]), MajorVersion)
	}
	if flags := binary.LittleEndian.Uint32(data[12:]); flags != 0 {
		return nil, corrupt("header", "unknown flags %#x", flags)
	}
	foot := data[len(data)-footerSize:]
	if string(foot[24:32]) != FooterMagic {
		return nil, corrupt("footer", "bad magic %q", foot[24:32])
	}
	if got, want := checksum(foot[:20]), binary.LittleEndian.Uint32(foot[20:]); got != want {
		return nil, corrupt("footer", "checksum %08x, want %08x", got, want)
	}
	if fm := binary.LittleEndian.Uint16(foot[16:]); fm != major || binary.LittleEndian.Uint16(foot[18:]) != binary.LittleEndian.Uint16(data[10:]) {
		return nil, corrupt("footer", "version %d.%d differs from the header's", fm, binary.LittleEndian.Uint16(foot[18:]))
	}
	tableOff := binary.LittleEndian.Uint64(foot)
	count := uint64(binary.LittleEndian.Uint32(foot[8:]))
	tableEnd := uint64(len(data) - footerSize)
	if count < 2 || count > maxSections {
		return nil, corrupt("footer", "section count %d out of range", count)
	}
	if tableOff < headerSize || tableOff > tableEnd || tableEnd-tableOff != count*sectionEntrySize {
		return nil, corrupt("footer", "section table at %d with %d entries does not end at the footer (%d)", tableOff, count, tableEnd)
	}
	table := data[tableOff:tableEnd]
	if got, want := checksum(table), binary.LittleEndian.Uint32(foot[12:]); got != want {
		return nil, corrupt("section table", "checksum %08x, want %08x", got, want)
	}
	s := &Segment{data: data, minor: int(binary.LittleEndian.Uint16(data[10:]))}
	prevEnd := uint64(headerSize)
	for i := uint64(0); i < count; i++ {
		e := table[i*sectionEntrySize:]
		se := sectionEntry{
			offset: binary.LittleEndian.Uint64(e),
			length: binary.LittleEndian.Uint64(e[8:]),
			crc:    binary.LittleEndian.Uint32(e[16:]),
			kind:   SectionKind(binary.LittleEndian.Uint16(e[20:])),
		}
		if binary.LittleEndian.Uint16(e[22:]) != 0 {
			return nil, corrupt(fmt.Sprintf("section table entry %d", i), "reserved bits set")
		}
		if se.offset%8 != 0 || se.offset < prevEnd || se.offset > tableOff || se.length > tableOff-se.offset {
			return nil, corrupt(fmt.Sprintf("section table entry %d", i), "section [%d,+%d) is misaligned, overlapping or outside [%d,%d)", se.offset, se.length, prevEnd, tableOff)
		}
		prevEnd = se.offset + se.length
		s.sections = append(s.sections, se)
	}
	ms := s.sections[0]
	if ms.kind != SectionMetadata {
		return nil, corrupt("section 0", "kind %d, want metadata", ms.kind)
	}
	mb := data[ms.offset : ms.offset+ms.length]
	if got := checksum(mb); got != ms.crc {
		return nil, corrupt("section 0 (metadata)", "checksum %08x, want %08x", got, ms.crc)
	}
	meta, err := decodeMetadata(mb)
	if err != nil {
		return nil, corrupt("section 0 (metadata)", "%v", err)
	}
	s.meta = meta
	s.names = meta.ColumnNames()
	s.kinds = meta.columnKinds()
	if len(s.sections) < 1+len(s.names) {
		return nil, corrupt("section table", "%d sections for %d columns", len(s.sections), len(s.names))
	}
	s.index = make(map[string]int, len(s.names))
	for i, n := range s.names {
		s.index[n] = i
		if k := s.sections[i+1].kind; k != s.kinds[i] {
			return nil, corrupt(s.where(i), "section kind %s, schema says %s", k, s.kinds[i])
		}
	}
	s.cols = make([]lazyColumn, len(s.names))
	return s, nil
}

func (s *Segment) where(col int) string {
	return fmt.Sprintf("section %d (%s column %q)", col+1, s.kinds[col], s.names[col])
}

func (s *Segment) openColumn(i int) (Column, error) {
	se := s.sections[i+1]
	b := s.data[se.offset : se.offset+se.length]
	where := s.where(i)
	if got := checksum(b); got != se.crc {
		return nil, corrupt(where, "checksum %08x, want %08x", got, se.crc)
	}
	var typ base.ColumnType
	switch {
	case i == 0:
		typ = base.TypeLong
	case i <= len(s.meta.Dimensions):
		typ = s.meta.Dimensions[i-1].Type
	default:
		typ = s.meta.Metrics[i-1-len(s.meta.Dimensions)].Type
	}
	p := &parser{b: b, where: where}
	h := p.columnHeader(s.kinds[i], s.meta.NumRows)
	info := ColumnInfo{Name: s.names[i], Type: typ, Section: i + 1, Bytes: int64(se.length)}
	var col Column
	switch s.kinds[i] {
	case SectionTime, SectionLong, SectionFloat, SectionDouble:
		col = p.numeric(h, info)
	case SectionString:
		col = p.stringColumn(h, info)
	case SectionComplex:
		col = p.complexColumn(h, info)
	case SectionArray:
		col = p.arrayColumn(h, info)
	}
	if p.err != nil {
		return nil, p.err
	}
	return col, nil
}
