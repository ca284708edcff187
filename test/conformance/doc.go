// Package conformance plays Druid's own integration-test cases against the
// real dryad binary: it ingests the IT ingestion specs from
// ../shared/conformance/druid-it/specs through the Tasks API, waits until
// the coordinator reports every datasource loaded, then posts every native
// query case of the matching query files to /druid/v2/ and compares the
// results with the expected ones as Druid's IT harness does (in order, as
// parsed JSON, integers distinct from doubles, only fieldsToTest when
// given).
//
// It prints "N passed, N failed, N skipped" per query file and overall;
// every skip names its reason. testdata/baseline.txt lists the cases that
// pass: the test fails when one of them stops passing (a regression) and
// logs cases that pass without being listed. Run with
// DRYAD_CONFORMANCE_UPDATE=1 to rewrite the baseline.
package conformance
