// Package serverview is how the roles that serve segments and the roles that
// use them see each other inside one process: data servers (historicals)
// register themselves with a Loader (what the coordinator asks them to load
// and drop) and a QueryRunner (what the broker asks them to run), and
// announce the segments they serve; the broker follows the announcements to
// build its timeline and the coordinator reads the registry to assign
// segments.
//
// The interfaces take and return serializable values (base.DataSegment,
// base.SegmentID, Descriptor, query.Query, engine.Partial,
// metaquery.Partial) and are
// context-aware, so that an HTTP implementation can stand behind them in a
// cluster; Local is the in-process implementation used when all roles share
// one process.
package serverview
