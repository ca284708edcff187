// Package httpapi is the HTTP plumbing every dryad role shares: Druid's error
// JSON body and the one mapping from error classes to status codes
// (WriteError), JSON responses honouring ?pretty (WriteJSON), request bodies
// decoded into ClassInvalidInput errors that carry the byte offset
// (DecodeJSON), route tables (Route, Mux) whose unknown paths and wrong
// methods answer with Druid-style 404 and 405 bodies instead of ServeMux's
// plain text, the common /status endpoints (StatusRoutes), handlers for
// documented endpoints dryad does not implement yet (Unsupported), and
// middleware for request logging and panic recovery.
//
// Nothing here holds package-level state; loggers and status sources are
// passed in. Every handler and middleware is safe for concurrent use.
package httpapi
