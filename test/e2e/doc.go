// Package e2e holds end-to-end tests: they build the real dryad binary
// once, start it on free ports with temporary data directories, and drive
// it over HTTP and signals only, as a user would.
package e2e
