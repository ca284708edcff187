// Package router is the router role: the one front door. It serves the
// common /status endpoints itself and hands every other documented path to
// the role that owns it (Owners): in one process by calling that role's
// http.Handler directly, with no HTTP hop. Paths owned by a role that does
// not run in this process answer 501 until routing to other processes
// exists; paths no role owns answer 404 with Druid's error body. The web
// console will be served here too.
package router
