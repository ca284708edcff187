// Package middlemanager is the middlemanager role: it runs the tasks the
// overlord assigns (as goroutines, like Druid's Indexer), keeps their logs,
// serves the peon chat endpoints of running tasks, and serves
// /druid/worker/v1/*.
//
// Enabling and disabling the worker works now (a disabled worker will
// accept no new tasks once task running exists); the task and chat
// endpoints are routed and answer 501 until the task runner replaces those
// entries in Routes.
package middlemanager
