// Package taskclient is the logic of the `dryad ingest` command: it submits
// a native batch ingestion spec to a running dryad (or Druid) over the Tasks
// API, follows the task with a single updating progress line built from the
// peon rowStats chat endpoint, and prints the final status with the row
// counts of the task report and the number of published segments.
//
// Exit codes: 0 when the task succeeded (or was submitted with --no-wait),
// 1 when it failed or the server could not be reached, 2 for usage errors.
// Nothing here keeps package-level state; a Client is safe for concurrent
// use.
package taskclient
