package segment

import "hash/crc32"

// checksum is the CRC-32C (Castagnoli) of b, the checksum used everywhere in
// the format. (MakeTable returns the standard library's cached table.)
func checksum(b []byte) uint32 {
	return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
}
