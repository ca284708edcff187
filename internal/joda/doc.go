// Package joda implements Joda-Time's DateTimeFormat patterns (English
// locale) for formatting and parsing instants: the patterns Druid accepts in
// timestampSpec "format", the timeFormat extraction function and the
// TIME_FORMAT / TIME_PARSE SQL and expression functions.
//
// Compile turns a pattern into an immutable *Format, safe for concurrent
// use; Format prints milliseconds since the epoch in a zone and Parse reads
// them back. Field widths follow Joda: numbers are zero-padded to the
// number of pattern letters, three letters of M or E give short text and
// four or more give full text, "yy" is a two-digit year (parsed with a
// pivot), S is the fraction of a second, Z/ZZ/ZZZ are an offset without
// colon, with colon, and the zone id, z/zzzz the short and long zone name.
// Parse errors are base.ClassInvalidInput and give the offset where
// parsing stopped.
//
// Known differences from Joda: long zone names (zzzz) are known for common
// North American, European and Asian zones only (others print their
// abbreviation); "z" parses only the abbreviations Joda's default parser
// knows (UTC, GMT, UT, EST/EDT, CST/CDT, MST/MDT, PST/PDT).
package joda
