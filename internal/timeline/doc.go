// Package timeline is Druid's VersionedIntervalTimeline: for one
// datasource, which segments are visible for each instant, given that
// newer versions overshadow older ones. The broker uses it to pick the
// segments a query must read; the coordinator uses it to find overshadowed
// segments to mark unused.
//
// # Rules
//
// Segments are added as chunks keyed by (interval, version, partition
// number), each with its shard spec and a payload of the caller's type.
// All chunks of one (interval, version) form a partition set.
//
//   - Versions are strings compared lexicographically, as Druid compares
//     them (they are normally ISO-8601 lock timestamps, which sort in time
//     order).
//   - A partition set is complete when every core partition is present:
//     with n the core-partition count of the shard specs
//     (base.ShardSpec.CorePartitions: "partitions" of numbered/hashed/
//     tombstone, "numCorePartitions" of single/range, 1 for none),
//     partitions 0..n-1 must all be there. Partitions numbered n or more
//     were appended later and belong to the set without being required.
//     Shard specs without a core count (linear) are always complete, and so
//     is a core count of 0 (a set made only of appended partitions).
//   - Over each instant, the visible set is the complete set with the
//     highest version among those whose interval holds the instant. An
//     incomplete set never hides a complete one, however new it is.
//   - Intervals need not align: a higher version over part of a lower
//     one's interval splits it, and the lower one stays visible around it.
//     Lookup returns one Holder per maximal run of one visible set, with
//     Interval the run (clipped to the interval asked about) and
//     TrueInterval the segments' own interval.
//   - Removing chunks uncovers what they hid once their set is no longer
//     complete or is gone.
//   - Tombstones (shard spec type "tombstone") are ordinary partition sets:
//     they overshadow older data, but Chunk.IsTombstone tells readers there
//     is nothing to read.
//   - IsOvershadowed(interval, version) holds when higher complete versions
//     cover the whole interval without gaps. FindFullyOvershadowed returns
//     the sets visible nowhere, neither as the highest complete set nor as
//     the highest set of any completeness (Druid's findFullyOvershadowed).
//
// Segment locks (minor versions within one major version, shard spec
// numbered_overwrite) are not implemented: a set never overshadows
// another of the same version. Two sets of one version with overlapping
// but different intervals (which Druid never creates) are ordered by the
// later start, then the later end.
//
// # Cost and concurrency
//
// Entries and visible pieces live in interval treaps, so Lookup over k
// visible pieces costs O(log n + k) and Add/Remove cost O(log n) plus the
// sets overlapping the changed interval. A Timeline is safe for concurrent
// use (a sync.RWMutex: readers in parallel, writers exclusive). Holders and
// their Chunks slices are snapshots: later writes replace slices rather
// than modify them, and callers must not modify them either.
package timeline
