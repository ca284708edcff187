// Package config is dryad's typed configuration: one struct per role plus
// the settings every process shares, each with defaults and validation, and
// the loader that builds it from Druid-style runtime.properties files,
// command-line flags and DRYAD_* environment variables.
//
// Every key dryad understands is declared once, in Keys, with its default,
// the roles that read it and its documentation; docs/configuration.md lists
// the same table. Key names are Druid's where Druid has the setting
// (druid.host, druid.plaintextPort, druid.metadata.storage.type, ...) and
// start with "dryad." otherwise.
//
// Precedence, lowest to highest: built-in defaults, the mode's defaults
// (quickstart or server), the properties file, flags, environment. A
// later source replaces a key's value; it never merges.
//
// The environment variable for a key is DRYAD_ followed by the key in upper
// case with every '.' replaced by '_': druid.metadata.storage.type is
// DRYAD_DRUID_METADATA_STORAGE_TYPE and dryad.dataDir is
// DRYAD_DRYAD_DATADIR. Matching is case-insensitive, which is how
// camel-case keys (druid.plaintextPort ← DRYAD_DRUID_PLAINTEXTPORT) are
// found. DRYAD_* variables that name no known key are logged and ignored.
//
// Unknown keys in a file or flag are logged as warnings and kept (they show
// in /status/properties), as Druid ignores properties it does not use. A
// known key with a bad value fails Load with a one-line ClassInvalidInput
// error naming the key and where the value came from.
//
// A Config is a plain value: build it once at start-up and pass it (or the
// role's part of it) to the code that needs it. It is not safe to mutate
// while others read it.
package config
