package segment

// File-format constants. They mirror docs/segment-format.md; changing any of
// them changes the format.
const (
	// Magic opens every segment file.
	Magic = "DRYADSEG"
	// FooterMagic closes every segment file.
	FooterMagic = "DRYADEND"
	// MajorVersion is the format major version this package writes and the
	// only one it reads. Files with another major version are refused.
	MajorVersion = 1
	// MinorVersion is the format minor version this package writes. Readers
	// accept any minor version of their major version: minor versions only
	// append sections after the columns, which older readers ignore.
	MinorVersion = 0

	headerSize       = 16 // magic 8, major 2, minor 2, flags 4
	footerSize       = 32 // tableOffset 8, sectionCount 4, tableCRC 4, major 2, minor 2, footerCRC 4, magic 8
	sectionEntrySize = 24 // offset 8, length 8, crc 4, kind 2, reserved 2
	columnHeaderSize = 16 // kind 1, flags 1, reserved 2, rows 4, blockSize 4, reserved 4

	// BlockSize is the number of rows per encoded block in every column.
	BlockSize = 4096

	// maxSections bounds the section table so that a corrupt count cannot
	// make the reader allocate without limit.
	maxSections = 1 << 20
)

// SectionKind identifies what a section holds. The values are part of the
// format.
type SectionKind uint16

// The section kinds.
const (
	SectionMetadata SectionKind = 1
	SectionTime     SectionKind = 2
	SectionString   SectionKind = 3
	SectionLong     SectionKind = 4
	SectionFloat    SectionKind = 5
	SectionDouble   SectionKind = 6
	SectionComplex  SectionKind = 7
	SectionArray    SectionKind = 8
)

// String names the kind as docs/segment-format.md does.
func (k SectionKind) String() string {
	switch k {
	case SectionMetadata:
		return "metadata"
	case SectionTime:
		return "time"
	case SectionString:
		return "string"
	case SectionLong:
		return "long"
	case SectionFloat:
		return "float"
	case SectionDouble:
		return "double"
	case SectionComplex:
		return "complex"
	case SectionArray:
		return "array"
	}
	return "unknown"
}

// Column header flags.
const (
	flagHasNulls   = 1 << 0 // numeric/complex: a null bitmap is present; string: id 0 is null
	flagMultiValue = 1 << 1 // string: rows hold lists of ids
	flagNoValues   = 1 << 2 // numeric: every row is null, so min/max are meaningless
)

func align8(n int) int { return (n + 7) &^ 7 }
