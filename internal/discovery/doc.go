// Package discovery is how dryad nodes find each other and agree on leaders:
// node announcement (Announcer, Discoverer) and leader election (Elector).
//
// Roles depend only on the interfaces. The in-process implementations here
// (Local, LocalElections) serve a single process — quickstart, one-process
// servers and tests — and behave as a cluster with one member: a node's
// announcement is visible as soon as it is made, and the first candidate to
// campaign leads until it resigns. An etcd implementation will stand behind
// the same interfaces for clusters.
package discovery
