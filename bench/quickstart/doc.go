// Package quickstart runs a real dryad quickstart process and drives it
// over HTTP as a user would: health checks, native batch ingestion tasks,
// native queries, and the process's resident memory from /proc.
//
// Start builds nothing: it runs a binary built beforehand (see Build). The
// process is owned by the Server; Stop ends it with SIGTERM (SIGKILL after a
// grace period). A Server's methods are safe for concurrent use.
//
// HTTP errors are returned as base errors whose class follows the status
// (501 → base.ClassUnsupported, 4xx → ClassInvalidInput or ClassNotFound,
// 5xx → ClassInternal or ClassUnavailable) with Druid's error message.
package quickstart
